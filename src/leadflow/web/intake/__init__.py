"""Intake's other doors: upload page, embeddable web form, webhook, manual entry.

Each door only parses, authenticates and renders; every record goes through
``leadflow.intake.run.run_intake``, the one pipeline the CLI import uses too.
"""
