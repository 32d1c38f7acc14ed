"""The public report (``oneplace report --public``): every count through disclosure control,
in the tables, the sentences and the charts' data; the internal report as it was."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from oneplace.cli import app
from oneplace.disclosure import STATEMENT
from oneplace.web.formatting import INTERNAL, PUBLIC, SUPPRESSED
from oneplace.web.report import build_context, write_report
from oneplace.workspace import Workspace

from .results import BUDGET_YAML, PLACE_YAML, insert_results
from .test_report import kpi, table_row

RUN = "run-2025-06-01"
# Columns of the report's tables that hold counts of people or events.
COUNT_HEADERS = {"People", "Activities", "Users", "Intermediate risk", "High risk", "Of registered"}


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The public report's content for the shared fixture's run, built once: tests only read it."""
    folder = tmp_path_factory.mktemp("public")
    (folder / "place.yaml").write_text(PLACE_YAML + BUDGET_YAML, encoding="utf-8")
    ws = Workspace.create(folder / "ws", folder / "place.yaml")
    insert_results(ws, RUN, datetime(2025, 6, 1, 14, 30))
    return build_context(ws, PUBLIC)


def tables(context: dict) -> dict:
    return {t.caption: t for s in context["sections"] for t in s.tables}


def cells(context: dict, caption: str, first: str) -> list[str]:
    table = tables(context)[caption]
    for row in [*table.rows, table.total or []]:
        if row and row[0] == first:
            return row
    raise AssertionError(f"no row {first!r} in {caption!r}")


def chart(context: dict, div_id: str) -> list[dict]:
    """The traces of a chart, as the page carries them (the JSON passed to Plotly)."""
    html = next(str(s.figure) for s in context["sections"] if f'id="{div_id}"' in str(s.figure))
    start = re.search(rf'Plotly\.newPlot\(\s*"{div_id}",\s*', html).end()
    return json.JSONDecoder().raw_decode(html, start)[0]


def trace(context: dict, div_id: str, name: str) -> dict:
    return next(t for t in chart(context, div_id) if t.get("name") == name)


def published(cell: str) -> bool:
    """A count as the public report may show it: suppressed, missing, or a multiple of 5 >= 5."""
    if cell in (SUPPRESSED, "—"):
        return True
    n = int(cell.replace(",", ""))
    return n >= 5 and n % 5 == 0


# -- the header -------------------------------------------------------------------------------
def test_the_public_report_says_so_in_its_header(ws: Workspace, tmp_path: Path) -> None:
    page = write_report(ws, tmp_path / "public.html", public=True).read_text(encoding="utf-8")
    head = page[page.index("<header") : page.index("</header>")]
    assert f"{STATEMENT}." in head
    assert "* is a count under 5, suppressed" in head
    assert "small numbers are not suppressed" not in head
    assert "(public version)</title>" in page


# -- counts -----------------------------------------------------------------------------------
def test_no_count_in_a_public_table_is_under_5_or_not_a_multiple_of_5(context: dict) -> None:
    seen = []
    for table in tables(context).values():
        for i, header in enumerate(table.headers):
            if header in COUNT_HEADERS:
                column = [row[i] for row in [*table.rows, table.total or []] if row]
                seen += column
                assert all(published(c) for c in column), (table.caption, header, column)
    assert SUPPRESSED in seen and "630" in seen  # 628 people; 4 high-intensity users in North


def test_counts_in_the_sentences_and_headline_are_rounded(context: dict) -> None:
    leads = " ".join(s.lead for s in context["sections"])
    counts = re.findall(r"([\d,]+) people", leads)
    assert counts and all(published(n) for n in counts), counts
    assert "630 people registered" in leads
    assert "5 people were high-intensity users" in leads  # 6
    assert context["headline"]["people"] == "630"


def test_a_count_under_5_is_suppressed_in_a_note(context: dict) -> None:
    notes = tables(context)["People by locality"].notes
    assert "Not known: * people, not drawn in the pyramid." in notes


# -- values of a suppressed count -------------------------------------------------------------
def test_shares_of_suppressed_high_intensity_users_are_withheld(context: dict) -> None:
    caption = "High-intensity users and their share of hospital use and spend, 2024/25"
    assert cells(context, caption, "Northgate & Hill")[1:] == [SUPPRESSED] * 6  # 4 users
    assert cells(context, caption, "Whole place")[1:3] == ["5", "0.96%"]  # 6 of 628: true


def test_a_rate_of_several_counts_is_withheld_when_any_is_suppressed(context: dict) -> None:
    caption = "Frailty risk of people aged 75 and over, 2024/25"
    # 85-89: 20 people, 4 intermediate and 2 high risk: the share at risk (6 of 20) is withheld.
    assert cells(context, caption, "85-89") == ["85-89", "20", "*", "*", "*"]


def test_the_share_of_spend_of_a_suppressed_top_1_percent_is_withheld(context: dict) -> None:
    caption = "The people behind the largest share of spend, 2024/25"
    north = [r for r in tables(context)[caption].rows if r[0] == "Northgate & Hill"]
    assert north[0][1:] == ["1%", "*", "215", "£100,000", "£500,001", "*"]  # 3 people
    assert north[1][1:] == ["5%", "10", "215", "£250,000", "£500,001", "50.0%"]  # 11


