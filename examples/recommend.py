"""Recommend products with reasons, check them offline, and handle new customers.

Run: python examples/recommend.py   (no network needed: the data are simulated)
"""

from __future__ import annotations

import pandas as pd

from precisemkt.datasets import make_interactions
from precisemkt.recommend import (
    ALS,
    EASE,
    ItemKNN,
    Popularity,
    evaluate,
    leave_last_out,
)

sim = make_interactions(n_users=1500, n_items=300, mean_interactions=12, random_state=0)
orders = sim.interactions  # user_id, item_id, quantity, timestamp: an order log as is

# 1. Offline evaluation: each customer's last 2 purchases are held out, every model ranks
#    the full catalogue (no sampled negatives).
train, test = leave_last_out(orders, n=2)
models = {
    "popularity": Popularity(),
    "item-kNN (cosine)": ItemKNN(k=50),
    "EASE": EASE(l2=100.0),
    "ALS": ALS(factors=16, regularization=1.0, alpha=5.0, iterations=8, random_state=0),
}
table = pd.DataFrame(
    {name: evaluate(model, train, test, k=10).metrics.loc[10] for name, model in models.items()}
).T
print(table[["precision", "recall", "ndcg", "hit_rate", "coverage", "novelty"]].round(3))

# 2. Production: fit on everything, recommend with the reasons a customer can be shown.
model = ItemKNN(k=50).fit(orders, weight_col="quantity")
names = pd.Series({item: f"product {item[1:]}" for item in model.interactions_.items})
recs = model.recommend(["U00001", "U00002", "new-customer"], n=3)
for row in recs.itertuples():
    if row.because:
        why = "because you bought " + ", ".join(names[i] for i in row.because)
    else:
        why = row.reason
    print(f"{row.user_id}: #{row.rank} {names[row.item_id]} ({why})")

# 3. Business rules: never the out-of-stock item, favour high-margin items, at most one
#    item per category.
categories = pd.Series({item: int(item[1:]) % 5 for item in model.interactions_.items})
ruled = model.recommend(
    "U00001",
    n=5,
    exclude=[recs["item_id"].iloc[0]],
    boost=pd.Series({"I0007": 1.5}),
    categories=categories,
    max_per_category=1,
)
print(ruled[["rank", "item_id", "score"]])

# 4. A day of new orders folded in without a refit.
model.partial_fit(orders.tail(500), weight_col="quantity")
print(model.similar_items("I0001", n=3))
