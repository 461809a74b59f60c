"""Optimal full-domain generalisation: a bounded search over the hierarchy lattice.

A lattice node gives one generalisation level per quasi-identifier. A node is *feasible*
if, after suppressing every class that breaks the requirement, at most ``max_out`` records
are suppressed. The search returns a feasible node of minimum loss:

* GCP: the loss of a node without any suppression is separable (the mean over
  attributes of each attribute's average NCP at its level) and, because suppressing a
  record costs 1 >= its NCP, it is a lower bound of the node's GCP. Nodes are visited in
  increasing order of that bound and the search stops as soon as the bound reaches the
  best loss found: every later node is provably no better.
* Discernibility: suppression only adds (a suppressed record costs ``n`` >= its class
  size), and merging classes only raises ``sum size**2``, so a node's discernibility is
  at least the suppression-free discernibility of any of its specialisations. Nodes are
  visited bottom-up and skipped once that propagated bound reaches the best loss.

Each visited node is evaluated by one compiled pass over the distinct (quasi-identifier,
sensitive value) combinations of the table.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt.privacy import _kernels
from precisemkt.privacy._hierarchy import _Bound
from precisemkt.privacy._requirement import Requirement

__all__ = ["LatticeSolution", "search_lattice"]

METRICS = ("gcp", "discernibility")
#: Largest lattice searched (nodes); beyond it the search would take too long.
MAX_NODES = 5_000_000


@dataclass(frozen=True, slots=True)
class LatticeSolution:
    """The chosen node, the rows it keeps, its loss and how many nodes were evaluated."""

    levels: tuple[int, ...]
    kept: BoolArray
    loss: float
    n_evaluated: int
    n_pruned: int
    n_nodes: int


@dataclass(frozen=True, slots=True)
class _Items:
    """The table compressed to distinct (leaf codes, sensitive code) combinations."""

    item_of_row: IntArray
    weights: FloatArray
    codes: IntArray  # (q, max_levels, m)
    ncp: FloatArray  # (q, max_levels, m)
    cards: IntArray  # (q, max_levels)
    sensitive: IntArray


def _compress(bounds: list[_Bound], s_codes: IntArray | None, n_codes: int) -> _Items:
    columns = [b.leaf_of_row for b in bounds]
    cards = [len(b.codes[0]) for b in bounds]
    if s_codes is not None:
        columns.append(s_codes)
        cards.append(n_codes)
    key = columns[0].copy()
    key_range = cards[0]
    for col, card in zip(columns[1:], cards[1:], strict=True):
        if key_range > (1 << 61) // card:
            uniq, key = np.unique(key, return_inverse=True)
            key_range = len(uniq)
        key = key * card + col
        key_range *= card
    _, first, item_of_row = np.unique(key, return_index=True, return_inverse=True)
    m = len(first)
    weights = np.bincount(item_of_row, minlength=m).astype(np.float64)
    q = len(bounds)
    max_levels = max(b.n_levels for b in bounds)
    codes = np.zeros((q, max_levels, m), dtype=np.int64)
    ncp = np.zeros((q, max_levels, m))
    level_cards = np.ones((q, max_levels), dtype=np.int64)
    for j, b in enumerate(bounds):
        leaf = b.leaf_of_row[first]
        for level in range(b.n_levels):
            codes[j, level] = b.codes[level][leaf]
            ncp[j, level] = b.ncp[level][codes[j, level]]
            level_cards[j, level] = len(b.labels[level])
    sensitive = s_codes[first] if s_codes is not None else np.zeros(m, dtype=np.int64)
    return _Items(item_of_row.astype(np.int64), weights, codes, ncp, level_cards, sensitive)


#: Largest precomputed split (array entries) before falling back to hashing every node.
SPLIT_BUDGET = 15_000_000


@dataclass(frozen=True, slots=True)
class _Split:
    """Attributes split in halves A and B with every half-node's classes precomputed."""

    a_attrs: list[int]
    b_attrs: list[int]
    perm: IntArray  # (A-nodes, m): items sorted by A-class
    ptr: IntArray  # (A-nodes, m + 1): A-class boundaries in perm
    n_seg: IntArray  # (A-nodes,)
    id_b: IntArray  # (B-nodes, m): B-class of every item
    table: IntArray  # scratch, -1


