"""The recommenders: protocol, closed forms, reasons, filters, fallback, partial_fit."""

from __future__ import annotations

import numba
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from precisemkt.datasets import make_interactions
from precisemkt.errors import InvalidParameterError, NotFittedError, ValidationError
from precisemkt.recommend import ALS, EASE, ItemKNN, Popularity, interactions_from_orders
from tests.reference import recommend as ref

MODELS = [
    Popularity(),
    ItemKNN(k=20),
    ItemKNN("jaccard", k=10, shrinkage=2.0),
    ItemKNN("asymmetric_cosine", alpha=0.3),
    ItemKNN("bm25"),
    ItemKNN("tfidf"),
    EASE(l2=10.0),
    ALS(factors=4, iterations=3, random_state=0),
]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_interactions(
        n_users=120, n_items=40, mean_interactions=8, random_state=1
    ).interactions


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_sklearn_protocol(model, log) -> None:
    sklearn_base = pytest.importorskip("sklearn.base")
    copy = sklearn_base.clone(model)
    assert copy.get_params() == model.get_params()
    assert repr(copy) == repr(model)
    with pytest.raises(NotFittedError):
        copy.recommend(["U00001"])
    with pytest.raises(NotFittedError):
        _ = copy.interactions_
    assert copy.fit(log) is copy
    with pytest.raises(InvalidParameterError, match="parameter name"):
        copy.set_params(nope=1)


def test_repr_shows_changed_parameters() -> None:
    assert repr(ItemKNN("bm25", k=5)) == "ItemKNN(similarity='bm25', k=5)"
    assert repr(ALS()) == "ALS()"


@pytest.mark.parametrize("model", MODELS[1:], ids=repr)
def test_because_items_come_from_the_history(model, log) -> None:
    model.fit(log)
    users = log["user_id"].unique()[:30]
    rec = model.recommend(users, n=5)
    history = log.groupby("user_id")["item_id"].agg(set)
    assert (rec.groupby("user_id")["rank"].max() == 5).all()
    for row in rec.itertuples():
        assert set(row.because) <= history[row.user_id]
        assert row.item_id not in history[row.user_id]
        assert len(row.because) <= 3


def _dense(model) -> np.ndarray:
    return model.interactions_.matrix.toarray()


def test_knn_contributions_sum_to_the_score(log) -> None:
    model = ItemKNN(k=15).fit(log)
    r, s = _dense(model), model.similarity_.toarray()
    items = model.interactions_.items
    rec = model.recommend(model.interactions_.users[:20], n=5)
    for row in rec.itertuples():
        u = model.interactions_.users.get_loc(row.user_id)
        i = items.get_loc(row.item_id)
        terms = r[u] * s[:, i]
        assert row.score == pytest.approx(terms.sum(), rel=1e-12)
        assert [items[j] for j in ref.top3(dict(enumerate(terms)))] == list(row.because)


def test_ease_equals_dense_reference(log) -> None:
    model = EASE(l2=25.0).fit(log)
    x = _dense(model)
    np.testing.assert_allclose(model.weights_, ref.ease_weights(x, 25.0), rtol=1e-9, atol=1e-12)
    rec = model.recommend(model.interactions_.users[:20], n=5)
    scores = x @ model.weights_
    for row in rec.itertuples():
        u = model.interactions_.users.get_loc(row.user_id)
        i = model.interactions_.items.get_loc(row.item_id)
        assert row.score == pytest.approx(scores[u, i], rel=1e-10)
        terms = x[u] * model.weights_[:, i]
        assert row.score == pytest.approx(terms.sum(), rel=1e-10)
        assert list(row.because) == [
            model.interactions_.items[j] for j in ref.top3(dict(enumerate(terms)))
        ]


def test_ease_refuses_catalogues_past_its_memory_limit(log, monkeypatch) -> None:
    monkeypatch.setattr(EASE, "MAX_ITEMS", 30)
    with pytest.raises(ValidationError, match=r"at most EASE\.MAX_ITEMS = 30"):
        EASE().fit(log)


