"""KMeans follows scikit-learn's estimator protocol (issue 13) without importing it.

scikit-learn is a test-only peer here: the checks below import it, precisemkt never does
(``__sklearn_tags__`` imports it only when scikit-learn itself asks for the tags).
"""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from precisemkt._results import Selection
from precisemkt.errors import InvalidParameterError, NotFittedError, ValidationError
from precisemkt.segmentation import ChooseKResult, KMeans, choose_k

sklearn_base = pytest.importorskip("sklearn.base")
sklearn_cluster = pytest.importorskip("sklearn.cluster")
sklearn_checks = pytest.importorskip("sklearn.utils.estimator_checks")
sklearn_pipeline = pytest.importorskip("sklearn.pipeline")
sklearn_preprocessing = pytest.importorskip("sklearn.preprocessing")
sklearn_model_selection = pytest.importorskip("sklearn.model_selection")

#: Checks KMeans is exempted from, and why (everything else in check_estimator passes).
EXPECTED_FAILED_CHECKS = {
    "check_estimators_unfitted": (
        "predict before fit raises precisemkt.errors.NotFittedError (a ValueError and "
        "AttributeError, like scikit-learn's), but the check wants scikit-learn's own class, "
        "which precisemkt cannot raise without importing scikit-learn"
    ),
    "check_dtype_object": (
        "a dict inside X raises precisemkt's ValidationError (a ValueError) with the house "
        "message; the check wants numpy's TypeError text 'argument must be a string or a "
        "number'"
    ),
}


def blobs(n: int = 300, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0], [8.0, 8.0]])
    return centres[rng.integers(4, size=n)] + rng.normal(0, 1, (n, 2))


def test_check_estimator_passes_except_the_listed_checks() -> None:
    with warnings.catch_warnings():
        # scikit-learn notes that KMeans does not inherit from its BaseEstimator (on
        # purpose: no import) and skips the array-API check without SCIPY_ARRAY_API
        warnings.filterwarnings("ignore", message=".*does not inherit from")
        warnings.filterwarnings("ignore", category=sklearn_checks.SkipTestWarning)
        results = sklearn_checks.check_estimator(
            KMeans(), expected_failed_checks=EXPECTED_FAILED_CHECKS, on_fail=None
        )
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    xfailed = {r["check_name"] for r in results if r["status"] == "xfail"}
    assert failed == set()
    assert xfailed == set(EXPECTED_FAILED_CHECKS)
    assert sum(r["status"] == "passed" for r in results) >= 40


def test_get_params_set_params_repr_and_clone() -> None:
    km = KMeans(4, n_init="auto", random_state=0)
    assert km.get_params() == {
        "n_clusters": 4,
        "init": "k-means++",
        "n_init": "auto",
        "max_iter": 300,
        "tol": 1e-4,
        "random_state": 0,
    }
    assert repr(km) == "KMeans(n_clusters=4, n_init='auto', random_state=0)"
    twin = sklearn_base.clone(km)
    assert twin is not km
    assert twin.get_params() == km.get_params()
    with pytest.raises(InvalidParameterError, match="set_params argument"):
        km.set_params(n_cluster=3)


def test_pipeline_with_standard_scaler() -> None:
    x = blobs() * np.array([1.0, 1000.0])
    pipe = sklearn_pipeline.make_pipeline(
        sklearn_preprocessing.StandardScaler(), KMeans(4, random_state=0)
    )
    labels = pipe.fit_predict(x)
    scaled = (x - x.mean(axis=0)) / x.std(axis=0)
    direct = KMeans(4, random_state=0).fit(scaled)
    np.testing.assert_array_equal(labels, direct.labels_)
    np.testing.assert_array_equal(pipe.predict(x), direct.labels_)
    assert pipe.score(x) == pytest.approx(-direct.inertia_, rel=1e-12)