def _half_classes(
    items: _Items,
    attrs: list[int],
    shape: tuple[int, ...],
) -> list[IntArray]:
    """Class ids of the items for every node of the sub-lattice of ``attrs``."""
    m = len(items.weights)
    if not attrs:
        return [np.zeros(m, dtype=np.int64)]
    codes = np.ascontiguousarray(items.codes[attrs])
    cards = np.ascontiguousarray(items.cards[attrs])
    sub = tuple(shape[j] for j in attrs)
    out = []
    for levels in np.indices(sub).reshape(len(attrs), -1).T.astype(np.int64):
        cls, _, _, _ = _kernels.node_classes(codes, levels, cards, items.weights)
        out.append(cls)
    return out


def _make_split(items: _Items, shape: tuple[int, ...]) -> _Split | None:
    m = len(items.weights)
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [1, 1]
    for j in sorted(range(len(shape)), key=lambda j: -shape[j]):
        h = 0 if sizes[0] <= sizes[1] else 1
        halves[h].append(j)
        sizes[h] *= shape[j]
    a_attrs, b_attrs = sorted(halves[0]), sorted(halves[1])
    if (3 * sizes[0] + sizes[1]) * m > SPLIT_BUDGET:
        return None
    a_ids = _half_classes(items, a_attrs, shape)
    b_ids = _half_classes(items, b_attrs, shape)
    perm = np.empty((len(a_ids), m), dtype=np.int64)
    ptr = np.zeros((len(a_ids), m + 1), dtype=np.int64)
    n_seg = np.empty(len(a_ids), dtype=np.int64)
    for a, ids in enumerate(a_ids):
        perm[a] = np.argsort(ids, kind="stable")
        bounds = np.flatnonzero(np.diff(ids[perm[a]])) + 1
        n_seg[a] = len(bounds) + 1
        ptr[a, 1 : n_seg[a]] = bounds
        ptr[a, n_seg[a]] = m
    id_b = np.stack(b_ids)
    table = np.full(int(id_b.max()) + 1, -1, dtype=np.int64)
    return _Split(a_attrs, b_attrs, perm, ptr, n_seg, id_b, table)


#: Largest set of two-attribute outlier bitsets (uint64 words) kept for pruning.
PAIR_BUDGET = 4_000_000


@dataclass(frozen=True, slots=True)
class _Pairs:
    """Outlier bitsets of every two-attribute projection at every pair of levels."""

    masks: np.ndarray  # (projections, words) uint64
    a: IntArray
    b: IntArray
    offset: IntArray
    shape: IntArray
    acc: np.ndarray


