"""The committed reference tables agree with the published sources in ../shared/data."""

import csv
import re

import pytest

from oneplace import reference
from oneplace.schema.tables import HOSPITAL_SETTINGS, ICD10_PATTERN

LADS = {"E09000002", "E09000016", "E09000026"}


def num(s):
    return int(s.replace(",", ""))


def test_every_table_names_its_source():
    for name in reference.TABLES:
        src = reference.source(name)
        assert src and ("Licence" in src or "licence" in src), name
        assert len(reference.read(name)) > 0


def test_population_matches_ons_mid_2020(shared_data):
    pop = reference.read("bhr_population_2020")
    assert (pop.male + pop.female == pop.persons_2020).all()
    with open(shared_data / "uk_population/ons_mye_la_single_year_age_persons_1997_2020.csv") as f:
        rows = [r for r in csv.DictReader(f) if r["code"] in LADS and r["year"] == "2020"]
    assert len(rows) == 3
    for r in rows:
        mine = pop[pop.lad_code == r["code"]].sort_values("age").persons_2020.tolist()
        theirs = [num(r[f"Age {a}"]) for a in range(90)] + [num(r["Aged 90+"])]
        assert mine == theirs
    with open(shared_data / "uk_population/ons_mye_mid2011_lad_single_year_age_sex.csv") as f:
        sex = {
            (r["lad_code"], r["sex"], int(r["age"])): int(r["population"])
            for r in csv.DictReader(f)
            if r["lad_code"] in LADS
        }
    for row in pop.itertuples():
        m, fe = sex[(row.lad_code, "M", row.age)], sex[(row.lad_code, "F", row.age)]
        assert abs(row.male_share_2011 - m / (m + fe)) < 1e-4


def test_england_population_matches_regions(shared_data):
    eng = reference.read("england_population_2020")
    total = 0
    with open(
        shared_data / "uk_population/ons_mye_region_single_year_age_persons_1991_2020.csv"
    ) as f:
        for r in csv.DictReader(f):
            if r["Age"] == "All Ages":
                total += num(r["2020"])
    assert eng.persons_2020.sum() == total


def test_lsoas_match_imd_2019(shared_data):
    lsoa = reference.read("bhr_lsoa_imd2019").set_index("lsoa_code")
    imd = shared_data / "uk_imd2019"
    with open(imd / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv") as f:
        f1 = {
            r["LSOA code (2011)"]: r
            for r in csv.DictReader(f)
            if r["Local Authority District code (2019)"] in LADS
        }
    with open(imd / "File_6_-_IoD2019_Population_Denominators.csv") as f:
        f6 = {r["LSOA code (2011)"]: r for r in csv.DictReader(f) if r["LSOA code (2011)"] in f1}
    assert set(lsoa.index) == set(f1) and len(f1) == 110 + 150 + 161
    for code, r in f1.items():
        assert lsoa.loc[code, "imd_decile"] == int(r["Index of Multiple Deprivation (IMD) Decile"])
        assert lsoa.loc[code, "imd_rank"] == num(r["Index of Multiple Deprivation (IMD) Rank"])
        assert lsoa.loc[code, "population_2015"] == num(
            f6[code]["Total population: mid 2015 (excluding prisoners)"]
        )


def test_unit_costs_match_ncc_and_pssru(shared_data):
    costs = reference.read("unit_costs_2023_24").set_index("item").cost_gbp
    with open(shared_data / "uk_costs/ncc_2023_24_summary_by_service_DERIVED.csv") as f:
        ncc = {
            r["service_code"]: float(r["activity_weighted_unit_cost_gbp"])
            for r in csv.DictReader(f)
        }
    pairs = {
        "nel_long_stay": "Non-Elective Inpatient - Long Stay",
        "nel_short_stay": "Non-Elective Inpatient - Short Stay",
        "elective_inpatient": "Elective Inpatients",
        "day_case": "Daycase",
        "ed_attendance": "Emergency Care",
        "mh_contact": "Mental Health Care Contact",
        "community_other": "Community Health Service",
        "op_non_consultant_led": "Non Consultant Led",
        "op_procedure": "Outpatient Procedures",
    }
    for item, service in pairs.items():
        assert costs[item] == pytest.approx(ncc[service], abs=0.01), item
    with open(shared_data / "uk_costs/national_cost_collection_2023_24_schedule.csv") as f:
        sched = {
            (r["Service Code"].strip(), r["Dept or Currency Code"].strip()): float(r["Unit cost"])
            for r in csv.DictReader(f)
        }
    for item, key in {
        "op_first": ("Consultant Led", "WF01B"),
        "op_follow_up": ("Consultant Led", "WF01A"),
        "district_nurse": ("Community Health Service", "N02AF"),
        "community_matron": ("Community Health Service", "N06AF"),
        "ambulance_see_convey": ("Ambulance", "03"),
        "ambulance_see_treat": ("Ambulance", "02"),
    }.items():
        assert costs[item] == pytest.approx(sched[key], abs=0.01), item
    with open(shared_data / "uk_costs/pssru_ucohsc2024_9.4.2_GP_unit_costs.csv") as f:
        gp = {r[0]: r[1] for r in csv.reader(f)}
    assert costs["gp_appointment"] == float(gp["Per surgery consultation lasting 10 minutes"])


def test_hospital_activity_matches_the_ncc_schedule(shared_data):
    """Each service's activity and cost are the sums of its rows in the published schedule."""
    mine = reference.read("ncc_2023_24_hospital_activity").set_index("service_code")
    totals: dict[str, list[float]] = {}
    with open(shared_data / "uk_costs/national_cost_collection_2023_24_schedule.csv") as f:
        for r in csv.DictReader(f):
            t = totals.setdefault(r["Service Code"].strip(), [0, 0.0])
            t[0] += int(r["Activity"])
            t[1] += float(r["Cost"])
    for service, row in mine.iterrows():
        assert row.total_activity == totals[service][0], service
        assert row.total_cost_gbp == pytest.approx(totals[service][1], abs=1.0), service
    # Every hospital setting is covered, and only hospital settings.
    assert set(mine.setting) == set(HOSPITAL_SETTINGS)


def test_icd10_codes_exist_in_who_list(shared_data):
    codes = reference.read("icd10_codes")
    with open(shared_data / "icd10_reference/icd10_who2011_cdc_codes.csv") as f:
        who = {r["Code.clean"]: r["Status"] for r in csv.DictReader(f)}
    for code in codes.code.unique():
        assert re.fullmatch(ICD10_PATTERN, code), code
        if code.endswith("X"):  # UK filler: a 3-character code without subdivisions
            assert code[:3] in who, code
            assert not any(k.startswith(code[:3]) and len(k) == 4 for k in who), code
        else:
            assert code in who and "Deleted" not in (who[code] or ""), code


def test_frailty_codes_are_hfrs_codes(shared_data):
    codes = reference.read("icd10_codes")
    with open(shared_data / "comorbidity/hfrs_gilbert2018.csv") as f:
        hfrs = {r["icd10_3char"] for r in csv.DictReader(f)}
    frail = codes[codes.group == "frailty_syndrome"].code.str[:3]
    assert set(frail) <= hfrs
