"""The miners against brute-force enumeration (tests/reference/basket.py)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.basket import _itemsets, _kernels, baskets_from_lists, frequent_itemsets
from tests.reference import basket as ref


@st.composite
def basket_data(draw: st.DrawFn, max_baskets: int = 60) -> list[list[int]]:
    """Random baskets over up to 9 items, some popular (hot) and some rare (cold)."""
    n_items = draw(st.integers(1, 9))
    n = draw(st.integers(1, max_baskets))
    probs = [draw(st.sampled_from([0.01, 0.02, 0.1, 0.3, 0.6, 0.9])) for _ in range(n_items)]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    hits = rng.random((n, n_items)) < np.array(probs)
    return [list(np.flatnonzero(row).tolist()) for row in hits]


def as_dict(frame: object) -> dict[frozenset[int], int]:
    return {frozenset(s): int(c) for s, c in zip(frame["itemset"], frame["count"], strict=True)}  # type: ignore[index]


@given(
    basket_data(max_baskets=300),
    st.integers(1, 6),
    st.sampled_from([None, 1, 2, 3]),
    st.sampled_from(["tidlist", "bitset", "fpgrowth", "auto"]),
)
@settings(max_examples=50)
def test_every_frequent_itemset_and_no_other(
    baskets: list[list[int]], min_count: int, max_len: int | None, algorithm: str
) -> None:
    n = len(baskets)
    got = frequent_itemsets(
        baskets_from_lists(baskets),
        min_support=min(min_count, n) / n,
        max_len=max_len,
        algorithm=algorithm,  # type: ignore[arg-type]
    )
    expected = ref.frequent(baskets, _itemsets.min_count_for(min(min_count, n) / n, n), max_len)
    assert as_dict(got) == expected
    assert (got["support"] == got["count"] / n).all()
    assert (got["length"] == got["itemset"].map(len)).all()


@given(basket_data(), st.integers(1, 4), st.sampled_from(["closed", "maximal"]))
@settings(max_examples=30)
def test_closed_and_maximal_by_definition(
    baskets: list[list[int]], min_count: int, kind: str
) -> None:
    n = len(baskets)
    got = frequent_itemsets(baskets, min_support=min(min_count, n) / n, kind=kind)  # type: ignore[arg-type]
    freq = ref.frequent(baskets, _itemsets.min_count_for(min(min_count, n) / n, n))
    expected = ref.closed(freq) if kind == "closed" else ref.maximal(freq)
    assert as_dict(got) == expected


@given(basket_data(), st.integers(1, 3), st.integers(1, 3))
@settings(max_examples=30)
def test_closed_with_max_len_looks_beyond_the_limit(
    baskets: list[list[int]], min_count: int, max_len: int
) -> None:
    n = len(baskets)
    got = frequent_itemsets(
        baskets, min_support=min(min_count, n) / n, max_len=max_len, kind="closed"
    )
    freq = ref.frequent(baskets, _itemsets.min_count_for(min(min_count, n) / n, n))
    expected = {s: c for s, c in ref.closed(freq).items() if len(s) <= max_len}
    assert as_dict(got) == expected


def test_chunked_search_gives_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    baskets = [list(np.flatnonzero(rng.random(12) < 0.4)) for _ in range(400)]
    whole = frequent_itemsets(baskets, min_support=0.02)
    monkeypatch.setattr(_itemsets, "_CHUNK_ENTRIES", 7)
    for algorithm in ("tidlist", "bitset", "fpgrowth"):
        chunked = frequent_itemsets(baskets, min_support=0.02, algorithm=algorithm)  # type: ignore[arg-type]
        assert as_dict(chunked) == as_dict(whole)


@given(st.lists(st.lists(st.integers(0, 4), max_size=4, unique=True), max_size=60))
def test_dedupe_rows_counts_each_distinct_basket(rows: list[list[int]]) -> None:
    rows = [sorted(r) for r in rows]
    indptr = np.concatenate(([0], np.cumsum([len(r) for r in rows]))).astype(np.int64)
    indices = np.array([x for r in rows for x in r], dtype=np.int64)
    weights = np.arange(1, len(rows) + 1, dtype=np.int64)
    ip, ix, w = _kernels.dedupe_rows(indptr, indices, weights)
    got = {tuple(ix[ip[i] : ip[i + 1]].tolist()): int(w[i]) for i in range(ip.size - 1)}
    assert got == dict(ref.dedupe(rows, weights.tolist()))
    assert len(got) == ip.size - 1


@given(st.integers(0, 2**64 - 1))
def test_popcount(x: int) -> None:
    assert _kernels.popcount(np.uint64(x)) == ref.popcount(x)


def test_rare_and_common_items_are_mined_on_their_own_layouts() -> None:
    # 1,000 baskets: items 0-3 in >= 1/64 of them (the dense core, mined on the baskets cut
    # down to the core), items 4-9 rarer (mined on the full baskets); both halves and the
    # itemsets that mix them must match the enumeration
    rng = np.random.default_rng(11)
    probs = np.array([0.5, 0.4, 0.3, 0.1, 0.012, 0.01, 0.01, 0.008, 0.008, 0.006])
    baskets = [list(np.flatnonzero(rng.random(10) < probs)) for _ in range(1000)]
    baskets += [[0, 1, 4, 5, 6]] * 4  # a rare itemset that mixes both kinds
    expected = ref.frequent(baskets, 3)
    for algorithm in ("tidlist", "fpgrowth"):
        got = frequent_itemsets(baskets, min_support=3 / len(baskets), algorithm=algorithm)  # type: ignore[arg-type]
        assert as_dict(got) == expected
    assert frozenset({0, 1, 4, 5, 6}) in expected
