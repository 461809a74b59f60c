"""The grouping engine (``precisemkt._grouping``) on each caller's workload.

Two tables in ``results/grouping.md``:

* **engine**: each kernel of the engine against the numpy/pandas routine a caller would
  otherwise use (``pandas.factorize``, ``DataFrame.groupby().ngroup()``, a stable
  ``numpy.argsort``), in one process;
* **callers**: the public function (or kernel) of every domain that groups rows, timed in a
  fresh subprocess on this tree and, when the environment variable ``GROUPING_BASE_SRC``
  names the ``src`` folder of a checkout from before the engine existed, on that tree too
  (its engines were clv ``group_keys``, privacy ``assign_groups``, profiling's own bucket
  sort, attribution's FNV hashes + ``numpy.unique`` and basket's hash sort).

``python -m benchmarks grouping [--full]``; ``python -m benchmarks.grouping --case NAME``
times one caller case and prints ``{"first": s, "median": s}``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case, _time, write_results

SUITE = "grouping"
ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- workloads


def clv_columns(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CDNOW-like (frequency, recency, T) in weeks: whole x, recency on a 1/7 grid."""
    rng = np.random.default_rng(0)
    x = rng.poisson(1.5, n).astype(np.float64)
    T = rng.integers(27, 39, n).astype(np.float64) + rng.integers(0, 7, n) / 7.0
    tx = np.where(x > 0, np.floor(rng.uniform(0.0, 1.0, n) * T * 7.0) / 7.0, 0.0)
    return x, tx, T


