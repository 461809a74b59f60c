"""Segmentation: RFM segments, value tiers and k-means clusters on CDNOW.

Run with ``python examples/segmentation.py``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from precisemkt.datasets import load_cdnow
from precisemkt.errors import DataQualityWarning
from precisemkt.profiling import profile_customers, rfm_summary
from precisemkt.segmentation import (
    KMeans,
    choose_k,
    rfm_scores,
    rfm_segments,
    segment_profiles,
    value_tiers,
)

tx = load_cdnow()
summary = rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1998-06-30")

# 1. RFM scores 1..5 (ties never split) and named segments from the standard map. Half
#    of CDNOW's customers never bought again, so a frequency score is left unused: the
#    warning says which.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always", DataQualityWarning)
    scores = rfm_scores(summary)
for w in caught:
    print("warning:", str(w.message).split(":")[0])
segments = rfm_segments(scores)
spend = tx.groupby("customer_id")["amount"].sum().loc[summary.index]
table = spend.groupby(segments, observed=False).agg(["size", "sum"])
table["revenue share"] = (table["sum"] / spend.sum()).round(3)
print(table.to_string(), "\n")

# 2. Pareto tiers: the customers who bring 80% of the revenue are "A".
tiers = value_tiers(spend)
print(spend.groupby(tiers, observed=False).agg(["size", "sum"]).to_string(), "\n")

# 3. k-means on standardised log-scaled profile features; choose k by silhouette.
profile = profile_customers(tx, observation_end="1998-06-30")
features = profile[["n_orders", "total_spend", "recency_days", "tenure_days"]]
x = np.column_stack(
    [np.log1p(features[["n_orders", "total_spend"]]), features[["recency_days", "tenure_days"]]]
)
x = (x - x.mean(axis=0)) / x.std(axis=0)
choice = choose_k(x, ks=range(2, 9), random_state=0)
print(choice.to_frame().round(3).to_string(), "\nsuggested k:", choice.best, "\n")
labels = KMeans(choice.best, n_init=5, random_state=0).fit_predict(x)
# KMeans returns an array in the rows' order: give it the customer ids to pair it by id
profiles = segment_profiles(features, pd.Series(labels, index=features.index))
print(profiles[["size", "share", "n_orders", "total_spend", "distinguishing"]].round(2).to_string())
