"""The one row-grouping engine every domain uses (compiled kernels, ndarray in and out).

Two engines, chosen by measurement on each caller's workload (``benchmarks/grouping.py``):

**Hash grouping** (:func:`group_rows`, :func:`group_sequences`) gives every row a dense
group id in order of first appearance and the first row of every group. Keys are

* fixed-width: the rows of an ``(n, k)`` int64 array, integer codes or the IEEE-754 bit
  patterns of floats viewed as int64 (``x.view(np.int64)``). Rows are equal when their bits
  are, so ``-0.0`` and ``0.0`` are two keys and a NaN matches the NaN with the same bits:
  the grouping is exact, as the CLV pattern compression needs. One column whose values
  span a range below ``2 n + 1024`` is grouped through a direct-address table (privacy's
  mixed-radix class codes often are); otherwise an open-addressing table with linear
  probing, each slot holding the group beside the key (one cache line per probe). The
  hash is the xor of the columns times distinct odd constants followed by MurmurHash3's
  ``fmix64`` finaliser, so that every input bit reaches the low bits used as the position
  (whole-number floats have all-zero low mantissa bits; a weak mix of them clusters). The
  table starts at 1024 slots, or at twice a caller's ``size_hint`` (at most ``2 n``), and
  doubles when half full, so beyond its start it holds at most ``4 G`` slots for ``G``
  groups. Once ``limit`` groups exist, grouping is deemed not to pay and every remaining
  row becomes a group of its own (the CLV predictions use this);
* variable-length: sequences ``data[starts[i]:ends[i]]`` of integers or bytes (the items
  of a basket, the UTF-8 bytes of a channel name), hashed with FNV-1a and ``fmix64`` and
  compared element by element when their hashes match, so a hash collision never merges
  two different sequences.

**Bucket sort** (:func:`group_order`, :func:`bucket_split`) is a stable counting sort of
rows by an integer key in a known range ``[low, low + span)`` (customer codes): it returns
the distinct keys in increasing order, where each key's rows start, and the row order.
Pass 1 scatters the rows into at most ``2**BUCKET_BITS`` buckets of consecutive keys (a
few thousand sequential write streams, which the caches absorb, where a direct counting
sort over millions of keys writes at random); pass 2 counting-sorts each bucket, whose
keys fit in cache, in parallel. A caller can fuse its own reduction with pass 2
(:func:`bucket_split` returns pass 1 only; profiling's RFM kernel does this).

Kernels in the domains call these from their own kernels; numba's disk cache does not see
an edit to this file from a caller's cache entry, so delete the ``__pycache__`` folders (or
set ``PRECISEMKT_NUMBA_CACHE=0``) after changing it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from precisemkt._numba import njit, prange
from precisemkt._typing import IntArray

__all__ = [
    "BUCKET_BITS",
    "PARTS",
    "bucket_split",
    "group_order",
    "group_rows",
    "group_sequences",
]

AnyArray = npt.NDArray[Any]

#: Slots of a new hash table (a power of two); it doubles when half full.
_START_SLOTS = 1024
#: Pass 1 of the bucket sort splits the key range into at most 2**BUCKET_BITS buckets.
BUCKET_BITS = 12
#: Pass 1 of the bucket sort splits the rows into this many consecutive parts, scattered in
#: parallel (a fixed number, so the result does not depend on the number of threads).
PARTS = 4

_FNV_OFFSET = np.uint64(14695981039346656037)
_FNV_PRIME = np.uint64(1099511628211)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_NEXT = np.uint64(0xC2B2AE3D27D4EB4F)


# --------------------------------------------------------------------------- hashing


@njit(inline=True)
def _fmix64(h: np.uint64) -> np.uint64:
    """MurmurHash3's finaliser: every input bit reaches every output bit."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB9FE1A85EC53)
    h ^= h >> np.uint64(33)
    return h


@njit(inline=True)
def _row_hash(keys: IntArray, i: int) -> np.uint64:
    """Hash of row ``i`` of an ``(n, k)`` int64 array: the columns times distinct odd
    constants, xor-ed (independent multiplies; the column order matters), then mixed."""
    h = np.uint64(0)
    m = _GOLDEN
    for c in range(keys.shape[1]):
        h ^= np.uint64(keys[i, c]) * m
        m *= _NEXT
    return _fmix64(h)


@njit(inline=True)
def _slot(h: np.uint64, mask: int) -> int:
    pos: int = np.int64(h & np.uint64(mask))  # type: ignore[assignment]  # numba: int(uint64) is float
    return pos


# --------------------------------------------------------------------------- fixed width


