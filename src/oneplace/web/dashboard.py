"""The partnership's dashboard: the board report's sections as pages of a web application,
served by the care plane's FastAPI app (``oneplace serve``).

Source: issue 7, "Pages". Each page is a group of the report's sections (``report.build_context``:
the same figures, tables and lead sentences, so a number on a page is the number in the report),
rendered with the report's template and plotly.js served by the app itself (no CDN). The
server reads the materialised results of the latest finished run and never recomputes them:
a page's context is built once per run and kept (``Contexts``), so a new run shows on the next
request and every other request is a template render.

Who sees what: the pages under ``/`` are for signed-in users of the partnership (any role: the
pages hold aggregates, no person), signed in by the care plane's own sign-in (a form setting the
access token in an HttpOnly, SameSite=Strict cookie). The pages under ``/public`` need no sign-in
and pass every count through disclosure control (``formatting.PUBLIC``), as ``oneplace report
--public`` does. Every table has a CSV download of exactly what the table shows.
"""

from __future__ import annotations

import csv
import io
import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib.resources import files
from itertools import chain
from typing import Any

import duckdb
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import escape

from ..errors import WorkspaceError
from ..workspace import Workspace
from .formatting import INTERNAL, PUBLIC, Formatter
from .localities import locality_part, practice_outcomes_part, read_units
from .outcomes import read_outcomes
from .report import Section, build_context, render_page, sections_of
from .results import latest_run_id

COOKIE = "oneplace_session"
PLOTLY_PATH = "/static/plotly.min.js"


@dataclass(frozen=True)
class Page:
    slug: str
    title: str
    sections: tuple[str, ...]  # the report's section ids, in page order
    cards: bool = False  # the key figures at the top


PAGES = (
    Page(
        "overview",
        "Overview",
        ("population", "budget", "hospital", "settlement", "outcomes", "outcomes-localities"),
        cards=True,
    ),
    Page(
        "money",
        "Money",
        (
            "setting",
            "organisation",
            "locality",
            "budget",
            "fair-shares",
            "monthly",
            "concentration",
            "projection",
            "settlement",
        ),
    ),
    Page(
        "population", "Population health", ("population", "segments", "frailty", "high-intensity")
    ),
    Page(
        "outcomes",
        "Outcomes",
        (
            "outcomes",
            "outcomes-localities",
            "outcomes-practices",
            "outcomes-spc",
            "outcomes-inequality",
            "outcomes-incentive",
        ),
    ),
)
"""The dashboard's pages; every section of the report is on at least one."""


def page_path(page: Page, public: bool) -> str:
    base = "/public" if public else ""
    return f"{base}/" if page.slug == "overview" else f"{base}/{page.slug}"


CARE_PAGE = ("/care/worklists", "Worklists and care plans")
"""The care plane's page for clinicians (``care.pages``), in the signed-in navigation."""


LOCALITIES = "Localities"


def _links(public: bool, current: str, localities: str | None) -> list[dict]:
    base = "/public" if public else ""
    links = [(page_path(p, public), p.title) for p in PAGES]
    if localities is not None:
        links.append((f"{base}/localities/{localities}", LOCALITIES))
    if not public:
        links.append(CARE_PAGE)

    def here(href: str) -> bool:
        on_locality = "/localities/" in current and href.startswith(f"{base}/localities/")
        return href == current or on_locality

    return [{"href": h, "title": t, "current": here(h)} for h, t in links]


def internal_pages(current: str, first_locality: str | None = None) -> list[dict]:
    """The signed-in navigation, ``current`` the path of the page shown."""
    return _links(False, current, first_locality)


def locality_sections(ws: Workspace, run_id: str, fmt: Formatter) -> dict[str, list[Section]]:
    """Each locality's page sections (``localities``), by locality code, in place order: its
    networks and practices, then its practices' outcomes when the run has them."""
    with ws.connect(read_only=True) as con:
        fy = con.execute("SELECT max(fy) FROM spend WHERE run_id = ?", [run_id]).fetchone()[0]
        units = read_units(con, run_id, fy)
        outcomes = read_outcomes(con, run_id, fy)
    out = {}
    for loc in ws.place.localities:
        parts = [locality_part(units, ws.place, loc.code, fmt, fy)]
        practices = practice_outcomes_part(outcomes, ws.place, loc.code, fmt)
        out[loc.code] = sections_of(parts if practices is None else [*parts, practices])
    return out


