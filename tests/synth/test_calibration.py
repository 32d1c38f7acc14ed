"""Generated figures against their targets: age structure, admissions, spend, HIU, prevalence."""

import duckdb
import numpy as np
import pytest

from oneplace import reference
from oneplace.synth import report
from oneplace.synth.params import AGE_LABELS


def sections(out):
    return {s.title.split(" (")[0].split(" per 1,000")[0]: s for s in report(out)}


def test_age_structure_close_to_reference(synth_dir):
    pop = reference.read("bhr_population_2020")
    edges = np.arange(0, 95, 5)
    ref = np.bincount(
        np.searchsorted(edges, pop.age, side="right") - 1,
        weights=pop.persons_2020,
        minlength=len(edges),
    )
    ages = np.array(
        duckdb.sql(
            f"SELECT 2022 - year_of_birth FROM '{synth_dir / 'person.parquet'}'"
        ).fetchnumpy()["(2022 - year_of_birth)"]
    )
    ages = np.minimum(ages, 90)
    got = np.bincount(np.searchsorted(edges, ages, side="right") - 1, minlength=len(edges))
    assert np.abs(got / got.sum() - ref / ref.sum()).max() < 0.015


def test_emergency_admissions_rise_with_age(synth_dir):
    rows = sections(synth_dir)["Emergency"].rows
    rate = {r[0]: r[3] for r in rows}
    assert rate["0-4"] > rate["5-14"]
    chain = [rate[b] for b in ("15-44", "45-64", "65-74", "75-84", "85+")]
    assert all(a < b for a, b in zip(chain, chain[1:], strict=False))
    assert rate["85+"] > 4 * rate["15-44"]
    assert 70 < rate["all ages"] < 115


def test_acute_share_and_cost_per_head(synth_dir):
    s = sections(synth_dir)
    acute = next(r for r in s["Share of spend by setting"].rows if r[0].startswith("hospital"))
    assert 40 <= acute[2] <= 60
    for row in s["Cost per head per year"].rows:
        assert 1_700 <= row[3] <= 2_700


def test_high_intensity_users(synth_dir):
    for row in sections(synth_dir)["High-intensity A&E users"].rows:
        _, attendances, users, pct_people, pct_att, _ = row
        assert 0.3 <= pct_people <= 2.0
        assert 14 <= pct_att <= 30


def test_prevalence_rises_with_age_and_deprivation(synth_dir):
    con = duckdb.connect()
    codes = reference.read("icd10_codes")
    con.register("codes", codes[codes.role == "record"][["group", "code"]])
    res = con.execute(f"""
        WITH p AS (SELECT person_id, 2024 - year_of_birth AS age, imd_decile
                   FROM '{synth_dir / "person.parquet"}'),
             d AS (SELECT DISTINCT d.person_id, c."group" AS cond
                   FROM '{synth_dir / "diagnosis.parquet"}' d JOIN codes c USING (code)
                   WHERE d.activity_id IS NULL)
        SELECT cond,
          avg((d.person_id IS NOT NULL)::INT) FILTER (WHERE age BETWEEN 20 AND 44),
          avg((d.person_id IS NOT NULL)::INT) FILTER (WHERE age >= 65),
          avg((d.person_id IS NOT NULL)::INT) FILTER (WHERE imd_decile <= 3 AND age >= 40),
          avg((d.person_id IS NOT NULL)::INT) FILTER (WHERE imd_decile >= 7 AND age >= 40)
        FROM p CROSS JOIN (SELECT DISTINCT "group" AS cond FROM codes) c
        LEFT JOIN d USING (person_id, cond) GROUP BY 1""").fetchall()
    got = {r[0]: r[1:] for r in res}
    for cond in ("diabetes", "copd", "heart_failure", "ihd", "ckd", "dementia"):
        young, old, deprived, affluent = got[cond]
        assert old > young, cond
    for cond in ("diabetes", "copd", "smi"):
        young, old, deprived, affluent = got[cond]
        assert deprived > affluent, cond
    # multimorbidity: conditions cluster beyond independence
    n = con.execute(f"""SELECT count(*) FROM (SELECT person_id FROM
        '{synth_dir / "diagnosis.parquet"}' WHERE activity_id IS NULL GROUP BY 1
        HAVING count(*) >= 3)""").fetchone()[0]
    assert n > 0


def test_report_sections_are_tables(synth_dir):
    for s in report(synth_dir):
        assert s.rows and all(len(r) == len(s.columns) for r in s.rows)


