"""The synthetic partnership: a place shaped like Barking and Dagenham, Havering and Redbridge.

Seeds 003/004 describe the BHR accountable care partnership: three boroughs, each a locality
with a community hub, primary care networks of 8-15 practices, eight partner organisations and
a pooled budget. Practice list sizes are drawn from a lognormal (London mean about 8,000-9,000,
most between 3,000 and 20,000); at 800,000 people the place has about 100 practices. At small
sizes the structure scales down in proportion, keeping three localities and at least one
network and practice in each.

Eight partners (seed 003): the commissioner, the acute trust (BHRUT), the mental health and
community trust (NELFT), three councils, the GP federation and the voluntary sector
alliance; London Ambulance Service and Barts Health (out-of-area care) are non-partners.
The place file also holds pooled budgets, a risk-share agreement and an outcomes framework.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from ..place import Budget, Locality, Network, Organisation, Place, Practice

MEAN_LIST_SIZE = 8_000
LIST_SIZE_SIGMA = 0.4
PRACTICES_PER_NETWORK = 11

# (lad_code, locality code, locality name, community hub, council code, council name)
BOROUGHS = (
    (
        "E09000002",
        "BD",
        "Barking and Dagenham",
        "Barking Community Hospital hub",
        "E09000002",
        "London Borough of Barking and Dagenham",
    ),
    (
        "E09000016",
        "HAV",
        "Havering",
        "Harold Wood Polyclinic hub",
        "E09000016",
        "London Borough of Havering",
    ),
    (
        "E09000026",
        "RED",
        "Redbridge",
        "King George Hospital community hub",
        "E09000026",
        "London Borough of Redbridge",
    ),
)

COMMISSIONER = "QMF"
ACUTE = "RF4"
OUT_OF_AREA_ACUTE = "R1H"
MENTAL_HEALTH = "RAT"
COMMUNITY = MENTAL_HEALTH  # NELFT runs BHR community health services as well
GP_FEDERATION = "BHRGPF"
VOLUNTARY = "BHRVSA"
AMBULANCE = "RRU"

ORGANISATIONS = (
    (COMMISSIONER, "NHS North East London (BHR)", "commissioner", True),
    (ACUTE, "Barking, Havering and Redbridge University Hospitals NHS Trust", "acute_trust", True),
    (
        MENTAL_HEALTH,
        "North East London NHS Foundation Trust (mental health and community)",
        "mental_health_trust",
        True,
    ),
    *((b[4], b[5], "council", True) for b in BOROUGHS),
    (GP_FEDERATION, "BHR GP Federation", "gp_federation", True),
    (VOLUNTARY, "BHR Voluntary Sector Alliance", "voluntary_sector", True),
    (AMBULANCE, "London Ambulance Service NHS Trust", "ambulance_trust", False),
    (OUT_OF_AREA_ACUTE, "Barts Health NHS Trust (out-of-area care)", "acute_trust", False),
)


@dataclass
class PlaceFrame:
    """The place's structure as arrays, for assigning people to practices."""

    practice_codes: list[str]
    practice_borough: np.ndarray  # borough index of each practice
    practice_weight: np.ndarray  # relative list size
    place: Place  # without budgets


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(np.int64)
    short = total - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:short]] += 1
    return out


