"""Foundation suite: import time, kernel compile time, transaction simulation.

* ``import precisemkt`` in a fresh interpreter (the interpreter's own start-up included),
  next to ``import lifetimes`` the same way.
* First call of a numba kernel with the on-disk cache off (pure compile time) and on
  (loading a cached kernel), each in a fresh interpreter.
* ``make_transactions`` (BG/NBD, CDNOW parameters, with spend) at 100k and 1M customers.
"""

from __future__ import annotations

import os
import subprocess
import sys

from benchmarks._harness import Case
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
