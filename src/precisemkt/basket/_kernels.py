"""Compiled kernels of :mod:`precisemkt.basket` (ndarray in, ndarray out, no validation).

Baskets arrive in a CSR layout: ``indptr`` (int64, one more entry than baskets) and
``indices`` (int64 item codes). The miners work on frequent items only, recoded
``0..F-1`` by *ascending* count (the rarest item first) and sorted inside each basket, so
that the extensions of an itemset whose last item is ``j`` are the tail of each basket
after ``j``: short for the common items, whose tid-lists are long.

Two depth-first miners enumerate every itemset with count >= ``min_count`` and length <=
``max_len``, each itemset in prefix order (every item larger than the one before):

* :func:`mine_tidlists` keeps the tid-list (sorted basket ids) of each itemset and counts
  the extensions of an itemset by scanning the tails of its baskets (Eclat's vertical
  layout with LCM's *occurrence delivery*, Uno, Kiyomi & Arimura 2004): the work of an
  itemset is the number of (basket, later item) pairs it covers, never the number of
  candidate pairs. Suited to sparse data.
* :func:`mine_bitsets` keeps each itemset's baskets as a bitset of ``ceil(N / 64)`` words
  and counts an extension with one AND and a popcount per word (Eclat on bit vectors).
  Suited to dense data with few baskets.

Both process the top-level items ``start..stop-1`` only, so the caller can run a long
enumeration in chunks (and honour Ctrl-C between them), and both stop with
``overflow=True`` once more than ``max_out`` itemsets were found. Output: flat item codes,
one length and one count per itemset.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba.typed import List

from precisemkt._grouping import group_sequences
from precisemkt._numba import njit
from precisemkt._typing import IntArray

__all__ = [
    "build_fptree",
    "dedupe_rows",
    "filter_recode",
    "mine_bitsets",
    "mine_fptree",
    "mine_tidlists",
    "pack_bitsets",
    "popcount",
    "transpose",
]

UIntArray = npt.NDArray[np.uint64]
#: Item codes and basket ids inside the miners (int32 halves their memory).
CodeArray = npt.NDArray[np.int32]

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_S1 = np.uint64(1)
_S2 = np.uint64(2)
_S4 = np.uint64(4)
_S56 = np.uint64(56)


@njit(inline=True)
def popcount(x: np.uint64) -> int:
    """Number of set bits of a 64-bit word (SWAR bit count)."""
    x = x - ((x >> _S1) & _M1)
    x = (x & _M2) + ((x >> _S2) & _M2)
    x = (x + (x >> _S4)) & _M4
    return int((x * _H01) >> _S56)


@njit()
def filter_recode(
    indptr: IntArray, indices: IntArray | CodeArray, mapping: IntArray
) -> tuple[IntArray, CodeArray]:
    """Keep the items with ``mapping >= 0``, recode them (as int32) and sort each basket."""
    n = indptr.size - 1
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    for b in range(n):
        kept = 0
        for p in range(indptr[b], indptr[b + 1]):
            if mapping[indices[p]] >= 0:
                kept += 1
        out_ptr[b + 1] = out_ptr[b] + kept
    out = np.empty(out_ptr[n], dtype=np.int32)
    for b in range(n):
        q = out_ptr[b]
        for p in range(indptr[b], indptr[b + 1]):
            code = mapping[indices[p]]
            if code >= 0:
                out[q] = code
                q += 1
        for p in range(out_ptr[b] + 1, out_ptr[b + 1]):  # insertion sort: baskets are short
            code = out[p]
            r = p - 1
            while r >= out_ptr[b] and out[r] > code:
                out[r + 1] = out[r]
                r -= 1
            out[r + 1] = code
    return out_ptr, out


@njit()
def dedupe_rows(
    indptr: IntArray, indices: CodeArray, weights_in: IntArray
) -> tuple[IntArray, CodeArray, IntArray]:
    """Merge identical non-empty rows, adding up their weights ``weights_in`` (rows in
    order of first appearance)."""
    group, first = group_sequences(indices, indptr[:-1], indptr[1:])
    n_groups = first.size
    weights = np.zeros(n_groups, dtype=np.int64)
    for b in range(group.size):
        weights[group[b]] += weights_in[b]
    out_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    keep = np.empty(n_groups, dtype=np.int64)
    m = 0
    for g in range(n_groups):
        r = first[g]
        size = indptr[r + 1] - indptr[r]
        if size == 0:
            continue
        out_ptr[m + 1] = out_ptr[m] + size
        keep[m] = g
        m += 1
    out = np.empty(out_ptr[m], dtype=indices.dtype)
    for j in range(m):
        r = first[keep[j]]
        out[out_ptr[j] : out_ptr[j + 1]] = indices[indptr[r] : indptr[r + 1]]
        keep[j] = weights[keep[j]]
    return out_ptr[: m + 1], out, keep[:m].copy()


@njit()
def transpose(indptr: IntArray, indices: CodeArray, n_items: int) -> tuple[IntArray, CodeArray]:
    """Column layout of a CSR matrix: per item, the sorted ids of its baskets."""
    n = indptr.size - 1
    col_ptr = np.zeros(n_items + 1, dtype=np.int64)
    for p in range(indices.size):
        col_ptr[indices[p] + 1] += 1
    for j in range(n_items):
        col_ptr[j + 1] += col_ptr[j]
    fill = col_ptr[:-1].copy()
    rows = np.empty(indices.size, dtype=np.int32)
    for b in range(n):
        for p in range(indptr[b], indptr[b + 1]):
            j = indices[p]
            rows[fill[j]] = b
            fill[j] += 1
    return col_ptr, rows


@njit()
def pack_bitsets(col_ptr: IntArray, rows: CodeArray, n_baskets: int) -> UIntArray:
    """One bitset of ``ceil(n_baskets / 64)`` words per item from the column layout."""
    n_items = col_ptr.size - 1
    words = (n_baskets + 63) // 64
    bits = np.zeros((n_items, words), dtype=np.uint64)
    for j in range(n_items):
        for p in range(col_ptr[j], col_ptr[j + 1]):
            b = rows[p]
            bits[j, b // 64] |= np.uint64(1) << np.uint64(b % 64)
    return bits


@njit()
def _grow(arr: IntArray, need: int) -> IntArray:
    if need <= arr.size:
        return arr
    size = max(need, 2 * arr.size)
    out = np.empty(size, dtype=np.int64)
    out[: arr.size] = arr
    return out


@njit()
def _extend_tidlist(
    tids: CodeArray,
    last: int,
    restrict: bool,
    allowed: IntArray,
    indptr: IntArray,
    indices: CodeArray,
    weights: IntArray,
    min_count: int,
    counts: IntArray,
    hits: IntArray,
    slot: IntArray,
    touched: IntArray,
) -> tuple[IntArray, IntArray, IntArray, CodeArray]:
    """Frequent extensions of an itemset with tid-list ``tids`` and last item ``last``.

    Only items ``> last`` are considered and, when ``restrict``, only items with
    ``allowed[item] == 1``; row ``b`` stands for ``weights[b]`` identical baskets. Returns
    the extension items (ascending), their counts, the offsets of their tid-lists and the
    concatenated tid-lists. ``counts``, ``hits``, ``slot`` and ``touched`` are workspaces
    of one entry per item; they are left as they were found (zeros, -1).
    """
    n_touched = 0
    for t in range(tids.size):
        b = tids[t]
        w = weights[b]
        p = indptr[b + 1] - 1
        while p >= indptr[b]:
            item = indices[p]
            if item <= last:
                break
            if not restrict or allowed[item] == 1:
                if hits[item] == 0:
                    touched[n_touched] = item
                    n_touched += 1
                hits[item] += 1
                counts[item] += w
            p -= 1
    keep = 0
    for k in range(n_touched):
        if counts[touched[k]] >= min_count:
            touched[keep] = touched[k]
            keep += 1
        else:
            counts[touched[k]] = 0
            hits[touched[k]] = 0
    items = np.sort(touched[:keep])
    ptr = np.zeros(keep + 1, dtype=np.int64)
    cnt = np.empty(keep, dtype=np.int64)
    for k in range(keep):
        slot[items[k]] = k
        ptr[k + 1] = ptr[k] + hits[items[k]]
        cnt[k] = counts[items[k]]
    out = np.empty(ptr[keep], dtype=np.int32)
    fill = ptr[:keep].copy()
    if keep > 0:
        for t in range(tids.size):
            b = tids[t]
            p = indptr[b + 1] - 1
            while p >= indptr[b]:
                item = indices[p]
                if item <= last:
                    break
                s = slot[item]
                if s >= 0:
                    out[fill[s]] = b
                    fill[s] += 1
                p -= 1
    for k in range(keep):
        counts[items[k]] = 0
        hits[items[k]] = 0
        slot[items[k]] = -1
    return items, cnt, ptr, out


@njit()
def mine_tidlists(
    indptr: IntArray,
    indices: CodeArray,
    weights: IntArray,
    col_ptr: IntArray,
    rows: CodeArray,
    item_counts: IntArray,
    min_count: int,
    max_len: int,
    start: int,
    stop: int,
    max_out: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """Frequent itemsets whose first item is in ``start..stop-1`` (tid-lists).

    ``indptr``/``indices`` are the recoded, filtered baskets (items ascending in each
    basket), each standing for ``weights`` identical baskets; ``col_ptr``/``rows`` the
    same data by item and ``item_counts`` the weighted count of each item. Returns
    ``(items, lengths, counts, overflow)``.
    """
    n_items = col_ptr.size - 1
    out_items = np.empty(1024, dtype=np.int64)
    out_len = np.empty(256, dtype=np.int64)
    out_cnt = np.empty(256, dtype=np.int64)
    n_out = 0
    n_flat = 0
    counts = np.zeros(n_items, dtype=np.int64)
    hits = np.zeros(n_items, dtype=np.int64)
    slot = np.full(n_items, -1, dtype=np.int64)
    touched = np.empty(n_items, dtype=np.int64)
    allowed = np.zeros(n_items, dtype=np.int64)
    depth = min(max_len, n_items) + 1
    empty = np.empty(0, dtype=np.int64)
    lv_items = List()
    lv_cnt = List()
    lv_ptr = List()
    lv_tids = List()
    empty_tids = np.empty(0, dtype=np.int32)
    for _ in range(depth):
        lv_items.append(empty)
        lv_cnt.append(empty)
        lv_ptr.append(empty)
        lv_tids.append(empty_tids)
    pos = np.zeros(depth, dtype=np.int64)
    prefix = np.empty(depth, dtype=np.int64)
    for top in range(start, stop):
        prefix[0] = top
        # emit the single item
        out_items = _grow(out_items, n_flat + 1)
        out_len = _grow(out_len, n_out + 1)
        out_cnt = _grow(out_cnt, n_out + 1)
        out_items[n_flat] = top
        out_len[n_out] = 1
        out_cnt[n_out] = item_counts[top]
        n_flat += 1
        n_out += 1
        if n_out > max_out:
            return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], True
        if max_len < 2:
            continue
        tids = rows[col_ptr[top] : col_ptr[top + 1]]
        its, cn, ptr, tl = _extend_tidlist(
            tids, top, False, allowed, indptr, indices, weights, min_count, counts, hits,
            slot, touched,
        )  # fmt: skip
        lv_items[1] = its
        lv_cnt[1] = cn
        lv_ptr[1] = ptr
        lv_tids[1] = tl
        pos[1] = 0
        k = 1
        while k >= 1:
            its = lv_items[k]
            if pos[k] >= its.size:
                k -= 1
                continue
            c = pos[k]
            pos[k] += 1
            item = its[c]
            prefix[k] = item
            ptr = lv_ptr[k]
            count = lv_cnt[k][c]
            out_items = _grow(out_items, n_flat + k + 1)
            out_len = _grow(out_len, n_out + 1)
            out_cnt = _grow(out_cnt, n_out + 1)
            for q in range(k + 1):
                out_items[n_flat + q] = prefix[q]
            out_len[n_out] = k + 1
            out_cnt[n_out] = count
            n_flat += k + 1
            n_out += 1
            if n_out > max_out:
                return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], True
            if k + 1 >= max_len or c + 1 >= its.size:
                continue
            for s in range(c + 1, its.size):
                allowed[its[s]] = 1
            child_items, child_cnt, child_ptr, child_tids = _extend_tidlist(
                lv_tids[k][ptr[c] : ptr[c + 1]], item, True, allowed, indptr, indices,
                weights, min_count, counts, hits, slot, touched,
            )  # fmt: skip
            for s in range(c + 1, its.size):
                allowed[its[s]] = 0
            if child_items.size > 0:
                k += 1
                lv_items[k] = child_items
                lv_cnt[k] = child_cnt
                lv_ptr[k] = child_ptr
                lv_tids[k] = child_tids
                pos[k] = 0
    return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], False


@njit()
def mine_bitsets(
    bits: UIntArray,
    item_counts: IntArray,
    min_count: int,
    max_len: int,
    start: int,
    stop: int,
    max_out: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """Frequent itemsets whose first item is in ``start..stop-1`` (bitsets).

    ``bits[j]`` is the bitset of item ``j``'s baskets and ``item_counts[j]`` its count.
    Returns ``(items, lengths, counts, overflow)``.
    """
    n_items, words = bits.shape
    out_items = np.empty(1024, dtype=np.int64)
    out_len = np.empty(256, dtype=np.int64)
    out_cnt = np.empty(256, dtype=np.int64)
    n_out = 0
    n_flat = 0
    depth = min(max_len, n_items) + 1
    empty_items = np.empty(0, dtype=np.int64)
    empty_bits = np.empty((0, words), dtype=np.uint64)
    lv_items = List()
    lv_cnt = List()
    lv_bits = List()
    for _ in range(depth):
        lv_items.append(empty_items)
        lv_cnt.append(empty_items)
        lv_bits.append(empty_bits)
    pos = np.zeros(depth, dtype=np.int64)
    prefix = np.empty(depth, dtype=np.int64)
    for top in range(start, stop):
        prefix[0] = top
        out_items = _grow(out_items, n_flat + 1)
        out_len = _grow(out_len, n_out + 1)
        out_cnt = _grow(out_cnt, n_out + 1)
        out_items[n_flat] = top
        out_len[n_out] = 1
        out_cnt[n_out] = item_counts[top]
        n_flat += 1
        n_out += 1
        if n_out > max_out:
            return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], True
        if max_len < 2 or top + 1 >= n_items:
            continue
        # children of the single item: every later item
        n_cand = n_items - top - 1
        c_items = np.empty(n_cand, dtype=np.int64)
        c_cnt = np.empty(n_cand, dtype=np.int64)
        c_bits = np.empty((n_cand, words), dtype=np.uint64)
        keep = 0
        for j in range(top + 1, n_items):
            total = 0
            for w in range(words):
                x = bits[top, w] & bits[j, w]
                c_bits[keep, w] = x
                total += popcount(x)
            if total >= min_count:
                c_items[keep] = j
                c_cnt[keep] = total
                keep += 1
        lv_items[1] = c_items[:keep]
        lv_cnt[1] = c_cnt[:keep]
        lv_bits[1] = c_bits[:keep]
        pos[1] = 0
        k = 1
        while k >= 1:
            its = lv_items[k]
            if pos[k] >= its.size:
                k -= 1
                continue
            c = pos[k]
            pos[k] += 1
            prefix[k] = its[c]
            out_items = _grow(out_items, n_flat + k + 1)
            out_len = _grow(out_len, n_out + 1)
            out_cnt = _grow(out_cnt, n_out + 1)
            for q in range(k + 1):
                out_items[n_flat + q] = prefix[q]
            out_len[n_out] = k + 1
            out_cnt[n_out] = lv_cnt[k][c]
            n_flat += k + 1
            n_out += 1
            if n_out > max_out:
                return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], True
            if k + 1 >= max_len or c + 1 >= its.size:
                continue
            n_cand = its.size - c - 1
            parent = lv_bits[k]
            c_items = np.empty(n_cand, dtype=np.int64)
            c_cnt = np.empty(n_cand, dtype=np.int64)
            c_bits = np.empty((n_cand, words), dtype=np.uint64)
            keep = 0
            for s in range(c + 1, its.size):
                j = its[s]
                total = 0
                for w in range(words):
                    x = parent[c, w] & bits[j, w]
                    c_bits[keep, w] = x
                    total += popcount(x)
                if total >= min_count:
                    c_items[keep] = j
                    c_cnt[keep] = total
                    keep += 1
            if keep > 0:
                k += 1
                lv_items[k] = c_items[:keep]
                lv_cnt[k] = c_cnt[:keep]
                lv_bits[k] = c_bits[:keep]
                pos[k] = 0
    return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], False


# -- FP-growth ----------------------------------------------------------------------------


@njit()
def build_fptree(
    flat: IntArray | CodeArray, ptr: IntArray, weights: IntArray, n_items: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Prefix tree of weighted paths (Han, Pei & Yin 2000).

    Path ``p`` is ``flat[ptr[p]:ptr[p + 1]]`` with items ascending; it is inserted from its
    last (most frequent) item down, so every node's ancestors hold larger codes. Returns
    per node its item, count and parent (node 0 is the root, item -1), the node-link to
    the next node of the same item, and per item the first node of its link list.
    """
    n_paths = ptr.size - 1
    cap = flat.size + 1
    item = np.empty(cap, dtype=np.int64)
    count = np.zeros(cap, dtype=np.int64)
    parent = np.empty(cap, dtype=np.int64)
    link = np.full(cap, -1, dtype=np.int64)
    head = np.full(n_items, -1, dtype=np.int64)
    item[0] = -1
    parent[0] = -1
    size = 1
    table = 2
    while table < 2 * cap:
        table *= 2
    mask = table - 1
    keys = np.full(table, -1, dtype=np.int64)
    vals = np.empty(table, dtype=np.int64)
    for p in range(n_paths):
        node = 0
        for q in range(ptr[p + 1] - 1, ptr[p] - 1, -1):
            it = flat[q]
            key = node * n_items + it
            h = (key * 0x2545F4914F6CDD1D) & mask
            while keys[h] != -1 and keys[h] != key:
                h = (h + 1) & mask
            if keys[h] == -1:
                keys[h] = key
                vals[h] = size
                item[size] = it
                parent[size] = node
                link[size] = head[it]
                head[it] = size
                size += 1
            node = vals[h]
            count[node] += weights[p]
    return item[:size], count[:size], parent[:size], link[:size], head