def _caller_cases(quick: bool) -> dict[str, tuple[str, Callable[[], Any]]]:
    """name -> (size label, the call), built lazily (each runs in its own process)."""
    n = 200_000 if quick else 1_000_000

    def clv_compress() -> Callable[[], Any]:
        from precisemkt.clv._inputs import compress

        x, tx, T = clv_columns(n)
        w = np.ones(n)
        return lambda: compress([x, tx, T], w)

    def clv_predict() -> Callable[[], Any]:
        try:  # the kernel's module since the clv kernels were split by model family
            from precisemkt.clv import _bgnbd_kernels as kernels
        except ImportError:  # the tree before the split (GROUPING_BASE_SRC)
            from precisemkt.clv import _kernels as kernels  # type: ignore[no-redef]

        x, tx, T = clv_columns(n)
        params = np.array([0.243, 4.414, 0.793, 2.426])
        t = np.array([39.0])
        return lambda: kernels.bg_predict(params, 0, x, tx, T, t, 1)

    def rfm() -> Callable[[], Any]:
        from benchmarks.profiling import transaction_log
        from precisemkt.profiling import rfm_summary

        tx = transaction_log(n)
        return lambda: rfm_summary(tx)

    def profiles() -> Callable[[], Any]:
        from benchmarks.profiling import transaction_log
        from precisemkt.profiling import profile_customers

        tx = transaction_log(n)
        return lambda: profile_customers(tx, category_col="category", channel_col="channel")

    def privacy_global() -> Callable[[], Any]:
        from benchmarks.privacy import _adult
        from precisemkt.privacy import anonymize

        adult, hier = _adult()
        return lambda: anonymize(
            adult, list(hier), k=5, method="global", hierarchies=hier, max_suppression=0.05
        )

    def attribution_paths() -> Callable[[], Any]:
        from benchmarks.attribution import _journey_table
        from precisemkt.attribution import heuristic_attribution

        _, frame, _ = _journey_table(n, 10)
        return lambda: heuristic_attribution(frame, model="linear")

    def basket(algorithm: str) -> Callable[[], Callable[[], Any]]:
        def build() -> Callable[[], Any]:
            from precisemkt.basket import baskets_from_orders, frequent_itemsets
            from precisemkt.datasets import make_baskets

            sim = make_baskets(n // 2, 2_000, mean_basket_size=10.0, n_rules=5, random_state=0)
            b = baskets_from_orders(sim.orders)
            return lambda: frequent_itemsets(b, min_support=0.002, algorithm=algorithm)

        return build

    rows = f"{n:,} rows"
    baskets = f"{n // 2:,} baskets"
    return {
        "clv compress (x, tx, T) patterns": (f"{n:,} customers", clv_compress),
        "clv BG/NBD expected purchases (grouped series)": (f"{n:,} customers", clv_predict),
        "profiling rfm_summary": (rows, rfm),
        "profiling profile_customers (category, channel)": (rows, profiles),
        "privacy anonymize global, Adult, k=5": ("30,162 rows", privacy_global),
        "attribution heuristic linear (path splitting)": (f"{n:,} journeys", attribution_paths),
        "basket frequent_itemsets fpgrowth (row dedupe)": (baskets, basket("fpgrowth")),
        "basket frequent_itemsets tidlist (row dedupe)": (baskets, basket("tidlist")),
    }


def time_case(name: str, quick: bool, repeats: int = 5) -> dict[str, float]:
    """First call and median of ``repeats`` further calls of one caller case."""
    _, build = _caller_cases(quick)[name]
    func = build()
    first, median = _time(func, repeats, warmup=True)
    return {"first": float(first or 0.0), "median": median}


def _in_subprocess(name: str, quick: bool, src: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{ROOT}")
    cmd = [sys.executable, "-m", "benchmarks.grouping", "--case", name]
    out = subprocess.run(
        cmd + ([] if not quick else ["--quick"]),
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# --------------------------------------------------------------------------- engine rows


def _engine_cases(quick: bool) -> list[Case]:
    from precisemkt._grouping import group_order, group_rows, group_sequences

    n = 200_000 if quick else 1_000_000
    x, tx, T = clv_columns(n)
    triples = np.column_stack([x, tx, T]).view(np.int64)
    frame = pd.DataFrame({"x": x, "tx": tx, "T": T})
    rng = np.random.default_rng(1)
    small = rng.integers(0, n // 20, n)  # mixed-radix class codes: a small range
    wide = rng.integers(0, 2**62, n // 10)[rng.integers(0, n // 10, n)]  # hashes
    customers = rng.integers(0, n // 3, n)
    names = [f"channel {i % 997}" for i in rng.integers(0, 10**6, n // 4)]
    raw = "\0".join(names).encode()
    buffer = np.frombuffer(raw, np.uint8)
    ends = np.cumsum([len(s.encode()) + 1 for s in names]) - 1
    starts = np.concatenate([[0], ends[:-1] + 1])
    codes_small = small.reshape(-1, 1)
    codes_wide = wide.reshape(-1, 1)
    return [
        Case(
            "group_rows, float triples (clv)",
            f"{n:,} rows",
            lambda: group_rows(triples, n + 1),
            rival=lambda: frame.groupby(["x", "tx", "T"], sort=False).ngroup(),
            rival_name="pandas groupby().ngroup()",
        ),
        Case(
            "group_rows, int codes in a small range (privacy)",
            f"{n:,} rows",
            lambda: group_rows(codes_small, n + 1),
            rival=lambda: pd.factorize(small),
            rival_name="pandas.factorize",
        ),
        Case(
            "group_rows, any int64 (attribution, hashes)",
            f"{n:,} rows",
            lambda: group_rows(codes_wide, n + 1),
            rival=lambda: pd.factorize(wide),
            rival_name="pandas.factorize",
        ),
        Case(
            "group_sequences, UTF-8 names (attribution)",
            f"{len(names):,} names",
            lambda: group_sequences(buffer, starts, ends),
            rival=lambda: pd.factorize(np.array(raw.decode().split("\0"), dtype=object)),
            rival_name="str.split + pandas.factorize",
        ),
        Case(
            "group_order, customer codes (profiling)",
            f"{n:,} rows",
            lambda: group_order(customers, 0, n // 3),
            rival=lambda: np.argsort(customers, kind="stable"),
            rival_name="numpy.argsort(kind='stable')",
        ),
    ]


def run(quick: bool) -> None:
    """Time the engine rows here and every caller case in fresh processes."""
    rows: list[dict[str, Any]] = []
    for case in _engine_cases(quick):
        first, ours = _time(case.ours, case.repeats, warmup=True)
        _, rival = _time(case.rival, case.repeats, warmup=True) if case.rival else (None, 0.0)
        rows.append(
            {
                "name": case.name,
                "size": case.size,
                "first_call_s": first,
                "ours_s": ours,
                "rival": case.rival_name,
                "rival_s": rival,
                "speedup": rival / ours if ours > 0 else None,
                "note": "",
            }
        )
        print(f"[grouping] {case.name}: {ours:.4f} s vs {case.rival_name} {rival:.4f} s")
    base = os.environ.get("GROUPING_BASE_SRC")
    for name, (size, _) in _caller_cases(quick).items():
        ours = _in_subprocess(name, quick, ROOT / "src")
        before = _in_subprocess(name, quick, Path(base)) if base else None
        rows.append(
            {
                "name": name,
                "size": size,
                "first_call_s": ours["first"],
                "ours_s": ours["median"],
                "rival": "before the engine" if before else None,
                "rival_s": before["median"] if before else None,
                "speedup": before["median"] / ours["median"] if before else None,
                "note": "",
            }
        )
        print(f"[grouping] {name}: {ours} before {before}", flush=True)
    write_results(SUITE, rows, mode="quick" if quick else "full")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.grouping")
    parser.add_argument("--case", required=True)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    result = time_case(args.case, args.quick)
    result["total"] = time.perf_counter() - t0
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
