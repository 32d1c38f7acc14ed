"""The board report as PDF: the same page printed by headless Chromium (``oneplace report
--pdf``).

Source: issue 7, "Reports": "``--pdf`` printing the same page to PDF with headless Chromium".
The report's HTML (plotly.js inlined, no network) is opened from disk by Debian's chromium in
headless mode and printed with its print style sheet (``@media print`` in the template: white
background, one section per page). Chromium runs with the flags that keep it off the network
and in a throw-away profile; it is found at ``ONEPLACE_CHROMIUM``, else ``chromium`` on the
PATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import UserError

HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Chromium headless and off the network: for printing, and for the browser tests and the
dashboard benchmark, which drive the same chromium."""

FLAGS = (
    *HEADLESS_FLAGS,
    "--no-pdf-header-footer",
    "--virtual-time-budget=10000",  # let the charts' scripts finish before printing
)


def chromium() -> Path:
    """The Chromium to print with, or a UserError saying how to get one."""
    named = os.environ.get("ONEPLACE_CHROMIUM") or shutil.which("chromium")
    if not named or not Path(named).exists():
        raise UserError(
            "--pdf needs Chromium: install Debian's package (apt-get install chromium) or set "
            "ONEPLACE_CHROMIUM to its path"
        )
    return Path(named)


def print_pdf(html: Path, out: Path, timeout: float = 180) -> Path:
    """Print the page ``html`` to ``out`` (a PDF) and return ``out``; a reader never sees half
    a file."""
    html, out = Path(html).resolve(), Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".writing")
    with tempfile.TemporaryDirectory(prefix="oneplace-chromium-") as profile:
        command = [
            str(chromium()),
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={tmp.resolve()}",
            html.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            tmp.unlink(missing_ok=True)
            raise UserError(f"Chromium did not print {html} within {timeout:g} s") from None
    if done.returncode != 0 or not tmp.exists() or tmp.read_bytes()[:5] != b"%PDF-":
        tmp.unlink(missing_ok=True)
        message = done.stderr.decode(errors="replace").strip().splitlines()[-3:]
        raise UserError(f"Chromium could not print {html} to PDF: {' '.join(message)}")
    tmp.replace(out)
    return out
