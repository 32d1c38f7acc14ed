"""``oneplace stats``: CSV files of aggregated counts in, statistics with limits out.

Input rules, the same for every command: header names are matched after trimming spaces, in any
case and order; values are trimmed; numbers are plain decimals (``12``, ``0.5``, ``1e3``: no
thousands separators); a blank count or population is missing. Every row is checked first and
all broken rules are reported together, by file and row (the header is row 1), and nothing is
written. Blank statistics come with a warning and the reason in the ``method`` column.

* ``rate`` / ``proportion``: ``numerator, denominator``. With ``--group-by`` the rows are summed
  per group first (a missing value makes its group's sum missing); without it each row is a unit
  and its other columns are carried to the output.
* ``dsr``: ``age_band, count, population`` and optionally ``standard_population``; without it
  the bands must be the 19 of the European Standard Population 2013 (``0-4, 5-9, ..., 85-89,
  90+``), every group having each exactly once. A blank count counts as 0 (PHEindicatormethods).
* ``isr``: input ``age_band, count, population`` (plus the ``--group-by`` columns); reference
  ``age_band, count, population`` with every band once and a population above 0; every group has
  exactly the reference's bands. ``E = sum(population x reference count / reference
  population)``; the ratio is ``O / E x multiplier`` (1, or 100 for an SAR); the rate is
  ``O / E x`` the reference's crude rate ``x multiplier``.

Outputs: the group columns (or the carried columns), the totals (``numerator, denominator``;
``total_count, total_pop``; ``observed, expected, total_pop``), then ``value, lower95, upper95,
lower998, upper998, method``, written to a temporary file beside the output and renamed.
"""

from __future__ import annotations

import csv
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..csvfile import read_csv
from ..errors import UserError
from .estimate import COLUMNS as STAT_COLUMNS
from .estimate import Estimate, StatsWarning

MAX_SHOWN = 100
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


class StatsInputError(UserError):
    """An input file breaks the rules; ``details`` has one line per broken rule."""


@dataclass(frozen=True)
class StatsReport:
    """What a command did: input rows read, output rows written, blanks, and warnings."""

    rows: int
    units: int
    blank: int
    warnings: list[str] = field(default_factory=list)


@dataclass
class Table:
    """A CSV's columns (as written, lower-cased) and its data rows with their row numbers."""

    path: Path
    columns: list[str]
    rows: list[tuple[int, dict[str, str]]]


class Problems:
    """Broken rules found while reading, raised together as one :class:`StatsInputError`."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def add(self, message: str) -> None:
        self.found.append(message)

    def raise_any(self, path: Path) -> None:
        if self.found:
            shown = self.found[:MAX_SHOWN]
            if len(self.found) > MAX_SHOWN:
                shown.append(f"... and {len(self.found) - MAX_SHOWN:,} more")
            raise StatsInputError(
                f"{path}: {len(self.found):,} problem(s); nothing was written", details=shown
            )


def read_table(path: Path, required: Sequence[str]) -> Table:
    """Reads ``path``; raises :class:`StatsInputError` if unreadable or a column is missing."""
    names, read = read_csv(path, required, StatsInputError)
    problems = Problems()
    for row in read:
        if row.problem:
            problems.add(f"row {row.line}: {row.problem}")
    problems.raise_any(path)
    return Table(path, names, [(row.line, row.values) for row in read if not row.problem])


def number(row: int, values: dict[str, str], column: str, problems: Problems) -> float:
    """The non-negative number in ``column``; NaN when blank; a problem when not a number."""
    text = values[column]
    if not text:
        return float("nan")
    if not _NUMBER.fullmatch(text):
        problems.add(f"row {row}: {column} {text!r} is not a number")
        return float("nan")
    value = float(text)
    if value < 0:
        problems.add(f"row {row}: {column} {text!r} is negative; counts and populations cannot be")
    return value


def group_columns(table: Table, group_by: Sequence[str], used: Sequence[str]) -> list[str]:
    """The ``--group-by`` columns, lower-cased, each checked to be in the file."""
    names = [g.strip().lower() for item in group_by for g in item.split(",") if g.strip()]
    missing = [g for g in names if g not in table.columns]
    if missing:
        raise StatsInputError(
            f"{table.path}: --group-by column(s) {', '.join(missing)} not in the file "
            f"(its columns: {', '.join(table.columns)})"
        )
    clash = [g for g in names if g in used]
    if clash:
        raise StatsInputError(f"--group-by cannot use the input column(s) {', '.join(clash)}")
    return names


def run_quietly(compute: Callable[[], Estimate]) -> tuple[Estimate, list[str]]:
    """Runs ``compute``, returning its :class:`StatsWarning` messages instead of showing them."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatsWarning)
        result = compute()
    messages = [str(w.message) for w in caught if issubclass(w.category, StatsWarning)]
    for w in caught:
        if not issubclass(w.category, StatsWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result, messages


def _format(value: object) -> str:
    if isinstance(value, float | np.floating):
        return "" if np.isnan(value) else f"{float(value):.12g}"
    return str(value)


def write_rows(
    path: Path,
    header: Sequence[str],
    keys: list[list[str]],
    totals: list[np.ndarray],
    est: Estimate,
) -> None:
    """Writes ``path`` whole or not at all: group values, totals, then the statistic's columns."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    stats = [values for _, values in est.columns()]
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow([*header, *STAT_COLUMNS])
            for i, key in enumerate(keys):
                writer.writerow(
                    [*key, *(_format(t[i]) for t in totals), *(_format(s[i]) for s in stats)]
                )
        os.replace(partial, path)
    except OSError as exc:
        raise StatsInputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        Path(partial).unlink(missing_ok=True)


def check_paths(output: Path, *inputs: Path) -> None:
    for source in inputs:
        if output.exists() and output.resolve() == source.resolve():
            raise StatsInputError(f"{output}: the output would overwrite the input")
