"""What sells together in the UCI Online Retail data, which of it is more than chance,
and what to suggest to a customer.

Run: python examples/basket.py
"""

from __future__ import annotations

import pandas as pd

from precisemkt.basket import (
    association_rules,
    baskets_from_orders,
    cross_sell,
    frequent_itemsets,
)
from precisemkt.datasets import load_online_retail

pd.set_option("display.width", 120)
pd.set_option("display.max_colwidth", 40)

# 1. 269,157 (customer, product) lines -> 4,372 baskets over 3,896 products, built once.
baskets = baskets_from_orders(load_online_retail(), basket_col="basket_id", item_col="item")
print(baskets)

# 2. Itemsets bought by at least 2% of the customers (mlxtend's definition of support).
itemsets = frequent_itemsets(baskets, min_support=0.02, max_len=3)
print(f"{len(itemsets):,} frequent itemsets; the most common pairs:")
print(itemsets[itemsets["length"] == 2].head(5).to_string(index=False))

# 3. Rules with confidence >= 0.6, tested with Fisher's exact test and Holm's correction
#    over every rule considered, then pruned to the productive ones (Webb 2007).
rules = association_rules(
    itemsets, metric="confidence", min_threshold=0.6, significant_only=True, prune_redundant=True
)
print(f"\n{rules.attrs['n_tested']:,} rules tested; {len(rules):,} significant and productive:")
print(
    rules[["antecedent", "consequent", "confidence", "lift", "lift_ci_low", "lift_ci_high"]]
    .head(8)
    .round(3)
    .to_string(index=False)
)

# 4. What to offer a customer who has the green and the pink regency teacups.
basket = ["GREEN REGENCY TEACUP AND SAUCER", "PINK REGENCY TEACUP AND SAUCER"]
print("\nSuggestions for", basket)
print(cross_sell(rules, basket, n=3).round(3).to_string(index=False))
