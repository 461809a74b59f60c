"""Beyond one machine: the aggregation pipeline on Polars and DuckDB against pandas.

Each case runs in a fresh process (so peak memory is that pipeline's alone) on one
order log written once as Parquet: ``rfm_summary`` -> ``compress_summary`` ->
``BGNBD().fit`` -> scoring. The engine cases never build a pandas frame of the log;
the pandas baseline reads the whole log into memory first, as a user without an engine
would. ``python -m benchmarks engines --full`` uses 10M rows (about 1M customers).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks._harness import RESULTS, machine

SUITE = "engines"
DATA = Path(__file__).resolve().parent / ".data"

_PIPELINE = r"""
import json, resource, sys, time
import numpy as np
engine, path = sys.argv[1], sys.argv[2]
t0 = time.perf_counter()
from precisemkt.clv import BGNBD, predict_frame
from precisemkt.profiling import compress_summary, rfm_summary
kw = dict(customer_col="customer_id", time_col="timestamp", amount_col="cents",
          freq="W", observation_end="1999-12-31")
if engine == "pandas":
    import pandas as pd
    log = pd.read_parquet(path)
    summary = rfm_summary(log, **kw)
    patterns = compress_summary(summary)
    bg = BGNBD().fit(patterns, weights="count")
    scored = predict_frame(bg, summary)
    n = len(scored)
elif engine == "polars":
    import polars as pl
    summary = rfm_summary(pl.scan_parquet(path), **kw)
    patterns = compress_summary(summary, collect=True)
    bg = BGNBD().fit(patterns, weights="count")
    n = predict_frame(bg, summary).select(pl.len()).collect().item()
elif engine == "duckdb":
    import duckdb
    con = duckdb.connect()
    summary = rfm_summary(con.read_parquet(path), **kw)
    patterns = compress_summary(summary, collect=True)
    bg = BGNBD().fit(patterns, weights="count")
    n = predict_frame(bg, summary).aggregate("count(*)").fetchall()[0][0]
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"engine": engine, "seconds": seconds, "peak_mib": peak, "customers": int(n),
                  "patterns": len(patterns)}))
"""


def make_log(rows: int) -> Path:
    """Write a BG/NBD order log of about ``rows`` rows as Parquet, once (the library's own
    simulator with CDNOW-like parameters: about 3.5 orders per customer over 3 years)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from precisemkt.datasets import make_transactions

    DATA.mkdir(exist_ok=True)
    path = DATA / f"orders_{rows}.parquet"
    if not path.exists():
        sim = make_transactions(
            int(rows / 3.5), freq="D", periods=3 * 365, acquisition_periods=365, random_state=0
        )
        log = sim.transactions
        log["timestamp"] = log["timestamp"].dt.floor("s")
        log["cents"] = np.random.default_rng(1).integers(100, 20_000, len(log))
        pq.write_table(pa.Table.from_pandas(log, preserve_index=False), path)
    return path


def run(quick: bool) -> None:
    rows = 200_000 if quick else 10_000_000
    path = make_log(rows)
    results = []
    for engine in ("pandas", "polars", "duckdb"):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", _PIPELINE, engine, str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        row = json.loads(out.stdout.strip().splitlines()[-1])
        row["wall_s"] = time.perf_counter() - t0
        results.append(row)
        print(
            f"[engines] {engine}: {row['seconds']:.1f} s, peak {row['peak_mib']:.0f} MiB",
            flush=True,
        )
    mode = "quick" if quick else "full"
    folder = RESULTS if mode == "full" else RESULTS / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    meta = machine() | {"mode": mode, "rows": rows}
    (folder / f"{SUITE}.json").write_text(
        json.dumps({"suite": SUITE, "machine": meta, "rows": results}, indent=2) + "\n"
    )
    base = results[0]
    lines = [
        "| engine | log rows | customers | distinct patterns | time (incl. import) "
        "| peak memory | memory vs pandas |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r['engine']} | {rows:,} | {r['customers']:,} | {r['patterns']:,} | "
            f"{r['seconds']:.1f} s | {r['peak_mib']:.0f} MiB | "
            f"{r['peak_mib'] / base['peak_mib']:.2f}x |"
        )
    lines += [
        "",
        f"*`python -m benchmarks engines --{mode}`: rfm_summary -> compress_summary -> "
        f"BGNBD fit -> scoring, each engine in a fresh process (first-call compilation "
        f"included), {meta['cpus']} CPUs, {meta['date']}.*",
    ]
    (folder / f"{SUITE}.md").write_text("\n".join(lines) + "\n")
