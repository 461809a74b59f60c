"""The Online Retail data (totals of the source file) and the basket simulator."""

from __future__ import annotations

import numpy as np
import pytest

from precisemkt.basket import baskets_from_orders, frequent_itemsets
from precisemkt.datasets import load_online_retail, make_baskets
from precisemkt.errors import InvalidParameterError


def test_online_retail() -> None:
    # Online_Retail_Grouped.csv (PyARMViz 0.1.4): 4,372 rows, 269,157 items, 3,896 distinct,
    # no item twice in a row (counted independently with the csv module)
    retail = load_online_retail()
    assert retail.shape == (269_157, 2)
    assert retail["basket_id"].nunique() == 4372
    assert retail["item"].nunique() == 3896
    assert not retail.duplicated().any()
    assert retail["item"].str.contains(",").sum() == 2132  # quoted commas kept


def test_make_baskets_is_seeded_and_has_its_rules() -> None:
    a = make_baskets(20_000, 80, n_rules=3, random_state=3)
    b = make_baskets(20_000, 80, n_rules=3, random_state=3)
    assert a.orders.equals(b.orders)
    baskets = baskets_from_orders(a.orders)
    p = a.item_probability.to_numpy()
    assert p.sum() == pytest.approx(5.0)
    itemsets = frequent_itemsets(baskets, min_support=0.001)
    support = dict(zip(itemsets["itemset"].map(frozenset), itemsets["support"], strict=True))
    for _, rule in a.rules.iterrows():
        both = frozenset(rule["antecedent"] + rule["consequent"])
        ante = frozenset(rule["antecedent"])
        cons = frozenset(rule["consequent"])
        conf = support[both] / support[ante]
        lift = conf / support[cons]
        # binomial standard errors: 4 of them (a false alarm about once in 16,000)
        n_a = support[ante] * 20_000
        assert abs(conf - rule["confidence"]) < 4 * np.sqrt(0.6 * 0.4 / n_a)
        assert abs(support[both] - rule["support"]) < 4 * np.sqrt(rule["support"] / 20_000)
        assert lift == pytest.approx(rule["lift"], rel=0.15)


def test_make_baskets_checks_its_arguments() -> None:
    with pytest.raises(InvalidParameterError, match="n_items"):
        make_baskets(10, 3, n_rules=2)
    with pytest.raises(InvalidParameterError, match="mean_basket_size"):
        make_baskets(10, 4, mean_basket_size=3.0, n_rules=0)
