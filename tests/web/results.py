"""A small workspace with hand-made result tables, as the engine would leave them.

Numbers are chosen so that the report's headline figures are easy to check by hand:
2024/25 spend is £1,000,001 (pooled budget £1,000,000: £1 over), hospital settings take
£570,000.50 of it (57.0%), and 628 people are registered.

The money tables (:data:`MONEY_DDL`) agree with them: spend against budget, fair shares,
spend by month, concentration, the projection to 2030 and a risk-share settlement whose
parties' amounts add up to the total variance.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from oneplace.workspace import Workspace

PLACE_YAML = """\
name: Riverside Place
organisations:
  - {code: RAC, name: Riverside Hospitals NHS Trust, kind: acute_trust}
  - {code: RCT, name: Riverside Community Health, kind: community_trust}
  - {code: COU, name: Riverside Council, kind: council}
  - {code: IND, name: Independent Clinic Ltd, kind: other, partner: false}
  - {code: FED, name: Riverside GP Federation, kind: gp_federation}
localities:
  - {code: NORTH, name: Northgate & Hill, community_hub: Hill Health Centre}
  - {code: SOUTH, name: Southbank, community_hub: Quay Hub}
networks:
  - {code: N1, name: North PCN, locality: NORTH}
  - {code: N2, name: South PCN, locality: SOUTH}
practices:
  - {code: P1, name: Hill Surgery, network: N1, organisation: FED}
  - {code: P2, name: Quay Practice, network: N2, organisation: FED}
"""
BUDGET_YAML = """\
budgets:
  - year: 2024
    total_gbp: 1000000
    by_setting: {community: 300000}
