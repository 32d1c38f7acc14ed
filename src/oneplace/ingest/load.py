"""Stage four: put a checked batch into the workspace in one transaction, or not at all."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import LoadError
from ..schema import TABLES, Table
from ..workspace import Workspace
from . import cast, read, rules

Progress = Callable[[str, float], None]
STAGES = ("read", "type", "rules", "write")
DIE_AFTER = "ONEPLACE_TEST_DIE_AFTER"  # tests: end the process inside the transaction


@dataclass
class Reason:
    """One way rows broke the rules: how many rows, and the first row's value (None if empty)."""

    rule: str
    column: str
    severity: str
    count: int
    example: str | None


@dataclass
class LoadResult:
    batch_id: str
    table: str
    file: str
    rows_read: int
    loaded: int
    rejected: int
    warned: int
    already_loaded: bool
    reasons: list[Reason]  # most rows first
    ignored_columns: list[str] = field(default_factory=list)  # in the file, not in the table


def batch_id(table: str, content_sha256: str) -> str:
    """A batch is its table and its file's content: the same bytes load once, whatever name."""
    return hashlib.sha256(f"{table}\n{content_sha256}".encode()).hexdigest()[:16]


def _canonical(table_name: str) -> Table:
    if table_name not in TABLES:
        raise LoadError(f"unknown table {table_name!r}; canonical tables are {', '.join(TABLES)}")
    return TABLES[table_name]


def _sources(table: Table, raw: read.RawFile) -> tuple[dict[str, str | None], list[str]]:
    """Canonical column -> file column (matched ignoring case), and the file's extra columns."""
    by_lower = {name.lower(): name for name in raw.columns}
    sources = {c.name: by_lower.get(c.name.lower()) for c in table.columns}
    missing = [c.name for c in table.columns if c.required and sources[c.name] is None]
    if missing:
        names = ", ".join(repr(m) for m in missing)
        plural = "s" if len(missing) > 1 else ""
        raise LoadError(f"{raw.label}: missing required column{plural} {names}")
    used = {s.lower() for s in sources.values() if s is not None}
    return sources, [n for n in raw.columns if n.lower() not in used]


def _die_after(point: str) -> None:
    if os.environ.get(DIE_AFTER) == point:
        os._exit(1)


def _reasons(con: duckdb.DuckDBPyConnection, batch: str) -> list[Reason]:
    """Breaches of the batch by (rule, column, severity); the example is the first row's value."""
    rows = con.execute(
        'SELECT rule, "column", severity, count(DISTINCT "row") AS n, '
        'first(value ORDER BY "row") FROM quarantine WHERE batch_id = ? '
        'GROUP BY ALL ORDER BY n DESC, rule, "column"',
        [batch],
    ).fetchall()
    return [
        Reason(rule, column, severity, n, example) for rule, column, severity, n, example in rows
    ]


def _already_loaded(
    con: duckdb.DuckDBPyConnection, batch: str, table: str, label: str
) -> LoadResult | None:
    row = con.execute(
        "SELECT rows_read, rows_loaded, rows_rejected, rows_warned FROM batches WHERE batch_id = ?",
        [batch],
    ).fetchone()
    if row is None:
        return None
    n_read, n_loaded, n_rejected, n_warned = row
    return LoadResult(
        batch, table, label, n_read, n_loaded, n_rejected, n_warned, True, _reasons(con, batch)
    )


def load_file(
    ws: Workspace, table: str, path: Path, progress: Progress | None = None
) -> LoadResult:
    """Load one canonical CSV or Parquet file into ``table``; see the package docstring."""
    tell = progress or (lambda stage, fraction: None)
    target = _canonical(table)
    path = Path(path)
    with ws.connect() as con:
        con.execute("SET enable_progress_bar = false")  # the caller shows progress, not DuckDB
        tell("read", 0.0)
        raw = read.inspect(con, path)
        batch = batch_id(target.name, raw.sha256)
        done = _already_loaded(con, batch, target.name, raw.label)
        if done is not None:
            return done
        sources, ignored = _sources(target, raw)
        rows_read = read.stage(con, raw)
        tell("read", 1.0)
        try:
            checked = _check(con, target, raw, sources, tell)
        except duckdb.Error as exc:
            # A rule that cannot be evaluated on these values: name the stage, load nothing.
            raise LoadError(f"{raw.label}: could not check the rows", [read.one_line(exc)]) from exc
        # Only this process can write the file while the connection is open, so the rules
        # above saw the workspace exactly as the transaction below will change it.
        con.execute("BEGIN TRANSACTION")
        try:
            result = _write(con, target, raw, batch, checked, rows_read, tell)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        result.ignored_columns = ignored
        result.reasons = _reasons(con, batch)
        return result


