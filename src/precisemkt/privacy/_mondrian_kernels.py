"""Compiled strict multidimensional Mondrian (LeFevre, DeWitt & Ramakrishnan 2006).

ndarray in, ndarray out, no validation (``_mondrian`` encodes and validates). Candidate
parts are judged by ``_class_kernels.parts_ok``; numba's disk cache does not notice an
edit there: run with ``PRECISEMKT_NUMBA_CACHE=0`` after changing it.

Every partition is a slice ``perm[a:b]`` of a row permutation. Partitions still to be
looked at wait on a stack (:class:`_Pending`); one that has no allowable split is a
result (:class:`_Done`). While a partition is looked at, :class:`_Box` holds its state
per attribute.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from precisemkt._numba import njit
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt.privacy._class_kernels import (
    KernelRequirement,
    bucket_rows,
    new_histogram,
    parts_ok,
    reference_distribution,
)

__all__ = ["Domains", "mondrian"]

#: Gains within this relative difference are ties (broken by the attributes' priority).
_GAIN_TIE = 1e-9


class Domains(NamedTuple):
    """The quasi-identifiers' domains as :func:`mondrian` reads them (a numba record).

    Numeric attribute ``j``: ``num_vals[num_off[j] + code]`` is the value of a code and
    ``num_range[j]`` the span of its values (0: one value). Hierarchical attribute ``j``:
    ``root[j]`` is its hierarchy's root; every node covers the leaf range
    ``node_lo[node] ..`` and has certainty penalty ``node_ncp[node]``; its children are
    ``child_idx[child_ptr[node]:child_ptr[node + 1]]``, sorted by leaf range.
    """

    is_cat: BoolArray
    root: IntArray
    num_vals: FloatArray
    num_off: IntArray
    num_range: FloatArray
    node_lo: IntArray
    node_ncp: FloatArray
    child_ptr: IntArray
    child_idx: IntArray


class _Box(NamedTuple):
    """Per attribute, the partition being looked at and its candidate splits."""

    node: IntArray  # hierarchy node holding every row (hierarchical attributes)
    lo: IntArray  # lowest code (numeric) or the node (hierarchical)
    hi: IntArray  # highest code (numeric) or the node (hierarchical)
    width: FloatArray  # certainty penalty of the attribute's range
    gain: FloatArray  # fall in summed penalty of the split on it (-1: not allowable)
    cut: IntArray  # numeric: the split puts codes <= cut left
    tried: BoolArray


class _Pending(NamedTuple):
    """A stack of partitions: rows ``perm[a[i]:b[i]]`` inside hierarchy nodes ``node[i]``."""

    a: IntArray
    b: IntArray
    node: IntArray


class _Done(NamedTuple):
    """Final partitions: rows ``perm[a[i]:b[i]]``, per attribute ``lo[i]``/``hi[i]``."""

    a: IntArray
    b: IntArray
    lo: IntArray
    hi: IntArray


@njit()
def mondrian(
    x: IntArray,
    dom: Domains,
    s: IntArray,
    n_codes: int,
    req: KernelRequirement,
    priority: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Strict multidimensional Mondrian partitioning (LeFevre, DeWitt & Ramakrishnan 2006).

    ``x[j, i]`` is row ``i``'s code for attribute ``j``: a rank for numeric attributes and
    a leaf position in depth-first order for hierarchical ones (see :class:`Domains`);
    ``s`` holds the rows' sensitive codes (all 0 without a sensitive column). A partition
    is split on the attribute with the widest split at the median for numbers or into the
    children of its hierarchy node for categories, only if every part meets ``req``. Among
    the allowable splits the one that lowers the summed certainty penalty most is tried
    first (gains within a relative 1e-9 are ties, broken by the lowest ``priority``), then
    the next.

    Returns ``perm`` (rows grouped by partition), each partition's slice
    ``perm[start:end]`` and per partition and attribute ``part_lo``/``part_hi``
    (numeric: lowest/highest code; hierarchical: node).
    """
    q, n = x.shape
    weights = np.ones(n)
    counts = np.zeros(n_codes)
    for i in range(n):
        counts[s[i]] += 1.0
    ref = reference_distribution(counts)
    hist = new_histogram(n_codes)
    perm = np.arange(n)
    tmp = np.empty(n, np.int64)
    buf = np.empty(n, np.int64)
    start = np.zeros(_max_children(dom) + 2, np.int64)
    box = _new_box(q)
    cap = n // req.k + 2
    todo = _Pending(np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty((cap, q), np.int64))
    done = _Done(
        np.empty(cap, np.int64),
        np.empty(cap, np.int64),
        np.empty((cap, q), np.int64),
        np.empty((cap, q), np.int64),
    )
    todo.a[0] = 0
    todo.b[0] = n
    todo.node[0, :] = dom.root
    top = 1
    n_done = 0
    while top > 0:
        top -= 1
        a = todo.a[top]
        b = todo.b[top]
        box.node[:] = todo.node[top, :]
        _tighten(x, perm, a, b, dom, box)
        pushed = 0
        if b - a >= 2 * req.k:
            _split_gains(x, perm, a, b, req.k, dom, box, start, buf)
            box.tried[:] = False
            for _ in range(q):
                j = _best_untried(box, priority)
                if j < 0:
                    break
                box.tried[j] = True
                n_parts, kids = _split_rows(x[j], perm, a, b, j, dom, box, buf, start, tmp)
                if parts_ok(tmp, a, start, n_parts, s, weights, req, ref, hist):
                    perm[a:b] = tmp[a:b]
                    pushed = _push_parts(todo, top, a, start, n_parts, box.node, j, kids)
                    break
        if pushed == 0:
            done.a[n_done] = a
            done.b[n_done] = b
            done.lo[n_done, :] = box.lo
            done.hi[n_done, :] = box.hi
            n_done += 1
        top += pushed
    return perm, done.a[:n_done], done.b[:n_done], done.lo[:n_done], done.hi[:n_done]


