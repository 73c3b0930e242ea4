"""Whatever a person types is shown as text, never run: an XSS payload in every free-text
field, entered through the real services and pages, comes back escaped on every page
that shows it; and hostile search strings never break the people search."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from html import escape
from pathlib import Path
from urllib.parse import quote

import polars as pl
import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from leadflow.crm.models import (
    Avatar,
    AvoidEntry,
    Campaign,
    ConsentChange,
    Criterion,
    ExportRecord,
    Person,
    Segment,
    Source,
)
from leadflow.crm.models.segments import SegmentRules
from leadflow.crm.services.avoid import add_avoid_entry, add_to_avoid, lift_avoid
from leadflow.crm.services.calls import log_call
from leadflow.crm.services.people import create_person, record_interest_activity, set_consent
from leadflow.crm.services.pipeline import (
    book_appointment,
    mark_lost,
    move_stage,
    record_appointment_outcome,
)
from leadflow.crm.services.playbook import add_avatar, add_criterion, seed_defaults
from leadflow.crm.services.review import propose_disqualification
from leadflow.crm.services.segments import save_segment
from leadflow.crm.services.tokens import create_token
from leadflow.domain import qualification as q
from leadflow.domain.calls import CallOutcome
from leadflow.domain.people import PersonType, Role
from leadflow.domain.pipeline import AppointmentOutcome, LostDisposition, Stage
from leadflow.domain.profile import Need
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.domain.temperature import ActivityKind, FollowUpWish
from tests.http.pages import PASSWORD, text_of

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# What must never reach a page unescaped (lower case: some fields are upper-cased).
RAW = ("<script>alert(1)", "<img src=x onerror")


def hostile(label: str) -> str:
    """A payload that names its field, so a page that shows it can be checked for it."""
    return f"{label}{SCRIPT}{IMG}"


def short(label: str) -> str:
    """For fields of 50 characters."""
    return f"{label}{IMG}"


@dataclass
class Hostile:
    """The world every field of which was typed by an attacker; ids of what the pages show."""

    boss: User
    raw: Person
    sweet: Person
    booked: Person
    lost: Person
    avoided: Person
    lifted: AvoidEntry
    avatar: Avatar
    criterion: Criterion
    segment: Segment
    source: Source
    campaign: Campaign
    export: ExportRecord
    preview: str  # the upload's preview page, gone once the upload is written
    report_url: str


def member(username: str, label: str, *roles: Role, boss: bool = False) -> User:
    user = User.objects.create_user(
        username,
        password=PASSWORD,
        first_name=hostile(f"{label}First"),
        last_name=hostile(f"{label}Last"),
        is_staff=boss,
        is_superuser=boss,
    )
    user.groups.add(*Group.objects.filter(name__in=[r.value for r in roles]))
    return user


def person(n: int, label: str, **fields: object) -> Person:
    values: dict[str, object] = {
        "first_name": hostile(f"{label}First"),
        "last_name": hostile(f"{label}Last"),
        "email": f"person{n}@firm{n}.example",
        "phone": f"512-555-{1000 + n:04d}",
        "title": "CEO " + hostile(f"{label}Title"),
        "company_name": hostile(f"{label}Company"),
        "niche": "legal",
        "employee_count": 25,
        "geography": "US-TX",
        "street": hostile(f"{label}Street"),
        "city": hostile(f"{label}City"),
        "region": short(f"{label}Rg"),
        "postcode": "78701",
        "country": "US",
        "need": Need.NEED_NOW,
        "services_wanted": ["managed-services"],
        **fields,
    }
    created = create_person(by=None, **values)  # type: ignore[arg-type]
    record_interest_activity(
        person=created,
        kind=ActivityKind.INBOUND_CALL,
        wish=FollowUpWish.ASKED,
        by=None,
        problem_indicators=(hostile(f"{label}Problem"),),
        note=hostile(f"{label}ActivityNote"),
    )
    created.refresh_from_db()
    return created


def build(client: Client) -> Hostile:
    seed_defaults()
    boss = member("boss", "Boss", *Role, boss=True)
    setter = member("sam", "Setter", Role.SETTER)
    rep = member("rex", "Rep", Role.REP)
    client.force_login(boss)
    now = timezone.now()

    avatar = add_avatar(
        by=boss, name=hostile("AvatarName"), description=hostile("AvatarDescription"), priority=9
    )
    criterion = add_criterion(
        by=boss,
        avatar=avatar,
        criterion=q.Criterion(
            q.Trait.NICHE, q.Operator.ONE_OF, frozenset({hostile("CriterionValue")})
        ),
        reason=hostile("CriterionReason"),
    )

    # Typed on the upload page: the campaign, the source, a header and the cells.
    header = ["first_name", "last_name", "email", hostile("Header")]
    rows = [
        [hostile("UploadFirst"), hostile("UploadLast"), "upload@upload.example", "x"],
        [hostile("BadFirst"), "", hostile("BadEmail"), "y"],
    ]
    data = pl.DataFrame(rows, schema=header, orient="row").write_csv().encode()
    response = client.post(
        "/intake/upload/",
        {
            "campaign": hostile("CampaignName"),
            "source": hostile("SourceName"),
            "kind": "responses",
            "mode": "skip-bad",
            "sheet": "",
            "file": SimpleUploadedFile("hostile.csv", data),
        },
    )
    assert response.status_code == 302, text_of(response.content.decode())
    preview_url = response["Location"]
    preview = client.get(preview_url).content.decode()
    columns = re.findall(
        r'<select name="(column_\d+)".*?<option value="([^"]*)" selected>', preview, re.DOTALL
    )
    response = client.post(preview_url, {"mode": "skip-bad", **dict(columns)})
    assert response.status_code == 302, text_of(response.content.decode())
    report_url = response["Location"]
    source = Source.objects.get(name=hostile("SourceName"))
    campaign = Campaign.objects.get(name=hostile("CampaignName"))

    raw = person(1, "Raw", need=None, source=source, campaign=campaign)
    propose_disqualification(
        person=raw,
        reason=UnqualifiedReason.OTHER,
        by=setter,
        note=hostile("ProposalNote"),
    )
    set_consent(
        person=raw,
        flag=ConsentChange.Flag.EMAIL_OPT_OUT,
        value=True,
        by=boss,
        reason=hostile("ConsentReason"),
    )

    sweet = person(2, "Sweet")
    log_call(person=sweet, by=setter, outcome=CallOutcome.NO_ANSWER, note=hostile("CallNote"))
    appointment = book_appointment(
        person=sweet,
        setter=setter,
        rep=rep,
        scheduled_at=now + timedelta(days=1),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        by=setter,
        reason=hostile("BookingReason"),
    )
    record_appointment_outcome(
        appointment=appointment,
        outcome=AppointmentOutcome.SAT,
        by=rep,
        reason=hostile("OutcomeReason"),
    )
    move_stage(
        opportunity=appointment.opportunity,
        target=Stage.PROPOSING,
        by=rep,
        reason=hostile("MoveReason"),
    )

    booked = person(3, "Booked")
    book_appointment(
        person=booked,
        setter=setter,
        rep=rep,
        scheduled_at=now + timedelta(days=2),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        by=setter,
    )

    lost = person(4, "Lost")
    lost_deal = book_appointment(
        person=lost,
        setter=setter,
        rep=rep,
        scheduled_at=now + timedelta(days=1),
        has_problem_we_solve=True,
        has_authority_to_buy=True,
        agreed_to_talk_to_sales=True,
        by=setter,
    ).opportunity
    mark_lost(
        opportunity=lost_deal,
        lost_reason=hostile("LostReason"),
        disposition=LostDisposition.NURTURE,
        by=rep,
    )

    avoided = person(5, "Avoided")
    add_to_avoid(person=avoided, by=boss, reason=hostile("AvoidReason"))
    lifted = add_avoid_entry(
        by=boss,
        reason=hostile("LiftedAvoidReason"),
        email_normalized="gone@lifted.example",
        phone_normalized="",
        company_domain="",
    )
    lift_avoid(entry=lifted, by=boss, reason=hostile("LiftReason"))

    segment = save_segment(
        name=hostile("SegmentName"),
        description=hostile("SegmentDescription"),
        rules=SegmentRules(person_types=[PersonType.LEAD]),
        by=boss,
    )
    create_token(user=boss, name=hostile("TokenName"))

    response = client.post(
        "/exports/",
        {"channel": "general-email", "segment": segment.name, "campaign": campaign.name},
    )
    assert response.status_code == 302, text_of(response.content.decode())
    export = ExportRecord.objects.latest("id")

    for one in (raw, sweet, booked, lost, avoided):
        one.refresh_from_db()
    return Hostile(
        boss=boss,
        raw=raw,
        sweet=sweet,
        booked=booked,
        lost=lost,
        avoided=avoided,
        lifted=lifted,
        avatar=avatar,
        criterion=criterion,
        segment=segment,
        source=source,
        campaign=campaign,
        export=export,
        preview=preview,
        report_url=report_url,
    )


@pytest.fixture
def world(client: Client, db: None, settings: Settings, tmp_path: Path) -> Hostile:
    settings.MEDIA_ROOT = tmp_path / "media"
    return build(client)


PERSON = ("First", "Last", "Title", "Company", "Street", "City", "Rg", "ActivityNote", "Problem")


def fields_of(label: str) -> list[str]:
    return [label + field for field in PERSON]


def shown_on(w: Hostile) -> list[tuple[str, list[str]]]:
    """Every page the boss (all roles) opens, and the typed fields each must show."""
    sweet_deal = w.sweet.opportunities.get()
    return [
        ("/", ["AvatarName", "SetterFirst", "SetterLast"]),
        ("/people/", ["RawFirst", "RawCompany", "SourceName", "CampaignName", "AvatarName"]),
        (
            f"/people/{w.raw.pk}/",
            [
                *fields_of("Raw"),
                *("SourceName", "CampaignName", "ProposalNote", "ConsentReason"),
                *("AvatarName", "CriterionValue", "SetterFirst"),
            ],
        ),
        (
            f"/people/{w.sweet.pk}/",
            [
                *fields_of("Sweet"),
                *("CallNote", "BookingReason", "OutcomeReason", "MoveReason"),
                *("SetterFirst", "RepFirst"),
            ],
        ),
        (f"/people/{w.booked.pk}/", fields_of("Booked")),
        (f"/people/{w.lost.pk}/", [*fields_of("Lost"), "LostReason"]),
        (f"/people/{w.avoided.pk}/", [*fields_of("Avoided"), "AvoidReason"]),
        (f"/people/{w.raw.pk}/book/", ["RawFirst", "RawTitle", "RawCompany", "SetterFirst"]),
        ("/queues/raw/", ["RawFirst", "RawCompany", "ProposalNote", "UploadFirst", "SourceName"]),
        ("/queues/calls/", ["LostFirst", "LostLast", "LostCompany", "LostTitle"]),
        ("/queues/confirmations/", ["RawFirst", "RawCompany", "ProposalNote", "SetterFirst"]),
        ("/tasks/", []),
        ("/appointments/", ["SweetFirst", "SweetCompany", "SetterFirst", "RepFirst"]),
        ("/pipeline/", ["SweetFirst", "BookedFirst", "LostFirst", "LostReason", "RepFirst"]),
        ("/pipeline/stage/proposing/", ["SweetFirst", "SweetCompany", "RepFirst"]),
        (f"/pipeline/{sweet_deal.pk}/move/lost/", ["SweetFirst", "SweetLast"]),
        (
            "/avoid/?state=all",
            ["AvoidedFirst", "AvoidedCompany", "AvoidReason", "LiftedAvoidReason", "LiftReason"],
        ),
        (f"/avoid/?person={w.raw.pk}", ["RawFirst", "RawCompany"]),
        (f"/avoid/{w.avoided.avoid_entries.get().pk}/lift/", ["AvoidedFirst", "AvoidReason"]),
        ("/playbook/", ["AvatarName", "AvatarDescription", "CriterionValue", "CriterionReason"]),
        (f"/playbook/criteria/{w.criterion.pk}/", ["AvatarName", "CriterionValue"]),
        ("/segments/", ["SegmentName", "SegmentDescription"]),
        (f"/segments/{w.segment.pk}/", ["SegmentName", "SegmentDescription"]),
        ("/exports/", ["SegmentName", "CampaignName"]),
        (f"/exports/{w.export.pk}/", ["SegmentName", "CampaignName"]),
        ("/reports/?by=source", ["SourceName"]),
        ("/reports/?by=campaign", ["CampaignName"]),
        ("/reports/?by=setter", ["SetterFirst", "SetterLast"]),
        ("/reports/?by=rep", ["RepFirst", "RepLast"]),
        ("/reports/show-rate/", ["SetterFirst", "SetterLast"]),
        ("/reports/cohorts/", []),
        ("/reports/plan/", ["SourceName", "CampaignName"]),
        ("/intake/", []),
        ("/intake/upload/", ["SourceName", "CampaignName"]),
        ("/intake/manual/", ["SourceName", "CampaignName"]),
        ("/intake/sources/", ["SourceName"]),
        (f"/intake/sources/{w.source.pk}/", ["SourceName"]),
        (w.report_url, ["CampaignName", "Header", "BadEmail"]),
        ("/settings/tokens/", ["TokenName"]),
        ("/admin/crm/person/", ["SweetFirst", "SweetLast"]),
        (f"/admin/crm/person/{w.sweet.pk}/change/", ["SweetFirst", "SweetTitle", "SweetStreet"]),
        ("/admin/crm/avoidentry/", ["AvoidReason", "LiftedAvoidReason"]),
        ("/admin/auth/user/", ["SetterFirst", "RepFirst"]),
    ]


def escaped(label: str) -> str:
    """The label's payload as Django's autoescape writes it."""
    return escape(short(label) if label.endswith("Rg") else hostile(label))


def problems_on(page: str, expected: list[str]) -> list[str]:
    found = [f"raw {marker!r}" for marker in RAW if marker in page.lower()]
    found += [f"{label} not shown escaped" for label in expected if escaped(label) not in page]
    return found


def test_every_typed_field_comes_back_escaped_on_every_page_that_shows_it(
    client: Client, world: Hostile
) -> None:
    failures = {}
    for url, expected in shown_on(world):
        response = client.get(url)
        page = response.content.decode()
        found = problems_on(page, expected)
        if response.status_code != 200:
            found.insert(0, f"status {response.status_code}")
        if found:
            failures[url] = found
    # The preview cuts cells at 60 characters: the start of each payload, escaped.
    preview = problems_on(world.preview, [])
    preview += [
        f"{label} not shown escaped"
        for label in ("Header", "UploadFirst", "BadEmail", "BadFirst")
        if escape(label + SCRIPT) not in world.preview
    ]
    if preview:
        failures["the upload preview"] = preview
    # The setter's and the rep's own views of their queues.
    for username, url, expected in [
        ("sam", "/queues/calls/", ["LostFirst"]),
        ("sam", "/", ["SetterFirst"]),
        ("rex", "/appointments/", ["SweetFirst", "SweetCompany"]),
        ("rex", "/pipeline/", ["SweetFirst", "LostReason"]),
    ]:
        client.force_login(User.objects.get(username=username))
        response = client.get(url)
        found = problems_on(response.content.decode(), expected)
        if found or response.status_code != 200:
            failures[f"{username} {url}"] = [f"status {response.status_code}", *found]
    assert not failures, failures


# Forms that send a person's input back (a refused form, a search box) escape it too.


@pytest.fixture
def boss(client: Client, db: None) -> User:
    seed_defaults()
    user = member("boss", "Boss", *Role, boss=True)
    client.force_login(user)
    return user


def test_refused_forms_send_the_typed_values_back_escaped(client: Client, boss: User) -> None:
    posts = [
        (
            "/intake/manual/",
            {
                "first_name": hostile("FormFirst"),
                "last_name": hostile("FormLast"),
                "email": hostile("FormEmail"),
                "title": hostile("FormTitle"),
                "company": hostile("FormCompany"),
                "note": hostile("FormNote"),
                "problem": hostile("FormProblem"),
                "campaign": hostile("FormCampaign"),
                "source": hostile("FormSource"),
            },
            ["FormFirst", "FormEmail", "FormCompany", "FormNote", "FormCampaign"],
        ),
        (
            "/avoid/add/",
            {"email": hostile("AvoidEmail"), "reason": hostile("AvoidWhy")},
            ["AvoidEmail", "AvoidWhy"],
        ),
        (
            "/segments/",
            {
                "name": hostile("SegmentName"),
                "description": hostile("SegmentWhy"),
                "bought_any": hostile("Bought"),
            },
            ["SegmentName", "SegmentWhy"],
        ),
        ("/settings/tokens/", {"name": hostile("TokenName") * 2}, ["TokenName"]),
        (
            "/exports/",
            {"channel": "general-email", "campaign": hostile("NoCampaign")},
            [],  # a choice: refused without being repeated
        ),
    ]
    for url, data, expected in posts:
        response = client.post(url, data)
        assert 400 <= response.status_code < 500, (url, response.status_code)
        page = response.content.decode()
        assert problems_on(page, expected) == [], url


def test_the_public_web_forms_answer_escapes_what_the_visitor_typed(
    client: Client, boss: User
) -> None:
    Source.objects.create(name="website")
    visitor = Client()
    response = visitor.post(
        "/intake/form/website",
        {"first_name": hostile("VisitorFirst"), "email": hostile("VisitorEmail")},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert problems_on(page, []) == []
    assert escape(hostile("VisitorEmail")) in page


QUERY_PAGES = [
    "/people/?q={}",
    "/people/?q={}&type={}&source={}&page={}",
    "/avoid/?q={}&state={}",
    "/reports/?by={}&from={}",
    "/reports/people/?stage={}&by=source&key={}",
    "/reports/plan/?new_clients={}&by={}",
    "/queues/calls/?page={}",
    "/appointments/?rep={}",
    "/pipeline/?rep={}",
    "/login/?next={}",
]


def test_query_strings_come_back_escaped_never_a_500(client: Client, boss: User) -> None:
    payload = quote(hostile("Query"))
    for url in QUERY_PAGES:
        response = client.get(url.replace("{}", payload))
        assert response.status_code < 500, url
        assert problems_on(response.content.decode(), []) == [], url


# The people search takes any text: SQL stays data, wildcards are literal.

HOSTILE_SEARCHES = [
    "'",
    '"',
    "O'Brien",
    '"; --',
    "%",
    "_",
    "%%",
    "a%",
    "\\",
    "'; DROP TABLE crm_person; --",
    "' OR '1'='1",
    "1; SELECT * FROM auth_user",
    "\x00",
    "Ann\x00Smith",
    "x" * 10_000,
    "☃ 😀 ß İ",
    "@",
    "@'; --",
    "+1 (512) 555-'",
    SCRIPT,
    IMG,
]


@pytest.fixture
def searchable(boss: User) -> list[Person]:
    return [
        create_person(by=None, first_name="Ann", last_name="O'Brien", email="ann@obrien.example"),
        create_person(by=None, first_name="Bo", last_name="100%Pure", company_name="50_50 Ltd"),
        create_person(by=None, first_name="Cy", last_name="Plain", phone="512-555-0100"),
    ]


def test_a_hostile_search_is_never_a_500_and_the_people_table_survives(
    client: Client, searchable: list[Person]
) -> None:
    for text in HOSTILE_SEARCHES:
        response = client.get("/people/", {"q": text})
        assert response.status_code == 200, repr(text)
        assert problems_on(response.content.decode(), []) == [], repr(text)
        assert Person.objects.count() == len(searchable)
    assert client.get("/people/").status_code == 200


def listed(client: Client, text: str) -> set[int]:
    page = client.get("/people/", {"q": text}).content.decode()
    return {int(pk) for pk in re.findall(r'<a href="/people/(\d+)/">', page)}


def test_search_wildcards_and_quotes_are_matched_literally(
    client: Client, searchable: list[Person]
) -> None:
    ann, bo, _ = searchable
    assert listed(client, "o'brien") == {ann.pk}
    assert listed(client, "100%") == {bo.pk}
    assert listed(client, "%") == set()
    assert listed(client, "_") == set()
    assert listed(client, "50_") == {bo.pk}
    assert listed(client, "' OR '1'='1") == set()


def test_success_messages_escape_the_names_they_repeat(client: Client, boss: User) -> None:
    done = client.post(
        "/avoid/add/",
        {"email": "stop@stop.example", "reason": hostile("AvoidWhy")},
        follow=True,
    )
    assert problems_on(done.content.decode(), ["AvoidWhy"]) == []
    saved = client.post(
        "/segments/",
        {
            "name": hostile("SegmentName"),
            "person_types": ["lead"],
            "refunded": "any",
            "late_pay": "any",
        },
        follow=True,
    )
    assert problems_on(saved.content.decode(), ["SegmentName"]) == []
    assert Segment.objects.filter(name=hostile("SegmentName")).exists()


def test_the_source_pages_form_snippet_is_shown_as_text_not_made_part_of_the_page(
    client: Client, boss: User
) -> None:
    client.post("/intake/sources/", {"name": hostile("SourceName")})
    source = Source.objects.get(name=hostile("SourceName"))
    page = client.get(f"/intake/sources/{source.pk}/").content.decode()
    assert problems_on(page, ["SourceName"]) == []
    snippet = re.search(r'<pre class="snippet"><code>(.*?)</code></pre>', page, re.DOTALL)
    assert snippet is not None
    assert "<form" not in snippet[1]
    assert "&lt;form" in snippet[1]
