"""``oneplace score``: a comorbidity or frailty index for an analyst's own extract, with no
workspace.

The input is a CSV or Parquet file with columns ``person_id`` and ``code`` (and optionally
``date`` and ``position``); the output, CSV or Parquet by its extension, has one row per
person of the input: ``person_id``, ``score`` and a 0/1 column per condition (Charlson,
Elixhauser), or ``score`` and ``risk_band`` (HFRS). The index itself is
:mod:`oneplace.engine.comorbidity`, run on an in-memory DuckDB.

Which rows count: every row, unless a look-back is asked for (``lookback_years``, counted
back from ``as_of``, by default the latest date in the file; the HFRS looks back two years
by default, as Gilbert 2018 did, when the file has dates) or a range of diagnosis positions.
Persons whose rows all fall outside the window are still in the output, scoring 0.

Codes that are not ICD-10 codes are counted and returned in :class:`ScoreReport` (the CLI
prints them on stderr); rows without a person_id are counted and left out. The output is
written to a temporary file beside the target and renamed into place, so a failure leaves
no half-written output.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir

from .engine import comorbidity
from .errors import UserError

DEFAULT_LOOKBACK = {"hfrs": 2}
REQUIRED = ("person_id", "code")
FORMATS = {".csv": "csv", ".parquet": "parquet"}
EXAMPLES = 5  # invalid codes shown in the report


@dataclass(frozen=True)
class ScoreReport:
    index: str
    weighting: str
    rows: int
    people: int
    rows_without_person: int
    invalid_rows: int
    invalid_codes: int
    invalid_examples: list[tuple[str | None, int]] = field(default_factory=list)
    as_of: date | None = None
    lookback_years: int | None = None


def _format(path: Path, role: str) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserError(f"{path}: the {role} must be a .csv or .parquet file")
    return fmt


def _read(con: ibis.BaseBackend, path: Path) -> ir.Table:
    if not path.is_file():
        raise UserError(f"{path}: no such file")
    try:
        if _format(path, "input") == "csv":
            table = con.read_csv(str(path))
            # Identifiers and codes stay text: '007' must not become 7.
            types = {c: "VARCHAR" for c in REQUIRED if c in table.columns}
            table = con.read_csv(str(path), types=types)
        else:
            table = con.read_parquet(str(path))
    except Exception as exc:  # DuckDB's reader errors name the line
        reason = str(exc).strip().splitlines()[0]
        raise UserError(f"{path}: cannot read: {reason}") from exc
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise UserError(
            f"{path}: missing column(s) {', '.join(missing)}; the input needs person_id and "
            "code (optional: date, position)"
        )
    if not table.code.type().is_string():
        raise UserError(f"{path}: column code must be text, not {table.code.type()}")
    return table


def _typed(table: ir.Table, path: Path, need_date: bool, need_position: bool) -> ir.Table:
    columns = {"person_id": table.person_id.cast("string"), "code": table.code}
    for name, wanted, kind in (("date", need_date, "date"), ("position", need_position, "int32")):
        if not wanted:
            continue
        if name not in table.columns:
            raise UserError(f"{path}: a {name} column is needed for the options given")
        columns[name] = table[name].cast(kind)
    return table.select(**columns)


def score_file(
    index: str,
    input_path: Path,
    output_path: Path,
    weighting: str | None = None,
    lookback_years: int | None = None,
    as_of: date | None = None,
    positions: tuple[int, int] | None = None,
) -> ScoreReport:
    """Scores ``input_path`` with ``index`` and writes ``output_path``."""
    if index not in comorbidity.INDICES:
        raise UserError(f"unknown index {index!r}; choose one of {', '.join(comorbidity.INDICES)}")
    idx = comorbidity.index(index)
    try:
        idx.weights(weighting)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    out_format = _format(output_path, "output")
    con = ibis.duckdb.connect()
    try:
        raw = _read(con, input_path)
        if lookback_years is None and "date" in raw.columns:
            lookback_years = DEFAULT_LOOKBACK.get(index)
        dated = lookback_years is not None or as_of is not None
        try:
            table = _typed(raw, input_path, dated, positions is not None)
            if _format(input_path, "input") == "csv":
                # Parsed once: the queries below read the rows more than once.
                table = con.create_table("diagnoses", table, temp=True)
            # One pass for the checks: rows per code (with and without a person_id).
            codes = table.group_by("code").agg(
                rows=table.count().cast("int64"),
                without_person=table.person_id.isnull().cast("int64").sum().cast("int64"),
            )
            codes = con.create_table("code_rows", codes, temp=True)
            if dated and as_of is None:
                (as_of,) = _fetch(con, table.agg(as_of=table.date.max()))[0]
        except UserError:
            raise
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0]
            raise UserError(f"{input_path}: cannot read: {reason}") from exc
        ((total, without_person),) = _fetch(
            con, codes.agg(rows=codes.rows.sum(), without_person=codes.without_person.sum())
        )
        with_person = codes.select("code", rows=codes.rows - codes.without_person)
        with_person = with_person.filter(with_person.rows > 0)
        ((_, _, invalid_rows, invalid_codes),) = _fetch(con, comorbidity.code_check(with_person))
        examples = []
        if invalid_rows:
            invalid = with_person.filter(comorbidity.normalised_icd10(with_person.code).isnull())
            examples = _fetch(con, invalid.order_by([ibis.desc("rows"), "code"]).limit(EXAMPLES))
        kept = table.filter(table.person_id.notnull())
        people = kept.select("person_id").distinct()
        window_end = ibis.literal(as_of, type="date") if dated and as_of is not None else None
        counted = comorbidity.in_window(kept, window_end, lookback_years, positions)
        result = comorbidity.scores(counted, index, weighting, people).order_by("person_id")
        n_people = _write(con, result, output_path, out_format)
    finally:
        con.disconnect()
    return ScoreReport(
        index=index,
        weighting=weighting or idx.default_weighting,
        rows=total or 0,
        people=n_people,
        rows_without_person=without_person or 0,
        invalid_rows=invalid_rows or 0,
        invalid_codes=invalid_codes or 0,
        invalid_examples=[(code, n) for code, n in examples],
        as_of=as_of if dated else None,
        lookback_years=lookback_years if dated else None,
    )


def _fetch(con: ibis.BaseBackend, expr: ir.Table) -> list[tuple]:
    """The rows of a small result, straight from DuckDB (no Arrow or pandas conversion)."""
    return con.con.execute(str(con.compile(expr))).fetchall()


def _write(con: ibis.BaseBackend, result: ir.Table, path: Path, fmt: str) -> int:
    """Writes ``result`` to ``path`` (whole or not at all) and returns its row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    target = str(partial).replace("'", "''")
    options = "FORMAT csv, HEADER true" if fmt == "csv" else "FORMAT parquet"
    try:
        (written,) = con.con.execute(
            f"COPY ({con.compile(result)}) TO '{target}' ({options})"
        ).fetchone()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return written
