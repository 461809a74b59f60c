"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures.
"""

from __future__ import annotations

from precisemkt.plotting._privacy import plot_class_sizes, plot_information_loss

__all__: list[str] = ["plot_class_sizes", "plot_information_loss"]
