"""Who the file's setters and reps are: stored users, or new inactive ones.

Pure: the stored team comes in as a frame. A name is tried, in order, as a username
(exactly, then ignoring case), an email, a full name ("Jane Smith"), and the username
such a name would be given ("jane.smith"), so a second import of the file finds the
users the first one created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import polars as pl

from leadflow.domain.people import Role

_USERNAME = re.compile(r"^[\w.@+-]+\Z")
NAME_MAX = 150  # User.first_name / last_name


@dataclass(frozen=True)
class NewUser:
    """A setter or rep the file names whom leadflow does not know yet."""

    username: str
    first_name: str
    last_name: str
    email: str
    roles: frozenset[Role]


@dataclass(frozen=True)
class Team:
    stored: dict[str, int] = field(default_factory=dict)  # name in the file -> user id
    new: dict[str, NewUser] = field(default_factory=dict)  # name in the file -> to create
    errors: dict[str, str] = field(default_factory=dict)  # name in the file -> why not

    def new_users(self, names: set[str]) -> list[NewUser]:
        """The users to create for the names rows that land use (one per username)."""
        chosen = {self.new[n].username: self.new[n] for n in sorted(names) if n in self.new}
        return list(chosen.values())


def username_for(name: str) -> str:
    """The username a new user gets: the name itself when it is one, else a slug."""
    if _USERNAME.match(name):
        return name
    return re.sub(r"[^\w.@+-]+", "", re.sub(r"\s+", ".", name.strip().lower()))[:150]


def resolve_team(roles_by_name: dict[str, set[Role]], users: pl.DataFrame) -> Team:
    """Each name the file uses → a stored user's id, a user to create, or an error."""
    exact = dict(zip(users["username"], users["user_id"], strict=True))
    loose = _index(users, pl.col("username").str.to_lowercase())
    emails = _index(users.filter(pl.col("email") != ""), pl.col("email").str.to_lowercase())
    full_name = pl.concat_str("first_name", "last_name", separator=" ").str.strip_chars()
    full_names = _index(
        users.filter((pl.col("first_name") != "") | (pl.col("last_name") != "")),
        full_name.str.to_lowercase(),
    )
    team = Team()
    planned: dict[str, NewUser] = {}
    for name, roles in sorted(roles_by_name.items()):
        if name in exact:
            team.stored[name] = exact[name]
            continue
        probes = (
            ("username", loose, name.lower()),
            ("email", emails, name.lower()),
            ("name", full_names, " ".join(name.split()).lower()),
            ("username", loose, username_for(name).lower()),
        )
        for kind, index, probe in probes:
            found = index.get(probe, [])
            if len(found) == 1:
                team.stored[name] = found[0]
                break
            if len(found) > 1:
                team.errors[name] = (
                    f'"{name}" matches {len(found)} users by {kind}; name one by its username'
                )
                break
        else:
            username = username_for(name)
            if not username:
                team.errors[name] = f'"{name}" has no letters or digits to make a username from'
                continue
            earlier = planned.get(username.lower())
            user = _new_user(name, username, roles)
            if earlier is not None:  # the first spelling names the user; roles add up
                user = replace(earlier, roles=earlier.roles | user.roles)
            planned[username.lower()] = user
            team.new[name] = user
    # Names that share a username ("Jane Smith", "jane smith") share one user and its roles.
    for name, user in team.new.items():
        team.new[name] = planned[user.username.lower()]
    return team


def _index(users: pl.DataFrame, key: pl.Expr) -> dict[str, list[int]]:
    grouped = users.group_by(key.alias("key")).agg(pl.col("user_id").sort())
    return dict(zip(grouped["key"], grouped["user_id"].to_list(), strict=True))


def _new_user(name: str, username: str, roles: set[Role]) -> NewUser:
    if "@" in name and " " not in name.strip():
        return NewUser(username, "", "", name.strip()[:254], frozenset(roles))
    first, _, last = name.strip().partition(" ") if " " in name.strip() else ("", "", "")
    return NewUser(username, first[:NAME_MAX], last.strip()[:NAME_MAX], "", frozenset(roles))
