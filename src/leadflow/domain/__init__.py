"""The domain core: PRODUCT.md's rules as plain Python.

Nothing here imports Django, HTTP or a database driver (a test enforces it). Every
decision returns its reasons so pages, exports and the API can show them.
"""
