"""Every compiled kernel against its naive reference in tests/reference/privacy.py."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.errors import PrivacyError
from precisemkt.privacy import _class_kernels, anonymize, check_anonymity
from precisemkt.privacy._requirement import encode_sensitive
from tests.privacy.tables import Table, tables
from tests.reference import privacy as ref


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5)), min_size=1, max_size=120),
    st.booleans(),
)
def test_class_statistics_matches_reference(rows: list[tuple[int, int]], ordered: bool) -> None:
    raw_ids = np.array([r[0] for r in rows])
    _, ids = np.unique(raw_ids, return_inverse=True)
    _, s = np.unique(np.array([r[1] for r in rows]), return_inverse=True)
    n_classes = int(ids.max()) + 1
    distinct, entropy, emd, ptr, counts = _class_kernels.class_statistics(
        ids.astype(np.int64), n_classes, s.astype(np.int64), int(s.max()) + 1, ordered
    )
    expected = ref.class_stats(ids.tolist(), s.tolist(), ordered)
    for g, exp in enumerate(expected):
        assert distinct[g] == exp["distinct"]
        assert entropy[g] == pytest.approx(exp["entropy"], abs=1e-12)
        assert emd[g] == pytest.approx(exp["emd"], abs=1e-12)
        assert counts[ptr[g] : ptr[g + 1]].tolist() == exp["desc"]


def _per_row(table: Table) -> tuple[list[list[np.ndarray]], list[list[np.ndarray]]]:
    """Per-row codes and NCP at every level of every QI (from the bound hierarchies)."""
    codes, ncp = [], []
    for col in table.qis:
        b = table.hierarchies[col]._bind(table.df[col], col)
        codes.append([b.row_codes(level) for level in range(b.n_levels)])
        ncp.append([b.ncp[level][b.row_codes(level)] for level in range(b.n_levels)])
    return codes, ncp


requirements = st.fixed_dictionaries(
    {
        "k": st.integers(1, 6),
        "l": st.one_of(st.none(), st.integers(1, 3)),
        "l_kind": st.sampled_from(["distinct", "entropy", "recursive"]),
        "t": st.one_of(st.none(), st.sampled_from([0.0, 0.1, 0.3, 0.6])),
        "max_suppression": st.sampled_from([0.0, 0.1, 0.3]),
        "metric": st.sampled_from(["gcp", "discernibility"]),
    }
)


@settings(max_examples=40)
@given(tables(max_rows=25), requirements)
def test_global_search_returns_the_exhaustive_optimum(table: Table, opts: dict) -> None:
    """The bounded lattice search finds the same minimum loss as trying every node."""
    c = 1.5 if opts["l_kind"] == "recursive" else None
    l_val = opts["l"] if opts["l"] is not None else None
    req = ref.Requirement(
        opts["k"], l_val, opts["l_kind"], c if l_val is not None else None, opts["t"]
    )
    s_codes, _, ordered = encode_sensitive(table.df["s"], "s")
    codes, ncp = _per_row(table)
    max_out = math.floor(opts["max_suppression"] * len(table.df) + 1e-9)
    best, best_nodes = ref.exhaustive_global(
        codes, ncp, s_codes, ordered, req, max_out, opts["metric"]
    )
    try:
        res = anonymize(
            table.df,
            table.qis,
            k=req.k,
            l=req.l,
            l_kind=req.l_kind,
            c=req.c,
            t=req.t,
            sensitive="s",
            method="global",
            hierarchies=table.hierarchies,
            max_suppression=opts["max_suppression"],
            metric=opts["metric"],
        )
    except PrivacyError:
        assert best == math.inf
        return
    assert res.levels is not None
    node = tuple(res.levels[col] for col in table.qis)
    feasible, loss, kept = ref.evaluate_node(
        codes, ncp, node, s_codes, ordered, req, max_out, opts["metric"]
    )
    assert feasible
    assert loss == pytest.approx(best, rel=1e-9, abs=1e-12)
    assert node in best_nodes
    assert res.suppressed.tolist() == table.df.index[~kept].tolist()


def _reference_mondrian(
    table: Table, req: ref.Requirement, priority: list[int], numeric: set[str]
) -> pd.DataFrame:
    attributes = []
    for col in table.qis:
        if col in numeric:
            attributes.append(ref.Attribute(values=table.df[col].to_numpy(dtype=float)))
            continue
        b = table.hierarchies[col]._bind(table.df[col], col)
        attributes.append(
            ref.Attribute(
                leaf=b.leaf_of_row,
                level_codes=list(b.codes),
                level_ncp=list(b.ncp),
                level_labels=list(b.labels),
            )
        )
    s_codes, _, ordered = encode_sensitive(table.df["s"], "s")
    use_s = req.l is not None or req.t is not None
    parts = ref.mondrian(attributes, s_codes if use_s else None, ordered, req, priority)
    out = {col: np.empty(len(table.df), dtype=object) for col in table.qis}
    for rows, state in parts:
        for j, col in enumerate(table.qis):
            if col in numeric:
                lo, hi = state[j]
                text = str(int(lo)) if lo == hi else f"[{int(lo)}, {int(hi)}]"
            else:
                text = attributes[j].level_labels[state[j][0]][state[j][1]]
            out[col][rows] = text
    return pd.DataFrame(out, index=table.df.index)


@settings(max_examples=50)
@given(tables(max_rows=40), requirements, st.integers(0, 1000), st.booleans())
def test_mondrian_matches_reference(table: Table, opts: dict, seed: int, numeric_x: bool) -> None:
    """Same partitions and labels as the recursive Python Mondrian."""
    c = 1.5 if opts["l_kind"] == "recursive" and opts["l"] is not None else None
    req = ref.Requirement(opts["k"], opts["l"], opts["l_kind"], c, opts["t"])
    hier = dict(table.hierarchies)
    numeric = set()
    if numeric_x:
        hier.pop("x")
        numeric.add("x")
    try:
        res = anonymize(
            table.df,
            table.qis,
            k=req.k,
            l=req.l,
            l_kind=req.l_kind,
            c=req.c,
            t=req.t,
            sensitive="s",
            method="mondrian",
            hierarchies=hier,
            random_state=seed,
        )
    except PrivacyError:
        return
    priority = np.random.default_rng(seed).permutation(len(table.qis)).tolist()
    expected = _reference_mondrian(table, req, priority, numeric)
    got = res.data[table.qis].astype(object)
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
    assert check_anonymity(res.data, table.qis, sensitive="s").n_classes == len(
        expected.drop_duplicates()
    )


@settings(max_examples=15)
@given(tables(max_rows=25), requirements)
def test_global_search_without_precomputation_matches(table: Table, opts: dict) -> None:
    """The fallbacks for big tables (no split precomputation, no pair pruning) find the
    same optimum as the default path."""
    from precisemkt.privacy import _global

    kwargs = dict(
        k=opts["k"],
        t=opts["t"],
        sensitive="s",
        method="global",
        hierarchies=table.hierarchies,
        max_suppression=opts["max_suppression"],
        metric=opts["metric"],
    )
    try:
        fast = anonymize(table.df, table.qis, **kwargs)
    except PrivacyError:
        return
    split, pairs = _global.SPLIT_BUDGET, _global.PAIR_BUDGET
    try:
        _global.SPLIT_BUDGET = _global.PAIR_BUDGET = 0
        plain = anonymize(table.df, table.qis, **kwargs)
    finally:
        _global.SPLIT_BUDGET, _global.PAIR_BUDGET = split, pairs
    assert plain.information_loss.gcp == pytest.approx(fast.information_loss.gcp)
    assert plain.information_loss.discernibility == pytest.approx(
        fast.information_loss.discernibility
    )