@njit()
def _direct_groups(
    codes: IntArray, low: int, span: int, limit: int, group: IntArray, first: IntArray
) -> int:
    """:func:`group_rows` of one column of codes in ``[low, low + span)``; returns ``G``."""
    owner = np.full(span, -1, dtype=np.int64)
    groups = 0
    for i in range(codes.shape[0]):
        if groups >= limit:
            group[i] = groups
            first[groups] = i
            groups += 1
            continue
        v = codes[i, 0] - low
        g = owner[v]
        if g < 0:
            g = groups
            owner[v] = g
            first[g] = i
            groups += 1
        group[i] = g
    return groups


@njit(inline=True)
def _find(table: IntArray, keys: IntArray, i: int, h: np.uint64) -> int:
    """Position of row ``i``'s key in the table: its entry, or the free slot to use.

    A slot is one row of ``table``: the group (-1 when free), then the key's columns, so
    that a probe touches one cache line.
    """
    mask = table.shape[0] - 1
    pos = _slot(h, mask)
    k = keys.shape[1]
    while table[pos, 0] >= 0:
        same = True
        for c in range(k):
            if table[pos, c + 1] != keys[i, c]:
                same = False
                break
        if same:
            return pos
        pos = (pos + 1) & mask
    return pos


@njit(inline=True)
def _put(table: IntArray, keys: IntArray, pos: int, i: int, g: int) -> None:
    """Enter row ``i``'s key as group ``g`` at the free slot ``pos``."""
    table[pos, 0] = g
    for c in range(keys.shape[1]):
        table[pos, c + 1] = keys[i, c]


@njit()
def _hash_groups(
    keys: IntArray, limit: int, size_hint: int, group: IntArray, first: IntArray
) -> int:
    """:func:`group_rows` through an open-addressing table; returns ``G``."""
    n, k = keys.shape
    size = _START_SLOTS
    while size < 2 * size_hint:
        size *= 2
    table = np.full((size, k + 1), -1, dtype=np.int64)
    groups = 0
    for i in range(n):
        if groups >= limit:
            group[i] = groups
            first[groups] = i
            groups += 1
            continue
        pos = _find(table, keys, i, _row_hash(keys, i))
        if table[pos, 0] >= 0:
            group[i] = table[pos, 0]
            continue
        _put(table, keys, pos, i, groups)
        group[i] = groups
        first[groups] = i
        groups += 1
        if 2 * groups > table.shape[0]:  # grow and re-insert every group
            table = np.full((2 * table.shape[0], k + 1), -1, dtype=np.int64)
            for g in range(groups):
                r = first[g]
                _put(table, keys, _find(table, keys, r, _row_hash(keys, r)), r, g)
    return groups


@njit()
def group_rows(keys: IntArray, limit: int, size_hint: int = 0) -> tuple[IntArray, IntArray]:
    """Group the rows of an ``(n, k)`` int64 array by their exact bits.

    Parameters
    ----------
    keys : ndarray of int64, shape (n, k)
        One key per row: integer codes, or float bit patterns (``x.view(np.int64)``).
    limit : int
        Once this many groups exist every remaining row becomes a group of its own
        (pass ``n`` or more to group every row).
    size_hint : int, default 0
        The number of groups expected: the hash table starts large enough for them
        instead of growing to them (it still grows past them).

    Returns
    -------
    group : ndarray of int64, shape (n,)
        Dense group id of every row, numbered in order of first appearance.
    first : ndarray of int64, shape (G,)
        The first row of every group.

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt._grouping import group_rows
    >>> group, first = group_rows(np.array([[7, 1], [3, 0], [7, 1]]), 10)
    >>> group.tolist(), first.tolist()
    ([0, 1, 0], [0, 1])
    """
    n = keys.shape[0]
    group = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    groups = 0
    if n > 0 and keys.shape[1] == 1:
        low = keys[0, 0]
        high = low
        for i in range(n):
            v = keys[i, 0]
            low = min(low, v)
            high = max(high, v)
        # the span as an unsigned difference: int64 keys may span more than 2**63
        span = np.uint64(high) - np.uint64(low)
        if span < np.uint64(2 * n + _START_SLOTS):
            width: int = np.int64(span) + 1  # type: ignore[assignment]  # numba: int(uint64) is float
            groups = _direct_groups(keys, low, width, limit, group, first)
            return group, first[:groups].copy()
    groups = _hash_groups(keys, limit, min(size_hint, n, limit), group, first)
    return group, first[:groups].copy()


# --------------------------------------------------------------------------- variable length


