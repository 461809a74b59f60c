"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures. Functions are loaded on first use, so
importing this package does not import every domain (or numba).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from precisemkt.plotting._attribution import plot_attribution, plot_transition_matrix
    from precisemkt.plotting._basket import plot_cooccurrence, plot_rule_graph, plot_rules
    from precisemkt.plotting._clv import (
        plot_calibration_vs_holdout,
        plot_cumulative_transactions,
        plot_period_transactions,
        plot_probability_alive_matrix,
    )
    from precisemkt.plotting._experiments import (
        plot_lift_forest,
        plot_posteriors,
        plot_sequential,
    )
    from precisemkt.plotting._privacy import plot_class_sizes, plot_information_loss
    from precisemkt.plotting._recommend import plot_metric_curves, plot_popularity_bias
    from precisemkt.plotting._segmentation import (
        plot_rf_heatmap,
        plot_rfm_segments,
        plot_segment_profiles,
    )

#: Public plotting function -> the private module that defines it.
_HOME = {
    "plot_attribution": "_attribution",
    "plot_transition_matrix": "_attribution",
    "plot_cooccurrence": "_basket",
    "plot_rule_graph": "_basket",
    "plot_rules": "_basket",
    "plot_calibration_vs_holdout": "_clv",
    "plot_cumulative_transactions": "_clv",
    "plot_period_transactions": "_clv",
    "plot_probability_alive_matrix": "_clv",
    "plot_lift_forest": "_experiments",
    "plot_posteriors": "_experiments",
    "plot_sequential": "_experiments",
    "plot_class_sizes": "_privacy",
    "plot_information_loss": "_privacy",
    "plot_metric_curves": "_recommend",
    "plot_popularity_bias": "_recommend",
    "plot_rf_heatmap": "_segmentation",
    "plot_rfm_segments": "_segmentation",
    "plot_segment_profiles": "_segmentation",
}

__all__ = [
    "plot_attribution",
    "plot_calibration_vs_holdout",
    "plot_class_sizes",
    "plot_cooccurrence",
    "plot_cumulative_transactions",
    "plot_information_loss",
    "plot_lift_forest",
    "plot_metric_curves",
    "plot_period_transactions",
    "plot_popularity_bias",
    "plot_posteriors",
    "plot_probability_alive_matrix",
    "plot_rf_heatmap",
    "plot_rfm_segments",
    "plot_rule_graph",
    "plot_rules",
    "plot_segment_profiles",
    "plot_sequential",
    "plot_transition_matrix",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        value = getattr(importlib.import_module(f"precisemkt.plotting.{_HOME[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'precisemkt.plotting' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
