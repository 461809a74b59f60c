"""Foundation suite: import time, kernel compile time, transaction simulation.

* ``import precisemkt`` in a fresh interpreter (the interpreter's own start-up included),
  next to ``import lifetimes`` the same way.
* First call of a numba kernel with the on-disk cache off (pure compile time) and on
  (loading a cached kernel), each in a fresh interpreter.
* ``make_transactions`` (BG/NBD, CDNOW parameters, with spend) at 100k and 1M customers.
* Cold start: each domain's quickstart (the pipelines of ``precisemkt warmup``) in a fresh
  interpreter with an empty numba cache (``NUMBA_CACHE_DIR`` in a new temporary folder),
  then again with the cache it filled; the compile time of every kernel specialisation.
  ``python -m benchmarks foundation --full`` measures it after the table above;
  ``python -m benchmarks foundation --cold-start`` measures only it (and rewrites the
  cold-start section of ``results/foundation.md``); ``--domains clv,basket`` picks domains.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from benchmarks._harness import RESULTS, Case, machine, run_cases
from precisemkt.datasets import make_transactions

SUITE = "foundation"

_KERNEL_CALL = (
    "import numpy as np\n"
    "from precisemkt._numba import njit\n"
    "@njit()\n"
    "def total(x):\n"
    "    s = 0.0\n"
    "    for v in x:\n"
    "        s += v\n"
    "    return s\n"
    "total(np.ones(10))\n"
)


def _python(code: str, **env: str) -> None:
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ | env)


def cases(quick: bool) -> list[Case]:
    sizes = [100_000] if quick else [100_000, 1_000_000]
    out = [
        Case(
            "import precisemkt (fresh interpreter)",
            "-",
            lambda: _python("import precisemkt"),
            rival=lambda: _python("import lifetimes"),
            rival_name="import lifetimes",
            repeats=5,
        ),
        Case(
            "first kernel call, cache off (compile)",
            "-",
            lambda: _python(_KERNEL_CALL, PRECISEMKT_NUMBA_CACHE="0"),
            repeats=3,
        ),
        Case(
            "bare interpreter (python -c pass)",
            "-",
            lambda: _python("pass"),
            repeats=5,
            note="baseline for the two rows above",
        ),
    ]
    for n in sizes:
        out.append(
            Case(
                "make_transactions (BG/NBD + spend)",
                f"{n:,} customers",
                lambda n=n: make_transactions(  # type: ignore[misc]
                    n,
                    freq="W",
                    periods=78,
                    acquisition_periods=12,
                    spend=(6.25, 3.74, 15.44),
                    random_state=0,
                ),
                repeats=3,
            )
        )
    return out


#: The heading of the cold-start section appended to ``results/foundation.md``.
_COLD_HEADING = "### Cold start (fresh process, empty numba cache)"

_COLD_RUN = (
    "import json, sys, time\n"
    "start = time.perf_counter()\n"
    "from precisemkt._warmup import warmup\n"
    "result = warmup([sys.argv[1]])[0]\n"
    "print(json.dumps({'pipeline_s': result.seconds, 'process_s': time.perf_counter() - start,"
    " 'compiles': [c._asdict() for c in result.compiles]}))\n"
)


def _cold_run(domain: str, cache: str) -> dict[str, Any]:
    env = os.environ | {"NUMBA_CACHE_DIR": cache, "PRECISEMKT_NUMBA_CACHE": "1"}
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _COLD_RUN, domain],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    wall = time.perf_counter() - start
    return json.loads(out.stdout.strip().splitlines()[-1]) | {"wall_s": wall}


def cold_start(domains: Sequence[str] | None = None) -> dict[str, Any]:
    """Each domain's quickstart in a fresh process: empty cache, then the cache it filled."""
    from precisemkt._warmup import DOMAINS

    rows = []
    for domain in domains or list(DOMAINS):
        with tempfile.TemporaryDirectory(prefix="precisemkt-cold-") as cache:
            cold = _cold_run(domain, cache)
            warm = _cold_run(domain, cache)
        row = {
            "domain": domain,
            "cold_s": cold["wall_s"],
            "compile_s": sum(c["self_seconds"] for c in cold["compiles"]),
            "warm_s": warm["wall_s"],
            "compiles": cold["compiles"],
            "recompiled_warm": len(warm["compiles"]),
        }
        rows.append(row)
        print(
            f"[foundation] cold start {domain}: {row['cold_s']:.1f} s "
            f"({len(row['compiles'])} compilations, {row['compile_s']:.1f} s); "
            f"warm {row['warm_s']:.1f} s",
            flush=True,
        )
    return {"machine": machine(), "load": os.getloadavg(), "rows": rows}


