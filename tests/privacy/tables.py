"""Random small tables with hierarchies for the privacy property tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from precisemkt.privacy import Hierarchy


@dataclass
class Table:
    df: pd.DataFrame
    qis: list[str]
    hierarchies: dict[str, Hierarchy]
    sensitive: str


@st.composite
def tables(draw: st.DrawFn, *, min_rows: int = 1, max_rows: int = 40) -> Table:
    """A table with a numeric QI, one or two categorical QIs and a sensitive column.

    ``x`` (ints) gets an interval hierarchy; ``c1`` a random two-level tree; ``c2`` (if
    drawn) a flat hierarchy. The sensitive column ``s`` is numeric (ordered distance) or
    text (equal distance).
    """
    n = draw(st.integers(min_rows, max_rows))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    x_range = draw(st.integers(0, 12))
    n_c1 = draw(st.integers(1, 6))
    groups = rng.integers(0, draw(st.integers(1, 3)), size=n_c1)
    leaves = [f"v{i}" for i in range(n_c1)]
    df = pd.DataFrame(
        {
            "x": rng.integers(0, x_range + 1, size=n),
            "c1": pd.array(rng.choice(leaves, size=n), dtype="str"),
        }
    )
    hier = {
        "x": Hierarchy.intervals(widths=[2, 4], lower=0, upper=16),
        "c1": Hierarchy.tree([{leaf: f"g{g}" for leaf, g in zip(leaves, groups, strict=True)}]),
    }
    qis = ["x", "c1"]
    if draw(st.booleans()):
        n_c2 = draw(st.integers(1, 4))
        df["c2"] = pd.array(rng.choice([f"w{i}" for i in range(n_c2)], size=n), dtype="str")
        hier["c2"] = Hierarchy.tree([{f"w{i}": "*" for i in range(n_c2)}])
        qis.append("c2")
    n_s = draw(st.integers(1, 5))
    s = rng.integers(0, n_s, size=n)
    df["s"] = s if draw(st.booleans()) else pd.array([f"s{v}" for v in s], dtype="str")
    return Table(df, qis, hier, "s")