class Contexts:
    """The report's context for the latest finished run, internal and public, built on first
    use and kept until a newer run finishes."""

    def __init__(self, ws: Workspace):
        self.ws = ws
        self._lock = threading.Lock()
        self._kept: dict[tuple[str, bool], dict] = {}

    def warm(self) -> None:
        """Build the latest run's contexts now (the service starts this in the background,
        so the first visitor does not wait for it); a workspace without results is left to
        say so when a page is asked for."""
        try:
            for public in (False, True):
                self.get(public)
        except WorkspaceError:
            pass

    def get(self, public: bool) -> dict:
        try:
            run_id = latest_run_id(self.ws)
        except duckdb.Error as error:
            # The store is locked by a process writing it (``oneplace run``): the pages of the
            # run already built stand until it finishes.
            with self._lock:
                kept = [v for (_, p), v in self._kept.items() if p == public]
            if kept:
                return kept[0]
            raise WorkspaceError(
                f"{self.ws.path}: the store is busy ({error}); try again when it is free"
            ) from None
        key = (run_id, public)
        with self._lock:
            if key not in self._kept:
                fmt = PUBLIC if public else INTERNAL
                context = build_context(self.ws, fmt)
                context["locality_sections"] = locality_sections(self.ws, run_id, fmt)
                self._kept = {k: v for k, v in self._kept.items() if k[0] == run_id}
                self._kept[key] = context
            return self._kept[key]


def _csv(table: Any) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table.headers)
    writer.writerows(table.rows)
    if table.total:
        writer.writerow(table.total)
    return out.getvalue()


SIGN_IN = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in – {place}</title>
<style>
body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;
  color: #212B32; background: #F0F4F5; line-height: 1.5; }}
