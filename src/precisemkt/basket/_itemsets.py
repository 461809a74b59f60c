"""Frequent, closed and maximal itemsets."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from functools import partial
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from precisemkt._typing import IntArray
from precisemkt._validation import check_int, check_interval, check_options, format_message
from precisemkt.basket import _kernels
from precisemkt.basket._baskets import Baskets, BasketsLike, as_baskets
from precisemkt.errors import InvalidParameterError

__all__ = ["frequent_itemsets", "min_count_for"]

#: A miner's output: flat item codes, lengths, counts, and whether it stopped at the cap.
Mined: TypeAlias = tuple[IntArray, IntArray, IntArray, bool]

#: Largest bitset table (items × words × 8 bytes) the ``"auto"`` choice accepts.
_BITSET_BYTES = 64 << 20
#: Smallest density (entries / (baskets × frequent items)) at which ``"auto"`` uses bitsets.
_BITSET_DENSITY = 0.02
#: Work per chunk of top-level items (entries of their tid-lists); Ctrl-C lands between chunks.
_CHUNK_ENTRIES = 1 << 21
#: Most top-level items per chunk.
_CHUNK_ITEMS = 32


def min_count_for(min_support: float, n_baskets: int) -> int:
    """Smallest count ``c`` with ``c / n_baskets >= min_support`` in floating point.

    The comparison is the one mlxtend makes, so both call the same itemsets frequent.

    Examples
    --------
    >>> min_count_for(0.01, 4372)
    44
    """
    if n_baskets == 0:
        return 1
    c = max(math.ceil(min_support * n_baskets), 1)
    while c > 1 and (c - 1) / n_baskets >= min_support:
        c -= 1
    while c / n_baskets < min_support:
        c += 1
    return c


def _chunks(sizes: IntArray) -> list[tuple[int, int]]:
    """Split the top-level items into runs of at most ``_CHUNK_ITEMS`` items and about
    ``_CHUNK_ENTRIES`` tid-list entries."""
    bounds = [0]
    total = 0
    for j, size in enumerate(sizes.tolist()):
        total += size
        if total >= _CHUNK_ENTRIES or j + 1 - bounds[-1] >= _CHUNK_ITEMS:
            bounds.append(j + 1)
            total = 0
    if bounds[-1] != sizes.size:
        bounds.append(int(sizes.size))
    return list(itertools.pairwise(bounds))


def _run_chunks(
    miner: Callable[[int, int, int], Mined],
    sizes: IntArray,
    found: int,
    max_itemsets: int,
    min_count: int,
) -> tuple[list[IntArray], list[IntArray], list[IntArray]]:
    """Call ``miner(start, stop, room)`` chunk by chunk; raise past ``max_itemsets``."""
    items: list[IntArray] = []
    lengths: list[IntArray] = []
    counts: list[IntArray] = []
    for start, stop in _chunks(sizes):
        its, lens, cnts, overflow = miner(start, stop, max_itemsets - found)
        if overflow:
            raise InvalidParameterError(
                format_message(
                    "the number of frequent itemsets",
                    f"stay within max_itemsets={max_itemsets:,}",
                    f"more than {max_itemsets:,} at a minimum count of {min_count}",
                    "Raise min_support, set max_len, ask for kind='closed' or 'maximal' "
                    "with a higher support, or raise max_itemsets if memory allows.",
                )
            )
        found += lens.size
        items.append(its)
        lengths.append(lens)
        counts.append(cnts)
    return items, lengths, counts


def _mine(
    b: Baskets, min_count: int, max_len: int, algorithm: str, max_itemsets: int
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Run a miner; return (flat codes, lengths, counts, frequent original item codes).

    Returned item codes index the frequent items ``order`` (ascending count).
    """
    counts = np.bincount(b.indices, minlength=b.n_items).astype(np.int64)
    frequent = np.flatnonzero(counts >= min_count)
    # recode by ascending count (ties by code): the rarest frequent item gets code 0
    order = frequent[np.lexsort((frequent, counts[frequent]))]
    mapping = np.full(b.n_items, -1, dtype=np.int64)
    mapping[order] = np.arange(order.size, dtype=np.int64)
    n_freq = int(order.size)
    item_counts = counts[order]
    if n_freq == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty, order
    indptr, indices = _kernels.filter_recode(b.indptr, b.indices, mapping)
    n = b.n_baskets
    if algorithm == "auto":
        density = indices.size / max(n * n_freq, 1)
        dense_ok = n_freq * ((n + 63) // 64) * 8 <= _BITSET_BYTES
        algorithm = "bitset" if dense_ok and density >= _BITSET_DENSITY else "tidlist"
    ones = np.ones(n, dtype=np.int64)
    if algorithm == "fpgrowth":
        ip, ix, w = _kernels.dedupe_rows(indptr, indices, ones)
        del indptr, indices
        tree = _kernels.build_fptree(ix, ip, w, n_freq)
        del ip, ix, w
        fp_chunk = partial(_kernels.mine_fptree, *tree, item_counts, min_count, max_len)
        parts = _run_chunks(fp_chunk, item_counts, 0, max_itemsets, min_count)
    elif algorithm == "bitset":
        col_ptr, rows = _kernels.transpose(indptr, indices, n_freq)
        del indptr, indices
        bits = _kernels.pack_bitsets(col_ptr, rows, n)
        del rows

        def bitset_chunk(lo: int, hi: int, room: int) -> Mined:
            return _kernels.mine_bitsets(bits, item_counts, min_count, max_len, lo, hi, room)

        parts = _run_chunks(bitset_chunk, np.diff(col_ptr), 0, max_itemsets, min_count)
    else:
        # items held by at least 1/64 of the baskets form a dense core: their itemsets
        # use them only, so they are mined on the baskets cut down to the core, where
        # many baskets coincide and merge into one weighted row
        hot = int(np.searchsorted(item_counts * 64 >= n, True))
        ip, ix, w = _kernels.dedupe_rows(indptr, indices, ones)
        del indptr, indices, ones
        parts = ([], [], [])
        for lo_item, hi_item in ((0, hot), (hot, n_freq)):
            if lo_item == hi_item:
                continue
            if lo_item > 0:
                sub = np.arange(n_freq, dtype=np.int64) - lo_item
                sub[:lo_item] = -1
                ip, ix = _kernels.filter_recode(ip, ix, sub)
                ip, ix, w = _kernels.dedupe_rows(ip, ix, w)
            width = n_freq - lo_item
            col_ptr, rows = _kernels.transpose(ip, ix, width)
            stop = hi_item - lo_item
            tidlist_chunk = partial(
                _kernels.mine_tidlists, ip, ix, w, col_ptr, rows, item_counts[lo_item:],
                min_count, max_len,
            )  # fmt: skip
            got = _run_chunks(
                tidlist_chunk,
                np.diff(col_ptr)[:stop],
                sum(x.size for x in parts[1]),
                max_itemsets,
                min_count,
            )
            del col_ptr, rows, tidlist_chunk
            parts[0].extend(x + lo_item for x in got[0])
            parts[1].extend(got[1])
            parts[2].extend(got[2])
    return (
        np.concatenate(parts[0]),
        np.concatenate(parts[1]),
        np.concatenate(parts[2]),
        order,
    )


def _keep_kind(
    codes: list[IntArray], counts: list[IntArray], kind: str, max_len: int
) -> list[IntArray]:
    """Boolean masks (per length) of the closed or maximal itemsets.

    An itemset is closed when no proper superset has its count and maximal when no proper
    superset is frequent; both can be decided on the supersets with one more item, since
    every frequent superset contains a frequent superset one item larger (and counts only
    fall as itemsets grow).
    """
    keep = [np.ones(c.shape[0], dtype=bool) for c in codes]
    for length in range(2, len(codes)):
        lower = {tuple(row): i for i, row in enumerate(codes[length - 1].tolist())}
        upper = codes[length]
        for drop in range(length):
            sub = np.delete(upper, drop, axis=1)
            idx = np.array([lower[tuple(row)] for row in sub.tolist()], dtype=np.int64)
            if idx.size == 0:
                continue
            if kind == "maximal":
                keep[length - 1][idx] = False
            else:
                same = counts[length] == counts[length - 1][idx]
                keep[length - 1][idx[same]] = False
    return keep[: max_len + 1]


def frequent_itemsets(
    baskets: BasketsLike,
    *,
    min_support: float,
    max_len: int | None = None,
    min_count: int | None = None,
    algorithm: Literal["auto", "tidlist", "bitset", "fpgrowth"] = "auto",
    kind: Literal["all", "closed", "maximal"] = "all",
    max_itemsets: int = 2_000_000,
) -> pd.DataFrame:
    """Find every itemset bought together in at least a given share of baskets.

    Parameters
    ----------
    baskets : Baskets, one-hot DataFrame, scipy sparse matrix or list of item lists
        The baskets (see :func:`baskets_from_orders` for an order log).
    min_support : float in (0, 1]
        An itemset is frequent when ``count / n_baskets >= min_support`` (inclusive, as in
        mlxtend).
    max_len : int, optional
        Longest itemset reported.
    min_count : int, optional
        Also require at least this many baskets.
    algorithm : {"auto", "tidlist", "bitset", "fpgrowth"}, default "auto"
        ``"tidlist"``: depth-first search on tid-lists whose extensions are counted by
        scanning the tails of their baskets (Eclat layout, LCM's occurrence delivery);
        work grows with the data covered, suited to sparse baskets. ``"bitset"``: Eclat on
        bit vectors, one AND and popcount per 64 baskets; suited to dense data.
        ``"fpgrowth"``: FP-growth (Han, Pei & Yin 2000) on a prefix tree of the baskets,
        conditional trees on an explicit stack. ``"auto"`` takes the bitsets when the
        frequent items fill at least 2% of the baskets × items grid and their bitsets
        take at most 64 MB, the tid-lists otherwise. All give the same itemsets.
    kind : {"all", "closed", "maximal"}, default "all"
        ``"closed"``: only itemsets with no superset of the same count. ``"maximal"``: only
        itemsets with no frequent superset. With ``max_len`` the supersets one item longer
        are still checked, so a closed itemset is closed in the data, not merely within
        the length limit.
    max_itemsets : int, default 2,000,000
        The search stops with an error beyond this many itemsets instead of exhausting
        memory.

    Returns
    -------
    pandas.DataFrame
        Columns ``itemset`` (tuple of item labels, in the items' sorted order),
        ``support`` (float), ``count`` (int) and ``length`` (int), sorted by length, then
        by count (descending). ``attrs["n_baskets"]`` holds the number of baskets.

    Raises
    ------
    InvalidParameterError
        A bad argument, or more than ``max_itemsets`` itemsets.

    Examples
    --------
    >>> from precisemkt.basket import frequent_itemsets
    >>> baskets = [["beer", "diapers", "chips"], ["beer", "diapers"], ["chips"], ["beer"]]
    >>> frequent_itemsets(baskets, min_support=0.5)
               itemset  support  count  length
    0          (beer,)     0.75      3       1
    1         (chips,)     0.50      2       1
    2       (diapers,)     0.50      2       1
    3  (beer, diapers)     0.50      2       2
    """
    b = as_baskets(baskets)
    support = check_interval(min_support, "min_support", low=0, high=1, closed="right")
    limit = (
        b.n_items
        if max_len is None
        else check_int(max_len, "max_len", low=1, hint="Use None for no limit.")
    )
    floor = 1 if min_count is None else check_int(min_count, "min_count", low=1)
    check_options(algorithm, "algorithm", ("auto", "tidlist", "bitset", "fpgrowth"))
    check_options(kind, "kind", ("all", "closed", "maximal"))
    cap = check_int(max_itemsets, "max_itemsets", low=1)
    threshold = max(min_count_for(support, b.n_baskets), floor)
    mine_len = max(limit, 1) if kind == "all" else min(limit + 1, max(b.n_items, 1))
    flat, lengths, counts, order = _mine(b, threshold, mine_len, algorithm, cap)
    # group by length: one (n, length) array of original item codes per length
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    top = int(lengths.max()) if lengths.size else 0
    codes: list[IntArray] = [np.empty((0, 0), dtype=np.int64)]
    cnts: list[IntArray] = [np.empty(0, dtype=np.int64)]
    for length in range(1, top + 1):
        sel = np.flatnonzero(lengths == length)
        pos = starts[sel][:, None] + np.arange(length)[None, :]
        codes.append(np.sort(order[flat[pos]], axis=1))
        cnts.append(counts[sel])
    if kind != "all":
        masks = _keep_kind(codes, cnts, kind, limit)
        codes = [c[m] for c, m in zip(codes[: limit + 1], masks, strict=True)]
        cnts = [c[m] for c, m in zip(cnts[: limit + 1], masks, strict=True)]
    labels = b.items.to_numpy(dtype=object)
    itemsets: list[tuple[object, ...]] = []
    length_col: list[IntArray] = []
    count_col: list[IntArray] = []
    for length in range(1, len(codes)):
        order_in = np.argsort(-cnts[length], kind="stable")
        rows = codes[length][order_in]
        itemsets.extend(zip(*(labels[rows[:, j]] for j in range(length)), strict=True))
        length_col.append(np.full(order_in.size, length, dtype=np.int64))
        count_col.append(cnts[length][order_in])
    count_arr = np.concatenate(count_col) if count_col else np.empty(0, dtype=np.int64)
    column = pd.Series(itemsets, dtype=object) if itemsets else pd.Series([], dtype=object)
    frame = pd.DataFrame(
        {
            "itemset": column,
            "support": count_arr / b.n_baskets if b.n_baskets else count_arr.astype(float),
            "count": count_arr,
            "length": np.concatenate(length_col) if length_col else count_arr.copy(),
        }
    )
    frame.attrs["n_baskets"] = b.n_baskets
    frame.attrs["min_support"] = support
    frame.attrs["kind"] = kind
    return frame