def _cold_markdown(data: dict[str, Any]) -> str:
    rows = data["rows"]
    lines = [
        _COLD_HEADING,
        "",
        "| domain quickstart | cold (empty cache) | of which compiling | specialisations "
        "compiled | warm (cache filled) |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['domain']} | {r['cold_s']:.1f} s | {r['compile_s']:.1f} s | "
            f"{len(r['compiles'])} | {r['warm_s']:.1f} s |"
        )
    kernels = sorted(
        ((c, r["domain"]) for r in rows for c in r["compiles"]),
        key=lambda item: -item[0]["self_seconds"],
    )
    lines += [
        "",
        "Slowest kernel compilations (one specialisation each; 'own' excludes the precisemkt "
        "kernels it calls, which are listed on their own row; 'with callees' includes them):",
        "",
        "| kernel | domain | own | with callees |",
        "|---|---|---|---|",
    ]
    for c, domain in kernels[:15]:
        name = c["kernel"].removeprefix("precisemkt.")
        lines.append(f"| `{name}` | {domain} | {c['self_seconds']:.2f} s | {c['seconds']:.2f} s |")
    repeated: dict[str, int] = {}
    for r in rows:
        names = [c["kernel"].removeprefix("precisemkt.") for c in r["compiles"]]
        for name in set(names):
            if names.count(name) > 1:
                repeated[name] = max(repeated.get(name, 0), names.count(name))
    if repeated:
        lines += [
            "",
            "Kernels compiled more than once in one quickstart (one specialisation per "
            "combination of argument types — int64 against uint64 loop indices, literal "
            "constants, read-only against writable arrays, int64 against float64 keys): "
            + ", ".join(f"`{name}` ×{n}" for name, n in sorted(repeated.items()))
            + ".",
        ]
    meta = data["machine"]
    load = ", ".join(f"{x:.1f}" for x in data["load"])
    if data["load"][0] > meta["cpus"]:  # the last minute, when the runs ended
        load += " (more runnable processes than CPUs: a shared machine, times inflated)"
    lines += [
        "",
        f"*Measured with `python -m benchmarks foundation --cold-start` on {meta['cpus']} CPUs "
        f"({meta['machine']}, Python {meta['python']}, numpy {meta['numpy']}), {meta['date']}, "
        f"load average {load} at the end. Each row is one fresh interpreter (import "
        "included) with `NUMBA_CACHE_DIR` in a new empty folder, then a second one with the "
        "cache the first filled. `precisemkt warmup` runs the same pipelines.*",
    ]
    return "\n".join(lines) + "\n"


def write_cold_start(data: dict[str, Any], *, mode: str) -> None:
    """Write ``foundation_cold_start.json`` and (re)place the section in ``foundation.md``."""
    folder = RESULTS if mode == "full" else RESULTS / "quick"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "foundation_cold_start.json").write_text(json.dumps(data, indent=2) + "\n")
    page = folder / "foundation.md"
    text = page.read_text() if page.exists() else ""
    text = text.split(_COLD_HEADING)[0].rstrip("\n")
    page.write_text((text + "\n\n" if text else "") + _cold_markdown(data))


def run(quick: bool, *, cold_only: bool = False, domains: Sequence[str] | None = None) -> None:
    """The suite: the cases above, then the cold start (alone with ``cold_only``)."""
    mode = "quick" if quick else "full"
    if quick and domains is None:
        domains = ["clv"]  # the headline quickstart; --full measures every domain
    if not cold_only:
        run_cases(SUITE, cases(quick), mode=mode)
    write_cold_start(cold_start(domains), mode=mode)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(prog="python -m benchmarks.foundation")
    parser.add_argument("--cold-start", action="store_true", help="only the cold start")
    parser.add_argument("--domains", help="comma-separated domains (default all)")
    parser.add_argument("--quick", action="store_true", help="write to results/quick/")
    args = parser.parse_args()
    picked = args.domains.split(",") if args.domains else None
    run(args.quick, cold_only=args.cold_start, domains=picked)
