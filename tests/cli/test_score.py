"""``oneplace score``: an analyst's extract in, one row per person out, no workspace."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from typer.testing import CliRunner

from oneplace.cli import app

runner = CliRunner()

EXTRACT = """person_id,code,date,position
007,I50.0,2024-01-10,1
007,e11.2 ,2023-06-01,2
007,E119,2023-06-01,3
008,C78.0,2020-01-01,1
008,C349,2024-02-01,1
009,22298006,2024-01-01,1
010,W19X,2024-03-01,1
010,F00.1,2024-03-01,2
,I10X,2024-01-01,1
"""


def _score(tmp_path: Path, *args: str, text: str = EXTRACT, out: str = "out.csv"):
    src = tmp_path / "extract.csv"
    src.write_text(text)
    result = runner.invoke(
        app, ["score", "--input", str(src), "--output", str(tmp_path / out), *args]
    )
    return result, tmp_path / out


def _rows(path: Path) -> dict[str, dict]:
    table = (
        pq.read_table(path)
        if path.suffix == ".parquet"
        else pacsv.read_csv(
            path, convert_options=pacsv.ConvertOptions(column_types={"person_id": pa.string()})
        )
    )
    return {r["person_id"]: r for r in table.to_pylist()}


def test_charlson_writes_one_row_per_person_with_score_and_flags(tmp_path):
    result, out = _score(tmp_path, "--index", "charlson")
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert list(rows) == ["007", "008", "009", "010"]  # identifiers keep their zeros
    header = out.read_text().splitlines()[0].split(",")
    assert header[:3] == ["person_id", "score", "mi"] and header[-1] == "aids"
    assert rows["007"]["score"] == 3 and rows["007"]["diab"] == 1 and rows["007"]["diabwc"] == 1
    assert rows["008"]["score"] == 6 and rows["008"]["canc"] == 1
    assert rows["009"]["score"] == 0 and rows["010"]["dementia"] == 1


def test_not_icd10_codes_and_rows_without_a_person_are_reported_on_stderr(tmp_path):
    result, _ = _score(tmp_path, "--index", "charlson")
    assert "1 rows (1 distinct codes) are not ICD-10 codes" in result.output
    assert "'22298006' (1 rows)" in result.output
    assert "1 rows without a person_id were left out" in result.output


def test_quan2011_weights_are_selectable(tmp_path):
    result, out = _score(tmp_path, "--index", "charlson", "--weights", "quan2011")
    assert result.exit_code == 0, result.output
    assert _rows(out)["007"]["score"] == 3  # CHF 2 + diabetes with complication 1


def test_elixhauser_to_parquet(tmp_path):
    result, out = _score(tmp_path, "--index", "elixhauser", out="out.parquet")
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert rows["008"]["score"] == 12 and rows["008"]["solidtum"] == 1
    assert len(pq.read_schema(out).names) == 2 + 31


def test_hfrs_looks_back_two_years_from_the_latest_date_by_default(tmp_path):
    result, out = _score(tmp_path, "--index", "hfrs")
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert rows["010"]["score"] == 10.3 and rows["010"]["risk_band"] == "intermediate"
    assert "2 years to 2024-03-01" in result.output


def test_lookback_and_positions_select_the_rows_that_count(tmp_path):
    args = ["--index", "charlson", "--lookback-years", "1", "--as-of", "2024-03-31"]
    result, out = _score(tmp_path, *args, "--positions", "1")
    assert result.exit_code == 0, result.output
    rows = _rows(out)
    assert rows["007"]["score"] == 1  # only I50.0 is primary
    assert rows["008"]["score"] == 2  # C78.0 (2020) is out of the window: C34.9 alone


def test_missing_column_is_a_clear_error(tmp_path):
    result, out = _score(tmp_path, "--index", "charlson", text="patient,code\n1,I500\n")
    assert result.exit_code == 2
    assert "missing column(s) person_id" in result.output
    assert not out.exists()


def test_a_lookback_needs_a_date_column(tmp_path):
    text = "person_id,code\n1,I500\n"
    result, _ = _score(tmp_path, "--index", "hfrs", "--lookback-years", "2", text=text)
    assert result.exit_code == 2 and "a date column is needed" in result.output


def test_unknown_index_weighting_and_format_are_refused(tmp_path):
    assert "unknown index" in _score(tmp_path, "--index", "cms")[0].output
    assert (
        "no weighting 'vw'" in _score(tmp_path, "--index", "charlson", "--weights", "vw")[0].output
    )
    bad = _score(tmp_path, "--index", "charlson", out="out.xlsx")[0]
    assert bad.exit_code == 2 and ".csv or .parquet" in bad.output


def test_a_missing_input_file_is_a_clear_error(tmp_path):
    result = runner.invoke(
        app,
        ["score", "--index", "hfrs", "--input", str(tmp_path / "nope.csv"), "--output", "x.csv"],
    )
    assert result.exit_code == 2 and "no such file" in result.output
