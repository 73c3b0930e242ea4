"""Reads: typed query functions for pages, the API and reports. No writes here."""
