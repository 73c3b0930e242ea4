"""Companies: the normalized name that matches spellings, and the company's web domain.

`leadflow.domain.normalize.normalize_company_name` defines a normalized name:
printable-ASCII names are stripped of legal suffixes by the domain's regex over the
column; other names (where casefold and lower-casing may differ) go to the domain
function. The domain is the website's host without www., else the email's domain unless
it is free mail (`FREE_MAIL`: people's addresses, never a company's).
"""

from __future__ import annotations

import polars as pl

from leadflow.domain.normalize import normalize_company_name
from leadflow.intake.cells import by_distinct, by_distinct_py, reading
from leadflow.intake.emails import email_or_none

# domain.normalize._LEGAL_SUFFIX; test_company_names_agree_with_the_domain holds them equal.
_LEGAL_SUFFIX = (
    r"(?i)[,\s]+(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc"
    r"|gmbh|pllc|llp|lp|pc|pa|sa|ag|bv|pty)\.?$"
)

# Email domains of people, not companies: never a company's domain.
FREE_MAIL = frozenset(
    """
    gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.de yahoo.fr yahoo.ca yahoo.com.au
    ymail.com rocketmail.com outlook.com outlook.de hotmail.com hotmail.co.uk hotmail.de
    hotmail.fr live.com live.co.uk live.de msn.com aol.com aol.de aim.com icloud.com me.com
    mac.com gmx.de gmx.net gmx.com gmx.at gmx.ch web.de t-online.de freenet.de arcor.de
    posteo.de mailbox.org btinternet.com btopenworld.com sky.com virginmedia.com
    talktalk.net ntlworld.com blueyonder.co.uk tiscali.co.uk comcast.net verizon.net att.net
    sbcglobal.net bellsouth.net charter.net cox.net earthlink.net juno.com optonline.net
    protonmail.com protonmail.ch proton.me pm.me tutanota.com tuta.io zoho.com zohomail.com
    mail.com email.com yandex.com yandex.ru mail.ru qq.com 163.com 126.com fastmail.com
    hushmail.com inbox.com rediffmail.com lycos.com orange.fr wanadoo.fr free.fr laposte.net
    libero.it hey.com
    """.split()
)


def read_company_names(company: pl.Series) -> pl.Series:
    """domain.normalize.normalize_company_name over the column: printable-ASCII names by
    regex; others (where casefold and lower-casing may differ) by the domain function."""
    plain = company.str.contains(r"^[\x20-\x7e]*$").fill_null(False)
    text = company.filter(plain)
    spaced = text.str.contains("  ", literal=True)
    if spaced.any():
        text = text.scatter(spaced.arg_true(), text.filter(spaced).str.replace_all(" +", " "))
    # The domain's loop, on the rows still changing: strip a suffix and the punctuation
    # around it, until nothing changes or stripping would leave "Smith &" or nothing.
    index, names = pl.int_range(len(text), dtype=pl.UInt32, eager=True), text
    for _ in range(10):  # "Acme Holdings Co., Ltd." takes two rounds
        stripped = names.str.replace(_LEGAL_SUFFIX, "").str.strip_chars(" ,.")
        refused = stripped.str.ends_with("&") | (stripped == "")
        changed = ~refused & (stripped != names)
        if not changed.any():
            break
        index, names = index.filter(changed), stripped.filter(changed)
        text = text.scatter(index, names)
    if plain.all():
        return text.str.to_lowercase()
    result = pl.repeat(None, len(company), dtype=pl.String, eager=True)
    result = result.scatter(plain.arg_true(), text.str.to_lowercase())
    others = by_distinct_py(
        company, normalize_company_name, pl.String(), only=company.filter(~plain)
    )
    return result.fill_null(others)


def read_company_domains(website: pl.Series, email_domain: pl.Series) -> pl.Series:
    """The website's host without www., else the email domain unless it is free mail."""
    mail = pl.select(pl.when(~email_domain.is_in(FREE_MAIL)).then(email_domain)).to_series()
    return by_distinct(website, reading(_host)).fill_null(mail)


def _host(website: pl.Series) -> pl.Series:
    host = (
        website.str.to_lowercase()
        .str.replace(r"^[a-z][a-z0-9+.\-]*://", "")
        .str.extract(r"^(?:[^/@]*@)?([^/?#:\s]+)")
        .str.strip_chars(".")
        .str.replace(r"^www\d?\.", "")
    )
    ascii_host = pl.select(
        pl.when(host.str.contains(r"^[a-z0-9\-]+(?:\.[a-z0-9\-]+)+$")).then(host)
    ).to_series()
    unicode = website.filter(website.str.contains(r"[^\x00-\x7f]").fill_null(False))
    return ascii_host.fill_null(by_distinct_py(website, _idna_host, pl.String(), only=unicode))


def _idna_host(website: str) -> str | None:
    host = website.split("://")[-1].split("/")[0].split(":")[0].strip(".").lower()
    address = email_or_none(f"postmaster@{host.removeprefix('www.')}")
    return address.split("@")[1] if address else None