@njit()
def _same(data: AnyArray, starts: IntArray, ends: IntArray, i: int, j: int) -> bool:
    """Whether sequences ``i`` and ``j`` hold the same elements."""
    length = ends[i] - starts[i]
    if length != ends[j] - starts[j]:
        return False
    a = starts[i]
    b = starts[j]
    q = 0
    while q < length and data[a + q] == data[b + q]:
        q += 1
    same: bool = q == length
    return same


@njit()
def group_sequences(data: AnyArray, starts: IntArray, ends: IntArray) -> tuple[IntArray, IntArray]:
    """Group variable-length sequences ``data[starts[i]:ends[i]]`` by their elements.

    Parameters
    ----------
    data : ndarray of integers (any width, e.g. uint8 bytes or int32 codes)
        The sequences one after the other.
    starts, ends : ndarray of int64, shape (n,)
        Sequence ``i`` is ``data[starts[i]:ends[i]]``; sequences may overlap or be empty.

    Returns
    -------
    group : ndarray of int64, shape (n,)
        Dense group id of every sequence, numbered in order of first appearance.
    first : ndarray of int64, shape (G,)
        The first sequence of every group.

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt._grouping import group_sequences
    >>> data = np.array([1, 2, 3, 1, 2], dtype=np.int32)
    >>> group, first = group_sequences(data, np.array([0, 2, 3]), np.array([2, 3, 5]))
    >>> group.tolist(), first.tolist()
    ([0, 1, 0], [0, 1])
    """
    n = starts.shape[0]
    group = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.int64)
    hashes = np.empty(n, dtype=np.uint64)
    for i in range(n):
        h = _FNV_OFFSET ^ np.uint64(ends[i] - starts[i])
        for p in range(starts[i], ends[i]):
            h = (h ^ np.uint64(data[p])) * _FNV_PRIME
        hashes[i] = _fmix64(h)
    table = np.full(_START_SLOTS, -1, dtype=np.int64)
    groups = 0
    for i in range(n):
        mask = table.shape[0] - 1
        pos = _slot(hashes[i], mask)
        g = table[pos]
        while g >= 0:
            r = first[g]
            if hashes[r] == hashes[i] and _same(data, starts, ends, r, i):
                break
            pos = (pos + 1) & mask
            g = table[pos]
        if g >= 0:
            group[i] = g
            continue
        table[pos] = groups
        group[i] = groups
        first[groups] = i
        groups += 1
        if 2 * groups > table.shape[0]:  # grow and re-insert every group
            table = np.full(2 * table.shape[0], -1, dtype=np.int64)
            mask = table.shape[0] - 1
            for g2 in range(groups):
                pos = _slot(hashes[first[g2]], mask)
                while table[pos] >= 0:
                    pos = (pos + 1) & mask
                table[pos] = g2
    return group, first[:groups].copy()


# --------------------------------------------------------------------------- bucket sort


