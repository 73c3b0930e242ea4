"""The demo team: one login per role with a fixed, printed password, and colleagues.

The five logins' passwords are reset on every run so the printed ones always work. The
extra setters and reps exist so the funnel has people to compare; they cannot log in.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User

from leadflow.demo.plan import Staff
from leadflow.domain.people import Role


@dataclass(frozen=True)
class DemoUser:
    role: str
    username: str
    password: str


@dataclass(frozen=True)
class _Member:
    username: str
    role: Role
    first_name: str
    last_name: str
    show_rate: float = 0.0  # setters only: the share of their appointments that sit


LOGINS = (
    _Member("owner", Role.OWNER, "Grace", "Whitfield"),
    _Member("marketing", Role.MARKETING, "Priya", "Raman"),
    _Member("setter", Role.SETTER, "Sam", "Ortiz", show_rate=0.7),
    _Member("rep", Role.REP, "Ray", "Castillo"),
    _Member("admin", Role.ADMIN, "Alex", "Kim"),
)
COLLEAGUES = (
    # The setter whose show rate got a setter fired (PRODUCT.md §6): the report must flag her.
    _Member("dana.brooks", Role.SETTER, "Dana", "Brooks", show_rate=0.3),
    _Member("luis.garza", Role.SETTER, "Luis", "Garza", show_rate=0.64),
    _Member("keisha.moore", Role.SETTER, "Keisha", "Moore", show_rate=0.78),
    _Member("tom.becker", Role.REP, "Tom", "Becker"),
    _Member("nina.patel", Role.REP, "Nina", "Patel"),
)


def password_for(member: _Member) -> str:
    return f"demo-{member.username}"


def staff() -> Staff:
    everyone = (*LOGINS, *COLLEAGUES)
    setters = tuple(m for m in everyone if m.role is Role.SETTER)
    return Staff(
        owner="owner",
        marketing="marketing",
        admin="admin",
        setters=tuple(m.username for m in setters),
        show_rates=tuple(m.show_rate for m in setters),
        reps=tuple(m.username for m in everyone if m.role is Role.REP),
    )


def ensure_users() -> tuple[dict[str, User], list[DemoUser]]:
    """Create the team if missing, put each in its role's group, reset the logins."""
    groups = {g.name: g for g in Group.objects.filter(name__in=[r.value for r in Role])}
    # A password hash is slow on purpose; hashlib releases the GIL, so hash them together.
    with ThreadPoolExecutor(max_workers=len(LOGINS)) as pool:
        hashes = dict(zip(LOGINS, pool.map(make_password, map(password_for, LOGINS)), strict=True))
    users: dict[str, User] = {}
    logins: list[DemoUser] = []
    for member in (*LOGINS, *COLLEAGUES):
        user, created = User.objects.get_or_create(
            username=member.username,
            defaults={
                "first_name": member.first_name,
                "last_name": member.last_name,
                "email": f"{member.username}@leadflow-demo.example",
            },
        )
        if member in LOGINS:
            password = password_for(member)
            user.password = hashes[member]
            user.is_active = True
            user.is_staff = member.role in (Role.OWNER, Role.ADMIN)
            user.is_superuser = member.role is Role.ADMIN
            user.save()
            logins.append(DemoUser(member.role.value, member.username, password))
        elif created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(groups[member.role.value])
        users[member.username] = user
    return users, logins
