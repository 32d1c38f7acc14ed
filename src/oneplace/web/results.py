"""Reading the latest run's result tables for the report.

The result tables (``population``, ``spend``, ``hospital_share``) are small and aggregated;
every row carries the ``run_id`` of the run that wrote it. The report shows the latest
finished run only. Sums of money are taken in DuckDB on the DECIMAL columns and arrive here as
Python ``Decimal`` (through Arrow), so the totals on the page are exact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb
import pandas as pd

from ..errors import WorkspaceError
from ..workspace import Workspace

RESULT_TABLES = (
    "population",
    "spend",
    "hospital_share",
    "segments",
    "population_health_summary",
    "high_intensity_users",
)
RUN_FIRST = "run 'oneplace run' first to compute them"


@dataclass(frozen=True)
class Run:
    run_id: str
    started_at: datetime
    finished_at: datetime
    engine: str
    package_version: str


@dataclass(frozen=True)
class Results:
    """What the report reads from the store: the run, its years and small aggregates."""

    run: Run
    fys: list[int]  # financial years with spend, ascending
    fy: int  # the latest of them, the year the page is about
    population: pd.DataFrame  # age_band, sex, locality_code, imd_quintile, people (fy)
    by_setting: pd.DataFrame  # setting, cost_gbp, activities (fy)
    by_organisation: pd.DataFrame  # organisation_code, organisation_name, cost_gbp, activities
    by_locality: pd.DataFrame  # locality_code, cost_gbp, activities (fy)
    hospital_share: pd.DataFrame  # fy, locality_code, hospital_gbp, total_gbp, hospital_share


def _latest_run(con: duckdb.DuckDBPyConnection, ws: Workspace) -> Run:
    row = con.execute(
        "SELECT run_id, started_at, finished_at, engine, package_version FROM runs "
        "WHERE finished_at IS NOT NULL ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise WorkspaceError(
            f"{ws.path}: no finished run, so there are no results to report; {RUN_FIRST}"
        )
    return Run(*row)


def latest_run_id(ws: Workspace) -> str:
    """The id of the latest finished run, or a :class:`WorkspaceError` saying what to run."""
    with ws.connect(read_only=True) as con:
        return _latest_run(con, ws).run_id


def _check_tables(con: duckdb.DuckDBPyConnection, ws: Workspace, run: Run) -> None:
    present = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    missing = [t for t in RESULT_TABLES if t not in present]
    if missing:
        raise WorkspaceError(
            f"{ws.path}: the report needs the result table(s) {', '.join(missing)}, "
            f"which are not in the workspace; {RUN_FIRST}"
        )
    empty = [
        t
        for t in RESULT_TABLES
        if con.execute(f'SELECT count(*) FROM "{t}" WHERE run_id = ?', [run.run_id]).fetchone()[0]
        == 0
    ]
    if empty:
        raise WorkspaceError(
            f"{ws.path}: the latest run {run.run_id} wrote no rows to {', '.join(empty)}; "
            f"{RUN_FIRST}"
        )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> pd.DataFrame:
    # Through Arrow, not .df(): .df() turns DECIMAL into float64 and money would lose exactness.
    return con.execute(sql, params).fetch_arrow_table().to_pandas()


def read_results(ws: Workspace) -> Results:
    """The latest finished run's results, or a :class:`WorkspaceError` saying what to run."""
    with ws.connect(read_only=True) as con:
        run = _latest_run(con, ws)
        _check_tables(con, ws, run)
        rid = run.run_id
        fys = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT fy FROM spend WHERE run_id = ? ORDER BY fy", [rid]
            ).fetchall()
        ]
        fy = fys[-1]
        spend_by = (
            "SELECT {key}, sum(cost_gbp) AS cost_gbp, sum(activities) AS activities "
            "FROM spend WHERE run_id = ? AND fy = ? GROUP BY ALL ORDER BY cost_gbp DESC, 1"
        )
        return Results(
            run=run,
            fys=fys,
            fy=fy,
            population=_frame(
                con,
                "SELECT age_band, sex, locality_code, imd_quintile, sum(people) AS people "
                "FROM population WHERE run_id = ? AND fy = ? GROUP BY ALL",
                [rid, fy],
            ),
            by_setting=_frame(con, spend_by.format(key="setting"), [rid, fy]),
            by_organisation=_frame(
                con,
                spend_by.format(
                    key="organisation_code, any_value(organisation_name) AS organisation_name"
                ).replace("GROUP BY ALL", "GROUP BY organisation_code"),
                [rid, fy],
            ),
            by_locality=_frame(con, spend_by.format(key="locality_code"), [rid, fy]),
            hospital_share=_frame(
                con,
                "SELECT fy, locality_code, hospital_gbp, total_gbp, hospital_share "
                "FROM hospital_share WHERE run_id = ? ORDER BY fy, locality_code",
                [rid],
            ),
        )
