"""Who the flagged people are: the rosters that give the care plane a patient's identity.

Source: issue 6, "What it holds" and "Worklists from the analytics". The analytics plane knows
people only by ``person_id``. In production that id is the keyed pseudonym of the NHS number
(``pseudonym.person_link``, HMAC-SHA256 under the partnership's pseudonymisation secret),
applied to the data before it reaches the analytics plane; the care plane holds the same
secret and the practices' registers, so it can find a flagged person's record and nobody else
can. ``FileRoster`` is that register: a CSV file of identities (``nhs_number``,
``given_name``, ``family_name``, ``date_of_birth``, ``address``, ``practice_code``, optional
``objects_to_sharing``: true or false), each linked by ``person_link`` of its NHS number.

The synthetic place's ids (``P00000001``) were minted without NHS numbers (the NHS test range
holds only 909,091 valid numbers, fewer than a large synthetic place has people), so no secret
links them. ``DemoRoster`` stands in for the register there: it makes up an identity for each
flagged person, with an NHS number from the test range that is never issued to anyone, and
records the synthetic id as the link. It refuses to run outside development.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..csvfile import read_csv
from ..errors import UserError
from .nhs_number import normalise, synthetic_nhs_numbers
from .pseudonym import person_link

ROSTER_COLUMNS = (
    "nhs_number",
    "given_name",
    "family_name",
    "date_of_birth",
    "address",
    "practice_code",
)


@dataclass(frozen=True)
class Identity:
    nhs_number: str
    given_name: str
    family_name: str
    date_of_birth: date
    address: str
    practice_code: str
    person_link: str
    objects_to_sharing: bool = False


@dataclass(frozen=True)
class FlaggedPerson:
    """What the analytics plane says about a person the roster is asked about."""

    person_id: str
    practice_code: str
    year_of_birth: int
    sex: str


class RosterError(UserError):
    pass


class FileRoster:
    """Identities from a register (CSV, UTF-8, header row), each linked by the keyed hash of
    its NHS number. Any bad row stops the load with the file, line and problem."""

    def __init__(self, path: Path, secret: str):
        self.path = Path(path)
        names, rows = read_csv(self.path, ROSTER_COLUMNS, RosterError)
        self.by_link: dict[str, Identity] = {}
        for row in rows:
            where = f"{self.path}, line {row.line}"
            if row.problem:
                raise RosterError(f"{where}: {row.problem}")
            values = row.values
            for name in ROSTER_COLUMNS:
                if not values[name]:
                    raise RosterError(f"{where}: {name} is empty")
            try:
                nhs = normalise(values["nhs_number"])
                born = date.fromisoformat(values["date_of_birth"])
            except ValueError as error:
                raise RosterError(f"{where}: {error}") from None
            objection = values.get("objects_to_sharing", "").lower()
            if objection not in ("", "true", "false", "1", "0", "yes", "no"):
                raise RosterError(f"{where}: objects_to_sharing must be true or false")
            link = person_link(nhs, secret)
            if link in self.by_link:
                raise RosterError(f"{where}: NHS number {nhs} appears twice")
            self.by_link[link] = Identity(
                nhs_number=nhs,
                given_name=values["given_name"],
                family_name=values["family_name"],
                date_of_birth=born,
                address=values["address"],
                practice_code=values["practice_code"],
                person_link=link,
                objects_to_sharing=objection in ("true", "1", "yes"),
            )

    def identities(
        self, people: Iterable[FlaggedPerson], taken_numbers: set[str]
    ) -> dict[str, Identity]:
        return {
            p.person_id: self.by_link[p.person_id] for p in people if p.person_id in self.by_link
        }


GIVEN = {
    "F": (
        "Amira",
        "Grace",
        "Joan",
        "Priya",
        "Margaret",
        "Chloe",
        "Fatima",
        "Irene",
        "Sofia",
        "Patricia",
        "Ngozi",
        "Ewa",
        "Doreen",
        "Aisha",
        "Sarah",
        "Kathleen",
    ),
    "M": (
        "Arthur",
        "Kwame",
        "Raj",
        "Dennis",
        "Tomasz",
        "Omar",
        "George",
        "Daniel",
        "Ibrahim",
        "Peter",
        "Sunil",
        "Kevin",
        "Ronald",
        "Yusuf",
        "James",
        "Stanley",
    ),
}
FAMILY = (
    "Smith",
    "Khan",
    "Okafor",
    "Patel",
    "Jones",
    "Nowak",
    "Ahmed",
    "Brown",
    "Begum",
    "Taylor",
    "Mensah",
    "Williams",
    "Hussain",
    "Clarke",
    "Singh",
    "Murphy",
    "Adeyemi",
    "Wilson",
    "Kowalski",
    "Evans",
)
STREETS = (
    "High Street",
    "Station Road",
    "Church Lane",
    "Victoria Road",
    "Mill Lane",
    "Green Lane",
    "Park Avenue",
    "Queens Road",
    "London Road",
    "Chase Cross Road",
)


class DemoRoster:
    """Made-up identities for the synthetic place's flagged people (development only):
    reproducible from the seed and the person id; NHS numbers from the test range, none
    reused; about ``objection_share`` of them object to sharing outside their practice."""

    def __init__(self, town: str, seed: int = 1, objection_share: float = 0.03):
        self.town = town
        self.seed = seed
        self.objection_share = objection_share

    def _rng(self, person_id: str) -> random.Random:
        digest = hashlib.sha256(f"{self.seed}:{person_id}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    def identities(
        self, people: Iterable[FlaggedPerson], taken_numbers: set[str]
    ) -> dict[str, Identity]:
        people = sorted(people, key=lambda p: p.person_id)
        draw = random.Random(self.seed * 1_000_003 + len(taken_numbers))
        numbers = [
            n
            for n in synthetic_nhs_numbers(len(people) + len(taken_numbers), draw)
            if n not in taken_numbers
        ][: len(people)]
        out = {}
        for person, nhs in zip(people, numbers, strict=True):
            rng = self._rng(person.person_id)
            sex = person.sex if person.sex in GIVEN else rng.choice("FM")
            born = date(person.year_of_birth, 1, 1) + timedelta(days=rng.randrange(365))
            out[person.person_id] = Identity(
                nhs_number=nhs,
                given_name=rng.choice(GIVEN[sex]),
                family_name=rng.choice(FAMILY),
                date_of_birth=born,
                address=f"{rng.randrange(1, 200)} {rng.choice(STREETS)}, {self.town}",
                practice_code=person.practice_code,
                person_link=person.person_id,
                objects_to_sharing=rng.random() < self.objection_share,
            )
        return out
