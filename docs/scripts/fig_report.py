"""Figures of docs/report.md: the demo report itself and a screenshot of it in Chromium.

Writes ``docs/figures/demo-report.html`` (``precisemkt report --demo``'s page, linked from
the docs) and ``docs/figures/report.png``, a screenshot taken by headless Chromium (Debian
package ``chromium``; CI and Read the Docs install it). Without Chromium the script fails
with that instruction rather than leaving the docs without their screenshot.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from precisemkt.datasets import load_cdnow
from precisemkt.report import build_report

OUT = Path(__file__).resolve().parents[1] / "figures"
OUT.mkdir(exist_ok=True)
PAGE = OUT / "demo-report.html"
SHOT = OUT / "report.png"

build_report(load_cdnow()).to_html(PAGE)

browser = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)
if browser is None:
    sys.exit(
        "docs/scripts/fig_report.py needs Chromium for the screenshot: apt-get install chromium"
    )
subprocess.run(
    [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--window-size=1100,1500",
        f"--screenshot={SHOT}",
        PAGE.resolve().as_uri(),
    ],
    check=True,
    capture_output=True,
    timeout=120,
)
