"""Slow, obvious references for the privacy kernels (pure Python / numpy).

* :func:`class_stats` — per-class distinct count, entropy, EMD, sorted counts
  (``_class_kernels.class_statistics``), with the EMD written exactly as Li et al. (2007) define
  it, over the whole value domain;
* :func:`evaluate_node`, :func:`exhaustive_global` — one full-domain generalisation and a
  plain search over every lattice node (``_kernels.evaluate_node`` and the bounded search);
* :func:`mondrian` — strict Mondrian written as a recursive function over Python sets
  (``_mondrian_kernels.mondrian``).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

ENTROPY_TOL = 1e-9
T_TOL = 1e-12


def emd(class_counts: dict[int, float], table_counts: dict[int, float], ordered: bool) -> float:
    """EMD between a class's and the table's distribution over the table's values."""
    values = sorted(v for v, c in table_counts.items() if c > 0)
    n_class = sum(class_counts.values())
    n_table = sum(table_counts.values())
    r = [class_counts.get(v, 0.0) / n_class - table_counts[v] / n_table for v in values]
    m = len(values)
    if ordered:
        if m <= 1:
            return 0.0
        total, running = 0.0, 0.0
        for i in range(m - 1):
            running += r[i]
            total += abs(running)
        return total / (m - 1)
    return 0.5 * sum(abs(x) for x in r)


def entropy(counts: list[float]) -> float:
    n = sum(counts)
    return -sum(c / n * math.log(c / n) for c in counts if c > 0)


def recursive_ok(counts: list[float], l: int, c: float) -> bool:  # noqa: E741
    desc = sorted(counts, reverse=True)
    return len(desc) >= l and desc[0] < c * sum(desc[l - 1 :])


def class_stats(class_ids: list[int], s: list[int], ordered: bool) -> list[dict[str, object]]:
    """Per class: size, distinct, entropy, emd and counts sorted decreasingly."""
    table: dict[int, float] = {}
    by_class: dict[int, dict[int, float]] = {}
    for g, v in zip(class_ids, s, strict=True):
        table[v] = table.get(v, 0.0) + 1
        by_class.setdefault(g, {})
        by_class[g][v] = by_class[g].get(v, 0.0) + 1
    out = []
    for g in range(len(by_class)):
        counts = by_class[g]
        out.append(
            {
                "size": sum(counts.values()),
                "distinct": len(counts),
                "entropy": entropy(list(counts.values())),
                "emd": emd(counts, table, ordered),
                "desc": sorted(counts.values(), reverse=True),
            }
        )
    return out


@dataclass
class Requirement:
    k: int
    l: float | None = None  # noqa: E741
    l_kind: str = "distinct"
    c: float | None = None
    t: float | None = None


def class_ok_without_t(counts: dict[int, float], req: Requirement) -> bool:
    if sum(counts.values()) < req.k:
        return False
    if req.l is None:
        return True
    values = list(counts.values())
    if req.l_kind == "distinct":
        return len(values) >= req.l
    if req.l_kind == "entropy":
        return entropy(values) >= math.log(req.l) - ENTROPY_TOL
    return recursive_ok(values, int(req.l), float(req.c or 0.0))