@njit()
def _new_box(q: int) -> _Box:
    return _Box(
        np.empty(q, np.int64),
        np.empty(q, np.int64),
        np.empty(q, np.int64),
        np.empty(q),
        np.empty(q),
        np.zeros(q, np.int64),
        np.empty(q, np.bool_),
    )


@njit()
def _max_children(dom: Domains) -> int:
    """The most children of any hierarchy node, and at least 2 (a numeric split)."""
    most = 2
    for nd in range(dom.child_ptr.size - 1):
        most = max(most, dom.child_ptr[nd + 1] - dom.child_ptr[nd])
    return most


@njit()
def _children(dom: Domains, nd: int) -> IntArray:
    return dom.child_idx[dom.child_ptr[nd] : dom.child_ptr[nd + 1]]


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


# -- one partition's attributes -----------------------------------------------------------


@njit()
def _tighten(x: IntArray, perm: IntArray, a: int, b: int, dom: Domains, box: _Box) -> None:
    """Numeric ranges to the rows' codes, hierarchy nodes to the lowest holding every row.

    The descent is written here rather than in a helper per attribute: a call per attribute
    and partition that passes the :class:`Domains` record cost Mondrian 10-15 %.
    """
    is_cat = dom.is_cat
    child_ptr = dom.child_ptr
    child_idx = dom.child_idx
    node_lo = dom.node_lo
    node = box.node
    for j in range(x.shape[0]):
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
            box.lo[j] = nd
            box.hi[j] = nd
            box.width[j] = dom.node_ncp[nd]
        else:
            mn = x[j, perm[a]]
            mx = mn
            for idx in range(a + 1, b):
                v = x[j, perm[idx]]
                mn = min(mn, v)
                mx = max(mx, v)
            box.lo[j] = mn
            box.hi[j] = mx
            box.width[j] = 0.0
            if dom.num_range[j] > 0:
                off = dom.num_off[j]
                box.width[j] = (dom.num_vals[off + mx] - dom.num_vals[off + mn]) / dom.num_range[j]


