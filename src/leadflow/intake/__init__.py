"""Intake: one set-based pipeline for every door (file import, web form, webhook, by hand).

    read (read.py) → map headers (fields.py) → validate & normalize (normalize.py)
    → drop spam (spam.py) → block Avoid → dedupe & merge → flag incomplete → classify
    → write (pipeline.py, writer.py)

Every stage works on whole polars columns; a per-row Python call on the hot path is a bug
unless it runs once per *distinct* value (phone formats that need phonenumbers, profiles
that need the domain's qualify()).
"""
