"""The report's money sections: figures from small frames, exact money in the tables, the
settlement waterfalls, and the page with and without a settlement and in a partial year."""

from __future__ import annotations

import html
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from oneplace.place import parse_place
from oneplace.web import money
from oneplace.web.formatting import INTERNAL
from oneplace.web.report import render_report
from oneplace.workspace import Workspace

from .results import (
    BUDGET_YAML,
    MONEY_DDL,
    PLACE_YAML,
    SETTLEMENT_2024,
    SETTLEMENT_FINAL,
    insert_money,
    insert_results,
)
from .test_report import table_row

PLACE = parse_place(PLACE_YAML + BUDGET_YAML)
D = Decimal


def data(**frames: pd.DataFrame) -> money.Money:
    """A Money of 2024/25 from hand-made frames; the others empty, as for a missing table."""
    names = {
        "budget": "spend_against_budget",
        "fair_shares": "fair_shares",
        "hospital_to_date": "hospital_share_to_date",
        "by_month": "spend_by_month",
        "concentration": "spend_concentration",
        "projection": "budget_projection",
        "settlement": "settlement",
    }
    return money.Money(
        fy=2024, **{k: frames.get(k, money._empty(table)) for k, table in names.items()}
    )


def stored(partial: bool = False, budget: bool = True, tables=tuple(MONEY_DDL)) -> money.Money:
    """The money tables of tests/web/results.py, written to DuckDB and read back."""
    con = duckdb.connect()
    insert_money(con, "r1", tables, partial=partial, budget=budget)
    return money.read_money(con, "r1", 2024)


def budget_rows(rows: list[tuple], complete: bool = True) -> pd.DataFrame:
    """spend_against_budget rows from (level, code, budget, to date, forecast)."""
    out = []
    for level, code, budget, to_date, forecast in rows:
        b, f = (None if budget is None else D(budget)), D(forecast)
        out.append(
            {
                "fy": 2024,
                "as_of": date(2025, 3, 31) if complete else date(2024, 11, 30),
                "year_complete": complete,
                "level": level,
                "code": code,
                "name": code,
                "budget_gbp": b,
                "spend_to_date_gbp": D(to_date),
                "prior_year_to_date_gbp": D(to_date) - 1,
                "prior_year_gbp": f - 1,
                "forecast_gbp": f,
                "forecast_method": "actual" if complete else "run_rate",
                "variance_gbp": None if b is None else b - f,
                "variance_pct": None if b is None else float((b - f) / b),
            }
        )
    return pd.DataFrame(out)


BUDGET_ROWS = [
    ("place", "ALL", "1000000.00", "600000.40", "1000001.00"),
    ("setting", "community", "300000.00", "150000.20", "250000.50"),
    ("setting", "acute_non_elective", None, "300000.00", "500000.00"),
    ("locality", "SOUTH", "480000.00", "300000.00", "480000.25"),
    ("locality", "NORTH", "520000.00", "300000.40", "500000.75"),
]


# -- budget and spend ------------------------------------------------------------------------
def test_budget_figure_draws_budget_against_spend_by_setting_and_locality() -> None:
    frame = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS)), PLACE)
    fig = money.budget_figure(frame, complete=True)
    assert [t.name for t in fig.data] == ["Budget", "Spend", "Budget", "Spend"]
    budget, spend, loc_budget, _ = fig.data
    # Settings by spend, largest first; localities in the place file's order.
    assert list(budget.y) == ["Emergency admissions", "Community"]
    assert list(budget.x) == [None, 0.3]  # no budget line for emergency admissions: no bar
    assert list(spend.x) == [0.5, 0.2500005]
    assert list(loc_budget.y) == ["Northgate & Hill", "Southbank"]
    assert [t.showlegend for t in fig.data] == [True, True, False, False]
    assert budget.marker.color != spend.marker.color


def test_budget_figure_in_a_partial_year_adds_spend_to_date() -> None:
    frame = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS, complete=False)), PLACE)
    fig = money.budget_figure(frame, complete=False)
    assert [t.name for t in fig.data[:3]] == ["Budget", "Forecast outturn", "Spend to date"]
    assert list(fig.data[2].x) == [0.3, 0.1500002]
    assert "forecast outturn and spend to date" in fig.layout.title.text