def test_outpatient_volume_matches_ncc_on_englands_age_structure(synth_dir):
    """The outpatient rates, applied to England's population, give NCC 2023/24's volume, and
    the generated place attends at those rates for its own age structure."""
    from oneplace.synth.activity import band7, outpatient_rates

    rates = outpatient_rates()
    eng = reference.read("england_population_2020")
    expected = (rates[band7(eng.age.to_numpy())] * eng.persons_2020).sum()
    ncc = reference.read("ncc_2023_24_hospital_activity")
    national = ncc.loc[ncc.setting == "outpatient", "total_activity"].sum()
    assert expected == pytest.approx(national, rel=1e-9)
    assert 85e6 < national < 95e6

    # Person-years by age band, as the report counts them for its admissions table.
    person_years = {r[0]: r[2] for r in sections(synth_dir)["Emergency"].rows}
    due = sum(rate * person_years[label] for label, rate in zip(AGE_LABELS, rates, strict=True))
    (attended,) = duckdb.sql(
        f"SELECT count(*) FROM '{synth_dir / 'activity.parquet'}' WHERE setting = 'outpatient'"
    ).fetchone()
    assert attended == pytest.approx(due, rel=0.05)


def test_outpatient_attendances_follow_the_ncc_mix(synth_dir):
    kinds = dict(
        duckdb.sql(
            f"SELECT activity_type, count(*) FROM '{synth_dir / 'activity.parquet'}' "
            "WHERE setting = 'outpatient' GROUP BY 1"
        ).fetchall()
    )
    total = sum(kinds.values())
    consultant = kinds["first_attendance"] + kinds["follow_up"]
    assert consultant / total == pytest.approx(0.565, abs=0.02)  # NCC 2023/24: 50.9M of 90.1M
    assert kinds["non_consultant_led"] / total == pytest.approx(0.256, abs=0.02)
    assert kinds["procedure"] / total == pytest.approx(0.179, abs=0.02)
    assert kinds["first_attendance"] / consultant == pytest.approx(0.35, abs=0.03)


def test_emergency_admissions_are_the_largest_hospital_spend(synth_dir):
    mix = sections(synth_dir)["Hospital spend by setting"].rows
    share = {r[0]: r[2] for r in mix}
    assert max(share, key=share.get) == "acute_non_elective"
    assert sum(share.values()) == pytest.approx(100, abs=0.3)


def outcome_rows(out) -> dict[str, list]:
    """The report's outcome indicators: indicator -> [(numerator, denominator, value)] by year."""
    rows: dict[str, list] = {}
    for r in sections(out)["Outcome indicators"].rows:
        rows.setdefault(r[0], []).append((r[2], r[3], r[4]))
    return rows


def pooled(rows) -> float:
    return sum(r[0] for r in rows) / sum(r[1] for r in rows)


# The sample place has 12,000 people over three years: about 250 deaths, 3,800 discharges,
# 1,600 people aged 65+ (about 35 falls admissions and 9 new care-home placements a year).
# Each tolerance is about three standard errors of the pooled figure, and lies within 25% of
# England's figure.


def test_deaths_in_hospital_near_england(synth_dir):
    """OHID end of life care profiles: 43.4% of deaths in England in 2022 were in hospital."""
    share = 100 * pooled(outcome_rows(synth_dir)["deaths_in_hospital"])
    assert 34 <= share <= 53


def test_emergency_readmissions_near_england(synth_dir):
    """NHS Digital compendium: about 14-15% of discharges are followed by an emergency
    readmission within 30 days (13.7% in 2017/18)."""
    share = 100 * pooled(outcome_rows(synth_dir)["emergency_readmissions_30d"])
    assert 12 <= share <= 17.5


def test_falls_admissions_near_england(synth_dir):
    """PHOF C29: 1,933 emergency admissions for falls per 100,000 aged 65+ in 2022/23 (DSR).
    The mean of the three years' DSRs, each from about 35 admissions."""
    dsr = [r[2] for r in outcome_rows(synth_dir)["falls_admissions_65"]]
    assert 1_350 <= sum(dsr) / len(dsr) <= 2_500


def test_care_home_admissions_near_england_after_the_first_year(synth_dir):
    """ASCOF 2A(2): about 560 permanent admissions per 100,000 aged 65+ a year. From the
    second year (a year of history to tell a new placement from a running one); in the first
    year every running placement counts, so it runs higher."""
    rows = outcome_rows(synth_dir)["care_home_admissions_65"]
    rate = 100_000 * pooled(rows[1:])
    assert 250 <= rate <= 1_000
    assert rows[0][2] > rate
