"""Every code block of docs/experiments.md runs, top to bottom (issue 12: snippets used names
defined elsewhere).

The ```python blocks of the page run in one namespace, in order, in a temporary working
directory, with matplotlib's Agg backend: the same approach as the library-wide docs test
(`tests/test_docs.py`, parametrised by page), kept here for this page.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "experiments.md"
_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks() -> list[str]:
    """The ```python blocks of the page, in page order."""
    return _BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def test_page_code_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = python_blocks()
    assert blocks, "the page has python blocks"
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "docs_experiments"}
    try:
        for i, block in enumerate(blocks):
            exec(compile(block, f"docs/experiments.md (python block {i + 1})", "exec"), namespace)
    finally:
        plt.close("all")
