"""Figures of docs/segmentation.md: CDNOW RFM segments, R x F grid, k-means profiles."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from precisemkt.datasets import load_cdnow
from precisemkt.errors import DataQualityWarning
from precisemkt.plotting import plot_rf_heatmap, plot_rfm_segments, plot_segment_profiles
from precisemkt.profiling import profile_customers, rfm_summary
from precisemkt.segmentation import KMeans, rfm_scores, rfm_segments, segment_profiles

OUT = Path(__file__).resolve().parents[1] / "figures"
OUT.mkdir(exist_ok=True)

tx = load_cdnow()
summary = rfm_summary(tx, freq="D", freq_multiplier=7, observation_end="1998-06-30")
with warnings.catch_warnings():
    warnings.simplefilter("ignore", DataQualityWarning)  # CDNOW's ties (see the docs)
    scores = rfm_scores(summary)
segments = rfm_segments(scores)
revenue = tx.groupby("customer_id")["amount"].sum().loc[summary.index]

fig, ax = plt.subplots(figsize=(7, 4.5))
plot_rfm_segments(segments, revenue, ax=ax)
ax.set_title("CDNOW sample: RFM segments (standard map)")
fig.tight_layout()
fig.savefig(OUT / "segmentation_rfm_segments.png", dpi=110)
plt.close(fig)

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
plot_rf_heatmap(scores, ax=axes[0])
plot_rf_heatmap(scores, values=revenue, ax=axes[1])
axes[0].set_title("customers")
axes[1].set_title("mean spend ($)")
fig.tight_layout()
fig.savefig(OUT / "segmentation_rf_heatmap.png", dpi=110)
plt.close(fig)

profile = profile_customers(tx, observation_end="1998-06-30")
features = profile[["n_orders", "total_spend", "recency_days", "tenure_days"]]
x = np.column_stack(
    [np.log1p(features[["n_orders", "total_spend"]]), features[["recency_days", "tenure_days"]]]
)
x = (x - x.mean(axis=0)) / x.std(axis=0)
labels = KMeans(5, n_init=5, random_state=0).fit_predict(x)
fig, ax = plt.subplots(figsize=(7, 3.8))
profiles = segment_profiles(features, pd.Series(labels, index=features.index))
plot_segment_profiles(profiles, ax=ax)
ax.set_title("k-means (k = 5) on CDNOW profiles: what sets each cluster apart")
fig.tight_layout()
fig.savefig(OUT / "segmentation_profiles.png", dpi=110)
plt.close(fig)
