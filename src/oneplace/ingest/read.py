"""Stage one: read a canonical file, as it is, into the raw staging view ``_raw``.

``_raw`` has the file's columns under their own names plus ``_row``, the 1-based number of
the data row: the first row after the CSV header is row 1, the first row of a Parquet file
is row 1. For a CSV file without line breaks inside quoted values, row N is on line N + 1 of
the file as a text editor shows it. CSV is read with every column as VARCHAR and without
dialect sniffing (comma, double quote), strictly, so a ragged or badly quoted file stops the
load with a :class:`~oneplace.errors.LoadError` naming the file and the line (DuckDB does
accept one trailing empty field, a comma at the end of a row: no value is lost). Parquet is
read with its own types.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..errors import LoadError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


@dataclass(frozen=True)
class RawFile:
    """A file about to be staged: its format, content hash and columns (name -> type)."""

    path: Path
    label: str  # the path as given; names the file in errors, the quarantine and batches
    format: str
    sha256: str
    columns: dict[str, str]


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def one_line(exc: Exception) -> str:
    """The first line of a DuckDB message, without its 'Invalid Input Error: ' prefix."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"^[A-Za-z ]+Error: ", "", first)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def inspect(con: duckdb.DuckDBPyConnection, path: Path) -> RawFile:
    """Check the file exists and has a known format; hash it; read its column names."""
    label = str(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise LoadError(
            f"{label}: unknown file type {path.suffix or '(no extension)'!r}; "
            "expected .csv, .parquet or .pq"
        )
    if not path.is_file():
        raise LoadError(f"{label}: no such file")
    try:
        sha = file_sha256(path)
    except OSError as exc:
        raise LoadError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    columns = _csv_header(path, label) if fmt == "csv" else _parquet_columns(con, path, label)
    seen: dict[str, str] = {}
    for name in columns:
        # DuckDB matches identifiers case-insensitively, so 'Sex' and 'sex' would collide.
        if name.lower() in seen:
            raise LoadError(f"{label}: column {name!r} appears more than once in the header")
        seen[name.lower()] = name
    return RawFile(path, label, fmt, sha, columns)


def _csv_header(path: Path, label: str) -> dict[str, str]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            header = next(csv.reader(f), None)
    except UnicodeDecodeError:
        raise LoadError(f"{label}: not UTF-8 text (is it a CSV file?)") from None
    except csv.Error as exc:
        raise LoadError(f"{label}: line 1: unreadable header ({exc})") from None
    if not header:
        raise LoadError(f"{label}: empty file (no header row)")
    for i, name in enumerate(header, start=1):
        if not name.strip():
            raise LoadError(f"{label}: line 1: column {i} of the header has no name")
    return {name: "VARCHAR" for name in header}


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: Path, label: str) -> dict[str, str]:
    try:
        rows = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_sql_str(str(path))})").fetchall()
    except duckdb.Error as exc:
        raise LoadError(f"{label}: not a readable Parquet file ({one_line(exc)})") from None
    return {name: type_ for name, type_, *_ in rows}


def _csv_error(label: str, exc: duckdb.Error) -> LoadError:
    text = str(exc)
    line = re.search(r"CSV Error on Line: (\d+)", text)
    where = f"line {line.group(1)}: " if line else ""
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text)
    if found:
        what = f"expected {found.group(1)} columns, found {found.group(2)}"
    elif "unterminated quote" in text:
        what = "a quoted value is not closed"
    elif "unicode" in text.lower() or "utf" in text.lower():
        what = "not UTF-8 text"
    else:
        what = one_line(exc)
    return LoadError(f"{label}: {where}{what}")


def stage(con: duckdb.DuckDBPyConnection, raw: RawFile) -> int:
    """Create the temporary view ``_raw`` (file columns + ``_row``); return its row count."""
    src = _sql_str(str(raw.path))
    if raw.format == "csv":
        cols = ", ".join(f"{_sql_str(n)}: 'VARCHAR'" for n in raw.columns)
        try:
            # Insertion order is preserved, so rowid is the data row's position in the file.
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _csv AS SELECT * FROM read_csv("
                f"{src}, columns = {{{cols}}}, header = true, auto_detect = false, "
                "strict_mode = true, delim = ',', quote = '\"', escape = '\"')"
            )
        except duckdb.Error as exc:
            raise _csv_error(raw.label, exc) from None
        con.execute("CREATE OR REPLACE TEMP VIEW _raw AS SELECT rowid + 1 AS _row, * FROM _csv")
    else:
        con.execute(
            "CREATE OR REPLACE TEMP VIEW _raw AS SELECT file_row_number + 1 AS _row, "
            f"* EXCLUDE (file_row_number) FROM read_parquet({src}, file_row_number = true)"
        )
    try:
        (n,) = con.execute("SELECT count(*) FROM _raw").fetchone()
    except duckdb.Error as exc:
        raise LoadError(f"{raw.label}: cannot be read ({one_line(exc)})") from None
    return int(n)
