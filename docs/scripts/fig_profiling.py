"""Figures of docs/profiling.md: CDNOW lifecycle stages and purchase rhythm."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from precisemkt.datasets import load_cdnow
from precisemkt.profiling import profile_customers

OUT = Path(__file__).resolve().parents[1] / "figures"
OUT.mkdir(exist_ok=True)

profile = profile_customers(load_cdnow(), observation_end="1998-06-30")

# lifecycle stages: customers and their share of the 18 months' spend
stages = profile["lifecycle_stage"]
counts = stages.value_counts(sort=False)
spend = profile.groupby(stages, observed=False)["total_spend"].sum()
fig, ax = plt.subplots(figsize=(7, 3.6))
y = np.arange(len(counts))
ax.barh(y - 0.2, counts / counts.sum(), 0.4, label="customers")
ax.barh(y + 0.2, spend / spend.sum(), 0.4, label="spend since Jan 1997")
ax.set_yticks(y, [str(s) for s in counts.index])
ax.invert_yaxis()
ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(xmax=1.0, decimals=0))
ax.legend(loc="lower right")
ax.set_title("CDNOW sample on 1998-06-30: lifecycle stages")
fig.tight_layout()
fig.savefig(OUT / "profiling_lifecycle.png", dpi=110)
plt.close(fig)

# purchase rhythm: each repeat buyer's 90th-percentile gap against days since last order
repeat = profile[profile["n_orders"] > 1]
fig, ax = plt.subplots(figsize=(7, 4.2))
for stage, group in repeat.groupby("lifecycle_stage", observed=True):
    ax.scatter(group["ipt_p90_days"], group["recency_days"], s=6, alpha=0.6, label=str(stage))
grid = np.linspace(1, repeat["ipt_p90_days"].max(), 50)
for factor, style in [(1, "-"), (2, "--"), (4, ":")]:
    ax.plot(grid, factor * grid, "k" + style, lw=0.8, label=f"recency = {factor} x rhythm")
ax.set_xlabel("rhythm: 90th percentile of the customer's gaps (days)")
ax.set_ylabel("days since last order")
ax.set_ylim(0, 560)
ax.legend(fontsize=7, markerscale=2, ncol=2)
ax.set_title("Each repeat buyer judged against their own rhythm")
fig.tight_layout()
fig.savefig(OUT / "profiling_rhythm.png", dpi=110)
plt.close(fig)
