"""Compiled kernels of :mod:`precisemkt.privacy` (ndarray in, ndarray out, no validation).

A *requirement* is passed to the kernels as plain numbers:
``k`` (int), ``l_kind`` (0 none, 1 distinct, 2 entropy, 3 recursive (c, l)), ``l`` (float),
``c`` (float), ``t`` (float, negative = no t-closeness) and ``ordered`` (ordered or equal
ground distance for the earth mover's distance).

Sensitive values are integer codes ``0..S-1``; for the ordered distance the codes follow
the value order. The EMD of a class with distribution ``q`` against the table's ``p`` is

* ordered: ``sum_{i<m-1} |F_q(i) - F_p(i)| / (m - 1)`` over the ``m`` values present in the
  table (Li, Li & Venkatasubramanian 2007), computed from the class's present values
  only, using prefix sums of ``F_p``;
* equal: ``0.5 * sum_i |q_i - p_i|``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from precisemkt._grouping import group_rows
from precisemkt._numba import njit
from precisemkt._typing import BoolArray, FloatArray, IntArray

__all__ = [
    "ENTROPY_TOL",
    "T_TOL",
    "certain_outliers",
    "class_statistics",
    "class_statistics_from_counts",
    "evaluate_node",
    "mondrian",
    "node_classes",
    "node_classes_split",
    "pair_outliers",
]

UIntArray = npt.NDArray[np.uint64]

#: Tolerance of the entropy test ``H >= log(l)`` (uniform classes must pass at l = size).
ENTROPY_TOL = 1e-9
#: Tolerance of the t test ``EMD <= t``.
T_TOL = 1e-12
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


# -- distribution measures ----------------------------------------------------------------


@njit()
def _reference(counts: FloatArray) -> tuple[FloatArray, IntArray, FloatArray, FloatArray]:
    """Reference distribution of sensitive codes: p, rank of present codes, F_p, prefix sums."""
    n_codes = counts.size
    total = 0.0
    for v in range(n_codes):
        total += counts[v]
    rank = np.full(n_codes, -1, np.int64)
    p = np.zeros(n_codes)
    m = 0
    for v in range(n_codes):
        if counts[v] > 0:
            rank[v] = m
            m += 1
            p[v] = counts[v] / total
    fp = np.empty(m)
    acc = 0.0
    for v in range(n_codes):
        if counts[v] > 0:
            acc += counts[v]
            fp[rank[v]] = acc / total
    sp = np.zeros(m + 1)
    for i in range(m):
        sp[i + 1] = sp[i] + fp[i]
    return p, rank, fp, sp


@njit()
def _segment_abs(lo: int, hi: int, c: float, fp: FloatArray, sp: FloatArray) -> float:
    """sum_{i=lo}^{hi} |c - F_p(i)| for non-decreasing F_p (0 when lo > hi)."""
    if lo > hi:
        return 0.0
    cut = lo + np.searchsorted(fp[lo : hi + 1], c, side="right")
    below = c * (cut - lo) - (sp[cut] - sp[lo])
    above = (sp[hi + 1] - sp[cut]) - c * (hi + 1 - cut)
    return float(below + above)


@njit()
def _emd(
    vals: IntArray,
    cnts: FloatArray,
    g: int,
    size: float,
    ordered: bool,
    p: FloatArray,
    rank: IntArray,
    fp: FloatArray,
    sp: FloatArray,
) -> float:
    """EMD of one class (``g`` present codes ``vals`` ascending, with ``cnts``) to p."""
    if ordered:
        m = fp.size
        if m <= 1:
            return 0.0
        total = 0.0
        cum = 0.0
        prev = 0
        level = 0.0
        for a in range(g):
            r = rank[vals[a]]
            total += _segment_abs(prev, min(r - 1, m - 2), level, fp, sp)
            cum += cnts[a]
            level = cum / size
            prev = r
        total += _segment_abs(prev, m - 2, level, fp, sp)
        return total / (m - 1)
    dist = 0.0
    covered = 0.0
    for a in range(g):
        pv = p[vals[a]]
        dist += abs(cnts[a] / size - pv)
        covered += pv
    return 0.5 * (dist + max(1.0 - covered, 0.0))


@njit()
def _entropy(cnts: FloatArray, g: int, size: float) -> float:
    h = 0.0
    for a in range(g):
        f = cnts[a] / size
        h -= f * np.log(f)
    return h


@njit()
def _recursive_ok(cnts: FloatArray, g: int, size: float, ell: float, c: float) -> bool:
    """Recursive (c, l)-diversity of one class: r_1 < c * (r_l + ... + r_g)."""
    li = int(ell)
    if g < li:
        return False
    desc = -np.sort(-cnts[:g])
    top = 0.0
    for a in range(li - 1):
        top += desc[a]
    return bool(desc[0] < c * (size - top))


@njit()
def _diversity_ok(cnts: FloatArray, g: int, size: float, l_kind: int, ell: float, c: float) -> bool:
    if l_kind == 1:
        return g >= ell
    if l_kind == 2:
        return bool(_entropy(cnts, g, size) >= np.log(ell) - ENTROPY_TOL)
    if l_kind == 3:
        return _recursive_ok(cnts, g, size, ell, c)
    return True


@njit()
def _collect(
    rows: IntArray,
    a: int,
    b: int,
    s: IntArray,
    weights: FloatArray,
    acc: FloatArray,
    touched: IntArray,
    vals: IntArray,
    cnts: FloatArray,
) -> tuple[int, float]:
    """Sensitive histogram of ``rows[a:b]`` into ascending ``vals``/``cnts``; returns g, size."""
    g = 0
    size = 0.0
    for idx in range(a, b):
        i = rows[idx]
        v = s[i]
        if acc[v] == 0.0:
            touched[g] = v
            g += 1
        acc[v] += weights[i]
        size += weights[i]
    _sort_small(touched, g)
    for x in range(g):
        vals[x] = touched[x]
        cnts[x] = acc[touched[x]]
        acc[touched[x]] = 0.0
    return g, size


@njit()
def _sort_small(arr: IntArray, g: int) -> None:
    """Sort ``arr[:g]`` ascending in place (insertion sort for the usual tiny g)."""
    if g > 32:
        arr[:g] = np.sort(arr[:g])
        return
    for x in range(1, g):
        v = arr[x]
        y = x - 1
        while y >= 0 and arr[y] > v:
            arr[y + 1] = arr[y]
            y -= 1
        arr[y + 1] = v


# -- check_anonymity ----------------------------------------------------------------------


@njit()
def class_statistics(
    class_ids: IntArray, n_classes: int, s: IntArray, n_codes: int, ordered: bool
) -> tuple[IntArray, FloatArray, FloatArray, IntArray, IntArray]:
    """Per-class sensitive statistics of a table.

    Returns distinct counts, Shannon entropies (nats), EMDs to the table's distribution and
    a CSR (``ptr``, ``counts``) of each class's value counts sorted in decreasing order.
    """
    n = class_ids.size
    weights = np.ones(n)
    counts = np.zeros(n_codes)
    for i in range(n):
        counts[s[i]] += 1.0
    p, rank, fp, sp = _reference(counts)
    start = np.zeros(n_classes + 1, np.int64)
    for i in range(n):
        start[class_ids[i] + 1] += 1
    for cl in range(n_classes):
        start[cl + 1] += start[cl]
    rows = np.empty(n, np.int64)
    fill = start[:-1].copy()
    for i in range(n):
        cl = class_ids[i]
        rows[fill[cl]] = i
        fill[cl] += 1
    distinct = np.empty(n_classes, np.int64)
    entropy = np.empty(n_classes)
    emd = np.empty(n_classes)
    ptr = np.zeros(n_classes + 1, np.int64)
    desc_counts = np.empty(n, np.int64)
    acc = np.zeros(n_codes)
    touched = np.empty(n_codes, np.int64)
    vals = np.empty(n_codes, np.int64)
    cnts = np.empty(n_codes)
    for cl in range(n_classes):
        g, size = _collect(rows, start[cl], start[cl + 1], s, weights, acc, touched, vals, cnts)
        distinct[cl] = g
        entropy[cl] = _entropy(cnts, g, size)
        emd[cl] = _emd(vals, cnts, g, size, ordered, p, rank, fp, sp)
        ptr[cl + 1] = ptr[cl] + g
        for a in range(g):
            desc_counts[ptr[cl] + a] = -int(cnts[a])
        _sort_small(desc_counts[ptr[cl] : ptr[cl + 1]], g)
        for a in range(g):
            desc_counts[ptr[cl] + a] = -desc_counts[ptr[cl] + a]
    return distinct, entropy, emd, ptr, desc_counts[: ptr[n_classes]]


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
    has_s: bool,
    k: int,
    l_kind: int,
    ell: float,
    c: float,
    t: float,
    ordered: bool,
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
    q = levels.size
    m = weights.size
    fail = np.zeros(n_cls, np.bool_)
    for g in range(n_cls):
        fail[g] = size[g] < k
    if has_s and (l_kind > 0 or t >= 0.0):
        start = np.zeros(n_cls + 1, np.int64)
        for i in range(m):
            start[cls[i] + 1] += 1
        for g in range(n_cls):
            start[g + 1] += start[g]
        rows = np.empty(m, np.int64)
        fill = start[:-1].copy()
        for i in range(m):
            rows[fill[cls[i]]] = i
            fill[cls[i]] += 1
        acc = np.zeros(n_codes)
        touched = np.empty(n_codes, np.int64)
        vals = np.empty(n_codes, np.int64)
        cnts = np.empty(n_codes)
        ptr = np.zeros(n_cls + 1, np.int64)
        csr_vals = np.empty(m, np.int64)
        csr_cnts = np.empty(m)
        for g in range(n_cls):
            n_vals, total = _collect(
                rows, start[g], start[g + 1], s, weights, acc, touched, vals, cnts
            )
            ptr[g + 1] = ptr[g] + n_vals
            csr_vals[ptr[g] : ptr[g + 1]] = vals[:n_vals]
            csr_cnts[ptr[g] : ptr[g + 1]] = cnts[:n_vals]
            if not fail[g] and not _diversity_ok(cnts, n_vals, total, l_kind, ell, c):
                fail[g] = True
        while t >= 0.0:
            counts = np.zeros(n_codes)
            for g in range(n_cls):
                if not fail[g]:
                    for e in range(ptr[g], ptr[g + 1]):
                        counts[csr_vals[e]] += csr_cnts[e]
            p, rank, fp, sp = _reference(counts)
            changed = False
            for g in range(n_cls):
                if fail[g]:
                    continue
                a, b = ptr[g], ptr[g + 1]
                if (
                    _emd(csr_vals[a:b], csr_cnts[a:b], b - a, size[g], ordered, p, rank, fp, sp)
                    > t + T_TOL
                ):
                    fail[g] = True
                    changed = True
            if not changed:
                break
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


# -- Mondrian -----------------------------------------------------------------------------


@njit()
def _group_ok(
    rows: IntArray,
    a: int,
    b: int,
    s: IntArray,
    weights: FloatArray,
    acc: FloatArray,
    touched: IntArray,
    vals: IntArray,
    cnts: FloatArray,
    has_s: bool,
    k: int,
    l_kind: int,
    ell: float,
    c: float,
    t: float,
    ordered: bool,
    p: FloatArray,
    rank: IntArray,
    fp: FloatArray,
    sp: FloatArray,
) -> bool:
    if b - a < k:
        return False
    if not has_s or (l_kind == 0 and t < 0.0):
        return True
    g, size = _collect(rows, a, b, s, weights, acc, touched, vals, cnts)
    if not _diversity_ok(cnts, g, size, l_kind, ell, c):
        return False
    return t < 0.0 or _emd(vals, cnts, g, size, ordered, p, rank, fp, sp) <= t + T_TOL


@njit()
def _child_of(x: int, kids: IntArray, node_lo: IntArray) -> int:
    """Index (within ``kids``, sorted by leaf range) of the child holding leaf ``x``."""
    lo = 0
    hi = kids.size - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if node_lo[kids[mid]] <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo


@njit()
def _median_cut(
    xj: IntArray, perm: IntArray, a: int, b: int, k: int, buf: IntArray
) -> tuple[int, int]:
    """Cut next to the median code with both halves >= k: (left size, cut) or (-1, 0).

    The left half is every row with code <= cut.
    """
    size = b - a
    for idx in range(a, b):
        buf[idx - a] = xj[perm[idx]]
    kth = (size - 1) // 2
    med = np.partition(buf[:size], kth)[kth]
    n_lt = 0
    n_le = 0
    for idx in range(a, b):
        v = xj[perm[idx]]
        if v < med:
            n_lt += 1
        if v <= med:
            n_le += 1
    best = -1
    for left in (n_le, n_lt):
        if (
            left >= k
            and size - left >= k
            and (best < 0 or abs(2 * left - size) < abs(2 * best - size))
        ):
            best = left
    if best < 0:
        return -1, 0
    return best, (med if best == n_le else med - 1)


@njit()
def _numeric_gain(
    xj: IntArray,
    perm: IntArray,
    a: int,
    b: int,
    cut: int,
    left: int,
    mn: int,
    mx: int,
    vals: FloatArray,
    off: int,
    span: float,
) -> float:
    """Fall in summed NCP (records x NCP) when splitting a numeric range at ``cut``."""
    max_left = mn
    min_right = mx
    for idx in range(a, b):
        v = xj[perm[idx]]
        if v <= cut:
            max_left = max(max_left, v)
        else:
            min_right = min(min_right, v)
    before = (b - a) * (vals[off + mx] - vals[off + mn])
    after = left * (vals[off + max_left] - vals[off + mn]) + (b - a - left) * (
        vals[off + mx] - vals[off + min_right]
    )
    return float((before - after) / span)


@njit()
def mondrian(
    x: IntArray,
    is_cat: BoolArray,
    num_vals: FloatArray,
    num_off: IntArray,
    num_range: FloatArray,
    node_lo: IntArray,
    node_ncp: FloatArray,
    child_ptr: IntArray,
    child_idx: IntArray,
    root: IntArray,
    s: IntArray,
    n_codes: int,
    has_s: bool,
    k: int,
    l_kind: int,
    ell: float,
    c: float,
    t: float,
    ordered: bool,
    priority: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Strict multidimensional Mondrian partitioning (LeFevre, DeWitt & Ramakrishnan 2006).

    ``x[j, i]`` is row ``i``'s code for attribute ``j``: a rank for numeric attributes
    (``num_vals[num_off[j] + code]`` is its value) and a leaf position in depth-first order
    for hierarchical ones (every hierarchy node covers the leaf range
    ``node_lo[node] ..``; its children are ``child_idx[child_ptr[node]:child_ptr[node+1]]``
    sorted by leaf range). A partition is split on the attribute with the widest
    split at the median for numbers or into the children of its hierarchy node for
    categories, only if every part meets the requirement. Among the allowable splits the
    one that lowers the summed certainty penalty most is tried first (gains within a
    relative 1e-9 are ties, broken by the lowest ``priority``), then the next.

    Returns ``perm`` (rows grouped by partition), each partition's slice
    ``perm[start:end]`` and per partition and attribute ``part_lo``/``part_hi``
    (numeric: lowest/highest code; hierarchical: node).
    """
    q, n = x.shape
    weights = np.ones(n)
    counts = np.zeros(n_codes)
    if has_s:
        for i in range(n):
            counts[s[i]] += 1.0
    else:
        counts[0] = 1.0
    p, rank, fp, sp = _reference(counts)
    acc = np.zeros(n_codes)
    touched = np.empty(n_codes, np.int64)
    vals = np.empty(n_codes, np.int64)
    cnts = np.empty(n_codes)

    perm = np.arange(n)
    tmp = np.empty(n, np.int64)
    buf = np.empty(n, np.int64)
    cap = n // k + 2
    st_a = np.empty(cap, np.int64)
    st_b = np.empty(cap, np.int64)
    st_node = np.empty((cap, q), np.int64)
    out_a = np.empty(cap, np.int64)
    out_b = np.empty(cap, np.int64)
    out_lo = np.empty((cap, q), np.int64)
    out_hi = np.empty((cap, q), np.int64)
    max_kids = 1
    for nd in range(child_ptr.size - 1):
        max_kids = max(max_kids, child_ptr[nd + 1] - child_ptr[nd])
    kid_count = np.zeros(max_kids + 1, np.int64)
    kid_fill = np.zeros(max_kids + 1, np.int64)
    node = np.empty(q, np.int64)
    lo_c = np.empty(q, np.int64)
    hi_c = np.empty(q, np.int64)
    width = np.empty(q)
    gain = np.empty(q)
    cut_left = np.zeros(q, np.int64)
    cut_at = np.zeros(q, np.int64)
    tried = np.empty(q, np.bool_)

    top = 0
    st_a[0] = 0
    st_b[0] = n
    for j in range(q):
        st_node[0, j] = root[j]
    top = 1
    n_out = 0
    while top > 0:
        top -= 1
        a = st_a[top]
        b = st_b[top]
        size = b - a
        for j in range(q):
            node[j] = st_node[top, j]
        # tighten: numeric ranges to the data, hierarchy nodes to the lowest node that
        # still holds every row
        for j in range(q):
            if is_cat[j]:
                nd = node[j]
                while child_ptr[nd + 1] > child_ptr[nd]:
                    kids = child_idx[child_ptr[nd] : child_ptr[nd + 1]]
                    first = _child_of(x[j, perm[a]], kids, node_lo)
                    same = True
                    for idx in range(a + 1, b):
                        if _child_of(x[j, perm[idx]], kids, node_lo) != first:
                            same = False
                            break
                    if not same:
                        break
                    nd = kids[first]
                node[j] = nd
                lo_c[j] = nd
                hi_c[j] = nd
                width[j] = node_ncp[nd]
            else:
                mn = x[j, perm[a]]
                mx = mn
                for idx in range(a + 1, b):
                    v = x[j, perm[idx]]
                    mn = min(mn, v)
                    mx = max(mx, v)
                lo_c[j] = mn
                hi_c[j] = mx
                off = num_off[j]
                width[j] = 0.0
                if num_range[j] > 0:
                    width[j] = (num_vals[off + mx] - num_vals[off + mn]) / num_range[j]
        split = False
        if size >= 2 * k:
            # expected fall in NCP of every allowable split (-1: not allowable)
            for j in range(q):
                gain[j] = -1.0
                if width[j] <= 0.0:
                    continue
                if is_cat[j]:
                    nd = node[j]
                    kids = child_idx[child_ptr[nd] : child_ptr[nd + 1]]
                    kid_count[: kids.size] = 0
                    for idx in range(a, b):
                        kid_count[_child_of(x[j, perm[idx]], kids, node_lo)] += 1
                    after = 0.0
                    ok = True
                    for ci in range(kids.size):
                        if 0 < kid_count[ci] < k:
                            ok = False
                            break
                        after += kid_count[ci] * node_ncp[kids[ci]]
                    if ok:
                        gain[j] = size * node_ncp[nd] - after
                else:
                    left, cut = _median_cut(x[j], perm, a, b, k, buf)
                    if left > 0:
                        cut_left[j] = left
                        cut_at[j] = cut
                        gain[j] = _numeric_gain(
                            x[j],
                            perm,
                            a,
                            b,
                            cut,
                            left,
                            lo_c[j],
                            hi_c[j],
                            num_vals,
                            num_off[j],
                            num_range[j],
                        )
            tried[:] = False
            for _ in range(q):
                j = -1
                for cand in range(q):
                    if tried[cand] or gain[cand] < 0.0:
                        continue
                    if j < 0:
                        j = cand
                        continue
                    diff = gain[cand] - gain[j]
                    tol = 1e-9 * max(1.0, abs(gain[j]))
                    if diff > tol or (abs(diff) <= tol and priority[cand] < priority[j]):
                        j = cand
                if j < 0:
                    break
                tried[j] = True
                if is_cat[j]:
                    nd = node[j]
                    kids = child_idx[child_ptr[nd] : child_ptr[nd + 1]]
                    n_kids = kids.size
                    kid_count[: n_kids + 1] = 0
                    for idx in range(a, b):
                        buf[idx] = _child_of(x[j, perm[idx]], kids, node_lo)
                        kid_count[buf[idx] + 1] += 1
                    for ci in range(n_kids):
                        kid_count[ci + 1] += kid_count[ci]
                    kid_fill[:n_kids] = kid_count[:n_kids]
                    for idx in range(a, b):
                        ci = buf[idx]
                        tmp[a + kid_fill[ci]] = perm[idx]
                        kid_fill[ci] += 1
                    ok = True
                    for ci in range(n_kids):
                        lo = a + kid_count[ci]
                        hi = a + kid_count[ci + 1]
                        if hi > lo and not _group_ok(
                            tmp,
                            lo,
                            hi,
                            s,
                            weights,
                            acc,
                            touched,
                            vals,
                            cnts,
                            has_s,
                            k,
                            l_kind,
                            ell,
                            c,
                            t,
                            ordered,
                            p,
                            rank,
                            fp,
                            sp,
                        ):
                            ok = False
                            break
                    if not ok:
                        continue
                    perm[a:b] = tmp[a:b]
                    for ci in range(n_kids - 1, -1, -1):
                        lo = a + kid_count[ci]
                        hi = a + kid_count[ci + 1]
                        if hi > lo:
                            st_a[top] = lo
                            st_b[top] = hi
                            for jj in range(q):
                                st_node[top, jj] = node[jj]
                            st_node[top, j] = kids[ci]
                            top += 1
                    split = True
                    break
                mid = a + cut_left[j]
                lo = a
                hi = mid
                for idx in range(a, b):
                    row = perm[idx]
                    if x[j, row] <= cut_at[j]:
                        tmp[lo] = row
                        lo += 1
                    else:
                        tmp[hi] = row
                        hi += 1
                if not _group_ok(
                    tmp,
                    a,
                    mid,
                    s,
                    weights,
                    acc,
                    touched,
                    vals,
                    cnts,
                    has_s,
                    k,
                    l_kind,
                    ell,
                    c,
                    t,
                    ordered,
                    p,
                    rank,
                    fp,
                    sp,
                ):
                    continue
                if not _group_ok(
                    tmp,
                    mid,
                    b,
                    s,
                    weights,
                    acc,
                    touched,
                    vals,
                    cnts,
                    has_s,
                    k,
                    l_kind,
                    ell,
                    c,
                    t,
                    ordered,
                    p,
                    rank,
                    fp,
                    sp,
                ):
                    continue
                perm[a:b] = tmp[a:b]
                for lo, hi in ((mid, b), (a, mid)):
                    st_a[top] = lo
                    st_b[top] = hi
                    for jj in range(q):
                        st_node[top, jj] = node[jj]
                    top += 1
                split = True
                break
        if not split:
            out_a[n_out] = a
            out_b[n_out] = b
            for j in range(q):
                out_lo[n_out, j] = lo_c[j]
                out_hi[n_out, j] = hi_c[j]
            n_out += 1
    return perm, out_a[:n_out], out_b[:n_out], out_lo[:n_out], out_hi[:n_out]


