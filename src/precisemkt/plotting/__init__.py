"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures.
"""

from __future__ import annotations

from precisemkt.plotting._clv import (
    plot_calibration_vs_holdout,
    plot_cumulative_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
)
from precisemkt.plotting._experiments import plot_lift_forest, plot_posteriors, plot_sequential

__all__: list[str] = [
    "plot_calibration_vs_holdout",
    "plot_cumulative_transactions",
    "plot_lift_forest",
    "plot_period_transactions",
    "plot_posteriors",
    "plot_probability_alive_matrix",
    "plot_sequential",
]
