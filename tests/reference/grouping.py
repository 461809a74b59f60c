"""Naive references for the grouping engine (``precisemkt._grouping``): dictionaries and
``sorted``, slow and obvious on purpose."""

from __future__ import annotations

from collections.abc import Hashable, Sequence


def groups(keys: Sequence[Hashable], limit: int | None = None) -> tuple[list[int], list[int]]:
    """Group id of every key in order of first appearance, and each group's first row.

    Once ``limit`` groups exist every later row is a group of its own.
    """
    seen: dict[Hashable, int] = {}
    group: list[int] = []
    first: list[int] = []
    for i, key in enumerate(keys):
        if limit is not None and len(first) >= limit:
            g = len(first)
        elif key in seen:
            group.append(seen[key])
            continue
        else:
            g = seen.setdefault(key, len(first))
        group.append(g)
        first.append(i)
    return group, first


def group_order(keys: list[int]) -> list[int]:
    """Row indexes ordered by key, ties kept in row order (a stable sort)."""
    return sorted(range(len(keys)), key=lambda i: keys[i])