@njit(parallel=True)
def _to_buckets(
    keys: IntArray, low: int, shift: int, n_buckets: int, pay_a: AnyArray, pay_b: AnyArray
) -> tuple[IntArray, IntArray, AnyArray, AnyArray]:
    """Pass 1: stable scatter of the rows into buckets of ``2**shift`` consecutive keys.

    ``pay_b`` may be empty (one payload only). Returns the bucket starts and the keys
    (minus ``low``) and payloads in bucket order.
    """
    n = keys.shape[0]
    with_b = pay_b.shape[0] > 0
    counts = np.empty((PARTS, n_buckets), dtype=np.int64)
    for part_ in prange(PARTS):
        part = int(np.int64(part_))  # prange indices are uint64 (a second compile)
        for b in range(n_buckets):
            counts[part, b] = 0
        for i in range(part * n // PARTS, (part + 1) * n // PARTS):
            counts[part, (keys[i] - low) >> shift] += 1
    bstart = np.empty(n_buckets + 1, dtype=np.int64)
    pos = np.empty((PARTS, n_buckets), dtype=np.int64)
    total = 0
    for b in range(n_buckets):
        bstart[b] = total
        for part in range(PARTS):
            pos[part, b] = total
            total += counts[part, b]
    bstart[n_buckets] = total
    k1 = np.empty(n, dtype=np.int64)
    a1 = np.empty_like(pay_a)
    b1 = np.empty_like(pay_b)
    for part_ in prange(PARTS):
        part = int(np.int64(part_))  # prange indices are uint64 (a second compile)
        for i in range(part * n // PARTS, (part + 1) * n // PARTS):
            v = keys[i] - low
            b = v >> shift
            j = pos[part, b]
            k1[j] = v
            a1[j] = pay_a[i]
            if with_b:
                b1[j] = pay_b[i]
            pos[part, b] = j + 1
    return bstart, k1, a1, b1


@njit(parallel=True)
def _within_buckets(
    bstart: IntArray, shift: int, span: int, k1: IntArray, a1: AnyArray, b1: AnyArray
) -> tuple[IntArray, AnyArray, AnyArray]:
    """Pass 2: a counting sort inside every bucket (its keys fit in cache), in parallel.

    Returns ``ends`` (``ends[v]`` = end position of key ``v``'s rows) and the payloads in
    key order, stable within a key.
    """
    with_b = b1.shape[0] > 0
    ends = np.empty(span, dtype=np.int64)
    a_out = np.empty_like(a1)
    b_out = np.empty_like(b1)
    for b_ in prange(bstart.shape[0] - 1):
        b = int(np.int64(b_))  # prange indices are uint64 (a second compile)
        v_lo = b << shift
        v_hi = min(span, (b + 1) << shift)
        for v in range(v_lo, v_hi):
            ends[v] = 0
        for j in range(bstart[b], bstart[b + 1]):
            ends[k1[j]] += 1
        p = bstart[b]
        for v in range(v_lo, v_hi):
            count = ends[v]
            ends[v] = p
            p += count
        for j in range(bstart[b], bstart[b + 1]):
            v = k1[j]
            q = ends[v]
            a_out[q] = a1[j]
            if with_b:
                b_out[q] = b1[j]
            ends[v] = q + 1
    return ends, a_out, b_out


@njit()
def _present(ends: IntArray, low: int) -> tuple[IntArray, IntArray]:
    """Distinct keys (those with rows) and their ``starts`` from the end positions."""
    k = 0
    prev = 0
    for v in range(ends.shape[0]):
        if ends[v] > prev:
            k += 1
        prev = ends[v]
    values = np.empty(k, dtype=np.int64)
    starts = np.empty(k + 1, dtype=np.int64)
    starts[0] = 0
    g = 0
    prev = 0
    for v in range(ends.shape[0]):
        if ends[v] > prev:
            values[g] = v + low
            starts[g + 1] = ends[v]
            g += 1
        prev = ends[v]
    return values, starts


def _buckets(span: int) -> tuple[int, int]:
    """``(shift, n_buckets)``: buckets of ``2**shift`` keys, at most ``2**BUCKET_BITS``."""
    shift = max(0, (max(span, 1) - 1).bit_length() - BUCKET_BITS)
    n_buckets = ((span - 1) >> shift) + 1 if span > 0 else 0
    return shift, n_buckets


def group_order(keys: IntArray, low: int, span: int) -> tuple[IntArray, IntArray, IntArray]:
    """Stable sort of rows by integer key in ``[low, low + span)``.

    Returns the ``G`` distinct keys in increasing order, ``starts`` (group ``g`` owns
    positions ``starts[g]:starts[g + 1]`` of the order) and the row order.

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt._grouping import group_order
    >>> values, starts, order = group_order(np.array([5, 3, 5, 4]), 3, 3)
    >>> values.tolist(), starts.tolist(), order.tolist()
    ([3, 4, 5], [0, 1, 2, 4], [1, 3, 0, 2])
    """
    shift, n_buckets = _buckets(span)
    rows = np.arange(keys.shape[0], dtype=np.int64)
    bstart, k1, a1, b1 = _to_buckets(keys, low, shift, n_buckets, rows, rows[:0])
    ends, order, _ = _within_buckets(bstart, shift, span, k1, a1, b1)
    values, starts = _present(ends, low)
    return values, starts, order


def bucket_split(
    keys: IntArray, low: int, span: int, pay_a: AnyArray, pay_b: AnyArray
) -> tuple[int, IntArray, IntArray, AnyArray, AnyArray]:
    """Pass 1 of :func:`group_order` for a caller that fuses its own pass 2.

    Returns ``shift`` (bucket ``b`` holds keys ``low + [b << shift, (b + 1) << shift)``),
    the bucket starts, and the keys (minus ``low``) and two payloads in bucket order,
    stable within a bucket.

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt._grouping import bucket_split
    >>> shift, bstart, k1, a1, b1 = bucket_split(
    ...     np.array([2, 0, 2]), 0, 3, np.array([10, 11, 12]), np.array([0.5, 1.5, 2.5])
    ... )
    >>> shift, bstart.tolist(), k1.tolist(), a1.tolist(), b1.tolist()
    (0, [0, 1, 1, 3], [0, 2, 2], [11, 10, 12], [1.5, 0.5, 2.5])
    """
    shift, n_buckets = _buckets(span)
    bstart, k1, a1, b1 = _to_buckets(keys, low, shift, n_buckets, pay_a, pay_b)
    return shift, bstart, k1, a1, b1
