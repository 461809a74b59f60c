"""Every guide's code runs: the ```python blocks of docs/<page>.md, top to bottom.

The blocks of one page run in one namespace, in order (see ``tests/doc_blocks.py``), in a
temporary working directory so a block that writes a file leaves nothing behind. A block
that should not run (e.g. shell commands, or a Spark cluster) uses another fence
language. Pages whose numbers are also checked have their own test
(``tests/<domain>/test_docs_snippets.py``); every other guide is listed in ``PAGES``.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from tests.doc_blocks import python_blocks, run_page

#: Guides whose python blocks are run here (profiling, segmentation and privacy have
#: their own tests that also check the numbers in the page).
PAGES = [
    "attribution",
    "basket",
    "clv",
    "datasets",
    "development",
    "engines",
    "experiments",
    "index",
    "recommend",
    "report",
]


def test_blocks_are_found() -> None:
    blocks = python_blocks("clv.md")
    assert len(blocks) >= 3
    assert all("```" not in b for b in blocks)


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    try:
        run_page(f"{page}.md")
    finally:
        plt.close("all")
