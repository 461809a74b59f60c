"""The benchmark harness: time our callables and a rival's in one process.

A suite is a module ``benchmarks/<suite>.py`` with ``SUITE = "<suite>"`` and
``cases(quick: bool) -> list[Case]``. For each case the harness

1. calls ``ours`` once and reports that time separately as ``first_call_s`` (numba
   compilation or cache loading happens there),
2. times ``repeats`` further calls of ``ours`` and reports their median,
3. does the same for ``rival`` (its first call is a warm-up too, not counted),

and writes ``benchmarks/results/<suite>.json`` and a markdown table
``benchmarks/results/<suite>.md`` that the docs include. A ``--quick`` run writes to
``benchmarks/results/quick/`` instead (not committed), so it never overwrites the
committed full-size results.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark: our callable and, optionally, the rival's doing the same work.

    ``size`` is a short human label of the input (e.g. ``"1M customers"``). ``repeats`` is
    the number of timed calls after the warm-up; ``rival_repeats`` defaults to it (use 1
    for a rival that takes minutes). ``note`` is printed in the table.
    """

    name: str
    size: str
    ours: Callable[[], Any]
    rival: Callable[[], Any] | None = None
    rival_name: str | None = None
    repeats: int = 5
    rival_repeats: int | None = None
    rival_warmup: bool = True
    note: str = ""


def _time(func: Callable[[], Any], repeats: int, warmup: bool) -> tuple[float | None, float]:
    first: float | None = None
    if warmup:
        t0 = time.perf_counter()
        func()
        first = time.perf_counter() - t0
    times = []
    for _ in range(max(repeats, 1)):
        gc.collect()
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return first, statistics.median(times)


def _fmt(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def run_cases(suite: str, cases: list[Case], *, mode: str) -> list[dict[str, Any]]:
    """Run ``cases`` and write the suite's JSON and markdown results; return the rows."""
    rows: list[dict[str, Any]] = []
    for case in cases:
        first, ours = _time(case.ours, case.repeats, warmup=True)
        row: dict[str, Any] = {
            "name": case.name,
            "size": case.size,
            "first_call_s": first,
            "ours_s": ours,
            "rival": case.rival_name,
            "rival_s": None,
            "speedup": None,
            "note": case.note,
        }
        if case.rival is not None:
            reps = case.rival_repeats if case.rival_repeats is not None else case.repeats
            _, rival = _time(case.rival, reps, warmup=case.rival_warmup)
            row["rival_s"] = rival
            row["speedup"] = rival / ours if ours > 0 else None
        rows.append(row)
        speed = f"{row['speedup']:.1f}x" if row["speedup"] else ""
        print(
            f"[{suite}] {case.name} ({case.size}): ours {_fmt(ours)} "
            f"(first call {_fmt(first)}); {case.rival_name or ''} {_fmt(row['rival_s'])} {speed}",
            flush=True,
        )
    write_results(suite, rows, mode=mode)
    return rows


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import numpy

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d"),
    }


def write_results(suite: str, rows: list[dict[str, Any]], *, mode: str) -> None:
    """Write ``results/<suite>.json`` and ``results/<suite>.md`` (quick: ``results/quick/``)."""
    folder = RESULTS if mode == "full" else RESULTS / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    meta = machine() | {"mode": mode}
    (folder / f"{suite}.json").write_text(
        json.dumps({"suite": suite, "machine": meta, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        "| benchmark | size | precisemkt | first call | rival | rival time | speed-up |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        speed = f"{r['speedup']:.1f}x" if r["speedup"] else "–"
        name = r["name"] + (f" ({r['note']})" if r["note"] else "")
        lines.append(
            f"| {name} | {r['size']} | {_fmt(r['ours_s'])} | {_fmt(r['first_call_s'])} | "
            f"{r['rival'] or '–'} | {_fmt(r['rival_s'])} | {speed} |"
        )
    lines.append("")
    lines.append(
        f"*Measured with `python -m benchmarks {suite} --{mode}` on {meta['cpus']} CPUs "
        f"({meta['machine']}, Python {meta['python']}, numpy {meta['numpy']}), {meta['date']}. "
        "Times are medians of repeated calls after a warm-up call; 'first call' includes "
        "numba compilation or cache loading.*"
    )
    (folder / f"{suite}.md").write_text("\n".join(lines) + "\n")
