"""The dashboard in a real browser: ``oneplace serve`` on a free loopback port, Debian's chromium
driven by Playwright. Each role signs in; every page, internal and public, is visited; its key
numbers must equal the report's, its charts must have drawn (Plotly's SVG is in the page), the
console must hold no error, and axe-core must find no serious or critical accessibility
violation. A screenshot of each page goes to ``test-artifacts/screenshots/``.

Needs /usr/bin/chromium (``.ci/run`` installs Debian's package) and axe-core from the npm
registry (``make test`` installs it under ``.cache/axe``); without either the test is skipped,
saying which is missing."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from oneplace.care import auth, db
from oneplace.care.policy import Role
from oneplace.care.service import open_care_plane
from oneplace.web.dashboard import PAGES, page_path
from oneplace.web.formatting import INTERNAL, PUBLIC
from oneplace.web.pdf import HEADLESS_FLAGS
from oneplace.web.report import build_context
from oneplace.workspace import Workspace

from .test_care_pages import ADA_NHS, CareWorld
from .test_care_pages import PASSWORD as CARE_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(os.environ.get("ONEPLACE_AXE_JS", ROOT / ".cache/axe/node_modules/axe-core/axe.min.js"))
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_FLAGS = list(HEADLESS_FLAGS)  # the flags
PASSWORD = "a long enough password"

if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)", allow_module_level=True)
if not AXE.exists():
    pytest.skip(
        f"axe-core is not at {AXE} (make test installs it with npm)", allow_module_level=True
    )
sync_api = pytest.importorskip("playwright.sync_api")


@pytest.fixture
def server(ws: Workspace, monkeypatch: pytest.MonkeyPatch, serving) -> Iterator[str]:
    """``oneplace serve`` on the workspace, with a user of every role; yields its base URL."""
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    care = open_care_plane(ws.path)
    password_hash = auth.hash_password(PASSWORD)
    with db.session_factory(care.engine)() as session:
        for role in Role:
            session.add(
                db.User(
                    username=f"user.{role}",
                    full_name=f"A {role}",
                    organisation_code=ws.place.organisations[0].code,
                    role=str(role),
                    password_hash=password_hash,
                )
            )
        session.commit()
        CareWorld(session, ws)  # patients, a worklist and a care plan for the care pages
    care.engine.dispose()
    with serving(["serve", str(ws.path)]) as (base, _process):
        yield base


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _visit(page, url: str) -> list[str]:
    """Open ``url``; the console errors and page errors it caused."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    answer = page.goto(url)
    assert answer is not None and answer.status == 200, url
    page.wait_for_load_state("networkidle")
    return errors


def _charts_drawn(page, label: str, sections: set[str]) -> None:
    """Every Plotly chart in ``sections``, brought to the screen (the dashboard draws a chart
    as it comes near it), draws its SVG."""
    for section in sections:
        charts = page.locator(f"section#{section} .plotly-graph-div")
        for n in range(charts.count()):
            chart = charts.nth(n)
            chart.scroll_into_view_if_needed()
            try:
                chart.locator("svg.main-svg").first.wait_for(state="attached", timeout=10_000)
            except sync_api.TimeoutError:
                raise AssertionError(f"{label}: chart {n + 1} of {section} did not draw") from None


def _check_page(page, label: str, sections: set[str]) -> None:
    """The page's charts drew, axe finds nothing serious, and a screenshot is kept."""
    _charts_drawn(page, label, sections)
    page.add_script_tag(path=str(AXE))
    serious = page.evaluate(
        """async () => (await axe.run(document)).violations
            .filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => `${v.id} (${v.impact}): ${v.help}; ${v.nodes.length} element(s), e.g. ${v.nodes[0].target}`)"""
    )
    assert serious == [], f"{label}: {serious}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{label}.png"), full_page=True)


def _kpi(page, name: str) -> str:
    return " ".join(page.locator(f"#kpi-{name}").inner_text().split())


def test_every_role_signs_in_and_every_page_draws_the_reports_numbers(
    server: str, browser, ws: Workspace
) -> None:
    internal = build_context(ws, INTERNAL)
    ids = {s.id for s in internal["sections"]}
    for role in Role:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        errors = _visit(page, f"{server}/")
        assert page.url.endswith("/sign-in")
        if role is Role.GP:
            _check_page(page, "sign-in", set())
        page.fill("#username", f"user.{role}")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{server}/")
        assert _kpi(page, "people").startswith(internal["headline"]["people"])
        assert _kpi(page, "hospital-share") == internal["headline"]["hospital_share"]
        assert f"A {role} ({role})" in page.locator("nav.pages").inner_text()
        # every role visits every page; axe and the screenshots run once a page (analyst)
        audited = role is Role.ANALYST
        for dashboard_page in PAGES:
            if dashboard_page is not PAGES[0]:
                errors += _visit(page, server + page_path(dashboard_page, False))
            page.wait_for_load_state("networkidle")
            shown = set(page.locator("section").evaluate_all("s => s.map(e => e.id)"))
            assert shown == set(dashboard_page.sections) & ids
            _charts_drawn(page, dashboard_page.slug, shown)
            if audited or dashboard_page is PAGES[0]:
                _check_page(page, f"{role}-{dashboard_page.slug}", shown)
        for locality in ws.place.localities:
            errors += _visit(page, f"{server}/localities/{locality.code}")
            assert page.locator(f"section#locality-{locality.code}").count() == 1
            _charts_drawn(page, locality.code, {f"locality-{locality.code}"})
            if audited:
                _check_page(page, f"{role}-locality-{locality.code}", set())
        assert errors == [], f"{role}: {errors}"
        context.close()


