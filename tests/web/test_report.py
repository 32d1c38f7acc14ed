"""The partnership report: self-contained, shows the latest run's numbers, fails clearly."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs

from oneplace.errors import UserError
from oneplace.web.report import render_report, write_report
from oneplace.workspace import Workspace

from .results import PLACE_YAML, insert_results


@pytest.fixture
def page(ws: Workspace, tmp_path: Path) -> str:
    return write_report(ws, tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def kpi(page: str, name: str) -> str:
    """The text of a headline figure, tags stripped and whitespace collapsed."""
    m = re.search(rf'<dd id="kpi-{name}">(.*?)</dd>', page, re.S)
    assert m, f"no headline figure {name}"
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(m.group(1))).split())


def table_row(page: str, caption: str, first_cell: str) -> list[str]:
    """The cells of the row starting with ``first_cell`` in the table with ``caption``."""
    m = re.search(rf"<caption>{re.escape(caption)}</caption>(.*?)</table>", page, re.S)
    assert m, f"no table {caption!r}"
    for row in re.findall(r"<tr>(.*?)</tr>", m.group(1), re.S):
        cells = [
            html.unescape(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        if cells and cells[0] == first_cell:
            return cells
    raise AssertionError(f"no row {first_cell!r} in {caption!r}")


def test_writes_the_file_it_returns(ws: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.html"
    assert write_report(ws, out) == out
    assert out.stat().st_size > 0
    assert not list(out.parent.glob("*.writing"))


def test_no_external_scripts_stylesheets_or_fonts(page: str) -> None:
    tags = re.findall(r"<(?:script|link|img|iframe)\b[^>]*>", page, re.I)
    sources = [s for t in tags for s in re.findall(r"""(?:src|href)\s*=\s*["']?([^"'\s>]+)""", t)]
    assert not [s for s in sources if re.match(r"(?:https?:)?//", s)], sources
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)  # every script is inline
    assert not re.search(r"<link\b", page, re.I)
    assert "@import" not in page and "fonts.googleapis" not in page


def test_plotly_js_is_inlined_exactly_once(page: str) -> None:
    bundle = get_plotlyjs()
    assert page.count(bundle[:5000]) == 1
    assert page.count(bundle[-5000:]) == 1
    # Fourteen figures (eight, and six money sections), each a div drawn by the inlined library.
    assert len(re.findall(r'class="plotly-graph-div"', page)) == 14


def test_headline_shows_the_inserted_numbers(page: str) -> None:
    assert kpi(page, "people") == "628"
    assert kpi(page, "total") == "£1.0m £1,000,001"
    assert kpi(page, "per-head") == "£1,592.36"  # 1,000,001 / 628
    assert kpi(page, "hospital-share") == "57.0%"  # 570,000.50 / 1,000,001
    assert kpi(page, "budget").startswith("£1,000,000")
    assert "+£1 over budget" in kpi(page, "budget")


def test_header_names_the_place_and_the_run(page: str) -> None:
    head = page[page.index("<header") : page.index("</header>")]
    for text in ("Riverside Place", "run-2025-06-01", "duckdb", "0.1.0", "1 June 2025", "2024/25"):
        assert text in head


def test_tables_beneath_the_charts_hold_the_data(page: str) -> None:
    setting = table_row(page, "Spend by care setting, 2024/25", "Emergency admissions")
    assert setting[1:5] == ["Yes", "£500,000", "50.0%", "170"]
    assert table_row(page, "Spend by care setting, 2024/25", "Community")[5] == "£300,000"
    org = table_row(page, "Spend by organisation, 2024/25", "Independent Clinic Ltd")
    assert org[1:] == ["IND", "No", "£20,000", "2.0%"]
    loc = table_row(page, "Spend by locality, 2024/25", "Northgate & Hill")
    assert loc[1:] == ["£500,001", "50.0%", "215", "£2,325.58"]
    unreg = table_row(
        page, "Spend by locality, 2024/25", "Not registered with a practice of the place"
    )
    assert unreg[3:] == ["—", "—"]
    assert table_row(page, "People by deprivation (IMD quintile)", "Not known")[1] == "20"
    trend = table_row(page, "Hospital share of spend by year", "Southbank")
    assert trend[1:] == ["41.7%"] * 3  # (200,000) / (480,000) in each year


