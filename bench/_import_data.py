"""Seeded, realistic data for the import benchmark, built with polars expressions only.

Everything is a pure function of an integer (a company number, a stored person's id, a
file row), so the file generator can name stored people without reading the database:

- stored person ``i`` (1..N) has the email ``jsmith{i}@domain`` and phone exchange 2xx;
- a new person in a file (key ``k``) has ``john.smith{k}@domain`` and exchange 6xx-8xx,
  so files and the database share no email or phone unless a row is *meant* to match.
Randomness comes from ``Expr.hash(seed)``, stable for a given polars version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from leadflow.domain.profile import authority_from_title

# (shown, in an email address); 6,000 name pairs keep namesakes at one company rare.
FIRST = [
    (n, n.lower())
    for n in """
James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Susan
Joseph Jessica Carlos Sarah Oliver Amelia Harry Isla Lukas Mia Priya Wei Daniel Emily
Matthew Ashley Anthony Amanda Mark Melissa Steven Rebecca Andrew Laura Kevin Nicole Brian
Stephanie George Rachel Edward Megan Ryan Hannah Jacob Olivia Noah Sophia Ethan Grace
Lucas Chloe Aiden Ava Tom Lucy Jack Emma Felix Lena Jonas Anna Raj Ananya Diego Sofia
Hiroshi Yuki Omar Fatima
""".split()
] + [("Jürgen", "juergen"), ("Zoë", "zoe")]
LAST = [
    (n, n.lower())
    for n in """