def evaluate_node(
    codes: list[list[np.ndarray]],
    ncp: list[list[np.ndarray]],
    node: tuple[int, ...],
    s: np.ndarray | None,
    ordered: bool,
    req: Requirement,
    max_out: int,
    metric: str,
) -> tuple[bool, float, np.ndarray]:
    """One node: ``codes[j][L]`` / ``ncp[j][L]`` are per-row codes / penalties.

    Returns (feasible, loss, kept rows). Classes failing k/l are suppressed; t is then
    checked against the kept rows' distribution, repeatedly, until nothing changes.
    """
    n = len(codes[0][0])
    q = len(node)
    keys = [tuple(int(codes[j][node[j]][i]) for j in range(q)) for i in range(n)]
    members: dict[tuple[int, ...], list[int]] = {}
    for i, key in enumerate(keys):
        members.setdefault(key, []).append(i)
    svals = s if s is not None else np.zeros(n, dtype=np.int64)
    hist = {key: {} for key in members}
    for key, rows in members.items():
        for i in rows:
            hist[key][int(svals[i])] = hist[key].get(int(svals[i]), 0.0) + 1
    failed = {key for key in members if not class_ok_without_t(hist[key], req)}
    while req.t is not None:
        table: dict[int, float] = {}
        for key in members:
            if key not in failed:
                for v, cnt in hist[key].items():
                    table[v] = table.get(v, 0.0) + cnt
        if not table:
            break
        newly = {
            key
            for key in members
            if key not in failed and emd(hist[key], table, ordered) > req.t + T_TOL
        }
        if not newly:
            break
        failed |= newly
    kept = np.array([keys[i] not in failed for i in range(n)])
    n_out = int((~kept).sum())
    if metric == "gcp":
        penalty = sum(float(ncp[j][node[j]][i]) for i in range(n) if kept[i] for j in range(q))
        loss = (penalty + n_out * q) / (n * q)
    else:
        loss = float(
            sum(len(rows) ** 2 for key, rows in members.items() if key not in failed) + n * n_out
        )
    return n_out <= max_out and n_out < n, loss, kept


def exhaustive_global(
    codes: list[list[np.ndarray]],
    ncp: list[list[np.ndarray]],
    s: np.ndarray | None,
    ordered: bool,
    req: Requirement,
    max_out: int,
    metric: str,
) -> tuple[float, list[tuple[int, ...]]]:
    """Minimum loss over every lattice node and the nodes reaching it."""
    best = math.inf
    best_nodes: list[tuple[int, ...]] = []
    for node in itertools.product(*[range(len(c)) for c in codes]):
        feasible, loss, _ = evaluate_node(codes, ncp, node, s, ordered, req, max_out, metric)
        if not feasible:
            continue
        if loss < best - 1e-12:
            best, best_nodes = loss, [node]
        elif abs(loss - best) <= 1e-12:
            best_nodes.append(node)
    return best, best_nodes


# -- Mondrian ----------------------------------------------------------------------------


@dataclass
class Attribute:
    """One quasi-identifier for :func:`mondrian`.

    Numeric: ``values`` (per row). Hierarchical: ``leaf`` (per row), ``level_codes[L]``
    (code of each leaf at level L), ``level_ncp[L]`` and ``level_labels[L]`` per code.
    """

    values: np.ndarray | None = None
    leaf: np.ndarray | None = None
    level_codes: list[np.ndarray] | None = None
    level_ncp: list[np.ndarray] | None = None
    level_labels: list[np.ndarray] | None = None

    @property
    def numeric(self) -> bool:
        return self.values is not None


def _children(att: Attribute, node: tuple[int, int]) -> list[tuple[int, int]]:
    level, code = node
    if level == 0:
        return []
    assert att.level_codes is not None
    below = att.level_codes[level - 1][att.level_codes[level] == code]
    return [(level - 1, int(c)) for c in sorted(set(below.tolist()))]


def _child_of_row(att: Attribute, node: tuple[int, int], row: int) -> tuple[int, int]:
    assert att.level_codes is not None
    assert att.leaf is not None
    return (node[0] - 1, int(att.level_codes[node[0] - 1][att.leaf[row]]))


def _node_ncp(att: Attribute, node: tuple[int, int]) -> float:
    assert att.level_ncp is not None
    return float(att.level_ncp[node[0]][node[1]])


def _part_ok(
    rows: list[int], s: np.ndarray | None, table: dict[int, float], ordered: bool, req: Requirement
) -> bool:
    if len(rows) < req.k:
        return False
    if s is None:
        return True
    counts: dict[int, float] = {}
    for i in rows:
        counts[int(s[i])] = counts.get(int(s[i]), 0.0) + 1
    if not class_ok_without_t(counts, req):
        return False
    return req.t is None or emd(counts, table, ordered) <= req.t + T_TOL