def test_spend_per_head_of_a_suppressed_segment_is_withheld(ws: Workspace) -> None:
    with ws.connect() as con:
        con.execute(
            "INSERT INTO segments VALUES (?, 2024, 6, 'End of life', 3, 9000.00, 3000.0)", [RUN]
        )
        for i in range(12):
            month = date(2024 + (i + 3) // 12, (i + 3) % 12 + 1, 1)
            con.execute(
                "INSERT INTO spend_by_month VALUES "
                "(?, 2024, ?, 'segment', '6', 'End of life', 750.00, 600.00, 3, 250.0, 0.8)",
                [RUN, month],
            )
    context = build_context(ws, PUBLIC)
    segment = cells(context, "Bridges to Health segments, 2024/25", "6. End of life")
    assert segment[1:] == ["*", "*", "£9,000", "*", "*"]  # money kept; its shares withheld
    month = cells(context, "Spend per head per month by segment, 2024/25", "6. End of life")
    assert month[1:] == [SUPPRESSED] * 14
    labels = trace(context, "fig-segments", "Share of people")["y"]
    shares = trace(context, "fig-segments", "Share of people")["customdata"]
    assert shares[labels.index("6. End of life")] is None
    lines = chart(context, "fig-monthly")
    assert next(t for t in lines if t["name"] == "6. End of life")["y"] == [None] * 12


def test_values_of_unsuppressed_counts_are_kept_from_the_true_counts(context: dict) -> None:
    # Northgate & Hill: 215 people; Southbank 413 shown as 415, its share 413/628 not 415/630.
    assert cells(context, "People by locality", "Southbank") == ["Southbank", "415", "65.8%"]
    locality = cells(context, "Spend by locality, 2024/25", "All localities")
    assert locality[3:] == ["630", "£1,592.36"]  # £1,000,001 / 628


def test_money_is_not_rounded(context: dict) -> None:
    setting = cells(context, "Spend by care setting, 2024/25", "Outpatient")
    assert setting[1:5] == ["Yes", "£70,001", "7.0%", "490"]  # 490 activities, £70,000.50


# -- charts -----------------------------------------------------------------------------------
def test_the_population_pyramid_carries_no_count_under_5(context: dict) -> None:
    for name in ("Males", "Females"):
        bars = trace(context, "fig-population", name)
        values = [v for v in bars["customdata"] + [abs(x) for x in bars["x"] if x is not None]]
        assert all(v is None or (v >= 5 and v % 5 == 0) for v in values), values
    males = trace(context, "fig-population", "Males")
    assert dict(zip(males["y"], males["customdata"], strict=True)) == {
        "0-4": 100,
        "40-44": 200,
        "85-89": None,  # nobody: zero is suppressed too
        "90+": 5,
    }


def test_charts_of_suppressed_counts_carry_no_value(context: dict) -> None:
    per_1000 = trace(context, "fig-hiu", "High-intensity users per 1,000")
    assert per_1000["y"][1:] == [None, None]  # 4 and 2 users
    for name in ("Intermediate risk (5-15)", "High risk (over 15)"):
        assert trace(context, "fig-frailty", name)["y"] == [None, None]
    top = trace(context, "fig-concentration", "Top 1% of people")
    assert top["y"][top["x"].index("Northgate & Hill")] is None
    for t in chart(context, "fig-hiu"):
        assert "customdata" not in t and "text" not in t  # no number beside the bars


# -- no person-level data ---------------------------------------------------------------------
def test_the_public_report_leaves_out_the_spend_of_one_person(ws: Workspace, context: dict) -> None:
    caption = "The people behind the largest share of spend, 2024/25"
    internal = tables(build_context(ws, INTERNAL))[caption]
    public = tables(context)[caption]
    assert internal.headers[-1] == "Each spent at least"
    assert public.headers == internal.headers[:-1]
    assert all(len(r) == len(public.headers) for r in public.rows)


# -- the internal report ----------------------------------------------------------------------
def test_the_internal_report_is_what_it_was(ws: Workspace, tmp_path: Path) -> None:
    default = write_report(ws, tmp_path / "a.html").read_bytes()
    assert write_report(ws, tmp_path / "b.html", public=False).read_bytes() == default
    page = default.decode("utf-8")
    assert "For use inside the partnership: small numbers are not suppressed." in page
    assert STATEMENT not in page and "(public version)" not in page
    assert kpi(page, "people") == "628"
    assert "Not known: 3 people, not drawn in the pyramid." in page
    high = table_row(page, "Frailty risk of people aged 75 and over, 2024/25", "85-89")
    assert high[1:] == ["20", "4", "2", "30.0%"]


def test_a_formatter_withholds_only_on_a_public_page() -> None:
    assert INTERNAL.percent(0.75, of=[3]) == "75.0%"
    assert PUBLIC.percent(0.75, of=[3]) == SUPPRESSED
    assert PUBLIC.per_head(Decimal(10), of=[8, None]) == "£10.00"
    frame = pd.DataFrame({"people": [3, 8], "rate": [0.5, 0.25]})
    assert INTERNAL.published(frame, ["people"], {"rate": ["people"]}) is frame
    out = PUBLIC.published(frame, ["people"], {"rate": ["people"]})
    assert out["people"].tolist() == [pd.NA, 10] and out["rate"].isna().tolist() == [True, False]


# -- the command ------------------------------------------------------------------------------
def test_oneplace_report_public_writes_the_public_page(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "public.html"
    result = CliRunner().invoke(app, ["report", str(ws.path), "--out", str(out), "--public"])
    assert result.exit_code == 0, result.output
    assert STATEMENT in out.read_text(encoding="utf-8")


def test_oneplace_report_wants_an_html_file(ws: Workspace, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(ws.path), "--out", str(tmp_path / "r.csv")])
    assert result.exit_code == 2
    assert "must end in .html" in result.output
