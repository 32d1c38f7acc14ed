"""CMS's published PY2014 results (Shared Savings Program ACO PUF, 333 ACOs) reproduced ACO by
ACO from the file's own inputs, through the same CSV reader as ``oneplace mssp settle``.

Mapping (see ../shared/data/mssp_aco_puf/SOURCE.md): ``Track1``/``Track2`` -> track;
``N_AB`` -> assigned beneficiaries; ``ABtotBnchmk``/``ABtotExp`` -> total benchmark and
expenditure; ``QualScore`` (a 0-1 score or ``P4R``) -> quality score. The file has no
"quality standard met" column: an ACO whose ``FinalShareRate`` is 0 did not meet it (8 ACOs
with a ``QualScore`` of 0 and 3 ``P4R`` ACOs). ``Start_Date`` in 2014 -> agreement
year 1, earlier starts -> 2 (it only sets Track 2's loss limit, and no Track 2 ACO lost
money in PY2014).

Tolerance for ``EarnSaveLoss``, per ACO: $0.50 (CMS publishes whole dollars) + $1 x final
sharing rate x 0.98 (``ABtotBnchmk`` and ``ABtotExp`` are each published rounded to the
dollar, so the savings we can see may differ from CMS's by up to $1) + savings x 75% x 0.98 x
5e-10 (``QualScore`` has 9 decimals). That is about $1 at most, well under METHODS's "about
0.05%", which assumed rates rounded to 4 decimals; this file carries 9. ``MinSavPerc``,
``Sav_rate`` and ``FinalShareRate`` are compared within one unit of their last published
decimal place (1e-9). No ACO is excepted.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from oneplace.mssp import read_acos, settle
from oneplace.mssp.files import COLUMNS

PUBLISHED_PLACE = Decimal("1e-9")


@pytest.fixture(scope="module")
def puf(shared_data: Path) -> dict[str, dict[str, str]]:
    path = shared_data / "mssp_aco_puf" / "mssp_aco_puf_py2014.csv"
    with path.open(encoding="utf-8", newline="") as f:
        return {row["ACO_Num"]: row for row in csv.DictReader(f)}


def _input_row(row: dict[str, str]) -> list[str]:
    track = "2" if row["Track2"] == "1" else "1"
    assert row[f"Track{track}"] == "1"
    return [
        row["ACO_Num"],
        "2014",
        track,
        row["N_AB"],
        row["ABtotBnchmk"],
        row["ABtotExp"],
        row["QualScore"],
        "false" if Decimal(row["FinalShareRate"]) == 0 else "true",
        "",
        "1" if row["Start_Date"].endswith("2014") else "2",
        "",
        "",
    ]


@pytest.fixture(scope="module")
def settled(puf, tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("puf") / "acos.csv"
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(_input_row(row) for row in puf.values())
    return {aco.aco_id: settle(aco) for aco in read_acos(path)}


def test_puf2014_has_333_acos_all_settled(puf, settled):
    assert len(puf) == 333 and settled.keys() == puf.keys()


def test_puf2014_every_acos_earned_savings_are_reproduced_to_the_dollar(puf, settled):
    wrong = []
    for aco_id, s in settled.items():
        published = Decimal(puf[aco_id]["EarnSaveLoss"])
        tolerance = (
            Decimal("0.50")
            + s.final_sharing_rate * Decimal("0.98")
            + abs(s.savings) * Decimal("0.75") * Decimal("0.98") * Decimal("5e-10")
        )
        if abs(s.shared_amount - published) > tolerance:
            wrong.append((aco_id, s.shared_amount, published, s.rule))
    assert wrong == []
    assert sum(1 for s in settled.values() if s.shared_amount > 0) == 86


def test_puf2014_msr_matches_minsavperc_for_every_aco(puf, settled):
    wrong = [
        (aco_id, s.msr * 100, puf[aco_id]["MinSavPerc"])
        for aco_id, s in settled.items()
        if abs(s.msr * 100 - Decimal(puf[aco_id]["MinSavPerc"])) > PUBLISHED_PLACE
    ]
    assert wrong == []


def test_puf2014_savings_rate_matches_sav_rate_for_every_aco(puf, settled):
    # Sav_rate was computed from unrounded totals: allow the dollar rounding of both totals.
    wrong = []
    for aco_id, s in settled.items():
        row = puf[aco_id]
        tolerance = PUBLISHED_PLACE + Decimal(100) / Decimal(row["ABtotBnchmk"])
        if abs(s.savings_rate * 100 - Decimal(row["Sav_rate"])) > tolerance:
            wrong.append((aco_id, s.savings_rate * 100, row["Sav_rate"]))
    assert wrong == []


def test_puf2014_final_sharing_rate_matches_for_every_aco(puf, settled):
    wrong = [
        (aco_id, s.final_sharing_rate, puf[aco_id]["FinalShareRate"])
        for aco_id, s in settled.items()
        if abs(s.final_sharing_rate - Decimal(puf[aco_id]["FinalShareRate"])) > PUBLISHED_PLACE
    ]
    assert wrong == []


def test_puf2014_msr_met_exactly_where_cms_generated_savings(puf, settled):
    # GenSaveLoss is the savings when the MSR was met and 0 otherwise (one-sided ACOs' losses
    # and Track 2 losses inside the MLR are 0 too).
    wrong = [
        aco_id
        for aco_id, s in settled.items()
        if s.msr_met != (Decimal(puf[aco_id]["GenSaveLoss"]) > 0)
    ]
    assert wrong == []
