"""``oneplace stats rate|proportion|dsr|isr``: CSV files in and out, errors by file and row."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.stats import ESP2013_BANDS, crude_rate, dsr, isr_ratio, proportion

runner = CliRunner()
STATS = ["value", "lower95", "upper95", "lower998", "upper998", "method"]


def _run(tmp_path: Path, command: str, text: str, *args: str, name: str = "in.csv"):
    source = tmp_path / name
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "out.csv"
    result = runner.invoke(
        app, ["stats", command, "--input", str(source), "--output", str(out), *args]
    )
    return result, source, out


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as f:
        return list(csv.DictReader(f))


def _close(text: str, value: float) -> bool:
    return math.isclose(float(text), value, rel_tol=1e-10)


# --- rate and proportion -----------------------------------------------------------------------
RATES = "area,numerator,denominator\nNorth,5,1000\nSouth,120,20000\nNorth,10,500\n"


def test_rate_writes_one_row_per_input_row_with_its_other_columns(tmp_path):
    result, _, out = _run(tmp_path, "rate", RATES)
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert list(rows[0]) == ["area", "numerator", "denominator", *STATS]
    assert [r["area"] for r in rows] == ["North", "South", "North"]
    expected = crude_rate([5, 120, 10], [1000, 20000, 500])
    for row, value, upper in zip(rows, expected.value, expected.upper998, strict=True):
        assert _close(row["value"], value) and _close(row["upper998"], upper)
    assert [r["method"] for r in rows] == ["exact Poisson", "Byar", "Byar"]
    assert "3 rows -> 3 values -> " in result.output


def test_rate_group_by_sums_the_rows_of_each_group_first(tmp_path):
    result, _, out = _run(tmp_path, "rate", RATES, "--group-by", "area", "--multiplier", "1000")
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert [(r["area"], r["numerator"], r["denominator"]) for r in rows] == [
        ("North", "15", "1500"),
        ("South", "120", "20000"),
    ]
    assert _close(rows[0]["value"], 10.0)
    assert _close(rows[0]["lower95"], float(crude_rate([15], [1500], 1000).lower95[0]))


def test_a_zero_denominator_gives_a_blank_row_and_a_warning(tmp_path):
    result, _, out = _run(tmp_path, "rate", RATES + "East,0,0\nWest,2,\n")
    assert result.exit_code == 0, result.output
    assert "warning: 2 unit(s) left blank: not computed: denominator missing or zero" in (
        result.output
    )
    rows = _read(out)
    assert rows[3]["value"] == "" and rows[3]["upper998"] == ""
    assert rows[4]["method"] == "not computed: denominator missing or zero"
    assert "(2 blank)" in result.output


def test_proportion_as_a_percentage(tmp_path):
    text = "practice,numerator,denominator\nP1,65,100\nP2,0,40\n"
    result, _, out = _run(tmp_path, "proportion", text, "--multiplier", "100")
    assert result.exit_code == 0, result.output
    rows = _read(out)
    expected = proportion([65, 0], [100, 40], 100)
    assert _close(rows[0]["value"], 65.0) and _close(rows[0]["lower95"], expected.lower95[0])
    assert rows[1]["lower95"] == "0" and rows[1]["method"] == "Wilson"


# --- dsr ---------------------------------------------------------------------------------------
def _dsr_text(counts: dict[str, list[int]]) -> str:
    lines = ["area,age_band,count,population"]
    for area, values in counts.items():
        lines += [
            f"{area},{b},{c},{1000 + 50 * i}"
            for i, (b, c) in enumerate(zip(ESP2013_BANDS, values, strict=True))
        ]
    return "\n".join(lines) + "\n"


NORTH = [0, 0, 1, 0, 1, 1, 2, 1, 2, 3, 4, 5, 7, 9, 12, 15, 18, 14, 9]
SOUTH = [0] * 18 + [3]


def test_dsr_per_group_on_the_esp_2013(tmp_path):
    text = _dsr_text({"North": NORTH, "South": SOUTH})
    result, _, out = _run(tmp_path, "dsr", text, "--group-by", "area")
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert list(rows[0]) == ["area", "total_count", "total_pop", *STATS]
    pops = [1000 + 50 * i for i in range(19)]
    expected = dsr(NORTH, pops)
    assert rows[0]["total_count"] == str(sum(NORTH)) and rows[0]["total_pop"] == str(sum(pops))
    assert _close(rows[0]["value"], float(expected.value))
    assert _close(rows[0]["upper95"], float(expected.upper95))
    assert rows[0]["method"] == "Dobson"
    assert rows[1]["value"] == "" and rows[1]["method"] == "not published: fewer than 10 events"


def test_dsr_with_its_own_standard_population(tmp_path):
    text = "age_band,count,population,standard_population\n0-64,10,9000,80000\n65+,40,1000,20000\n"
    result, _, out = _run(tmp_path, "dsr", text, "--multiplier", "1000")
    assert result.exit_code == 0, result.output
    (row,) = _read(out)
    expected = dsr([10, 40], [9000, 1000], [80000, 20000], 1000)
    assert _close(row["value"], float(expected.value))


def test_dsr_bands_that_are_not_esp_2013_are_refused_naming_the_row(tmp_path):
    text = _dsr_text({"North": NORTH}).replace("North,90+,", "North,95+,")
    result, source, out = _run(tmp_path, "dsr", text, "--group-by", "area")
    assert result.exit_code == 2
    assert str(source) in result.output
    assert "row 20: age_band '95+' is not an ESP 2013 band" in result.output
    assert "group North: no row for the age band(s) 90+" in result.output
    assert not out.exists()


def test_dsr_repeated_band_is_refused(tmp_path):
    text = _dsr_text({"North": NORTH}) + "North,0-4,1,100\n"
    result, _, _ = _run(tmp_path, "dsr", text, "--group-by", "area")
    assert result.exit_code == 2
    assert "row 21: age_band 0-4 repeats row 2 in its group" in result.output


# --- isr ---------------------------------------------------------------------------------------
REFERENCE = "age_band,count,population\n0-64,100,100000\n65+,300,20000\n"
LOCAL = (
    "locality,age_band,count,population\n"
    "A,0-64,12,9000\nA,65+,40,2000\nB,0-64,1,8000\nB,65+,3,500\n"
)


@pytest.mark.parametrize("kind", ["ratio", "rate"])
def test_isr_per_group(tmp_path, kind):
    reference = tmp_path / "reference.csv"
    reference.write_text(REFERENCE)
    args = ["--reference", str(reference), "--group-by", "locality", "--type", kind]
    result, _, out = _run(tmp_path, "isr", LOCAL, *args)
    assert result.exit_code == 0, result.output
    rows = _read(out)
    assert list(rows[0]) == ["locality", "observed", "expected", "total_pop", *STATS]
    e_a = 9000 * 0.001 + 2000 * 0.015  # 39
    assert rows[0]["observed"] == "52" and _close(rows[0]["expected"], e_a)
    crude = 400 / 120000
    scale = 1 if kind == "ratio" else crude * 100_000
    assert _close(rows[0]["value"], 52 / e_a * scale)
    assert _close(rows[0]["lower95"], float(isr_ratio([52], [e_a]).lower95[0]) * scale)
    assert rows[1]["method"] == "exact Poisson"


def test_isr_band_missing_from_the_reference_is_refused(tmp_path):
    reference = tmp_path / "reference.csv"
    reference.write_text(REFERENCE)
    text = LOCAL + "A,85+,1,10\n"
    args = ["--reference", str(reference), "--group-by", "locality"]
    result, _, _ = _run(tmp_path, "isr", text, *args)
    assert result.exit_code == 2
    assert "row 6: age_band '85+' is not in the reference" in result.output


def test_isr_reference_with_a_zero_population_is_refused(tmp_path):
    reference = tmp_path / "reference.csv"
    reference.write_text("age_band,count,population\n0-64,1,0\n65+,3,100\n")
    result, _, _ = _run(tmp_path, "isr", LOCAL, "--reference", str(reference))
    assert result.exit_code == 2
    assert str(reference) in result.output
    assert "row 2: population must be above 0 in the reference" in result.output


# --- bad input ---------------------------------------------------------------------------------
def test_missing_file_is_a_user_error(tmp_path):
    result = runner.invoke(
        app, ["stats", "rate", "--input", str(tmp_path / "nope.csv"), "--output", "x.csv"]
    )
    assert result.exit_code == 2
    assert "nope.csv: no such file" in result.output
    assert "Traceback" not in result.output


def test_missing_column_names_the_file_and_column(tmp_path):
    result, source, _ = _run(tmp_path, "rate", "area,numerator\nA,1\n")
    assert result.exit_code == 2
    assert f"{source}: missing column(s) denominator" in result.output


def test_non_numeric_and_negative_values_name_the_row_and_rule(tmp_path):
    text = "numerator,denominator\n5,1000\nfive,1000\n-3,1000\n2,1 000\n"
    result, source, out = _run(tmp_path, "rate", text)
    assert result.exit_code == 2
    assert f"{source}: 3 problem(s); nothing was written" in result.output
    assert "row 3: numerator 'five' is not a number" in result.output
    assert "row 4: numerator '-3' is negative" in result.output
    assert "row 5: denominator '1 000' is not a number" in result.output
    assert not out.exists()


def test_proportion_numerator_over_denominator_is_refused(tmp_path):
    result, _, _ = _run(tmp_path, "proportion", "numerator,denominator\n5,4\n")
    assert result.exit_code == 2
    assert "row 2: numerator 5 is above denominator 4" in result.output


def test_unknown_group_by_column_is_refused(tmp_path):
    result, _, _ = _run(tmp_path, "rate", RATES, "--group-by", "ward")
    assert result.exit_code == 2
    assert "--group-by column(s) ward not in the file" in result.output


def test_proportion_with_a_zero_denominator_is_blank_not_an_error(tmp_path) -> None:
    """A zero denominator gives a blank and a warning even where the numerator exceeds it."""
    src = tmp_path / "in.csv"
    src.write_text("numerator,denominator\n3,10\n5,0\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app, ["stats", "proportion", "--input", str(src), "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = out.read_text(encoding="utf-8").splitlines()
    assert rows[1].startswith("3,10,0.3,")
    assert rows[2] == "5,0,,,,,,not computed: denominator missing or zero"
    assert "1 unit(s) left blank" in result.output
