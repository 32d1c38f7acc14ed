"""Calibration report: generated figures beside their published targets.

Reads the files written by ``generate`` with DuckDB and returns sections the CLI renders as
tables: emergency admissions per 1,000 person-years by age band (METHODS 5.4, indicative
England rates), share of spend by setting (hospital settings about half; METHODS 5.3
indicative ICB shares), hospital spend by point of delivery beside the NCC 2023/24 England mix,
cost per head, prevalence of each long-term condition (QOF 2023/24 England), the share of
A&E attendances by high-intensity users (METHODS 3.6), and the outcome indicators the
generator models (deaths in hospital, readmissions, falls and care-home admissions at 65+),
counted as the outcomes library defines them (``outcomes/indicators.yaml``) beside the England
figures of ``params``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import yaml

from .. import reference
from ..schema.tables import HOSPITAL_SETTINGS
from ..stats.standardisation import ESP2013, ESP2013_BANDS
from . import params as P

HIU_THRESHOLD = 5
SETTING_TARGETS = {
    "primary_care": "8-9% of health",
    "prescribing": "about 9% of health",
    "community": "about 10% of health",
    "mental_health": "14% of health",
}


@dataclass
class ReportSection:
    title: str
    columns: list[str]
    rows: list[list]


def _band_sql(col: str) -> str:
    edges = P.AGE_EDGES
    parts = [
        f"WHEN {col} < {hi} THEN '{lab}'"
        for hi, lab in zip(edges[1:], P.AGE_LABELS[:-1], strict=True)
    ]
    return f"CASE {' '.join(parts)} ELSE '{P.AGE_LABELS[-1]}' END"


def build_report(out: Path) -> list[ReportSection]:
    place = yaml.safe_load((out / "place.yaml").read_text(encoding="utf-8"))
    fys = sorted(b["year"] for b in place.get("budgets", []))
    con = duckdb.connect()
    for t in ("person", "registration", "activity", "diagnosis"):
        path = str(out / f"{t}.parquet").replace("'", "''")
        con.execute(f"CREATE VIEW {t} AS SELECT * FROM read_parquet('{path}')")
    con.execute(f"CREATE TABLE fy AS SELECT unnest({fys}::INTEGER[]) AS fy")
    con.execute("""
        CREATE TABLE exposure AS
        WITH reg AS (SELECT person_id, min(start_date) AS s FROM registration GROUP BY 1)
        SELECT p.person_id, fy.fy, fy.fy - p.year_of_birth AS age,
               greatest(datediff('day', greatest(r.s, make_date(fy.fy, 4, 1)),
                   least(coalesce(p.date_of_death, make_date(fy.fy + 1, 3, 31)),
                         make_date(fy.fy + 1, 3, 31))) + 1, 0) / 365.25 AS py
        FROM person p JOIN reg r USING (person_id) CROSS JOIN fy""")
    con.execute("""
        CREATE TABLE act AS
        SELECT a.setting, a.cost_gbp, a.person_id, a.activity_type,
               year(a.start_date - INTERVAL 3 MONTH) AS fy,
               year(a.start_date - INTERVAL 3 MONTH) - p.year_of_birth AS age
        FROM activity a JOIN person p USING (person_id)""")
    return [
        _admissions(con),
        _spend(con),
        _hospital_mix(con),
        _per_head(con),
        _prevalence(con),
        _hiu(con),
        _outcomes(con),
    ]


def _admissions(con) -> ReportSection:
    band = _band_sql("age")
    rows = dict(
        (b, (n, py))
        for b, n, py in con.execute(f"""
        WITH d AS (SELECT {band} AS b, sum(py) AS py FROM exposure GROUP BY 1),
             n AS (SELECT {band} AS b, count(*) AS n FROM act
                   WHERE setting = 'acute_non_elective' GROUP BY 1)
        SELECT d.b, coalesce(n.n, 0), d.py FROM d LEFT JOIN n USING (b)""").fetchall()
    )
    out = []
    for label, target in zip(P.AGE_LABELS, P.NEL_TARGET_PER_1000, strict=True):
        n, py = rows.get(label, (0, 0.0))
        rate = 1000 * n / py if py else float("nan")
        out.append([label, int(n), round(py, 1), round(rate, 1), target])
    n_all = sum(r[1] for r in out)
    py_all = sum(r[2] for r in out)
    out.append(
        [
            "all ages",
            n_all,
            round(py_all, 1),
            round(1000 * n_all / py_all, 1),
            "about 110 (England); lower in a younger London place",
        ]
    )
    return ReportSection(
        "Emergency (non-elective) admissions per 1,000 person-years by age band",
        [
            "age band",
            "admissions",
            "person-years",
            "generated per 1,000",
            "target per 1,000 (METHODS 5.4, indicative)",
        ],
        out,
    )


def _spend(con) -> ReportSection:
    res = con.execute(
        "SELECT setting, sum(cost_gbp)::DOUBLE FROM act GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    total = sum(v for _, v in res) or 1.0
    health = sum(v for s, v in res if s != "social_care") or 1.0
    rows = []
    for s, v in res:
        target = "part of hospital ~50%" if s in HOSPITAL_SETTINGS else SETTING_TARGETS.get(s, "")
        rows.append([s, round(v), round(100 * v / total, 1), round(100 * v / health, 1), target])
    acute = sum(v for s, v in res if s in HOSPITAL_SETTINGS)
    rows.append(
        [
            "hospital settings (acute)",
            round(acute),
            round(100 * acute / total, 1),
            round(100 * acute / health, 1),
            "about 50% (40-60%)",
        ]
    )
    return ReportSection(
        "Share of spend by setting",
        ["setting", "spend £", "% of all", "% of health", "indicative target (METHODS 5.3)"],
        rows,
    )


def _hospital_mix(con) -> ReportSection:
    """Each hospital setting's share of hospital spend, beside its share in NCC 2023/24."""
    ncc = reference.read("ncc_2023_24_hospital_activity")
    national = ncc.groupby("setting").total_cost_gbp.sum()
    got = dict(
        con.execute(
            "SELECT setting, sum(cost_gbp)::DOUBLE FROM act WHERE setting IN "
            f"({', '.join(repr(x) for x in HOSPITAL_SETTINGS)}) GROUP BY 1"
        ).fetchall()
    )
    total = sum(got.values()) or 1.0
    rows = [
        [
            setting,
            round(got.get(setting, 0.0)),
            round(100 * got.get(setting, 0.0) / total, 1),
            round(100 * float(national.get(setting, 0)) / float(national.sum()), 1),
        ]
        for setting in HOSPITAL_SETTINGS
    ]
    return ReportSection(
        "Hospital spend by setting (NCC 2023/24 England mix; NCC counts non-elective care in "
        "episodes, including maternity, so its share runs higher than admissions alone)",
        ["setting", "spend £", "% of hospital spend", "NCC 2023/24 England %"],
        rows,
    )


