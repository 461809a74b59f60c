"""Regenerate every docs figure: run each ``docs/scripts/fig_*.py`` in turn.

CI runs this before ``mkdocs build --strict``, so figures always show what the current
code draws. Each script writes PNG files into ``docs/figures/``.
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    os.environ.setdefault("MPLBACKEND", "Agg")
    (HERE.parent / "figures").mkdir(exist_ok=True)
    for script in sorted(HERE.glob("fig_*.py")):
        t0 = time.perf_counter()
        runpy.run_path(str(script), run_name="__main__")
        print(f"{script.name}: {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
