"""The dashboard served by the care plane's app: pages for signed-in users, public pages through
disclosure control, the report's numbers, CSV downloads of exactly the tables shown, plotly.js
from the app itself."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from plotly.offline import get_plotlyjs

from oneplace.care import auth, db
from oneplace.care.api import create_app
from oneplace.care.service import open_care_plane
from oneplace.web.dashboard import PAGES, PLOTLY_PATH, page_path
from oneplace.web.formatting import INTERNAL, PUBLIC
from oneplace.web.report import build_context
from oneplace.workspace import Workspace

from .test_report import kpi, table_row

PASSWORD = "a long enough password"


def _app(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    for name in ("ENVIRONMENT", "DATABASE_URL", "TOKEN_SECRET", "PSEUDONYM_SECRET"):
        monkeypatch.delenv(f"ONEPLACE_{name}", raising=False)
    care = open_care_plane(ws.path)
    sessions = db.session_factory(care.engine)
    with sessions() as session:
        session.add(
            db.User(
                username="finance",
                full_name="Finance Director",
                organisation_code=ws.place.organisations[0].code,
                role="analyst",
                password_hash=auth.hash_password(PASSWORD),
            )
        )
        session.commit()
    return create_app(care.settings, sessions, workspace=ws), care


@pytest.fixture
def client(ws: Workspace, monkeypatch: pytest.MonkeyPatch):
    app, care = _app(ws, monkeypatch)
    with TestClient(app) as test_client:
        yield test_client
    care.engine.dispose()


def sign_in(client: TestClient, password: str = PASSWORD):
    return client.post(
        "/sign-in", data={"username": "finance", "password": password}, follow_redirects=False
    )


def test_pages_need_sign_in_and_a_wrong_password_is_refused(client: TestClient) -> None:
    for page in PAGES:
        answer = client.get(page_path(page, False), follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
    assert client.get("/data/setting/1.csv").status_code == 401
    wrong = sign_in(client, "not the password")
    assert wrong.status_code == 401
    assert "Wrong user name or password" in wrong.text
    assert "oneplace_session" not in wrong.cookies


def test_a_signed_in_user_sees_the_reports_numbers_on_the_overview(
    client: TestClient, ws: Workspace
) -> None:
    signed = sign_in(client)
    assert (signed.status_code, signed.headers["location"]) == (303, "/")
    cookie = signed.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/").text
    report = build_context(ws, INTERNAL)["headline"]
    assert kpi(page, "people").startswith(report["people"])
    assert kpi(page, "total").startswith(report["total_m"])
    assert kpi(page, "hospital-share") == report["hospital_share"]
    assert "Finance Director (analyst)" in page
    assert 'aria-current="page">Overview' in page


def test_every_section_of_the_report_is_on_a_page_and_each_page_shows_its_own(
    client: TestClient, ws: Workspace
) -> None:
    sign_in(client)
    report_ids = {s.id for s in build_context(ws, INTERNAL)["sections"]}
    assert report_ids <= {i for page in PAGES for i in page.sections}
    for page in PAGES:
        html = client.get(page_path(page, False)).text
        shown = set(re.findall(r'<section id="([^"]+)"', html))
        assert shown == set(page.sections) & report_ids, page.slug
        assert ('id="kpi-people"' in html) is page.cards


def test_plotly_is_served_by_the_app_and_no_page_loads_from_elsewhere(
    client: TestClient,
) -> None:
    sign_in(client)
    script = client.get(PLOTLY_PATH)
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.text == get_plotlyjs()
    for page in PAGES:
        for public in (False, True):
            html = client.get(page_path(page, public)).text
            sources = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)""", html)
            assert not [s for s in sources if re.match(r"(?:https?:)?//", s)], sources
            assert f'<script src="{PLOTLY_PATH}">' in html


def test_a_csv_download_is_the_table_shown(client: TestClient, ws: Workspace) -> None:
    sign_in(client)
    setting = next(s for s in build_context(ws, INTERNAL)["sections"] if s.id == "setting")
    table = setting.tables[0]
    answer = client.get("/data/setting/1.csv")
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text)))
    assert rows[0] == table.headers
    assert rows[1 : 1 + len(table.rows)] == table.rows
    assert client.get("/data/setting/99.csv").status_code == 404
    assert client.get("/data/no-such-section/1.csv").status_code == 404
    assert 'href="/data/setting/1.csv"' in client.get("/money").text


