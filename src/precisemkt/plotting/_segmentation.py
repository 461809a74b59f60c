"""Plots of RFM segments, the recency-frequency grid and cluster profiles."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from precisemkt._validation import (
    align_by_index,
    as_float_array,
    check_same_length,
    format_message,
    require_columns,
)
from precisemkt.errors import ValidationError

__all__ = ["plot_rf_heatmap", "plot_rfm_segments", "plot_segment_profiles"]


def _short(value: float) -> str:
    """A cell label: 3 significant digits, thousands as "12.3k"."""
    if abs(value) >= 1000:
        return f"{value / 1000:.3g}k"
    return f"{value:.3g}"


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    new: Axes = plt.subplots(figsize=(7, 4.5))[1]
    return new


def plot_rfm_segments(
    segments: pd.Series,
    revenue: Any = None,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Horizontal bars of each segment's share of customers and of revenue.

    Parameters
    ----------
    segments : pandas.Series
        Segment per customer (e.g. from :func:`~precisemkt.segmentation.rfm_segments`);
        categorical order is kept, otherwise segments are sorted by size.
    revenue : pandas.Series or array-like, optional
        Value per customer; adds the revenue-share bars. A Series is aligned with
        ``segments`` on the customer index (any order; other ids raise); an array is
        taken in row order, which needs ``segments`` to have the default index.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> ax = plot_rfm_segments(pd.Series(["Lost", "Champions", "Lost"]), revenue=[1.0, 10.0, 2.0])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Lost', 'Champions']
    """
    aligned = align_by_index({"segments": segments, "revenue": revenue})
    segments, revenue = aligned.values["segments"], aligned.values["revenue"]
    ax = _axes(ax)
    labels = pd.Series(segments).reset_index(drop=True)
    counts = labels.value_counts(sort=not isinstance(labels.dtype, pd.CategoricalDtype))
    if isinstance(labels.dtype, pd.CategoricalDtype):
        counts = counts.reindex(labels.cat.categories).fillna(0)
    names = [str(n) for n in counts.index]
    y = np.arange(len(names))
    height = 0.4 if revenue is not None else 0.8
    customer_share = counts.to_numpy(dtype=float) / max(len(labels), 1)
    ax.barh(
        y - (height / 2 if revenue is not None else 0), customer_share, height, label="customers"
    )
    if revenue is not None:
        values = as_float_array(revenue, "revenue")
        check_same_length(segments=labels, revenue=values)
        totals = pd.Series(values).groupby(labels.to_numpy()).sum().reindex(counts.index).fillna(0)
        ax.barh(
            y + height / 2, totals.to_numpy() / max(values.sum(), 1e-300), height, label="revenue"
        )
        ax.legend(loc="lower right")
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel("share")
    ax.set_title("RFM segments")
    return ax


def plot_rf_heatmap(
    scores: pd.DataFrame,
    values: Any = None,
    *,
    ax: Axes | None = None,
    cmap: str = "viridis",
) -> Axes:
    """Heatmap of the recency score (rows) by frequency score (columns).

    Each cell shows the number of customers, or with ``values`` their mean value (e.g.
    monetary value or CLV), annotated in the cell.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``r_score`` and ``f_score`` as :func:`~precisemkt.segmentation.rfm_scores` returns.
    values : pandas.Series or array-like, optional
        Per-customer value to average in each cell. A Series is aligned with ``scores`` on
        the customer index; an array is taken in row order (``scores`` must then have the
        default index).
    ax : matplotlib Axes, optional
    cmap : str, default "viridis"

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"r_score": [1, 2, 2], "f_score": [1, 1, 2]})
    >>> ax = plot_rf_heatmap(scores)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('frequency score F', 'recency score R')
    """
    require_columns(scores, ["r_score", "f_score"], name="scores")
    aligned = align_by_index({"scores": scores, "values": values})
    scores, values = aligned.values["scores"], aligned.values["values"]
    ax = _axes(ax)
    r = scores["r_score"].to_numpy(dtype=int)
    f = scores["f_score"].to_numpy(dtype=int)
    if r.size and (r.min() < 1 or f.min() < 1):
        raise ValidationError(
            format_message("scores", "hold scores >= 1", f"min r {r.min()}, f {f.min()}", "")
        )
    bins = int(max(scores.attrs.get("rfm_bins", 0), r.max(initial=1), f.max(initial=1)))
    counts = np.zeros((bins, bins))
    np.add.at(counts, (bins - r, f - 1), 1.0)
    grid = counts
    if values is not None:
        v = as_float_array(values, "values")
        check_same_length(scores=r, values=v)
        sums = np.zeros((bins, bins))
        np.add.at(sums, (bins - r, f - 1), v)
        with np.errstate(invalid="ignore", divide="ignore"):
            grid = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    image = ax.imshow(grid, cmap=cmap, aspect="auto")
    for i in range(bins):
        for j in range(bins):
            if counts[i, j] > 0:
                ax.text(j, i, _short(grid[i, j]), ha="center", va="center", color="w", fontsize=8)
    ax.set_xticks(range(bins), [str(s) for s in range(1, bins + 1)])
    ax.set_yticks(range(bins), [str(s) for s in range(bins, 0, -1)])
    ax.set_xlabel("frequency score F")
    ax.set_ylabel("recency score R")
    ax.set_title("customers" if values is None else "mean value")
    ax.figure.colorbar(image, ax=ax)
    return ax


def plot_segment_profiles(
    profiles: pd.DataFrame,
    *,
    ax: Axes | None = None,
    cmap: str = "RdBu_r",
    limit: float = 2.0,
) -> Axes:
    """Heatmap of each segment's standardised difference from the average customer.

    Parameters
    ----------
    profiles : pandas.DataFrame
        Output of :func:`~precisemkt.segmentation.segment_profiles` (its ``*_z`` columns).
    ax : matplotlib Axes, optional
    cmap : str, default "RdBu_r"
        A diverging colormap (red above average, blue below).
    limit : float, default 2
        Colour scale range in standard deviations, symmetric around 0.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.segmentation import segment_profiles
    >>> p = segment_profiles(pd.DataFrame({"x": [1.0, 2.0, 9.0]}), ["a", "a", "b"])
    >>> plot_segment_profiles(p).get_title()
    'segment profiles (standardised difference from the mean)'
    """
    z_cols = [c for c in profiles.columns if str(c).endswith("_z")]
    if not z_cols:
        raise ValidationError(
            format_message(
                "profiles",
                "have standardised-difference columns '<feature>_z'",
                f"columns {list(profiles.columns)[:8]}",
                "Pass the output of segment_profiles.",
            )
        )
    ax = _axes(ax)
    z = profiles[z_cols].to_numpy(dtype=float)
    image = ax.imshow(z, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")
    for i in range(z.shape[0]):
        for j in range(z.shape[1]):
            ax.text(j, i, f"{z[i, j]:+.1f}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(z_cols)), [str(c)[:-2] for c in z_cols], rotation=30, ha="right")
    sizes = profiles.get("size", None)
    ylabels = [
        f"{name} (n={int(sizes.loc[name]):,})" if sizes is not None else str(name)
        for name in profiles.index
    ]
    ax.set_yticks(range(len(profiles)), ylabels)
    ax.set_title("segment profiles (standardised difference from the mean)")
    ax.figure.colorbar(image, ax=ax, label="standard deviations")
    return ax
