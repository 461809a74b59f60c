"""KMeans and choose_k: scikit-learn oracle, naive kernel references, behaviour and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from precisemkt.errors import InvalidParameterError, NotFittedError, ValidationError
from precisemkt.segmentation import ChooseKResult, KMeans, _kernels, choose_k
from tests.reference import segmentation as ref

sklearn_cluster = pytest.importorskip("sklearn.cluster")
sklearn_metrics = pytest.importorskip("sklearn.metrics")


def blobs(n: int, d: int, k: int, seed: int, spread: float = 1.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, (k, d))
    return centres[rng.integers(k, size=n)] + rng.normal(0, spread, (n, d))


def sklearn_fit(x: np.ndarray, **kwargs: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sklearn_cluster.KMeans(**kwargs).fit(x)


@pytest.mark.parametrize(
    ("n", "d", "k", "spread"), [(3000, 2, 3, 1.0), (5000, 8, 8, 3.0), (20_000, 4, 12, 6.0)]
)
def test_same_initial_centres_same_result_as_sklearn(n: int, d: int, k: int, spread: float) -> None:
    x = blobs(n, d, k, seed=n, spread=spread)
    init = x[np.random.default_rng(1).choice(n, k, replace=False)]
    ours = KMeans(k, init=init).fit(x)
    theirs = sklearn_fit(x, n_clusters=k, init=init, n_init=1)
    # acceptance: inertia within 0.5%; in fact the same partition up to rounding
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=5e-3)
    assert ours.inertia_ == pytest.approx(theirs.inertia_, rel=1e-9)
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_array_equal(ours.labels_, theirs.labels_)
    np.testing.assert_allclose(ours.cluster_centers_, theirs.cluster_centers_, rtol=1e-9, atol=1e-9)


def test_kmeans_plusplus_is_as_good_as_sklearns() -> None:
    # the greedy k-means++ of both libraries; average final inertia over 10 seeds each
    x = blobs(4000, 5, 10, seed=3, spread=2.5)
    ours = np.mean([KMeans(10, random_state=s).fit(x).inertia_ for s in range(10)])
    theirs = np.mean(
        [sklearn_fit(x, n_clusters=10, n_init=1, random_state=s).inertia_ for s in range(10)]
    )
    assert ours == pytest.approx(theirs, rel=0.02)


def test_same_seed_same_answer_and_input_unchanged() -> None:
    x = blobs(2000, 3, 4, seed=0)
    before = x.copy()
    a = KMeans(4, random_state=7, n_init=3).fit(x)
    b = KMeans(4, random_state=np.random.default_rng(7), n_init=3).fit(x)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_
    np.testing.assert_array_equal(x, before)


def test_n_init_keeps_the_best_run() -> None:
    x = blobs(1500, 2, 6, seed=5, spread=2.0)
    single = [KMeans(6, random_state=s, init="random").fit(x).inertia_ for s in range(5)]
    best = KMeans(6, random_state=0, init="random", n_init=5).fit(x).inertia_
    assert best <= max(single)


def test_empty_cluster_is_reseeded_with_the_farthest_point() -> None:
    x = np.array([[0.0], [0.1], [0.2], [10.0]])
    # the third centre is never nearest to any point: sklearn re-seeds it the same way
    init = np.array([[0.0], [10.0], [100.0]])
    ours = KMeans(3, init=init).fit(x)
    theirs = sklearn_fit(x, n_clusters=3, init=init, n_init=1)
    assert ours.inertia_ == pytest.approx(theirs.inertia_)
    assert sorted(np.bincount(ours.labels_, minlength=3)) == sorted(
        np.bincount(theirs.labels_, minlength=3)
    )


def test_predict_fit_predict_summary_and_frames() -> None:
    x = pd.DataFrame(blobs(600, 2, 3, seed=2), columns=["recency", "spend"])
    km = KMeans(3, random_state=0)
    labels = km.fit_predict(x)
    np.testing.assert_array_equal(labels, km.predict(x))
    summary = km.summary()
    assert list(summary.columns) == ["size", "share", "recency", "spend"]
    assert summary["size"].sum() == 600
    assert summary["share"].sum() == pytest.approx(1.0)
    assert list(km.feature_names_in_) == ["recency", "spend"]


def test_one_cluster_and_k_equal_n() -> None:
    x = blobs(50, 2, 2, seed=1)
    one = KMeans(1).fit(x)
    np.testing.assert_allclose(one.cluster_centers_[0], x.mean(axis=0))
    assert one.inertia_ == pytest.approx(((x - x.mean(axis=0)) ** 2).sum())
    every = KMeans(50, random_state=0).fit(x)
    assert every.inertia_ == pytest.approx(0.0, abs=1e-12)


def test_errors() -> None:
    with pytest.raises(NotFittedError, match=r"KMeans is not fitted yet"):
        KMeans(2).predict([[0.0]])
    with pytest.raises(ValidationError, match=r"X must have at least n_clusters=5 rows"):
        KMeans(5).fit(np.zeros((3, 2)))
    with pytest.raises(ValidationError, match=r"X must not contain missing values"):
        KMeans(2).fit([[0.0, 1.0], [np.nan, 2.0], [3.0, 1.0]])
    with pytest.raises(ValidationError, match=r"X must be 2-dimensional"):
        KMeans(2).fit(np.zeros(5))
    with pytest.raises(InvalidParameterError, match=r"init must have shape"):
        KMeans(2, init=np.zeros((3, 2))).fit(np.zeros((5, 2)))
    with pytest.raises(InvalidParameterError, match=r"init must be 'k-means\+\+', 'random'"):
        KMeans(2, init="kmeans").fit(np.zeros((5, 2)))
    with pytest.raises(InvalidParameterError, match=r"n_clusters must be an integer"):
        KMeans(0).fit(np.zeros((5, 2)))
    km = KMeans(2, random_state=0).fit(np.arange(10.0).reshape(5, 2))
    with pytest.raises(ValidationError, match=r"X must have 2 columns like the data of fit"):
        km.predict(np.zeros((2, 3)))


# ---- kernels against the naive references ------------------------------------------------

matrices = st.integers(1, 5).flatmap(
    lambda d: hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 300), st.just(d)),
        elements=st.integers(-20, 20).map(float),
    )
)


@settings(max_examples=40)
@given(matrices, st.integers(1, 6), st.integers(0, 10**6))
def test_lloyd_step_matches_reference(x: np.ndarray, k: int, seed: int) -> None:
    centers = np.random.default_rng(seed).integers(-20, 20, (k, x.shape[1])).astype(float)
    labels = np.empty(len(x), dtype=np.int64)
    part_sums, part_counts = _kernels.lloyd_step(x, centers, labels)
    sums, counts, expected = ref.lloyd_sums(x, centers)
    assert labels.tolist() == expected
    np.testing.assert_array_equal(part_counts.sum(axis=0), counts)
    np.testing.assert_allclose(part_sums.sum(axis=0), sums)  # integer data: exact
    again = np.empty_like(labels)
    _kernels.assign(x, centers, again)
    assert again.tolist() == expected
    assert _kernels.inertia(x, centers, labels).sum() == pytest.approx(
        ref.inertia(x, centers, expected)
    )
    per_row = [
        ref.sq_dist(r, centers[j].tolist()) for r, j in zip(x.tolist(), expected, strict=True)
    ]
    np.testing.assert_allclose(_kernels.distances_to_centers(x, centers, labels), per_row)


@settings(max_examples=40)
@given(matrices, st.integers(1, 4), st.integers(0, 10**6))
def test_candidate_potentials_matches_reference(x: np.ndarray, t: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    candidates = x[rng.integers(len(x), size=t)]
    closest = rng.uniform(0, 50, len(x))
    got = _kernels.candidate_potentials(x, candidates, closest.copy(), False).sum(axis=0)
    np.testing.assert_allclose(got, ref.potentials(x, candidates, closest), rtol=1e-12)
    updated = closest.copy()
    _kernels.candidate_potentials(x, candidates[:1], updated, True)
    np.testing.assert_allclose(updated, np.minimum(closest, ((x - candidates[0]) ** 2).sum(axis=1)))


@settings(max_examples=30)
@given(matrices.filter(lambda x: len(x) <= 60), st.integers(1, 4), st.integers(0, 10**6))
def test_silhouette_matches_reference_and_sklearn(x: np.ndarray, k: int, seed: int) -> None:
    labels = np.random.default_rng(seed).integers(k, size=len(x))
    got = _kernels.silhouette_samples(x, labels, k)
    np.testing.assert_allclose(got, ref.silhouette(x, labels.tolist()), atol=1e-12)
    if 2 <= len(np.unique(labels)) <= len(x) - 1:
        np.testing.assert_allclose(got, sklearn_metrics.silhouette_samples(x, labels), atol=1e-12)


# ---- choose_k --------------------------------------------------------------------------


def test_choose_k_finds_the_true_k() -> None:
    x = blobs(3000, 3, 4, seed=11, spread=0.8)
    result = choose_k(x, ks=range(2, 8), sample_size=1000, random_state=0)
    assert isinstance(result, ChooseKResult)
    assert result.suggested_k == 4
    assert np.all(np.diff(result.inertia) < 0)  # more clusters, less inertia
    assert result.sample_size == 1000
    frame = result.to_frame()
    assert frame.index.tolist() == list(range(2, 8))
    # the sampled silhouette is close to scikit-learn's on the same sample and labels
    km = KMeans(4, random_state=0).fit(x)
    sample = np.random.default_rng(0).choice(len(x), 1000, replace=False)
    ours = _kernels.silhouette_samples(
        np.ascontiguousarray(x[sample]), km.labels_[sample], 4
    ).mean()
    assert ours == pytest.approx(
        sklearn_metrics.silhouette_score(x[sample], km.labels_[sample]), abs=1e-12
    )


def test_choose_k_errors() -> None:
    x = blobs(100, 2, 2, seed=0)
    with pytest.raises(InvalidParameterError, match=r"ks must be an integer in \[2, inf\]"):
        choose_k(x, ks=[1, 2])
    with pytest.raises(InvalidParameterError, match=r"ks must not be empty"):
        choose_k(x, ks=[])
