"""Lead score benchmark (issue 7): the learned score against naive Bayes and temperature
alone, on the held-out side of the public lead data in ../shared/data.

For each dataset it prints the split, the sizes and won rates of both sides, and AUC and
Brier score on the test side for:

- **learned**: `leadflow.scoring.model.LearnedScore`, a logistic regression over one-hot
  fields (values seen fewer than N times on the training side pooled) and quantile bins
  of numbers, its penalty and N chosen by 5-fold cross-validation on the training side,
  Platt-calibrated on out-of-fold predictions.
- **naive Bayes**: `leadflow.scoring.naive_bayes.NaiveBayesScorer`, the per-field won/lost
  value frequencies combined under independence, Laplace-smoothed (alpha = 1), with the
  won/lost prior, as Odoo CRM's predictive lead scoring does; it reads the same fields,
  numbers as the same 20 quantile bins of the training side.
- **temperature alone**: leads ranked by temperature (AUC); each temperature's won rate
  on the training side as its probability (Brier).

The datasets (decided in `leadflow.scoring.datasets`, shared with the acceptance test
tests/scoring/test_shared_data_targets.py):

- **X Education** (`x-education-leads/Leads.csv`, 9,240 leads, `Converted`): no dates, so
  a fixed-seed (7) stratified 70/30 split. `Select` is missing. Left out: the ids and the
  fields a rep fills in after contact, which leak the outcome (`Tags`, `Lead Quality`,
  `Last Activity`, `Last Notable Activity`). `Lead Source` is read case-folded.
  Temperature from the kind of action only, as PRODUCT.md §3 grades it: cold = asked for
  no follow-up (Do Not Email or Do Not Call = Yes); hot = the enquiry form asking to be
  called (Lead Origin = Lead Add Form or Quick Add Form); warm = signed up on a landing
  page (Landing Page Submission); cool = the rest (API: chat and ads; Lead Import).
  Visits and time on site are amounts, not kinds of action: they are fields of the
  models, not temperature triggers.
- **Olist** (8,000 MQLs; won = the MQL is among the closed deals): only the source
  (`origin`), the landing page and the first-contact date are known for every lead; the
  models read the source, the landing page (495 values; in the learned model, pages seen
  too seldom on the training side share one "rare page" coefficient) and the weekday of
  first contact. Time-ordered split: leads before the date at the 70th
  percentile learn, that date and later measure. There is no activity data, so every
  lead is warm and temperature ranks nobody: AUC 0.5, Brier of the training won rate.

Targets: X Education learned AUC >= naive Bayes AUC + 0.03 and a lower Brier score; Olist
learned AUC >= naive Bayes AUC - 0.01 and a lower Brier score. Prints whether each is met;
asserts nothing, exits 0. A dataset that is not there is skipped with a message.

    uv run python bench/score_bench.py [--data DIR]

--data defaults to LEADFLOW_SHARED_DATA, else ../shared/data.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path

from leadflow.scoring.datasets import (
    OLIST_DEALS_FILE,
    OLIST_LEADS_FILE,
    X_EDUCATION_FILE,
    load_olist,
    load_x_education,
    shared_data_root,
)
from leadflow.scoring.evaluation import Dataset, Evaluation, Figures, evaluate


def _figure(value: float | None) -> str:
    return "  n/a" if value is None else f"{value:.4f}"


def _print(result: Evaluation, seconds: float) -> None:
    print(f"== {result.dataset}")
    print(f"split: {result.split}")
    print(
        f"train: {result.train_rows:,} leads, won rate {result.train_won_rate:.1%}; "
        f"test: {result.test_rows:,} leads, won rate {result.test_won_rate:.1%}"
    )
    print(f"learned model: {result.model.algorithm}")
    print(f"temperature: {result.temperature_rule}")
    print(f"{'scorer':<20} {'AUC':>8} {'Brier':>8}")
    rows: list[tuple[str, Figures]] = [
        ("learned", result.learned),
        ("naive Bayes", result.naive_bayes),
        ("temperature alone", result.temperature),
    ]
    for name, figures in rows:
        print(f"{name:<20} {_figure(figures.auc):>8} {_figure(figures.brier):>8}")
    learned, naive = result.learned, result.naive_bayes
    if learned.auc is not None and naive.auc is not None:
        print(
            f"learned - naive Bayes: AUC {learned.auc - naive.auc:+.4f} "
            f"(target {result.auc_margin:+.2f} or more), "
            f"Brier {learned.brier - naive.brier:+.4f} (target below 0)"
        )
    print(f"target met: {'yes' if result.meets_target else 'NO'}  ({seconds:.1f} s)")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="the shared data folder")
    root: Path = parser.parse_args().data or shared_data_root()
    datasets: list[tuple[str, tuple[tuple[str, str], ...], Callable[[Path], Dataset]]] = [
        ("X Education", (X_EDUCATION_FILE,), load_x_education),
        ("Olist", (OLIST_LEADS_FILE, OLIST_DEALS_FILE), load_olist),
    ]
    for name, files, load in datasets:
        absent = [root.joinpath(*f) for f in files if not root.joinpath(*f).is_file()]
        if absent:
            print(f"== {name}: skipped, {absent[0]} not found (set LEADFLOW_SHARED_DATA or --data)")
            print()
            continue
        started = time.perf_counter()
        result = evaluate(load(root))
        _print(result, time.perf_counter() - started)


if __name__ == "__main__":
    main()