def test_grid_search_over_n_clusters() -> None:
    x = blobs(400)
    search = sklearn_model_selection.GridSearchCV(
        KMeans(random_state=0), {"n_clusters": [2, 3, 4]}, cv=3
    )
    search.fit(x)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all()
    # the score is minus the held-out inertia, which falls as k grows on 4 blobs
    assert list(np.argsort(scores)) == [0, 1, 2]
    assert search.best_params_ == {"n_clusters": 4}


def test_transform_and_score_equal_sklearn_from_the_same_centres() -> None:
    x = blobs(500, seed=3)
    init = x[:4]
    ours = KMeans(4, init=init).fit(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = sklearn_cluster.KMeans(4, init=init, n_init=1).fit(x)
    new = blobs(50, seed=9)
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-9)
    assert ours.score(new) == pytest.approx(theirs.score(new), rel=1e-9)
    np.testing.assert_allclose(ours.fit_transform(x), theirs.fit_transform(x), rtol=1e-9)


def test_n_init_auto_follows_sklearns_rule() -> None:
    x = blobs(200)
    runs = KMeans(4, init="random", n_init="auto", random_state=1).fit(x)
    ten = KMeans(4, init="random", n_init=10, random_state=1).fit(x)
    assert runs.inertia_ == ten.inertia_
    once = KMeans(4, n_init="auto", random_state=1).fit(x)
    assert once.inertia_ == KMeans(4, n_init=1, random_state=1).fit(x).inertia_
    with pytest.raises(InvalidParameterError, match="n_init must be a positive integer or 'auto'"):
        KMeans(2, n_init="many").fit(x)


def test_pandas_input_keeps_feature_names() -> None:
    frame = pd.DataFrame(blobs(200), columns=["recency", "spend"])
    km = KMeans(3, random_state=0).fit(frame)
    assert list(km.feature_names_in_) == ["recency", "spend"]
    assert km.n_features_in_ == 2
    assert list(km.summary().columns[2:]) == ["recency", "spend"]
    with pytest.raises(ValidationError, match="feature names should match"):
        km.predict(frame[["spend", "recency"]])
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        km.predict(frame.to_numpy())
    plain = KMeans(3, random_state=0).fit(frame.to_numpy())
    assert not hasattr(plain, "feature_names_in_")
    with pytest.warns(UserWarning, match="has feature names"):
        plain.predict(frame)


def test_not_fitted_uses_the_one_check() -> None:
    for method in ("predict", "transform", "score"):
        with pytest.raises(NotFittedError, match="KMeans is not fitted yet"):
            getattr(KMeans(2), method)(blobs(10))


def test_huge_and_missing_values_get_typed_errors() -> None:
    x = blobs(50)
    with pytest.raises(ValidationError, match="between 1e-140 and 1e140"):
        KMeans(2).fit(x * 1e300)
    with pytest.raises(ValidationError, match="between 1e-140 and 1e140"):
        choose_k(x * 1e300, ks=[2])
    frame = pd.DataFrame(x, columns=["a", "b"]).astype("Float64")
    frame.iloc[3, 1] = pd.NA
    with pytest.raises(ValidationError, match=r"missing values .*first: row 3") as info:
        KMeans(2).fit(frame)
    assert "contain numbers" not in str(info.value)


def test_choose_k_returns_the_selection_shape() -> None:
    result = choose_k(blobs(300), ks=range(2, 6), random_state=0)
    assert isinstance(result, Selection)
    assert isinstance(result, ChooseKResult)
    assert (result.parameter, result.criterion) == ("k", "silhouette")
    assert result.best == result.suggested_k == 4
    frame = result.to_frame()
    assert frame.index.name == "k"
    assert list(frame.columns) == ["inertia", "silhouette"]
    assert frame["silhouette"].idxmax() == result.best
    np.testing.assert_array_equal(result.ks, [2, 3, 4, 5])


def test_precisemkt_never_imports_sklearn() -> None:
    code = (
        "import sys, numpy as np; from precisemkt.segmentation import KMeans, choose_k; "
        "KMeans(2, random_state=0).fit(np.arange(10.0).reshape(5, 2)).summary(); "
        "print('sklearn' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "False"
