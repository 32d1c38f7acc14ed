"""Shared fixtures: a tiny place, typed Arrow tables for the canonical tables, and one Spark
session for the whole test session (started only when a Spark test asks for it).
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from oneplace.place import parse_place
from oneplace.schema import TABLES
from oneplace.workspace import place_tables

TINY_PLACE = """\
name: Tiny Place
organisations:
  - {code: ICB, name: Tiny ICB, kind: commissioner}
  - {code: ACUTE, name: Tiny Hospitals Trust, kind: acute_trust}
  - {code: COMM, name: Tiny Community Trust, kind: community_trust}
  - {code: FED, name: Tiny GP Federation, kind: gp_federation}
  - {code: LA, name: Tiny Council, kind: council}
localities:
  - {code: NORTH, name: North, community_hub: North Hub}
  - {code: SOUTH, name: South, community_hub: South Hub}
networks:
  - {code: PCN_N, name: North PCN, locality: NORTH}
  - {code: PCN_S, name: South PCN, locality: SOUTH}
practices:
  - {code: P1, name: North Surgery, network: PCN_N, organisation: FED}
  - {code: P2, name: South Surgery, network: PCN_S}
"""


def canonical_schema(name: str) -> pa.Schema:
    """The Arrow schema of canonical table ``name``, from its declaration in ``schema/``."""
    return TABLES[name].arrow_schema()


def make_canonical_arrow(name: str, rows: list[dict]) -> pa.Table:
    """Canonical table ``name`` as typed Arrow; columns missing from a row are NULL."""
    schema = canonical_schema(name)
    return pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in rows], schema)


@pytest.fixture(scope="session")
def canonical_arrow() -> Callable[[str, list[dict]], pa.Table]:
    """``canonical_arrow(table, rows)``: rows (dicts) as a typed canonical Arrow table."""
    return make_canonical_arrow


@pytest.fixture(scope="session")
def tiny_canonical() -> dict[str, pa.Table]:
    """A few people in the tiny place, with registrations and activity over two years."""
    d, money = date.fromisoformat, Decimal
    people = [
        {"person_id": "A", "year_of_birth": 1950, "sex": "F", "imd_decile": 1},
        {"person_id": "B", "year_of_birth": 1990, "sex": "M", "imd_decile": 10},
        {"person_id": "C", "year_of_birth": 2020, "sex": "F", "imd_decile": None},
        {
            "person_id": "D",
            "year_of_birth": 1930,
            "sex": "M",
            "imd_decile": 4,
            "date_of_death": d("2025-01-15"),
        },
    ]
    registrations = [
        {"person_id": "A", "practice_code": "P1", "start_date": d("2000-01-01")},
        {
            "person_id": "B",
            "practice_code": "P2",
            "start_date": d("2010-05-01"),
            "end_date": d("2025-02-28"),
        },
        {"person_id": "B", "practice_code": "P1", "start_date": d("2025-03-01")},
        {"person_id": "C", "practice_code": "P2", "start_date": d("2020-06-01")},
        {"person_id": "D", "practice_code": "P1", "start_date": d("1990-01-01")},
    ]
    rows = [
        ("a1", "A", "ACUTE", "acute_non_elective", "2024-05-02", "2500.10"),
        ("a2", "A", "P1", "primary_care", "2024-06-01", "42.00"),
        ("a3", "B", "P2", "primary_care", "2024-07-01", "42.00"),
        ("a4", "B", "COMM", "community", "2025-03-15", "120.55"),
        ("a5", "C", "ACUTE", "outpatient", "2025-04-10", "160.00"),
        ("a6", "D", "LA", "social_care", "2024-11-30", "3000.00"),
        ("a7", "E", "XYZ", "wider_services", "2025-05-05", "10.01"),
    ]
    activity = [
        {
            "activity_id": a,
            "person_id": p,
            "provider_code": org,
            "setting": s,
            "start_date": d(day),
            "end_date": d(day),
            "cost_gbp": money(cost),
        }
        for a, p, org, s, day, cost in rows
    ]
    return {
        "person": make_canonical_arrow("person", people),
        "registration": make_canonical_arrow("registration", registrations),
        "activity": make_canonical_arrow("activity", activity),
        "diagnosis": make_canonical_arrow("diagnosis", []),
    }


@pytest.fixture(scope="session")
def tiny_place_yaml() -> str:
    """The tiny place file's text, for tests that add to it."""
    return TINY_PLACE


