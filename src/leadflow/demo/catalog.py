"""The demo world's vocabulary: names, places, titles, campaigns and reasons.

Plain data only. The generator draws from these lists with a seeded random, so the same
seed always builds the same Texas MSP business.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from leadflow.domain.profile import Need, Outsourcing, SwitchReason
from leadflow.domain.qualification import UnqualifiedReason
from leadflow.domain.temperature import ActivityKind

FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Carlos Maria Juan Rosa Luis Ana Miguel Sofia "
    "Daniel Karen Matthew Nancy Anthony Lisa Mark Betty Steven Sandra Paul Ashley Andrew "
    "Kimberly Joshua Emily Kevin Donna Brian Michelle George Carol Timothy Amanda Ronald "
    "Melissa Jason Deborah Ryan Stephanie Jacob Rebecca Gary Laura Nicholas Sharon Eric "
    "Cynthia Jonathan Kathleen Hector Guadalupe Tyler Brenda Wei Mei Raj Priya Minh Linh "
    "Tanya Darnell Latoya Andre Keisha Marcus Jasmine Cody Brooke Travis Kayla Wade Holly"
).split()

LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez"
).split()

PLACES = (
    "Lone Star|Bluebonnet|Brazos|Pecos|Trinity|Cypress|Red River|Hill Country|Gulf Coast|"
    "Pinewood|Mesquite|Live Oak|Cedar Creek|Prairie|Summit|Riverbend|Alamo|Frontier|"
    "Big Sky|Magnolia|Bayou|Sabine|Canyon|Panhandle|Guadalupe|Llano|Pecan Grove|Sandstone"
).split("|")

# Company names by niche; {s} is a surname, {p} a place.
COMPANY_PATTERNS: dict[str, tuple[str, ...]] = {
    "legal": ("{s} & {t} Law", "{s} Legal PLLC", "{p} Law Group", "{s} {t} LLP"),
    "accounting": ("{s} CPA Group", "{p} Tax & Accounting", "{s} & {t} CPAs"),
    "financial": ("{s} Wealth Advisors", "{p} Financial Partners", "{p} Capital Management"),
    "medical": ("{p} Family Medicine", "{p} Dental Associates", "{s} Pediatrics", "{p} Eye Care"),
    "manufacturing": ("{p} Precision Manufacturing", "{s} Fabrication", "{p} Plastics Inc."),
    "distribution": ("{p} Supply Co.", "{s} Distributors", "{p} Logistics"),
    "construction": ("{s} Builders", "{p} Construction", "{s} Roofing & Restoration"),
    "nonprofit": ("{p} Community Foundation", "{p} Food Bank", "{p} Youth Alliance"),
    "retail": ("{p} Outfitters", "{s} Furniture", "{p} Home & Garden"),
    "real-estate": ("{s} Realty", "{p} Property Management", "{p} Title Company"),
    "education": ("{p} Montessori", "{p} Christian Academy", "{s} Learning Center"),
    "hospitality": ("{p} Hotel Group", "{s} Restaurants", "{p} Event Center"),
}
NICHES = tuple(COMPANY_PATTERNS)
COMPANY_TYPES = ("llc", "corporation", "partnership", "professional corporation", "nonprofit")


@dataclass(frozen=True)
class Place:
    city: str
    postcode: str
    area_codes: tuple[str, ...]


# Region code -> towns. The service area is Texas and its neighbours; the rest are the
# out-of-area responses every webinar attracts.
PLACES_BY_REGION: dict[str, tuple[Place, ...]] = {
    "US-TX": (
        Place("Austin", "78701", ("512", "737")),
        Place("Dallas", "75201", ("214", "469", "972")),
        Place("Houston", "77002", ("713", "281", "832", "346")),
        Place("San Antonio", "78205", ("210", "726")),
        Place("Fort Worth", "76102", ("817", "682")),
        Place("Plano", "75024", ("945",)),
        Place("El Paso", "79901", ("915",)),
        Place("Waco", "76701", ("254",)),
        Place("Round Rock", "78664", ("737",)),
        Place("Lubbock", "79401", ("806",)),
        Place("Corpus Christi", "78401", ("361",)),
        Place("Tyler", "75702", ("903", "430")),
    ),
    "US-OK": (
        Place("Oklahoma City", "73102", ("405", "572")),
        Place("Tulsa", "74103", ("918", "539")),
        Place("Norman", "73069", ("405",)),
    ),
    "US-LA": (
        Place("New Orleans", "70112", ("504",)),
        Place("Baton Rouge", "70801", ("225",)),
        Place("Shreveport", "71101", ("318",)),
        Place("Lafayette", "70501", ("337",)),
    ),
    "US-NM": (Place("Albuquerque", "87102", ("505",)),),
    "US-AR": (Place("Little Rock", "72201", ("501",)),),
    "US-CO": (Place("Denver", "80202", ("303", "720")),),
    "US-CA": (Place("San Diego", "92101", ("619",)),),
    "US-FL": (Place("Tampa", "33602", ("813",)),),
    "US-AZ": (Place("Phoenix", "85004", ("602", "480")),),
}
REGIONS = tuple(PLACES_BY_REGION)
STREETS = (
    "Congress Ave|Main St|Commerce St|Elm St|Oak Lawn Ave|Westheimer Rd|Broadway|Market St|"
    "Preston Rd|Lamar Blvd|Travis St|Houston St|Ross Ave|Guadalupe St|Camp Bowie Blvd|"
    "Research Blvd|Gessner Rd|Lovers Ln|Mockingbird Ln|Riverside Dr"
).split("|")

# Titles by how much say they have; qualification reads authority from the title.
TITLES = (
    "Owner|CEO|President|Managing Partner|Founder|COO|CFO|Managing Director|General Manager|"
    "Director of Operations|VP of Finance|IT Director|Head of Operations|Practice Director|"
    "Office Manager|IT Manager|Operations Manager|Practice Manager|Controller|Plant Manager|"
    "Receptionist|Bookkeeper|Paralegal|Network Engineer|Executive Assistant|IT Technician|"
    "Staff Accountant"
).split("|")

EMPLOYEE_COUNTS = (2, 4, 6, 8, 12, 15, 18, 25, 30, 40, 55, 70, 85, 120, 160, 220, 300, 420, 650)
MONTHLY_BUDGETS = tuple(
    Decimal(f"{v}.00") for v in (300, 600, 900, 1500, 2500, 3500, 5000, 6500, 8000, 12000, 20000)
)
OUTSOURCING = tuple(Outsourcing)
SWITCH_REASONS = tuple(SwitchReason)
NEEDS = tuple(Need)
SERVICES_WE_SELL = (
    "managed-services",
    "cybersecurity",
    "cloud",
    "backup",
    "voip",
    "help-desk",
    "compliance",
)
SERVICES_WE_DONT_SELL = ("web-design", "software-development", "printer-repair", "seo")

PROBLEM_INDICATORS = (
    "ransomware scare",
    "backups failed a restore test",
    "slow network",
    "current provider does not answer",
    "cyber-insurance questionnaire due",
    "compliance audit coming",
    "phishing incidents",
    "server out of warranty",
)


@dataclass(frozen=True)
class CampaignSpec:
    """One campaign: the source it belongs to, when it ran, and how its responders act."""

    name: str
    source: str
    months_ago: float
    kind: ActivityKind | None  # None: a list of prospects (no interest shown)
    ongoing: bool = False  # responses keep arriving until today
    niches: tuple[str, ...] = ()  # who a rented list holds
    region: str | None = None


WEBINAR = "Webinar"
TRADE_SHOW = "Trade show"
WEBSITE = "Website download"
RENTED_LIST = "Rented list"
REFERRAL = "Referral"
SOURCES = (WEBINAR, TRADE_SHOW, WEBSITE, RENTED_LIST, REFERRAL)

_E, _T, _D = ActivityKind.EVENT_ATTENDED, ActivityKind.TRADE_SHOW, ActivityKind.DOWNLOAD
CAMPAIGNS: tuple[CampaignSpec, ...] = (
    CampaignSpec("Webinar: Ransomware readiness for Texas law firms", WEBINAR, 17, _E),
    CampaignSpec("Webinar: 7 signs your MSP is failing you", WEBINAR, 14, _E),
    CampaignSpec("Webinar: HIPAA security for medical practices", WEBINAR, 11, _E),
    CampaignSpec("Webinar: What cyber insurers now require", WEBINAR, 8, _E),
    CampaignSpec("Webinar: Co-managed IT for manufacturers", WEBINAR, 5, _E),
    CampaignSpec("Webinar: Microsoft 365 security checklist", WEBINAR, 1.5, _E),
    CampaignSpec("Trade show: Texas Manufacturing Expo, Houston", TRADE_SHOW, 15, _T),
    CampaignSpec("Trade show: TXCPA annual conference, Dallas", TRADE_SHOW, 9, _T),
    CampaignSpec("Trade show: Oklahoma Business Expo, Tulsa", TRADE_SHOW, 3, _T),
    CampaignSpec("Download: 10 questions to ask before hiring an MSP", WEBSITE, 18, _D, True),
    CampaignSpec("Download: Cybersecurity risk checklist", WEBSITE, 13, _D, True),
    CampaignSpec("Download: IT budget planning guide", WEBSITE, 7, _D, True),
    CampaignSpec(
        "Newsletter: Tech tips for business owners",
        WEBSITE,
        18,
        ActivityKind.NEWSLETTER_SIGNUP,
        True,
    ),
    CampaignSpec(
        "Rented list: Dallas-Fort Worth professional firms",
        RENTED_LIST,
        16,
        None,
        niches=("legal", "accounting", "financial"),
        region="US-TX",
    ),
    CampaignSpec(
        "Rented list: Houston manufacturers and distributors",
        RENTED_LIST,
        10,
        None,
        niches=("manufacturing", "distribution"),
        region="US-TX",
    ),
    CampaignSpec(
        "Rented list: Oklahoma City healthcare practices",
        RENTED_LIST,
        4,
        None,
        niches=("medical",),
        region="US-OK",
    ),
    CampaignSpec("Client referral program", REFERRAL, 18, ActivityKind.INBOUND_CALL, True),
)

# Where a lost deal's person goes, and why, as a rep would write it.
LOST_TO_NURTURE = (
    "went quiet after the proposal",
    "staying with their current provider for now",
    "budget frozen until next fiscal year",
    "office move comes first; revisit next quarter",
    "just looking; asked us to check back in six months",
    "chose a cheaper provider",
)
LOST_AS_UNQUALIFIED: tuple[tuple[UnqualifiedReason, str], ...] = (
    (UnqualifiedReason.WRONG_NICHE, "turned out to be a home business, not our market"),
    (UnqualifiedReason.NO_BUDGET, "cannot afford managed services; wants hourly break-fix"),
    (UnqualifiedReason.OTHER, "being acquired; IT decisions moved to the parent company"),
    (
        UnqualifiedReason.NOT_DECISION_MAKER,
        "the office manager cannot sign and the owner won't meet",
    ),
    (UnqualifiedReason.NO_NEED_NOW, "just signed a three-year contract with another MSP"),
    (UnqualifiedReason.WANTS_WHAT_WE_DONT_SELL, "really wanted custom software development"),
)
LOST_TO_AVOID = (
    "demanded free work and threatened a bad review",
    "a competitor posing as a prospect to get our pricing",
)
AVOID_PROSPECT = (
    "asked to be removed from every list",
    "replied STOP to the direct-mail follow-up call",
)
AVOID_LEAD = (
    "competitor fishing for our pricing",
    "abusive to our setter on the phone",
    "threatened legal action over a sales call",
)
AVOID_CLIENT = (
    "fired client: unpaid invoices sent to collections",
    "fired client: abusive to our technicians",
)

_ACTIVITY_NOTES = {
    ActivityKind.EVENT_ATTENDED: "attended",
    ActivityKind.TRADE_SHOW: "visited our booth",
    ActivityKind.DOWNLOAD: "downloaded",
    ActivityKind.NEWSLETTER_SIGNUP: "signed up",
    ActivityKind.WEB_FORM: "filled in the contact form",
    ActivityKind.INBOUND_CALL: "called us",
}


def activity_note(kind: ActivityKind, campaign: str | None) -> str:
    text = _ACTIVITY_NOTES.get(kind, kind.value.replace("_", " "))
    return f"{text} ({campaign})" if campaign else text
