"""Moving in from another CRM: historical deals, set-based (`leadflow import-deals`).

    read (intake.read) → columns.py: map headers, one text column per field
    → validate.py: stage names, dates, values, lost reasons (pure, polars)
    → stored.py: the people, deals and users the file names (one SELECT each)
    → plan.py: match people, block Avoid, drop duplicates, one open deal per person (pure)
    → writer.py: users, opportunities, their history and the people's new types (insert_rows)
    → run.py: one transaction, all-or-nothing or skip-bad, dry run, the report

People come first: a deal never lands without its person, so the people are imported
with `leadflow import` and the deals find them by their external id or email.

The planning modules (columns, validate, plan) import nothing from Django.
"""