def test_budget_tables_show_exact_money_with_the_whole_place_as_total() -> None:
    frame = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS)), PLACE)
    setting, locality = money.budget_tables(frame, INTERNAL, 2024)
    assert setting.caption == "Budget and spend by care setting, 2024/25"
    assert setting.headers == [
        "Setting",
        "Budget",
        "Spend",
        "Under (+) / over (−) budget",
        "Of budget",
    ]
    assert setting.rows == [
        ["Emergency admissions", "—", "£500,000", "—", "—"],
        ["Community", "£300,000", "£250,001", "+£50,000", "+16.7%"],  # £49,999.50
    ]
    assert setting.total == ["Whole place", "£1,000,000", "£1,000,001", "−£1", "0.0%"]
    assert locality.rows[0] == ["Northgate & Hill", "£520,000", "£500,001", "+£19,999", "+3.8%"]


def test_budget_tables_in_a_partial_year_say_to_when_and_how_it_is_forecast() -> None:
    frame = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS, complete=False)), PLACE)
    setting = money.budget_tables(frame, INTERNAL, 2024)[0]
    assert setting.caption == "Budget and spend by care setting, 2024/25, to 30 November 2024"
    assert setting.headers[2:5] == ["Spend to date", "Same period last year", "Forecast outturn"]
    assert setting.rows[1][1:5] == ["£300,000", "£150,000", "£149,999", "£250,001"]
    assert any("daily run rate" in n for n in setting.notes)


def test_budget_lead_states_the_key_number() -> None:
    complete = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS)), PLACE)
    assert money.budget_lead(complete, INTERNAL, 2024) == (
        "In 2024/25 the place spent £1,000,001 against a pooled budget of £1,000,000: "
        "£1 (0.0%) over budget."
    )
    partial = money.budget_frame(data(budget=budget_rows(BUDGET_ROWS, complete=False)), PLACE)
    assert money.budget_lead(partial, INTERNAL, 2024).startswith(
        "Year to date to 30 November 2024, the place has spent £600,000; the forecast outturn "
        "for 2024/25, by the daily run rate, is £1,000,001 against a pooled budget"
    )
    assert money.budget_lead(money.budget_frame(data(), PLACE), INTERNAL, 2024) == (
        "The run wrote no spend against budget for 2024/25."
    )


def test_no_budget_shows_spend_only_and_says_so() -> None:
    part = money.budget_part(stored(budget=False), PLACE, INTERNAL)
    assert "There is no pooled budget for 2024/25 in the place file" in part.lead
    assert [t.name for t in part.figure.data] == ["Spend", "Spend"]
    assert all("Budget" not in t.headers for t in part.tables)
    assert part.tables[0].rows[0][:2] == ["Emergency admissions", "£500,000"]


# -- fair shares -----------------------------------------------------------------------------
def fair_rows() -> pd.DataFrame:
    rows = [  # level, code, name, locality, target, actual
        ("place", "ALL", "Whole place", "ALL", "1000000.00", "1000001.00"),
        ("locality", "SOUTH", "Southbank", "SOUTH", "480000.00", "499999.99"),
        ("locality", "NORTH", "Northgate & Hill", "NORTH", "520000.00", "500001.01"),
        ("network", "N1", "Northgate & Hill", "NORTH", "520000.00", "500001.01"),
    ]
    return pd.DataFrame(
        [
            {
                "fy": 2024,
                "base_fy": 2023,
                "need_index": "morbidity",
                "level": level,
                "unit_code": code,
                "unit_name": name,
                "locality_code": loc,
                "setting": "ALL",
                "population": 100,
                "weighted_population": 100.0,
                "need_per_head": 1.0,
                "target_gbp": D(t),
                "actual_gbp": D(a),
                "distance_gbp": D(a) - D(t),
                "distance_pct": float((D(a) - D(t)) / D(t)),
            }
            for level, code, name, loc, t, a in rows
        ]
    )


