"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures. Functions are loaded on first use, so
importing this package does not import every domain (or numba).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # ``name as name``: re-exported for type checkers (``__all__`` is built)
    from precisemkt.plotting._attribution import plot_attribution as plot_attribution
    from precisemkt.plotting._attribution import plot_transition_matrix as plot_transition_matrix
    from precisemkt.plotting._basket import plot_cooccurrence as plot_cooccurrence
    from precisemkt.plotting._basket import plot_rule_graph as plot_rule_graph
    from precisemkt.plotting._basket import plot_rules as plot_rules
    from precisemkt.plotting._clv import (
        plot_calibration_vs_holdout as plot_calibration_vs_holdout,
    )
    from precisemkt.plotting._clv import (
        plot_cumulative_transactions as plot_cumulative_transactions,
    )
    from precisemkt.plotting._clv import plot_period_transactions as plot_period_transactions
    from precisemkt.plotting._clv import (
        plot_probability_alive_matrix as plot_probability_alive_matrix,
    )
    from precisemkt.plotting._experiments import plot_lift_forest as plot_lift_forest
    from precisemkt.plotting._experiments import plot_posteriors as plot_posteriors
    from precisemkt.plotting._experiments import plot_sequential as plot_sequential
    from precisemkt.plotting._privacy import plot_class_sizes as plot_class_sizes
    from precisemkt.plotting._privacy import plot_information_loss as plot_information_loss
    from precisemkt.plotting._recommend import plot_metric_curves as plot_metric_curves
    from precisemkt.plotting._recommend import plot_popularity_bias as plot_popularity_bias
    from precisemkt.plotting._segmentation import plot_rf_heatmap as plot_rf_heatmap
    from precisemkt.plotting._segmentation import plot_rfm_segments as plot_rfm_segments
    from precisemkt.plotting._segmentation import (
        plot_segment_profiles as plot_segment_profiles,
    )

#: Private module -> the public plotting functions it defines: the one declaration that
#: ``__all__`` and the lazy loader below are built from (keep it in step with the
#: ``TYPE_CHECKING`` imports above, which are there for type checkers only).
_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "_attribution": ("plot_attribution", "plot_transition_matrix"),
    "_basket": ("plot_cooccurrence", "plot_rule_graph", "plot_rules"),
    "_clv": (
        "plot_calibration_vs_holdout",
        "plot_cumulative_transactions",
        "plot_period_transactions",
        "plot_probability_alive_matrix",
    ),
    "_experiments": ("plot_lift_forest", "plot_posteriors", "plot_sequential"),
    "_privacy": ("plot_class_sizes", "plot_information_loss"),
    "_recommend": ("plot_metric_curves", "plot_popularity_bias"),
    "_segmentation": ("plot_rf_heatmap", "plot_rfm_segments", "plot_segment_profiles"),
}

#: Public plotting function -> the private module that defines it.
_HOME = {name: module for module, names in _FUNCTIONS.items() for name in names}

__all__ = sorted(_HOME)


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"precisemkt.plotting.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'precisemkt.plotting' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
