"""Report suite: ``precisemkt report`` end to end on a 1M-customer, 10M-order file.

Data: ``make_transactions`` (BG/NBD, daily, 78 weeks, customers acquired over 12 weeks,
Gamma-Gamma spend) with a purchase rate that gives about ten orders per customer, cut
to exactly 10M rows (1M with ``--quick``) at a customer boundary and put in time order,
as a real log is written. The log is written once as Parquet and as CSV.

Each case runs ``python -m precisemkt.cli report FILE --out DIR --quiet`` in a fresh
process, once to measure its peak memory, then as the harness times it (a warm-up run and
a timed run), from start to exit: reading the file, every step, the
figures and writing ``report.html``, ``customers.csv`` and ``customers.parquet``. Peak
memory is the child's maximum resident set size (``os.wait4``), shown in the note. There
is no rival: no other library builds this report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks._harness import RESULTS as RESULTS_DIR
from benchmarks._harness import Case
from precisemkt.datasets import make_transactions

SUITE = "report"
ROOT = Path(__file__).resolve().parents[1]
PARAMS = {"r": 0.9, "alpha": 37.0, "a": 0.3, "b": 5.0}


def orders_file(rows: int, folder: Path, seed: int = 0) -> tuple[Path, Path, int]:
    """Write a simulated log of exactly ``rows`` rows as Parquet and CSV; return both."""
    customers = int(rows / 9.5) + 1000
    sim = make_transactions(
        customers,
        freq="D",
        periods=546,
        acquisition_periods=84,
        params=PARAMS,
        spend=(6.25, 3.74, 15.44),
        random_state=seed,
    )
    tx = sim.transactions.iloc[:rows]
    n_customers = int(tx["customer_id"].nunique())
    tx = tx.sort_values("timestamp", kind="stable").reset_index(drop=True)
    tx["amount"] = np.round(tx["amount"], 2)
    parquet, csv = folder / "orders.parquet", folder / "orders.csv"
    tx.to_parquet(parquet, index=False)
    tx.to_csv(csv, index=False, date_format="%Y-%m-%d %H:%M:%S")
    return parquet, csv, n_customers


def run_cli(source: Path, out: Path) -> float:
    """Run the command in a fresh process; return its peak RSS in GiB (from os.wait4)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "precisemkt.cli", "report", str(source), "--out", str(out)]
    proc = subprocess.Popen([*cmd, "--quiet"], env=env, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if status != 0:
        raise RuntimeError(f"precisemkt report failed: {stderr}")
    return float(usage.ru_maxrss / 2**20)


def cases(quick: bool) -> list[Case]:
    rows = 1_000_000 if quick else 10_000_000
    folder = Path(tempfile.mkdtemp(prefix="precisemkt-report-bench-"))
    parquet, csv, n_customers = orders_file(rows, folder)
    size = f"{rows / 1e6:.0f}M orders, {n_customers / 1e6:.2f}M customers"
    out: list[Any] = []
    for source, label in ((parquet, "Parquet"), (csv, "CSV")):
        target = folder / f"out-{label}"
        peak = run_cli(source, target)  # a first run, for the peak memory
        out.append(
            Case(
                name=f"precisemkt report, {label} file, end to end",
                size=size,
                ours=lambda s=source, t=target: run_cli(s, t),
                repeats=1,
                note=f"fresh process, reading and writing included; peak RSS {peak:.2f} GiB",
            )
        )
    return out


def single_runs(rows: int, folder: Path | None = None) -> list[dict[str, Any]]:
    """One timed run per file (no warm-up): for a loaded machine, where a run takes minutes.

    Numba's on-disk cache is warm from earlier runs, so the run times loading it, not
    compiling. Rows are in the harness's format; ``first_call_s`` is empty.
    """
    import time

    if folder is None or not (folder / "orders.csv").is_file():
        folder = Path(tempfile.mkdtemp(prefix="precisemkt-report-bench-"))
        parquet, csv, n_customers = orders_file(rows, folder)
    else:
        import pandas as pd

        parquet, csv = folder / "orders.parquet", folder / "orders.csv"
        n_customers = int(pd.read_parquet(parquet, columns=["customer_id"]).nunique().iloc[0])
    size = f"{rows / 1e6:.0f}M orders, {n_customers / 1e6:.2f}M customers"
    out: list[dict[str, Any]] = []
    for source, label in ((parquet, "Parquet"), (csv, "CSV")):
        t0 = time.perf_counter()
        peak = run_cli(source, folder / f"out-{label}")
        elapsed = time.perf_counter() - t0
        print(f"[{SUITE}] {label}: {elapsed:.1f} s, peak RSS {peak:.2f} GiB", flush=True)
        out.append(
            {
                "name": f"precisemkt report, {label} file, end to end",
                "size": size,
                "first_call_s": None,
                "ours_s": elapsed,
                "rival": None,
                "rival_s": None,
                "speedup": None,
                "note": f"one run in a fresh process, peak RSS {peak:.2f} GiB, "
                f"load average {os.getloadavg()[0]:.0f} on {os.cpu_count()} CPUs",
            }
        )
    return out


if __name__ == "__main__":
    # python -m benchmarks.report [--full] [FOLDER]: single runs (see single_runs)
    from benchmarks._harness import write_results

    full = "--full" in sys.argv
    given = [a for a in sys.argv[1:] if not a.startswith("--")]
    results = single_runs(10_000_000 if full else 1_000_000, Path(given[0]) if given else None)
    write_results(SUITE, results, mode="full" if full else "quick")
    table = RESULTS_DIR / ("" if full else "quick") / f"{SUITE}.md"
    table.write_text(
        table.read_text()
        .replace(f"`python -m benchmarks {SUITE}", "`python -m benchmarks.report")
        .replace(
            "Times are medians of repeated calls after a warm-up call; 'first call' includes "
            "numba compilation or cache loading.",
            "Each time is one run (no warm-up; numba's on-disk cache was warm); the load "
            "average of the machine during the run is in the row.",
        )
    )
