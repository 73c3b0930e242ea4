"""The learned lead score (issue 7): how likely a lead is to become a client, judged from
what was known at intake, with the reasons that moved it.

It stands beside temperature (PRODUCT.md §3), never instead of it: temperature says how
interested a lead is from what it did; the score says how often leads like it have
become clients. Nothing here changes a person's temperature, qualification or type.

The modules, pure ones first:

- `features`: one definition of the fields a model reads, used for training and scoring
  alike, so a lead is never described one way to learn and another to be scored.
- `naive_bayes`: the baseline, a per-field frequency scorer of the kind Odoo CRM uses.
- `model`: the learned model (a regularised logistic regression, Platt-calibrated) and
  the top reasons per lead, as `reasons.Reason` ("source = webinar raises the score").
- `evaluation`, `datasets`: the held-out comparison that `bench/score_bench.py` prints and
  the acceptance test asserts, on the public X Education and Olist data.
- `data` (Django): the CRM's leads as one frame, read set-based.
- `service` (Django): train on the CRM's history, store the model, score people.
- `commands`: the plain functions the CLI and the scheduler call.

Only `model` and `evaluation` import scikit-learn, and only when they are used: the person
page imports `service`, which unpickles a model (and so loads scikit-learn) the first time
a stored model scores someone.
"""