def mondrian(
    attributes: list[Attribute],
    s: np.ndarray | None,
    ordered: bool,
    req: Requirement,
    priority: list[int],
) -> list[tuple[list[int], list[object]]]:
    """Strict Mondrian: final partitions as (rows, per attribute (lo, hi) value or node)."""
    n = len(attributes[0].values if attributes[0].numeric else attributes[0].leaf)
    table: dict[int, float] = {}
    if s is not None:
        for v in s:
            table[int(v)] = table.get(int(v), 0.0) + 1
    roots = []
    for att in attributes:
        roots.append(None if att.numeric else (len(att.level_codes) - 1, 0))
    out: list[tuple[list[int], list[object]]] = []

    def recurse(rows: list[int], nodes: list[object]) -> None:
        nodes = list(nodes)
        width, state = [], []
        for j, att in enumerate(attributes):
            if att.numeric:
                vals = [float(att.values[i]) for i in rows]
                lo, hi = min(vals), max(vals)
                span = float(np.ptp(att.values))
                width.append((hi - lo) / span if span > 0 else 0.0)
                state.append((lo, hi))
            else:
                node = nodes[j]
                while True:
                    kids = {_child_of_row(att, node, i) for i in rows} if node[0] > 0 else set()
                    if len(kids) != 1:
                        break
                    node = kids.pop()
                nodes[j] = node
                width.append(_node_ncp(att, node))
                state.append(node)
        size = len(rows)
        options = []
        if size >= 2 * req.k:
            for j, att in enumerate(attributes):
                if width[j] <= 0:
                    continue
                if att.numeric:
                    vals = sorted(float(att.values[i]) for i in rows)
                    med = vals[(size - 1) // 2]
                    n_le = sum(v <= med for v in vals)
                    n_lt = sum(v < med for v in vals)
                    best = None
                    for left in (n_le, n_lt):
                        if (
                            left >= req.k
                            and size - left >= req.k
                            and (best is None or abs(2 * left - size) < abs(2 * best - size))
                        ):
                            best = left
                    if best is None:
                        continue
                    inclusive = best == n_le
                    parts = [
                        [
                            i
                            for i in rows
                            if (att.values[i] <= med if inclusive else att.values[i] < med)
                        ],
                        [
                            i
                            for i in rows
                            if (att.values[i] > med if inclusive else att.values[i] >= med)
                        ],
                    ]
                    lo, hi = state[j]
                    span = float(np.ptp(att.values))
                    after = sum(
                        len(p) * (max(att.values[p]) - min(att.values[p]))
                        for p in (np.array(parts[0]), np.array(parts[1]))
                    )
                    gain = (size * (hi - lo) - after) / span
                    options.append((gain, j, parts, None))
                else:
                    node = state[j]
                    kids = _children(att, node)
                    parts_by_kid = {kid: [] for kid in kids}
                    for i in rows:
                        parts_by_kid[_child_of_row(att, node, i)].append(i)
                    if any(0 < len(p) < req.k for p in parts_by_kid.values()):
                        continue
                    gain = size * _node_ncp(att, node) - sum(
                        len(p) * _node_ncp(att, kid) for kid, p in parts_by_kid.items()
                    )
                    nonempty = [(kid, p) for kid, p in parts_by_kid.items() if p]
                    options.append(
                        (gain, j, [p for _, p in nonempty], [kid for kid, _ in nonempty])
                    )
        while options:
            best = 0
            for idx in range(1, len(options)):
                diff = options[idx][0] - options[best][0]
                tol = 1e-9 * max(1.0, abs(options[best][0]))
                if diff > tol or (
                    abs(diff) <= tol and priority[options[idx][1]] < priority[options[best][1]]
                ):
                    best = idx
            _, j, parts, kids = options.pop(best)
            if all(_part_ok(p, s, table, ordered, req) for p in parts):
                for idx, part in enumerate(parts):
                    child_nodes = list(nodes)
                    if kids is not None:
                        child_nodes[j] = kids[idx]
                    recurse(part, child_nodes)
                return
        out.append((sorted(rows), state))

    recurse(list(range(n)), roots)
    return out
