"""List exports (PRODUCT.md §5, issue 6): who may get a channel's campaign, and who not.

`candidates` reads everyone a channel could reach in one query; `engine` decides
through the domain's one `eligibility` function; `service` writes the files and the
ExportRecord; `history` answers "was this person on the list we sent on DATE?".
"""
