"""Frequent itemsets: precisemkt against mlxtend 0.25 and efficient-apriori, same process.

Cases (``--full``): Online Retail (4,372 customer baskets, 3,896 items) at support 0.03
(a case every rival finishes), 0.01 and 0.005, and Zipf-popularity baskets from
``make_baskets`` (100k baskets × 2,000 items and 1M × 10,000 items) at support 0.001.
Our time starts from the compact ``Baskets`` (built once, like the rivals' one-hot frame
or list of tuples, and not timed for anyone) and ends with the itemset frame of label
tuples.

Each rival is first probed once under a 120 s alarm; one that does not finish is stopped,
left out of that case (the row says so); one stopped on 100k baskets is not run on 1M. A rival that
finishes is then timed once more by the harness, and must return the same number of
itemsets as we do (checked here; the tests check the itemsets themselves).

Online Retail at 0.005 has more than 100 million frequent itemsets (customer baskets
hold 61 items on average), so that case is run with ``max_len=3`` for everyone.

A second table, ``results/basket_memory.md``, gives our peak extra memory per case,
measured in a fresh process as the rise of the resident set's high-water mark
(``VmHWM`` after ``clear_refs``), against the size of the sparse input (scipy CSR with
int32 indices).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks._harness import RESULTS, Case
from precisemkt.basket import Baskets, baskets_from_orders, frequent_itemsets
from precisemkt.datasets import load_online_retail, make_baskets

SUITE = "basket"
LIMIT_S = 120


class RivalTimeout(Exception):
    """The rival ran past the time limit."""


@contextmanager
def time_limit(seconds: int) -> Iterator[None]:
    def stop(signum: int, frame: Any) -> None:
        raise RivalTimeout

    old = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def data(name: str, quick: bool) -> Baskets:
    if name == "retail":
        return baskets_from_orders(load_online_retail())
    n, m = {"100k": (100_000, 2_000), "1M": (1_000_000, 10_000)}[name]
    if quick:
        n, m = n // 10, m // 5
    sim = make_baskets(n, m, mean_basket_size=10.0, n_rules=5, random_state=0)
    return baskets_from_orders(sim.orders)


def onehot(b: Baskets, sparse: bool) -> pd.DataFrame:
    """mlxtend's input: bool one-hot frame (pandas sparse columns for the big case)."""
    matrix = b.to_sparse().astype(bool)
    if sparse:
        return pd.DataFrame.sparse.from_spmatrix(matrix, columns=list(b.items))
    return pd.DataFrame(matrix.toarray(), columns=list(b.items))


def probe(func: Callable[[], int], expected: int) -> float | None:
    """Run ``func`` once under the time limit: its time, or None when it was stopped."""
    t0 = time.perf_counter()
    try:
        with time_limit(LIMIT_S):
            got = func()
    except RivalTimeout:
        return None
    if got != expected:
        raise AssertionError(f"rival found {got} itemsets, we found {expected}")
    return time.perf_counter() - t0


