"""Writes. Keyword-only functions under @transaction.atomic; each leaves a history row."""