@dataclass
class _Checked:
    checks: list[rules.Check]
    rejected: int
    warned: int


def _check(
    con: duckdb.DuckDBPyConnection,
    target: Table,
    raw: read.RawFile,
    sources: dict[str, str | None],
    tell: Progress,
) -> _Checked:
    """Type the staged rows and evaluate every check; keep only the breaches.

    ``_typed`` is a view, so values are cast as the rules read them and again as the good rows
    are written: cheaper than holding a typed copy of a 40-million-row batch.
    """
    tell("type", 0.0)
    typed_from = [
        (c, sources[c.name], raw.columns.get(sources[c.name] or "")) for c in target.columns
    ]
    con.execute(f"CREATE OR REPLACE TEMP VIEW _typed AS {cast.typed_select(typed_from)}")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _dups AS {rules.duplicates_sql(target)}")
    tell("type", 1.0)

    tell("rules", 0.0)
    all_checks = rules.checks(target, sources)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _violations AS {rules.violations_sql(target, all_checks)}"
    )
    tell("rules", 0.8)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _checks "
        "(check_id INTEGER, rule VARCHAR, col VARCHAR, severity VARCHAR, message VARCHAR)"
    )
    con.executemany(
        "INSERT INTO _checks VALUES (?, ?, ?, ?, ?)",
        [[i, c.rule, c.column, c.severity.value, c.message] for i, c in enumerate(all_checks)],
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _rejected AS SELECT DISTINCT v._row FROM _violations v "
        "JOIN _checks c USING (check_id) WHERE c.severity = 'error'"
    )
    (rejected,) = con.execute("SELECT count(*) FROM _rejected").fetchone()
    (warned,) = con.execute(
        "SELECT count(DISTINCT v._row) FROM _violations v JOIN _checks c USING (check_id) "
        "WHERE c.severity = 'warn' AND v._row NOT IN (SELECT _row FROM _rejected)"
    ).fetchone()
    tell("rules", 1.0)
    return _Checked(all_checks, rejected, warned)


def _write(
    con: duckdb.DuckDBPyConnection,
    target: Table,
    raw: read.RawFile,
    batch: str,
    checked: _Checked,
    rows_read: int,
    tell: Progress,
) -> LoadResult:
    tell("write", 0.0)
    cols = ", ".join(f'"{c}"' for c in target.column_names)
    rejected_rows = " ANTI JOIN _rejected x ON x._row = s._row" if checked.rejected else ""
    con.execute(f'INSERT INTO "{target.name}" ({cols}) SELECT {cols} FROM _typed s{rejected_rows}')
    tell("write", 0.5)
    _die_after("insert")
    now = datetime.now(UTC).replace(tzinfo=None)
    con.execute(
        "INSERT INTO quarantine SELECT ?, ?, ?, v._row, c.col, c.rule, c.severity, "
        f"{rules.value_case(checked.checks)}, c.message, ? "
        "FROM _violations v JOIN _checks c USING (check_id) JOIN _raw r ON r._row = v._row",
        [batch, target.name, raw.label, now],
    )
    _die_after("quarantine")
    loaded = rows_read - checked.rejected
    con.execute(
        "INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            batch, target.name, raw.label, raw.sha256, rows_read, loaded,
            checked.rejected, checked.warned, now,
        ],
    )  # fmt: skip
    _die_after("batch")
    tell("write", 1.0)
    return LoadResult(
        batch, target.name, raw.label, rows_read, loaded, checked.rejected, checked.warned,
        False, [],
    )  # fmt: skip


def quarantine(ws: Workspace, limit: int | None = None) -> pa.Table:
    """Rows reported by loads (errors rejected, warnings loaded), newest batch first."""
    sql = 'SELECT * FROM quarantine ORDER BY loaded_at DESC, batch_id, "row", "column", rule'
    params: list[int] = []
    if limit is not None:
        sql += " LIMIT ?"
        params.append(max(int(limit), 0))
    with ws.connect(read_only=True) as con:
        return con.execute(sql, params).fetch_arrow_table()