def build_place(people_by_borough: np.ndarray, rng: np.random.Generator) -> PlaceFrame:
    """Localities, networks and practices sized for ``people_by_borough`` (three counts)."""
    orgs = [Organisation(code=c, name=n, kind=k, partner=p) for c, n, k, p in ORGANISATIONS]
    localities, networks, practices = [], [], []
    codes: list[str] = []
    borough_of, weight_of = [], []
    used = set()
    for b, (lad, loc, name, hub, _, _) in enumerate(BOROUGHS):
        localities.append(Locality(code=loc, name=name, community_hub=hub, lad_code=lad))
        n_prac = max(2, int(round(people_by_borough[b] / MEAN_LIST_SIZE)))
        n_net = max(1, int(round(n_prac / PRACTICES_PER_NETWORK)))
        sizes = rng.lognormal(0.0, LIST_SIZE_SIGMA, n_prac)
        for k, members in enumerate(np.array_split(np.arange(n_prac), n_net)):
            net = f"{loc}-PCN{k + 1}"
            networks.append(Network(code=net, name=f"{name} PCN {k + 1}", locality=loc))
            for _ in members:
                while True:  # ODS-style code: letter + 5 digits, unique
                    code = f"F{int(rng.integers(80000, 90000))}"
                    if code not in used:
                        used.add(code)
                        break
                practices.append(
                    Practice(
                        code=code,
                        name=f"{name} Practice {len(codes) + 1}",
                        network=net,
                        organisation=GP_FEDERATION,
                    )
                )
                codes.append(code)
                borough_of.append(b)
        weight_of.extend(sizes.tolist())
    place = Place(
        name="Barking and Dagenham, Havering and Redbridge (synthetic)",
        organisations=orgs,
        localities=localities,
        networks=networks,
        practices=practices,
    )
    return PlaceFrame(codes, np.array(borough_of), np.array(weight_of), place)


def with_budgets(
    place: Place,
    spend_by_setting: dict[int, dict[str, int]],
    spend_by_org: dict[int, dict[str, int]],
    rng: np.random.Generator,
) -> Place:
    """Add a pooled budget per financial year, sized close to the year's spend (in pence).

    Each setting's allocation is its spend times a planning factor between 0.98 and 1.03
    (budgets are set before the year); the total is the sum of the setting allocations. Each
    partner organisation's allocation is its spend times the year's factor and its own factor
    between 0.97 and 1.03, so that some partners overspend and others underspend.
    """
    budgets = []
    for year in sorted(spend_by_setting):
        factor = Decimal(str(round(float(rng.uniform(0.98, 1.03)), 4)))
        by_setting = {
            s: (Decimal(p) / 100 * factor).quantize(Decimal("1"))
            for s, p in sorted(spend_by_setting[year].items())
        }
        total = sum(by_setting.values(), Decimal(0))
        partners = {o.code for o in place.organisations if o.partner}
        by_org = {}
        for o, p in sorted(spend_by_org[year].items()):
            if o in partners:
                own = Decimal(str(round(float(rng.uniform(0.97, 1.03)), 4)))
                by_org[o] = min(total, (Decimal(p) / 100 * factor * own).quantize(Decimal("1")))
        budgets.append(
            Budget(year=year, total_gbp=total, by_setting=by_setting, by_organisation=by_org)
        )
    data = place.model_dump(mode="python")
    data["budgets"] = [b.model_dump(mode="python") for b in budgets]
    data["finance"] = FINANCE
    data["risk_share"] = risk_share()
    data["outcomes"] = outcomes_framework()
    return Place.model_validate(data)


def risk_share() -> dict:
    """An illustrative agreement (METHODS.md 2.1: every parameter is set locally): the
    partners pool every setting but ambulance care; each bears its own variance up to 1% of
    its budget, the pool shares the next 3% of the pool budget and the commissioner bears the
    rest; 0.5% of the pool is held back as a risk reserve; gains are paid in full at an
    outcomes score of 0.8, scaled down to nothing at 0.5. The score is the outcomes
    framework's overall score of the year (:func:`outcomes_framework`)."""
    councils = [b[4] for b in BOROUGHS]
    parties = [
        (ACUTE, "35", "40"),
        (MENTAL_HEALTH, "20", "20"),
        (GP_FEDERATION, "10", "5"),
        *((c, "5", "5") for c in councils),
        (VOLUNTARY, "0", "0"),
        (COMMISSIONER, "20", "20"),
    ]
    return {
        "name": "BHR integrated care risk share",
        "settings": [
            "acute_non_elective",
            "acute_elective",
            "day_case",
            "outpatient",
            "emergency_department",
            "community",
            "mental_health",
            "primary_care",
            "prescribing",
            "social_care",
            "voluntary_sector",
        ],
        "commissioner": COMMISSIONER,
        "risk_reserve_pct": Decimal("0.5"),
        "shares": "fixed",
        "parties": [
            {"organisation": o, "gain_share_pct": Decimal(g), "loss_share_pct": Decimal(loss)}
            for o, g, loss in parties
        ],
        "incurring_band_pct": Decimal("1"),
        "shared_band_pct": Decimal("3"),
        "gain_cap_pct": Decimal("3"),
        "loss_collar_pct": Decimal("3"),
        "quality_gate": {"threshold": Decimal("0.8"), "floor": Decimal("0.5")},
    }


