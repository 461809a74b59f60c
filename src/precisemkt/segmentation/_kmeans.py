"""k-means (Lloyd's algorithm with greedy k-means++ seeding) and choosing k."""

from __future__ import annotations

import dataclasses
import importlib
import warnings
from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import numpy.typing as npt
import pandas as pd

from precisemkt._estimator import Estimator, check_fitted
from precisemkt._results import Selection
from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    as_float_array,
    check_bool,
    check_int,
    check_interval,
    check_random_state,
    format_message,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.segmentation import _kernels
from precisemkt.segmentation._numbers import check_no_missing

__all__ = ["ChooseKResult", "KMeans", "choose_k"]


#: Largest magnitude of a feature value: squared distances summed over rows and features
#: must stay finite (and, at the other end, not vanish), so values are kept in
#: [1e-140, 1e140] in absolute value (0 is always fine).
_MAX_MAGNITUDE = 1e140
_MIN_MAGNITUDE = 1e-140


def _feature_names(data: Any) -> Any:
    """Column names of a DataFrame whose columns are all strings (as scikit-learn keeps
    them), else ``None``."""
    if isinstance(data, pd.DataFrame) and all(isinstance(c, str) for c in data.columns):
        return np.asarray(data.columns, dtype=object)
    return None


def _as_matrix(data: Any, name: str = "X") -> FloatArray:
    """A C-contiguous float64 view (a copy only when needed: the data are never written)
    of a 2-D input of finite numbers whose squared distances fit in float64."""
    check_no_missing(data, name)
    try:
        raw = np.asarray(data)
    except (TypeError, ValueError):
        raw = None
    if raw is not None and raw.dtype.kind == "c":
        raise ValidationError(
            format_message(
                name,
                "hold real numbers",
                "complex values",
                "Complex data not supported: take .real or abs() first.",
            )
        )
    try:
        x = np.ascontiguousarray(data if raw is None else raw, dtype=np.float64)
    except (TypeError, ValueError):
        x = as_float_array(data, name, ndim=2)  # raises the house message
    if x.ndim != 2:
        raise ValidationError(
            format_message(
                name,
                "be 2-dimensional (rows x features)",
                f"an array of shape {x.shape}",
                "Reshape your data: X.reshape(-1, 1) for a single feature, "
                "X.reshape(1, -1) for a single row.",
            )
        )
    if x.shape[1] == 0:
        raise ValidationError(
            format_message(
                name,
                "have at least one feature",
                f"0 feature(s) (shape={x.shape}) while a minimum of 1 is required",
                "Select the columns to cluster on.",
            )
        )
    if not np.isfinite(x).all():
        as_float_array(x, name, ndim=2)  # raises the house message naming NaN or inf
    largest = float(np.abs(x).max(initial=0.0))
    if largest > _MAX_MAGNITUDE or 0.0 < largest < _MIN_MAGNITUDE:
        raise ValidationError(
            format_message(
                name,
                "have values between 1e-140 and 1e140 in absolute value (squared distances "
                "must fit in float64)",
                f"a largest magnitude of {largest:.3g}",
                "Standardise the features first, e.g. "
                "make_pipeline(StandardScaler(), KMeans(k)), or change their unit.",
            )
        )
    return x


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


