"""Compiled kernels that judge equivalence classes by their sensitive values.

ndarray in, ndarray out, no validation (the callers in :mod:`precisemkt.privacy` validated).
The other privacy kernel modules (global recoding in ``_kernels``, Mondrian in
``_mondrian_kernels``) test their classes with the helpers here. numba's disk cache does not
notice an edit to a callee in another file: after changing this module, run with
``PRECISEMKT_NUMBA_CACHE=0`` or delete the ``__pycache__`` folders of ``privacy``.

A requirement reaches the kernels as one :class:`KernelRequirement` record: ``k`` (int),
``l_kind`` (:data:`L_NONE`, :data:`L_DISTINCT`, :data:`L_ENTROPY` or :data:`L_RECURSIVE`
(c, l)), ``ell`` and ``c`` (floats), ``t`` (float, negative = no t-closeness) and
``ordered`` (ordered or equal ground distance for the earth mover's distance).

Sensitive values are integer codes ``0..S-1``; for the ordered distance the codes follow
the value order. The EMD of a class with distribution ``q`` against the table's ``p`` is

* ordered: ``sum_{i<m-1} |F_q(i) - F_p(i)| / (m - 1)`` over the ``m`` values present in the
  table (Li, Li & Venkatasubramanian 2007), computed from the class's present values
  only, using prefix sums of ``F_p``;
* equal: ``0.5 * sum_i |q_i - p_i|``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import FloatArray, IntArray

__all__ = [
    "ENTROPY_TOL",
    "L_DISTINCT",
    "L_ENTROPY",
    "L_NONE",
    "L_RECURSIVE",
    "T_TOL",
    "Histogram",
    "KernelRequirement",
    "Reference",
    "bucket_rows",
    "class_statistics",
    "class_statistics_from_counts",
    "collect",
    "diversity_ok",
    "emd",
    "new_histogram",
    "parts_ok",
    "reference_distribution",
    "rows_by_class",
    "uses_sensitive",
]

#: Tolerance of the entropy test ``H >= log(l)`` (uniform classes must pass at l = size).
ENTROPY_TOL = 1e-9
#: Tolerance of the t test ``EMD <= t``.
T_TOL = 1e-12
#: ``KernelRequirement.l_kind`` codes: no l-diversity, distinct, entropy, recursive (c, l).
L_NONE = 0
L_DISTINCT = 1
L_ENTROPY = 2
L_RECURSIVE = 3


class KernelRequirement(NamedTuple):
    """A privacy requirement as the kernels take it (a numba record; see the module text)."""

    k: int
    l_kind: int
    ell: float
    c: float
    t: float
    ordered: bool


class Reference(NamedTuple):
    """The reference distribution of the sensitive codes (see :func:`reference_distribution`)."""

    p: FloatArray  # share of every code
    rank: IntArray  # position of every present code among the present codes (-1: absent)
    fp: FloatArray  # cumulative share F_p over the present codes
    sp: FloatArray  # prefix sums of fp (sp[0] = 0)


class Histogram(NamedTuple):
    """Scratch arrays (one entry per sensitive code) for one class's value counts.

    :func:`collect` fills ``vals``/``cnts`` with the class's present codes (ascending) and
    their counts; ``acc`` is all zeros between calls and ``touched`` is free scratch.
    """

    acc: FloatArray
    touched: IntArray
    vals: IntArray
    cnts: FloatArray


@njit()
def new_histogram(n_codes: int) -> Histogram:
    """Fresh :class:`Histogram` scratch for ``n_codes`` sensitive codes."""
    return Histogram(
        np.zeros(n_codes),
        np.empty(n_codes, np.int64),
        np.empty(n_codes, np.int64),
        np.empty(n_codes),
    )


@njit()
def uses_sensitive(req: KernelRequirement) -> bool:
    """Whether the requirement looks at the sensitive values (some l or some t)."""
    return req.l_kind != L_NONE or req.t >= 0.0


# -- grouping rows by class ---------------------------------------------------------------


@njit()
def bucket_rows(
    keys: IntArray, items: IntArray, n_buckets: int, start: IntArray, out: IntArray
) -> None:
    """Stable counting sort of ``items`` by their ``keys`` (``0..n_buckets-1``, same length).

    On return ``out[start[g]:start[g + 1]]`` lists, in their order, the items whose key is
    ``g``. ``start`` needs ``n_buckets + 2`` entries; ``out`` as many as ``items``.
    """
    start[: n_buckets + 2] = 0
    for i in range(keys.size):
        start[keys[i] + 2] += 1
    for g in range(1, n_buckets + 1):
        start[g + 1] += start[g]
    # start[g + 1] is where bucket g begins; it walks to where bucket g ends, i.e. where
    # bucket g + 1 begins, so afterwards start[g] is where bucket g begins
    for i in range(keys.size):
        g = keys[i] + 1
        out[start[g]] = items[i]
        start[g] += 1


@njit()
def rows_by_class(class_ids: IntArray, n_classes: int) -> tuple[IntArray, IntArray]:
    """Rows ``0..n-1`` grouped by class: ``rows[start[g]:start[g + 1]]`` are class ``g``'s."""
    n = class_ids.size
    start = np.empty(n_classes + 2, np.int64)
    rows = np.empty(n, np.int64)
    bucket_rows(class_ids, np.arange(n), n_classes, start, rows)
    return start, rows