def test_every_locality_appears_by_name(page: str, ws: Workspace) -> None:
    for loc in ws.place.localities:
        assert html.escape(loc.name) in page
        assert table_row(page, "People by locality", loc.name)
        assert table_row(page, "Hospital share of spend, 2024/25", loc.name)


def test_population_people_of_other_sexes_are_counted_not_lost(page: str) -> None:
    assert "Not known: 3 people, not drawn in the pyramid." in page


def test_latest_finished_run_is_reported(empty_ws: Workspace, tmp_path: Path) -> None:
    insert_results(empty_ws, "old", datetime(2025, 1, 1, 9), scale=2)
    insert_results(empty_ws, "new", datetime(2025, 6, 1, 9))
    with empty_ws.connect() as con:  # a run still going is not the latest result
        con.execute(
            "INSERT INTO runs VALUES ('going', TIMESTAMP '2025-07-01', NULL, 'duckdb', "
            "'0.1.0', 'abc', '{}', NULL)"
        )
    page = write_report(empty_ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert kpi(page, "total") == "£1.0m £1,000,001"
    assert kpi(page, "people") == "628"
    assert "Run <code>new</code>" in page


def test_no_budget_for_the_year_is_said_plainly(tmp_path: Path) -> None:
    place = tmp_path / "place.yaml"
    place.write_text(PLACE_YAML, encoding="utf-8")
    ws = Workspace.create(tmp_path / "ws", place)
    insert_results(ws, "r1", datetime(2025, 6, 1, 9), budget=False)
    page = write_report(ws, tmp_path / "r.html").read_text(encoding="utf-8")
    assert kpi(page, "budget") == "— No budget for 2024/25 in the place file"
    assert '<th scope="col" class="num">Budget</th>' not in page


def test_same_run_gives_the_same_page(ws: Workspace, tmp_path: Path) -> None:
    a = write_report(ws, tmp_path / "a.html").read_bytes()
    b = write_report(ws, tmp_path / "b.html").read_bytes()
    assert a == b


@pytest.mark.parametrize("missing", ["population", "spend", "hospital_share"])
def test_missing_result_table_says_run_first(
    empty_ws: Workspace, tmp_path: Path, missing: str
) -> None:
    present = tuple(t for t in ("population", "spend", "hospital_share") if t != missing)
    insert_results(empty_ws, "r1", datetime(2025, 6, 1, 9), tables=present)
    with pytest.raises(UserError, match="oneplace run") as err:
        write_report(empty_ws, tmp_path / "r.html")
    assert missing in str(err.value)
    assert not (tmp_path / "r.html").exists()


def test_no_run_at_all_says_run_first(empty_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no finished run.*oneplace run"):
        write_report(empty_ws, tmp_path / "r.html")


def test_result_table_without_rows_of_the_latest_run_says_run_again(
    empty_ws: Workspace, tmp_path: Path
) -> None:
    insert_results(empty_ws, "r1", datetime(2025, 1, 1, 9))
    with empty_ws.connect() as con:
        con.execute("DELETE FROM spend WHERE run_id = 'r1'")
    with pytest.raises(UserError, match=r"r1 wrote no rows to spend.*oneplace run"):
        write_report(empty_ws, tmp_path / "r.html")


def test_population_health_sections_show_segments_frailty_and_high_intensity_users(ws):
    page = render_report(ws)
    assert "Population segments" in page and "Frailty by age" in page
    # Segment 8 holds 18 of 628 people (2.9%) and £350,000 of £1,000,000 spend (35.0%).
    assert "8. Long decline from frailty and dementia" in page
    assert "2.9%" in page and "35.0%" in page
    # 85-89: 4 intermediate + 2 high of 20 people = 30.0% at risk.
    assert "30.0%" in page
    assert "6 people were high-intensity users of A&amp;E in 2024/25" in page
    assert "12.5% of the place" in page
