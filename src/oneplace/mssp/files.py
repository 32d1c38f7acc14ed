"""``oneplace mssp settle``: a CSV of ACO performance years in, a CSV of settlements out.

Input columns (header names are matched after trimming spaces, in any case and order; other
columns are ignored): ``aco_id, performance_year, track, assigned_beneficiaries,
benchmark_total, expenditure_total, quality_score, quality_standard_met, msr_choice,
agreement_year, participant_revenue, disaster_adjustment``.

* ``track``: 1, 1+, 2, 3, A-E (``BASIC C`` and ``Level C`` also read) or ENHANCED.
* Money in dollars, digits with an optional decimal point (no currency signs, no thousands
  separators), read as :class:`decimal.Decimal`, never float.
* ``quality_score``: 0-1, or ``P4R`` (pay for reporting, counts as 1.0, as in CMS's files);
  it may be blank where the rules do not use it.
* ``quality_standard_met``: true/false (also yes/no, 1/0).
* ``msr_choice``: blank (the track's default), ``variable``, or a percentage (``1.5``, ``1.5%``).
* ``participant_revenue`` and ``disaster_adjustment`` may be blank.

Values are trimmed of surrounding spaces. Every row is checked first, against the input rules
and its rule book (:func:`oneplace.mssp.settlement.problems`); if any row breaks a rule the
command reports all of them, row by row (rows are numbered as in a spreadsheet: the header is
row 1), and writes nothing. Otherwise it writes ``aco_id, savings_rate, msr, msr_met,
final_sharing_rate, shared_amount, rule`` (rates as fractions to 10 decimal places, the
amount in dollars to the cent) to a temporary file beside the output and renames it into place.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ..csvfile import read_csv
from ..errors import UserError
from .rules import normalise_track
from .settlement import AcoYear, Settlement, problems, settle_checked

COLUMNS = (
    "aco_id",
    "performance_year",
    "track",
    "assigned_beneficiaries",
    "benchmark_total",
    "expenditure_total",
    "quality_score",
    "quality_standard_met",
    "msr_choice",
    "agreement_year",
    "participant_revenue",
    "disaster_adjustment",
)
OUTPUT_COLUMNS = (
    "aco_id",
    "savings_rate",
    "msr",
    "msr_met",
    "final_sharing_rate",
    "shared_amount",
    "rule",
)
MAX_SHOWN = 100  # problems listed in the error; the rest are counted
RATE_PLACES = Decimal("1e-10")

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_INTEGER = re.compile(r"[+-]?\d+")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


class MsspInputError(UserError):
    """The ACO file cannot be settled; ``details`` has one line per broken rule."""


@dataclass(frozen=True)
class SettleReport:
    acos: int
    earning: int
    earned: Decimal
    owing: int
    owed: Decimal


# --- reading -----------------------------------------------------------------------------------
def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(spreadsheet row number, {column: trimmed value}) for each non-blank data row; a row
    with the wrong number of fields is ``{"": problem}``."""
    _, rows = read_csv(path, COLUMNS, MsspInputError)
    for row in rows:
        yield row.line, ({"": row.problem} if row.problem else {c: row.values[c] for c in COLUMNS})


class _Row:
    """Parses one row's fields, collecting a message for each bad one."""

    def __init__(self, values: dict[str, str]):
        self.values = values
        self.problems: list[str] = []

    def bad(self, column: str, why: str) -> None:
        self.problems.append(f"{column} {self.values[column]!r} {why}")

    def integer(self, column: str, low: int) -> int:
        text = self.values[column]
        if not _INTEGER.fullmatch(text):
            self.bad(column, "is not a whole number" if text else "is blank")
            return low
        value = int(text)
        if value < low:
            self.bad(column, f"must be at least {low:,}")
        return value

    def money(self, column: str, positive: bool, optional: bool = False) -> Decimal | None:
        text = self.values[column]
        if not text and optional:
            return None
        if not _NUMBER.fullmatch(text):
            self.bad(column, "is not an amount of dollars" if text else "is blank")
            return None
        value = Decimal(text)
        if value < 0 or (positive and value == 0):
            self.bad(column, "must be above 0" if positive else "must not be negative")
        return value

    def quality(self) -> tuple[Decimal | None, bool]:
        text = self.values["quality_score"]
        if text.upper() == "P4R":
            return Decimal(1), True
        if not text:
            return None, False
        if not _NUMBER.fullmatch(text):
            self.bad("quality_score", "is not a number (0-1) or P4R")
            return None, False
        value = Decimal(text)
        if not 0 <= value <= 1:
            self.bad("quality_score", "is out of range: it must be 0-1 (or P4R)")
        return value, False

    def flag(self, column: str) -> bool:
        text = self.values[column].lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        self.bad(column, "must be true or false")
        return False

    def msr_choice(self) -> Decimal | str | None:
        text = self.values["msr_choice"]
        if not text:
            return None
        if text.lower() == "variable":
            return "variable"
        number = text.removesuffix("%").strip()
        if not _NUMBER.fullmatch(number):
            self.bad("msr_choice", "must be blank, variable or a percentage such as 1.5")
            return None
        return Decimal(number)


