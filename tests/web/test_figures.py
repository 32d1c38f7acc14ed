"""Figures from small frames, without a workspace: what is drawn where, and in which colour."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa

from oneplace.web import figures


def test_pyramid_draws_males_left_and_females_right_in_age_order() -> None:
    frame = pa.table(
        {
            "age_band": ["90+", "0-4", "5-9", "0-4", "5-9", "0-4"],
            "sex": ["M", "M", "F", "F", "M", "U"],
            "people": [4, 100, 80, 90, 70, 7],
        }
    )
    fig = figures.population_pyramid(frame)  # Arrow is accepted as well as pandas
    males, females = fig.data
    assert males.name == "Males" and females.name == "Females"
    assert list(males.y) == ["0-4", "5-9", "90+"]
    assert list(males.x) == [-100, -70, -4]
    assert list(females.x) == [90, 80, 0]
    assert 7 not in list(males.customdata) + list(females.customdata)  # sex U is not drawn
    assert all(not t.startswith("-") for t in fig.layout.xaxis.ticktext)


def test_spend_by_setting_highlights_hospital_settings() -> None:
    frame = pd.DataFrame(
        {
            "label": ["Emergency admissions", "Community", "Outpatient"],
            "cost_gbp": [Decimal("3000000"), Decimal("1500000.50"), Decimal("250000")],
            "hospital": [True, False, True],
        }
    )
    fig = figures.spend_by_setting(frame)
    hospital, other = fig.data
    assert set(hospital.y) == {"Emergency admissions", "Outpatient"}
    assert list(other.y) == ["Community"]
    assert list(other.x) == [1.5000005]  # £m
    assert hospital.marker.color != other.marker.color


def test_spend_by_organisation_separates_partners() -> None:
    frame = pd.DataFrame(
        {
            "name": ["Trust", "Clinic"],
            "cost_gbp": [Decimal(2e6), Decimal(1e5)],
            "partner": [True, False],
        }
    )
    partner, other = figures.spend_by_organisation(frame).data
    assert list(partner.y) == ["Trust"] and list(other.y) == ["Clinic"]


def test_spend_by_locality_leaves_out_per_head_without_population() -> None:
    frame = pd.DataFrame(
        {
            "name": ["North", "Not registered"],
            "cost_gbp": [Decimal(500000), Decimal(20000)],
            "per_head": [Decimal("2325.58"), None],
        }
    )
    total, per_head = figures.spend_by_locality(frame).data
    assert list(total.y) == ["North", "Not registered"]
    assert list(per_head.y) == ["North"] and list(per_head.x) == [2325.58]


def test_hospital_trend_draws_the_whole_place_first_and_thickest() -> None:
    frame = pd.DataFrame(
        {
            "fy_label": ["2023/24", "2024/25"] * 2,
            "name": ["North", "North", "Whole place", "Whole place"],
            "hospital_share": [0.7, 0.65, 0.57, 0.55],
            "whole_place": [False, False, True, True],
        }
    )
    fig = figures.hospital_share_trend(frame)
    assert [t.name for t in fig.data] == ["Whole place", "North"]
    assert fig.data[0].line.width > fig.data[1].line.width
    assert list(fig.data[1].y) == [0.7, 0.65]
    assert fig.layout.yaxis.tickformat == ".0%"


def test_figures_do_not_embed_plotly_default_template() -> None:
    frame = pd.DataFrame({"label": ["Community"], "cost_gbp": [Decimal(1)], "hospital": [False]})
    html = figures.spend_by_setting(frame).to_html(full_html=False, include_plotlyjs=False)
    assert "histogram2dcontour" not in html  # the heavy default template stays out of the page
