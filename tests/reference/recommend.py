"""Slow, obvious references for precisemkt.recommend: dense numpy and Python loops.

Rankings use the library's rule: higher score first, ties to the smaller item index.
"""

from __future__ import annotations

import math

import numpy as np


def rank(scores: dict[int, float]) -> list[tuple[int, float]]:
    """(item, score) pairs, best first, ties to the smaller item."""
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))


# -- item-kNN -------------------------------------------------------------------------------


def knn_similarity(
    weighted: np.ndarray,
    binary: np.ndarray,
    kind: int,
    k: int,
    alpha: float = 0.5,
    shrinkage: float = 0.0,
) -> list[list[tuple[int, float]]]:
    """Per item, its k best (item, similarity) among the items sharing a user with it."""
    n_items = weighted.shape[1]
    out = []
    sizes = binary.sum(axis=0)
    for i in range(n_items):
        cand: dict[int, float] = {}
        for j in range(n_items):
            common = int(np.sum(binary[:, i] * binary[:, j]))
            if common == 0:
                continue
            dot = float(np.sum(weighted[:, i] * weighted[:, j]))
            if kind == 1:
                sim = dot / (sizes[i] + sizes[j] - dot)
            elif kind == 2:
                sim = dot / (sizes[i] ** alpha * sizes[j] ** (1 - alpha))
            else:
                sim = dot
            if shrinkage > 0:
                sim *= common / (common + shrinkage)
            cand[j] = sim
        out.append(rank(cand)[:k])
    return out


def knn_recommend(
    r: np.ndarray,
    rows: list[list[tuple[int, float]]],
    u: int,
    n: int,
    exclude_seen: bool,
    allowed: np.ndarray,
    boost: np.ndarray,
    category: np.ndarray,
    cap: int,
) -> tuple[list[int], list[float], list[list[int]]]:
    """Items reached from the user's history, scored ``sum_j r_uj S[j, i]``, filtered."""
    hist = np.flatnonzero(r[u])
    s = [dict(row) for row in rows]
    reach = {int(i) for j in hist for i in s[j]}
    scores = {i: float(sum(r[u, j] * s[j].get(i, 0.0) for j in hist)) for i in reach}
    items, vals = select(
        scores, set(hist.tolist()) if exclude_seen else set(), allowed, boost, category, cap, n
    )
    because = [top3({int(j): r[u, j] * s[j].get(i, 0.0) for j in hist}) for i in items]
    return items, vals, because


def select(
    scores: dict[int, float],
    banned: set[int],
    allowed: np.ndarray,
    boost: np.ndarray,
    category: np.ndarray,
    cap: int,
    n: int,
) -> tuple[list[int], list[float]]:
    cand = {i: v * boost[i] for i, v in scores.items() if i not in banned and allowed[i]}
    items: list[int] = []
    vals: list[float] = []
    used: dict[int, int] = {}
    for i, v in rank(cand):
        if cap > 0:
            if used.get(int(category[i]), 0) >= cap:
                continue
            used[int(category[i])] = used.get(int(category[i]), 0) + 1
        items.append(i)
        vals.append(v)
        if len(items) == n:
            break
    return items, vals


def top3(contrib: dict[int, float]) -> list[int]:
    """The three history items with the largest positive contribution."""
    return [j for j, v in rank({j: v for j, v in contrib.items() if v > 0})[:3]]


# -- EASE and ALS ---------------------------------------------------------------------------


def ease_weights(x: np.ndarray, l2: float) -> np.ndarray:
    """Steck (2019): B = I - P diag(1/diag(P)), P = (X'X + l2 I)^-1."""
    p = np.linalg.inv(x.T @ x + l2 * np.eye(x.shape[1]))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def als_half_step(
    r: np.ndarray, x: np.ndarray, y: np.ndarray, reg: float, alpha: float, steps: int
) -> np.ndarray:
    """Each row of ``x``: ``steps`` CG steps on the dense normal equations, from x."""
    x = x.copy()
    f = x.shape[1]
    for u in range(r.shape[0]):
        if not r[u].any():
            x[u] = 0.0
            continue
        c = 1.0 + alpha * r[u]
        p_u = (r[u] > 0).astype(float)
        a = y.T @ (c[:, None] * y) + reg * np.eye(f)
        b = y.T @ (c * p_u)
        res = b - a @ x[u]
        d = res.copy()
        rs = res @ res
        if rs < 1e-20:
            continue
        for _ in range(steps):
            ad = a @ d
            step = rs / (d @ ad)
            x[u] = x[u] + step * d
            res = res - step * ad
            rs_new = res @ res
            if rs_new < 1e-20:
                break
            d = res + (rs_new / rs) * d
            rs = rs_new
    return x