class KMeans(Estimator):
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
    n_init : int or "auto", default 1
        Number of seedings; the run with the lowest inertia is kept (must be 1 when
        ``init`` is an array). ``"auto"`` is scikit-learn's rule: 1 run for
        ``"k-means++"`` and an array, 10 for ``"random"``.
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
    n_features_in_ : int
        Number of features (columns) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names, only when ``X`` was a DataFrame with string column names (as in
        scikit-learn); ``predict``, ``transform`` and ``score`` then check that the columns
        match.

    Notes
    -----
    It follows scikit-learn's estimator protocol without importing it: ``get_params`` /
    ``set_params``, ``clone``, ``fit(X, y=None)``, ``fit_predict``, ``predict``,
    ``transform`` (distances to the centres) and ``score`` (minus the inertia), so it works
    in ``make_pipeline(StandardScaler(), KMeans(4))`` and ``GridSearchCV``, and passes
    ``sklearn.utils.estimator_checks.check_estimator`` (see the tests for the checks it
    is exempted from and why). Feature values must lie within 1e-140..1e140 in absolute
    value (squared distances must fit in float64); standardise wilder features first.

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
        n_init: int | str = 1,
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
                    show_value(self.init),
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

    def _n_init(self) -> int:
        if isinstance(self.n_init, str):
            if self.n_init != "auto":
                raise InvalidParameterError(
                    format_message(
                        "n_init", "be a positive integer or 'auto'", show_value(self.n_init), ""
                    )
                )
            return 10 if isinstance(self.init, str) and self.init == "random" else 1
        return check_int(self.n_init, "n_init", low=1)

    def fit(self, X: Any, y: Any = None) -> Self:
        """Cluster the rows of ``X`` (array or DataFrame of numbers, no NaN); ``y`` is
        ignored (scikit-learn's signature).

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=1).fit(np.array([[0.0], [0.1], [5.0], [5.2]]))
        >>> round(km.inertia_, 3)
        0.025
        """
        k = check_int(self.n_clusters, "n_clusters", low=1)
        n_init = self._n_init()
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        tol = check_interval(self.tol, "tol", low=0)
        rng = check_random_state(self.random_state)
        x = _as_matrix(X)
        if x.shape[0] < k:
            raise ValidationError(
                format_message(
                    "X",
                    f"have at least n_clusters={k} rows",
                    f"{x.shape[0]} sample(s)",
                    "Use fewer clusters or more data.",
                )
            )
        if not isinstance(self.init, str) and n_init != 1:
            raise InvalidParameterError(
                format_message(
                    "n_init", "be 1 when init is an array of centres", show_value(n_init), ""
                )
            )
        scaled_tol = float(np.mean(np.var(x, axis=0))) * tol
        best = _lloyd(x, self._initial_centers(x, rng), max_iter, scaled_tol)
        for _ in range(n_init - 1):
            run = _lloyd(x, self._initial_centers(x, rng), max_iter, scaled_tol)
            if run[2] < best[2]:
                best = run
        self.labels_, self.cluster_centers_, self.inertia_, self.n_iter_ = best
        self.n_features_in_ = x.shape[1]
        names = _feature_names(X)
        if names is not None:
            self.feature_names_in_ = names
        elif "feature_names_in_" in self.__dict__:
            del self.feature_names_in_
        return self

    def _checked(self, X: Any) -> FloatArray:
        """``X`` as a matrix after checking that the model is fitted and the columns match."""
        check_fitted(self, "cluster_centers_", "call fit(X) first")
        fitted_names = self.__dict__.get("feature_names_in_")
        names = _feature_names(X)
        if fitted_names is not None and names is not None:
            if len(names) != len(fitted_names) or not np.array_equal(names, fitted_names):
                raise ValidationError(
                    format_message(
                        "X",
                        "have the columns of the data of fit, in the same order (The feature "
                        "names should match those that were passed during fit.)",
                        f"columns {list(names)[:8]}",
                        f"Select them with X[{list(fitted_names)[:8]}].",
                    )
                )
        elif fitted_names is not None and names is None:
            warnings.warn(
                "X does not have valid feature names, but KMeans was fitted with feature names",
                UserWarning,
                stacklevel=3,
            )
        elif fitted_names is None and names is not None:
            warnings.warn(
                "X has feature names, but KMeans was fitted without feature names",
                UserWarning,
                stacklevel=3,
            )
        x = _as_matrix(X)
        expected = self.cluster_centers_.shape[1]
        if x.shape[1] != expected:
            raise ValidationError(
                format_message(
                    "X",
                    f"have {expected} columns like the data of fit",
                    f"{x.shape[1]} (X has {x.shape[1]} features, but KMeans is expecting "
                    f"{expected} features as input)",
                    "Pass the same columns as in fit.",
                )
            )
        return x

    def predict(self, X: Any) -> IntArray:
        """Index of the nearest fitted centre of every row of ``X``.

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=0).fit(np.array([[0.0], [0.2], [9.0], [9.4]]))
        >>> bool(km.predict([[0.1]])[0] == km.labels_[0])
        True
        """
        x = self._checked(X)
        labels = np.empty(x.shape[0], dtype=np.int64)
        _kernels.assign(x, self.cluster_centers_, labels)
        return labels

    def fit_predict(self, X: Any, y: Any = None) -> IntArray:
        """Fit and return ``labels_`` (``y`` is ignored).

        Examples
        --------
        >>> import numpy as np
        >>> labels = KMeans(2, random_state=0).fit_predict(np.array([[0.0], [9.0], [0.1]]))
        >>> bool(labels[0] == labels[2] != labels[1])
        True
        """
        labels: IntArray = self.fit(X).labels_
        return labels

    def transform(self, X: Any) -> FloatArray:
        """Euclidean distance of every row of ``X`` to every centre, shape (n, k).

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, init=np.array([[0.0], [10.0]])).fit(np.array([[0.0], [10.0]]))
        >>> km.transform([[3.0]]).tolist()
        [[3.0, 7.0]]
        """
        x = self._checked(X)
        out = np.empty((x.shape[0], self.cluster_centers_.shape[0]))
        for j, centre in enumerate(self.cluster_centers_):
            out[:, j] = np.sqrt(((x - centre) ** 2).sum(axis=1))
        return out

    def fit_transform(self, X: Any, y: Any = None) -> FloatArray:
        """Fit, then return :meth:`transform` of ``X`` (``y`` is ignored).

        Examples
        --------
        >>> import numpy as np
        >>> KMeans(1).fit_transform(np.array([[0.0], [2.0]])).tolist()
        [[1.0], [1.0]]
        """
        return self.fit(X).transform(X)

    def score(self, X: Any, y: Any = None) -> float:
        """Minus the inertia of ``X`` with respect to the fitted centres (higher is better,
        as scikit-learn's ``KMeans.score``); ``y`` is ignored.

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(1).fit(np.array([[0.0], [2.0]]))
        >>> km.score(np.array([[0.0], [2.0]]))
        -2.0
        """
        x = self._checked(X)
        labels = np.empty(x.shape[0], dtype=np.int64)
        _kernels.assign(x, self.cluster_centers_, labels)
        return -float(_kernels.inertia(x, self.cluster_centers_, labels).sum())

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags: a clusterer that needs no ``y`` and refuses NaN.

        Only scikit-learn calls this (its pipelines, searches and checks), so importing it
        here keeps scikit-learn an optional peer: precisemkt itself never imports it.
        """
        utils = importlib.import_module("sklearn.utils")
        return utils.Tags(
            estimator_type="clusterer",
            target_tags=utils.TargetTags(required=False),
            transformer_tags=utils.TransformerTags(),
            input_tags=utils.InputTags(),
        )

    def summary(self) -> pd.DataFrame:
        """One row per cluster: size, share, within-cluster sum of squares and the centre.

        Examples
        --------
        >>> import numpy as np
        >>> km = KMeans(2, random_state=0).fit(np.array([[0.0], [0.2], [9.0], [9.4]]))
        >>> km.summary()["size"].tolist()
        [2, 2]
        """
        check_fitted(self, "cluster_centers_", "call fit(X) first")
        k = self.cluster_centers_.shape[0]
        sizes = np.bincount(self.labels_, minlength=k)
        fitted_names = self.__dict__.get("feature_names_in_")
        names = (
            [str(c) for c in fitted_names]
            if fitted_names is not None
            else [f"x{i}" for i in range(self.cluster_centers_.shape[1])]
        )
        frame = pd.DataFrame(self.cluster_centers_, columns=names)
        frame.insert(0, "size", sizes)
        frame.insert(1, "share", sizes / sizes.sum())
        frame.index.name = "cluster"
        return frame


@dataclasses.dataclass(frozen=True, slots=True)
class ChooseKResult(Selection):
    """The k chosen by :func:`choose_k`: the shared :class:`~precisemkt._results.Selection`
    shape (``parameter="k"``, ``best``, ``criterion="silhouette"``, ``scores``) plus the
    silhouette sample size.

    Attributes
    ----------
    parameter : str
        ``"k"``.
    best : int
        The k with the highest silhouette (the smallest such k on ties).
    criterion : str
        ``"silhouette"``.
    scores : pandas.DataFrame
        One row per k tried (index ``k``): ``inertia`` (within-cluster sum of squares of
        the fit on all rows; falls as k grows) and ``silhouette`` (mean silhouette on the
        sample; higher is better, in [-1, 1]).
    sample_size : int
        Rows the silhouette was computed on.
    """

    sample_size: int

    @property
    def suggested_k(self) -> int:
        """Alias of ``best`` (the name used before results shared one shape).

        Examples
        --------
        >>> import numpy as np
        >>> X = np.r_[np.zeros((20, 1)), np.ones((20, 1)) * 10] + np.arange(40)[:, None] / 100
        >>> choose_k(X, ks=[2, 3], random_state=0).suggested_k
        2
        """
        return self.best

    @property
    def ks(self) -> IntArray:
        """The ks tried."""
        ks: IntArray = self.scores.index.to_numpy(dtype=np.int64)
        return ks

    @property
    def inertia(self) -> FloatArray:
        """Inertia of the fit with each k."""
        values: FloatArray = self.scores["inertia"].to_numpy()
        return values

    @property
    def silhouette(self) -> FloatArray:
        """Mean sampled silhouette of each k."""
        values: FloatArray = self.scores["silhouette"].to_numpy()
        return values


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
        A :class:`~precisemkt._results.Selection`: ``best`` (alias ``suggested_k``) and
        the ``scores`` table (``to_frame()``), one row per k.

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
            format_message("ks", "be an iterable of integers", show_value(ks), "")
        ) from exc
    k_values = np.array([check_int(k, "ks", low=2) for k in requested], dtype=np.int64)
    if k_values.size == 0:
        raise InvalidParameterError(format_message("ks", "not be empty", show_value(ks), ""))
    rng = check_random_state(random_state)
    x = _as_matrix(X)
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
    scores = pd.DataFrame(
        {"inertia": inertias, "silhouette": silhouettes}, index=pd.Index(k_values, name="k")
    )
    return ChooseKResult("k", best, "silhouette", scores, m)
