"""The workspace: a folder holding the DuckDB store and the place file.

The workspace owns every materialisation: engine functions return lazy Ibis expressions and
the workspace turns them into tables (DESIGN.md, rules of the house). Layout::

    WORKSPACE/
      place.yaml        the partnership, as given to ``oneplace init``
      oneplace.duckdb   canonical tables, quarantine, batches, place_* tables, results, runs

DuckDB uses up to 80% of the machine's memory by default and spills to disk beyond it. Set
``ONEPLACE_DUCKDB_MEMORY_LIMIT`` (DuckDB's syntax: ``4GB``, ``500MB``) to hold it lower, e.g. on a
laptop shared with other work; loads and runs then take longer but use no more than that.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import ibis
import pyarrow as pa

from .errors import WorkspaceError
from .place import Place, load_place, place_hash
from .schema import TABLES

DB_FILE = "oneplace.duckdb"
PLACE_FILE = "place.yaml"
MEMORY_LIMIT_ENV = "ONEPLACE_DUCKDB_MEMORY_LIMIT"

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS quarantine (
    batch_id VARCHAR NOT NULL,
    "table" VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    "row" BIGINT NOT NULL,
    "column" VARCHAR,
    rule VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    value VARCHAR,
    message VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL
)"""

BATCHES_DDL = """
CREATE TABLE IF NOT EXISTS batches (
    batch_id VARCHAR PRIMARY KEY,
    "table" VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    rows_rejected BIGINT NOT NULL,
    rows_warned BIGINT NOT NULL,
    loaded_at TIMESTAMP NOT NULL
)"""

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    engine VARCHAR NOT NULL,
    package_version VARCHAR NOT NULL,
    place_sha256 VARCHAR NOT NULL,
    inputs_sha256 VARCHAR NOT NULL,  -- JSON: canonical table -> hash of its loaded batches
    results VARCHAR                  -- JSON list of the result tables this run wrote
)"""

PLACE_TABLES = ("place_organisation", "place_locality", "place_network", "place_practice")
SYSTEM_TABLES = ("quarantine", "batches", "runs", *PLACE_TABLES)


def place_tables(place: Place) -> dict[str, pa.Table]:
    """The place as small relational tables, so that engine code can join on it."""
    loc_of_net = {n.code: n.locality for n in place.networks}
    return {
        "place_organisation": pa.Table.from_pylist(
            [
                {"code": o.code, "name": o.name, "kind": o.kind.value, "partner": o.partner}
                for o in place.organisations
            ],
            schema=pa.schema(
                [
                    ("code", pa.string()),
                    ("name", pa.string()),
                    ("kind", pa.string()),
                    ("partner", pa.bool_()),
                ]
            ),
        ),
        "place_locality": pa.Table.from_pylist(
            [
                {"code": loc.code, "name": loc.name, "community_hub": loc.community_hub}
                for loc in place.localities
            ],
            schema=pa.schema(
                [("code", pa.string()), ("name", pa.string()), ("community_hub", pa.string())]
            ),
        ),
        "place_network": pa.Table.from_pylist(
            [{"code": n.code, "name": n.name, "locality": n.locality} for n in place.networks],
            schema=pa.schema(
                [("code", pa.string()), ("name", pa.string()), ("locality", pa.string())]
            ),
        ),
        "place_practice": pa.Table.from_pylist(
            [
                {
                    "code": p.code,
                    "name": p.name,
                    "network": p.network,
                    "locality": loc_of_net[p.network],
                    "organisation": p.organisation,
                }
                for p in place.practices
            ],
            schema=pa.schema(
                [
                    ("code", pa.string()),
                    ("name", pa.string()),
                    ("network", pa.string()),
                    ("locality", pa.string()),
                    ("organisation", pa.string()),
                ]
            ),
        ),
    }


class Workspace:
    """A workspace folder. Open with :meth:`open`, create with :meth:`create`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.db_path = self.path / DB_FILE
        self.place_path = self.path / PLACE_FILE
        self._place: Place | None = None

    # -- creation and opening ---------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, place_file: str | Path) -> Workspace:
        path = Path(path)
        place = load_place(place_file)  # validate before touching the disk
        if (path / DB_FILE).exists():
            raise WorkspaceError(
                f"{path}: already a workspace (remove it or choose another folder)"
            )
        path.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(place_file, path / PLACE_FILE)
        ws = cls(path)
        tmp = path / (DB_FILE + ".creating")
        tmp.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp))
        try:
            ws._create_schema(con, place)
        finally:
            con.close()
        tmp.rename(ws.db_path)  # the workspace appears whole or not at all
        return ws

    @classmethod
    def open(cls, path: str | Path) -> Workspace:
        ws = cls(Path(path))
        if not ws.db_path.exists() or not ws.place_path.exists():
            raise WorkspaceError(
                f"{path}: not a workspace (no {DB_FILE} or {PLACE_FILE}); "
                "create one with 'oneplace init'"
            )
        return ws

    @staticmethod
    def _create_schema(con: duckdb.DuckDBPyConnection, place: Place) -> None:
        for t in TABLES.values():
            con.execute(t.ddl())
        for ddl in (QUARANTINE_DDL, BATCHES_DDL, RUNS_DDL):
            con.execute(ddl)
        for name, table in place_tables(place).items():
            con.register("_place_src", table)
            con.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM _place_src')
            con.unregister("_place_src")

    # -- the place --------------------------------------------------------------------------
    @property
    def place(self) -> Place:
        if self._place is None:
            self._place = load_place(self.place_path)
        return self._place

    def place_sha256(self) -> str:
        return place_hash(self.place_path)

    # -- connections ------------------------------------------------------------------------
    @staticmethod
    def _config() -> dict[str, str]:
        """DuckDB settings from the environment (see the module docstring)."""
        limit = os.environ.get(MEMORY_LIMIT_ENV, "").strip()
        if not limit:
            return {}
        if not re.fullmatch(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", limit, re.IGNORECASE):
            raise WorkspaceError(
                f"{MEMORY_LIMIT_ENV}={limit!r}: expected an amount of memory such as 4GB or 500MB"
            )
        return {"memory_limit": limit}

    @contextlib.contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        con = duckdb.connect(str(self.db_path), read_only=read_only, config=self._config())
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def ibis(self, read_only: bool = False) -> Iterator[ibis.BaseBackend]:
        """An Ibis DuckDB backend on the store."""
        backend = ibis.duckdb.connect(str(self.db_path), read_only=read_only, **self._config())
        try:
            yield backend
        finally:
            backend.disconnect()

    # -- catalogue --------------------------------------------------------------------------
    def table_names(self) -> list[tuple[str, str, int]]:
        """(name, kind, rows) for every table a user can show or export."""
        with self.connect(read_only=True) as con:
            present = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            results = self.result_names(con)
            out: list[tuple[str, str, int]] = []
            for name in [*TABLES, "quarantine", *results]:
                if name in present:
                    (n,) = con.execute(f'SELECT count(*) FROM "{name}"').fetchone()
                    kind = (
                        "canonical"
                        if name in TABLES
                        else ("quarantine" if name == "quarantine" else "result")
                    )
                    out.append((name, kind, n))
            return out

    @staticmethod
    def result_names(con: duckdb.DuckDBPyConnection) -> list[str]:
        """Result tables written by the latest finished run, in the order written."""
        import json

        row = con.execute(
            "SELECT results FROM runs WHERE finished_at IS NOT NULL "
            "ORDER BY finished_at DESC LIMIT 1"
        ).fetchone()
        return json.loads(row[0]) if row and row[0] else []

    def readable_names(self) -> list[str]:
        return [n for n, _, _ in self.table_names()]

    def read(self, name: str) -> pa.Table:
        """A whole table as Arrow, for show/export (tables a user asks for by name)."""
        names = self.readable_names()
        if name not in names:
            raise WorkspaceError(
                f"{self.path}: no table {name!r}; tables here: {', '.join(names) or 'none'}"
            )
        with self.connect(read_only=True) as con:
            return con.execute(f'SELECT * FROM "{name}"').fetch_arrow_table()

    def settlement(self, year: int | None = None) -> dict:
        """The latest run's risk-share settlement of ``year`` (default: the latest settled):
        ``{"fy", "agreement", "parties": [{party, party_name, party_kind, amount_gbp,
        lines}], "system": [lines]}``; each line a dict with ``rule``, ``description``,
        ``amount_gbp`` (Decimal) and ``memo``. A party's amount is the sum of its non-memo
        lines."""
        if self.place.risk_share is None:
            raise WorkspaceError(
                f"{self.path}: the place file has no risk_share agreement to settle"
            )
        if "settlement" not in self.readable_names():
            raise WorkspaceError(f"{self.path}: no settlement yet; run 'oneplace run' first")
        with self.connect(read_only=True) as con:
            years = [
                r[0]
                for r in con.execute("SELECT DISTINCT fy FROM settlement ORDER BY fy").fetchall()
            ]
            if not years:
                raise WorkspaceError(
                    f"{self.path}: nothing was settled: no year has both a pooled budget and spend"
                )
            fy = years[-1] if year is None else year
            if fy not in years:
                raise WorkspaceError(
                    f"{self.path}: no settlement for {fy}; settled years: "
                    f"{', '.join(map(str, years))}"
                )
            cur = con.execute(
                "SELECT agreement, party, party_name, party_kind, step, rule, description, "
                "amount_gbp, memo FROM settlement WHERE fy = ? ORDER BY step",
                [fy],
            )
            names = [d[0] for d in cur.description]
            rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        parties: dict[str, dict] = {}
        system = []
        for r in rows:
            if r["party_kind"] == "system":
                system.append(r)
                continue
            p = parties.setdefault(
                r["party"],
                {k: r[k] for k in ("party", "party_name", "party_kind")} | {"lines": []},
            )
            p["lines"].append(r)
        for p in parties.values():
            p["amount_gbp"] = sum(
                (line["amount_gbp"] for line in p["lines"] if not line["memo"]), Decimal(0)
            )
        return {
            "fy": fy,
            "agreement": rows[0]["agreement"],
            "parties": list(parties.values()),
            "system": system,
        }
