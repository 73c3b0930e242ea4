"""Spam rules for intake rows (issue 4, step 3): a row a rule catches is dropped and only
counted per campaign, so every rule here is deliberately conservative.

`spam_reasons` reads the *normalized* frame (normalize.py) and names, per row, the first
rule that caught it (null: not spam):

1. honeypot — the hidden form field only bots fill in has a value:
   "honeypot field filled in".
2. disposable email — the email's domain, or the domain it is a subdomain of, is on the
   shipped list of throwaway-mail services (disposable_domains.txt):
   "disposable email domain mailinator.com".
3. test name — the first or last name is a word people type to try a form: test, asdf,
   qwerty, xxx, aaa, fake, dummy, lorem...: 'test name "asdf"'.
4. keyboard mash — a first or last name of 5+ letters without a vowel ("sdfghjk"), with a
   character 4+ times in a row ("aaaa"), or with 5+ neighbouring keys of a keyboard row
   ("qwert", "ghjkl", "zxcvb"): 'keyboard-mash name "sdfghjk"'.
5. impossible phone — its digits (after a country code or trunk 0) are one digit repeated
   ("000-000-0000", "+44 7777 777777"), contain a run of 8+ ascending or descending
   digits ("123-456-7890", "0123456789"), or use NANP area code 555, which is not
   assigned ("(555) 555-1234"): 'impossible phone number "000-000-0000"'.

Not spam, on purpose:
- 555-0100…555-0199 with a real area code: reserved for fiction but valid numbers, and
  what demo data and many test lists use; a person is not a bot for using one.
- Names of two or three letters ("Ng", "Li", "Wu"), or with 5 consonants in a row but a
  vowel somewhere ("Rothschild", "Brzęczyszczykiewicz", "Hirschsprung"): only a name
  with *no* vowel at all counts as a mash.
- Other numbers phonenumbers rejects (an area code starting with 0 or 1 ...): normalize
  reports those as errors; spam does not know the row's region, and GB and DE national
  numbers do start with 0.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import polars as pl

from leadflow.intake.cells import by_distinct

_TEST_WORDS = frozenset(
    """
    test testing tester testtest test1 test123 asdf asdfg asdfgh asdfghjkl qwerty qwertz
    azerty xxx yyy zzz aaa abc abcd abcde fake dummy spam spammer sample lorem ipsum blah
    blabla foobar firstname lastname
    """.split()
)
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm", "qwertzuiop", "yxcvbnm", "azertyuiop", "1234567890")
_MASH = "|".join(
    sorted(
        {run[i : i + 5] for row in _ROWS for run in (row, row[::-1]) for i in range(len(run) - 4)}
    )
)
_REPEATED = "|".join(c * 4 for c in "abcdefghijklmnopqrstuvwxyz0123456789")
_NO_VOWEL = r"^[b-df-hj-np-tv-xz]{5,}$"  # y counts as a vowel: "Glynn", "Llwyd"

_SAME_DIGIT = "|".join(d * 7 + "+" for d in "0123456789")
_ASCENDING = "01234567890"
_RUNS = "|".join(
    sorted({seq[i : i + 8] for seq in (_ASCENDING, _ASCENDING[::-1]) for i in range(len(seq) - 7)})
)
# On digits: one digit repeated after a country code or trunk 0, a run, NANP area code 555.
_IMPOSSIBLE = rf"(?:1|44|49|0{{1,2}})?(?:{_SAME_DIGIT})$|.*(?:{_RUNS})|1?555\d{{7}}$"


@cache
def disposable_domains() -> frozenset[str]:
    """The shipped list of throwaway-mail domains, read once."""
    text = files("leadflow.intake").joinpath("disposable_domains.txt").read_text("utf-8")
    lines = (line.strip().lower() for line in text.splitlines())
    return frozenset(line for line in lines if line and not line.startswith("#"))


def spam_reasons(frame: pl.DataFrame) -> pl.Series:
    """One String per row of the normalized frame: the rule that caught it, or null."""
    work = frame.select(
        honeypot=pl.when(pl.col("honeypot").is_not_null()).then(pl.lit("honeypot field filled in")),
        disposable=by_distinct(frame["email_domain"], _domain_reason),
        first=by_distinct(frame["first_name"], _name_reason),
        last=by_distinct(frame["last_name"], _name_reason),
        phone=_phone_reasons(frame),
    )
    return work.select(
        pl.coalesce("honeypot", "disposable", "first", "last", "phone").alias("spam")
    ).to_series()


def _domain_reason(domain: pl.Series) -> pl.Series:
    listed = sorted(disposable_domains())
    parent = domain.str.replace(r"^[^.]+\.", "")
    hit = pl.when(domain.is_in(listed)).then(domain).when(parent.is_in(listed)).then(parent)
    return pl.select(pl.concat_str(pl.lit("disposable email domain "), hit)).to_series()


def _phone_reasons(frame: pl.DataFrame) -> pl.Series:
    """E.164 already holds only digits; raw text is read only where it is not a number."""
    e164 = frame["phone_normalized"]
    impossible = e164.str.contains(rf"^\+(?:{_IMPOSSIBLE})").fill_null(False)
    raw = (e164.is_null() & frame["phone"].is_not_null()).arg_true()
    digits = frame["phone"].gather(raw).str.replace_all(r"\D", "")
    impossible = impossible.scatter(raw, digits.str.contains(rf"^(?:{_IMPOSSIBLE})"))
    phone = pl.format('impossible phone number "{}"', pl.lit(frame["phone"]))
    return pl.select(pl.when(impossible).then(phone)).to_series()


def _name_reason(name: pl.Series) -> pl.Series:
    work = name.to_frame("name").with_columns(
        lower=pl.col("name").str.strip_chars().str.to_lowercase()
    )
    lower, quoted = pl.col("lower"), pl.format('"{}"', pl.col("name"))
    mash = (
        lower.str.contains(_MASH)
        | lower.str.contains(_REPEATED)
        | lower.str.contains(_NO_VOWEL)
        | lower.str.contains(r"^(?:asdf|qwer|zxcv|yxcv|hjkl)")
    )
    return work.select(
        pl.when(lower.is_in(sorted(_TEST_WORDS)))
        .then(pl.concat_str(pl.lit("test name "), quoted))
        .when(mash)
        .then(pl.concat_str(pl.lit("keyboard-mash name "), quoted))
    ).to_series()