def test_public_pages_in_a_tablet_sized_window(server: str, browser, ws: Workspace) -> None:
    public = build_context(ws, PUBLIC)
    context = browser.new_context(viewport={"width": 820, "height": 1180})  # a tablet
    page = context.new_page()
    errors: list[str] = []
    for dashboard_page in PAGES:
        errors += _visit(page, server + page_path(dashboard_page, True))
        assert "sign-in" not in page.url
        shown = set(page.locator("section").evaluate_all("s => s.map(e => e.id)"))
        _check_page(page, f"public-{dashboard_page.slug}", shown)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 820, f"public {dashboard_page.slug} scrolls sideways: {width}px"
    for locality in ws.place.localities:
        errors += _visit(page, f"{server}/public/localities/{locality.code}")
        _check_page(page, f"public-locality-{locality.code}", {f"locality-{locality.code}"})
    page.goto(server + "/public/")
    assert _kpi(page, "people").startswith(public["headline"]["people"])
    assert re.search(re.escape(public["disclosure"]), page.content())
    assert errors == []
    context.close()


def _sign_in(browser, server: str, username: str, password: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/sign-in")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{server}/")
    return context, page


def test_a_clinician_without_a_relationship_cannot_open_a_record_through_the_ui(
    server: str, browser
) -> None:
    # a clinician of the locality: the worklist, then a click to the record and care plan
    context, page = _sign_in(browser, server, "nurse.north", CARE_PASSWORD)
    errors = _visit(page, f"{server}/care/worklists")
    assert page.locator("text=Withheld (objects to sharing)").count() == 1
    _check_page(page, "nurse-worklists", set())
    page.click("text=Ada Example")
    page.wait_for_load_state("networkidle")
    record_url = page.url
    assert "/care/patients/" in record_url
    assert ADA_NHS in page.locator("#record").inner_text()
    assert "Keeping well at home" in page.locator("#care-plans").inner_text()
    _check_page(page, "nurse-patient", set())
    assert errors == []
    context.close()

    # a clinician of another locality, at the same address: refused, nothing of Ada shown
    context, page = _sign_in(browser, server, "gp.south", CARE_PASSWORD)
    answer = page.goto(record_url)
    assert answer is not None and answer.status == 403
    assert "P0: Anything no rule allows is refused" in page.locator("#refused").inner_text()
    assert ADA_NHS not in page.content() and page.locator("#record").count() == 0
    _check_page(page, "gp-refused", set())
    # ... unless they break the glass, stating why
    page.fill("#reason", "Collapsed at the surgery, no record reachable")
    page.click("text=Open by break-glass")
    page.wait_for_load_state("networkidle")
    assert ADA_NHS in page.locator("#record").inner_text()
    assert "Opened by break-glass" in page.content()
    context.close()


@pytest.fixture
def demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, serving
) -> Iterator[tuple[str, Workspace]]:
    """``oneplace demo`` of a small synthetic place (every engine, the care plane's worklists
    and demo sign-ins), served."""
    from typer.testing import CliRunner

    from oneplace.cli import app

    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    made = CliRunner().invoke(
        app, ["demo", "--people", "3000", "--dir", str(tmp_path), "--no-serve"]
    )
    assert made.exit_code == 0, made.output
    ws = Workspace.open(tmp_path / "workspace")
    with serving(["serve", str(ws.path)]) as (base, _process):
        yield base, ws


def test_the_demo_place_draws_every_chart_of_every_page(demo, browser) -> None:
    from oneplace.care.demo import read_sign_ins

    server, ws = demo
    internal = build_context(ws, INTERNAL)
    with_charts = {s.id for s in internal["sections"] if s.figure}
    assert {"outcomes", "outcomes-practices", "settlement", "projection"} <= with_charts
    sign_ins = {role: (user, password) for user, role, password in read_sign_ins(ws.path)}
    context, page = _sign_in(browser, server, *sign_ins["analyst"])
    errors: list[str] = []
    assert _kpi(page, "people").startswith(internal["headline"]["people"])
    assert _kpi(page, "total").startswith(internal["headline"]["total_m"])
    for dashboard_page in PAGES:
        errors += _visit(page, server + page_path(dashboard_page, False))
        shown = set(page.locator("section").evaluate_all("s => s.map(e => e.id)"))
        assert shown == set(dashboard_page.sections) & {s.id for s in internal["sections"]}
        assert shown & with_charts == {
            s for s in shown if page.locator(f"section#{s} .plotly-graph-div").count()
        }
        _check_page(page, f"demo-{dashboard_page.slug}", shown)
    # every chart's table is one click away
    view = page.locator("section#outcomes-incentive details.table-view")
    assert not view.locator("table").first.is_visible()
    view.locator("summary").click()
    assert view.locator("table").first.is_visible()
    for locality in ws.place.localities:
        errors += _visit(page, f"{server}/localities/{locality.code}")
        assert page.locator(f"section#locality-{locality.code} .plotly-graph-div").count()
        assert page.locator(f"section#locality-{locality.code}-outcomes table").count()
        _check_page(page, f"demo-locality-{locality.code}", {f"locality-{locality.code}"})
    assert errors == []
    context.close()

    # a locality's GP works through its worklist to a patient's record
    gp = next(user for user, role, _ in read_sign_ins(ws.path) if role == "gp")
    context, page = _sign_in(browser, server, gp, sign_ins_by_user(ws)[gp])
    errors = _visit(page, f"{server}/care/worklists")
    _check_page(page, "demo-worklists", set())
    page.locator("section table tbody a").first.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#record").count() == 1
    _check_page(page, "demo-patient", set())
    assert errors == []
    context.close()


def sign_ins_by_user(ws: Workspace) -> dict[str, str]:
    from oneplace.care.demo import read_sign_ins

    return {user: password for user, _role, password in read_sign_ins(ws.path)}
