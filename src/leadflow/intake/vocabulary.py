"""Free text read as the domain's words: the rule tables and the readers that apply them.

Free text for need / outsourcing / activity maps to a domain value only where the words
are clear; otherwise null (never an error). A switch reason that names none of the graded
reasons is `other`: they gave a reason. A follow-up cell we cannot read is `neutral`; a
blank one is null. Consent columns ("Do Not Email: Yes") set their flag only on a clear
yes. Services wanted become slugs; a lead source keeps its name, spaces collapsed.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from leadflow.intake.cells import NULL_TEXT


def _exact(*values: str) -> tuple[tuple[str, str | None], ...]:
    """The domain's own spelling of a value always reads as itself."""
    return tuple((f"^{value}$", value) for value in values)


NEED: tuple[tuple[str, str | None], ...] = (
    *_exact("need_now", "curious", "price_shopping", "rfp_only"),
    (r"\brfp\b|\brfq\b|tender|request for proposal", "rfp_only"),
    (r"not now|not yet|no rush|not urgent|just looking|curious|research|browsing|exploring"
     r"|someday|no timeline|\bfuture\b|next year|\blater\b", "curious"),
    (r"price|pricing|quote|\bcosts?\b|compar", "price_shopping"),
    (r"\bnow\b|asap|immediate|urgent|right away|this (?:week|month|quarter)", "need_now"),
)  # fmt: skip
OUTSOURCING: tuple[tuple[str, str | None], ...] = (
    *_exact("none", "in_house", "outsourced"),
    (r"not outsourc|n't outsourc", None),  # in-house or nobody: ask
    (r"in[- ]?house|internal|own (?:it )?(?:staff|team|person|guy)|employee", "in_house"),
    (r"outsourc|\bmsp\b|managed service|provider|vendor|contractor|third[- ]party|external"
     r"|^(?:yes|y)$", "outsourced"),
    (r"^(?:no|none|nobody|nothing|no one|no-one|no it)$|no it (?:support|staff)", "none"),
)  # fmt: skip
SWITCH_REASON: tuple[tuple[str, str | None], ...] = (
    *_exact("poor_service", "cheaper", "growth", "other"),
    (r"service|slow|unresponsive|response time|support|quality|downtime|outage|unhappy"
     r"|not happy|dissatisf|reliab|communicat|\bpoor\b|\bbad\b", "poor_service"),
    (r"cheap|price|cost|expensive|\bsav(?:e|ing)|budget|afford", "cheaper"),
    (r"grow|scal(?:e|ing)|expan|new office|hiring", "growth"),
    ("", "other"),
)  # fmt: skip
ACTIVITY: tuple[tuple[str, str | None], ...] = (
    *_exact("download", "newsletter_signup", "social_follow", "web_form", "event_attended",
            "trade_show", "trial_registration", "inbound_call"),
    (r"trade ?show|booth|\bexpo\b|exhibit", "trade_show"),
    (r"webinar|seminar|event|attended|workshop|conference|meetup", "event_attended"),
    (r"trial|free tool", "trial_registration"),
    (r"inbound call|phone call|\bcall(?:ed|s)?\b|phoned", "inbound_call"),
    (r"contact form|web ?form|\bform\b|contact us", "web_form"),
    (r"newsletter|subscri|sign ?up", "newsletter_signup"),
    (r"download|e-?book|white ?paper|guide|checklist|report|case study", "download"),
    (r"follow|linkedin|twitter|facebook|social", "social_follow"),
)  # fmt: skip
WISH: tuple[tuple[str, str | None], ...] = (
    *_exact("asked", "none", "neutral"),
    (r"^(?:n|no|false|0|nein|non|off)$|do not|don't|dont|no contact|not interested"
     r"|no thanks|unsubscribe|opt[- ]?out", "none"),
    (r"^(?:y|yes|true|1|x|ja|oui|si|on|checked)$|contact me|call me|please (?:contact|call)"
     r"|reach out|follow[- ]?up|\byes\b|interested|opt[- ]?in", "asked"),
    ("", "neutral"),
)  # fmt: skip
# Consent columns ("Do Not Email: Yes"): only a clear yes sets the flag.
YES_NO: tuple[tuple[str, str | None], ...] = (
    (r"^(?:y|yes|true|1|x|ja|oui|si|checked)$", "yes"),
    ("", "no"),
)  # fmt: skip


def chooser(rules: tuple[tuple[str, str | None], ...]) -> Callable[[pl.Series], pl.Series]:
    """The value of the first rule whose regex finds a match in the lower-cased text."""

    def choose(text: pl.Series) -> pl.Series:
        work = text.str.to_lowercase().to_frame("text")
        chosen: pl.Expr = NULL_TEXT
        for pattern, value in reversed(rules):
            if pattern == "":  # the catch-all for text no rule reads
                chosen = pl.when(pl.col("text").is_not_null()).then(pl.lit(value, pl.String))
            else:
                found = pl.col("text").str.contains(pattern)
                chosen = pl.when(found).then(pl.lit(value, pl.String)).otherwise(chosen)
        return work.select(chosen).to_series()

    return choose


def read_source_names(text: pl.Series) -> pl.Series:
    """A lead source as people name it, spaces collapsed; the writer matches it to a stored
    source ignoring case, so "Google" and "google" are one source."""
    return text.str.replace_all(r"\s+", " ")


def read_services(text: pl.Series) -> pl.Series:
    """ "Managed Services; Backup and DR" → ["managed-services", "backup", "dr"]."""
    parts = text.str.to_lowercase().str.replace_all(r"\s*(?:[;,/|&+]|\band\b)\s*", "\x1f")
    parts = parts.str.replace_all(r"[\s\-]+", "-").str.replace_all("-*\x1f[-\x1f]*", "\x1f")
    parts = parts.str.strip_chars("\x1f-")
    return pl.select(pl.when(parts != "").then(parts).str.split("\x1f")).to_series()