Smith Johnson Williams Brown Garcia Miller Davis Rodriguez Martinez Wilson Anderson Taylor
Nguyen Lee Patel Evans Walker Wright Schmidt Fischer Weber Hughes Thompson White Harris
Clark Lewis Robinson Young Allen King Scott Green Baker Adams Nelson Hill Campbell
Mitchell Roberts Carter Phillips Turner Parker Collins Edwards Stewart Morris Murphy Cook
Rogers Morgan Peterson Cooper Reed Bailey Bell Kelly Howard Ward Cox Richardson Wood
Watson Brooks Bennett Gray Wagner Becker Hoffmann Schulz Koch Kumar Singh Khan Tanaka
""".split()
] + [("Müller", "mueller"), ("O'Brien", "obrien")]
ADJ = "Lone Star|Blue River|Summit|Pioneer|Gulf Coast|Red Oak|Alamo|Capitol|Pecan|Bluebonnet|\
Harbor|Granite|Prairie|Cedar|Northgate|Riverside|Ironwood|Silver Creek|Oakmont|Brightwater".split(
    "|"
)
NOUN = "Legal|Accounting|Dental|Medical|Manufacturing|Logistics|Partners|Group|Advisors|\
Clinic|Builders|Wealth|Supply|Fabrication|Law|CPAs".split("|")
NICHES = "Legal|Accounting|Financial|Medical|Manufacturing|Distribution|Retail|Construction|\
Nonprofit|Education|Real Estate|Hospitality".split("|")
SUFFIX = {"US": [" LLC", ", Inc.", " Corp.", ""], "GB": [" Ltd", " Limited", " plc", ""],
          "DE": [" GmbH", " AG", " GmbH", ""]}  # fmt: skip
TLD = {"US": ".com", "GB": ".co.uk", "DE": ".de"}
PLACES = [("US", "TX", "Austin"), ("US", "TX", "Dallas"), ("US", "TX", "Houston"),
          ("US", "TX", "San Antonio"), ("US", "TX", "Fort Worth"), ("US", "OK", "Tulsa"),
          ("US", "LA", "New Orleans"), ("US", "CA", "San Jose"), ("US", "NY", "New York"),
          ("US", "TX", "Plano"), ("US", "FL", "Miami"), ("US", "TX", "El Paso"),
          ("US", "TX", "Austin"), ("US", "TX", "Dallas"),
          ("GB", "", "London"), ("GB", "", "London"), ("GB", "", "Manchester"),
          ("DE", "BE", "Berlin"), ("DE", "BE", "Berlin"), ("DE", "", "Hamburg")]  # fmt: skip
AREA = ["512", "737", "214", "469", "972", "713", "832", "210", "817", "918", "504", "408"]
TITLES = ["Owner", "CEO", "Office Manager", "IT Manager", "Managing Partner", "CFO",
          "Practice Administrator", "Director of Operations", "VP Finance", "Controller",
          "Receptionist", "Systems Engineer", "Marketing Coordinator", "President", "",
          "Founder", "Head of IT", "Bookkeeper", "Plant Manager", "Associate"]  # fmt: skip
EMPLOYEES = ["5", "12", "25", "10-49", "50-99", "50+", "100-249", "200-499", "1,000", "",
             "1-9", "35"]  # fmt: skip
TIMELINE = ["Immediately", "Need it now", "Within 3 months", "Just researching",
            "Just curious", "Getting quotes", "", "RFP only"]  # fmt: skip
INTERESTS = ["Managed Services", "Cybersecurity; Backup", "Cloud, VoIP", "Help Desk",
             "Compliance", "Managed Services; Cybersecurity", "", "Backup and DR"]  # fmt: skip
CONTACT = ["Yes", "No", "", "Yes", "yes please", ""]
DISPOSABLE = ["mailinator.com", "guerrillamail.com", "10minutemail.com", "yopmail.com"]
BAD_DATES = ["2025-02-30", "next week", "13/45/2025", "2025-13-01"]
HEADERS = ["First Name", "Last Name", "E-mail", "Phone Number", "Job Title", "Company Name",
           "Industry", "No. of Employees", "City", "State", "Country", "Timeline",
           "Interested In", "Contact me", "Date", "Fax Number"]  # fmt: skip
STORED_EXCHANGE, FILE_EXCHANGE = 2_000_000, 6_000_000  # disjoint phone spaces, < 3M each


def pick(values: list[str], index: pl.Expr) -> pl.Expr:
    return pl.lit(pl.Series(values, dtype=pl.String)).gather(index % len(values))


def rand(key: pl.Expr, seed: int, below: int) -> pl.Expr:
    return (key.hash(seed) % below).cast(pl.Int64)


def company(c: pl.Expr) -> dict[str, pl.Expr]:
    """Company number c (0-based): one name per number, so normalized names are unique."""
    combos = len(ADJ) * len(LAST) * len(NOUN)

    def name(surnames: list[str]) -> pl.Expr:
        return pl.concat_str(
            pick(ADJ, c), pl.lit(" "), pick(surnames, c // len(ADJ)), pl.lit(" "),
            pick(NOUN, c // (len(ADJ) * len(LAST))),
            pl.when(c >= combos).then(pl.format(" {}", c // combos + 1)).otherwise(pl.lit("")),
        )  # fmt: skip

    base, ascii_base = name([s for s, _ in LAST]), name([e for _, e in LAST])
    place = rand(c, 11, len(PLACES))
    country = pick([p[0] for p in PLACES], place)
    suffix = rand(c, 12, 4)
    return {
        "company": pl.concat_str(
            base,
            pl.when(country == "US")
            .then(pick(SUFFIX["US"], suffix))
            .when(country == "GB")
            .then(pick(SUFFIX["GB"], suffix))
            .otherwise(pick(SUFFIX["DE"], suffix)),
        ),
        "company_normalized": base.str.to_lowercase(),
        "domain": pl.concat_str(
            ascii_base.str.to_lowercase().str.replace_all(r"[^a-z0-9]", ""),
            country.replace_strict(TLD, return_dtype=pl.String),
        ),
        "niche": pick(NICHES, rand(c, 13, len(NICHES))),
        "employees": pick(EMPLOYEES, rand(c, 14, len(EMPLOYEES))),
        "country": country,
        "state": pick([p[1] for p in PLACES], place),
        "city": pick([p[2] for p in PLACES], place),
    }


def _number(country: pl.Expr, area: pl.Expr, local: pl.Expr, *, stored: bool) -> pl.Expr:
    """National significant number: US area + 7 digits, London 20 + 8, Berlin 30 + 8."""
    seven = local.cast(pl.String).str.zfill(7)
    return (
        pl.when(country == "US")
        .then(pl.concat_str(area, seven))
        .when(country == "GB")
        .then(pl.concat_str(pl.lit("207" if stored else "208"), seven.str.slice(-7)))
        .otherwise(pl.concat_str(pl.lit("302" if stored else "305"), seven.str.slice(-7)))
    )


def phone_shown(country: pl.Expr, nsn: pl.Expr, variant: pl.Expr) -> pl.Expr:
    """The ways people write one number: "(512) 555-0142", "020 7946 0958", "+49 30 ..."."""
    s = nsn.str.slice
    us = [pl.format("({}) {}-{}", s(0, 3), s(3, 3), s(6, 4)),
          pl.format("{}.{}.{}", s(0, 3), s(3, 3), s(6, 4)),
          pl.format("+1 {} {} {}", s(0, 3), s(3, 3), s(6, 4)),
          pl.format("{}-{}-{}", s(0, 3), s(3, 3), s(6, 4)), nsn]  # fmt: skip
    gb = [pl.format("+44 {} {} {}", s(0, 2), s(2, 4), s(6, 4)),
          pl.format("0{} {} {}", s(0, 2), s(2, 4), s(6, 4)),
          pl.format("+44 (0){} {} {}", s(0, 2), s(2, 4), s(6, 4))]  # fmt: skip
    de = [pl.format("+49 {} {}", s(0, 2), s(2, 8)), pl.format("0{} {}", s(0, 2), s(2, 8)),
          pl.format("+49 (0){} {}-{}", s(0, 2), s(2, 4), s(6, 4))]  # fmt: skip
    out: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, shapes in (("US", us), ("GB", gb), ("DE", de)):
        for n, shape in enumerate(shapes):
            hit = (country == name) & (variant % len(shapes) == n)
            out = pl.when(hit).then(shape).otherwise(out)
    return out


def person(key: pl.Expr, *, stored: bool, n_companies: int, new_companies: int) -> pl.Expr:
    """A person as a struct; stored people work at stored companies, a fifth of new ones too."""
    s = 20 if stored else 40  # new person k is not stored person k under another name
    f, la = rand(key, s + 1, len(FIRST)), rand(key, s + 2, len(LAST))
    c = rand(key, s + 3, n_companies)
    if not stored:
        c = (
            pl.when(rand(key, s + 4, 5) == 0)
            .then(c)
            .otherwise(n_companies + rand(key, s + 5, new_companies))
        )
    co = company(c)
    first_slug, last_slug = pick([e for _, e in FIRST], f), pick([e for _, e in LAST], la)
    local = (
        pl.concat_str(first_slug.str.slice(0, 1), last_slug, key.cast(pl.String))
        if stored
        else pl.concat_str(first_slug, pl.lit("."), last_slug, key.cast(pl.String))
    )
    exchange = STORED_EXCHANGE if stored else FILE_EXCHANGE
    nsn = _number(
        co["country"], pick(AREA, rand(key, s + 6, len(AREA))), key + exchange, stored=stored
    )
    code = co["country"].replace_strict(
        {"US": "+1", "GB": "+44", "DE": "+49"}, return_dtype=pl.String
    )
    fields = {
        "first": pick([n for n, _ in FIRST], f), "last": pick([n for n, _ in LAST], la),
        "email": pl.concat_str(local, pl.lit("@"), co["domain"]), "nsn": nsn,
        "e164": pl.concat_str(code, nsn), "title": pick(TITLES, rand(key, s + 7, len(TITLES))),
        "company_id": c + 1, **co,
    }  # fmt: skip
    return pl.struct(*(expr.alias(name) for name, expr in fields.items()))


def stored_people(n: int, n_companies: int, now: datetime) -> pl.DataFrame:
    """Every person i in 1..n: 1% Avoid (i % 100 == 50), 4% clients, 35% leads, the rest
    prospects. Columns are named as in the person table, plus avoid/company helpers."""
    df = pl.select(i=pl.int_range(1, n + 1, dtype=pl.Int64))
    df = df.with_columns(
        p=person(pl.col("i"), stored=True, n_companies=n_companies, new_companies=1)
    )
    p, bucket = pl.col("p").struct, pl.col("i") % 100
    kind = (pl.when(bucket == 50).then(pl.lit("avoid")).when(bucket < 4).then(pl.lit("client"))
            .when(bucket < 39).then(pl.lit("lead")).otherwise(pl.lit("prospect")))  # fmt: skip
    lead = kind.is_in(["lead", "client"])
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    return df.select(
        id=pl.col("i"), first_name=p.field("first"), last_name=p.field("last"),
        email=p.field("email"), email_normalized=p.field("email"),
        phone=phone_shown(p.field("country"), p.field("nsn"), rand(pl.col("i"), 31, 5)),
        phone_normalized=p.field("e164"), title=p.field("title"), company_id=p.field("company_id"),
        city=p.field("city"), region=p.field("state"), country=p.field("country"),
        person_type=kind,
        type_before_avoid=pl.when(kind == "avoid").then(pl.lit("lead")).otherwise(pl.lit("")),
        qualification_status=pl.when(lead).then(pl.lit("raw")),
        temperature=pl.when(lead).then(1 + rand(pl.col("i"), 32, 4)),
        created_at=pl.lit(stamp), became_lead_at=pl.when(lead).then(pl.lit(stamp)),
    )  # fmt: skip


def stored_companies(n_companies: int) -> pl.DataFrame:
    co = company(pl.col("c"))
    count = co["employees"].str.extract(r"(\d[\d,]*)").str.replace_all(",", "").cast(pl.Int64)
    return pl.select(c=pl.int_range(0, n_companies, dtype=pl.Int64)).select(
        id=pl.col("c") + 1, name=co["company"], normalized_name=co["company_normalized"],
        domain=co["domain"], niche=co["niche"].str.to_lowercase(), employee_count=count,
        geography=pl.when(co["state"] != "").then(pl.format("{}-{}", co["country"], co["state"]))
        .otherwise(co["country"]),
    )  # fmt: skip


CATEGORIES = (("spam", 50), ("bad", 100), ("avoid", 100), ("stored", 500), ("dup", 100))


def import_file(rows: int, *, existing: int, n_companies: int, seed: int) -> pl.DataFrame:
    """A trade-show list: per 10,000 rows 50 spam, 100 bad, 100 Avoid hits, 500 stored
    people under another spelling, 100 repeats of an earlier row; the rest are new."""
    j = pl.col("j")
    u = rand(j, seed, 10_000)
    cat: pl.Expr = pl.lit("new")
    edge = 0
    for name, share in CATEGORIES:
        cat = pl.when((u >= edge) & (u < edge + share)).then(pl.lit(name)).otherwise(cat)
        edge += share
    df = pl.select(j=pl.int_range(0, rows, dtype=pl.Int64)).with_columns(cat=cat)
    r = rand(j, seed + 1, 1 << 30)
    avoid_i = (r % (existing // 100)) * 100 + 50
    stored_i = 1 + r % existing
    stored_i = pl.when(stored_i % 100 == 50).then(stored_i - 1).otherwise(stored_i)
    new_key = (
        pl.when((pl.col("cat") == "dup") & (j > 0)).then(r % pl.max_horizontal(j, 1)).otherwise(j)
    )
    is_stored = pl.col("cat").is_in(["stored", "avoid"])
    key = (
        pl.when(pl.col("cat") == "avoid")
        .then(avoid_i)
        .when(is_stored)
        .then(stored_i)
        .otherwise(new_key)
    )
    shape = {"n_companies": n_companies, "new_companies": max(rows // 5, 1)}
    df = df.with_columns(key=key)
    df = pl.concat([
        df.filter(is_stored).with_columns(p=person(pl.col("key"), stored=True, **shape)),
        df.filter(~is_stored).with_columns(p=person(pl.col("key"), stored=False, **shape)),
    ]).sort("j")  # fmt: skip
    return df.select(_file_columns(seed)).rename(dict(zip(_COLS, HEADERS, strict=True)))


_COLS = ["first", "last", "email", "phone", "title", "company", "niche", "employees", "city",
         "state", "country", "timeline", "interest", "contact", "date", "fax"]  # fmt: skip


def _file_columns(seed: int) -> list[pl.Expr]:
    p, cat, j = pl.col("p").struct, pl.col("cat"), pl.col("j")
    r = [rand(j, seed + n, 1000) for n in range(2, 14)]
    again = cat.is_in(["stored", "avoid", "dup"])
    email = p.field("email")
    email = (pl.when(again & (r[0] < 600)).then(email.str.to_uppercase())
             .when(again | (r[0] < 100)).then(pl.concat_str(
                 email.str.slice(0, 1).str.to_uppercase(), email.str.slice(1)))
             .otherwise(email))  # fmt: skip
    phone = phone_shown(p.field("country"), p.field("nsn"), r[1])
    # Some repeats are known by phone only, as are a few new people; some have no phone.
    no_email = (again & (r[2] < 200)) | ((cat == "new") & (r[2] < 30))
    no_phone = ~no_email & (cat == "new") & (r[3] < 100)
    bad_email = (cat == "bad") & (r[4] < 500)
    local = email.str.split("@").list.first()
    email = (pl.when(no_email).then(None)
             .when(bad_email).then(pl.format("{} at {}", local, p.field("domain")))
             .when((cat == "spam") & (r[4] < 500))
             .then(pl.concat_str(local, pl.lit("@"), pick(DISPOSABLE, r[5])))
             .otherwise(email))  # fmt: skip
    phone = pl.when(no_phone | bad_email).then(None).otherwise(phone)
    month = (1 + r[7] % 12).cast(pl.String)
    day = (1 + r[8] % 28).cast(pl.String)
    date = (pl.when(r[6] < 800).then(pl.format("2025-{}-{}", month.str.zfill(2), day.str.zfill(2)))
            .otherwise(pl.format("{}/{}/2025", month, day)))  # fmt: skip
    date = pl.when((cat == "bad") & ~bad_email).then(pick(BAD_DATES, r[7])).otherwise(date)
    fax = pl.when((cat == "spam") & (r[4] >= 500)).then(pl.lit("http://cheap-seo.example"))
    company = pl.when(again & (r[3] < 300)).then(p.field("company").str.to_uppercase())
    return [
        p.field("first"), p.field("last"), email.alias("email"), phone.alias("phone"),
        p.field("title"), company.otherwise(p.field("company")).alias("company"),
        p.field("niche"), p.field("employees"), p.field("city"), p.field("state"),
        p.field("country"), pick(TIMELINE, r[9]).alias("timeline"),
        pick(INTERESTS, r[10]).alias("interest"), pick(CONTACT, r[11]).alias("contact"),
        date.alias("date"), fax.alias("fax"),
    ]  # fmt: skip


def expected(frame_rows: int, seed: int) -> dict[str, int]:
    """How many rows of each kind a file holds (what the outcome counts should resemble)."""
    u = pl.select(j=pl.int_range(0, frame_rows, dtype=pl.Int64)).select(
        u=rand(pl.col("j"), seed, 10_000)
    )
    counts: dict[str, int] = {}
    edge = 0
    for name, share in CATEGORIES:
        counts[name] = u.filter(pl.col("u").is_between(edge, edge + share - 1)).height
        edge += share
    counts["new"] = frame_rows - sum(counts.values())
    return counts


def world(existing: int, now: datetime, zone: str) -> tuple[pl.DataFrame, ...]:
    """Companies, people and Avoid entries as their tables' columns, every NOT NULL one
    filled; ``zone`` is appended to timestamps ("+00" for PostgreSQL)."""
    stamp = pl.lit(now.strftime("%Y-%m-%d %H:%M:%S") + zone)
    n_companies = max(existing // 10, 10)
    companies = stored_companies(n_companies).with_columns(company_type=pl.lit(""))
    authority = {t: None if (a := authority_from_title(t)) is None else int(a) for t in TITLES}
    blank, no, led = pl.lit(""), pl.lit(False), pl.col("became_lead_at").is_not_null()
    people = stored_people(existing, n_companies, now).with_columns(
        created_at=stamp, became_lead_at=pl.when(led).then(stamp),
        authority=pl.col("title").replace_strict(authority, return_dtype=pl.Int64),
        # Seven in ten have a postal address (street and postcode; the city is set above),
        # so the mail channels have people to include and people to leave out.
        street=pl.when(pl.col("id") % 10 < 7)
        .then(pl.format("{} Main Street", pl.col("id") % 9_000 + 1)).otherwise(blank),
        postcode=pl.when(pl.col("id") % 10 < 7)
        .then((pl.col("id") % 90_000 + 10_000).cast(pl.String)).otherwise(blank),
        qualification_explanation=blank, incomplete=no,
        waived_traits=pl.lit("[]"), outsourcing=blank, switch_reason=blank, need=blank,
        services_wanted=pl.lit("[]"), temperature_explanation=blank, has_problem_indicators=no,
        email_opt_out=no, do_not_call=no, client_refunded=no, client_late_pay=no,
    )  # fmt: skip
    avoid = people.filter(pl.col("person_type") == "avoid").select(
        person_id="id", email_normalized="email_normalized", phone_normalized="phone_normalized",
        company_domain=blank, reason=pl.lit("asked not to be contacted again"), added_at=stamp,
        lift_reason=blank,
    )  # fmt: skip
    return companies, people, avoid


# --- loading the stored world (inside a configured Django process) ---------------------


def insert(table: str, frame: pl.DataFrame) -> None:
    """One set-based load inside the caller's transaction: COPY on PostgreSQL; on SQLite
    executemany of the columns that vary into a bare temporary table, then one INSERT ...
    SELECT (binding 18 values a row instead of 33 halves the Python-side cost)."""
    from django.db import connection

    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in frame.columns)
    if connection.vendor == "postgresql":
        body = frame.write_csv(include_header=False, quote_style="non_numeric")
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(body.encode())
        return
    same = (
        {c: frame[c][0] for c in frame.columns if frame[c].n_unique() == 1}
        if frame.height > 1
        else {}
    )
    vary = [c for c in frame.columns if c not in same]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE bench_stage ({', '.join(quote(c) for c in vary)})")
        marks = ", ".join(["%s"] * len(vary))
        for chunk in frame.select(vary).iter_slices(100_000):
            cursor.executemany(f"INSERT INTO bench_stage VALUES ({marks})", chunk.rows())
        picks = ", ".join([*(quote(c) for c in vary), *(["%s"] * len(same))])
        names = ", ".join(quote(c) for c in [*vary, *same])
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {picks} FROM bench_stage", list(same.values())
        )
        cursor.execute("DROP TABLE bench_stage")


def secondary_indexes(tables: list[str]) -> list[tuple[str, str]]:
    """Indexes that no constraint owns, to drop before a load and build once after it."""
    from django.db import connection

    if connection.vendor == "postgresql":
        sql = ("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
               "AND indexname NOT IN (SELECT conname FROM pg_constraint)")  # fmt: skip
        params: list[Any] = [tables]
    else:
        marks = ", ".join(["%s"] * len(tables))
        sql = (f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
               f"AND tbl_name IN ({marks})")  # fmt: skip
        params = tables
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(name, create) for name, create in cursor.fetchall()]


def load_world(models: list[tuple[Any, pl.DataFrame]]) -> None:
    """Load a generated world set-based: secondary indexes dropped and rebuilt once,
    sequences moved past the explicit ids, then analyzed (PostgreSQL, as autovacuum
    would have by now) or checkpointed (SQLite, so a copy is one file). Setup only, on
    data known to be consistent: no fsync, no per-row FK triggers."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    setup = ["PRAGMA synchronous=OFF", "PRAGMA cache_size=-1000000"]
    if connection.vendor == "postgresql":
        setup = ["SET session_replication_role = replica", "SET maintenance_work_mem = '1GB'"]
    with connection.cursor() as cursor:
        for sql in setup:
            cursor.execute(sql)
    tables = [model._meta.db_table for model, _ in models]
    with transaction.atomic(), connection.cursor() as cursor:
        indexes = secondary_indexes(tables)
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        for model, frame in models:
            insert(model._meta.db_table, frame)
        for _, create in indexes:
            cursor.execute(create)
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in models]):
            cursor.execute(sql)
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM ANALYZE" if connection.vendor == "postgresql"
            else "PRAGMA wal_checkpoint(TRUNCATE)"
        )  # fmt: skip
