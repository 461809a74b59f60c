"""Segmentation suite: KMeans against scikit-learn's KMeans, RFM scoring at scale.

Data: 8 Gaussian blobs (unit spread, centres drawn from N(0, 3^2) per feature) with
1M x 8 and 5M x 4 float64 points (``--quick``: 200k x 8 and 1M x 4), k = 8.

* "same initial centres": both libraries start from the same 8 rows and run Lloyd's
  algorithm to convergence (same stopping rules; the runs take the same number of
  iterations, printed in the note), so the time compares the iterations themselves.
* "k-means++, 5 seeds": each library seeds itself (greedy k-means++, n_init=1) with seeds
  0..4 and runs each fit to convergence; one call does the 5 fits, because a single seed's
  iteration count is luck (the total iterations are printed in the note).
* ``rfm_scores`` + ``rfm_segments`` on 1M customers (no rival: these are vectorised
  numpy).

scikit-learn uses all cores through OpenMP, as precisemkt does through numba.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case
from precisemkt.segmentation import KMeans, rfm_scores, rfm_segments

SUITE = "segmentation"
K = 8


def blobs(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0.0, 3.0, (K, d))
    return centres[rng.integers(K, size=n)] + rng.normal(0.0, 1.0, (n, d))


def _sklearn(x: np.ndarray, **kwargs: Any) -> Any:
    from sklearn.cluster import KMeans as SkKMeans

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return SkKMeans(n_clusters=K, n_init=1, **kwargs).fit(x)


def _kmeans_cases(n: int, d: int) -> list[Case]:
    x = blobs(n, d)
    init = x[np.random.default_rng(1).choice(n, K, replace=False)].copy()
    same_ours = KMeans(K, init=init).fit(x)
    same_theirs = _sklearn(x, init=init)
    seeds = range(5)
    pp_ours = [KMeans(K, random_state=s).fit(x) for s in seeds]
    pp_theirs = [_sklearn(x, random_state=s) for s in seeds]
    ratio = np.mean([m.inertia_ for m in pp_ours]) / np.mean([m.inertia_ for m in pp_theirs])
    size = f"{n / 1e6:g}M x {d}"
    return [
        Case(
            "KMeans, same initial centres",
            size,
            lambda: KMeans(K, init=init).fit(x),
            rival=lambda: _sklearn(x, init=init),
            rival_name="scikit-learn KMeans",
            repeats=5,
            note=(
                f"{same_ours.n_iter_} vs {same_theirs.n_iter_} iterations, inertia ratio "
                f"{same_ours.inertia_ / same_theirs.inertia_:.9f}"
            ),
        ),
        Case(
            "KMeans, k-means++, 5 seeds",
            size,
            lambda: [KMeans(K, random_state=s).fit(x) for s in seeds],
            rival=lambda: [_sklearn(x, random_state=s) for s in seeds],
            rival_name="scikit-learn KMeans",
            repeats=3,
            note=(
                f"{sum(m.n_iter_ for m in pp_ours)} vs {sum(m.n_iter_ for m in pp_theirs)} "
                "iterations in all, mean inertia ratio "
                f"{ratio:.4f}"
            ),
        ),
    ]


def _rfm(summary: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rfm_segments(rfm_scores(summary))


def cases(quick: bool) -> list[Case]:
    shapes = [(200_000, 8), (1_000_000, 4)] if quick else [(1_000_000, 8), (5_000_000, 4)]
    out = [case for n, d in shapes for case in _kmeans_cases(n, d)]
    rng = np.random.default_rng(0)
    m = 1_000_000
    frequency = rng.negative_binomial(1, 0.4, m)
    recency = np.where(frequency > 0, rng.uniform(0, 70, m), 0.0)
    summary = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": recency,
            "T": recency + rng.uniform(0, 8, m),
            "monetary_value": np.where(frequency > 0, rng.gamma(6.0, 5.0, m), 0.0),
        }
    )
    out.append(Case("rfm_scores + rfm_segments", "1M customers", lambda: _rfm(summary), repeats=5))
    return out