# -- check_anonymity from a (class, value, count) table -----------------------------------


@njit()
def class_statistics_from_counts(
    ptr: IntArray, codes: IntArray, counts: IntArray, n_codes: int, ordered: bool
) -> tuple[IntArray, IntArray, FloatArray, FloatArray, IntArray]:
    """:func:`class_statistics` from per-class value counts instead of rows.

    Class ``g`` holds the sensitive ``codes[ptr[g]:ptr[g + 1]]`` (ascending) with their
    ``counts``. The arithmetic is that of :func:`class_statistics` on the rows the counts
    stand for, so the results are identical. Returns sizes, distinct counts, entropies,
    EMDs and each class's counts in decreasing order (CSR with ``ptr``).
    """
    n_classes = ptr.size - 1
    totals = np.zeros(n_codes)
    for i in range(codes.size):
        totals[codes[i]] += counts[i]
    p, rank, fp, sp = _reference(totals)
    sizes = np.empty(n_classes, np.int64)
    distinct = np.empty(n_classes, np.int64)
    entropy = np.empty(n_classes)
    emd = np.empty(n_classes)
    desc_counts = np.empty(codes.size, np.int64)
    cnts = counts.astype(np.float64)
    for cl in range(n_classes):
        a = ptr[cl]
        b = ptr[cl + 1]
        g = b - a
        size = 0.0
        for x in range(a, b):
            size += cnts[x]
        sizes[cl] = int(size)
        distinct[cl] = g
        entropy[cl] = _entropy(cnts[a:b], g, size)
        emd[cl] = _emd(codes[a:b], cnts[a:b], g, size, ordered, p, rank, fp, sp)
        desc_counts[a:b] = -np.sort(-counts[a:b])
    return sizes, distinct, entropy, emd, desc_counts
