"""The registration lookup (``engine/registration.py``): which practice a person is
registered with on a date, overlaps resolved by "the registration that started last wins,
ties to the higher practice code". Spec tests for the rule, and a Hypothesis property that
the spells the engine builds place every event exactly as a plain Python reading of the rule
does."""

from __future__ import annotations

from datetime import date, timedelta

import ibis
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oneplace.engine import Inputs
from oneplace.engine.registration import registered_on

from .spec import Spec, act, check, person, reg


def _placed(inputs: Inputs) -> ibis.Table:
    act_ = inputs.activity.select("activity_id", "person_id", "start_date")
    return registered_on(inputs, act_, ["activity_id"], "start_date")


SPECS = [
    Spec(
        "a short registration inside a long one wins while it lasts; the long one resumes after",
        _placed,
        {
            "person": [person("a")],
            "registration": [
                reg("a", "P1", "2020-01-01"),
                reg("a", "P2", "2024-06-01", "2024-06-30"),
            ],
            "activity": [
                act("before", "a", "ACUTE", "outpatient", "2024-05-31", "1.00"),
                act("during", "a", "ACUTE", "outpatient", "2024-06-15", "1.00"),
                act("last", "a", "ACUTE", "outpatient", "2024-06-30", "1.00"),
                act("after", "a", "ACUTE", "outpatient", "2024-07-01", "1.00"),
            ],
        },
        [
            {"activity_id": "before", "practice_code": "P1", "locality_code": "NORTH"},
            {"activity_id": "during", "practice_code": "P2", "locality_code": "SOUTH"},
            {"activity_id": "last", "practice_code": "P2", "locality_code": "SOUTH"},
            {"activity_id": "after", "practice_code": "P1", "locality_code": "NORTH"},
        ],
    ),
    Spec(
        "two registrations starting the same day: the higher practice code wins",
        _placed,
        {
            "person": [person("a")],
            "registration": [reg("a", "P1", "2024-01-01"), reg("a", "P2", "2024-01-01")],
            "activity": [act("x", "a", "ACUTE", "outpatient", "2024-06-15", "1.00")],
        },
        [{"activity_id": "x", "practice_code": "P2", "locality_code": "SOUTH"}],
    ),
    Spec(
        "a gap between registrations and a registration with another place's practice: not placed",
        _placed,
        {
            "person": [person("a")],
            "registration": [
                reg("a", "P1", "2020-01-01", "2024-03-31"),
                reg("a", "ELSEWHERE", "2024-04-01", "2024-05-31"),
                reg("a", "P2", "2024-07-01"),
            ],
            "activity": [
                act("gap", "a", "ACUTE", "outpatient", "2024-05-15", "1.00"),
                act("back", "a", "ACUTE", "outpatient", "2024-07-01", "1.00"),
            ],
        },
        [
            {"activity_id": "gap", "practice_code": None, "locality_code": None},
            {"activity_id": "back", "practice_code": "P2", "locality_code": "SOUTH"},
        ],
    ),
]


def test_registration(on_duckdb) -> None:
    for spec in SPECS:
        check(spec, on_duckdb(spec))


# --- property: the engine's spells agree with the rule read plainly ---------------------------

DAY0 = date(2024, 1, 1)
days = st.integers(min_value=0, max_value=40)
registration = st.tuples(
    st.sampled_from(["P1", "P2"]), days, st.one_of(st.none(), st.integers(0, 15))
)


def _reference(regs: list[tuple[str, int, int | None]], day: int) -> str | None:
    covering = [(s, p) for p, s, n in regs if s <= day and (n is None or day <= s + n)]
    return max(covering)[1] if covering else None


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    regs=st.lists(registration, min_size=1, max_size=4),
    events=st.lists(days, min_size=1, max_size=8, unique=True),
)
def test_spells_place_every_event_as_the_rule_says(regs, events, tiny_place_tables) -> None:
    con = ibis.duckdb.connect()
    try:
        d = lambda n: DAY0 + timedelta(days=n)  # noqa: E731
        registration = pa.table(
            {
                "person_id": ["a"] * len(regs),
                "practice_code": [p for p, _, _ in regs],
                "start_date": pa.array([d(s) for _, s, _ in regs], pa.date32()),
                "end_date": pa.array(
                    [None if n is None else d(s + n) for _, s, n in regs], pa.date32()
                ),
            }
        )
        activity = pa.table(
            {
                "activity_id": [str(e) for e in events],
                "person_id": ["a"] * len(events),
                "start_date": pa.array([d(e) for e in events], pa.date32()),
            }
        )
        tables = {name: con.create_table(name, t) for name, t in tiny_place_tables.items()}
        inputs = Inputs(
            person=con.create_table("person", pa.table({"person_id": ["a"]})),
            registration=con.create_table("registration", registration),
            activity=con.create_table("activity", activity),
            diagnosis=con.create_table("diagnosis", pa.table({"person_id": ["a"]})),
            **tables,
        )
        rows = con.to_pyarrow(_placed(inputs)).to_pylist()
        got = {r["activity_id"]: r["practice_code"] for r in rows}
        assert len(rows) == len(events)  # every event placed once, never twice
        for e in events:
            assert got[str(e)] == _reference(regs, e), (regs, e)
    finally:
        con.disconnect()
