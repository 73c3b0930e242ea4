"""The page tests' small worlds (built with the real services) serve the reports too."""

from tests.http.conftest import staff, world

__all__ = ["staff", "world"]