def test_als_equals_dense_reference_of_the_same_updates() -> None:
    sim = make_interactions(n_users=25, n_items=12, mean_interactions=4, random_state=2)
    model = ALS(factors=3, regularization=0.1, alpha=5.0, iterations=6, random_state=11)
    model.fit(sim.interactions, weight_col="quantity")
    r = _dense(model)
    x, y, losses = ref.als_fit(r, 3, 0.1, 5.0, 6, 11)
    np.testing.assert_allclose(model.user_factors_, x, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.item_factors_, y, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(model.loss_history_, losses, rtol=1e-8)
    assert np.all(np.diff(model.loss_history_) <= 1e-12 * model.loss_history_[0])


def test_als_scores_are_hu_et_al_sums_over_the_history(log) -> None:
    model = ALS(factors=5, iterations=4, alpha=10.0, random_state=0).fit(log)
    r = _dense(model)
    rec = model.recommend(model.interactions_.users[:15], n=4)
    for row in rec.itertuples():
        u = model.interactions_.users.get_loc(row.user_id)
        i = model.interactions_.items.get_loc(row.item_id)
        contrib = ref.als_contributions(r, model.item_factors_, 0.01, 10.0, u, i)
        assert row.score == pytest.approx(sum(contrib.values()), rel=1e-8, abs=1e-10)
        want = [model.interactions_.items[j] for j in ref.top3(contrib)]
        assert list(row.because) == want


def test_als_loss_never_increases_and_seed_fixes_the_answer(log) -> None:
    a = ALS(factors=8, iterations=8, random_state=3).fit(log)
    assert np.all(np.diff(a.loss_history_) <= 0)
    previous = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        b = ALS(factors=8, iterations=8, random_state=3).fit(log)
    finally:
        numba.set_num_threads(previous)
    np.testing.assert_array_equal(a.user_factors_, b.user_factors_)
    np.testing.assert_array_equal(a.item_factors_, b.item_factors_)


def test_unknown_users_get_the_popularity_fallback(log) -> None:
    model = ItemKNN(k=10).fit(log)
    rec = model.recommend(["nobody", "U00001"], n=3)
    new = rec[rec["user_id"] == "nobody"]
    assert new["reason"].eq("new customer: popular overall").all()
    assert new["because"].map(len).eq(0).all()
    popular = Popularity().fit(log).recommend(["nobody"], n=3)
    assert new["item_id"].tolist() == popular["item_id"].tolist()
    assert rec.loc[rec["user_id"] == "U00001", "reason"].eq("based on your history").all()


def test_fallback_per_group(log) -> None:
    users = log["user_id"].unique()
    groups = pd.Series(np.where(np.arange(users.size) % 2 == 0, "A", "B"), index=users)
    groups["new1"] = "B"
    groups["new2"] = "Z"
    model = EASE(l2=5.0).fit(log)
    rec = model.recommend(["new1", "new2"], n=3, groups=groups)
    b_users = groups.index[groups == "B"]
    expected = (
        log[log["user_id"].isin(b_users)]
        .drop_duplicates(["user_id", "item_id"])["item_id"]
        .value_counts()
    )
    got = rec[rec["user_id"] == "new1"]
    assert got["reason"].eq("new customer: popular in group 'B'").all()
    assert got["score"].tolist() == expected.iloc[:3].astype(float).tolist()
    assert rec.loc[rec["user_id"] == "new2", "reason"].eq("new customer: popular overall").all()


def test_popularity_per_group(log) -> None:
    users = log["user_id"].unique()
    seg = pd.Series(np.where(np.arange(users.size) < 60, "loyal", "new"), index=users)
    data = log.assign(segment=log["user_id"].map(seg))
    model = Popularity(by="segment").fit(data)
    rec = model.recommend([users[70]], n=2)
    assert rec["reason"].eq("popular in group 'new'").all()
    sub = data[data["segment"] == "new"].drop_duplicates(["user_id", "item_id"])
    seen = set(log.loc[log["user_id"] == users[70], "item_id"])
    counts = sub["item_id"].value_counts()
    counts = counts[~counts.index.isin(seen)]
    assert rec["score"].tolist() == counts.iloc[:2].astype(float).tolist()
    bad = data.copy()
    bad.loc[bad.index[0], "segment"] = "other" if bad["segment"].iloc[0] != "other" else "x"
    bad.loc[bad.index[1:], "segment"] = np.where(
        bad["user_id"].iloc[1:] == bad["user_id"].iloc[0], "loyal2", bad["segment"].iloc[1:]
    )
    with pytest.raises(ValidationError, match="one group per user"):
        Popularity(by="segment").fit(bad)


def test_filters_exclude_candidates_boost_and_cap(log) -> None:
    model = ItemKNN(k=40).fit(log)
    user = log["user_id"].iloc[0]
    base = model.recommend(user, n=5)
    top = base["item_id"].iloc[0]
    assert top not in set(model.recommend(user, n=5, exclude=[top])["item_id"])
    pool = base["item_id"].iloc[2:4].tolist()
    assert set(model.recommend(user, n=5, candidates=pool)["item_id"]) == set(pool)
    boosted = model.recommend(user, n=5, boost=pd.Series({base["item_id"].iloc[4]: 1e6}))
    assert boosted["item_id"].iloc[0] == base["item_id"].iloc[4]
    cats = pd.Series("same", index=model.interactions_.items)
    capped = model.recommend(user, n=5, categories=cats, max_per_category=2)
    assert capped["item_id"].tolist() == base["item_id"].iloc[:2].tolist()
    with pytest.raises(InvalidParameterError, match="categories"):
        model.recommend(user, max_per_category=2)
    with pytest.raises(ValidationError, match="non-negative"):
        model.recommend(user, boost=pd.Series({top: -1.0}))


@pytest.mark.parametrize("similarity", ["cosine", "jaccard", "asymmetric_cosine", "bm25"])
def test_knn_partial_fit_equals_a_refit(similarity) -> None:
    rng = np.random.default_rng(4)
    n = 400
    log = pd.DataFrame(
        {
            "user_id": rng.integers(0, 60, n),
            "item_id": rng.integers(0, 30, n),
            "qty": rng.exponential(size=n) + 0.1,
        }
    )
    old, new = log.iloc[:300], log.iloc[300:].copy()
    new.loc[new.index[:5], "item_id"] = 99  # a new item
    new.loc[new.index[5:8], "user_id"] = 1000  # a new user
    inc = ItemKNN(similarity, k=8).fit(old, weight_col="qty").partial_fit(new, weight_col="qty")
    full = ItemKNN(similarity, k=8).fit(pd.concat([old, new]), weight_col="qty")
    a = pd.DataFrame(
        inc.similarity_.toarray(), index=inc.interactions_.items, columns=inc.interactions_.items
    )
    b = pd.DataFrame(
        full.similarity_.toarray(), index=full.interactions_.items, columns=full.interactions_.items
    )
    b = b.loc[a.index, a.columns]
    if similarity in ("jaccard", "asymmetric_cosine"):  # binary: ties may be kept differently
        np.testing.assert_allclose(
            np.sort(a.to_numpy(), axis=1), np.sort(b.to_numpy(), axis=1), rtol=1e-12
        )
    else:
        np.testing.assert_allclose(a.to_numpy(), b.to_numpy(), rtol=1e-12, atol=1e-15)


def test_popularity_partial_fit_equals_a_refit(log) -> None:
    a = Popularity().fit(log.iloc[:500]).partial_fit(log.iloc[500:])
    b = Popularity().fit(log)
    pa = pd.Series(a.item_popularity_, index=a.interactions_.items).sort_index()
    pb = pd.Series(b.item_popularity_, index=b.interactions_.items).sort_index()
    pd.testing.assert_series_equal(pa, pb)


def test_row_order_and_caller_data(log) -> None:
    shuffled = log.sample(frac=1.0, random_state=0)
    before = shuffled.copy()
    a = EASE(l2=5.0).fit(log).recommend(["U00003", "U00007"])
    b = EASE(l2=5.0).fit(shuffled).recommend(["U00003", "U00007"])
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(shuffled, before)
    assert a.columns.tolist() == ["user_id", "rank", "item_id", "score", "because", "reason"]


def test_similar_items(log) -> None:
    for model in (ItemKNN(k=10), EASE(l2=5.0), ALS(factors=4, iterations=2, random_state=0)):
        model.fit(log)
        out = model.similar_items(["I0001", "I0002"], n=3)
        assert out.groupby("item_id")["rank"].max().tolist() == [3, 3]
        assert not (out["item_id"] == out["similar_item_id"]).any()
        assert out.groupby("item_id")["score"].apply(lambda s: s.is_monotonic_decreasing).all()
        with pytest.raises(ValidationError, match="unknown item"):
            model.similar_items("nope")


def test_interactions_from_orders_inputs() -> None:
    orders = pd.DataFrame({"cust": ["b", "a", "a"], "sku": [2, 1, 1], "qty": [1.0, 2.0, 3.0]})
    inter = interactions_from_orders(orders, user_col="cust", item_col="sku", weight_col="qty")
    assert inter.users.tolist() == ["a", "b"]
    assert inter.items.tolist() == [1, 2]
    np.testing.assert_array_equal(inter.matrix.toarray(), [[5.0, 0.0], [0.0, 1.0]])
    m = sp.csr_array(np.array([[0.0, 2.0], [1.0, 0.0]]))
    labelled = interactions_from_orders(m, users=["x", "y"], items=["p", "q"])
    assert labelled.to_frame()["item_id"].tolist() == ["q", "p"]
    fitted = ItemKNN().fit(m)
    assert fitted.interactions_.users.tolist() == [0, 1]
    with pytest.raises(ValidationError, match="'qty' must be positive"):
        interactions_from_orders(
            orders.assign(qty=[1.0, -2.0, 1.0]), user_col="cust", item_col="sku", weight_col="qty"
        )
    with pytest.raises(ValidationError, match="missing values"):
        interactions_from_orders(pd.DataFrame({"user_id": ["a", None], "item_id": [1, 2]}))
    with pytest.raises(ValidationError, match="'user_id'"):
        interactions_from_orders(pd.DataFrame({"customer": ["a"], "item_id": [1]}))
    with pytest.raises(InvalidParameterError, match="weight_col"):
        interactions_from_orders(
            orders, user_col="cust", item_col="sku", weight_col="qty", aggregate="count"
        )
    with pytest.raises(ValidationError, match="one label per row"):
        interactions_from_orders(m, users=["x"])
    with pytest.raises(ValidationError, match="at least one user"):
        ItemKNN().fit(pd.DataFrame({"user_id": [], "item_id": []}))
