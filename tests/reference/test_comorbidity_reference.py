"""The comorbidity code lists and weights in ``reference/``, authored from the papers, agree
with the independent copies in ``../shared/data/comorbidity`` (comorbidipy and the R package
comorbidity). Differences, and why:

* Condition names: comorbidipy calls Charlson's myocardial infarction ``ami`` and chronic
  pulmonary disease ``copd``; the R package and oneplace (as the issue asks) say ``mi`` and
  ``cpd``. Weighting names: their ``charlson``, ``quan`` and ``vw`` are our ``charlson1987``,
  ``quan2011`` and ``van_walraven``.
* Form: the packages write a category's subdivisions out one by one (I420, I425, ...) where
  Quan 2005 writes ranges (I42.5-I42.9) and categories (I43.x); we compare the codes each list
  *matches*, not its rows.
* The Swiss Elixhauser weights, the SHMI Charlson map and weights, and the ICD-9 and
  non-Quan ICD-10 maps are in the copies but not in oneplace (not asked for, or not authored:
  the SHMI specification was not available to author from).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import ibis
import pyarrow as pa
import pytest

from oneplace import reference
from oneplace.engine import comorbidity as cm
from oneplace.reference.icd10 import expand

OURS = {"charlson": "charlson_quan2005_icd10", "elixhauser": "elixhauser_quan2005_icd10"}
ALGORITHM = {"charlson": "charlson_icd10_quan", "elixhauser": "elixhauser_icd10_quan"}
RENAME = {"ami": "mi", "copd": "cpd"}
WEIGHTING = {"charlson": "charlson1987", "quan": "quan2011", "vw": "van_walraven"}
COPIES = ("comorbidity_codes_comorbidipy.csv", "comorbidity_codes_r_comorbidity.csv")


def _theirs(path: Path, algorithm: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    with path.open() as f:
        for row in csv.DictReader(f):
            if row["algorithm"] == algorithm:
                found[RENAME.get(row["condition"], row["condition"])].add(row["code_prefix"])
    return dict(found)


def _ours(index: str) -> dict[str, set[str]]:
    table = OURS[index]
    return {r["condition"]: set(expand(r["icd10"], table)) for r in reference.rows(table)}


def _matches(prefixes: set[str], code: str) -> bool:
    return any(code.startswith(p) for p in prefixes)


@pytest.mark.parametrize("copy", COPIES)
@pytest.mark.parametrize("index", ["charlson", "elixhauser"])
def test_code_lists_match_the_same_codes_as_the_published_copies(shared_data, index, copy):
    ours = _ours(index)
    theirs = _theirs(shared_data / "comorbidity" / copy, ALGORITHM[index])
    assert set(ours) == set(theirs)
    for condition in ours:
        mine, other = ours[condition], theirs[condition]
        # Every code either list names, and each of its subdivisions, is matched by both.
        probes = {p + s for p in mine | other for s in ("", *"0123456789")}
        differ = sorted(c for c in probes if _matches(mine, c) != _matches(other, c))
        assert not differ, f"{index} {condition}: matched by one list only: {differ[:10]}"


def test_weights_match_the_published_copy(shared_data):
    with (shared_data / "comorbidity" / "comorbidity_weights.csv").open() as f:
        theirs = {
            (
                r["index"],
                WEIGHTING[r["weighting"]],
                RENAME.get(r["condition"], r["condition"]),
            ): int(r["weight"])
            for r in csv.DictReader(f)
            if r["weighting"] in WEIGHTING
        }
    ours = {
        (r["index"], r["weighting"], r["condition"]): int(r["weight"])
        for r in reference.rows("comorbidity_weights")
    }
    # AIDS/HIV in Quan 2011 is 4: the copy has 4 too (it corrects comorbidipy's 2).
    assert ours == theirs


@pytest.mark.parametrize("copy", ["hfrs_gilbert2018.csv", "hfrs_gilbert2018_appendix.csv"])
def test_hfrs_codes_and_points_match_the_published_copies(shared_data, copy):
    with (shared_data / "comorbidity" / copy).open() as f:
        theirs = {r["icd10_3char"]: float(r["points"]) for r in csv.DictReader(f)}
    ours = {r["code"]: float(r["points"]) for r in reference.rows("hfrs_gilbert2018")}
    assert ours == theirs


def test_hfrs_has_109_codes_summing_to_173_2_points():
    points = cm.index("hfrs").weights(None)
    assert len(points) == 109
    assert sum(points.values()) == 1732  # tenths


def test_hfrs_risk_bands_follow_the_published_rules(shared_data):
    """Every score from 0 to 30 in tenths gets the band whose published rule it meets (the
    copy writes each rule as a Python-readable comparison of ``score``)."""
    with (shared_data / "comorbidity" / "hfrs_risk_bands.csv").open() as f:
        rules = {r["band"]: r["rule"] for r in csv.DictReader(f)}
    tenths = list(range(0, 301))
    t = ibis.memtable(pa.table({"tenths": pa.array(tenths, pa.int64())}))
    got = ibis.duckdb.connect().to_pyarrow(t.select(band=cm.hfrs_band(t.tenths)))["band"]
    for score10, band in zip(tenths, got.to_pylist(), strict=True):
        held = [b for b, rule in rules.items() if eval(rule, {}, {"score": score10 / 10})]
        assert held == [band], (score10, band, held)


def test_quan_2011_maximum_is_24():
    idx = cm.index("charlson")
    weights = idx.weights("quan2011")
    superseded = {low for _, low in idx.hierarchy}
    assert sum(w for c, w in weights.items() if c not in superseded) == 24


def test_expand_reads_the_paper_notation():
    assert expand("I21.x, I25.2") == ["I21", "I252"]
    assert expand("I42.5-I42.9") == ["I425", "I426", "I427", "I428", "I429"]
    assert expand("D65-D68.x") == ["D65", "D66", "D67", "D68"]
    assert expand("C00.x-C02.x") == ["C00", "C01", "C02"]
    with pytest.raises(ValueError, match="not a range"):
        expand("I42.5-J42.9")
    with pytest.raises(ValueError, match="not an ICD-10 code"):
        expand("I4")
