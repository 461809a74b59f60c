"""Run benchmark suites: ``python -m benchmarks [suite ...] [--quick | --full]``.

With no suite named, every ``benchmarks/<suite>.py`` that defines ``SUITE`` runs.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path

from benchmarks._harness import run_cases


def available() -> list[str]:
    here = Path(__file__).resolve().parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if not m.name.startswith("_"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("suites", nargs="*", help=f"suites to run (default all: {available()})")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="small inputs (default)")
    size.add_argument("--full", action="store_true", help="the sizes the docs quote")
    parser.add_argument(
        "--cold-start", action="store_true", help="foundation: only the cold-start measurement"
    )
    parser.add_argument("--domains", help="foundation --cold-start: comma-separated domains")
    args = parser.parse_args(argv)
    quick = not args.full
    if args.cold_start:  # fresh processes with an empty numba cache; rewrites foundation.md
        from benchmarks.foundation import run as foundation

        picked = args.domains.split(",") if args.domains else None
        foundation(False, cold_only=True, domains=picked)
        return 0
    for name in args.suites or available():
        module = importlib.import_module(f"benchmarks.{name}")
        if hasattr(module, "run"):  # a suite that measures in its own processes
            module.run(quick)
        else:
            run_cases(module.SUITE, module.cases(quick), mode="quick" if quick else "full")
    return 0


if __name__ == "__main__":
    sys.exit(main())
