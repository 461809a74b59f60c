"""The demo report, built once per test session (about 10 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from precisemkt.datasets import load_cdnow
from precisemkt.report import Report, build_report


@pytest.fixture(scope="session")
def demo() -> Report:
    return build_report(load_cdnow())


@pytest.fixture(scope="session")
def demo_html(demo: Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "report.html"
    demo.to_html(path)
    return path
