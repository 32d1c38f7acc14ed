"""How long the dashboard's pages take to render (issue 7's target: every page under 1 second
for the 1.4 million person synthetic place).

Builds the place with ``oneplace demo --people N --no-serve`` into ``--dir`` (default
``bench-out/dashboard-N``; kept, and reused when it already holds a finished run, so the page
timings can be re-measured without the build), then serves it with ``oneplace serve`` in its
own process on 127.0.0.1, signs in with the demo's analyst and a locality GP, and requests every
page: the signed-in pages, each locality's page, the public pages and the GP's worklists.

Two times are reported. ``ready`` is how long the service took, after it answered ``/health``,
to have the latest run's pages built: it builds them in the background as it starts (the
results are read, not recomputed), and the first request for a page waits for that build.
Then each page is requested ``--requests`` times one at a time (after one unmeasured request):
the median, p95 and largest time from sending the request to the last byte, and the page's
size.

Usage: ``python benchmarks/bench_dashboard.py [--people 1400000] [--requests 20] [--dir D]``
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
from oneplace.workspace import Workspace

console = Console()
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_400_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--dir", type=Path)
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
    finally:
        server.terminate()
        server.wait(timeout=15)

    table = Table(title=f"Dashboard pages, {args.people:,} people ({machine()})")
    for name in ("page", "path", "status", "median ms", "p95 ms", "max ms", "KiB"):
        table.add_column(name, justify="left" if name in ("page", "path") else "right")
    for label, path, times, status, size in rows:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        table.add_row(
            label,
            path,
            str(status),
            f"{statistics.median(times) * 1000:.0f}",
            f"{p95 * 1000:.0f}",
            f"{max(times) * 1000:.0f}",
            f"{size / 1024:,.0f}",
        )
    console.print(table)
    made = "already built" if built is None else f"built in {built:,.0f} s"
    console.print(
        f"Place: {folder} ({made}). Ready: the service had the run's pages built {ready:.1f} s "
        f"after it answered /health. {args.requests} requests a page, one at a time, after one "
        "unmeasured."
    )


if __name__ == "__main__":
    main()
