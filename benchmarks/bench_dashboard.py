"""How long the dashboard's pages take to render (issue 7's target: every page under 1 second
for the 1.4 million person synthetic place).

Builds the place with ``oneplace demo --people N --no-serve`` into ``--dir`` (default
``bench-out/dashboard-N``; kept, and reused when it already holds a finished run, so the page
timings can be re-measured without the build), then serves it with ``oneplace serve`` in its
own process on 127.0.0.1, signs in with the demo's analyst and a locality GP, and requests every
page: the signed-in pages, each locality's page, the public pages and the GP's worklists.

Three times are reported. ``ready`` is how long the service took, after it answered
``/health``, to have the latest run's pages built: it builds them in the background as it
starts (the results are read, not recomputed), and the first request for a page waits for that
build. Then each page is requested ``--requests`` times one at a time (after one unmeasured
request): the median, p95 and largest time from sending the request to the last byte, and the
page's size. Last, with ``--browser`` (Playwright driving /usr/bin/chromium), each page is
opened ``--browser-loads`` times in a signed-in browser at 1280 x 900: the time from navigating
to the page having loaded with the charts on its first screen drawn (their SVG present), which
is what a reader waits for (the dashboard draws a chart as it comes near the screen), and to
every chart drawn, scrolling down to each in turn.

Usage: ``python benchmarks/bench_dashboard.py [--people 1400000] [--requests 20] [--dir D]
[--browser]``
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
from machine import machine
from rich.console import Console
from rich.table import Table

from oneplace.care.demo import read_sign_ins
from oneplace.web.dashboard import PAGES, page_path
from oneplace.web.pdf import HEADLESS_FLAGS
from oneplace.workspace import Workspace

console = Console(width=170)
BIN = Path(sys.executable).parent


def build(people: int, folder: Path) -> float | None:
    """The demo place in ``folder`` (seconds taken; None when it was already there)."""
    ws = folder / "workspace"
    if (ws / "care.db").exists() and (folder / "report.html").exists():
        return None
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "oneplace"),
            "demo",
            "--people",
            str(people),
            "--dir",
            str(folder),
            "--no-serve",
        ],
        check=True,
    )
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def timed(client: httpx.Client, path: str, requests: int) -> tuple[list[float], int, int]:
    """Latencies (seconds) of ``requests`` GETs after one unmeasured; the status and size."""
    answer = client.get(path)
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        answer = client.get(path)
        times.append(time.perf_counter() - start)
    return times, answer.status_code, len(answer.content)


FIRST_SCREEN = """() => [...document.querySelectorAll('.plotly-graph-div')]
    .filter(el => { const r = el.getBoundingClientRect();
                    return r.top < innerHeight && r.bottom > 0; })
    .every(el => el.querySelector('svg.main-svg'))"""
EVERY_CHART = """async () => {
    for (const el of document.querySelectorAll('.plotly-graph-div')) {
        el.scrollIntoView();
        while (!el.querySelector('svg.main-svg'))
            await new Promise(r => requestAnimationFrame(r));
    }
}"""


def in_browser(
    base: str, sign_in: tuple[str, str], pages: list[tuple[str, str]], loads: int
) -> dict[str, tuple[list[float], list[float]]]:
    """For each page, seconds from navigating to it until it has loaded with the charts on the
    first screen drawn, and until every chart is drawn (scrolling down to each in turn)."""
    from playwright.sync_api import sync_playwright

    out: dict[str, tuple[list[float], list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=list(HEADLESS_FLAGS)
        )
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.goto(f"{base}/sign-in")
        page.fill("#username", sign_in[0])
        page.fill("#password", sign_in[1])
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/")
        for _label, path in pages:
            page.goto(base + path)  # unmeasured: plotly.js into the cache
            first, every = [], []
            for _ in range(loads):
                start = time.perf_counter()
                page.goto(base + path, wait_until="load")
                page.wait_for_function(FIRST_SCREEN)
                first.append(time.perf_counter() - start)
                page.evaluate(EVERY_CHART)
                every.append(time.perf_counter() - start)
            out[path] = (first, every)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_400_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--browser", action="store_true", help="also time pages in chromium")
    parser.add_argument("--browser-loads", type=int, default=5)
    args = parser.parse_args()
    folder = args.dir or Path("bench-out") / f"dashboard-{args.people}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONEPLACE_")}

    built = build(args.people, folder)
    ws = Workspace.open(folder / "workspace")
    sign_ins = {role: (user, password) for user, role, password in read_sign_ins(ws.path)}
    port = free_port()
    server = subprocess.Popen(
        [str(BIN / "oneplace"), "serve", str(ws.path), "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit("the service did not start")
            time.sleep(0.1)
        up = time.perf_counter()
        with httpx.Client(base_url=base, timeout=120) as client:
            user, password = sign_ins["analyst"]
            client.post("/sign-in", data={"username": user, "password": password})
            client.get("/")  # waits for the background build, if it is still running
            ready = time.perf_counter() - up
            pages = [(p.title, page_path(p, False)) for p in PAGES]
            pages += [
                (f"Locality {loc.name}", f"/localities/{loc.code}") for loc in ws.place.localities
            ]
            pages += [(f"Public: {p.title}", page_path(p, True)) for p in PAGES]
            for label, path in pages:
                rows.append((label, path, *timed(client, path, args.requests)))
        with httpx.Client(base_url=base, timeout=120) as gp:
            user, password = sign_ins["gp"]
            gp.post("/sign-in", data={"username": user, "password": password})
            rows.append(
                (
                    "Worklists (a GP)",
                    "/care/worklists",
                    *timed(gp, "/care/worklists", args.requests),
                )
            )
        drawn = {}
        if args.browser:
            drawn = in_browser(base, sign_ins["analyst"], pages, args.browser_loads)
    finally:
        server.terminate()
        server.wait(timeout=15)

    table = Table(title=f"Dashboard pages, {args.people:,} people ({machine()})")
    columns = ["page", "path", "status", "median ms", "p95 ms", "max ms", "KiB"]
    if drawn:
        columns += ["first screen median ms", "max ms ", "all charts median ms", "max ms  "]
    for name in columns:
        table.add_column(name, justify="left" if name in ("page", "path") else "right")
    for label, path, times, status, size in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        cells = [
            label,
            path,
            str(status),
            f"{statistics.median(times) * 1000:.0f}",
            f"{p95 * 1000:.0f}",
            f"{max(times) * 1000:.0f}",
            f"{size / 1024:,.0f}",
        ]
        if drawn:
            for loads in drawn.get(path, ([], [])):
                if loads:
                    cells += [f"{statistics.median(loads) * 1000:.0f}", f"{max(loads) * 1000:.0f}"]
                else:
                    cells += ["", ""]
        table.add_row(*cells)
    console.print(table)
    made = "already built" if built is None else f"built in {built:,.0f} s"
    console.print(
        f"Place: {folder} ({made}). Ready: the service had the run's pages built {ready:.1f} s "
        f"after it answered /health. {args.requests} requests a page, one at a time, after one "
        "unmeasured."
    )


if __name__ == "__main__":
    main()
