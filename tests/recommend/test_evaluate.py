"""Splits and metrics: each metric against a naive per-user reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.datasets import make_interactions
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.recommend import (
    ALS,
    EASE,
    ItemKNN,
    Popularity,
    evaluate,
    leave_last_out,
    split_by_time,
    split_per_user,
)
from tests.reference import recommend as ref


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_interactions(
        n_users=150, n_items=50, mean_interactions=10, random_state=5
    ).interactions


@pytest.mark.parametrize("model", [Popularity(), ItemKNN(k=20), EASE(l2=20.0)], ids=repr)
def test_metrics_equal_naive_per_user_reference(model, log) -> None:
    train, test = split_per_user(log, test_size=0.3, random_state=0)
    test = pd.concat([test, pd.DataFrame({"user_id": ["stranger"], "item_id": ["I0001"]})])
    res = evaluate(model, train, test, k=(1, 3, 10))
    fitted = type(model)(**model.get_params()).fit(train)
    known_items = set(train["item_id"])
    truth = test[test["item_id"].isin(known_items)].groupby("user_id")["item_id"].agg(set)
    rec = fitted.recommend(truth.index, n=10)
    lists = rec.groupby("user_id")["item_id"].agg(list)
    binary = (fitted.interactions_.matrix.toarray() > 0).astype(float)
    codes = fitted.interactions_.items
    share = binary.mean(axis=0)
    assert res.n_users == len(truth)
    for k in (1, 3, 10):
        rows = [ref.user_metrics(lists.get(u, []), truth[u], k) for u in truth.index]
        for name in ("precision", "recall", "ndcg", "map", "hit_rate", "mrr"):
            assert res.metrics.loc[k, name] == pytest.approx(
                np.mean([r[name] for r in rows]), rel=1e-12
            )
        tops = [lists.get(u, [])[:k] for u in truth.index]
        flat = [codes.get_loc(i) for t in tops for i in t]
        assert res.metrics.loc[k, "coverage"] == pytest.approx(len(set(flat)) / len(codes))
        assert res.metrics.loc[k, "novelty"] == pytest.approx(np.mean(-np.log2(share[flat])))
        ild = [ref.intra_list_distance([codes.get_loc(i) for i in t], binary) for t in tops]
        if k == 1:  # no pairs in a one-item list
            assert np.isnan(res.metrics.loc[k, "diversity"])
            assert np.isnan(ild).all()
        else:
            assert res.metrics.loc[k, "diversity"] == pytest.approx(np.nanmean(ild))


def test_personalised_models_beat_popularity_on_simulated_tastes() -> None:
    """make_interactions draws purchases from known taste factors: models that learn them
    must rank held-out purchases higher than popularity does (NDCG@10, 600 users)."""
    sim = make_interactions(n_users=600, n_items=150, mean_interactions=15, random_state=0)
    train, test = leave_last_out(sim.interactions, n=3)
    ndcg = {
        name: evaluate(model, train, test, k=10).metrics.loc[10, "ndcg"]
        for name, model in {
            "pop": Popularity(),
            "knn": ItemKNN(k=50),
            "ease": EASE(l2=50.0),
            "als": ALS(factors=8, regularization=1.0, alpha=5.0, random_state=0),
        }.items()
    }
    for name in ("knn", "ease", "als"):
        assert ndcg[name] > 1.2 * ndcg["pop"], ndcg


def test_splits(log) -> None:
    train, test = split_by_time(log, test_size=0.25)
    assert len(train) + len(test) == len(log)
    assert train["timestamp"].max() < test["timestamp"].min()
    assert len(test) == pytest.approx(0.25 * len(log), abs=2)
    cut = log["timestamp"].iloc[100]
    tr, te = split_by_time(log, cut)
    assert (te["timestamp"] >= cut).all()
    assert (tr["timestamp"] < cut).all()

    train, test = leave_last_out(log, n=2)
    last = log.sort_values("timestamp").groupby("user_id").tail(2)
    sizes = log.groupby("user_id").size()
    expected = last[last["user_id"].map(sizes) > 2]
    assert sorted(test.index) == sorted(expected.index)

    train, test = split_per_user(log, test_size=0.3, random_state=1)
    sizes = log.groupby("user_id").size()
    held = test.groupby("user_id").size().reindex(sizes.index, fill_value=0)
    assert (held == np.minimum(np.round(0.3 * sizes), sizes - 1)).all()
    again = split_per_user(log, test_size=0.3, random_state=1)[1]
    pd.testing.assert_frame_equal(test, again)


def test_evaluation_errors(log) -> None:
    with pytest.raises(ValidationError, match="'timestamp'"):
        split_by_time(log.drop(columns="timestamp"))
    with pytest.raises(InvalidParameterError, match="test_size"):
        split_per_user(log, test_size=1.5)
    train, test = leave_last_out(log)
    with pytest.raises(ValidationError, match="items seen in train"):
        evaluate(ItemKNN(), train, test.assign(item_id="unknown"))
    with pytest.raises(InvalidParameterError, match="k must be an integer"):
        evaluate(ItemKNN(), train, test, k=(0,))
