"""Rules beyond the corpus: how breaches are counted, reported and kept apart."""

from __future__ import annotations

import pytest
from ingest_helpers import ACTIVITY_HEADER, PERSON_HEADER, count, quarantined

from oneplace.errors import LoadError
from oneplace.ingest import load_file, quarantine, rules
from oneplace.schema import Severity
from oneplace.workspace import Workspace


def test_rule_unknown_person_sees_people_loaded_before(based_ws: Workspace, write_csv):
    row = "A1,P9,RXX,outpatient,2024-02-01,2024-02-01,,10.00"
    first = load_file(based_ws, "activity", write_csv("a1.csv", ACTIVITY_HEADER, row))
    assert first.rejected == 1
    load_file(based_ws, "person", write_csv("p.csv", PERSON_HEADER, "P9,1990,F,E01000009,5,"))
    again = load_file(based_ws, "activity", write_csv("a2.csv", ACTIVITY_HEADER, row + " "))
    assert (again.loaded, again.rejected) == (1, 0)


def test_rule_duplicate_key_first_occurrence_in_file_wins(based_ws: Workspace, write_csv):
    path = write_csv(
        "activity.csv",
        ACTIVITY_HEADER,
        "A1,P1,RXX,outpatient,2024-02-01,2024-02-01,,10.00",
        "A1,P2,RXX,outpatient,2024-02-02,2024-02-02,,20.00",
    )
    load_file(based_ws, "activity", path)
    with based_ws.connect(read_only=True) as con:
        rows = con.execute("SELECT person_id FROM activity WHERE activity_id = 'A1'").fetchall()
    assert rows == [("P1",)]


def test_rule_duplicate_key_message_says_where_the_key_was(based_ws: Workspace, write_csv):
    path = write_csv(
        "activity.csv",
        ACTIVITY_HEADER,
        "A0,P1,RXX,outpatient,2024-02-01,2024-02-01,,10.00",
        "A1,P2,RXX,outpatient,2024-02-02,2024-02-02,,20.00",
        "A1,P2,RXX,outpatient,2024-02-03,2024-02-03,,20.00",
    )
    load_file(based_ws, "activity", path)
    with based_ws.connect(read_only=True) as con:
        got = con.execute('SELECT "row", value, message FROM quarantine ORDER BY 1').fetchall()
    assert got == [
        (1, "A0", "key repeats a row already loaded"),
        (3, "A1", "key repeats an earlier row of this file"),
    ]


def test_row_breaking_several_rules_is_rejected_once(based_ws: Workspace, write_csv):
    row = "A1,P99,RXX,hospital,2024-02-05,2024-02-01,,-3.00"
    result = load_file(based_ws, "activity", write_csv("activity.csv", ACTIVITY_HEADER, row))
    assert (result.rows_read, result.loaded, result.rejected) == (1, 0, 1)
    assert {r for _, _, r, _ in quarantined(based_ws)} == {
        "not_in_vocabulary",
        "end_before_start",
        "unknown_person",
        "negative_cost",
    }


def test_warned_rows_are_loaded_and_reported(based_ws: Workspace, write_csv):
    path = write_csv(
        "activity.csv",
        ACTIVITY_HEADER,
        "A1,P1,ZZZ,outpatient,2024-02-01,2024-02-01,,10.00",
        "A2,P1,ZZZ,acute_elective,2024-02-01,2024-02-02,,10.00",
        "A3,P1,ZZZ,acute_elective,2024-02-01,2024-02-02,,-1.00",
    )
    result = load_file(based_ws, "activity", path)
    assert (result.loaded, result.rejected, result.warned) == (2, 1, 2)
    assert count(based_ws, "activity") == 3
    warns = [q for q in quarantined(based_ws) if q[3] == "warn"]
    assert len(warns) == 5  # unknown_provider x3, admission_without_method x2


def test_reasons_most_rows_first_with_an_example(based_ws: Workspace, write_csv):
    path = write_csv(
        "activity.csv",
        ACTIVITY_HEADER,
        "A1,P1,RXX,outpatient,2024-02-01,2024-02-01,,-1.00",
        "A2,P1,RXX,outpatient,2024-02-01,2024-02-01,,-2.00",
        "A3,P1,RXX,outpatient,2024-02-01,,,5.00",
    )
    reasons = load_file(based_ws, "activity", path).reasons
    assert [(r.rule, r.column, r.severity, r.count) for r in reasons] == [
        ("negative_cost", "cost_gbp", "error", 2),
        ("missing_value", "end_date", "error", 1),
    ]
    assert reasons[0].example == "-1.00"
    assert reasons[1].example is None


def test_table_rule_skips_a_column_already_reported(based_ws: Workspace, write_csv):
    # end_date is not a date: wrong_type says so; end_before_start has nothing to compare.
    row = "A1,P1,RXX,outpatient,2024-02-05,2024-02-01x,,5.00"
    load_file(based_ws, "activity", write_csv("activity.csv", ACTIVITY_HEADER, row))
    assert quarantined(based_ws) == [(1, "end_date", "wrong_type", "error")]


def test_rule_unknown_activity_not_raised_for_a_loaded_activity(based_ws: Workspace, write_csv):
    header = "person_id,activity_id,date,code_system,code,position"
    path = write_csv("diagnosis.csv", header, "P1,A0,2024-01-10,icd10,I10,1")
    assert load_file(based_ws, "diagnosis", path).warned == 0


def test_quarantine_newest_batch_first_and_limit(based_ws: Workspace, write_csv):
    bad = "A{n},P1,RXX,outpatient,2024-02-01,2024-02-01,,-1.00"
    load_file(based_ws, "activity", write_csv("old.csv", ACTIVITY_HEADER, bad.format(n=1)))
    load_file(
        based_ws,
        "activity",
        write_csv("new.csv", ACTIVITY_HEADER, bad.format(n=2), bad.format(n=3)),
    )
    q = quarantine(based_ws)
    assert q.column_names[:4] == ["batch_id", "table", "file", "row"]
    assert [f.rsplit("/", 1)[-1] for f in q["file"].to_pylist()] == ["new.csv"] * 2 + ["old.csv"]
    assert q["row"].to_pylist() == [1, 2, 1]
    assert quarantine(based_ws, limit=1).num_rows == 1


def test_rule_death_before_birth_with_absurd_year_of_birth(ws: Workspace, write_csv):
    path = write_csv("person.csv", PERSON_HEADER, "Z1,99999999,F,E01000001,3,2020-01-01")
    result = load_file(ws, "person", path)
    assert result.rejected == 1
    assert {r.rule for r in result.reasons} == {"implausible_year_of_birth", "death_before_birth"}


def test_rule_that_cannot_be_evaluated_is_a_load_error(
    ws: Workspace, write_csv, monkeypatch: pytest.MonkeyPatch
):
    broken = rules.Check(
        "broken", "sex", Severity.ERROR, "broken", "CAST(s.sex AS INTEGER) = 1", "1"
    )
    original = rules.checks
    monkeypatch.setattr(rules, "checks", lambda *a: [*original(*a), broken])
    path = write_csv("person.csv", PERSON_HEADER, "P1,1950,F,E01000001,3,")
    with pytest.raises(LoadError, match="could not check the rows"):
        load_file(ws, "person", path)
    assert count(ws, "person") == 0 and count(ws, "batches") == 0
