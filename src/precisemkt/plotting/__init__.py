"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures.
"""

from __future__ import annotations

from precisemkt.plotting._attribution import plot_attribution, plot_transition_matrix

__all__: list[str] = ["plot_attribution", "plot_transition_matrix"]
