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
from ..web.formatting import fy_label
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
        _outcomes(out, fys),
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
            fy_label(fy),
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
            fy_label(fy),
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


def _outcomes(out: Path, fys: list[int]) -> ReportSection:
    """Each year's whole-place value of the four indicators the generator models, computed by
    the engine itself (``engine.indicators`` and ``outcomes.values``) on the generated files,
    so that the report counts exactly as a run will. The first year's care-home admissions
    count every placement already running (no history before it)."""
    import ibis

    from ..engine.indicators import indicator_cells
    from ..engine.inputs import CANONICAL_TABLES, Inputs
    from ..outcomes.library import library
    from ..outcomes.values import indicator_values
    from ..place import load_place
    from ..workspace import place_tables

    place = load_place(out / "place.yaml")
    chosen = tuple(i for i in library() if i.id in OUTCOME_TARGETS)
    con = ibis.duckdb.connect()
    try:
        tables = {
            t: con.read_parquet(str(out / f"{t}.parquet"), table_name=t) for t in CANONICAL_TABLES
        }
        tables |= {n: con.create_table(n, t) for n, t in place_tables(place).items()}
        inputs = Inputs(**tables, fy=fys, health=place.population_health, indicators=chosen)
        cells = con.to_pyarrow(indicator_cells(inputs)).to_pandas()
    finally:
        con.disconnect()
    values = indicator_values(cells, chosen, place, min(fys))
    values = values[values.level == "place"]
    rows = []
    for r in values.itertuples():
        unit = {"dsr": "DSR", "proportion": "%"}.get(r.statistic, "per 100,000")
        value = None if np.isnan(r.value) else round(r.value, 1 if unit == "%" else None)
        rows.append(
            [
                r.indicator_id,
                fy_label(r.fy),
                int(r.numerator),
                int(r.denominator),
                value,
                unit,
                OUTCOME_TARGETS[r.indicator_id],
            ]
        )
    rows.sort(key=lambda r: (list(OUTCOME_TARGETS).index(r[0]), r[1]))
    return ReportSection(
        "Outcome indicators (as the outcomes library counts them; England figure beside)",
        ["indicator", "financial year", "numerator", "denominator", "generated", "unit", "England"],
        rows,
    )