def _per_head(con) -> ReportSection:
    res = con.execute("""
        WITH e AS (SELECT fy, sum(py) AS py FROM exposure GROUP BY 1),
             s AS (SELECT fy, sum(cost_gbp)::DOUBLE AS spend,
                          sum(CASE WHEN setting = 'social_care' THEN 0 ELSE cost_gbp END)::DOUBLE
                              AS health
                   FROM act GROUP BY 1)
        SELECT fy, py, spend, health FROM e JOIN s USING (fy) ORDER BY fy""").fetchall()
    rows = [
        [
            f"{fy}/{(fy + 1) % 100:02d}",
            round(py),
            round(spend),
            round(spend / py),
            round(health / py),
            "£2,000-2,500 health and care",
        ]
        for fy, py, spend, health in res
    ]
    return ReportSection(
        "Cost per head per year",
        ["financial year", "person-years", "spend £", "£ per head", "health £ per head", "target"],
        rows,
    )


def _prevalence(con) -> ReportSection:
    codes = reference.read("icd10_codes")
    prev = reference.read("ltc_prevalence")
    rec = codes[(codes.role == "record") & codes.group.isin(prev.condition)][["group", "code"]]
    con.register("record_codes", rec)
    last = con.execute("SELECT max(fy) FROM fy").fetchone()[0]
    res = dict(
        (g, n)
        for g, n in con.execute("""
        SELECT r."group", count(DISTINCT d.person_id) FROM diagnosis d
        JOIN record_codes r ON d.code = r.code
        WHERE d.activity_id IS NULL GROUP BY 1""").fetchall()
    )
    rows = []
    for row in prev.itertuples():
        denom = con.execute(
            f"SELECT count(*) FROM person WHERE {last} - year_of_birth >= {int(row.min_age)}"
        ).fetchone()[0]
        n = res.get(row.condition, 0)
        rows.append(
            [
                row.label,
                int(row.min_age),
                n,
                round(100 * n / max(denom, 1), 2),
                round(100 * float(row.qof_prevalence), 2),
            ]
        )
    return ReportSection(
        "Prevalence by condition (GP record; England target, a younger place runs lower)",
        ["condition", "from age", "people", "generated %", "target % (QOF 2023/24 England)"],
        rows,
    )


