"""The report's outcomes sections: the scorecard against the framework's targets (or every
indicator without one), indicators by locality, funnel plots, SPC charts, inequality and the
incentive payout; and the public page's disclosure control of each."""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import numpy as np
import pytest

from oneplace import stats
from oneplace.outcomes.library import library
from oneplace.run import run
from oneplace.web.formatting import INTERNAL, PUBLIC, SUPPRESSED
from oneplace.web.report import build_context, render_report, write_report
from oneplace.workspace import Workspace

from .results import SPC_NORTH, insert_outcomes, insert_results, outcomes_place_yaml
from .test_public_report import cells, chart, published, tables
from .test_report import table_row

RUN = "run-2025-06-01"
SCORECARD = "Outcomes scorecard: the whole place against the framework's targets, 2024/25"
NON_ELECTIVE = "Non-elective admissions per 1,000 registered people"
READMISSIONS = "Emergency readmissions within 30 days of discharge (%)"
# Columns of the outcomes tables that hold counts of people or events.
COUNT_HEADERS = {"Events", "Users", "Readmissions", "Deaths in hospital", "People"}
COUNT_HEADERS |= {"Discharges", "Deaths"}


def _workspace(folder: Path, framework: bool) -> Workspace:
    (folder / "place.yaml").write_text(outcomes_place_yaml(framework), encoding="utf-8")
    ws = Workspace.create(folder / "ws", folder / "place.yaml")
    insert_results(ws, RUN, datetime(2025, 6, 1, 14, 30))
    insert_outcomes(ws, RUN, framework)
    return ws