# The outcomes framework: (indicator, baseline, target, weight). Baselines are the synthetic
# place's values in its first year (2022/23; `oneplace synth --people 50000 --seed 1 --years
# 3`, then `oneplace run`), rounded; targets are 5-10% better. Care-home admissions take the
# second year's value: in the first year of the data every placement already running looks
# like an admission (no history before it), about three times the true rate.
OUTCOMES = (
    ("non_elective_admissions", 88.9, 84.5, 15),  # per 1,000
    ("acsc_chronic_admissions", 645.0, 595.0, 15),  # per 100,000, indirectly standardised
    ("emergency_readmissions_30d", 14.6, 13.6, 15),  # % of discharges
    ("falls_admissions_65", 2100.0, 1950.0, 10),  # per 100,000 aged 65+, DSR
    ("care_home_admissions_65", 545.0, 500.0, 10),  # per 100,000 aged 65+ (2023/24)
    ("deaths_in_hospital", 43.0, 40.0, 10),  # % of deaths
    ("high_intensity_users", 1.35, 1.26, 10),  # % of registered people
    ("hospital_share_of_spend", 47.4, 45.0, 15),  # % of spend
)


def outcomes_framework() -> dict:
    """The partnership's outcomes framework (seed 001: "an outcome based framework"; seed 004:
    responsible "for the cost and quality of care"): the measures a partnership like BHR was
    held to through the Better Care Fund, the NHS and adult social care outcomes frameworks and
    the public health outcomes framework (emergency admissions, chronic ACSC admissions,
    readmissions, falls, permanent care-home admissions, deaths in hospital), with high-intensity
    use of A&E and the share of money spent in hospitals (seed 004: most of the budget goes on
    hospital care). An incentive pool of 1% of each year's pooled budget is paid out by
    attainment to the partners of the risk share."""
    return {
        "indicators": [
            {
                "id": ind,
                "baseline": base,
                "target": target,
                "weight": Decimal(weight),
            }
            for ind, base, target, weight in OUTCOMES
        ],
        "incentive_pool_pct": Decimal("1"),
    }


# Growth assumptions for the projection to 2030. The seeds expect the three boroughs'
# population to rise by 19-28% between 2016 and 2030 (1.3-1.8% a year); older people grow
# fastest. Budget growth is a flat cash uplift; cost growth is NHS cost inflation.
FINANCE = {
    "fair_shares": {"need_index": "deprivation"},
    "projection": {
        "to_year": 2030,
        "population_growth_pct": {
            **{band: Decimal("1.5") for band in ("0-4", "5-9", "10-14", "15-19")},
            "65-69": Decimal("2.2"),
            "70-74": Decimal("2.6"),
            "75-79": Decimal("3.0"),
            "80-84": Decimal("3.2"),
            "85-89": Decimal("3.6"),
            "90+": Decimal("4.0"),
            "default": Decimal("1.3"),
        },
        "budget_growth_pct": Decimal("2.0"),
        "cost_growth_pct": Decimal("2.5"),
    },
}