def _hiu(con) -> ReportSection:
    res = con.execute(f"""
        WITH y AS (SELECT fy, person_id, count(*) AS n FROM act
                   WHERE setting = 'emergency_department' GROUP BY 1, 2),
             e AS (SELECT fy, count(*) FILTER (WHERE py > 0) AS people FROM exposure GROUP BY 1)
        SELECT y.fy, sum(n), count(*) FILTER (WHERE n >= {HIU_THRESHOLD}),
               sum(n) FILTER (WHERE n >= {HIU_THRESHOLD}), any_value(e.people)
        FROM y JOIN e USING (fy) GROUP BY 1 ORDER BY 1""").fetchall()
    rows = [
        [
            f"{fy}/{(fy + 1) % 100:02d}",
            int(att),
            int(hiu),
            round(100 * hiu / people, 2),
            round(100 * (hiu_att or 0) / att, 1),
            "<1-2% of people, 15-25% of attendances",
        ]
        for fy, att, hiu, hiu_att, people in res
    ]
    return ReportSection(
        f"High-intensity A&E users (>= {HIU_THRESHOLD} attendances in a year, METHODS 3.6)",
        ["financial year", "attendances", "users", "% of people", "% of attendances", "target"],
        rows,
    )


# The outcome indicators: England's figure beside each (see params for the sources).
OUTCOME_TARGETS = {
    "deaths_in_hospital": "43.4% (OHID end of life care profiles, 2022)",
    "emergency_readmissions_30d": "about 14-15% (NHS Digital compendium; 13.7% in 2017/18)",
    "falls_admissions_65": "1,933 per 100,000, DSR (PHOF C29, 2022/23)",
    "care_home_admissions_65": "about 560 per 100,000 (ASCOF 2A(2); 584 in 2019-20)",
}
OLDER_BANDS = ESP2013_BANDS.index("65-69")