def als_exact_users(r: np.ndarray, y: np.ndarray, reg: float, alpha: float) -> np.ndarray:
    f = y.shape[1]
    x = np.zeros((r.shape[0], f))
    for u in range(r.shape[0]):
        if not r[u].any():
            continue
        c = 1.0 + alpha * r[u]
        p_u = (r[u] > 0).astype(float)
        x[u] = np.linalg.solve(y.T @ (c[:, None] * y) + reg * np.eye(f), y.T @ (c * p_u))
    return x


def als_loss(r: np.ndarray, x: np.ndarray, y: np.ndarray, reg: float, alpha: float) -> float:
    c = 1.0 + alpha * r
    p = (r > 0).astype(float)
    return float(np.sum(c * (p - x @ y.T) ** 2) + reg * (np.sum(x**2) + np.sum(y**2)))


def als_fit(
    r: np.ndarray, factors: int, reg: float, alpha: float, iterations: int, seed: int
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """The same update sequence as ``ALS.fit``: users then items by 3 CG steps per
    iteration from uniform [0, 0.01) starts."""
    rng = np.random.default_rng(seed)
    x = rng.random((r.shape[0], factors)) * 0.01
    y = rng.random((r.shape[1], factors)) * 0.01
    losses = []
    for _ in range(iterations):
        x = als_half_step(r, x, y, reg, alpha, 3)
        y = als_half_step(r.T, y, x, reg, alpha, 3)
        losses.append(als_loss(r, x, y, reg, alpha))
    return x, y, losses


def als_contributions(
    r: np.ndarray, y: np.ndarray, reg: float, alpha: float, u: int, i: int
) -> dict[int, float]:
    """Hu et al. (2008) section 5: c_uj * y_i' W_u y_j for each history item j."""
    c = 1.0 + alpha * r[u]
    w = np.linalg.inv(y.T @ (c[:, None] * y) + reg * np.eye(y.shape[1]))
    return {int(j): float(c[j] * y[i] @ w @ y[j]) for j in np.flatnonzero(r[u])}


# -- metrics --------------------------------------------------------------------------------


def user_metrics(rec: list[int], truth: set[int], k: int) -> dict[str, float]:
    """Precision, recall, NDCG, AP, hit and reciprocal rank of one list at k."""
    top = rec[:k]
    hits = [1.0 if i in truth else 0.0 for i in top]
    n_hits = sum(hits)
    dcg = sum(h / math.log2(r + 2) for r, h in enumerate(hits))
    idcg = sum(1 / math.log2(r + 2) for r in range(min(k, len(truth))))
    ap = 0.0
    found = 0
    for r, h in enumerate(hits):
        if h:
            found += 1
            ap += found / (r + 1)
    first = next((r + 1 for r, h in enumerate(hits) if h), None)
    return {
        "precision": n_hits / k,
        "recall": n_hits / len(truth),
        "ndcg": dcg / idcg,
        "map": ap / min(k, len(truth)),
        "hit_rate": float(n_hits > 0),
        "mrr": 0.0 if first is None else 1.0 / first,
    }


def intra_list_distance(rec: list[int], binary: np.ndarray) -> float:
    """Mean 1 - cosine over pairs of items of one list (NaN below two items)."""
    pairs = []
    for a in range(len(rec)):
        for b in range(a + 1, len(rec)):
            va, vb = binary[:, rec[a]], binary[:, rec[b]]
            na, nb = va.sum(), vb.sum()
            cos = (va @ vb) / math.sqrt(na * nb) if na > 0 and nb > 0 else 0.0
            pairs.append(1.0 - cos)
    return float(np.mean(pairs)) if pairs else math.nan