def test_fair_shares_figure_diverges_above_and_below_target() -> None:
    frame = money.fair_shares_frame(data(fair_shares=fair_rows()), PLACE)
    fig = money.fair_shares_figure(frame)
    labels = ["Northgate & Hill", "Southbank", "Northgate & Hill (network)"]
    assert list(fig.layout.yaxis.categoryarray) == labels  # localities, then networks
    above_pct, above_gbp, below_pct, below_gbp = fig.data
    assert above_pct.name == "Above target" and below_pct.name == "At or below target"
    assert list(above_gbp.y) == ["Southbank"] and list(above_gbp.x) == [19999.99]
    assert above_pct.x[0] == pytest.approx(100 * 19999.99 / 480000)
    assert list(below_gbp.y) == ["Northgate & Hill", "Northgate & Hill (network)"]
    assert list(below_gbp.x) == [-19998.99, -19998.99]
    assert above_pct.marker.color != below_pct.marker.color


def test_fair_shares_tables_and_lead_name_the_need_method() -> None:
    frame = money.fair_shares_frame(data(fair_shares=fair_rows()), PLACE)
    loc, net = money.fair_shares_tables(frame, INTERNAL, 2024)
    assert loc.rows[0] == [
        "Northgate & Hill",
        "−£19,999",
        "−3.8%",
        "£520,000",
        "£500,001",
        "100",
        "1.000",
    ]
    assert loc.total[:5] == ["Whole place", "+£1", "0.0%", "£1,000,000", "£1,000,001"]
    assert net.rows[0][:2] == ["Northgate & Hill (network)", "Northgate & Hill"]
    assert "Charlson score group, from the base year 2023/24" in loc.notes[0]
    lead = money.fair_shares_lead(frame, INTERNAL, 2024)
    assert "by need: age-sex cost weights × an additional-need multiplier by Charlson" in lead
    assert "Southbank, +£20,000 (+4.2%), above its fair share" in lead


def test_no_fair_shares_without_a_budget_is_said() -> None:
    part = money.fair_shares_part(stored(budget=False), PLACE, INTERNAL)
    assert part.figure is None and part.tables == []
    assert part.lead.startswith("No fair-share targets for 2024/25")


# -- spend by month --------------------------------------------------------------------------
def test_monthly_figure_draws_hospital_share_by_year_and_spend_per_head() -> None:
    d = stored()
    frame = money.month_frame(d, PLACE)
    fig = money.monthly_figure(frame, 2024)
    by_row = {}
    for t in fig.data:
        by_row.setdefault(t.yaxis, []).append(t)
    years, localities, segments = by_row["y"], by_row["y2"], by_row["y3"]
    assert [t.name for t in years] == ["2024/25", "2023/24"]  # the report year first
    assert years[0].line.width > years[1].line.width
    assert list(years[0].x) == list(money.MONTHS)
    assert years[0].y[0] == pytest.approx(0.57)
    assert [t.name for t in localities] == ["Northgate & Hill", "Southbank"]
    assert [t.name for t in segments] == ["1. Healthy", "8. Long decline from frailty and dementia"]
    assert len(localities[0].x) == 24  # two years of months on a time axis
    # 2024/25 North: £500,000.75 over 12 months (£41,666.72, the pennies in March), 215 people.
    assert localities[0].y[12] == pytest.approx(41666.72 / 215)
    assert fig.layout.yaxis3.type == "log"
    assert all(t.legend == "legend3" for t in segments)


def test_per_head_table_shows_each_month_and_the_year_exactly() -> None:
    frame = money.month_frame(stored(), PLACE)
    table = money.per_head_table(frame, INTERNAL, 2024, "locality", complete=True)
    assert table.headers[:3] == ["Locality", "People", "Apr 2024"]
    assert table.headers[-1] == "Year"
    north = table.rows[0]
    assert north[:3] == ["Northgate & Hill", "215", "£193.80"]  # 41,666.72 / 215
    assert north[-1] == "£2,325.58"  # 500,000.75 / 215, as the locality table says
    place = money.per_head_table(frame, INTERNAL, 2024, "place", complete=True)
    assert place.rows[0][-1] == "£1,592.36"  # 1,000,001 / 628, the headline's spend per head