# -- distribution measures ----------------------------------------------------------------


@njit()
def reference_distribution(counts: FloatArray) -> Reference:
    """Reference distribution of sensitive codes with the given ``counts``."""
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
    return Reference(p, rank, fp, sp)


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
def emd(
    vals: IntArray, cnts: FloatArray, g: int, size: float, ordered: bool, ref: Reference
) -> float:
    """EMD of one class (``g`` present codes ``vals`` ascending, with ``cnts``) to ``ref``."""
    if ordered:
        fp = ref.fp
        m = fp.size
        if m <= 1:
            return 0.0
        total = 0.0
        cum = 0.0
        prev = 0
        level = 0.0
        for a in range(g):
            r = ref.rank[vals[a]]
            total += _segment_abs(prev, min(r - 1, m - 2), level, fp, ref.sp)
            cum += cnts[a]
            level = cum / size
            prev = r
        total += _segment_abs(prev, m - 2, level, fp, ref.sp)
        return total / (m - 1)
    dist = 0.0
    covered = 0.0
    for a in range(g):
        pv = ref.p[vals[a]]
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
def diversity_ok(cnts: FloatArray, g: int, size: float, req: KernelRequirement) -> bool:
    """Whether a class with ``g`` distinct values of counts ``cnts`` meets the l of ``req``."""
    if req.l_kind == L_DISTINCT:
        return g >= req.ell
    if req.l_kind == L_ENTROPY:
        return bool(_entropy(cnts, g, size) >= np.log(req.ell) - ENTROPY_TOL)
    if req.l_kind == L_RECURSIVE:
        return _recursive_ok(cnts, g, size, req.ell, req.c)
    return True


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


@njit()
def collect(
    rows: IntArray, a: int, b: int, s: IntArray, weights: FloatArray, hist: Histogram
) -> tuple[int, float]:
    """Sensitive histogram of ``rows[a:b]`` into ``hist.vals``/``hist.cnts``: (g, size)."""
    acc = hist.acc
    touched = hist.touched
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
        hist.vals[x] = touched[x]
        hist.cnts[x] = acc[touched[x]]
        acc[touched[x]] = 0.0
    return g, size


@njit()
def parts_ok(
    rows: IntArray,
    a: int,
    bounds: IntArray,
    n_parts: int,
    s: IntArray,
    weights: FloatArray,
    req: KernelRequirement,
    ref: Reference,
    hist: Histogram,
) -> bool:
    """Whether every non-empty part ``rows[a + bounds[g]:a + bounds[g + 1]]`` meets ``req``.

    A part's size (its number of rows) is tested against k; l and t use ``weights``.
    """
    for part in range(n_parts):
        lo = a + bounds[part]
        hi = a + bounds[part + 1]
        if hi == lo:
            continue
        if hi - lo < req.k:
            return False
        if not uses_sensitive(req):
            continue
        g, size = collect(rows, lo, hi, s, weights, hist)
        if not diversity_ok(hist.cnts, g, size, req):
            return False
        if req.t >= 0.0 and emd(hist.vals, hist.cnts, g, size, req.ordered, ref) > req.t + T_TOL:
            return False
    return True


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
    ref = reference_distribution(counts)
    start, rows = rows_by_class(class_ids, n_classes)
    distinct = np.empty(n_classes, np.int64)
    entropy = np.empty(n_classes)
    emds = np.empty(n_classes)
    ptr = np.zeros(n_classes + 1, np.int64)
    desc_counts = np.empty(n, np.int64)
    hist = new_histogram(n_codes)
    cnts = hist.cnts
    for cl in range(n_classes):
        g, size = collect(rows, start[cl], start[cl + 1], s, weights, hist)
        distinct[cl] = g
        entropy[cl] = _entropy(cnts, g, size)
        emds[cl] = emd(hist.vals, cnts, g, size, ordered, ref)
        ptr[cl + 1] = ptr[cl] + g
        for a in range(g):
            desc_counts[ptr[cl] + a] = -int(cnts[a])
        _sort_small(desc_counts[ptr[cl] : ptr[cl + 1]], g)
        for a in range(g):
            desc_counts[ptr[cl] + a] = -desc_counts[ptr[cl] + a]
    return distinct, entropy, emds, ptr, desc_counts[: ptr[n_classes]]


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
    ref = reference_distribution(totals)
    sizes = np.empty(n_classes, np.int64)
    distinct = np.empty(n_classes, np.int64)
    entropy = np.empty(n_classes)
    emds = np.empty(n_classes)
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
        emds[cl] = emd(codes[a:b], cnts[a:b], g, size, ordered, ref)
        desc_counts[a:b] = -np.sort(-counts[a:b])
    return sizes, distinct, entropy, emds, desc_counts
