"""The privacy guide's code runs top to bottom (docs/privacy.md, every python block).

The one block that reads Adult's hierarchy files is left out: those files are not part of
the package data yet.
"""

from __future__ import annotations

import re

import matplotlib

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "privacy.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_every_python_block_of_the_privacy_guide_runs() -> None:
    matplotlib.use("Agg")
    blocks = BLOCK.findall(GUIDE.read_text())
    assert len(blocks) >= 3
    namespace: dict[str, object] = {}
    for block in blocks:
        code = "\n".join(line for line in block.splitlines() if "adult_hierarchy" not in line)
        exec(compile(code, str(GUIDE), "exec"), namespace)
    budget = namespace["budget"]
    assert budget.spent_epsilon <= budget.epsilon  # type: ignore[attr-defined]