@njit()
def _split_gains(
    x: IntArray,
    perm: IntArray,
    a: int,
    b: int,
    k: int,
    dom: Domains,
    box: _Box,
    counts: IntArray,
    buf: IntArray,
) -> None:
    """Fill ``box.gain`` (and ``box.cut`` of numeric attributes) for every attribute."""
    for j in range(x.shape[0]):
        box.gain[j] = -1.0
        if box.width[j] <= 0.0:
            continue
        if dom.is_cat[j]:
            box.gain[j] = _category_gain(x[j], perm, a, b, k, dom, box.node[j], counts)
            continue
        left, cut = _median_cut(x[j], perm, a, b, k, buf)
        if left > 0:
            box.cut[j] = cut
            box.gain[j] = _numeric_gain(x[j], perm, a, b, cut, left, box.lo[j], box.hi[j], dom, j)


@njit()
def _category_gain(
    xj: IntArray, perm: IntArray, a: int, b: int, k: int, dom: Domains, nd: int, counts: IntArray
) -> float:
    """Fall in summed NCP when splitting node ``nd`` into its children (-1: a part < k)."""
    kids = _children(dom, nd)
    counts[: kids.size] = 0
    for idx in range(a, b):
        counts[_child_of(xj[perm[idx]], kids, dom.node_lo)] += 1
    after = 0.0
    for ci in range(kids.size):
        if 0 < counts[ci] < k:
            return -1.0
        after += counts[ci] * dom.node_ncp[kids[ci]]
    return float((b - a) * dom.node_ncp[nd] - after)


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
    dom: Domains,
    j: int,
) -> float:
    """Fall in summed NCP (records x NCP) when splitting a numeric range at ``cut``."""
    vals = dom.num_vals
    off = dom.num_off[j]
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
    return float((before - after) / dom.num_range[j])


@njit()
def _best_untried(box: _Box, priority: IntArray) -> int:
    """The untried allowable attribute of largest gain (ties: lowest priority), or -1."""
    j = -1
    for cand in range(box.gain.size):
        if box.tried[cand] or box.gain[cand] < 0.0:
            continue
        if j < 0:
            j = cand
            continue
        diff = box.gain[cand] - box.gain[j]
        tol = _GAIN_TIE * max(1.0, abs(box.gain[j]))
        if diff > tol or (abs(diff) <= tol and priority[cand] < priority[j]):
            j = cand
    return j


# -- splitting a partition ----------------------------------------------------------------


@njit()
def _split_rows(
    xj: IntArray,
    perm: IntArray,
    a: int,
    b: int,
    j: int,
    dom: Domains,
    box: _Box,
    buf: IntArray,
    start: IntArray,
    tmp: IntArray,
) -> tuple[int, IntArray]:
    """Rows ``perm[a:b]`` split on attribute ``j`` into parts (stable) in ``tmp[a:b]``.

    Part ``g`` is ``tmp[a + start[g]:a + start[g + 1]]``. Returns the number of parts and
    the hierarchy children they stand for (none for a numeric split, whose two parts are
    the codes <= and > ``box.cut[j]``).
    """
    if dom.is_cat[j]:
        kids = _children(dom, box.node[j])
        n_parts = kids.size
        for idx in range(a, b):
            buf[idx] = _child_of(xj[perm[idx]], kids, dom.node_lo)
    else:
        kids = dom.child_idx[:0]
        n_parts = 2
        cut = box.cut[j]
        for idx in range(a, b):
            buf[idx] = 0 if xj[perm[idx]] <= cut else 1
    bucket_rows(buf[a:b], perm[a:b], n_parts, start, tmp[a:b])
    return n_parts, kids


@njit()
def _push_parts(
    todo: _Pending,
    top: int,
    a: int,
    start: IntArray,
    n_parts: int,
    node: IntArray,
    j: int,
    kids: IntArray,
) -> int:
    """Push the non-empty parts, last first, at ``top``; returns how many were pushed."""
    pushed = 0
    for g in range(n_parts - 1, -1, -1):
        lo = a + start[g]
        hi = a + start[g + 1]
        if hi > lo:
            at = top + pushed
            todo.a[at] = lo
            todo.b[at] = hi
            todo.node[at, :] = node
            if kids.size > 0:
                todo.node[at, j] = kids[g]
            pushed += 1
    return pushed
