"""Reading a user's CSV file for a command (``oneplace mssp settle``, ``oneplace stats``):
UTF-8 (with or without a byte-order mark), a header row whose names are trimmed and
lower-cased, the required columns present, blank lines skipped, and every problem an error of
the caller's family naming the file (and the row)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UserError


@dataclass(frozen=True)
class CsvRow:
    """A data row: its line number, and its values by column (trimmed) or, for a row with the
    wrong number of fields, the problem."""

    line: int
    values: dict[str, str]
    problem: str = ""


def read_csv(
    path: Path, required: Sequence[str], error: type[UserError]
) -> tuple[list[str], list[CsvRow]]:
    """The header's column names and the data rows of ``path``; raises ``error`` when the file
    is missing, empty, not UTF-8, not CSV, or lacks a required column."""
    if not path.is_file():
        raise error(f"{path}: no such file")
    rows: list[CsvRow] = []
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise error(f"{path}: the file is empty; it needs a header row")
            names = [h.strip().lower() for h in header]
            missing = [c for c in required if c not in names]
            if missing:
                raise error(
                    f"{path}: missing column(s) {', '.join(missing)}; "
                    f"the input needs {', '.join(required)}"
                )
            for values in reader:
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(names):
                    problem = f"{len(values)} fields, the header has {len(names)}"
                    rows.append(CsvRow(reader.line_num, {}, problem))
                    continue
                trimmed = {n: v.strip() for n, v in zip(names, values, strict=True)}
                rows.append(CsvRow(reader.line_num, trimmed))
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise error(f"{path}: not a readable CSV file: {exc}") from None
    return names, rows
