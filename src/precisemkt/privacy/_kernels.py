"""Compiled kernels of :mod:`precisemkt.privacy`'s global recoding (ndarray in, ndarray out).

Row grouping, the classes and the loss of one lattice node, and the rows that every node
with given levels of two attributes suppresses. The classes are judged by the helpers of
``_class_kernels`` (which also explains the requirement record; numba's disk cache does
not notice an edit there: run with ``PRECISEMKT_NUMBA_CACHE=0`` after changing it). No
validation here: the caller validated.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from precisemkt._grouping import group_rows
from precisemkt._numba import njit
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt.privacy._class_kernels import (
    T_TOL,
    KernelRequirement,
    collect,
    diversity_ok,
    emd,
    new_histogram,
    reference_distribution,
    rows_by_class,
    uses_sensitive,
)

__all__ = [
    "certain_outliers",
    "evaluate_node",
    "node_classes",
    "node_classes_split",
    "pair_outliers",
]

UIntArray = npt.NDArray[np.uint64]

#: Largest mixed-radix key range combined before re-densifying.
_KEY_LIMIT = 1 << 61


# -- grouping -----------------------------------------------------------------------------


@njit()
def _node_groups(codes: IntArray, levels: IntArray, cards: IntArray) -> tuple[IntArray, IntArray]:
    """Class of the ``m`` items under one lattice node (mixed radix, re-densified) and the
    first item of every class."""
    q = levels.size
    m = codes.shape[2]
    keys = np.zeros(m, np.int64)
    key_range = 1
    for j in range(q):
        card = cards[j, levels[j]]
        if key_range > _KEY_LIMIT // card:
            keys, first = group_rows(keys.reshape((m, 1)), m, m)
            key_range = first.size
        for i in range(m):
            keys[i] = keys[i] * card + codes[j, levels[j], i]
        key_range *= card
    return group_rows(keys.reshape((m, 1)), m, m)


# -- global recoding: one lattice node --------------------------------------------------


@njit()
def node_classes(
    codes: IntArray,
    levels: IntArray,
    cards: IntArray,
    weights: FloatArray,
) -> tuple[IntArray, int, IntArray, FloatArray]:
    """Class id of every item, one representative item and the size of every class."""
    cls, rep = _node_groups(codes, levels, cards)
    n_cls = rep.size
    size = np.zeros(n_cls)
    for i in range(cls.size):
        size[cls[i]] += weights[i]
    return cls, n_cls, rep, size


@njit()
def node_classes_split(
    perm: IntArray, ptr: IntArray, n_seg: int, id_b: IntArray, weights: FloatArray, table: IntArray
) -> tuple[IntArray, int, IntArray, FloatArray]:
    """:func:`node_classes` from a precomputed split of the attributes.

    The attributes are split in two halves A and B. ``perm[ptr[g]:ptr[g + 1]]`` lists the
    items of the ``g``-th class of the A-half at this node's A-levels; ``id_b`` is every
    item's class in the B-half. Classes of the node are the (A-class, B-class) pairs,
    found with a direct-address ``table`` (size > max B-class id, filled with -1).
    """
    m = id_b.size
    cls = np.empty(m, np.int64)
    rep = np.empty(m, np.int64)
    size = np.zeros(m)
    n_cls = 0
    for seg in range(n_seg):
        for x in range(ptr[seg], ptr[seg + 1]):
            i = perm[x]
            b = id_b[i]
            g = table[b]
            if g < 0:
                g = n_cls
                table[b] = g
                rep[g] = i
                n_cls += 1
            cls[i] = g
            size[g] += weights[i]
        for x in range(ptr[seg], ptr[seg + 1]):
            table[id_b[perm[x]]] = -1
    return cls, n_cls, rep[:n_cls], size[:n_cls]


@njit()
def evaluate_node(
    cls: IntArray,
    n_cls: int,
    rep: IntArray,
    size: FloatArray,
    ncp: FloatArray,
    levels: IntArray,
    weights: FloatArray,
    s: IntArray,
    n_codes: int,
    req: KernelRequirement,
    max_out: float,
    metric: int,
) -> tuple[bool, float, float, BoolArray]:
    """Evaluate one full-domain generalisation of ``m`` weighted items.

    Items are the distinct (quasi-identifier leaves, sensitive value) combinations of the
    table, ``cls`` their class under the node, ``rep`` one item of every class and
    ``size`` the classes' sizes;
    ``ncp[j, L, i]`` is item ``i``'s certainty penalty for attribute ``j`` at level ``L``
    (equal for all items of a class). Classes that break the requirement are suppressed;
    for t-closeness the reference distribution is that of the kept records, recomputed
    until no further class fails (so the released table itself is t-close).

    Returns ``(feasible, loss, loss_without_suppression, fail)`` with ``fail`` the mask
    of suppressed classes. ``metric`` 0 is GCP, 1 is discernibility.
    """
    fail = np.zeros(n_cls, np.bool_)
    for g in range(n_cls):
        fail[g] = size[g] < req.k
    if uses_sensitive(req):
        _fail_sensitive(cls, n_cls, size, weights, s, n_codes, req, fail)
    return _node_loss(n_cls, rep, size, ncp, levels, fail, max_out, metric)


@njit()
def _fail_sensitive(
    cls: IntArray,
    n_cls: int,
    size: FloatArray,
    weights: FloatArray,
    s: IntArray,
    n_codes: int,
    req: KernelRequirement,
    fail: BoolArray,
) -> None:
    """Mark in ``fail`` the classes that break the l or (iteratively) the t of ``req``."""
    m = weights.size
    start, rows = rows_by_class(cls, n_cls)
    hist = new_histogram(n_codes)
    ptr = np.zeros(n_cls + 1, np.int64)
    csr_vals = np.empty(m, np.int64)
    csr_cnts = np.empty(m)
    for g in range(n_cls):
        n_vals, total = collect(rows, start[g], start[g + 1], s, weights, hist)
        ptr[g + 1] = ptr[g] + n_vals
        csr_vals[ptr[g] : ptr[g + 1]] = hist.vals[:n_vals]
        csr_cnts[ptr[g] : ptr[g + 1]] = hist.cnts[:n_vals]
        if not fail[g] and not diversity_ok(hist.cnts, n_vals, total, req):
            fail[g] = True
    # each pass fails at least one more class or stops: at most n_cls + 1 passes
    while req.t >= 0.0:
        counts = np.zeros(n_codes)
        for g in range(n_cls):
            if not fail[g]:
                for e in range(ptr[g], ptr[g + 1]):
                    counts[csr_vals[e]] += csr_cnts[e]
        ref = reference_distribution(counts)
        changed = False
        for g in range(n_cls):
            if fail[g]:
                continue
            a, b = ptr[g], ptr[g + 1]
            if emd(csr_vals[a:b], csr_cnts[a:b], b - a, size[g], req.ordered, ref) > req.t + T_TOL:
                fail[g] = True
                changed = True
        if not changed:
            break


@njit()
def _node_loss(
    n_cls: int,
    rep: IntArray,
    size: FloatArray,
    ncp: FloatArray,
    levels: IntArray,
    fail: BoolArray,
    max_out: float,
    metric: int,
) -> tuple[bool, float, float, BoolArray]:
    """:func:`evaluate_node`'s result once the failing classes are known."""
    q = levels.size
    total_w = 0.0
    n_out = 0.0
    squares = 0.0
    kept_squares = 0.0
    penalty = 0.0
    free_penalty = 0.0
    for g in range(n_cls):
        row = 0.0
        for j in range(q):
            row += ncp[j, levels[j], rep[g]]
        total_w += size[g]
        squares += size[g] * size[g]
        free_penalty += size[g] * row
        if fail[g]:
            n_out += size[g]
        else:
            kept_squares += size[g] * size[g]
            penalty += size[g] * row
    feasible = n_out <= max_out and n_out < total_w
    if metric == 0:
        loss = (penalty + n_out * q) / (total_w * q)
        free = free_penalty / (total_w * q)
    else:
        loss = kept_squares + total_w * n_out
        free = squares
    return feasible, loss, free, fail


