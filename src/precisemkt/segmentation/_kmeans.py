"""k-means (Lloyd's algorithm with greedy k-means++ seeding) and choosing k."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    as_float_array,
    check_bool,
    check_int,
    check_interval,
    check_random_state,
    format_message,
)
from precisemkt.errors import InvalidParameterError, NotFittedError, ValidationError
from precisemkt.segmentation import _kernels

__all__ = ["ChooseKResult", "KMeans", "choose_k"]


def _as_matrix(data: Any, name: str = "X") -> tuple[FloatArray, list[str] | None]:
    """A C-contiguous float64 view (a copy only when needed: the data are never written)
    of a 2-D input, and its column names when it is a DataFrame."""
    names = [str(c) for c in data.columns] if isinstance(data, pd.DataFrame) else None
    try:
        x = np.ascontiguousarray(data, dtype=np.float64)
    except (TypeError, ValueError):
        x = as_float_array(data, name, ndim=2)  # raises the house message
    if x.ndim != 2:
        raise ValidationError(
            format_message(
                name,
                "be 2-dimensional (rows x features)",
                f"an array of shape {x.shape}",
                "Reshape a single feature with X.reshape(-1, 1).",
            )
        )
    if not np.isfinite(x).all():
        as_float_array(x, name, ndim=2)  # raises the house message naming NaN or inf
    return x, names


def _kmeans_plusplus(x: FloatArray, k: int, rng: np.random.Generator) -> FloatArray:
    """Greedy k-means++ (Arthur & Vassilvitskii 2007; scikit-learn's variant): each new
    centre is the best of ``2 + floor(ln k)`` candidates drawn with probability
    proportional to the squared distance to the nearest chosen centre."""
    n = x.shape[0]
    trials = 2 + int(np.log(k))
    centers = np.empty((k, x.shape[1]))
    first = int(rng.integers(n))
    centers[0] = x[first]
    closest = np.full(n, np.inf)
    potential = _kernels.candidate_potentials(x, centers[:1], closest, True).sum()
    for c in range(1, k):
        cumulative = np.cumsum(closest)
        picks = np.searchsorted(cumulative, rng.random(trials) * potential)
        picks = np.minimum(picks, n - 1)
        potentials = _kernels.candidate_potentials(x, x[picks], closest, False).sum(axis=0)
        best = int(np.argmin(potentials))
        centers[c] = x[picks[best]]
        potential = _kernels.candidate_potentials(x, centers[c : c + 1], closest, True).sum()
    return centers


def _relocate_empty(
    x: FloatArray, centers: FloatArray, labels: IntArray, sums: FloatArray, counts: FloatArray
) -> None:
    """Give each empty cluster the row farthest from its centre (as scikit-learn does)."""
    empty = np.flatnonzero(counts == 0)
    if empty.size == 0:
        return
    far = np.argsort(-_kernels.distances_to_centers(x, centers, labels), kind="stable")
    for new, row in zip(empty, far[: empty.size], strict=True):
        old = labels[row]
        sums[old] -= x[row]
        counts[old] -= 1
        sums[new] = x[row]
        counts[new] = 1


def _lloyd(
    x: FloatArray, centers: FloatArray, max_iter: int, tol: float
) -> tuple[IntArray, FloatArray, float, int]:
    """Lloyd iterations from ``centers``; scikit-learn's stopping rules (labels unchanged,
    or total squared centre shift <= tol). Returns labels, centres, inertia, iterations."""
    n = x.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    old = labels.copy()
    centers = centers.copy()
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        part_sums, part_counts = _kernels.lloyd_step(x, centers, labels)
        sums = part_sums.sum(axis=0)
        counts = part_counts.sum(axis=0)
        _relocate_empty(x, centers, labels, sums, counts)
        new_centers = sums / counts[:, None]
        shift = float(((new_centers - centers) ** 2).sum())
        centers = new_centers
        if np.array_equal(labels, old):
            converged = True
            break
        if shift <= tol:
            break
        old[:] = labels
    if not converged:  # make the labels match the final centres
        _kernels.assign(x, centers, labels)
    return labels, centers, float(_kernels.inertia(x, centers, labels).sum()), it


class KMeans:
    """k-means clustering: Lloyd's algorithm on all cores, greedy k-means++ seeding.

    The same algorithm and stopping rules as scikit-learn's ``KMeans(algorithm="lloyd")``:
    iterate assignment and mean updates until no label changes or the squared shift of the
    centres summed over clusters is at most ``tol`` times the mean per-feature variance of
    ``X``; an empty cluster is re-seeded with the point farthest from its centre. From the
    same initial centres it reaches the same partition (see the tests); it computes
    distances as sums of squared differences, so it needs no centring of the data.

    Parameters
    ----------
    n_clusters : int, default 8
        Number of clusters k.
    init : {"k-means++", "random"} or array of shape (k, n_features), default "k-means++"
        Seeding: greedy k-means++ (the best of ``2 + ln k`` candidates per centre), k
        distinct random rows, or the given centres.
    n_init : int, default 1
        Number of seedings; the run with the lowest inertia is kept (must be 1 when
        ``init`` is an array).
    max_iter : int, default 300
        Maximum Lloyd iterations per run.
    tol : float, default 1e-4
        Relative tolerance on the centre shift (see above).
    random_state : int, numpy.random.Generator or None
        Seed of the seeding; the same seed gives the same clustering.

    Attributes
    ----------
    cluster_centers_ : ndarray of shape (k, n_features)
    labels_ : ndarray of shape (n_samples,)
    inertia_ : float
        Sum of squared distances of the rows to their centres.
    n_iter_ : int
        Lloyd iterations of the kept run.
    feature_names_in_ : list of str or None
        Column names when ``X`` was a DataFrame.

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt.segmentation import KMeans
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (100, 2)), rng.normal(10, 1, (100, 2))])
    >>> km = KMeans(n_clusters=2, random_state=0).fit(X)
    >>> np.bincount(km.labels_).tolist()
    [100, 100]
    >>> km.predict([[9.5, 10.2], [0.3, -0.1]]).tolist() == [km.labels_[150], km.labels_[0]]
    True
    """

    def __init__(
        self,
        n_clusters: int = 8,
        *,
        init: str | npt.ArrayLike = "k-means++",
        n_init: int = 1,
        max_iter: int = 300,
        tol: float = 1e-4,
        random_state: SeedLike = None,
    ) -> None:
        self.n_clusters = n_clusters
        self.init = init
        self.n_init = n_init
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state

    def _initial_centers(self, x: FloatArray, rng: np.random.Generator) -> FloatArray:
        k = self.n_clusters
        if isinstance(self.init, str):
            if self.init == "k-means++":
                return _kmeans_plusplus(x, k, rng)
            if self.init == "random":
                return x[rng.choice(x.shape[0], size=k, replace=False)].copy()
            raise InvalidParameterError(
                format_message(
                    "init",
                    "be 'k-means++', 'random' or an array of initial centres",
                    repr(self.init),
                    "",
                )
            )
        centers = as_float_array(self.init, "init", ndim=2)
        if centers.shape != (k, x.shape[1]):
            raise InvalidParameterError(
                format_message(
                    "init",
                    f"have shape (n_clusters, n_features) = ({k}, {x.shape[1]})",
                    f"shape {centers.shape}",
                    "Pass one row per cluster with the columns of X.",
                )
            )
        return centers

    def fit(self, X: Any) -> KMeans:
        """Cluster the rows of ``X`` (array or DataFrame of numbers, no NaN).

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=1).fit(np.array([[0.0], [0.1], [5.0], [5.2]]))
        >>> round(km.inertia_, 3)
        0.025
        """
        k = check_int(self.n_clusters, "n_clusters", low=1)
        n_init = check_int(self.n_init, "n_init", low=1)
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        tol = check_interval(self.tol, "tol", low=0)
        rng = check_random_state(self.random_state)
        x, names = _as_matrix(X)
        if x.shape[0] < k:
            raise ValidationError(
                format_message(
                    "X",
                    f"have at least n_clusters={k} rows",
                    f"{x.shape[0]} row(s)",
                    "Use fewer clusters or more data.",
                )
            )
        if not isinstance(self.init, str) and n_init != 1:
            raise InvalidParameterError(
                format_message("n_init", "be 1 when init is an array of centres", repr(n_init), "")
            )
        scaled_tol = float(np.mean(np.var(x, axis=0))) * tol
        best = _lloyd(x, self._initial_centers(x, rng), max_iter, scaled_tol)
        for _ in range(n_init - 1):
            run = _lloyd(x, self._initial_centers(x, rng), max_iter, scaled_tol)
            if run[2] < best[2]:
                best = run
        self.labels_, self.cluster_centers_, self.inertia_, self.n_iter_ = best
        self.feature_names_in_ = names
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "cluster_centers_"):
            raise NotFittedError(
                format_message(
                    "this KMeans", "be fitted first", "an unfitted estimator", "Call fit(X)."
                )
            )

    def predict(self, X: Any) -> IntArray:
        """Index of the nearest fitted centre of every row of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=0).fit(np.array([[0.0], [0.2], [9.0], [9.4]]))
        >>> bool(km.predict([[0.1]])[0] == km.labels_[0])
        True
        """
        self._check_fitted()
        x, _ = _as_matrix(X)
        if x.shape[1] != self.cluster_centers_.shape[1]:
            raise ValidationError(
                format_message(
                    "X",
                    f"have {self.cluster_centers_.shape[1]} columns like the data of fit",
                    f"{x.shape[1]} column(s)",
                    "",
                )
            )
        labels = np.empty(x.shape[0], dtype=np.int64)
        _kernels.assign(x, self.cluster_centers_, labels)
        return labels

    def fit_predict(self, X: Any) -> IntArray:
        """Fit and return ``labels_``.

        Examples
        --------
        >>> import numpy as np
        >>> labels = KMeans(2, random_state=0).fit_predict(np.array([[0.0], [9.0], [0.1]]))
        >>> bool(labels[0] == labels[2] != labels[1])
        True
        """
        labels: IntArray = self.fit(X).labels_
        return labels

    def summary(self) -> pd.DataFrame:
        """One row per cluster: size, share, within-cluster sum of squares and the centre.

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=0).fit(np.array([[0.0], [0.2], [9.0], [9.4]]))
        >>> km.summary()["size"].tolist()
        [2, 2]
        """
        self._check_fitted()
        k = self.cluster_centers_.shape[0]
        sizes = np.bincount(self.labels_, minlength=k)
        names = self.feature_names_in_ or [f"x{i}" for i in range(self.cluster_centers_.shape[1])]
        frame = pd.DataFrame(self.cluster_centers_, columns=names)
        frame.insert(0, "size", sizes)
        frame.insert(1, "share", sizes / sizes.sum())
        frame.index.name = "cluster"
        return frame


@dataclasses.dataclass(frozen=True, slots=True)
class ChooseKResult(ResultMixin):
    """Inertia and sampled silhouette for each k tried by :func:`choose_k`.

    Attributes
    ----------
    ks : ndarray of int
    inertia : ndarray of float
        Within-cluster sum of squares of the fit with each k (falls as k grows).
    silhouette : ndarray of float
        Mean silhouette on the sample (higher is better, in [-1, 1]).
    suggested_k : int
        The k with the highest silhouette (the smallest such k on ties).
    sample_size : int
        Rows the silhouette was computed on.
    """

    ks: IntArray
    inertia: FloatArray
    silhouette: FloatArray
    suggested_k: int
    sample_size: int

    def to_frame(self) -> pd.DataFrame:
        """One row per k.

        Examples
        --------
        >>> import numpy as np
        >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1)) * 10] + np.arange(40)[:, None] / 100
        >>> choose_k(X, ks=[2, 3], random_state=0).to_frame().index.tolist()
        [2, 3]
        """
        return pd.DataFrame(
            {"inertia": self.inertia, "silhouette": self.silhouette},
            index=pd.Index(self.ks, name="k"),
        )


def choose_k(
    X: Any,
    ks: Iterable[int] = range(2, 11),
    *,
    sample_size: int = 10_000,
    random_state: SeedLike = None,
    progress: bool = False,
) -> ChooseKResult:
    """Fit k-means for each k and report inertia and mean silhouette to pick a k.

    The silhouette is quadratic in the number of rows, so it is computed on a uniform
    random sample of ``sample_size`` rows (all rows when there are fewer), with the labels
    of the fit on all rows. The suggested k maximises the silhouette.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Numbers, no NaN.
    ks : iterable of int, default range(2, 11)
        Numbers of clusters to try (each at least 2).
    sample_size : int, default 10000
        Rows for the silhouette.
    random_state : int, numpy.random.Generator or None
        Seed of the k-means++ seedings and of the sample.
    progress : bool, default False
        Show a tqdm progress bar over the ks.

    Returns
    -------
    ChooseKResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> centres = np.array([[0, 0], [6, 0], [0, 6]])
    >>> X = np.vstack([rng.normal(c, 0.5, (200, 2)) for c in centres])
    >>> choose_k(X, ks=range(2, 6), random_state=0).suggested_k
    3
    """
    check_bool(progress, "progress")
    sample_size = check_int(sample_size, "sample_size", low=2)
    try:
        requested = list(ks)
    except TypeError as exc:
        raise InvalidParameterError(
            format_message("ks", "be an iterable of integers", repr(ks), "")
        ) from exc
    k_values = np.array([check_int(k, "ks", low=2) for k in requested], dtype=np.int64)
    if k_values.size == 0:
        raise InvalidParameterError(format_message("ks", "not be empty", repr(ks), ""))
    rng = check_random_state(random_state)
    x, _ = _as_matrix(X)
    m = min(sample_size, x.shape[0])
    sample = np.sort(rng.choice(x.shape[0], size=m, replace=False))
    x_sample = np.ascontiguousarray(x[sample])
    inertias = np.empty(k_values.size)
    silhouettes = np.empty(k_values.size)
    steps: Iterable[int] = range(k_values.size)
    if progress:
        from tqdm.auto import tqdm

        steps = tqdm(steps, desc="choose_k")
    for i in steps:
        k = int(k_values[i])
        km = KMeans(k, random_state=rng).fit(x)
        inertias[i] = km.inertia_
        silhouettes[i] = float(_kernels.silhouette_samples(x_sample, km.labels_[sample], k).mean())
    best = int(k_values[int(np.argmax(silhouettes))])
    return ChooseKResult(k_values, inertias, silhouettes, best, m)
