"""A small workspace with hand-made result tables, as the engine would leave them.

Numbers are chosen so that the report's headline figures are easy to check by hand:
2024/25 spend is £1,000,001 (pooled budget £1,000,000: £1 over), hospital settings take
£570,000.50 of it (57.0%), and 628 people are registered.
"""

from __future__ import annotations

import json
from datetime import datetime
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
    "hfrs_high BIGINT, charlson_mean DOUBLE",
    "high_intensity_users": "run_id VARCHAR, fy INTEGER, level VARCHAR, area_code VARCHAR, "
    "people BIGINT, hiu_people BIGINT, hiu_people_share DOUBLE, ae_share DOUBLE, "
    "emergency_admission_share DOUBLE, bed_day_share DOUBLE, cost_share DOUBLE",
}
SEGMENTS_2024 = [  # segment, name, people, cost
    (1, "Healthy", 400, "100000.00"),
    (3, "Acutely ill, likely to return to health", 150, "300000.00"),
    (4, "Chronic conditions, normal function", 60, "250000.00"),
    (8, "Long decline from frailty and dementia", 18, "350000.00"),
]
FRAILTY_2024 = [("85-89", 20, 20, 4, 2), ("90+", 5, 5, 1, 1), ("40-44", 413, 0, 0, 0)]
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
) -> None:
    """Write the result tables for one run (``scale`` multiplies money and people)."""
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
                    "(?, 2024, 'age_band', ?, ?, ?, ?, ?, 0.5)",
                    [run_id, band, people * scale, scored * scale, mid * scale, high * scale],
                )
        if "high_intensity_users" in tables:
            for level, area, people, users, *shares in HIU_2024:
                con.execute(
                    "INSERT INTO high_intensity_users VALUES (?, 2024, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [run_id, level, area, people * scale, users * scale, *shares],
                )
        con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, 'duckdb', '0.1.0', 'abc', '{}', ?)",
            [run_id, finished.replace(minute=0), finished, json.dumps(list(tables))],
        )