def test_monthly_lead_says_whether_the_hospital_share_is_falling() -> None:
    d = stored()
    frame = money.hospital_to_date_frame(d, PLACE)
    lead = money.monthly_lead(frame, INTERNAL, 2024, date(2025, 3, 31), True)
    assert lead == (
        "In 2024/25 57.0% of the place's spend went to hospitals, against 58.0% in the same "
        "period of 2023/24: −1.0 points, so the hospital share is falling."
    )
    table = money.hospital_to_date_table(frame, INTERNAL, 2024, date(2025, 3, 31), True)
    assert table.rows[0] == [
        "Whole place",
        "57.0%",
        "58.0%",
        "−1.0",
        "Yes",
        "£570,001",
        "£1,000,001",
    ]
    assert table.rows[2][4] == "No"  # Southbank: 41.7% against 40.0%
    first_year = d.hospital_to_date[d.hospital_to_date["fy"] == 2023].assign(fy=2024)
    first = money.hospital_to_date_frame(data(hospital_to_date=first_year), PLACE)
    assert money.monthly_lead(first, INTERNAL, 2024, None, True).endswith(
        "there is no prior year in the run to compare with."
    )


# -- concentration ---------------------------------------------------------------------------
def test_concentration_figure_and_table() -> None:
    frame = money.concentration_frame(stored(), PLACE)
    fig = money.concentration_figure(frame, 2024)
    top1, top5 = fig.data
    assert list(top1.x) == ["Whole place", "Northgate & Hill", "Southbank"]
    assert top1.y[0] == pytest.approx(100 * 196000 / 980001)
    assert top5.y[1] == pytest.approx(100 * 250000 / 500000.75)
    table = money.concentration_table(frame, INTERNAL, 2024)
    assert table.rows[0] == [
        "Whole place",
        "1%",
        "7",
        "628",
        "£196,000",
        "£980,001",
        "20.0%",
        "£20,000",
    ]
    lead = money.concentration_lead(frame, INTERNAL, 2024)
    assert lead.startswith("In 2024/25 the 7 people in the top 1% by spend (of 628 registered)")
    assert "the top 5%, 32 people, for 50.0%" in lead


# -- projection ------------------------------------------------------------------------------
def test_projection_figure_draws_budget_need_and_the_gap() -> None:
    frame = money.projection_frame(stored(), PLACE)
    fig = money.projection_figure(frame)
    budget, need, gap = fig.data
    assert budget.name == "Budget" and need.name == "Need"
    assert list(budget.x) == ["2024/25", "2025/26", "2030/31"]
    assert list(need.y) == [1.01, 1.06, 1.30000025]
    assert gap.type == "bar" and gap.y[-1] == pytest.approx(-0.17383783)
    assert set(gap.marker.color) == {money.NHS_RED}  # need outgrows the money every year


def test_projection_tables_show_the_gap_exactly_year_by_year() -> None:
    frame = money.projection_frame(stored(), PLACE)
    whole, by_loc = money.projection_tables(frame, INTERNAL, PLACE)
    assert whole.rows[-1] == [
        "2030/31",
        "£1,126,162",
        "£1,300,000",
        "−£173,838",
        "−13.4%",
        "701",
        "+11.5%",
    ]
    assert by_loc.headers == ["Locality", "2024/25", "2030/31"]
    assert by_loc.rows[0] == ["Northgate & Hill", "−£10,000", "−£104,396"]
    lead = money.projection_lead(frame, INTERNAL)
    assert lead.startswith("By 2030/31 the need of the place's population (701 people, +11.5%")
    assert "a gap of −£173,838 (−13.4% of need)" in lead


