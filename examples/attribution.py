"""Attribution: which channels earned the conversions?

Simulate touchpoint journeys from a known Markov chain, turn the event log into paths,
and compare heuristic, exact Markov and exact Shapley attribution, with bootstrap
intervals for the Markov credits. Run with ``python examples/attribution.py``.
"""

from __future__ import annotations

from precisemkt.attribution import (
    choose_markov_order,
    compare_models,
    markov_attribution,
    paths_from_events,
)
from precisemkt.datasets import make_journeys

# 1. An event log: one row per touch; the converting touch carries the order value.
events, _, chain = make_journeys(50_000, channels=6, random_state=7)
print(events.head().to_string(), "\n")

# 2. One path per journey (touches up to each conversion; what follows is a null path).
paths = paths_from_events(events, value_col="value", lookback="30D")
print(paths[["path", "conversions", "nulls", "value"]].head().to_string(), "\n")

# 3. Every model side by side (conversions credited to each channel).
print(compare_models(paths).round(1).to_string(), "\n")

# 4. Exact Markov attribution: removal effects, P(conversion), 95% bootstrap intervals.
markov = markov_attribution(paths, n_boot=100, random_state=0)
print(markov.to_frame().round(3).to_string())
observed = paths["conversions"].sum() / len(paths)
print(f"\nP(conversion) = {markov.conversion_probability:.6f} (observed rate {observed:.6f})")

# 5. Does a longer memory predict conversion better out of sample?
selection = choose_markov_order(paths, max_order=3, random_state=0)
print(selection.scores.round(5).to_string())
print(f"best order: {selection.best} (the simulated chain is first-order)")
