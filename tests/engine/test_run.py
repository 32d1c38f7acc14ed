"""A run on DuckDB: results written and stamped, the run recorded, failures contained."""

from __future__ import annotations

import json

import pytest

from oneplace.engine import RESULTS, EngineError
from oneplace.errors import UserError, WorkspaceError
from oneplace.run import ALL_RESULTS, run
from oneplace.workspace import Workspace


def _runs(ws: Workspace) -> list[dict]:
    with ws.connect() as con:
        cur = con.execute("SELECT * FROM runs ORDER BY started_at")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def test_run_writes_every_result_stamped_with_its_run_id(tiny_workspace) -> None:
    result = run(tiny_workspace)
    assert list(result.results) == list(ALL_RESULTS)
    assert result.engine == "duckdb" and result.seconds > 0
    # The tiny place has no budget and no outcomes framework, and no indicator has events in
    # two months of one locality: the results that need them are empty.
    needs_budget = {
        "fair_shares",
        "budget_projection",
        "settlement",
        "outcome_scores",
        "incentive_payout",
        "indicator_spc",
    }
    with tiny_workspace.connect() as con:
        for name, rows in result.results.items():
            assert (rows == 0) if name in needs_budget else (rows > 0), name
            stamps = con.execute(f'SELECT DISTINCT run_id FROM "{name}"').fetchall()
            assert stamps == ([] if name in needs_budget else [(result.run_id,)])
        assert Workspace.result_names(con) == list(ALL_RESULTS)


def test_run_is_recorded_with_version_and_hashes(tiny_workspace) -> None:
    result = run(tiny_workspace)
    (row,) = _runs(tiny_workspace)
    assert row["run_id"] == result.run_id
    assert row["finished_at"] >= row["started_at"]
    assert row["engine"] == "duckdb" and row["package_version"]
    assert row["place_sha256"] == tiny_workspace.place_sha256()
    assert set(json.loads(row["inputs_sha256"])) == {
        "person",
        "registration",
        "activity",
        "diagnosis",
    }
    assert json.loads(row["results"]) == list(ALL_RESULTS)


def test_inputs_hash_follows_the_loaded_batches(tiny_workspace) -> None:
    run(tiny_workspace)
    with tiny_workspace.connect() as con:
        con.execute(
            "INSERT INTO batches VALUES ('b1', 'person', 'p.csv', 'abc', 4, 4, 0, 0, now())"
        )
    run(tiny_workspace)
    first, second = (json.loads(r["inputs_sha256"]) for r in _runs(tiny_workspace))
    assert first["person"] != second["person"]
    assert first["activity"] == second["activity"]


def test_a_second_run_replaces_the_results_and_keeps_the_history(tiny_workspace) -> None:
    first, second = run(tiny_workspace), run(tiny_workspace)
    assert first.results == second.results
    assert [r["run_id"] for r in _runs(tiny_workspace)] == [first.run_id, second.run_id]
    with tiny_workspace.connect() as con:
        assert con.execute("SELECT DISTINCT run_id FROM spend").fetchall() == [(second.run_id,)]


def test_population_covers_the_years_of_activity(tiny_workspace) -> None:
    run(tiny_workspace)
    with tiny_workspace.connect() as con:
        years = con.execute("SELECT DISTINCT fy FROM population ORDER BY fy").fetchall()
    assert years == [(2024,), (2025,)]


def test_a_failing_capability_is_named_and_leaves_the_previous_results(
    tiny_workspace, monkeypatch
) -> None:
    good = run(tiny_workspace)

    def broken(inputs):  # fails only when executed: a name is not a number
        return inputs.person.select(n=inputs.person.person_id.cast("int64"))

    monkeypatch.setitem(RESULTS, "spend", broken)
    with pytest.raises(EngineError) as caught:
        run(tiny_workspace)
    err = caught.value
    assert (err.capability, err.step) == ("spend", "materialise")
    assert "spend" in str(err) and "SELECT" in str(err)
    runs = _runs(tiny_workspace)
    assert runs[-1]["finished_at"] is None
    with tiny_workspace.connect() as con:
        for name in ("population", "spend", "person_health"):
            stamps = con.execute(f'SELECT DISTINCT run_id FROM "{name}"').fetchall()
            assert stamps == [(good.run_id,)]
        assert Workspace.result_names(con) == list(ALL_RESULTS)


def test_an_error_building_an_expression_names_the_capability(tiny_workspace, monkeypatch):
    monkeypatch.setitem(RESULTS, "population", lambda inputs: inputs.person.no_such_column)
    with pytest.raises(EngineError, match="'population' failed at step 'build'"):
        run(tiny_workspace)


def test_a_workspace_without_people_is_refused(tmp_path, tiny_place_file) -> None:
    ws = Workspace.create(tmp_path / "empty", tiny_place_file)
    with pytest.raises(WorkspaceError, match="no people loaded"):
        run(ws)
    assert _runs(ws) == []


def test_an_unknown_engine_is_refused(tiny_workspace) -> None:
    with pytest.raises(UserError, match="unknown engine 'polars'"):
        run(tiny_workspace, engine="polars")


def test_progress_is_reported_from_start_to_finish(tiny_workspace) -> None:
    seen: list[tuple[str, float]] = []
    run(tiny_workspace, progress=lambda message, fraction: seen.append((message, fraction)))
    assert seen[-1] == ("done", 1.0)
    assert [f for _, f in seen] == sorted(f for _, f in seen)


def test_a_workspace_without_activity_has_no_years_and_empty_results(
    tmp_path, tiny_place_file, tiny_canonical
) -> None:
    ws = Workspace.create(tmp_path / "no-activity", tiny_place_file)
    with ws.connect() as con:
        con.register("_rows", tiny_canonical["person"])
        con.execute("INSERT INTO person BY NAME SELECT * FROM _rows")
    result = run(ws)
    assert result.results == dict.fromkeys(ALL_RESULTS, 0)