# -- certain outliers from two-attribute projections -------------------------------------


@njit()
def _popcount(x: np.uint64) -> np.uint64:
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2)) & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return (x * np.uint64(0x0101010101010101)) >> np.uint64(56)


@njit()
def pair_outliers(
    codes_a: IntArray,
    codes_b: IntArray,
    card_b: int,
    weights: FloatArray,
    s: IntArray,
    n_codes: int,
    k: int,
    min_distinct: int,
    item_of_row: IntArray,
) -> UIntArray:
    """Rows (as a bitset of uint64 words) in classes of two attributes that fail k or l.

    Grouping on two attributes only gives coarser classes than any node with the same
    two levels, and a class that is smaller than ``k`` (or has fewer than
    ``min_distinct`` sensitive values) splits into classes that are too: these rows are
    suppressed by every such node.
    """
    m = weights.size
    keys = np.empty(m, np.int64)
    for i in range(m):
        keys[i] = codes_a[i] * card_b + codes_b[i]
    ids, firsts = group_rows(keys.reshape((m, 1)), m, m)
    n_groups = firsts.size
    size = np.zeros(n_groups)
    for i in range(m):
        size[ids[i]] += weights[i]
    fail = np.zeros(n_groups, np.bool_)
    for g in range(n_groups):
        fail[g] = size[g] < k
    if min_distinct > 1:
        for i in range(m):
            keys[i] = ids[i] * n_codes + s[i]
        pair_ids, pair_first = group_rows(keys.reshape((m, 1)), m, m)
        n_pairs = pair_first.size
        distinct = np.zeros(n_groups, np.int64)
        seen = np.zeros(n_pairs, np.bool_)
        for i in range(m):
            if not seen[pair_ids[i]]:
                seen[pair_ids[i]] = True
                distinct[ids[i]] += 1
        for g in range(n_groups):
            if distinct[g] < min_distinct:
                fail[g] = True
    n = item_of_row.size
    words = np.zeros((n + 63) // 64, np.uint64)
    for r in range(n):
        if fail[ids[item_of_row[r]]]:
            words[r >> 6] |= np.uint64(1) << np.uint64(r & 63)
    return words


@njit()
def certain_outliers(
    masks: UIntArray,
    pair_a: IntArray,
    pair_b: IntArray,
    pair_off: IntArray,
    shape: IntArray,
    levels: IntArray,
    acc: UIntArray,
    ncp: FloatArray,
    item_of_row: IntArray,
    max_out: int,
) -> tuple[int, float]:
    """Rows some two-attribute projection of ``levels`` marks as outliers (their union).

    Returns their number and, unless it exceeds ``max_out``, the penalty they add for
    sure: every one of them is suppressed, costing ``q`` instead of its generalised
    penalty ``sum_j ncp[j, levels[j], item]``.
    """
    acc[:] = 0
    for p in range(pair_a.size):
        row = pair_off[p] + levels[pair_a[p]] * shape[pair_b[p]] + levels[pair_b[p]]
        for w in range(acc.size):
            acc[w] |= masks[row, w]
    count = 0
    for w in range(acc.size):
        count += int(_popcount(acc[w]))
    extra = 0.0
    if count > max_out:
        return count, extra
    q = levels.size
    one = np.uint64(1)
    for w in range(acc.size):
        word = acc[w]
        while word:
            low = word & (~word + one)
            r = w * 64 + int(_popcount(low - one))
            word ^= low
            cost = 0.0
            for j in range(q):
                cost += ncp[j, levels[j], item_of_row[r]]
            extra += q - cost
    return count, extra
