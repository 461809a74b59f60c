"""Run a docs page's ```python blocks top to bottom in one namespace (as a reader would)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import matplotlib

ROOT = Path(__file__).resolve().parents[1]
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def python_blocks(page: str) -> list[str]:
    """The ```python blocks of ``docs/<page>``, in order."""
    return _BLOCK.findall((ROOT / "docs" / page).read_text(encoding="utf-8"))


def run_page(page: str) -> dict[str, object]:
    """Execute every block of the page in one namespace; returns the namespace."""
    matplotlib.use("Agg")
    namespace: dict[str, object] = {"__name__": f"docs.{page}"}
    blocks = python_blocks(page)
    assert blocks, f"docs/{page} has no python blocks"
    with warnings.catch_warnings():
        warnings.resetwarnings()  # the page's own filters apply only inside this call
        warnings.simplefilter("error")
        for i, block in enumerate(blocks):
            code = compile(block, f"docs/{page} block {i + 1}", "exec")
            exec(code, namespace)
    return namespace