header {{ background: #005EB8; color: #fff; padding: 1.5rem 1.25rem; }}
main {{ max-width: 28rem; margin: 2rem auto; background: #fff; padding: 1.5rem; }}
h1 {{ margin: 0; font-size: 2rem; }} label {{ display: block; font-weight: 600; margin-top: 1rem; }}
input {{ font: inherit; width: 100%; padding: .4rem; border: 2px solid #212B32; }}
input:focus {{ outline: 3px solid #FFEB3B; }}
button {{ font: inherit; margin-top: 1.25rem; padding: .5rem 1.25rem; color: #fff;
  background: #007F3B; border: 0; font-weight: 600; cursor: pointer; }}
.error {{ color: #D5281B; font-weight: 600; }} a {{ color: #005EB8; }}
</style></head>
<body><header><h1>{place}</h1><p>The partnership's dashboard</p></header>
<main id="main"><h2>Sign in</h2>{error}
<form method="post" action="/sign-in">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>
<p><a href="/public/">The public dashboard</a> needs no sign-in.</p></main></body></html>
"""


def add_dashboard(
    app: FastAPI,
    ws: Workspace,
    *,
    user_of_token: Callable[[str], str | None],
    sign_in: Callable[[str, str], str | None],
    secure_cookie: bool,
) -> None:
    """Add the dashboard's routes to ``app``: ``user_of_token(token)`` names the active user a
    token belongs to (None if invalid), ``sign_in(username, password)`` issues a token (None
    for a wrong password or a disabled user). The pages' ``Contexts`` are ``app.state.
    dashboard``."""
    contexts = Contexts(ws)
    app.state.dashboard = contexts
    first_locality = ws.place.localities[0].code if ws.place.localities else None
    plotly_js = (files("plotly") / "package_data" / "plotly.min.js").read_bytes()

    def user_of(request: Request) -> str | None:
        token = request.cookies.get(COOKIE)
        return user_of_token(token) if token else None

    def render(page: Page, public: bool, user: str | None) -> HTMLResponse:
        context = contexts.get(public)
        wanted = {s.id: s for s in context["sections"]}
        sections = [wanted[i] for i in page.sections if i in wanted]
        here = page_path(page, public)
        pages = _links(public, here, first_locality)
        html = render_page(
            {**context, "sections": sections},
            page_title=page.title,
            pages=pages,
            user=user,
            show_cards=page.cards,
            csv_base="/public/data" if public else "/data",
            plotly_src=PLOTLY_PATH,
            tables_collapsed=True,  # a glance first; each chart's table one click away
            lazy_charts=True,  # charts drawn as they come near the screen
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    def add_page(page: Page) -> None:
        def internal(request: Request) -> Response:
            user = user_of(request)
            if user is None:
                return RedirectResponse("/sign-in", status_code=303)
            return render(page, False, user)

        def public(_request: Request) -> Response:
            return render(page, True, None)

        app.add_api_route(page_path(page, False), internal, include_in_schema=False)
        app.add_api_route(page_path(page, True), public, include_in_schema=False)

    for page in PAGES:
        add_page(page)

    def locality_page(code: str, public: bool, user: str | None) -> HTMLResponse:
        context = contexts.get(public)
        sections = context["locality_sections"].get(code)
        if sections is None:
            return HTMLResponse("no such locality", status_code=404)
        base = "/public" if public else ""
        here = f"{base}/localities/{code}"
        html = render_page(
            {**context, "sections": sections},
            page_title=f"{LOCALITIES}: {sections[0].title}",
            pages=_links(public, here, first_locality),
            subpages=[
                {"href": f"{base}/localities/{c}", "title": s[0].title, "current": c == code}
                for c, s in context["locality_sections"].items()
            ],
            subpages_label=LOCALITIES,
            user=user,
            show_cards=False,
            csv_base=f"{base}/data",
            plotly_src=PLOTLY_PATH,
            tables_collapsed=True,  # a glance first; each chart's table one click away
            lazy_charts=True,  # charts drawn as they come near the screen
        )
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    @app.get("/localities/{code}", include_in_schema=False)
    def internal_locality(request: Request, code: str) -> Response:
        user = user_of(request)
        if user is None:
            return RedirectResponse("/sign-in", status_code=303)
        return locality_page(code, False, user)

    @app.get("/public/localities/{code}", include_in_schema=False)
    def public_locality(code: str) -> Response:
        return locality_page(code, True, None)

    @app.exception_handler(WorkspaceError)
    def _no_results(_request: Request, error: WorkspaceError) -> HTMLResponse:
        return HTMLResponse(
            f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'>"
            f"<title>No results yet</title></head><body><main><h1>No results yet</h1>"
            f"<p>{escape(str(error))}</p></main></body></html>",
            status_code=503,
        )

    def table_csv(section_id: str, number: int, public: bool) -> Response:
        context = contexts.get(public)
        sections = [*context["sections"], *chain(*context["locality_sections"].values())]
        section = next((s for s in sections if s.id == section_id), None)
        if section is None or not 1 <= number <= len(section.tables):
            return Response("no such table\n", status_code=404, media_type="text/plain")
        name = f"{section_id}-{number}{'-public' if public else ''}.csv"
        return Response(
            _csv(section.tables[number - 1]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/data/{section_id}/{number}.csv", include_in_schema=False)
    def internal_csv(request: Request, section_id: str, number: int) -> Response:
        if user_of(request) is None:
            return Response("sign in first\n", status_code=401, media_type="text/plain")
        return table_csv(section_id, number, False)

    @app.get("/public/data/{section_id}/{number}.csv", include_in_schema=False)
    def public_csv(section_id: str, number: int) -> Response:
        return table_csv(section_id, number, True)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon, and no 404 in the browser's console

    @app.get(PLOTLY_PATH, include_in_schema=False)
    def plotly() -> Response:
        return Response(
            plotly_js,
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    def sign_in_page(error: str = "", status: int = 200) -> HTMLResponse:
        message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
        return HTMLResponse(
            SIGN_IN.format(place=escape(ws.place.name), error=message), status_code=status
        )

    @app.get("/sign-in", include_in_schema=False)
    def sign_in_form() -> HTMLResponse:
        return sign_in_page()

    @app.post("/sign-in", include_in_schema=False)
    def sign_in_submit(username: str = Form(...), password: str = Form(...)) -> Response:
        token = sign_in(username, password)
        if token is None:
            return sign_in_page("Wrong user name or password.", 401)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(
            COOKIE, token, httponly=True, samesite="strict", secure=secure_cookie, path="/"
        )
        return response

    @app.post("/sign-out", include_in_schema=False)
    def sign_out() -> Response:
        response = RedirectResponse("/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response