"""

DDL = {
    "population": "run_id VARCHAR, fy INTEGER, age_band VARCHAR, sex VARCHAR, "
    "locality_code VARCHAR, imd_quintile INTEGER, people BIGINT",
    "spend": "run_id VARCHAR, fy INTEGER, setting VARCHAR, organisation_code VARCHAR, "
    "organisation_name VARCHAR, locality_code VARCHAR, cost_gbp DECIMAL(18,2), "
    "activities BIGINT, population BIGINT, cost_per_head DOUBLE",
    "hospital_share": "run_id VARCHAR, fy INTEGER, locality_code VARCHAR, "
    "hospital_gbp DECIMAL(18,2), total_gbp DECIMAL(18,2), hospital_share DOUBLE",
    "segments": "run_id VARCHAR, fy INTEGER, segment INTEGER, segment_name VARCHAR, "
    "people BIGINT, cost_gbp DECIMAL(38,2), cost_per_head DOUBLE",
    "population_health_summary": "run_id VARCHAR, fy INTEGER, dimension VARCHAR, "
    "group_code VARCHAR, people BIGINT, hfrs_scored BIGINT, hfrs_intermediate BIGINT, "
    "hfrs_high BIGINT, charlson_mean DOUBLE, charlson_3plus BIGINT, "
    "high_intensity_users BIGINT, cost_gbp DECIMAL(38,2)",
    "high_intensity_users": "run_id VARCHAR, fy INTEGER, level VARCHAR, area_code VARCHAR, "
    "people BIGINT, hiu_people BIGINT, hiu_people_share DOUBLE, ae_share DOUBLE, "
    "emergency_admission_share DOUBLE, bed_day_share DOUBLE, cost_share DOUBLE",
}
MONEY_DDL = {
    "spend_against_budget": "run_id VARCHAR, fy INTEGER, as_of DATE, year_complete BOOLEAN, "
    "level VARCHAR, code VARCHAR, name VARCHAR, budget_gbp DECIMAL(38,2), "
    "spend_to_date_gbp DECIMAL(38,2), prior_year_to_date_gbp DECIMAL(38,2), "
    "prior_year_gbp DECIMAL(38,2), forecast_gbp DECIMAL(38,2), forecast_method VARCHAR, "
    "variance_gbp DECIMAL(38,2), variance_pct DOUBLE",
    "fair_shares": "run_id VARCHAR, fy INTEGER, base_fy INTEGER, need_index VARCHAR, "
    "level VARCHAR, unit_code VARCHAR, unit_name VARCHAR, locality_code VARCHAR, "
    "setting VARCHAR, population BIGINT, weighted_population DOUBLE, need_per_head DOUBLE, "
    "target_gbp DECIMAL(38,2), actual_gbp DECIMAL(38,2), distance_gbp DECIMAL(38,2), "
    "distance_pct DOUBLE",
    "hospital_share_to_date": "run_id VARCHAR, fy INTEGER, as_of DATE, locality_code VARCHAR, "
    "hospital_gbp DECIMAL(38,2), total_gbp DECIMAL(38,2), hospital_share DOUBLE, "
    "prior_year_share DOUBLE, change_points DOUBLE, falling BOOLEAN",
    "spend_by_month": "run_id VARCHAR, fy INTEGER, month DATE, dimension VARCHAR, "
    "code VARCHAR, name VARCHAR, cost_gbp DECIMAL(38,2), hospital_gbp DECIMAL(38,2), "
    "population BIGINT, cost_per_head DOUBLE, hospital_share DOUBLE",
    "spend_concentration": "run_id VARCHAR, fy INTEGER, locality_code VARCHAR, "
    "top_pct INTEGER, people BIGINT, population BIGINT, cost_gbp DECIMAL(38,2), "
    "total_gbp DECIMAL(38,2), share_of_spend DOUBLE, threshold_gbp DECIMAL(38,2)",
    "budget_projection": "run_id VARCHAR, fy INTEGER, locality_code VARCHAR, "
    "population DOUBLE, population_growth_pct DOUBLE, need_gbp DECIMAL(38,2), "
    "budget_gbp DECIMAL(38,2), gap_gbp DECIMAL(38,2), gap_pct DOUBLE",
    "settlement": "run_id VARCHAR, fy INTEGER, agreement VARCHAR, party VARCHAR, "
    "party_name VARCHAR, party_kind VARCHAR, step INTEGER, rule VARCHAR, "
    "description VARCHAR, amount_gbp DECIMAL(38,2), memo BOOLEAN",
}
# 2024/25 against budget: level, code, name, budget, spend (the year's, as in SPEND_2024)
BUDGET_2024 = [
    ("place", "ALL", "Whole place", "1000000.00", "1000001.00"),
    ("setting", "acute_non_elective", "acute_non_elective", None, "500000.00"),
    ("setting", "community", "community", "300000.00", "250000.50"),
    ("setting", "social_care", "social_care", None, "180000.00"),
    ("setting", "outpatient", "outpatient", None, "70000.50"),
    ("locality", "NORTH", "Northgate & Hill", "520000.00", "500000.75"),
    ("locality", "SOUTH", "Southbank", "480000.00", "480000.25"),
    ("locality", "UNREGISTERED", "Not registered", None, "20000.00"),
    ("organisation", "RAC", "Riverside Hospitals NHS Trust", "560000.00", "550000.50"),
    ("organisation", "RCT", "Riverside Community Health", "240000.00", "250000.50"),
    ("organisation", "COU", "Riverside Council", "200000.00", "180000.00"),
    ("organisation", "IND", "Independent Clinic Ltd", None, "20000.00"),
]
PARTIAL_AS_OF = date(2024, 11, 30)
# Fair shares 2024/25 (setting 'ALL'): level, code, name, locality, people, need, target, actual
FAIR_SHARES_2024 = [
    ("place", "ALL", "Whole place", "ALL", 628, 1.0, "1000000.00", "1000001.00"),
    ("locality", "NORTH", "Northgate & Hill", "NORTH", 215, 1.25, "520000.00", "500000.75"),
    ("locality", "SOUTH", "Southbank", "SOUTH", 413, 0.87, "480000.00", "480000.25"),
    ("network", "N1", "North PCN", "NORTH", 215, 1.25, "520000.00", "500000.75"),
    ("network", "N2", "South PCN", "SOUTH", 413, 0.87, "480000.00", "480000.25"),
]
# Hospital share to date: fy, locality, hospital, total, prior-year share
HOSPITAL_TO_DATE = [
    (2023, "ALL", "513000.45", "900000.90", None),
    (2023, "NORTH", "315000.45", "450000.68", None),
    (2023, "SOUTH", "180000.00", "432000.23", None),
    (2024, "ALL", "570000.50", "1000001.00", 0.58),
    (2024, "NORTH", "350000.50", "500000.75", 0.65),
    (2024, "SOUTH", "200000.00", "480000.25", 0.4),
]
# Spend by month (spread evenly over the 12 months, the pennies left in March):
# dimension, code, name, people, 2024/25 spend, hospital share
MONTHLY = [
    ("place", "ALL", "Whole place", 628, "1000001.00", "0.57"),
    ("locality", "NORTH", "Northgate & Hill", 215, "500000.75", "0.7"),
    ("locality", "SOUTH", "Southbank", 413, "480000.25", "0.4"),
    ("segment", "1", "Healthy", 400, "100000.00", "0.3"),
    ("segment", "8", "Long decline from frailty and dementia", 18, "350000.00", "0.8"),
]
# Concentration 2024/25: locality, top %, people, population, their spend, all, threshold
CONCENTRATION_2024 = [
    ("ALL", 1, 7, 628, "196000.00", "980001.00", "20000.00"),
    ("ALL", 5, 32, 628, "490000.50", "980001.00", "5000.00"),
    ("NORTH", 1, 3, 215, "100000.00", "500000.75", "25000.00"),
    ("NORTH", 5, 11, 215, "250000.00", "500000.75", "6000.00"),
    ("SOUTH", 1, 5, 413, "90000.00", "480000.25", "15000.00"),
    ("SOUTH", 5, 21, 413, "200000.00", "480000.25", "4000.00"),
]
# The projection: fy, locality, population, growth %, need, budget
PROJECTION = [
    (2024, "ALL", 628.0, 0.0, "1010000.00", "1000000.00"),
    (2025, "ALL", 640.0, 1.91, "1060000.00", "1020000.00"),
    (2030, "ALL", 700.5, 11.54, "1300000.25", "1126162.42"),
    (2024, "NORTH", 215.0, 0.0, "530000.00", "520000.00"),
    (2030, "NORTH", 240.0, 11.63, "690000.00", "585604.46"),
    (2024, "SOUTH", 413.0, 0.0, "480000.00", "480000.00"),
    (2030, "SOUTH", 460.5, 11.5, "610000.25", "540557.96"),
]
# The settlement of 2024/25 (the commissioner COU has no position of its own): party, name,
# kind, [(rule, description, amount, memo)]. Variances: RAC +£9,999.50, RCT -£10,000.50, so
# the total is -£1.00, and the parties' final amounts (+4,000, -3,500, -1,000, +499) add to it.
SETTLEMENT_2024 = [
    (
        "RAC",
        "Riverside Hospitals NHS Trust",
        "partner",
        [
            (
                "R2",
                "Variance of £9,999.50 is beyond its band: £5,600.00 is its own",
                "5600.00",
                False,
            ),
            ("R2", "The rest, £4,399.50, passes to the pool", "4399.50", True),
            ("R4", "45% of the shared pooled loss of -£2,000.00", "-900.00", False),
            ("R6", "Quality gate: 85.1% of the net gain of £4,700.00 is paid", "-700.00", False),
        ],
    ),
    (
        "RCT",
        "Riverside Community Health",
        "partner",
        [
            (
                "R2",
                "Variance of -£10,000.50 is beyond its band: -£2,400.00 is its own",
                "-2400.00",
                False,
            ),
            ("R2", "The rest, -£7,600.50, passes to the pool", "-7600.50", True),
            ("R4", "55% of the shared pooled loss of -£2,000.00", "-1100.00", False),
        ],
    ),
    (
        "risk reserve",
        "Risk reserve",
        "reserve",
        [
            ("R1", "Top-sliced from the pool budget: 0.1% = £1,000.00", "1000.00", True),
            ("R3", "The reserve absorbs the pooled loss, up to its size", "-1000.00", False),
        ],
    ),
    (
        "COU",
        "Riverside Council",
        "commissioner",
        [
            ("R5", "Pooled loss beyond the shared band: the stop-loss", "-201.00", False),
            ("R6", "Gain withheld from RAC by the quality gate", "700.00", False),
            ("R3", "Unused risk reserve released to the commissioner: £0.00", "0.00", True),
        ],
    ),
]
SETTLEMENT_FINAL = {
    "RAC": "4000.00",
    "RCT": "-3500.00",
    "risk reserve": "-1000.00",
    "COU": "499.00",
}
SETTLEMENT_SYSTEM = [  # item, rule, amount
    ("Pool budget", "", "1000000.00"),
    ("Risk reserve top-sliced", "R1", "1000.00"),
    ("Total variance (allocated budget - actual spend)", "", "-1.00"),
    ("Passed to the pool", "R2", "-3201.00"),
    ("Absorbed by the risk reserve", "R3", "-1000.00"),
    ("Shared between the parties", "R4", "-2000.00"),
    ("Beyond the stop-loss, to the commissioner", "R5", "-201.00"),
    ("Withheld by the quality gate, to the commissioner", "R6", "700.00"),
    ("Borne by the partners", "", "500.00"),
    ("Borne by the commissioner", "", "499.00"),
    ("Borne by the risk reserve", "", "-1000.00"),
]
SEGMENTS_2024 = [  # segment, name, people, cost
    (1, "Healthy", 400, "100000.00"),
    (3, "Acutely ill, likely to return to health", 150, "300000.00"),
    (4, "Chronic conditions, normal function", 60, "250000.00"),
    (8, "Long decline from frailty and dementia", 18, "350000.00"),
]
FRAILTY_2024 = [("85-89", 20, 20, 4, 2), ("90+", 5, 5, 1, 1), ("40-44", 413, 0, 0, 0)]
UNITS_2024 = [  # dimension, code, people, scored, intermediate, high, charlson 3+, HIU, spend
    ("locality", "NORTH", 215, 20, 4, 2, 30, 4, "300000.00"),
    ("network", "N1", 215, 20, 4, 2, 30, 4, "300000.00"),
    ("practice", "P1", 215, 20, 4, 2, 30, 4, "300000.00"),
    ("locality", "SOUTH", 413, 5, 1, 1, 3, 2, "450000.00"),
    ("network", "N2", 413, 5, 1, 1, 3, 2, "450000.00"),
    ("practice", "P2", 413, 5, 1, 1, 3, 2, "450000.00"),
]
HIU_2024 = [  # level, area, people, users, shares (people, A&E, emergency, bed days, spend)
    ("place", "ALL", 628, 6, 0.0096, 0.16, 0.26, 0.3, 0.125),
    ("locality", "NORTH", 215, 4, 0.0186, 0.2, 0.3, 0.35, 0.15),
    ("locality", "SOUTH", 413, 2, 0.0048, 0.1, 0.2, 0.25, 0.1),
]

POPULATION_2024 = [  # age_band, sex, locality, imd_quintile, people
    ("0-4", "M", "NORTH", 1, 100),
    ("0-4", "F", "NORTH", 1, 90),
    ("90+", "M", "NORTH", 5, 5),
    ("85-89", "F", "NORTH", None, 20),
    ("40-44", "M", "SOUTH", 5, 200),
    ("40-44", "F", "SOUTH", 5, 210),
    ("40-44", "U", "SOUTH", 1, 3),
]
ORG_NAMES = {
    "RAC": "Riverside Hospitals NHS Trust",
    "RCT": "Riverside Community Health",
    "COU": "Riverside Council",
    "IND": "Independent Clinic Ltd",
}
SPEND_2024 = [  # setting, organisation, locality, cost, activities
    ("acute_non_elective", "RAC", "NORTH", "300000.00", 100),
    ("acute_non_elective", "RAC", "SOUTH", "200000.00", 70),
    ("outpatient", "RAC", "NORTH", "50000.50", 400),
    ("community", "RCT", "NORTH", "150000.25", 900),
    ("community", "RCT", "SOUTH", "100000.25", 700),
    ("social_care", "COU", "SOUTH", "180000.00", 50),
    ("outpatient", "IND", "UNREGISTERED", "20000.00", 90),
]
HOSPITAL = {
    "acute_non_elective",
    "acute_elective",
    "day_case",
    "outpatient",
    "emergency_department",
}


def insert_results(
    ws: Workspace,
    run_id: str,
    finished: datetime,
    scale: int = 1,
    tables: tuple[str, ...] = tuple(DDL),
    money: tuple[str, ...] = tuple(MONEY_DDL),
    partial: bool = False,
    budget: bool = True,
) -> None:
    """Write the result tables for one run (``scale`` multiplies money and people, except in
    the ``money`` tables; ``partial`` and ``budget``: see :func:`insert_money`)."""
    people_by_loc = {"NORTH": 215, "SOUTH": 413}
    with ws.connect() as con:
        for name in tables:
            con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({DDL[name]})')
        if "population" in tables:
            for fy in (2023, 2024):
                for band, sex, loc, imd, n in POPULATION_2024:
                    con.execute(
                        "INSERT INTO population VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [run_id, fy, band, sex, loc, imd, n * scale],
                    )
        rows = []
        for fy, factor in ((2022, Decimal("0.8")), (2023, Decimal("0.9")), (2024, Decimal(1))):
            for setting, org, loc, cost, acts in SPEND_2024:
                gbp = (Decimal(cost) * factor * scale).quantize(Decimal("0.01"))
                pop = people_by_loc.get(loc)
                rows.append((fy, setting, org, loc, gbp, acts))
                if "spend" in tables:
                    con.execute(
                        "INSERT INTO spend VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [
                            run_id,
                            fy,
                            setting,
                            org,
                            ORG_NAMES[org],
                            loc,
                            gbp,
                            acts * scale,
                            pop,
                            float(gbp) / pop if pop else None,
                        ],
                    )
        if "hospital_share" in tables:
            for fy in (2022, 2023, 2024):
                for loc in ("ALL", "NORTH", "SOUTH", "UNREGISTERED"):
                    mine = [r for r in rows if r[0] == fy and loc in ("ALL", r[3])]
                    hosp = sum((r[4] for r in mine if r[1] in HOSPITAL), Decimal(0))
                    total = sum((r[4] for r in mine), Decimal(0))
                    con.execute(
                        "INSERT INTO hospital_share VALUES (?, ?, ?, ?, ?, ?)",
                        [run_id, fy, loc, hosp, total, float(hosp / total)],
                    )
        if "segments" in tables:
            for seg, name, people, cost in SEGMENTS_2024:
                gbp = Decimal(cost) * scale
                con.execute(
                    "INSERT INTO segments VALUES (?, 2024, ?, ?, ?, ?, ?)",
                    [run_id, seg, name, people * scale, gbp, float(gbp) / people],
                )
        if "population_health_summary" in tables:
            for band, people, scored, mid, high in FRAILTY_2024:
                con.execute(
                    "INSERT INTO population_health_summary VALUES "
                    "(?, 2024, 'age_band', ?, ?, ?, ?, ?, 0.5, NULL, NULL, NULL)",
                    [run_id, band, people * scale, scored * scale, mid * scale, high * scale],
                )
            for dim, code, people, scored, mid, high, charlson, hiu, gbp in UNITS_2024:
                con.execute(
                    "INSERT INTO population_health_summary VALUES "
                    "(?, 2024, ?, ?, ?, ?, ?, ?, 1.0, ?, ?, ?)",
                    [
                        run_id,
                        dim,
                        code,
                        people * scale,
                        scored * scale,
                        mid * scale,
                        high * scale,
                        charlson * scale,
                        hiu * scale,
                        Decimal(gbp) * scale,
                    ],
                )
        if "high_intensity_users" in tables:
            for level, area, people, users, *shares in HIU_2024:
                con.execute(
                    "INSERT INTO high_intensity_users VALUES (?, 2024, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, level, area, people * scale, users * scale, *shares],
                )
        insert_money(con, run_id, money, partial, budget)
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, 'duckdb', '0.1.0', 'abc', '{}', ?)",
            [run_id, finished.replace(minute=0), finished, json.dumps(list(tables))],
        )


def _d(x: str | None) -> Decimal | None:
    return None if x is None else Decimal(x)


def _penny(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"))


def _insert(con, table: str, rows: list[list]) -> None:
    """All ``rows`` in one statement (row by row is slow in DuckDB)."""
    if rows:
        marks = ", ".join("(" + ", ".join("?" * len(r)) + ")" for r in rows)
        con.execute(f'INSERT INTO "{table}" VALUES {marks}', [v for r in rows for v in r])


def insert_money(
    con, run_id: str, tables: tuple[str, ...], partial: bool = False, budget: bool = True
) -> None:
    """The money result tables of one run (only those named in ``tables``). ``partial``:
    2024/25 is a year to date; ``budget=False``: the place has no pooled budget, so no
    budgets, fair shares, projection or settlement."""
    rows: dict[str, list[list]] = {name: [] for name in MONEY_DDL}
    as_of = PARTIAL_AS_OF if partial else date(2025, 3, 31)
    for level, code, name, budget_gbp, spend in BUDGET_2024:
        b, gbp = _d(budget_gbp) if budget else None, Decimal(spend)
        prior = _penny(gbp * Decimal("0.9"))
        variance = None if b is None else b - gbp
        rows["spend_against_budget"].append(
            [
                run_id,
                2024,
                as_of,
                not partial,
                level,
                code,
                name,
                b,
                _penny(gbp * 2 / 3) if partial else gbp,
                _penny(prior * 2 / 3) if partial else prior,
                prior,
                gbp,
                "prior_year_profile" if partial else "actual",
                variance,
                None if b is None else float(variance / b),
            ]
        )
    for level, code, name, loc, people, need, target, actual in FAIR_SHARES_2024 if budget else []:
        t, a = Decimal(target), Decimal(actual)
        for setting, share in (("ALL", 1), ("community", Decimal("0.3"))):
            rows["fair_shares"].append(
                [
                    run_id,
                    2024,
                    2023,
                    "deprivation",
                    level,
                    code,
                    name,
                    loc,
                    setting,
                    people,
                    people * need,
                    need,
                    _penny(t * share),
                    _penny(a * share),
                    _penny((a - t) * share),
                    float((a - t) / t),
                ]
            )
    for fy, loc, hospital, total, prior in HOSPITAL_TO_DATE:
        share = float(Decimal(hospital) / Decimal(total))
        rows["hospital_share_to_date"].append(
            [
                run_id,
                fy,
                as_of if fy == 2024 else date(2024, 3, 31),
                loc,
                Decimal(hospital),
                Decimal(total),
                share,
                prior,
                None if prior is None else 100 * (share - prior),
                None if prior is None else share < prior,
            ]
        )
    for fy, factor in ((2023, Decimal("0.9")), (2024, Decimal(1))):
        months = 8 if partial and fy == 2024 else 12
        for dim, code, name, people, year, share in MONTHLY:
            total = _penny(Decimal(year) * factor)
            each = (total / 12).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
            for i in range(months):
                gbp = total - 11 * each if i == 11 else each
                month = date(fy + (i + 3) // 12, (i + 3) % 12 + 1, 1)
                rows["spend_by_month"].append(
                    [
                        run_id,
                        fy,
                        month,
                        dim,
                        code,
                        name,
                        gbp,
                        _penny(gbp * Decimal(share)),
                        people,
                        float(gbp) / people,
                        float(share),
                    ]
                )
    for loc, top, people, population, cost, total, threshold in CONCENTRATION_2024:
        rows["spend_concentration"].append(
            [
                run_id,
                2024,
                loc,
                top,
                people,
                population,
                Decimal(cost),
                Decimal(total),
                float(Decimal(cost) / Decimal(total)),
                Decimal(threshold),
            ]
        )
    for fy, loc, people, growth, need, budget_gbp in PROJECTION if budget else []:
        gap = Decimal(budget_gbp) - Decimal(need)
        rows["budget_projection"].append(
            [
                run_id,
                fy,
                loc,
                people,
                growth,
                Decimal(need),
                Decimal(budget_gbp),
                gap,
                float(gap / Decimal(need)),
            ]
        )
    step = 0
    for party, name, kind, lines in SETTLEMENT_2024 if budget else []:
        for rule, text, amount, memo in lines:
            step += 1
            rows["settlement"].append(
                [run_id, 2024, "Riverside risk share", party, name, kind, step, rule, text]
                + [Decimal(amount), memo]
            )
    for i, (item, rule, amount) in enumerate((SETTLEMENT_SYSTEM if budget else []), start=1):
        rows["settlement"].append(
            [run_id, 2024, "Riverside risk share", "SYSTEM", "The system", "system", i, rule]
            + [item, Decimal(amount), False]
        )
    for name in tables:
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({MONEY_DDL[name]})')
        _insert(con, name, rows[name])


# -- outcomes ---------------------------------------------------------------------------------
# The outcomes tables of one run (contracts: oneplace.outcomes.values, .comparison and
# .framework), values computed with oneplace.stats from the counts below. Small counts are
# deliberate: Northgate & Hill (and its practice, Hill Surgery) has 3 non-elective admissions
# and 2 readmissions, and the least deprived fifth 4 readmissions, so a public page suppresses
# them and withholds their values; Northgate & Hill's monthly series has months under 5.
OUTCOMES_ORGANISATION = (
    "  - {code: ICB, name: Riverside Integrated Care Board, kind: commissioner}\n"
)
OUTCOMES_YAML = """\
risk_share:
  name: Riverside risk share
  settings: [acute_non_elective, community]
  commissioner: ICB
  parties:
    - {organisation: RAC, gain_share_pct: 50, loss_share_pct: 50}
    - {organisation: RCT, gain_share_pct: 50, loss_share_pct: 50}
  incurring_band_pct: 1
  quality_gate: {threshold: 0.8, floor: 0.3}