def cases(quick: bool) -> Iterator[Case]:
    """Yield the cases one by one (each rival is probed first under the time limit)."""
    from efficient_apriori import itemsets_from_transactions
    from mlxtend.frequent_patterns import apriori, fpgrowth

    plan = [
        ("retail", 0.03, None),
        ("retail", 0.01, None),
        ("retail", 0.005, 3),
        ("100k", 0.001, None),
        ("1M", 0.001, None),
    ]
    if quick:
        plan = [("retail", 0.03, None), ("retail", 0.02, None), ("100k", 0.002, None)]
    given_up: dict[str, str] = {}  # rivals stopped on 100k are not run on 1M
    for name, support, max_len in plan:
        b = data(name, quick)
        size = f"{name}: {b.n_baskets:,} × {b.n_items:,}, support {support}" + (
            f", max_len {max_len}" if max_len else ""
        )
        expected = len(frequent_itemsets(b, min_support=support, max_len=max_len))
        frame = onehot(b, sparse=name == "1M")
        lists = [tuple(x) for x in b.to_lists()]
        rivals: dict[str, Callable[[], int]] = {
            "mlxtend fpgrowth": lambda f=frame, s=support, m=max_len: len(
                fpgrowth(f, min_support=s, use_colnames=True, max_len=m)
            ),
            "mlxtend apriori(low_memory)": lambda f=frame, s=support, m=max_len: len(
                apriori(f, min_support=s, use_colnames=True, max_len=m, low_memory=True)
            ),
            "efficient-apriori": lambda t=lists, s=support, m=max_len, k=b.n_items: sum(
                len(v) for v in itemsets_from_transactions(t, s, max_length=m or k)[0].values()
            ),
        }
        for rival_name, func in rivals.items():
            if rival_name in given_up:
                seconds = None
                note = f"{rival_name} not run: {given_up[rival_name]}"
            else:
                seconds = probe(func, expected)
                note = "" if seconds is not None else f"{rival_name} stopped after {LIMIT_S} s"
                if seconds is None and name == "100k":
                    given_up[rival_name] = f"stopped after {LIMIT_S} s on 100k baskets"
            yield Case(
                name=f"frequent_itemsets, {expected:,} itemsets",
                size=size,
                ours=lambda b=b, s=support, m=max_len: frequent_itemsets(
                    b, min_support=s, max_len=m
                ),
                rival=func if seconds is not None else None,
                rival_name=rival_name,
                repeats=3,
                rival_repeats=1,
                rival_warmup=False,
                note=note,
            )


# -- memory -------------------------------------------------------------------------------

_PROBE = """
import json, sys
from benchmarks.basket import data
from precisemkt.basket import frequent_itemsets

def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
name, support, max_len, quick = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
max_len = None if max_len == "None" else int(max_len)
b = data(name, quick)
frequent_itemsets([[0, 1], [1]], min_support=0.5, algorithm="tidlist")  # compile / load cache
frequent_itemsets([[0, 1], [1]], min_support=0.5, algorithm="bitset")
csr = b.n_entries * 4 + (b.n_baskets + 1) * 4 + b.n_entries  # int32 indices, indptr, bool data
import ctypes, gc
gc.collect()
ctypes.CDLL("libc.so.6").malloc_trim(0)  # hand freed heap pages back: every new page counts
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS")
out = frequent_itemsets(b, min_support=support, max_len=max_len)
peak = status("VmHWM") - before
print(json.dumps({"peak": peak, "csr": csr, "itemsets": len(out)}))
"""


def memory_table(quick: bool) -> str:
    plan = [
        ("retail", 0.01, None),
        ("retail", 0.005, 3),
        ("100k", 0.001, None),
        ("1M", 0.001, None),
    ]
    if quick:
        plan = [("retail", 0.02, None), ("100k", 0.002, None)]
    lines = [
        "| data | support | itemsets | sparse input (CSR) | peak extra memory | ratio |",
        "|---|---|---|---|---|---|",
    ]
    root = Path(__file__).resolve().parents[1]
    for name, support, max_len in plan:
        proc = subprocess.run(
            [sys.executable, "-c", _PROBE, name, str(support), str(max_len), "1" if quick else "0"],
            check=True, capture_output=True, text=True, cwd=root,
        )  # fmt: skip
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        lines.append(
            f"| {name}{f' (max_len {max_len})' if max_len else ''} | {support} | "
            f"{r['itemsets']:,} | {r['csr'] / 2**20:.1f} MiB | {r['peak'] / 2**20:.1f} MiB | "
            f"{r['peak'] / r['csr']:.2f} |"
        )
    lines.append("")
    lines.append(
        f"*Peak extra resident memory of one `frequent_itemsets` call (output frame included), "
        f"{time.strftime('%Y-%m-%d')}.*"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    quick = "--full" not in sys.argv
    folder = RESULTS if not quick else RESULTS / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "basket_memory.md").write_text(memory_table(quick))
    print((folder / "basket_memory.md").read_text())