def _outcomes(con) -> ReportSection:
    """Each year's value of the four indicators, counted as ``outcomes/indicators.yaml`` and
    the engine count them: over the people registered and alive on 1 October (the deaths:
    over the year's decedents), ages in whole years at the start of the year. The first
    year's care-home admissions count every placement already running (no history before
    it)."""
    con.execute("""
        CREATE TABLE people AS
        SELECT DISTINCT p.person_id, fy.fy, fy.fy - p.year_of_birth AS age
        FROM person p JOIN registration r USING (person_id) CROSS JOIN fy
        WHERE r.start_date <= make_date(fy.fy, 10, 1)
          AND coalesce(r.end_date, DATE '9999-12-31') >= make_date(fy.fy, 10, 1)
          AND coalesce(p.date_of_death, DATE '9999-12-31') >= make_date(fy.fy, 10, 1)""")
    con.execute("""
        CREATE TABLE spell AS
        SELECT a.activity_id, a.person_id, a.setting, a.start_date, a.end_date,
               year(a.start_date - INTERVAL 3 MONTH) AS start_fy,
               year(a.end_date - INTERVAL 3 MONTH) AS end_fy,
               d.code AS primary_code,
               EXISTS (SELECT 1 FROM diagnosis w WHERE w.activity_id = a.activity_id
                       AND w.code >= 'W00' AND w.code < 'W20') AS fall_cause
        FROM activity a LEFT JOIN diagnosis d
          ON d.activity_id = a.activity_id AND d.position = 1
        WHERE a.setting IN ('acute_non_elective', 'acute_elective')""")
    deaths = con.execute("""
        SELECT year(p.date_of_death - INTERVAL 3 MONTH) AS fy, count(*),
               count(*) FILTER (WHERE EXISTS (SELECT 1 FROM spell s
                   WHERE s.person_id = p.person_id AND s.start_date <= p.date_of_death
                     AND s.end_date >= p.date_of_death))
        FROM person p WHERE p.date_of_death IS NOT NULL GROUP BY 1""").fetchall()
    readmitted = con.execute("""
        SELECT s.end_fy, count(*), count(*) FILTER (WHERE EXISTS (SELECT 1 FROM spell e
            WHERE e.person_id = s.person_id AND e.activity_id <> s.activity_id
              AND e.setting = 'acute_non_elective'
              AND e.start_date BETWEEN s.end_date AND s.end_date + 29
              AND NOT (e.primary_code >= 'C00' AND e.primary_code < 'C98'
                       OR e.primary_code LIKE 'O%' OR e.primary_code = 'Z511')))
        FROM spell s JOIN people USING (person_id) WHERE people.fy = s.end_fy
        GROUP BY 1""").fetchall()
    older = con.execute("""
        SELECT fy, least(age // 5, 18) AS band, count(*) FROM people WHERE age >= 65
        GROUP BY 1, 2""").fetchall()
    falls = con.execute("""
        SELECT people.fy, least(people.age // 5, 18) AS band, count(*)
        FROM spell s JOIN people ON s.person_id = people.person_id AND s.start_fy = people.fy
        WHERE people.age >= 65 AND s.setting = 'acute_non_elective' AND s.fall_cause
          AND (s.primary_code LIKE 'S%' OR s.primary_code LIKE 'T%')
        GROUP BY 1, 2""").fetchall()
    homes = dict(
        con.execute("""
        WITH rows AS (SELECT DISTINCT person_id, start_date FROM activity
                      WHERE activity_type IN ('care_home_residential', 'care_home_nursing')),
             first AS (SELECT r.person_id, year(r.start_date - INTERVAL 3 MONTH) AS fy
                       FROM rows r WHERE NOT EXISTS (SELECT 1 FROM rows b
                           WHERE b.person_id = r.person_id AND b.start_date < r.start_date
                             AND b.start_date >= r.start_date - 365))
        SELECT fy, count(*) FROM first JOIN people USING (person_id, fy)
        WHERE people.age >= 65 GROUP BY 1""").fetchall()
    )
    rows = []
    for fy, den, num in sorted(deaths):
        rows.append(["deaths_in_hospital", fy, num, den, round(100 * num / den, 1), "%"])
    for fy, den, num in sorted(readmitted):
        rows.append(["emergency_readmissions_30d", fy, num, den, round(100 * num / den, 1), "%"])
    bands = len(ESP2013_BANDS) - OLDER_BANDS
    for fy in sorted({r[0] for r in older}):
        pop, events = np.zeros(bands), np.zeros(bands)
        for _, band, n in (r for r in older if r[0] == fy):
            pop[band - OLDER_BANDS] = n
        for _, band, n in (r for r in falls if r[0] == fy):
            events[band - OLDER_BANDS] = n
        weights = ESP2013[OLDER_BANDS:]
        rates = np.divide(events, pop, out=np.zeros(bands), where=pop > 0)
        dsr = 100_000 * (weights * rates).sum() / weights[pop > 0].sum()
        rows.append(
            ["falls_admissions_65", fy, int(events.sum()), int(pop.sum()), round(dsr), "DSR"]
        )
        n = homes.get(fy, 0)
        per = round(100_000 * n / pop.sum())
        rows.append(["care_home_admissions_65", fy, n, int(pop.sum()), per, "per 100,000"])
    rows.sort(key=lambda r: (list(OUTCOME_TARGETS).index(r[0]), r[1]))
    for r in rows:
        r[1] = f"{r[1]}/{(r[1] + 1) % 100:02d}"
        r.append(OUTCOME_TARGETS[r[0]])
    return ReportSection(
        "Outcome indicators (as the outcomes library counts them; England figure beside)",
        ["indicator", "financial year", "numerator", "denominator", "generated", "unit", "England"],
        rows,
    )
