"""Mondrian multidimensional partitioning: encoding, the compiled split loop, labels."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import format_message
from precisemkt.errors import ValidationError
from precisemkt.privacy._hierarchy import ObjectArray, _Bound, format_number
from precisemkt.privacy._mondrian_kernels import Domains, mondrian
from precisemkt.privacy._requirement import Requirement

__all__ = ["MondrianPartition", "mondrian_partition"]


@dataclass(frozen=True, slots=True)
class MondrianPartition:
    """Released labels and certainty penalty of every row, column by column."""

    labels: dict[Hashable, ObjectArray]
    ncp: dict[Hashable, FloatArray]
    n_partitions: int


@dataclass(frozen=True, slots=True)
class _Tree:
    """All hierarchies as one node table (ids are global across attributes)."""

    leaf_pos: list[IntArray]  # per hierarchical attribute: DFS position of each leaf
    root: list[int]
    node_lo: IntArray
    node_ncp: FloatArray
    node_label: ObjectArray
    child_ptr: IntArray
    child_idx: IntArray


def _build_tree(bounds: list[_Bound]) -> _Tree:
    leaf_pos: list[IntArray] = []
    roots: list[int] = []
    lo_parts: list[IntArray] = []
    ncp_parts: list[FloatArray] = []
    label_parts: list[ObjectArray] = []
    n_children: list[IntArray] = []
    children: list[IntArray] = []
    offset = 0
    for b in bounds:
        n_levels = b.n_levels
        d = len(b.codes[0])
        order = np.lexsort(tuple(b.codes[level] for level in range(n_levels)))
        pos = np.empty(d, dtype=np.int64)
        pos[order] = np.arange(d)
        leaf_pos.append(pos)
        # node ids: top level first, then downwards; within a level by code
        base: dict[int, int] = {}
        next_id = offset
        for level in range(n_levels - 1, -1, -1):
            base[level] = next_id
            next_id += len(b.labels[level])
        roots.append(base[n_levels - 1])
        for level in range(n_levels - 1, -1, -1):
            card = len(b.labels[level])
            lo = np.full(card, d, dtype=np.int64)
            np.minimum.at(lo, b.codes[level], pos)
            lo_parts.append(lo)
            ncp_parts.append(b.ncp[level])
            label_parts.append(b.labels[level])
            if level == 0:
                n_children.append(np.zeros(card, dtype=np.int64))
                continue
            child_card = len(b.labels[level - 1])
            parent = np.empty(child_card, dtype=np.int64)
            parent[b.codes[level - 1]] = b.codes[level]
            child_lo = np.full(child_card, d, dtype=np.int64)
            np.minimum.at(child_lo, b.codes[level - 1], pos)
            kids = np.lexsort((child_lo, parent))
            n_children.append(np.bincount(parent, minlength=card).astype(np.int64))
            children.append(base[level - 1] + kids)
        offset = next_id

    def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

    counts = cat(n_children, np.int64)
    child_ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=child_ptr[1:])
    return _Tree(
        leaf_pos=leaf_pos,
        root=roots,
        node_lo=cat(lo_parts, np.int64),
        node_ncp=cat(ncp_parts, np.float64),
        node_label=cat(label_parts, object),
        child_ptr=child_ptr,
        child_idx=cat(children, np.int64),
    )


def _numeric_codes(series: pd.Series, column: Hashable) -> tuple[IntArray, FloatArray]:
    if not (
        pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype)
    ):
        raise ValidationError(  # pragma: no cover - the caller routes non-numbers elsewhere
            format_message(f"column {column!r}", "be numeric", str(series.dtype), "")
        )
    x = series.to_numpy(dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValidationError(
            format_message(
                f"quasi-identifier column {column!r}",
                "have only finite numbers",
                f"{int((~np.isfinite(x)).sum())} missing or infinite value(s)",
                "Impute or drop them first.",
            )
        )
    values, codes = np.unique(x, return_inverse=True)
    return codes.astype(np.int64), values


def mondrian_partition(
    df: pd.DataFrame,
    qis: list[Hashable],
    bounds: dict[Hashable, _Bound],
    s_codes: IntArray | None,
    n_codes: int,
    ordered: bool,
    requirement: Requirement,
    priority: IntArray,
) -> MondrianPartition:
    """Partition with the compiled strict Mondrian and label every row.

    Attributes in ``bounds`` are split along their hierarchy; the others must be numeric
    and are split at the median into ranges ``[min, max]`` of the values in a partition.
    """
    n = len(df)
    q = len(qis)
    hier = [bounds[col] for col in qis if col in bounds]
    tree = _build_tree(hier)
    x = np.empty((q, n), dtype=np.int64)
    is_cat = np.zeros(q, dtype=np.bool_)
    root = np.zeros(q, dtype=np.int64)
    num_parts: list[FloatArray] = []
    num_off = np.zeros(q + 1, dtype=np.int64)
    num_range = np.zeros(q)
    h = 0
    for j, col in enumerate(qis):
        if col in bounds:
            is_cat[j] = True
            x[j] = tree.leaf_pos[h][bounds[col].leaf_of_row]
            root[j] = tree.root[h]
            h += 1
            values = np.zeros(0)
        else:
            x[j], values = _numeric_codes(df[col], col)
            num_range[j] = values[-1] - values[0]
        num_parts.append(values)
        num_off[j + 1] = num_off[j] + len(values)
    num_vals = np.concatenate(num_parts)
    s = s_codes if s_codes is not None else np.zeros(n, dtype=np.int64)
    domains = Domains(
        is_cat,
        root,
        num_vals,
        num_off,
        num_range,
        tree.node_lo,
        tree.node_ncp,
        tree.child_ptr,
        tree.child_idx,
    )
    perm, start, end, part_lo, part_hi = mondrian(
        x, domains, s, max(n_codes, 1), requirement.for_kernels(ordered), priority
    )
    sizes = end - start
    row_part = np.empty(n, dtype=np.int64)
    row_part[perm] = np.repeat(np.arange(len(start)), sizes)
    labels: dict[Hashable, ObjectArray] = {}
    ncp: dict[Hashable, FloatArray] = {}
    for j, col in enumerate(qis):
        if is_cat[j]:
            part_label = tree.node_label[part_lo[:, j]]
            part_ncp = tree.node_ncp[part_lo[:, j]]
        else:
            part_label, part_ncp = _range_labels(
                num_vals[num_off[j] : num_off[j + 1]],
                part_lo[:, j],
                part_hi[:, j],
                num_range[j],
                pd.api.types.is_integer_dtype(df[col].dtype),
            )
        labels[col] = part_label[row_part]
        ncp[col] = part_ncp[row_part]
    return MondrianPartition(labels=labels, ncp=ncp, n_partitions=len(start))


def _range_labels(
    values: FloatArray, lo: IntArray, hi: IntArray, span: float, integer: bool
) -> tuple[ObjectArray, FloatArray]:
    """``"[lo, hi]"`` (or the value itself) and the NCP of every partition's range."""
    pairs, inverse = np.unique(np.column_stack([lo, hi]), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    fmt = (lambda v: str(int(v))) if integer else format_number
    text = np.array(
        [fmt(values[a]) if a == b else f"[{fmt(values[a])}, {fmt(values[b])}]" for a, b in pairs],
        dtype=object,
    )
    width = values[pairs[:, 1]] - values[pairs[:, 0]]
    pair_ncp = width / span if span > 0 else np.zeros(len(pairs))
    return text[inverse], pair_ncp[inverse]