# -- settlement ------------------------------------------------------------------------------
def test_each_partys_waterfall_adds_up_to_its_final_amount() -> None:
    frame = money.settlement_frame(stored(), PLACE)
    fig = money.settlement_figure(frame, INTERNAL)
    names = ["RAC", "RCT", "risk reserve", "COU"]  # partners, the reserve, the commissioner
    assert len(fig.data) == len(names)
    for trace, party in zip(fig.data, names, strict=True):
        assert trace.type == "waterfall"
        assert list(trace.measure[:-1]) == ["relative"] * (len(trace.measure) - 1)
        assert trace.measure[-1] == "total" and trace.x[-1] == "Final"
        final = D(SETTLEMENT_FINAL[party])
        bars = [D(str(y)) for y in trace.y[:-1]]
        assert sum(bars, D(0)) == final == D(str(trace.y[-1]))
        assert trace.text[-1] == INTERNAL.signed_money(final)
    # Memo lines are information, not bars: RAC's "passes to the pool" line is not drawn.
    rac = fig.data[0]
    assert list(rac.x) == ["R2 incurring band", "R4 shared band", "R6 quality gate", "Final"]
    assert "Riverside Hospitals NHS Trust" in fig.layout.annotations[0].text


def test_party_amounts_are_the_sum_of_non_memo_lines_and_add_to_the_variance() -> None:
    finals = money.party_amounts(money.settlement_frame(stored(), PLACE))
    assert dict(zip(finals["party"], finals["amount_gbp"], strict=True)) == {
        p: D(a) for p, a in SETTLEMENT_FINAL.items()
    }
    assert sum(finals["amount_gbp"], D(0)) == D("-1.00")  # the total variance


def test_settlement_tables_show_statements_and_the_system_exactly() -> None:
    frame = money.settlement_frame(stored(), PLACE)
    summary, system, *statements = money.settlement_tables(frame, INTERNAL, 2024)
    assert summary.rows[0] == ["Riverside Hospitals NHS Trust", "Partner", "+£4,000"]
    assert summary.rows[-1] == ["Riverside Council", "Commissioner", "+£499"]
    assert summary.total == ["Total variance", "", "−£1"]
    assert system.caption == "System statement, 2024/25"
    assert system.rows[0] == ["Pool budget", "", "£1,000,000"]
    assert ["Passed to the pool", "R2", "−£3,201"] in system.rows
    assert len(statements) == len(SETTLEMENT_2024)
    rac = statements[0]
    assert rac.caption == "Riverside Hospitals NHS Trust: settlement statement, 2024/25"
    assert rac.rows[1] == [
        "R2",
        "The rest, £4,399.50, passes to the pool (memo: outside the variance)",
        "+£4,400",
    ]
    assert rac.total == ["Final gain (+) / loss (−)", "", "+£4,000"]
    lead = money.settlement_lead(frame, INTERNAL, 2024, 2024, True)
    assert lead == (
        "The Riverside risk share settles 2024/25's total variance of −£1: +£500 to the "
        "partners, +£499 to the commissioner and −£1,000 to the risk reserve."
    )


def test_step_labels_keep_each_bar_its_own_place() -> None:
    assert money.step_labels(["R2", "R6", "R6", ""]) == [
        "R2 incurring band",
        "R6 quality gate",
        "R6 quality gate (2)",
        "Other",
    ]


@pytest.mark.parametrize("tables", [tuple(t for t in MONEY_DDL if t != "settlement"), ()])
def test_no_settlement_is_a_one_line_note(tables) -> None:
    part = money.settlement_part(stored(tables=tables), PLACE, INTERNAL, True)
    assert part.figure is None and part.tables == []
    assert part.lead == (
        "No risk-share settlement: the place file has no risk-share agreement for the run's years."
    )


# -- helpers ---------------------------------------------------------------------------------
def test_signs_and_points() -> None:
    assert money.signed_percent(INTERNAL, 0.0474) == "+4.7%"
    assert money.signed_percent(INTERNAL, -0.0476) == "−4.8%"
    assert money.signed_percent(INTERNAL, 0.0) == "0.0%"
    assert money.signed_percent(INTERNAL, -0.0000005) == "0.0%"
    assert money.signed_percent(INTERNAL, None) == "—"
    assert money.points(1.955) == "+2.0" and money.points(-3.44) == "−3.4"
    assert money.points(0.01) == "0.0" and money.points(None) == "—"
    assert money.log_ticks([15, 1800]) == [10, 20, 50, 100, 200, 500, 1000, 2000]
    assert money.log_ticks([]) == []


