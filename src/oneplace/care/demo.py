"""Demo sign-ins for the synthetic place: one user of each clinical role per locality, and an
analyst, an auditor and an admin, each with a random password.

Development only (``oneplace sync-worklists`` makes them when the settings say
``development``). Passwords are random per workspace, shown once when the users are made, and
kept beside the workspace's development secrets in ``care-demo-sign-ins.txt`` (owner-only), so
a demo can be signed into later; only their argon2 hashes are in the database.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..place import Place
from . import auth, db

SIGN_INS_FILE = "care-demo-sign-ins.txt"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    organisation: str
    localities: tuple[str, ...]


def _first(place: Place, *kinds: str) -> str:
    for kind in kinds:
        for org in place.organisations:
            if str(org.kind) == kind:
                return org.code
    return place.organisations[0].code


def demo_users(place: Place) -> list[DemoUser]:
    """The demo users of ``place``: per locality a GP at one of its practices, a community
    nurse, a social worker of its council and a voluntary-sector care coordinator; then an
    analyst, an auditor and an admin at the commissioner."""
    network_locality = {n.code: n.locality for n in place.networks}
    councils = {o.code for o in place.organisations if str(o.kind) == "council"}
    community = _first(place, "community_trust", "mental_health_trust")
    voluntary = _first(place, "voluntary_sector", "gp_federation")
    commissioner = _first(place, "commissioner")
    users = []
    for loc in sorted(place.localities, key=lambda x: x.code):
        practice = min(p.code for p in place.practices if network_locality[p.network] == loc.code)
        council = loc.lad_code if loc.lad_code in councils else _first(place, "council")
        tag = loc.code.lower()
        for username, name, role, org in (
            (f"gp.{tag}", f"Dr {loc.name} GP", "gp", practice),
            (f"nurse.{tag}", f"{loc.name} community nurse", "nurse", community),
            (f"social.{tag}", f"{loc.name} social worker", "social_worker", council),
            (f"coordinator.{tag}", f"{loc.name} care coordinator", "care_coordinator", voluntary),
        ):
            users.append(DemoUser(username, name, role, org, (loc.code,)))
    for role in ("analyst", "auditor", "admin"):
        users.append(DemoUser(role, f"Partnership {role}", role, commissioner, ()))
    return users


def ensure_demo_users(session: Session, place: Place) -> list[tuple[str, str, str]]:
    """Make the demo users that do not exist yet (in ``session``; the caller commits, then
    keeps the sign-ins with ``write_sign_ins``): (username, role, password) of each."""
    existing = set(session.scalars(select(db.User.username)))
    made = []
    for user in demo_users(place):
        if user.username in existing:
            continue
        password = secrets.token_urlsafe(12)
        session.add(
            db.User(
                username=user.username,
                full_name=user.full_name,
                organisation_code=user.organisation,
                role=user.role,
                active=True,
                password_hash=auth.hash_password(password),
                localities=[db.UserLocality(locality=loc) for loc in user.localities],
            )
        )
        made.append((user.username, user.role, password))
    session.flush()
    return made


def write_sign_ins(workspace: Path, made: list[tuple[str, str, str]]) -> None:
    """Append new demo sign-ins to the workspace's owner-only file."""
    if made:
        path = Path(workspace) / SIGN_INS_FILE
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            for username, role, password in made:
                handle.write(f"{username}\t{role}\t{password}\n")


def read_sign_ins(workspace: Path) -> list[tuple[str, str, str]]:
    path = Path(workspace) / SIGN_INS_FILE
    if not path.exists():
        return []
    return [
        tuple(line.split("\t")) for line in path.read_text(encoding="utf-8").splitlines() if line
    ]  # type: ignore[misc]
