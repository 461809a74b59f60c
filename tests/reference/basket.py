"""Slow, obvious references for the basket kernels (pure Python).

* :func:`frequent` — every itemset by brute force over all item combinations, counted
  basket by basket (``_kernels.mine_tidlists`` / ``mine_bitsets`` via
  ``frequent_itemsets``);
* :func:`closed`, :func:`maximal` — the definitions, checked against every frequent
  itemset;
* :func:`dedupe` — distinct baskets with their total weights (``_kernels.dedupe_rows``);
* :func:`popcount` — ``bin(x).count("1")`` (``_kernels.popcount``).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations


def frequent(
    baskets: list[list[int]], min_count: int, max_len: int | None = None
) -> dict[frozenset[int], int]:
    """All itemsets held by at least ``min_count`` baskets, by enumeration of subsets."""
    items = sorted({x for b in baskets for x in b})
    sets = [set(b) for b in baskets]
    out: dict[frozenset[int], int] = {}
    top = len(items) if max_len is None else min(max_len, len(items))
    for size in range(1, top + 1):
        found = False
        for combo in combinations(items, size):
            count = sum(1 for s in sets if s.issuperset(combo))
            if count >= min_count:
                out[frozenset(combo)] = count
                found = True
        if not found:
            break
    return out


def closed(freq: dict[frozenset[int], int]) -> dict[frozenset[int], int]:
    """Frequent itemsets with no proper superset of the same count."""
    return {s: c for s, c in freq.items() if not any(s < t and freq[t] == c for t in freq)}


def maximal(freq: dict[frozenset[int], int]) -> dict[frozenset[int], int]:
    """Frequent itemsets with no frequent proper superset."""
    return {s: c for s, c in freq.items() if not any(s < t for t in freq)}


def dedupe(rows: list[list[int]], weights: list[int]) -> Counter[tuple[int, ...]]:
    """Total weight of each distinct non-empty row."""
    total: Counter[tuple[int, ...]] = Counter()
    for row, weight in zip(rows, weights, strict=True):
        if row:
            total[tuple(row)] += weight
    return total


def popcount(x: int) -> int:
    """Set bits of a non-negative integer."""
    return bin(x).count("1")
