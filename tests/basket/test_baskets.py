"""The input forms: every form gives the same baskets; bad input is named; no mutation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from precisemkt.basket import (
    Baskets,
    baskets_from_lists,
    baskets_from_matrix,
    baskets_from_onehot,
    baskets_from_orders,
    frequent_itemsets,
)
from precisemkt.errors import InvalidParameterError, ValidationError

LISTS = [["tea", "jam"], ["jam"], [], ["milk", "tea", "tea"], ["jam", "tea"]]


def itemsets(b: object) -> dict[frozenset[object], int]:
    f = frequent_itemsets(b, min_support=0.2)  # type: ignore[arg-type]
    return dict(zip(f["itemset"].map(frozenset), f["count"], strict=True))


def test_every_form_gives_the_same_baskets() -> None:
    from_lists = baskets_from_lists(LISTS)
    orders = pd.DataFrame(
        [(f"o{b}", item) for b, items in enumerate(LISTS) for item in items],
        columns=["order", "sku"],
    ).sample(frac=1.0, random_state=1)  # shuffled rows
    from_orders = baskets_from_orders(orders, basket_col="order", item_col="sku")
    labels = ["jam", "milk", "tea"]
    dense = np.array([[x in set(b) for x in labels] for b in LISTS], dtype=np.int64) * 3
    from_matrix = baskets_from_matrix(sp.csr_array(dense), items=labels)
    onehot = pd.DataFrame(dense > 0, columns=labels)
    sparse_onehot = onehot.astype(pd.SparseDtype(bool, False))
    expected = itemsets(from_lists)
    assert expected[frozenset({"tea", "jam"})] == 2
    for form in (from_orders, from_matrix, onehot, sparse_onehot, LISTS, sp.csr_matrix(dense > 0)):
        got = itemsets(form)
        if isinstance(form, sp.csr_matrix):
            got = {frozenset(labels[i] for i in k): v for k, v in got.items()}
        assert got == expected
    assert from_lists.to_lists() == [["jam", "tea"], ["jam"], [], ["milk", "tea"], ["jam", "tea"]]
    assert from_lists.n_entries == 7  # the repeated tea counts once


def test_inputs_are_not_mutated_and_baskets_are_read_only() -> None:
    orders = pd.DataFrame({"basket_id": [2, 1, 2], "item": ["b", "a", "a"]})
    copy = orders.copy()
    b = baskets_from_orders(orders)
    pd.testing.assert_frame_equal(orders, copy)
    assert list(b.basket_ids) == [1, 2]
    with pytest.raises(ValueError, match="read-only"):
        b.indices[0] = 5
    assert isinstance(b, Baskets)
    assert repr(b) == "Baskets(n_baskets=2, n_items=2, n_entries=3)"


def test_bad_input_is_named() -> None:
    with pytest.raises(ValidationError, match=r"'item'.*missing"):
        baskets_from_orders(pd.DataFrame({"basket_id": [1, 2], "item": ["a", None]}))
    with pytest.raises(ValidationError, match="column"):
        baskets_from_orders(pd.DataFrame({"order": [1]}))
    with pytest.raises(ValidationError, match="column 'item' must hold True/False"):
        frequent_itemsets(pd.DataFrame({"basket_id": [1], "item": ["a"]}), min_support=0.5)
    with pytest.raises(ValidationError, match="column 'x' must hold True/False or 1/0; got 2"):
        baskets_from_onehot(pd.DataFrame({"x": [0, 2]}))
    with pytest.raises(ValidationError, match="basket 1"):
        baskets_from_lists([["a"], "ab"])
    with pytest.raises(InvalidParameterError, match="baskets must be"):
        frequent_itemsets("abc", min_support=0.5)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="items must have one label per column"):
        baskets_from_matrix(sp.csr_array(np.eye(2)), items=["a"])
    with pytest.raises(InvalidParameterError, match="min_support"):
        frequent_itemsets(LISTS, min_support=0.0)
    with pytest.raises(InvalidParameterError, match="max_itemsets"):
        frequent_itemsets([list(range(16))] * 3, min_support=0.5, max_itemsets=1000)


def test_extreme_inputs() -> None:
    assert frequent_itemsets([[]], min_support=1.0).empty
    one = frequent_itemsets([["only"]], min_support=1.0)
    assert one["itemset"].tolist() == [("only",)]
    assert one.attrs["n_baskets"] == 1
    mixed = frequent_itemsets([[1, "a"], [1, "a"]], min_support=1.0)  # unorderable labels
    assert set(mixed["itemset"].map(frozenset)) == {
        frozenset({1}),
        frozenset({"a"}),
        frozenset({1, "a"}),
    }