# -- the page --------------------------------------------------------------------------------
def section(page: str, sid: str) -> str:
    m = re.search(rf'<section id="{sid}".*?</section>', page, re.S)
    assert m, f"no section {sid}"
    return m.group(0)


def lead(page: str, sid: str) -> str:
    m = re.search(r'<p class="lead">(.*?)</p>', section(page, sid), re.S)
    return html.unescape(m.group(1))


MONEY_SECTIONS = ["budget", "fair-shares", "monthly", "concentration", "projection", "settlement"]


def test_report_has_the_money_sections_with_settlement(ws: Workspace) -> None:
    page = render_report(ws)
    for sid in MONEY_SECTIONS:
        assert f'<a href="#{sid}">' in page
        assert f'id="fig-{sid}"' in section(page, sid)
    assert lead(page, "budget") == (
        "In 2024/25 the place spent £1,000,001 against a pooled budget of £1,000,000: "
        "£1 (0.0%) over budget."
    )
    row = table_row(page, "Budget and spend by care setting, 2024/25", "Community")
    assert row == ["Community", "£300,000", "£250,001", "+£50,000", "+16.7%"]
    row = table_row(page, "Settlement by party, 2024/25", "Riverside Community Health")
    assert row == ["Riverside Community Health", "Partner", "−£3,500"]
    assert "The Riverside risk share settles 2024/25" in lead(page, "settlement")


def test_report_without_settlement_rows_says_so_in_one_line(
    empty_ws: Workspace, tmp_path: Path
) -> None:
    insert_results(
        empty_ws, "r1", datetime(2025, 6, 1, 9), money=tuple(MONEY_DDL)[:-1]
    )  # no settlement table at all
    page = render_report(empty_ws)
    part = section(page, "settlement")
    assert "No risk-share settlement" in part
    assert "plotly-graph-div" not in part and "<table>" not in part
    assert len(re.findall(r'class="plotly-graph-div"', page)) == 13


def test_report_with_an_empty_settlement_table(empty_ws: Workspace) -> None:
    insert_results(empty_ws, "r1", datetime(2025, 6, 1, 9))
    with empty_ws.connect() as con:
        con.execute("DELETE FROM settlement")
    assert "No risk-share settlement" in section(render_report(empty_ws), "settlement")


def test_report_in_a_partial_year_says_year_to_date_and_the_forecast_method(
    empty_ws: Workspace,
) -> None:
    insert_results(empty_ws, "r1", datetime(2025, 6, 1, 9), partial=True)
    page = render_report(empty_ws)
    assert lead(page, "budget").startswith(
        "Year to date to 30 November 2024, the place has spent £666,667; the forecast outturn "
        "for 2024/25, by the prior year's profile, is £1,000,001"
    )
    assert lead(page, "monthly").startswith("Year to date to 30 November 2024, 57.0%")
    caption = "Budget and spend by locality, 2024/25, to 30 November 2024"
    row = table_row(page, caption, "Southbank")
    assert row == ["Southbank", "£480,000", "£320,000", "£288,000", "£480,000", "£0", "0.0%"]
    assert "the prior year&#39;s profile: spend to date" in section(page, "budget")
    assert "Year to date</th>" in section(page, "monthly")
    assert "is not complete" in lead(page, "settlement")


def test_report_without_any_money_table_still_renders(empty_ws: Workspace) -> None:
    insert_results(empty_ws, "r1", datetime(2025, 6, 1, 9), money=())
    page = render_report(empty_ws)
    assert len(re.findall(r'class="plotly-graph-div"', page)) == 8
    assert lead(page, "budget") == "The run wrote no spend against budget for 2024/25."
    assert lead(page, "projection").startswith("No projection")
    assert lead(page, "concentration") == "The run wrote no concentration of spend for 2024/25."
    assert "The run wrote no spend by month." in lead(page, "monthly")
