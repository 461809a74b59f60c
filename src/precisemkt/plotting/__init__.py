"""Plots for every module (matplotlib only; install the ``plot`` extra).

Every function takes an optional matplotlib ``ax`` and returns the ``Axes`` it drew on,
so plots compose into the user's own figures.
"""

from __future__ import annotations

__all__: list[str] = []
