"""The partnership report: one self-contained HTML page from the latest run's results.

``write_report(ws, out)`` reads the latest finished run's result tables (population, spend,
hospital_share, population health and, when the run wrote them, the money tables of
:mod:`.money` and the outcomes tables of :mod:`.outcomes`) and writes one HTML file that needs no network to view: plotly.js is inlined
once in the page and each figure is a ``<div>`` with a small script calling it; CSS is inline
and fonts are the system's. The page answers the finance director's question from the seed
documents: where does the pooled money go, and how much of it to hospitals?

The page is for use inside the partnership. Every number goes through one
:class:`~oneplace.web.formatting.Formatter`. The public variant (``write_report(ws, out,
public=True)``, ``oneplace report --public``) passes :data:`~oneplace.web.formatting.PUBLIC`,
which sends every count, and every share, rate and per-head figure of a count, through
:mod:`oneplace.disclosure`: in the tables, the lead sentences and the data of every chart. It
also leaves out the one column that describes a single person (the spend of the last person in
the top 1% or 5%), and says in its header that it is the public version.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup
from plotly.offline import get_plotlyjs

from .. import disclosure
from ..place.model import Budget
from ..workspace import Workspace
from . import figures, health, money, outcomes
from . import sections as sec
from .formatting import INTERNAL, PUBLIC, Formatter, fy_label
from .results import Results, read_results

TEMPLATE = "report.html.j2"
# No mode-bar logo or cloud links: the page must work, and stay, offline.
FIGURE_CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    lead: str
    figure: Markup
    tables: list[sec.Table]


def _figure_html(fig: go.Figure, div_id: str) -> Markup:
    # A fixed div id keeps the page the same byte for byte for the same run.
    html = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=FIGURE_CONFIG)
    return Markup(html)  # noqa: S704 - Plotly's own output, data JSON-encoded by Plotly


def _headline(
    results: Results, budget: Budget | None, fmt: Formatter, hospital_share: float | None
) -> dict:
    people = int(results.population["people"].sum()) if len(results.population) else None
    total = sum(results.by_setting["cost_gbp"], Decimal(0))
    out = {
        "people": fmt.count(people),
        "total": fmt.money(total),
        "total_m": fmt.money_m(total),
        "per_head": fmt.per_head(total / people if people else None, of=[people]),
        "hospital_share": fmt.percent(hospital_share),
        "budget": None,
    }
    if budget is not None:
        pooled = budget.total_gbp
        diff = total - pooled
        out["budget"] = {
            "total": fmt.money(pooled),
            "difference": fmt.signed_money(diff),
            "over": diff > 0,
            "used": fmt.percent(total / pooled if pooled else None),
        }
    return out


def build_context(ws: Workspace, fmt: Formatter = INTERNAL) -> dict:
    """Everything the template shows, as formatted strings and figure HTML."""
    results = read_results(ws)
    place = ws.place
    fy = results.fy
    budget = place.budget(fy)
    people = int(results.population["people"].sum()) if len(results.population) else None

    by_setting = sec.setting_frame(results, budget)
    by_org = sec.organisation_frame(results, place, budget)
    by_loc = sec.locality_frame(results, place)
    trend = sec.hospital_trend_frame(results, place)
    whole = trend[(trend["fy"] == fy) & trend["whole_place"]]
    share = float(whole["hospital_share"].iloc[0]) if len(whole) else None
    hospital_gbp = sum(by_setting.loc[by_setting["hospital"], "cost_gbp"], Decimal(0))

    sections = [
        Section(
            "population",
            "Population",
            f"{fmt.count(people)} people registered with the place's practices in "
            f"{fy_label(fy)}, by age, sex, locality and deprivation.",
            _figure_html(
                figures.population_pyramid(
                    fmt.published(sec.pyramid_frame(results, every_band=fmt.public), ["people"])
                ),
                "fig-population",
            ),
            sec.population_tables(results, place, fmt),
        ),
        Section(
            "setting",
            "Spend by care setting",
            f"{fmt.money(hospital_gbp)} of {fmt.money(by_setting['cost_gbp'].sum())} was spent "
            "in hospital settings (admissions, day cases, outpatients and A&E), shown dark blue.",
            _figure_html(figures.spend_by_setting(by_setting), "fig-setting"),
            [sec.setting_table(by_setting, fmt, fy)],
        ),
        Section(
            "organisation",
            "Spend by organisation",
            "Spend counted under the organisation that provided the care; partners of the "
            "pooled budget in blue.",
            _figure_html(figures.spend_by_organisation(by_org), "fig-organisation"),
            [sec.organisation_table(by_org, fmt, fy)],
        ),
        Section(
            "locality",
            "Spend by locality",
            "Spend by the locality of the person's registered practice, in total and per head "
            "of registered population.",
            _figure_html(
                figures.spend_by_locality(
                    fmt.published(by_loc, ["people", "activities"], {"per_head": ["people"]})
                ),
                "fig-locality",
            ),
            [sec.locality_table(by_loc, fmt, fy, people)],
        ),
        Section(
            "hospital",
            "Hospital share of spend",
            f"In {fy_label(fy)} {fmt.percent(share)} of the place's spend went to hospitals. "
            "The aim of the partnership is to shift care, and money, into the community.",
            _figure_html(figures.hospital_share_trend(trend), "fig-hospital"),
            sec.hospital_tables(trend, fmt, fy),
        ),
    ]
    sections += _health_sections(ws, results.run.run_id, fy, fmt)
    sections += _money_sections(ws, results.run.run_id, fy, fmt)
    sections += _outcomes_sections(ws, results.run.run_id, fy, fmt)
    run = results.run
    return {
        "public": fmt.public,
        "disclosure": disclosure.STATEMENT,
        "place": place.name,
        "fy": fy_label(fy),
        "fys": [fy_label(y) for y in results.fys],
        "run": {
            "id": run.run_id,
            "engine": run.engine,
            "version": run.package_version,
            "date": f"{run.finished_at.day} {run.finished_at:%B %Y}",
            "time": run.finished_at.strftime("%H:%M"),
        },
        "headline": _headline(results, budget, fmt, share),
        "localities": [loc.name for loc in place.localities],
        "sections": sections,
    }


def _health_sections(ws: Workspace, run_id: str, fy: int, fmt: Formatter) -> list[Section]:
    with ws.connect(read_only=True) as con:
        data = health.read_health(con, run_id, fy)
    settings = ws.place.population_health
    if settings.high_intensity_rule == "nhse":
        rule = "High-intensity user: more than 20 A&E attendances in the year or more than 5 in a month (NHS England)."
    else:
        rule = (
            f"High-intensity user: {settings.high_intensity_attendances} or more A&E "
            "attendances in the year."
        )
    hiu = health.hiu_frame(data, ws.place)
    segments = health.segment_frame(data.segments)
    frailty = health.frailty_frame(data.by_age)
    whole = hiu[hiu["level"] == "place"]
    spend_share = float(whole["cost_share"].iloc[0]) if len(whole) else None
    users = int(whole["hiu_people"].iloc[0]) if len(whole) else None
    return [
        Section(
            "segments",
            "Population segments",
            "Everyone registered, in one of the eight Bridges to Health segments (Lynn et al., "
            "2007), from diagnoses, age, frailty and use of services in the year: the few in "
            "the last segments account for much of the spend.",
            _figure_html(
                health.segment_pyramid(
                    fmt.published(segments, health.SEGMENT_COUNTS, health.SEGMENT_DERIVED)
                ),
                "fig-segments",
            ),
            [health.segment_table(data.segments, fmt, fy)],
        ),
        Section(
            "frailty",
            "Frailty by age",
            "People aged 75 and over at intermediate or high risk on the Hospital Frailty Risk "
            "Score.",
            _figure_html(
                health.frailty_by_age(
                    fmt.published(frailty, health.FRAILTY_COUNTS, health.FRAILTY_DERIVED)
                ),
                "fig-frailty",
            ),
            [health.frailty_table(data.by_age, fmt, fy)],
        ),
        Section(
            "high-intensity",
            "High-intensity users of A&E",
            f"{fmt.count(users)} people were high-intensity users of A&E in {fy_label(fy)}; "
            f"they account for {fmt.percent(spend_share, of=[users])} of the place's spend on "
            "its people.",
            _figure_html(
                health.hiu_figure(fmt.published(hiu, health.HIU_COUNTS, health.HIU_DERIVED)),
                "fig-hiu",
            ),
            [health.hiu_table(hiu, fmt, fy, rule)],
        ),
    ]


def sections_of(parts: list[money.Part]) -> list[Section]:
    """Page sections from parts (a part without data says so in its lead and has no chart)."""
    return [
        Section(
            p.id,
            p.title,
            p.lead,
            Markup("") if p.figure is None else _figure_html(p.figure, f"fig-{p.id}"),
            p.tables,
        )
        for p in parts
    ]


def _money_sections(ws: Workspace, run_id: str, fy: int, fmt: Formatter) -> list[Section]:
    """Budget and spend, fair shares, spend by month, concentration, projection, settlement."""
    with ws.connect(read_only=True) as con:
        data = money.read_money(con, run_id, fy)
    return sections_of(money.money_parts(data, ws.place, fmt))


def _outcomes_sections(ws: Workspace, run_id: str, fy: int, fmt: Formatter) -> list[Section]:
    """The scorecard, indicators by locality, funnel plots, SPC, inequality and the payout."""
    with ws.connect(read_only=True) as con:
        data = outcomes.read_outcomes(con, run_id, fy)
    return sections_of(outcomes.outcomes_parts(data, ws.place, fmt))


def environment() -> Environment:
    return Environment(
        loader=PackageLoader("oneplace.web", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


REPORT_PAGE = {
    "page_title": None,  # the whole report under the place's own title
    "pages": [],  # no page navigation: one page
    "user": None,
    "show_cards": True,
    "csv_base": None,  # the tables are on the page; a file has no server to download from
    "plotly_src": None,  # plotly.js inlined: the page works offline
    "tables_collapsed": False,  # a report is read, and printed, with its tables open
    "lazy_charts": False,  # every chart drawn at once: a report is printed whole
}
"""What the shared template needs to render the report (the dashboard passes its own)."""


def render_page(context: dict, **page: object) -> str:
    """The template rendered with ``context`` (``build_context``) and ``page`` (the keys of
    ``REPORT_PAGE``)."""
    template = environment().get_template(TEMPLATE)
    return template.render(**context, **page)


def render_report(ws: Workspace, fmt: Formatter = INTERNAL) -> str:
    return render_page(
        build_context(ws, fmt),
        **REPORT_PAGE,
        plotlyjs=Markup(get_plotlyjs()),  # noqa: S704
    )


def write_report(ws: Workspace, out: Path, public: bool = False) -> Path:
    """Write the partnership report for the latest run to ``out`` (an .html file) and return it;
    ``public``: the version for outside the partnership, through disclosure control.

    Raises :class:`~oneplace.errors.WorkspaceError` (a ``UserError``) when there is no finished
    run or a result table is missing: the user should run ``oneplace run`` first.
    """
    out = Path(out)
    html = render_report(ws, PUBLIC if public else INTERNAL)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".writing")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(out)  # a reader never sees half a page
    return out
