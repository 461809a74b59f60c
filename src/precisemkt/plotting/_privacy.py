"""Plots for :mod:`precisemkt.privacy`: class sizes and information loss against k."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import numpy as np

from precisemkt._validation import check_int, check_options, format_message
from precisemkt.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from precisemkt.privacy import AnonymityReport, AnonymizationResult

__all__ = ["plot_class_sizes", "plot_information_loss"]

_LOSSES = ("gcp", "discernibility", "c_avg")


def plot_class_sizes(
    report: AnonymityReport, *, k: int | None = None, ax: Axes | None = None
) -> Axes:
    """Bar chart of how many records sit in classes of each size.

    Records in small classes are the ones at risk; a dashed line marks ``k`` (default:
    the report's own k) and bars left of it are drawn in red.

    Parameters
    ----------
    report : AnonymityReport
        From :func:`~precisemkt.privacy.check_anonymity` (or ``result.report``).
    k : int, optional
        Threshold to mark.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.privacy import check_anonymity
    >>> from precisemkt.plotting import plot_class_sizes
    >>> rep = check_anonymity(pd.DataFrame({"z": [1, 1, 2, 3, 3, 3]}), ["z"])
    >>> ax = plot_class_sizes(rep, k=2)
    """
    threshold = report.k if k is None else check_int(k, "k", low=1)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    dist = report.size_distribution()
    sizes = dist.index.to_numpy()
    colors = np.where(sizes < threshold, "tab:red", "tab:blue")
    ax.bar(
        sizes, dist["n_records"].to_numpy(), width=0.8 if sizes.max() < 60 else 1.0, color=colors
    )
    ax.axvline(
        threshold - 0.5, color="black", linestyle="--", linewidth=1, label=f"k = {threshold}"
    )
    if sizes.max() > 20 * max(sizes.min(), 1):
        ax.set_xscale("log")
    ax.set_xlabel("equivalence class size")
    ax.set_ylabel("records")
    ax.set_title(f"{report.n_rows:,} records in {report.n_classes:,} classes")
    ax.legend()
    return ax


def plot_information_loss(
    results: Sequence[AnonymizationResult], *, metric: str = "gcp", ax: Axes | None = None
) -> Axes:
    """Information loss against k, one line per method (and l/t setting).

    Parameters
    ----------
    results : sequence of AnonymizationResult
        Results of :func:`~precisemkt.privacy.anonymize` at several k.
    metric : {"gcp", "discernibility", "c_avg"}, default "gcp"
        Figure of :class:`~precisemkt.privacy.InformationLoss` to plot.
    ax : matplotlib Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.datasets import make_people
    >>> from precisemkt.privacy import anonymize
    >>> from precisemkt.plotting import plot_information_loss
    >>> people = make_people(300, random_state=0)[["age", "sex", "purchase_category"]]
    >>> res = [anonymize(people, ["age", "sex"], k=k, sensitive="purchase_category")
    ...        for k in (2, 5, 10)]
    >>> ax = plot_information_loss(res)
    """
    check_options(metric, "metric", _LOSSES)
    if len(results) == 0:
        raise InvalidParameterError(
            format_message("results", "hold at least one AnonymizationResult", "none", "")
        )
    lines: dict[str, list[tuple[int, float]]] = {}
    for res in results:
        label = (
            res.method
            + (f", l={res.l:g}" if res.l is not None else "")
            + (f", t={res.t:g}" if res.t is not None else "")
        )
        lines.setdefault(label, []).append((res.k, float(getattr(res.information_loss, metric))))
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for label, points in lines.items():
        points.sort()
        ks, values = zip(*points, strict=True)
        style: dict[str, Any] = {"marker": "o", "label": label}
        ax.plot(ks, values, **style)
    ax.set_xlabel("k")
    ax.set_ylabel(
        {
            "gcp": "GCP",
            "discernibility": "discernibility",
            "c_avg": "normalised average class size",
        }[metric]
    )
    if metric == "discernibility":
        ax.set_yscale("log")
    ax.legend()
    return ax