@njit()
def _conditional_tree(
    item_id: int,
    item: IntArray,
    count: IntArray,
    parent: IntArray,
    link: IntArray,
    head: IntArray,
    min_count: int,
    counts: IntArray,
    touched: IntArray,
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray, IntArray, IntArray]:
    """The FP-tree of ``item_id``'s prefix paths, cut to the items frequent among them.

    Returns the tree (item, count, parent, link, head) and its header: the frequent items
    (ascending) and their counts. ``counts`` and ``touched`` are per-item workspaces, left
    as zeros.
    """
    n_items = head.size
    n_touched = 0
    total = 0
    n_paths = 0
    node = head[item_id]
    while node != -1:
        c = count[node]
        a = parent[node]
        while a > 0:
            it = item[a]
            if counts[it] == 0:
                touched[n_touched] = it
                n_touched += 1
            counts[it] += c
            total += 1
            a = parent[a]
        n_paths += 1
        node = link[node]
    keep = 0
    for k in range(n_touched):
        if counts[touched[k]] >= min_count:
            touched[keep] = touched[k]
            keep += 1
        else:
            counts[touched[k]] = 0
    h_items = np.sort(touched[:keep])
    h_counts = np.empty(keep, dtype=np.int64)
    for k in range(keep):
        h_counts[k] = counts[h_items[k]]
    flat = np.empty(total, dtype=np.int64)
    ptr = np.zeros(n_paths + 1, dtype=np.int64)
    weights = np.empty(n_paths, dtype=np.int64)
    if keep > 0:
        p = 0
        q = 0
        node = head[item_id]
        while node != -1:
            a = parent[node]
            while a > 0:  # upwards the codes rise: the path comes out ascending
                if counts[item[a]] > 0:
                    flat[q] = item[a]
                    q += 1
                a = parent[a]
            weights[p] = count[node]
            p += 1
            ptr[p] = q
            node = link[node]
    for k in range(keep):
        counts[h_items[k]] = 0
    if keep == 0:
        ptr = np.zeros(1, dtype=np.int64)
    t_item, t_count, t_parent, t_link, t_head = build_fptree(flat, ptr, weights, n_items)
    return t_item, t_count, t_parent, t_link, t_head, h_items, h_counts