def _make_pairs(
    items: _Items,
    shape: tuple[int, ...],
    requirement: Requirement,
    n_codes: int,
) -> _Pairs | None:
    q = len(shape)
    min_distinct = 0 if requirement.l is None else math.ceil(requirement.l - 1e-9)
    if q < 2 or (requirement.k <= 1 and min_distinct <= 1):
        return None
    pairs = list(itertools.combinations(range(q), 2))
    n_masks = sum(shape[a] * shape[b] for a, b in pairs)
    n_rows = len(items.item_of_row)
    if n_masks * ((n_rows + 63) // 64) > PAIR_BUDGET:
        return None
    masks = np.empty((n_masks, (n_rows + 63) // 64), dtype=np.uint64)
    offset = np.zeros(len(pairs), dtype=np.int64)
    row = 0
    for p, (a, b) in enumerate(pairs):
        offset[p] = row
        for la in range(shape[a]):
            for lb in range(shape[b]):
                masks[row] = _kernels.pair_outliers(
                    items.codes[a, la],
                    items.codes[b, lb],
                    int(items.cards[b, lb]),
                    items.weights,
                    items.sensitive,
                    max(n_codes, 1),
                    requirement.k,
                    min_distinct,
                    items.item_of_row,
                )
                row += 1
    return _Pairs(
        masks,
        np.array([a for a, _ in pairs], dtype=np.int64),
        np.array([b for _, b in pairs], dtype=np.int64),
        offset,
        np.array(shape, dtype=np.int64),
        np.empty(masks.shape[1], dtype=np.uint64),
    )


def _pruned(
    pairs: _Pairs,
    items: _Items,
    levels: IntArray,
    max_out: int,
    lower: float,
    best: float,
    metric_code: int,
) -> bool:
    """Whether rows that two-attribute projections already mark as outliers make the node
    infeasible or, for GCP, push its loss to at least the best found."""
    count, extra = _kernels.certain_outliers(
        pairs.masks,
        pairs.a,
        pairs.b,
        pairs.offset,
        pairs.shape,
        levels,
        pairs.acc,
        items.ncp,
        items.item_of_row,
        max_out,
    )
    if count > max_out:
        return True
    n_rows, q = len(items.item_of_row), len(levels)
    return metric_code == 0 and lower + extra / (n_rows * q) >= best - 1e-12 * max(1.0, best)


def search_lattice(
    bounds: list[_Bound],
    s_codes: IntArray | None,
    n_codes: int,
    ordered: bool,
    requirement: Requirement,
    max_out: int,
    metric: str,
    *,
    progress: bool = False,
) -> LatticeSolution | None:
    """Minimum-loss feasible node of the lattice, or ``None`` if no node is feasible."""
    items = _compress(bounds, s_codes, n_codes)
    shape = tuple(b.n_levels for b in bounds)
    q = len(shape)
    n_nodes = int(np.prod(shape))
    nodes = np.indices(shape).reshape(q, -1).T.astype(np.int64)
    height = nodes.sum(axis=1)
    strides = np.array([int(np.prod(shape[j + 1 :])) for j in range(q)], dtype=np.int64)
    n_rows = items.weights.sum()
    metric_code = METRICS.index(metric)
    if metric_code == 0:
        mean_ncp = (items.ncp * items.weights).sum(axis=2) / n_rows  # (q, max_levels)
        bound = mean_ncp[np.arange(q), nodes].sum(axis=1) / q
        order = np.lexsort((height, bound))
    else:
        bound = np.zeros(n_nodes)
        order = np.argsort(height, kind="stable")

    best_kept = np.zeros(len(items.weights), dtype=np.bool_)
    best_loss = np.inf
    best_node: IntArray | None = None
    n_evaluated = 0
    req = requirement.for_kernels(ordered)
    split = _make_split(items, shape)
    if split is not None:
        a_shape = tuple(shape[j] for j in split.a_attrs)
        b_shape = tuple(shape[j] for j in split.b_attrs)
        a_index = (
            np.ravel_multi_index(tuple(nodes[:, split.a_attrs].T), a_shape)
            if split.a_attrs
            else np.zeros(n_nodes, dtype=np.int64)
        )
        b_index = (
            np.ravel_multi_index(tuple(nodes[:, split.b_attrs].T), b_shape)
            if split.b_attrs
            else np.zeros(n_nodes, dtype=np.int64)
        )
    pairs = _make_pairs(items, shape, requirement, n_codes)
    n_pruned = 0
    bar = tqdm(order, total=n_nodes, desc="lattice", disable=not progress, leave=False)
    for idx in bar:
        lower = bound[idx]
        if lower >= best_loss - 1e-12 * max(1.0, abs(best_loss)):
            if metric_code == 0:
                break
            free = lower
        elif pairs is not None and _pruned(
            pairs, items, nodes[idx], max_out, lower, best_loss, metric_code
        ):
            n_pruned += 1  # infeasible or provably worse: see _pruned
            free = lower
        else:
            n_evaluated += 1
            if split is None:
                cls, n_cls, rep, sizes = _kernels.node_classes(
                    items.codes, nodes[idx], items.cards, items.weights
                )
            else:
                a, b = a_index[idx], b_index[idx]
                cls, n_cls, rep, sizes = _kernels.node_classes_split(
                    split.perm[a],
                    split.ptr[a],
                    split.n_seg[a],
                    split.id_b[b],
                    items.weights,
                    split.table,
                )
            feasible, loss, free, fail = _kernels.evaluate_node(
                cls,
                n_cls,
                rep,
                sizes,
                items.ncp,
                nodes[idx],
                items.weights,
                items.sensitive,
                n_codes,
                req,
                float(max_out),
                metric_code,
            )
            if feasible and loss < best_loss:
                best_loss, best_node = float(loss), nodes[idx]
                best_kept = ~fail[cls]
        if metric_code == 1:
            for j in range(q):
                if nodes[idx, j] < shape[j] - 1:
                    succ = idx + strides[j]
                    bound[succ] = max(bound[succ], free)
    bar.close()
    if best_node is None:
        return None
    return LatticeSolution(
        levels=tuple(int(v) for v in best_node),
        kept=best_kept[items.item_of_row],
        loss=best_loss,
        n_evaluated=n_evaluated,
        n_pruned=n_pruned,
        n_nodes=n_nodes,
    )