outcomes:
  incentive_pool_gbp: 1000
  indicators:
    - {id: non_elective_admissions, baseline: 80, target: 50, weight: 2}
    - {id: emergency_readmissions_30d, baseline: 15, target: 10, weight: 1, partners: [FED]}
"""
OUTCOMES_DDL = {
    "indicator_values": "run_id VARCHAR, indicator_id VARCHAR, indicator_name VARCHAR, "
    "statistic VARCHAR, fy INTEGER, level VARCHAR, unit_code VARCHAR, unit_name VARCHAR, "
    "people BIGINT, numerator DOUBLE, denominator DOUBLE, expected DOUBLE, value DOUBLE, "
    "lower95 DOUBLE, upper95 DOUBLE, lower998 DOUBLE, upper998 DOUBLE, method VARCHAR, "
    "comparison VARCHAR, rating VARCHAR, better VARCHAR",
    "indicator_spc": "run_id VARCHAR, indicator_id VARCHAR, locality_code VARCHAR, "
    "month DATE, fy INTEGER, numerator DOUBLE, denominator DOUBLE, value DOUBLE, mean DOUBLE, "
    "lower_limit DOUBLE, upper_limit DOUBLE, special_cause VARCHAR, rules VARCHAR, "
    "variation VARCHAR",
    "inequality_gaps": "run_id VARCHAR, indicator_id VARCHAR, indicator_name VARCHAR, "
    "fy INTEGER, most_deprived DOUBLE, least_deprived DOUBLE, absolute_gap DOUBLE, "
    "relative_gap DOUBLE, significant BOOLEAN, better VARCHAR",
    "outcome_scores": "run_id VARCHAR, fy INTEGER, indicator_id VARCHAR, "
    "indicator_name VARCHAR, direction VARCHAR, baseline DOUBLE, target DOUBLE, weight DOUBLE, "
    "value DOUBLE, attainment DOUBLE, rule VARCHAR",
    "incentive_payout": "run_id VARCHAR, fy INTEGER, indicator_id VARCHAR, "
    "organisation VARCHAR, organisation_name VARCHAR, kind VARCHAR, "
    "slice_gbp DECIMAL(38,2), amount_gbp DECIMAL(38,2), attainment DOUBLE, rule VARCHAR",
}


def outcomes_place_yaml(framework: bool = True) -> str:
    """The Riverside place with a commissioner (ICB) and, with ``framework``, the risk share
    and outcomes framework of OUTCOMES_YAML."""
    organisations = PLACE_YAML.index("localities:")
    text = PLACE_YAML[:organisations] + OUTCOMES_ORGANISATION + PLACE_YAML[organisations:]
    return text + BUDGET_YAML + (OUTCOMES_YAML if framework else "")


# indicator: [(level, code, name, people, numerator, denominator, expected, comparison,
# rating)] for 2024/25; 2023/24's numerators are 10% higher (the place's only).
INDICATOR_COUNTS = {
    "non_elective_admissions": [
        ("place", "ALL", "Riverside Place", 628, 40, 628, None, "", ""),
        ("locality", "NORTH", "Northgate & Hill", 215, 3, 215, None, "Low (0.025)", "better"),
        ("locality", "SOUTH", "Southbank", 413, 37, 413, None, "High (0.025)", "worse"),
        ("practice", "P1", "Hill Surgery", 215, 3, 215, None, "Low (0.025)", "better"),
        ("practice", "P2", "Quay Practice", 413, 37, 413, None, "High (0.001)", "worse"),
        ("imd_quintile", "1", "1 (most deprived)", 193, 30, 193, None, "High (0.001)", "worse"),
        ("imd_quintile", "5", "5 (least deprived)", 415, 19, 415, None, "Low (0.025)", "better"),
    ],
    "emergency_readmissions_30d": [
        ("place", "ALL", "Riverside Place", 628, 12, 80, None, "", ""),
        ("locality", "NORTH", "Northgate & Hill", 215, 2, 30, None, "Not significant", "similar"),
        ("locality", "SOUTH", "Southbank", 413, 10, 50, None, "Not significant", "similar"),
        ("practice", "P1", "Hill Surgery", 215, 2, 30, None, "Not significant", "similar"),
        ("practice", "P2", "Quay Practice", 413, 10, 50, None, "Not significant", "similar"),
        ("imd_quintile", "1", "1 (most deprived)", 193, 6, 25, None, "Not significant", "similar"),
        ("imd_quintile", "5", "5 (least deprived)", 415, 4, 50, None, "Not significant", "similar"),
    ],
    "acsc_chronic_admissions": [
        ("place", "ALL", "Riverside Place", 628, 12, 628, 12.0, "", ""),
        ("locality", "NORTH", "Northgate & Hill", 215, 5, 215, 4.0, "Not significant", "similar"),
        ("locality", "SOUTH", "Southbank", 413, 7, 413, 8.0, "Not significant", "similar"),
        ("practice", "P1", "Hill Surgery", 215, 5, 215, 4.0, "Not significant", "similar"),
        ("practice", "P2", "Quay Practice", 413, 7, 413, 8.0, "Not significant", "similar"),
    ],
    "spend_per_head": [
        ("place", "ALL", "Riverside Place", 628, 1000001.00, 628, None, "", ""),
        ("locality", "NORTH", "Northgate & Hill", 215, 500000.75, 215, None, "", ""),
        ("locality", "SOUTH", "Southbank", 413, 480000.25, 413, None, "", ""),
    ],
}
INDICATOR_STATISTICS = {
    "non_elective_admissions": ("rate", 1000, "lower"),
    "emergency_readmissions_30d": ("proportion", 100, "lower"),
    "acsc_chronic_admissions": ("isr_rate", 100000, "lower"),
    "spend_per_head": ("per_head", 1, "neither"),
}
OUTCOMES_POOL = Decimal("1000.00")
# Monthly non-elective admissions, April 2023 to March 2025: the place's, and Northgate &
# Hill's (months under 5); Southbank's are the place's less Northgate & Hill's.
SPC_PLACE = [6, 7, 8, 9, 6, 7, 8, 9, 6, 7, 8, 9, 7, 6, 8, 7, 9, 6, 8, 7, 12, 13, 14, 15]
SPC_NORTH = [1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2, 2, 1, 3, 2, 3, 1, 3, 2, 5, 6, 6, 7]


def _estimate(statistic: str, multiplier: float, n, d, e, crude: float) -> dict:
    from oneplace import stats

    if statistic == "per_head":
        return {"value": n / d * multiplier, "method": "ratio of sums (money: no limits)"}
    if statistic == "rate":
        est = stats.crude_rate([n], [d], multiplier)
    elif statistic == "proportion":
        est = stats.proportion([n], [d], multiplier)
    else:
        est = stats.isr_rate([n], [e], crude, multiplier)
    # Python values, not numpy's (DuckDB takes no numpy scalars).
    return {name: getattr(v[0], "item", lambda x=v[0]: x)() for name, v in est.columns()}


def outcome_value_rows(run_id: str) -> list[list]:
    rows = []
    for indicator, units in INDICATOR_COUNTS.items():
        statistic, multiplier, better = INDICATOR_STATISTICS[indicator]
        for fy, factor in ((2023, 1.1), (2024, 1.0)):
            for level, code, name, people, n, d, e, comparison, rating in units:
                if fy == 2023 and level != "place":
                    continue
                n = round(n * factor, 2) if statistic == "per_head" else round(n * factor)
                est = _estimate(statistic, multiplier, n, d, e, crude=12 / 628)
                rows.append(
                    [run_id, indicator, indicator.replace("_", " "), statistic, fy, level]
                    + [code, name, people, float(n), float(d), e, est["value"]]
                    + [est.get(c) for c in ("lower95", "upper95", "lower998", "upper998")]
                    + [est["method"], comparison, rating, better]
                )
    return rows


def _variation(high: bool, low: bool) -> str:
    return "concern" if high else "improvement" if low else "common cause"


def outcome_spc_rows(run_id: str) -> list[list]:
    from oneplace import stats

    south = [p - n for p, n in zip(SPC_PLACE, SPC_NORTH, strict=True)]
    rows = []
    for code, people, counts in (("ALL", 628, SPC_PLACE), ("NORTH", 215, SPC_NORTH)):
        rows += _spc(run_id, code, people, counts, stats)
    return rows + _spc(run_id, "SOUTH", 413, south, stats)


def _spc(run_id: str, code: str, people: int, counts: list[int], stats) -> list[list]:
    values = [n / people * 1000 for n in counts]  # per 1,000
    chart = stats.xmr(values)
    out = []
    for i, (n, v) in enumerate(zip(counts, values, strict=True)):
        month = date(2023 + (i + 3) // 12, (i + 3) % 12 + 1, 1)
        fy = month.year if month.month >= 4 else month.year - 1
        high, low = bool(chart.high[i]), bool(chart.low[i])
        out.append(
            [run_id, "non_elective_admissions", code, month, fy, float(n), float(people), v]
            + [float(chart.mean), float(chart.lower_limit), float(chart.upper_limit)]
            + ["high" if high else "low" if low else "", str(chart.rules[i]), _variation(high, low)]
        )
    return out


def insert_outcomes(ws: Workspace, run_id: str, framework: bool = True) -> None:
    """The outcomes tables of one run; ``framework``: the place file declares OUTCOMES_YAML's
    framework, so there are scores and a payout (else both tables are empty)."""
    from oneplace.outcomes.framework import indicators_of_place, payout, scores

    values = outcome_value_rows(run_id)
    place_values = {(r[4], r[1]): r[12] for r in values if r[5] == "place"}
    gaps = []
    for indicator in INDICATOR_COUNTS:
        q = {r[6]: r for r in values if r[1] == indicator and r[5] == "imd_quintile"}
        if "1" in q and "5" in q:
            most, least = q["1"], q["5"]
            apart = bool(most[13] > least[14] or most[14] < least[13])
            gaps.append(
                [run_id, indicator, indicator, 2024, most[12], least[12], most[12] - least[12]]
                + [most[12] / least[12], apart, most[20]]
            )
    rows = {
        "indicator_values": values,
        "indicator_spc": outcome_spc_rows(run_id),
        "inequality_gaps": gaps,
        "outcome_scores": [],
        "incentive_payout": [],
    }
    place = ws.place
    if framework:
        defs = {i.id: i for i in indicators_of_place(place)}
        scored = scores(place.outcomes, defs, place_values, [2023, 2024])
        rows["outcome_scores"] = [[run_id, *r.values()] for r in scored]
        paid = payout(place, scored, [2023, 2024])
        columns = ["fy", "indicator_id", "organisation", "organisation_name", "kind"]
        columns += ["slice_gbp", "amount_gbp", "attainment", "rule"]
        rows["incentive_payout"] = [[run_id, *(r[c] for c in columns)] for r in paid]
    with ws.connect() as con:
        for name, ddl in OUTCOMES_DDL.items():
            con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({ddl})')
            _insert(con, name, rows[name])