@pytest.fixture(scope="session")
def tiny_place_tables() -> dict[str, pa.Table]:
    """The tiny place as its four place_* tables."""
    return place_tables(parse_place(TINY_PLACE, "tiny place"))


@pytest.fixture
def tiny_place_file(tmp_path: Path) -> Path:
    path = tmp_path / "place.yaml"
    path.write_text(TINY_PLACE, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One local SparkSession for the whole test session (start-up takes ~20 s)."""
    pytest.importorskip("pyspark")
    from oneplace.backends import spark_session

    # Test tables are tiny: one shuffle partition and no adaptive re-planning between stages
    # save seconds per query.
    tiny = {"spark.sql.shuffle.partitions": "1", "spark.sql.adaptive.enabled": "false"}
    session = spark_session(tmp_path_factory.mktemp("spark-warehouse"), config=tiny)
    yield session
    session.stop()


# The tiny place's pooled budget and risk-share agreement for 2024/25 (worked by hand in
# tests/cli/test_settle.py).
TINY_AGREEMENT = """\
budgets:
  - year: 2024
    total_gbp: 6000.00
    by_organisation: {ACUTE: 2400.00, COMM: 150.00, LA: 3100.00, FED: 40.00}
risk_share:
  name: Tiny risk share
  settings: [acute_non_elective, community, social_care, primary_care]
  commissioner: ICB
  risk_reserve_pct: 1
  parties:
    - {organisation: ACUTE, gain_share_pct: 50, loss_share_pct: 50}
    - {organisation: COMM, gain_share_pct: 20, loss_share_pct: 20}
    - {organisation: LA, gain_share_pct: 20, loss_share_pct: 20}
    - {organisation: ICB, gain_share_pct: 10, loss_share_pct: 10}
  incurring_band_pct: 1
  shared_band_pct: 5
"""


@pytest.fixture(scope="session")
def tiny_agreement_yaml() -> str:
    return TINY_AGREEMENT


@pytest.fixture(scope="session")
def make_tiny_workspace(tiny_canonical: dict[str, pa.Table]):
    """``make_tiny_workspace(folder, extra_yaml="")``: a workspace of the tiny place (with
    ``extra_yaml`` added to its place file) holding ``tiny_canonical``, inserted directly."""
    from oneplace.workspace import Workspace

    def make(folder: Path, extra: str = ""):
        folder.mkdir(parents=True, exist_ok=True)
        place = folder / "place.yaml"
        place.write_text(TINY_PLACE + extra, encoding="utf-8")
        ws = Workspace.create(folder / "ws", place)
        with ws.connect() as con:
            for name, table in tiny_canonical.items():
                con.register("_rows", table)
                con.execute(f'INSERT INTO "{name}" BY NAME SELECT * FROM _rows')
                con.unregister("_rows")
        return ws

    return make


@pytest.fixture
def tiny_workspace(tmp_path: Path, make_tiny_workspace):
    """A workspace of the tiny place with ``tiny_canonical`` inserted directly (no loader)."""
    return make_tiny_workspace(tmp_path)


SHARED = Path(__file__).resolve().parents[1] / "../shared"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``: independent copies of published tables (skips when absent)."""
    data = SHARED.resolve() / "data"
    if not data.is_dir():
        pytest.skip("shared reference data (../shared/data) is absent")
    return data


# -- a served oneplace, for the tests that talk to it over HTTP --------------------------------
ONEPLACE = Path(sys.executable).with_name("oneplace")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def _serving(args: list[str], start_within: float = 30) -> Iterator[tuple[str, subprocess.Popen]]:
    """``oneplace ARGS --port P`` running until the block ends; yields its base URL and the
    process once ``/health`` answers (the test fails with its output if it stops first)."""
    port = free_port()
    process = subprocess.Popen(
        [str(ONEPLACE), *args, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=os.environ.copy(),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + start_within
        while True:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=1):
                    break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, f"oneplace {args[0]} did not serve in time"
                time.sleep(0.2)
        yield base, process
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="session")
def serving():
    """``serving(ARGS, start_within=30)``: ``oneplace ARGS --port P`` (``serve``, ``demo``) on a
    free loopback port while the ``with`` block runs, yielding its base URL and process once
    ``/health`` answers."""
    return _serving
