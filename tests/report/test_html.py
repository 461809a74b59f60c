"""The rendered page: every section, every figure embedded, nothing fetched from the net."""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from precisemkt.errors import InvalidParameterError
from precisemkt.report import Report
from precisemkt.report._html import SECTIONS

PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """Sections, images and every URL-bearing attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.urls: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        found = dict(attrs)
        if tag == "section" and found.get("id"):
            self.sections.append(str(found["id"]))
        if tag == "img":
            self.images.append(str(found.get("src")))
        for name in ("src", "href", "action", "data", "poster"):
            if found.get(name):
                self.urls.append(str(found[name]))


def parse(path: Path) -> tuple[Page, str]:
    text = path.read_text(encoding="utf-8")
    page = Page()
    page.feed(text)
    return page, text


def test_every_section_in_order(demo_html: Path) -> None:
    page, _ = parse(demo_html)
    assert page.sections == [ident for ident, _ in SECTIONS] + ["notes"]


def test_every_figure_is_an_embedded_png(demo_html: Path) -> None:
    page, text = parse(demo_html)
    # one figure per section, two in the CLV section (holdout check and distribution)
    assert len(page.images) == len(SECTIONS) + 1
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
    for ident, _ in SECTIONS:
        body = text.split(f'<section id="{ident}">', 1)[1].split("</section>", 1)[0]
        assert '<p class="reading">' in body
        assert "<img " in body, ident


def test_nothing_is_fetched_from_the_network(demo_html: Path) -> None:
    page, text = parse(demo_html)
    external = [u for u in page.urls if not u.startswith(("#", "data:"))]
    assert external == []
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text.replace("data:", ""))
    for tag in ("<script", "<link", "@import", "url("):
        assert tag not in text


def test_readable_on_a_phone_and_printable(demo_html: Path) -> None:
    _, text = parse(demo_html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in text
    assert "@media (max-width: 600px)" in text
    assert "@media print" in text
    assert "overflow-x: auto" in text  # wide tables scroll inside their box


def test_to_html_refuses_a_missing_folder(demo: Report, tmp_path: Path) -> None:
    with pytest.raises(InvalidParameterError, match="existing folder"):
        demo.to_html(tmp_path / "no" / "report.html")
    assert not (tmp_path / "no").exists()


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.mark.browser
def test_a_real_browser_renders_it_without_console_errors(demo_html: Path, tmp_path: Path) -> None:
    """Headless Chromium opens the page, saves a screenshot and logs no console message.

    CI installs Debian's chromium (.ci/run) and sets PRECISEMKT_REQUIRE_BROWSER=1, so the
    test cannot be skipped there.
    """
    browser = _chromium()
    if browser is None:
        if os.environ.get("PRECISEMKT_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is required (PRECISEMKT_REQUIRE_BROWSER=1) but not found")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1200,2000",
            f"--screenshot={shot}",
            "--enable-logging=stderr",
            "--v=0",
            demo_html.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE" in line]
    assert console == []
    assert shot.read_bytes().startswith(PNG)
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
