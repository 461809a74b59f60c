"""Equal to mlxtend 0.25 (run here as the oracle): itemsets, supports, rules, measures.

mlxtend's ``association_rules`` is called with its default ``num_itemsets=1``, with which
its confidence is ``s(AC) / s(A)`` in the same floating-point operations as ours; every
measure is then compared with a relative tolerance of 1e-12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.basket import (
    MEASURES,
    association_rules,
    baskets_from_orders,
    frequent_itemsets,
)
from precisemkt.datasets import load_online_retail, make_baskets

mlxtend = pytest.importorskip("mlxtend", minversion="0.25")
from mlxtend.frequent_patterns import association_rules as mlx_rules  # noqa: E402
from mlxtend.frequent_patterns import fpgrowth  # noqa: E402

MLX_NAME = {
    "antecedent_support": "antecedent support",
    "consequent_support": "consequent support",
}


def onehot(baskets: object) -> pd.DataFrame:
    b = baskets_from_orders(baskets) if isinstance(baskets, pd.DataFrame) else baskets
    dense = b.to_sparse().toarray().astype(bool)  # small test data only
    return pd.DataFrame(dense, columns=list(b.items))


@pytest.fixture(scope="module")
def retail() -> tuple[object, pd.DataFrame]:
    b = baskets_from_orders(load_online_retail())
    return b, onehot(b)


def same_itemsets(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    a = dict(zip(ours["itemset"].map(frozenset), ours["support"], strict=True))
    b = dict(zip(theirs["itemsets"], theirs["support"], strict=True))
    assert a.keys() == b.keys()
    assert all(a[k] == b[k] for k in a)  # same counts over the same n: bit-equal


def same_rules(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    key_o = list(
        zip(ours["antecedent"].map(frozenset), ours["consequent"].map(frozenset), strict=True)
    )
    key_t = list(zip(theirs["antecedents"], theirs["consequents"], strict=True))
    assert len(set(key_o)) == len(key_o)
    assert set(key_o) == set(key_t)
    o = ours.set_axis(pd.MultiIndex.from_tuples(key_o)) if key_o else ours
    t = theirs.set_axis(pd.MultiIndex.from_tuples(key_t)).loc[o.index] if key_t else theirs
    for name in MEASURES:
        np.testing.assert_allclose(
            o[name].to_numpy(), t[MLX_NAME.get(name, name)].to_numpy(), rtol=1e-12, atol=0
        )


@pytest.mark.parametrize("support", [0.05, pytest.param(0.03, marks=pytest.mark.slow)])
def test_online_retail_itemsets_and_rules(
    retail: tuple[object, pd.DataFrame], support: float
) -> None:
    b, hot = retail
    ours = frequent_itemsets(b, min_support=support)  # type: ignore[arg-type]
    theirs = fpgrowth(hot, min_support=support, use_colnames=True)
    same_itemsets(ours, theirs)
    for metric, threshold in [("confidence", 0.5), ("lift", 3.0), ("leverage", 0.01)]:
        same_rules(
            association_rules(ours, metric=metric, min_threshold=threshold),
            mlx_rules(theirs, metric=MLX_NAME.get(metric, metric), min_threshold=threshold),
        )


@pytest.fixture(scope="module")
def generated() -> tuple[object, pd.DataFrame]:
    sim = make_baskets(3000, 40, mean_basket_size=4.0, n_rules=3, random_state=5)
    b = baskets_from_orders(sim.orders)
    return b, onehot(b)


@pytest.fixture(scope="module")
def generated_itemsets(generated: tuple[object, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    b, hot = generated
    ours = frequent_itemsets(b, min_support=0.004)  # type: ignore[arg-type]
    return ours, fpgrowth(hot, min_support=0.004, use_colnames=True)


@pytest.mark.parametrize("max_len", [None, 2, 3])
def test_generated_data_with_max_len(
    generated: tuple[object, pd.DataFrame], max_len: int | None
) -> None:
    b, hot = generated
    ours = frequent_itemsets(b, min_support=0.004, max_len=max_len)  # type: ignore[arg-type]
    theirs = fpgrowth(hot, min_support=0.004, use_colnames=True, max_len=max_len)
    same_itemsets(ours, theirs)


THRESHOLDS = {
    "antecedent_support": [0.05, 0.2],
    "consequent_support": [0.05, 0.2],
    "support": [0.005, 0.02],
    "confidence": [0.1, 0.5],
    "lift": [0.9, 1.5],
    "leverage": [-0.001, 0.002],
    "conviction": [1.0, 1.2],
    "zhangs_metric": [-0.2, 0.3],
    "jaccard": [0.02, 0.1],
    "certainty": [0.0, 0.1],
    "kulczynski": [0.1, 0.3],
}


@pytest.mark.parametrize("metric", MEASURES)
def test_every_metric_and_threshold(
    generated_itemsets: tuple[pd.DataFrame, pd.DataFrame], metric: str
) -> None:
    ours, theirs = generated_itemsets
    for threshold in THRESHOLDS[metric]:
        mine = association_rules(ours, metric=metric, min_threshold=threshold)
        assert len(mine) > 0
        same_rules(
            mine, mlx_rules(theirs, metric=MLX_NAME.get(metric, metric), min_threshold=threshold)
        )
