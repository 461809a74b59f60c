"""Figures of docs/attribution.md: credit by model, and an order-1 transition matrix."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.attribution import (
    heuristic_attribution,
    markov_attribution,
    paths_from_events,
    shapley_attribution,
)
from precisemkt.datasets import make_journeys
from precisemkt.plotting import plot_attribution, plot_transition_matrix

OUT = Path(__file__).resolve().parents[1] / "figures"
OUT.mkdir(exist_ok=True)

events, _, _ = make_journeys(20_000, channels=5, random_state=7)
paths = paths_from_events(events, value_col="value")
kwargs = {"n_boot": 100, "random_state": 0}
results = {
    **{
        model: heuristic_attribution(paths, model=model, **kwargs)
        for model in ["first_touch", "last_touch", "linear"]
    },
    "markov": markov_attribution(paths, **kwargs),
    "shapley": shapley_attribution(paths, **kwargs),
}
fig, ax = plt.subplots(figsize=(8, 4))
plot_attribution(results, ax=ax)
ax.set_title("Conversions credited per channel (20,000 simulated journeys, 95% bootstrap)")
fig.tight_layout()
fig.savefig(OUT / "attribution_models.png", dpi=110)
plt.close(fig)

fig, ax = plt.subplots(figsize=(7.5, 4.5))
plot_transition_matrix(results["markov"], ax=ax)
fig.tight_layout()
fig.savefig(OUT / "attribution_transitions.png", dpi=110)
plt.close(fig)