def _parse(values: dict[str, str]) -> tuple[AcoYear | None, list[str]]:
    if "" in values:
        return None, [values[""]]
    row = _Row(values)
    aco_id = values["aco_id"]
    if not aco_id:
        row.problems.append("aco_id is blank")
    year = row.integer("performance_year", 1)
    track = normalise_track(values["track"])
    if track is None:
        row.bad("track", "is not a track: use 1, 1+, 2, 3, A, B, C, D, E or ENHANCED")
    assigned = row.integer("assigned_beneficiaries", 1)
    benchmark = row.money("benchmark_total", positive=True)
    expenditure = row.money("expenditure_total", positive=False)
    quality, p4r = row.quality()
    met = row.flag("quality_standard_met")
    choice = row.msr_choice()
    agreement_year = row.integer("agreement_year", 1)
    revenue = row.money("participant_revenue", positive=True, optional=True)
    adjustment = row.money("disaster_adjustment", positive=False, optional=True)
    if row.problems or track is None or benchmark is None or expenditure is None:
        return None, row.problems
    aco = AcoYear(
        aco_id=aco_id,
        performance_year=year,
        track=track,
        assigned_beneficiaries=assigned,
        benchmark_total=benchmark,
        expenditure_total=expenditure,
        quality_score=quality,
        quality_standard_met=met,
        agreement_year=agreement_year,
        msr_choice=choice,  # type: ignore[arg-type]
        participant_revenue=revenue,
        disaster_adjustment=adjustment,
        pay_for_reporting=p4r,
    )
    return aco, problems(aco)


def read_acos(path: Path) -> list[AcoYear]:
    """The ACO performance years in ``path``, every one checked against its rule book.

    Raises :class:`MsspInputError` listing every broken rule (file, row, aco_id, rule).
    """
    acos: list[AcoYear] = []
    found: list[str] = []
    first_row: dict[str, int] = {}
    for number, values in _rows(path):
        aco, broken = _parse(values)
        label = f"row {number}" + (f" (aco_id {values['aco_id']})" if values.get("aco_id") else "")
        found.extend(f"{label}: {why}" for why in broken)
        aco_id = values.get("aco_id")
        if aco_id:
            if aco_id in first_row:
                found.append(f"{label}: duplicate aco_id, first on row {first_row[aco_id]}")
            else:
                first_row[aco_id] = number
        if aco is not None and not broken:
            acos.append(aco)
    if found:
        shown = found[:MAX_SHOWN]
        if len(found) > MAX_SHOWN:
            shown.append(f"... and {len(found) - MAX_SHOWN:,} more")
        raise MsspInputError(
            f"{path}: {len(found):,} problem(s); nothing was written", details=shown
        )
    return acos


# --- writing -----------------------------------------------------------------------------------
def _rate(value: Decimal) -> str:
    return f"{value.quantize(RATE_PLACES):f}"


def output_row(s: Settlement) -> list[str]:
    return [
        s.aco_id,
        _rate(s.savings_rate),
        _rate(s.msr),
        "true" if s.msr_met else "false",
        _rate(s.final_sharing_rate),
        str(s.shared_amount),
        s.rule,
    ]


def write_settlements(settlements: Iterable[Settlement], path: Path) -> None:
    """Writes ``path`` whole or not at all (a temporary file beside it, renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(OUTPUT_COLUMNS)
            writer.writerows(output_row(s) for s in settlements)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def settle_file(input_path: Path, output_path: Path) -> SettleReport:
    """Settles every ACO in ``input_path`` and writes ``output_path`` (see the module docs)."""
    if output_path.exists() and output_path.resolve() == input_path.resolve():
        raise MsspInputError(f"{output_path}: the output would overwrite the input")
    results = [settle_checked(aco) for aco in read_acos(input_path)]  # read_acos checked them
    try:
        write_settlements(results, output_path)
    except OSError as exc:
        raise MsspInputError(f"{output_path}: cannot write: {exc.strerror or exc}") from None
    earning = [s.shared_amount for s in results if s.shared_amount > 0]
    owing = [s.shared_amount for s in results if s.shared_amount < 0]
    total_earned, total_owed = sum(earning, Decimal(0)), -sum(owing, Decimal(0))
    return SettleReport(len(results), len(earning), total_earned, len(owing), total_owed)