@pytest.fixture(scope="module")
def framework_ws(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    return _workspace(tmp_path_factory.mktemp("framework"), framework=True)


@pytest.fixture(scope="module")
def internal(framework_ws: Workspace) -> dict:
    return build_context(framework_ws, INTERNAL)


@pytest.fixture(scope="module")
def public(framework_ws: Workspace) -> dict:
    return build_context(framework_ws, PUBLIC)


def rows(ws: Workspace, sql: str) -> list[tuple]:
    with ws.connect(read_only=True) as con:
        return con.execute(sql).fetchall()


def section(context: dict, id: str):
    return next(s for s in context["sections"] if s.id == id)


def traces(context: dict, div_id: str, indicator: str, **meta: str) -> list[dict]:
    return [
        t
        for t in chart(context, div_id)
        if t.get("meta", {}).get("indicator") == indicator
        and all(t["meta"].get(k) == v for k, v in meta.items())
    ]


def named(found: list[dict], name: str) -> dict:
    (one,) = [t for t in found if t.get("name") == name]
    return one


# -- the sections -----------------------------------------------------------------------------
def test_every_part_renders_with_a_framework(framework_ws: Workspace, tmp_path: Path) -> None:
    page = write_report(framework_ws, tmp_path / "r.html").read_text(encoding="utf-8")
    for id in (
        "outcomes",
        "outcomes-localities",
        "outcomes-practices",
        "outcomes-spc",
        "outcomes-inequality",
        "outcomes-incentive",
    ):
        assert f'<section id="{id}"' in page
        assert f'id="fig-{id}"' in page  # each part has its chart ...
    assert "<caption>Outcomes scorecard: the whole place against the framework" in page


def test_without_a_framework_every_indicator_is_shown_and_the_lack_said(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ws = _workspace(tmp_path_factory.mktemp("plain"), framework=False)
    context = build_context(ws, INTERNAL)
    scorecard = section(context, "outcomes")
    assert "declares no outcomes framework" in scorecard.lead
    names = {i.id: i.name for i in library()}
    table = tables(context)["Indicators for the whole place, 2024/25"]
    ids = ("non_elective_admissions", "acsc_chronic_admissions", "emergency_readmissions_30d")
    assert [r[0] for r in table.rows] == [names[i] for i in (*ids, "spend_per_head")]
    assert cells(context, "Indicators for the whole place, 2024/25", NON_ELECTIVE)[1:3] == [
        "70.1",  # 2023/24: 44 of 628 per 1,000
        "63.7",  # 2024/25: 40 of 628
    ]
    payout = section(context, "outcomes-incentive")
    assert payout.lead == "No incentive pool: the place file declares no outcomes framework."
    assert not payout.figure and not payout.tables


def test_a_run_without_outcomes_tables_says_so(ws: Workspace) -> None:
    parts = [s for s in build_context(ws, INTERNAL)["sections"] if s.id.startswith("outcomes")]
    assert [s.id for s in parts] == ["outcomes"]
    assert parts[0].lead.startswith("No indicator values")


# -- the scorecard ----------------------------------------------------------------------------
def test_the_overall_score_is_outcome_scores_overall(framework_ws: Workspace, internal) -> None:
    ((overall,),) = rows(
        framework_ws,
        "SELECT attainment FROM outcome_scores WHERE fy = 2024 AND indicator_id = 'OVERALL'",
    )
    # By hand: 40 admissions of 628 people is 63.69 per 1,000, (63.69 - 80) / (50 - 80) of
    # the way from baseline to target; 12 readmissions of 80 discharges (15%) is at the
    # baseline, attaining 0. Weights 2 and 1.
    first = (Decimal(40000) / 628 - 80) / (50 - 80)
    first = first.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)
    assert overall == pytest.approx(float(first * 2 / 3), abs=1e-6)
    assert tables(internal)[SCORECARD].total[-1] == f"{overall:.3f}" == "0.362"
    (bar,) = [t for t in traces(internal, "fig-outcomes", "OVERALL") if t["type"] == "bar"]
    assert bar["x"] == [overall]
    # The gate pays (0.362349 - 0.3) / (0.8 - 0.3) of a gain.
    assert "at 0.362 it pays 12.5% of a partner's gain" in section(internal, "outcomes").lead


def test_the_scorecard_shows_baseline_target_and_attainment(internal: dict) -> None:
    row = cells(internal, SCORECARD, NON_ELECTIVE)
    assert row[1:] == ["70.1", "63.7", "45.5 to 86.7", "80.0", "50.0", "Lower", "2", "0.544"]


# -- the payout -------------------------------------------------------------------------------
def test_the_payout_adds_up_to_the_pool(framework_ws: Workspace, internal: dict) -> None:
    ((pool,),) = rows(framework_ws, "SELECT sum(amount_gbp) FROM incentive_payout WHERE fy = 2024")
    assert pool == Decimal("1000.00")  # incentive_pool_gbp
    by_org = tables(internal)["Incentive payout by organisation, 2024/25"]
    assert by_org.total == ["Incentive pool", "", "£1,000.00"]
    amounts = [Decimal(r[2].lstrip("£").replace(",", "")) for r in by_org.rows]
    assert sum(amounts) == pool
    # Slices 666.67 and 333.33 (weights 2 and 1); 362.35 of the first earned, split between
    # the risk-share parties; the readmissions slice attains 0: all of it to the commissioner.
    assert [r[0::2] for r in by_org.rows] == [
        ["Riverside Hospitals NHS Trust", "£181.18"],
        ["Riverside Community Health", "£181.17"],
        ["Riverside GP Federation", "£0.00"],
        ["Riverside Integrated Care Board", "£637.65"],
    ]
    by_indicator = tables(internal)["Incentive pool by indicator, 2024/25"]
    assert by_indicator.total == ["Incentive pool", "£1,000.00", "", "£362.35", "£637.65"]


# -- funnel plots -----------------------------------------------------------------------------
@pytest.mark.parametrize("indicator", ["non_elective_admissions", "acsc_chronic_admissions"])
def test_a_funnel_has_2_and_3_sd_limits_around_the_place_value(
    framework_ws: Workspace, internal: dict, indicator: str
) -> None:
    ((value, n, d, e),) = rows(
        framework_ws,
        "SELECT value, numerator, denominator, expected FROM indicator_values "
        f"WHERE indicator_id = '{indicator}' AND level = 'place' AND fy = 2024",
    )
    found = traces(internal, "fig-outcomes-practices", indicator)
    assert named(found, "Whole place")["y"] == [value, value]
    three = named(found, "3 SD limits (99.8%)")
    two = named(found, "2 SD limits (95%)")
    cut = three["x"].index(None)
    x = np.array(three["x"][:cut])
    if indicator == "non_elective_admissions":
        expected = stats.rate_funnel_limits(x, n / d, 1000)
    else:  # indirectly standardised: O / E limits around the place's, at its value
        expected = stats.ratio_funnel_limits(x * n / e, value)
    assert np.allclose(three["y"][:cut], expected.lower3)
    assert np.allclose(three["y"][cut + 1 :], expected.upper3)
    assert np.allclose(two["y"][:cut], expected.lower2)
    assert np.allclose(two["y"][cut + 1 :], expected.upper2)


def test_funnel_points_are_coloured_by_comparison(internal: dict) -> None:
    found = traces(internal, "fig-outcomes-practices", "non_elective_admissions")
    points = {t["name"]: t for t in found if t["mode"] == "markers"}
    worse, better = "High (0.001): worse", "Low (0.025): better"
    assert set(points) == {f"{worse} than the whole place", f"{better} than the whole place"}
    assert points[f"{better} than the whole place"]["x"] == [215]  # Hill Surgery's people
    assert points[f"{worse} than the whole place"]["marker"]["color"] == "#D5281B"


# -- SPC --------------------------------------------------------------------------------------
def test_an_spc_chart_draws_indicator_spc_limits(framework_ws: Workspace, internal) -> None:
    ((mean, low, high),) = rows(
        framework_ws,
        "SELECT DISTINCT mean, lower_limit, upper_limit FROM indicator_spc "
        "WHERE indicator_id = 'non_elective_admissions' AND locality_code = 'ALL'",
    )
    found = traces(internal, "fig-outcomes-spc", "non_elective_admissions", unit="ALL")
    assert named(found, "Process limits")["y"] == [low, low, None, high, high]
    assert named(found, "Mean")["y"] == [mean, mean]
    assert len(named(found, "Common cause")["y"]) == 24
    # The last four months are far above the rest: special cause, and lower is better.
    concern = named(found, "Special cause: concern")
    assert concern["x"][-1] == "2025-03-01" and concern["marker"]["color"] == "#FAB428"


# -- inequality -------------------------------------------------------------------------------
def test_the_deprivation_gap_is_flagged_when_significant(internal: dict) -> None:
    caption = "The gap between the most and least deprived fifths, 2024/25"
    # 30 of 193 people against 19 of 415: 155.4 and 45.8 per 1,000, limits apart.
    row = cells(internal, caption, NON_ELECTIVE)
    assert row[1:] == ["155.4", "45.8", "+109.7", "3.40×", "Yes", "Lower"]
    assert cells(internal, caption, READMISSIONS)[5] == "No"  # 6 of 25 against 4 of 50
    assert NON_ELECTIVE in section(internal, "outcomes-inequality").lead


# -- the public page --------------------------------------------------------------------------
def outcomes_tables(context: dict) -> list:
    return [t for s in context["sections"] if s.id.startswith("outcomes") for t in s.tables]


def test_no_public_count_is_under_5_or_not_a_multiple_of_5(public: dict) -> None:
    seen = []
    for table in outcomes_tables(public):
        for i, header in enumerate(table.headers):
            if header in COUNT_HEADERS:
                column = [row[i] for row in [*table.rows, table.total or []] if row]
                seen += column
                assert all(published(c) for c in column), (table.caption, header, column)
    assert SUPPRESSED in seen and "630" in seen and "40" in seen


def test_a_suppressed_numerator_has_no_value_in_the_tables(internal: dict, public) -> None:
    caption = f"{NON_ELECTIVE} by locality, 2024/25"
    north = cells(internal, caption, "Northgate & Hill")
    assert north[1:] == ["3", "215", "14.0", "2.9 to 40.8", "Low (0.025)"]
    assert cells(public, caption, "Northgate & Hill")[1:] == ["*", "215", "*", "*", "*"]
    assert cells(public, caption, "Southbank")[1:3] == ["35", "415"]  # 37 and 413
    hill = cells(public, f"{READMISSIONS} by practice, 2024/25", "Hill Surgery")
    assert hill[1:] == ["*", "30", "*", "*", "*"]  # 2 readmissions
    gap = cells(public, "The gap between the most and least deprived fifths, 2024/25", READMISSIONS)
    assert gap[1:6] == [SUPPRESSED] * 5  # 4 readmissions in the least deprived fifth


def test_a_suppressed_numerator_has_no_value_in_the_charts(public: dict) -> None:
    for indicator in ("non_elective_admissions", "emergency_readmissions_30d"):
        dots = [
            t
            for t in traces(public, "fig-outcomes-localities", indicator)
            if t["mode"] == "markers"
        ]
        assert dots and all("Northgate & Hill" not in t["y"] for t in dots)
        assert all("Northgate" not in text for t in dots for text in t["text"])
        points = [
            t for t in traces(public, "fig-outcomes-practices", indicator) if t["mode"] == "markers"
        ]
        assert points and all("Hill Surgery" not in text for t in points for text in t["text"])
    funnel = traces(public, "fig-outcomes-practices", "non_elective_admissions")
    xs = [x for t in funnel if t["mode"] == "markers" for x in t["x"]]
    assert xs == [415]  # Quay Practice's 413 people, rounded; no point for Hill Surgery
    quintiles = [
        t
        for t in traces(public, "fig-outcomes-inequality", "emergency_readmissions_30d")
        if t["mode"] == "markers"
    ]
    assert all("IMD 5 (least deprived)" not in t["y"] for t in quintiles)


def test_spc_months_under_5_are_withheld_with_their_series_limits(public: dict) -> None:
    north = traces(public, "fig-outcomes-spc", "non_elective_admissions", unit="NORTH")
    line = named(north, "Common cause")
    assert [y is None for y in line["y"]] == [n < 5 for n in SPC_NORTH]
    assert {t["name"] for t in north} & {"Mean", "Process limits"} == set()
    south = traces(public, "fig-outcomes-spc", "non_elective_admissions", unit="SOUTH")
    assert {"Mean", "Process limits"} <= {t["name"] for t in south}
    table = tables(public)[f"{NON_ELECTIVE} by month (per 1,000)"]
    column = table.headers.index("Northgate & Hill")
    assert table.rows[0][column] == SUPPRESSED  # April 2023: 1 admission
    assert table.total[column] == SUPPRESSED  # its mean
    assert table.total[table.headers.index("Southbank")] != SUPPRESSED


def test_money_is_not_rounded_on_the_public_page(internal: dict, public: dict) -> None:
    caption = "Incentive payout by organisation, 2024/25"
    assert tables(public)[caption] == tables(internal)[caption]
    spend = cells(public, "Spend per registered person (£) by locality, 2024/25", "Southbank")
    assert spend[1:4] == ["£480,000", "415", "£1,162.23"]  # £480,000.25 / 413 people


def test_the_internal_report_is_unchanged_by_the_public_one(framework_ws, public) -> None:
    page = render_report(framework_ws)
    assert render_report(framework_ws, INTERNAL) == page  # the public page built in between
    north = table_row(page, f"{NON_ELECTIVE} by locality, 2024/25", "Northgate & Hill")
    assert north[1:] == ["3", "215", "14.0", "2.9 to 40.8", "Low (0.025)"]  # 3 admissions


# -- a real run -------------------------------------------------------------------------------
FRAMEWORK = """\
  quality_gate: {threshold: 0.8, floor: 0.4}
outcomes:
  incentive_pool_pct: 1
  indicators:
    - {id: non_elective_admissions, baseline: 300, target: 200, weight: 1}
"""


def test_a_run_of_the_tiny_place_reports_its_score_and_payout(
    tmp_path_factory: pytest.TempPathFactory, make_tiny_workspace, tiny_agreement_yaml: str
) -> None:
    # The report is of the tiny place's last year, 2025/26: give it a pooled budget too.
    budgets = tiny_agreement_yaml.replace(
        "budgets:\n", "budgets:\n  - {year: 2025, total_gbp: 8000}\n"
    )
    ws = make_tiny_workspace(tmp_path_factory.mktemp("tiny"), budgets + FRAMEWORK)
    run(ws)
    ((overall,),) = rows(
        ws, "SELECT attainment FROM outcome_scores WHERE fy = 2025 AND indicator_id = 'OVERALL'"
    )
    context = build_context(ws, INTERNAL)
    caption = SCORECARD.replace("2024/25", "2025/26")
    assert tables(context)[caption].total[-1] == f"{overall:.3f}"
    by_org = tables(context)["Incentive payout by organisation, 2025/26"]
    assert by_org.total[-1] == "£80.00"  # 1% of the pooled budget of £8,000
    quiet = build_context(ws, PUBLIC)  # 4 people: every count is suppressed
    for table in outcomes_tables(quiet):
        for i, header in enumerate(table.headers):
            if header in COUNT_HEADERS:
                assert all(row[i] in (SUPPRESSED, "—") for row in table.rows if row)
