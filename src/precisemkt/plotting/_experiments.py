"""Plots for :mod:`precisemkt.experiments`: posteriors, lift forest, sequential paths."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError

__all__ = ["plot_lift_forest", "plot_posteriors", "plot_sequential"]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 3.5))
    return ax


def plot_posteriors(
    result: Any, *, labels: Sequence[str] | None = None, ax: Axes | None = None
) -> Axes:
    """Posterior densities of each arm of one experiment from ``bayes_*``.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.experiments import bayes_proportions
    >>> ax = plot_posteriors(bayes_proportions([120, 150], [1000, 1000]))
    >>> len(ax.lines)
    2
    """
    from precisemkt.experiments._bayes import BayesResult, _Family

    if not isinstance(result, BayesResult) or result.param1.ndim != 1:
        raise InvalidParameterError(
            format_message(
                "result",
                "be one experiment's BayesResult",
                type(result).__name__,
                "Index one experiment first.",
            )
        )
    ax = _axes(ax)
    fam = _Family(result.family, result.param1, result.param2)
    lo = fam.ppf(1e-4, result.param1, result.param2).min()
    hi = fam.ppf(1 - 1e-4, result.param1, result.param2).max()
    x = np.linspace(lo, hi, 400)
    k = result.param1.size
    names = (
        list(labels) if labels is not None else ["control"] + [f"variant {j}" for j in range(1, k)]
    )
    for j in range(k):
        dens = fam.pdf(x, result.param1[j], result.param2[j])
        ax.plot(x, dens, label=f"{names[j]} (P best {result.prob_best[j]:.3f})")
        ax.fill_between(x, dens, alpha=0.15)
    ax.set_xlabel("rate" if result.family == "beta" else "mean")
    ax.set_ylabel("posterior density")
    ax.legend(frameon=False)
    return ax


def plot_lift_forest(
    estimates: Any,
    low: Any,
    high: Any,
    *,
    labels: Sequence[str] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Forest plot of lifts with their intervals (one row per metric or experiment).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> ax = plot_lift_forest([0.02, -0.01], [0.0, -0.03], [0.04, 0.01], labels=["a", "b"])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['a', 'b']
    """
    est, lo, hi = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (estimates, low, high))
    if not (est.shape == lo.shape == hi.shape) or est.ndim != 1:
        raise InvalidParameterError(
            format_message(
                "estimates, low and high",
                "be 1-D of one length",
                f"{est.shape}, {lo.shape}, {hi.shape}",
                "",
            )
        )
    ax = _axes(ax)
    y = np.arange(est.size)[::-1]
    significant = (lo > 0) | (hi < 0)
    colors = ["C3" if flag else "C0" for flag in significant]
    ax.hlines(y, lo, hi, colors=colors, linewidth=2)
    ax.scatter(est, y, color=colors, zorder=3)
    ax.axvline(0.0, color="grey", linestyle="--", linewidth=1)
    ax.set_yticks(y)
    ax.set_yticklabels(list(labels) if labels is not None else [str(i) for i in range(est.size)])
    ax.set_xlabel("lift (variant - control)")
    return ax


def plot_sequential(result: Any, *, experiment: int = 0, ax: Axes | None = None) -> Axes:
    """Sequential path: mSPRT always-valid p-values against alpha, or group-sequential
    z-statistics against the Lan-DeMets boundaries.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.experiments import msprt
    >>> ax = plot_sequential(msprt([[10, 12], [25, 41]], [[100, 100], [200, 200]]))
    >>> ax.get_yscale()
    'log'
    """
    from precisemkt.experiments import GroupSequentialTest, MSPRTResult

    ax = _axes(ax)
    if isinstance(result, MSPRTResult):
        p = result.pvalue.reshape(-1, result.pvalue.shape[-1])[experiment]
        looks = np.arange(1, p.size + 1)
        ax.step(looks, p, where="post", label="always-valid p-value")
        ax.axhline(result.alpha, color="C3", linestyle="--", label=f"alpha = {result.alpha:g}")
        ax.set_yscale("log")
        ax.set_ylabel("p-value")
    elif isinstance(result, GroupSequentialTest) and hasattr(result, "bounds_"):
        z = result.z_.reshape(result.z_.shape[0], -1)[:, experiment]
        t = result.information_fractions_
        finite = np.isfinite(result.bounds_)
        ax.plot(t, z, marker="o", label="z-statistic")
        ax.plot(t[finite], result.bounds_[finite], color="C3", marker="_", label="boundary")
        ax.plot(t[finite], -result.bounds_[finite], color="C3", marker="_")
        ax.set_ylabel("z")
    else:
        raise InvalidParameterError(
            format_message(
                "result",
                "be an MSPRTResult or a GroupSequentialTest with looks",
                type(result).__name__,
                "",
            )
        )
    ax.set_xlabel("look" if isinstance(result, MSPRTResult) else "information fraction")
    ax.legend(frameon=False)
    return ax
