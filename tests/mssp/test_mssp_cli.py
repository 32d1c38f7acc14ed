"""``oneplace mssp settle --input F --output O``: whole files in and out, errors by row."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.mssp.files import OUTPUT_COLUMNS

runner = CliRunner()

HEADER = (
    "aco_id,performance_year,track,assigned_beneficiaries,benchmark_total,expenditure_total,"
    "quality_score,quality_standard_met,msr_choice,agreement_year,participant_revenue,"
    "disaster_adjustment\n"
)
GOOD = HEADER + (
    "A1,2014,1,12000,100000000,95000000,0.9,true,,2,,\n"
    "A2,2018,1+,12000,100000000,120000000,0.9,true,1.5,1,100000000,\n"
    "A3,2024,E,20000,240000000.00,246000000.00,0.95,true,2,3,20000000,\n"
    "A4,2022,ENHANCED,20000,240000000,232800000,P4R,TRUE,variable,1,,\n"
    "A5,2014,2,9000,50000000,50500000,0.8,false,,1,,\n"
)


def _settle(tmp_path: Path, text: str, out: str = "settled.csv"):
    src = tmp_path / "acos.csv"
    src.write_text(text, encoding="utf-8")
    target = tmp_path / out
    result = runner.invoke(app, ["mssp", "settle", "--input", str(src), "--output", str(target)])
    return result, src, target


def _read(path: Path) -> dict[str, dict[str, str]]:
    with path.open(newline="") as f:
        return {row["aco_id"]: row for row in csv.DictReader(f)}


def test_cli_settles_a_good_file_one_row_per_aco(tmp_path):
    result, _, out = _settle(tmp_path, GOOD)
    assert result.exit_code == 0, result.output
    assert "settled 5 ACOs: 2 earn $7,497,000.00, 2 owe $5,600,000.00, 1 neither" in result.output
    assert out.read_text().splitlines()[0] == ",".join(OUTPUT_COLUMNS)
    rows = _read(out)
    assert list(rows) == ["A1", "A2", "A3", "A4", "A5"]
    assert rows["A1"] == {
        "aco_id": "A1",
        "savings_rate": "0.0500000000",
        "msr": "0.0287997600",
        "msr_met": "true",
        "final_sharing_rate": "0.4500000000",
        "shared_amount": "2205000.00",
        "rule": "PY2014 Track 1: savings rate 5.00% >= MSR 2.88%; 50% x quality 0.900 = 45.00%; "
        "x 0.98 sequestration; under the 10% of benchmark cap",
    }
    assert rows["A2"]["shared_amount"] == "-4000000.00"
    assert rows["A3"]["shared_amount"] == "-1600000.00"
    assert rows["A4"]["shared_amount"] == "5292000.00"
    assert rows["A5"]["shared_amount"] == "0.00" and rows["A5"]["msr_met"] == "false"
    assert {p.name for p in tmp_path.iterdir()} == {"acos.csv", "settled.csv"}  # no leftovers


def test_cli_bad_file_names_file_row_and_rule_and_writes_nothing(tmp_path):
    bad = HEADER + (
        "A1,2014,1,12000,100000000,95000000,0.9,true,,2,,\n"
        "A2,2014,4,12000,100000000,95000000,0.9,true,,1,,\n"
        "A3,2014,1+,12000,100000000,95000000,0.9,true,,1,,\n"
        "A4,2018,A,12000,100000000,95000000,0.9,true,,1,,\n"
        "A5,2022,D,12000,100000000,95000000,0.9,true,1,1,,\n"
        "A6,2014,1,12000,100000000,95000000,1.2,true,,1,,\n"
        "A7,2014,1,12000,$100m,95000000,0.9,true,,1,,\n"
        "A8,2014,1,12000,100000000,95000000,0.9,true,1.5,1,,\n"
        "A1,2014,1,12000,100000000,95000000,0.9,true,,1,,\n"
    )
    result, src, out = _settle(tmp_path, bad)
    assert result.exit_code == 2
    text = result.output
    assert f"{src}: 8 problem(s); nothing was written" in text
    for line in (
        "row 3 (aco_id A2): track '4' is not a track: use 1, 1+, 2, 3, A, B, C, D, E or ENHANCED",
        "row 4 (aco_id A3): Track 1+ is not available in PY2014 (it ran PY2018-2019)",
        "row 5 (aco_id A4): BASIC Level A is not available in PY2018 (it ran PY2019-2026)",
        "row 6 (aco_id A5): participant_revenue is needed: BASIC Level D in PY2022's loss limit "
        "is 4% of ACO participants' revenue",
        "row 7 (aco_id A6): quality_score '1.2' is out of range: it must be 0-1 (or P4R)",
        "row 8 (aco_id A7): benchmark_total '$100m' is not an amount of dollars",
        "row 9 (aco_id A8): msr_choice 1.5 is not allowed: Track 1 in PY2014 uses the variable MSR",
        "row 10 (aco_id A1): duplicate aco_id, first on row 2",
    ):
        assert line in text
    assert "Traceback" not in text
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["acos.csv"]


def test_cli_error_leaves_an_existing_output_untouched(tmp_path):
    (tmp_path / "settled.csv").write_text("earlier results\n")
    result, _, out = _settle(tmp_path, HEADER + "A1,2014,1,12000,1e8,95000000,0.9,true,,1,,\n")
    assert result.exit_code == 2 and "'1e8' is not an amount of dollars" in result.output
    assert out.read_text() == "earlier results\n"


def test_cli_blank_optional_columns_are_fine(tmp_path):
    text = HEADER + "A1,2018,3,12000,100000000,110000000,0.5,true,,1,,\n"
    result, _, out = _settle(tmp_path, text)
    assert result.exit_code == 0, result.output
    row = _read(out)["A1"]
    assert row["msr"] == "0.0287997600"  # blank msr_choice: the variable MSR/MLR
    assert row["shared_amount"] == "-6250000.00"


def test_cli_trims_spaces_around_names_and_values(tmp_path):
    header = ", ".join(f" {name} " for name in HEADER.strip().split(",")) + "\n"
    text = header + " A1 , 2014 , 1 , 12000 , 100000000 , 95000000 , P4R , True ,  , 2 ,  , \n"
    result, _, out = _settle(tmp_path, text)
    assert result.exit_code == 0, result.output
    assert _read(out)["A1"]["shared_amount"] == "2450000.00"


def test_cli_missing_columns_are_named(tmp_path):
    result, src, out = _settle(tmp_path, "aco_id,performance_year,track\nA1,2014,1\n")
    assert result.exit_code == 2
    assert f"{src}: missing column(s) assigned_beneficiaries, benchmark_total" in result.output
    assert not out.exists()


def test_cli_a_row_with_the_wrong_number_of_fields_is_reported(tmp_path):
    result, _, _ = _settle(tmp_path, HEADER + "A1,2014,1,12000\n")
    assert result.exit_code == 2 and "row 2: 4 fields, the header has 12" in result.output


def test_cli_missing_input_file_is_a_clear_error(tmp_path):
    result = runner.invoke(
        app,
        [
            "mssp",
            "settle",
            "--input",
            str(tmp_path / "nope.csv"),
            "--output",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 2 and "nope.csv: no such file" in result.output


def test_cli_runs_as_a_process_exit_2_on_bad_input(tmp_path):
    src = tmp_path / "acos.csv"
    src.write_text(HEADER + "A1,2014,9,12000,100000000,95000000,0.9,true,,1,,\n")
    oneplace = Path(sys.executable).with_name("oneplace")
    done = subprocess.run(
        [str(oneplace), "mssp", "settle", "--input", str(src), "--output", str(tmp_path / "o.csv")],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "row 2 (aco_id A1): track '9'" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "o.csv").exists()


def test_cli_an_unwritable_output_is_a_clear_error(tmp_path):
    (tmp_path / "taken").mkdir()
    result, _, _ = _settle(tmp_path, GOOD, out="taken")
    assert result.exit_code == 2 and "taken: cannot write" in result.output
    assert {p.name for p in tmp_path.iterdir()} == {"acos.csv", "taken"}  # no partial file
