"""cross_sell against a plain loop over baskets and rules."""

from __future__ import annotations

import pandas as pd
import pytest

from precisemkt.basket import association_rules, baskets_from_orders, cross_sell, frequent_itemsets
from precisemkt.datasets import make_baskets
from precisemkt.errors import InvalidParameterError


def naive(rules: pd.DataFrame, basket: set[object], n: int) -> list[tuple[object, float, float]]:
    best: dict[object, tuple[float, float, int]] = {}
    for r, (a, c, conf, lift) in enumerate(
        zip(
            rules["antecedent"],
            rules["consequent"],
            rules["confidence"],
            rules["lift"],
            strict=True,
        )
    ):
        if set(a) <= basket:
            for item in c:
                if item not in basket:
                    key = (-conf, -lift, r)
                    if item not in best or key < best[item]:
                        best[item] = key
    ranked = sorted(best.items(), key=lambda kv: (kv[1], kv[0]))[:n]
    return [(item, -k[0], -k[1]) for item, k in ranked]


def test_matches_a_plain_loop_for_many_baskets() -> None:
    sim = make_baskets(3000, 30, mean_basket_size=3.0, n_rules=3, random_state=8)
    b = baskets_from_orders(sim.orders)
    rules = association_rules(frequent_itemsets(b, min_support=0.005), min_threshold=0.1)
    got = cross_sell(rules, b, n=3)
    lists = b.to_lists()
    for pos in range(0, b.n_baskets, 97):
        mine = got[got["basket_id"] == b.basket_ids[pos]]
        expected = naive(rules, set(lists[pos]), 3)
        assert list(zip(mine["item"], mine["confidence"], mine["lift"], strict=True)) == expected
        assert mine["rank"].tolist() == list(range(1, len(expected) + 1))
    one = cross_sell(rules, lists[0], n=3)
    assert one["item"].tolist() == [e[0] for e in naive(rules, set(lists[0]), 3)]
    assert "basket_id" not in one.columns


def test_unknown_items_and_bad_input() -> None:
    rules = pd.DataFrame(
        {"antecedent": [("a",)], "consequent": [("b",)], "confidence": [0.5], "lift": [2.0]}
    )
    assert cross_sell(rules, ["zzz"]).empty
    assert cross_sell(rules, [["a"], ["a", "b"], []])["basket_id"].tolist() == [0]
    with pytest.raises(InvalidParameterError, match="basket"):
        cross_sell(rules, "a")
    with pytest.raises(InvalidParameterError, match="n must"):
        cross_sell(rules, ["a"], n=0)
