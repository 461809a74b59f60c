"""Market baskets: what sells together, which of it is more than chance, what to offer.

* :class:`Baskets` holds baskets compactly (CSR, items as codes, labels kept); build it
  from an order log with :func:`baskets_from_orders`, or from lists, a sparse matrix or
  a one-hot frame;
* :func:`frequent_itemsets` finds all, closed or maximal frequent itemsets;
* :func:`association_rules` derives rules with mlxtend's measures plus Fisher's exact
  test, a multiple-testing correction, a lift interval and redundancy pruning;
* :func:`cross_sell` suggests items for baskets, each with the rule behind it.
"""

from __future__ import annotations

from precisemkt.basket._baskets import (
    Baskets,
    baskets_from_lists,
    baskets_from_matrix,
    baskets_from_onehot,
    baskets_from_orders,
)
from precisemkt.basket._crosssell import cross_sell
from precisemkt.basket._itemsets import frequent_itemsets
from precisemkt.basket._rules import MEASURES, association_rules

__all__ = [
    "MEASURES",
    "Baskets",
    "association_rules",
    "baskets_from_lists",
    "baskets_from_matrix",
    "baskets_from_onehot",
    "baskets_from_orders",
    "cross_sell",
    "frequent_itemsets",
]
