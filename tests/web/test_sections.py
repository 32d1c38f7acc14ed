"""Summaries in the partnership's words: names, partner flags, order, missing values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pandas as pd

from oneplace.place import parse_place
from oneplace.web import sections as sec
from oneplace.web.formatting import INTERNAL
from oneplace.web.results import Results, Run

from .results import PLACE_YAML

PLACE = parse_place(PLACE_YAML)


def results(**frames: pd.DataFrame) -> Results:
    empty = pd.DataFrame()
    when = datetime(2025, 6, 1)
    return Results(
        run=Run("r", when, when, "duckdb", "0.1.0"),
        fys=[2024],
        fy=2024,
        population=frames.get("population", empty),
        by_setting=frames.get("by_setting", empty),
        by_organisation=frames.get("by_organisation", empty),
        by_locality=frames.get("by_locality", empty),
        hospital_share=frames.get("hospital_share", empty),
    )


def test_providers_outside_the_place_keep_their_code_and_are_not_partners() -> None:
    orgs = pd.DataFrame(
        {
            "organisation_code": ["RAC", "X1", "X2", "IND"],
            "organisation_name": ["ignored", "Other providers", "Other providers", "Clinic"],
            "cost_gbp": [Decimal(100), Decimal(10), Decimal(5), Decimal(1)],
            "activities": [1, 1, 1, 1],
        }
    )
    frame = sec.organisation_frame(results(by_organisation=orgs), PLACE, None)
    assert list(frame["name"]) == [
        "Riverside Hospitals NHS Trust",
        "Other providers (X1)",
        "Other providers (X2)",
        "Independent Clinic Ltd",
    ]
    assert list(frame["partner"]) == [True, False, False, False]
    assert list(frame["partner_label"]) == [
        "Yes",
        "Not in the place file",
        "Not in the place file",
        "No",
    ]


def test_localities_follow_the_place_file_with_unregistered_last() -> None:
    by_loc = pd.DataFrame(
        {
            "locality_code": ["UNREGISTERED", "SOUTH", "NORTH"],
            "cost_gbp": [Decimal(1), Decimal(300), Decimal(200)],
            "activities": [1, 1, 1],
        }
    )
    pop = pd.DataFrame(
        {
            "age_band": ["0-4", "0-4"],
            "sex": ["M", "F"],
            "locality_code": ["NORTH", "SOUTH"],
            "imd_quintile": [1, None],
            "people": [10, 30],
        }
    )
    frame = sec.locality_frame(results(by_locality=by_loc, population=pop), PLACE)
    assert list(frame["name"]) == ["Northgate & Hill", "Southbank", sec.UNREGISTERED_NAME]
    assert list(frame["per_head"]) == [Decimal(20), Decimal(10), None]


def test_hospital_share_without_spend_shows_a_dash_not_zero() -> None:
    share = pd.DataFrame(
        {
            "fy": [2024, 2024],
            "locality_code": ["ALL", "NORTH"],
            "hospital_gbp": [Decimal(0), Decimal(0)],
            "total_gbp": [Decimal(10), Decimal(0)],
            "hospital_share": [0.0, None],
        }
    )
    trend = sec.hospital_trend_frame(results(hospital_share=share), PLACE)
    latest, _ = sec.hospital_tables(trend, INTERNAL, 2024)
    assert latest.rows == [
        ["Whole place", "£0", "£10", "0.0%"],
        ["Northgate & Hill", "£0", "£0", "—"],
    ]
