"""Every guide's code runs: the ```python blocks of docs/<page>.md, top to bottom.

The blocks of one page run in one namespace, in order, in a temporary working directory
(so a block that writes a file leaves nothing behind), with matplotlib's Agg backend. A
block that should not run (e.g. shell commands) uses another fence language. To cover a
new guide, add its page name to ``PAGES``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"

#: Guides whose python blocks are run by this test.
PAGES = ["attribution", "clv", "experiments"]

_BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of ``docs/<page>.md`` in page order."""
    return _BLOCK.findall((DOCS / f"{page}.md").read_text(encoding="utf-8"))


def test_blocks_are_found() -> None:
    blocks = python_blocks("clv")
    assert len(blocks) >= 3
    assert all("```" not in b for b in blocks)


@pytest.mark.parametrize("page", PAGES)
def test_page_code_runs(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page}"}
    try:
        for i, block in enumerate(python_blocks(page)):
            code = compile(block, f"docs/{page}.md (python block {i + 1})", "exec")
            exec(code, namespace)
    finally:
        plt.close("all")