def test_public_pages_need_no_sign_in_and_go_through_disclosure_control(
    client: TestClient, ws: Workspace
) -> None:
    public = build_context(ws, PUBLIC)
    page = client.get("/public/")
    assert page.status_code == 200
    assert public["disclosure"] in page.text
    assert kpi(page.text, "people").startswith(public["headline"]["people"])
    segments = next(s for s in public["sections"] if s.id == "segments").tables[0]
    rows = list(csv.reader(io.StringIO(client.get("/public/data/segments/1.csv").text)))
    assert rows[1 : 1 + len(segments.rows)] == segments.rows
    internal = next(s for s in build_context(ws, INTERNAL)["sections"] if s.id == "segments")
    assert segments.rows != internal.tables[0].rows  # small counts suppressed or rounded
    assert 'href="/public/money"' in page.text


def test_a_workspace_without_results_says_what_to_run(
    empty_ws: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app, care = _app(empty_ws, monkeypatch)
    with TestClient(app) as client:
        answer = client.get("/public/")
    care.engine.dispose()
    assert answer.status_code == 503
    assert "oneplace run" in answer.text


def test_a_locality_page_sets_its_practices_beside_their_network(client: TestClient) -> None:
    sign_in(client)
    page = client.get("/localities/NORTH")
    assert page.status_code == 200
    assert re.findall(r'<section id="([^"]+)"', page.text) == ["locality-NORTH"]
    assert 'aria-current="page">Localities' in page.text
    assert 'href="/localities/SOUTH">Southbank' in page.text
    rows = list(csv.reader(io.StringIO(client.get("/data/locality-NORTH/1.csv").text)))
    assert rows[0][:5] == ["Network or practice", "Code", "People", "Spend", "Spend per head"]
    practice = next(r for r in rows if r[1] == "P1")
    # 215 people, £300,000: £1,395.35 a head; 4 high-intensity users; 6 of 20 scored frail
    assert practice[2:7] == ["215", "£300,000", "£1,395.35", "4", "30.0%"]
    assert client.get("/localities/NOWHERE").status_code == 404


def test_a_public_locality_page_controls_its_small_counts(client: TestClient) -> None:
    rows = list(csv.reader(io.StringIO(client.get("/public/data/locality-SOUTH/1.csv").text)))
    practice = next(r for r in rows if r[1] == "P2")
    # 413 people rounded to 415; 2 high-intensity users and the frail share of 5 suppressed
    assert practice[2] == "415" and practice[5] == "*" and practice[6] == "*"
    assert practice[4] == "£1,089.59"  # £450,000 over the true 413
    assert client.get("/public/localities/SOUTH").status_code == 200


def test_a_locality_page_shows_its_practices_outcomes_as_the_outcomes_page_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .test_outcomes_section import NON_ELECTIVE, _workspace

    ws = _workspace(tmp_path, framework=True)
    app, care = _app(ws, monkeypatch)
    with TestClient(app) as client:
        sign_in(client)
        page = client.get("/localities/SOUTH").text
        public = client.get("/public/localities/NORTH").text
    care.engine.dispose()
    assert re.findall(r'<section id="([^"]+)"', page) == [
        "locality-SOUTH",
        "locality-SOUTH-outcomes",
    ]
    caption = f"{NON_ELECTIVE}: practices of Southbank, 2024/25"
    row = table_row(page, caption, "Quay Practice")
    # 37 admissions of 413 people: 89.6 per 1,000, far above the place (chance p < 0.001)
    assert row[1:3] == ["37", "413"] and row[3] == "89.6" and row[-1] == "High (0.001)"
    assert "Hill Surgery" not in page.split('id="locality-SOUTH-outcomes"')[1]
    # the public page: Hill Surgery's 3 admissions suppressed, so its value is withheld too
    north_caption = f"{NON_ELECTIVE}: practices of Northgate &amp; Hill, 2024/25"
    north = table_row(public, north_caption, "Hill Surgery")
    assert north[1] == "*" and north[3] == "*"


def test_pages_stand_while_a_run_holds_the_store(client: TestClient, ws: Workspace) -> None:
    with ws.connect():  # a writer holds the store, as `oneplace run` does; nothing built yet
        busy = client.get("/public/")
    assert busy.status_code == 503 and "busy" in busy.text
    before = client.get("/public/money").text
    with ws.connect():
        during = client.get("/public/money")
    assert during.status_code == 200 and during.text == before
