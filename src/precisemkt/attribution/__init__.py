"""Attribution: which channels earned the conversions.

Heuristic models (first/last touch, last non-direct, linear, position-based, time decay),
exact Markov-chain removal effects of any order, and exact Shapley values, all from a
table of paths (``"search > email > direct"`` with conversion and non-conversion counts)
or from event-level touchpoints via :func:`paths_from_events`. Every model returns an
:class:`AttributionResult`; :func:`compare_models` puts them side by side.
"""

from __future__ import annotations

from precisemkt.attribution._compare import compare_models
from precisemkt.attribution._engine import path_counts
from precisemkt.attribution._events import paths_from_events
from precisemkt.attribution._heuristic import heuristic_attribution
from precisemkt.attribution._markov import markov_attribution
from precisemkt.attribution._order import MarkovOrderSelection, choose_markov_order
from precisemkt.attribution._result import AttributionResult
from precisemkt.attribution._shapley import shapley_attribution

__all__ = [
    "AttributionResult",
    "MarkovOrderSelection",
    "choose_markov_order",
    "compare_models",
    "heuristic_attribution",
    "markov_attribution",
    "path_counts",
    "paths_from_events",
    "shapley_attribution",
]
