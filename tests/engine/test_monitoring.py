"""Spec tests for ``spend_against_budget`` and ``hospital_share_to_date``: spend to date,
forecast outturn and variance against the budgets, and whether the hospital share of spend is
falling. One rule per spec, numbers worked by hand in the comments; run on Spark in
tests/parity.

Day counts: 2024/25 has 365 days (1 April 2024 to 31 March 2025); 2023/24 has 366.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal as D

import pytest

from oneplace.engine import hospital_share_to_date, spend_against_budget

from .spec import Spec, act, cases, check, person, reg, where

PLACE = where(spend_against_budget, level="place")
A_AT_P1 = {"person": [person("a")], "registration": [reg("a", "P1", "2000-01-01")]}


def budget(year: int, total: str, **splits) -> dict:
    return {"year": year, "total_gbp": D(total), **splits}


def outpatient(aid: str, day: str, cost: str, pid: str = "a") -> dict:
    return act(aid, pid, "ACUTE", "outpatient", day, cost)


def community(aid: str, day: str, cost: str, pid: str = "a") -> dict:
    return act(aid, pid, "COMM", "community", day, cost)


def _a(*activity: dict) -> dict:
    return {**A_AT_P1, "activity": list(activity)}


# A whole year (activity on 31 March 2025): £500 of outpatients at the acute trust and £200
# of community services.
WHOLE_YEAR = _a(outpatient("1", "2024-06-01", "500.00"), community("2", "2025-03-31", "200.00"))
# Two months: £61 on 1 April and £61 on 31 May 2024 (day 60, so 61 days elapsed).
TWO_MONTHS = _a(outpatient("1", "2024-04-01", "61.00"), outpatient("2", "2024-05-31", "61.00"))

SPECS = [
    Spec(
        "a complete year's forecast is its spend (method actual)",
        PLACE,
        WHOLE_YEAR,
        [
            {
                "fy": 2024,
                "as_of": date(2025, 3, 31),
                "year_complete": True,
                "spend_to_date_gbp": D("700.00"),
                "prior_year_to_date_gbp": None,
                "prior_year_gbp": None,
                "forecast_gbp": D("700.00"),
                "forecast_method": "actual",
            }
        ],
    ),
    # 2023's last activity is on 1 June 2023, but the run has 2024 activity.
    Spec(
        "a year is complete when the run has activity in a later year",
        where(spend_against_budget, level="place", fy=2023),
        _a(outpatient("1", "2023-06-01", "100.00"), outpatient("2", "2024-05-01", "50.00")),
        [
            {
                "as_of": date(2024, 3, 31),
                "year_complete": True,
                "forecast_gbp": D("100.00"),
                "forecast_method": "actual",
            }
        ],
        fy=(2023, 2024),
    ),
    # 2024 to 15 April (day 14): £120. 2023 to 15 April: £100 (10th) + £50 (15th, the same
    # day counts) = £150; the 16th (£70) and December (£280) are after; the whole of 2023 is
    # £500. Forecast = 120 x 500 / 150 = £400.00.
    Spec(
        "a year to date with a prior year is forecast by the prior year's profile",
        where(spend_against_budget, level="place", fy=2024),
        _a(
            outpatient("1", "2023-04-10", "100.00"),
            outpatient("2", "2023-04-15", "50.00"),
            outpatient("3", "2023-04-16", "70.00"),
            outpatient("4", "2023-12-01", "280.00"),
            outpatient("5", "2024-04-15", "120.00"),
        ),
        [
            {
                "as_of": date(2024, 4, 15),
                "year_complete": False,
                "spend_to_date_gbp": D("120.00"),
                "prior_year_to_date_gbp": D("150.00"),
                "prior_year_gbp": D("500.00"),
                "forecast_gbp": D("400.00"),
                "forecast_method": "prior_year_profile",
            }
        ],
        fy=(2023, 2024),
    ),
    # £122 in the first 61 days of a 365-day year: 122 x 365 / 61 = £730.00.
    Spec(
        "a year to date without a prior year is forecast at the daily run rate",
        PLACE,
        TWO_MONTHS,
        [
            {
                "as_of": date(2024, 5, 31),
                "year_complete": False,
                "spend_to_date_gbp": D("122.00"),
                "prior_year_to_date_gbp": None,
                "prior_year_gbp": None,
                "forecast_gbp": D("730.00"),
                "forecast_method": "run_rate",
            }
        ],
    ),
    # 2023's only spend is in December, after the same period (to 31 May): no profile, so
    # the run rate, £730.00, as above.
    Spec(
        "a year to date whose prior year had no spend in the period uses the run rate",
        where(spend_against_budget, level="place", fy=2024),
        {
            **TWO_MONTHS,
            "activity": [*TWO_MONTHS["activity"], outpatient("3", "2023-12-01", "300.00")],
        },
        [
            {
                "prior_year_to_date_gbp": D("0.00"),
                "prior_year_gbp": D("300.00"),
                "forecast_gbp": D("730.00"),
                "forecast_method": "run_rate",
            }
        ],
        fy=(2023, 2024),
    ),
    # The run has 2022 and 2024 but not 2023: 2024 has no prior year (the run-rate spec).
    Spec(
        "the prior-year columns are NULL when the year before is not in the run",
        where(spend_against_budget, level="place", fy=2024),
        {
            **TWO_MONTHS,
            "activity": [*TWO_MONTHS["activity"], outpatient("3", "2022-06-01", "100.00")],
        },
        [
            {
                "prior_year_to_date_gbp": None,
                "prior_year_gbp": None,
                "forecast_gbp": D("730.00"),
                "forecast_method": "run_rate",
            }
        ],
        fy=(2022, 2024),
    ),
    # The £1000 on 15 June is after the as-of date, 31 May: as the run-rate spec.
    Spec(
        "finance.as_of leaves later activity out and is the cut-off",
        PLACE,
        {
            **TWO_MONTHS,
            "activity": [*TWO_MONTHS["activity"], outpatient("3", "2024-06-15", "1000.00")],
        },
        [
            {
                "as_of": date(2024, 5, 31),
                "year_complete": False,
                "spend_to_date_gbp": D("122.00"),
                "forecast_gbp": D("730.00"),
                "forecast_method": "run_rate",
            }
        ],
        finance={"as_of": "2024-05-31"},
    ),
    # As of 29 June (day 89: 90 days elapsed), with nothing after 31 May counted:
    # 122 x 365 / 90 = 494.777... -> £494.78.
    Spec(
        "finance.as_of is the cut-off even when no activity falls on it",
        PLACE,
        {
            **TWO_MONTHS,
            "activity": [*TWO_MONTHS["activity"], outpatient("3", "2024-07-01", "1000.00")],
        },
        [
            {
                "as_of": date(2024, 6, 29),
                "year_complete": False,
                "spend_to_date_gbp": D("122.00"),
                "forecast_gbp": D("494.78"),
                "forecast_method": "run_rate",
            }
        ],
        finance={"as_of": "2024-06-29"},
    ),
    # As of 31 March 2025, the year's last day, though the last activity was on 1 June.
    Spec(
        "finance.as_of on 31 March makes the year complete",
        PLACE,
        _a(outpatient("1", "2024-06-01", "100.00")),
        [
            {
                "as_of": date(2025, 3, 31),
                "year_complete": True,
                "forecast_gbp": D("100.00"),
                "forecast_method": "actual",
            }
        ],
        finance={"as_of": "2025-03-31"},
    ),
    # 2024 is complete; 2023 (a leap year's 2023/24) had £100 in June and £40 on 31 March
    # 2024, its 366th day: the prior year to date is all £140.
    Spec(
        "a complete year is compared with the whole prior year",
        where(spend_against_budget, level="place", fy=2024),
        _a(
            outpatient("1", "2023-06-01", "100.00"),
            outpatient("2", "2024-03-31", "40.00"),
            outpatient("3", "2024-06-01", "200.00"),
            outpatient("4", "2025-03-31", "10.00"),
        ),
        [{"prior_year_to_date_gbp": D("140.00"), "prior_year_gbp": D("140.00")}],
        fy=(2023, 2024),
    ),
    # Budget £1000, spend £700 in a complete year: variance 300, 300 / 1000 = 0.3.
    Spec(
        "the place's budget is the pooled total_gbp",
        PLACE,
        WHOLE_YEAR,
        [
            {
                "code": "ALL",
                "name": "Whole place",
                "budget_gbp": D("1000.00"),
                "forecast_gbp": D("700.00"),
                "variance_gbp": D("300.00"),
                "variance_pct": 0.3,
            }
        ],
        budgets=(budget(2024, "1000.00"),),
    ),
    # Outpatients: budget £600, spend £500, variance 100, 100 / 600. Community has no
    # by_setting amount: no budget, no variance.
    Spec(
        "a setting's budget is its by_setting amount",
        where(spend_against_budget, level="setting"),
        WHOLE_YEAR,
        [
            {
                "code": "outpatient",
                "budget_gbp": D("600.00"),
                "forecast_gbp": D("500.00"),
                "variance_gbp": D("100.00"),
                "variance_pct": 100 / 600,
            },
            {
                "code": "community",
                "budget_gbp": None,
                "forecast_gbp": D("200.00"),
                "variance_gbp": None,
                "variance_pct": None,
            },
        ],
        budgets=(budget(2024, "1000.00", by_setting={"outpatient": D("600.00")}),),
    ),
    # The acute trust: budget £700, spend £500, variance 200, 200 / 700.
    Spec(
        "a partner organisation's budget is its by_organisation amount",
        where(spend_against_budget, level="organisation"),
        WHOLE_YEAR,
        [
            {
                "code": "ACUTE",
                "name": "Tiny Hospitals Trust",
                "budget_gbp": D("700.00"),
                "variance_gbp": D("200.00"),
                "variance_pct": 200 / 700,
            },
            {
                "code": "COMM",
                "name": "Tiny Community Trust",
                "budget_gbp": None,
                "variance_gbp": None,
                "variance_pct": None,
            },
        ],
        budgets=(budget(2024, "1000.00", by_organisation={"ACUTE": D("700.00")}),),
    ),
    # The council has a £100 budget and no spend: spend and forecast 0, variance £100.
    Spec(
        "a budgeted organisation with no spend still appears",
        where(spend_against_budget, level="organisation", code="LA"),
        WHOLE_YEAR,
        [
            {
                "name": "Tiny Council",
                "budget_gbp": D("100.00"),
                "spend_to_date_gbp": D("0.00"),
                "forecast_gbp": D("0.00"),
                "variance_gbp": D("100.00"),
                "variance_pct": 1.0,
            }
        ],
        budgets=(budget(2024, "1000.00", by_organisation={"LA": D("100.00")}),),
    ),
    # Fair shares of £1000 (base year 2024: the 70-74 woman at P1 cost £300, the 30-34 one
    # at P2 £100): NORTH £750, SOUTH £250. Variance: 750 - 300 = 450, 250 - 100 = 150.
    Spec(
        "a locality's budget is its fair-share target",
        where(spend_against_budget, level="locality"),
        {
            "person": [person("o", yob=1953), person("y", yob=1993)],
            "registration": [reg("o", "P1", "2000-01-01"), reg("y", "P2", "2000-01-01")],
            "activity": [
                outpatient("1", "2024-06-01", "300.00", pid="o"),
                outpatient("2", "2025-03-31", "100.00", pid="y"),
            ],
        },
        [
            {
                "code": "NORTH",
                "name": "North",
                "budget_gbp": D("750.00"),
                "forecast_gbp": D("300.00"),
                "variance_gbp": D("450.00"),
            },
            {
                "code": "SOUTH",
                "name": "South",
                "budget_gbp": D("250.00"),
                "forecast_gbp": D("100.00"),
                "variance_gbp": D("150.00"),
            },
        ],
        budgets=(budget(2024, "1000.00"),),
    ),
    # Forecast £730.00 (the run-rate spec) against £1000: variance 270, 270 / 1000 = 0.27.
    Spec(
        "variance is budget - forecast, and as a share of the budget",
        PLACE,
        TWO_MONTHS,
        [
            {
                "budget_gbp": D("1000.00"),
                "forecast_gbp": D("730.00"),
                "variance_gbp": D("270.00"),
                "variance_pct": 0.27,
            }
        ],
        budgets=(budget(2024, "1000.00"),),
    ),
]

# Hospital share to date. 2023, to 15 April (day 14): a (NORTH) £300 outpatients, £100
# community: 0.75; b (SOUTH) £100 outpatients, £300 community: 0.25; the place 400 / 800 =
# 0.5. a's £1000 of outpatients in October 2023 is after the same period. 2024, to 15 April:
# each £100 outpatients and £100 community: 0.5 everywhere.
SHARES = {
    "person": [person("a"), person("b")],
    "registration": [reg("a", "P1", "2000-01-01"), reg("b", "P2", "2000-01-01")],
    "activity": [
        outpatient("1", "2023-04-10", "300.00"),
        community("2", "2023-04-12", "100.00"),
        outpatient("3", "2023-10-01", "1000.00"),
        community("4", "2023-04-10", "300.00", pid="b"),
        outpatient("5", "2023-04-12", "100.00", pid="b"),
        outpatient("6", "2024-04-05", "100.00"),
        community("7", "2024-04-15", "100.00"),
        outpatient("8", "2024-04-05", "100.00", pid="b"),
        community("9", "2024-04-15", "100.00", pid="b"),
    ],
}


def _share(code: str, hospital: str, total: str, prior, change, falling) -> dict:
    return {
        "as_of": date(2024, 4, 15),
        "locality_code": code,
        "hospital_gbp": D(hospital),
        "total_gbp": D(total),
        "hospital_share": 0.5,
        "prior_year_share": prior,
        "change_points": change,
        "falling": falling,
    }


SPECS += [
    Spec(
        "the hospital share to date is compared with the same period of the prior year, "
        "falling when lower",
        where(hospital_share_to_date, fy=2024),
        SHARES,
        [
            _share("NORTH", "100.00", "200.00", 0.75, -25.0, True),
            _share("SOUTH", "100.00", "200.00", 0.25, 25.0, False),
            _share("ALL", "200.00", "400.00", 0.5, 0.0, False),
        ],
        fy=(2023, 2024),
    ),
    Spec(
        "without a prior year the prior share, change and falling are NULL",
        hospital_share_to_date,
        {**SHARES, "activity": SHARES["activity"][5:]},
        [
            _share("NORTH", "100.00", "200.00", None, None, None),
            _share("SOUTH", "100.00", "200.00", None, None, None),
            _share("ALL", "200.00", "400.00", None, None, None),
        ],
    ),
]

# A complete 2024/25 after a leap year: 2023/24's last day (31 March 2024) is its day 365,
# one past 2024/25's last day (364). Prior year: £100 hospital of £200 = 0.5; this year £50 of
# £100 = 0.5. Compared day by day the prior year would lose 31 March and read 0.0.
SPECS += [
    Spec(
        "a complete year's hospital share is compared with the whole prior year, leap day and all",
        where(hospital_share_to_date, fy=2024, locality_code="ALL"),
        _a(
            community("1", "2023-04-01", "100.00"),
            outpatient("2", "2024-03-31", "100.00"),
            community("3", "2024-04-01", "50.00"),
            outpatient("4", "2025-03-31", "50.00"),
        ),
        [{"hospital_share": 0.5, "prior_year_share": 0.5, "change_points": 0.0, "falling": False}],
        fy=(2023, 2024),
    ),
]

# Built on stored results, as in a run (see Spec.materialise): spend, and for the budgets
# the person-years and fair shares.
STORED = {
    "spend_against_budget": ("spend_daily", "person_comorbidity", "person_health", "fair_shares"),
    "hospital_share_to_date": ("spend_daily",),
}
SPECS = [dataclasses.replace(s, materialise=STORED[s.result.__name__]) for s in SPECS]


@pytest.mark.parametrize("spec", cases(SPECS))
def test_monitoring(spec: Spec, on_duckdb) -> None:
    check(spec, on_duckdb(spec))


def test_spend_against_budget_builds_what_it_reads_when_not_materialised(on_duckdb) -> None:
    """A spec with fair_shares (and what it reads) built inline (DuckDB only: the inline plan
    is too big for Spark's optimiser)."""
    spec = next(s for s in SPECS if s.rule.startswith("a locality's budget"))
    spec = dataclasses.replace(spec, materialise=())
    check(spec, on_duckdb(spec))