@njit()
def mine_fptree(
    item: IntArray,
    count: IntArray,
    parent: IntArray,
    link: IntArray,
    head: IntArray,
    item_counts: IntArray,
    min_count: int,
    max_len: int,
    start: int,
    stop: int,
    max_out: int,
) -> tuple[IntArray, IntArray, IntArray, bool]:
    """FP-growth: frequent itemsets whose rarest item is in ``start..stop-1``.

    The tree is :func:`build_fptree` of all baskets (every item frequent, ``item_counts``
    their counts). Conditional trees are built on an explicit stack, one per depth.
    Returns ``(items, lengths, counts, overflow)``.
    """
    n_items = head.size
    out_items = np.empty(1024, dtype=np.int64)
    out_len = np.empty(256, dtype=np.int64)
    out_cnt = np.empty(256, dtype=np.int64)
    n_out = 0
    n_flat = 0
    counts = np.zeros(n_items, dtype=np.int64)
    touched = np.empty(n_items, dtype=np.int64)
    depth = min(max_len, n_items) + 1
    lv_item = List()
    lv_count = List()
    lv_parent = List()
    lv_link = List()
    lv_head = List()
    lv_h_items = List()
    lv_h_counts = List()
    for _ in range(depth):
        lv_item.append(item)
        lv_count.append(count)
        lv_parent.append(parent)
        lv_link.append(link)
        lv_head.append(head)
        lv_h_items.append(np.arange(start, stop))
        lv_h_counts.append(item_counts[start:stop].copy())
    pos = np.zeros(depth, dtype=np.int64)
    prefix = np.empty(depth, dtype=np.int64)
    d = 0
    while d >= 0:
        h_items = lv_h_items[d]
        if pos[d] >= h_items.size:
            d -= 1
            continue
        c = pos[d]
        pos[d] += 1
        it = h_items[c]
        prefix[d] = it
        out_items = _grow(out_items, n_flat + d + 1)
        out_len = _grow(out_len, n_out + 1)
        out_cnt = _grow(out_cnt, n_out + 1)
        for q in range(d + 1):
            out_items[n_flat + q] = prefix[q]
        out_len[n_out] = d + 1
        out_cnt[n_out] = lv_h_counts[d][c]
        n_flat += d + 1
        n_out += 1
        if n_out > max_out:
            return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], True
        if d + 2 > max_len:
            continue
        t_item, t_count, t_parent, t_link, t_head, t_h_items, t_h_counts = _conditional_tree(
            it, lv_item[d], lv_count[d], lv_parent[d], lv_link[d], lv_head[d], min_count,
            counts, touched,
        )  # fmt: skip
        if t_h_items.size > 0:
            d += 1
            lv_item[d] = t_item
            lv_count[d] = t_count
            lv_parent[d] = t_parent
            lv_link[d] = t_link
            lv_head[d] = t_head
            lv_h_items[d] = t_h_items
            lv_h_counts[d] = t_h_counts
            pos[d] = 0
    return out_items[:n_flat], out_len[:n_out], out_cnt[:n_out], False
