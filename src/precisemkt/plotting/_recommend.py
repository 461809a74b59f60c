"""Plots for :mod:`precisemkt.recommend`: metrics against list length, popularity bias."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from precisemkt._validation import check_options, format_message, require_columns
from precisemkt.errors import InvalidParameterError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from precisemkt.recommend import Interactions, RecommendationMetrics

__all__ = ["plot_metric_curves", "plot_popularity_bias"]

_METRICS = (
    "precision",
    "recall",
    "ndcg",
    "map",
    "hit_rate",
    "mrr",
    "coverage",
    "novelty",
    "diversity",
)


def plot_metric_curves(
    results: Mapping[str, RecommendationMetrics],
    *,
    metric: str = "ndcg",
    ax: Axes | None = None,
) -> Axes:
    """One metric against the list length k, one line per model.

    Parameters
    ----------
    results : mapping of name -> RecommendationMetrics
        From :func:`~precisemkt.recommend.evaluate`, one per model.
    metric : str, default "ndcg"
        A column of ``RecommendationMetrics.metrics``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.datasets import make_interactions
    >>> from precisemkt.recommend import ItemKNN, Popularity, evaluate, leave_last_out
    >>> from precisemkt.plotting import plot_metric_curves
    >>> log = make_interactions(n_users=200, n_items=60, random_state=0).interactions
    >>> train, test = leave_last_out(log)
    >>> res = {m: evaluate(model, train, test, k=(1, 5, 10))
    ...        for m, model in {"popularity": Popularity(), "item-kNN": ItemKNN()}.items()}
    >>> ax = plot_metric_curves(res, metric="recall")
    """
    check_options(metric, "metric", _METRICS)
    if not results:
        raise InvalidParameterError(
            format_message("results", "name at least one model", "an empty mapping", "")
        )
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    for name, res in results.items():
        table = res.metrics
        ax.plot(table.index.to_numpy(), table[metric].to_numpy(), marker="o", label=str(name))
    ax.set_xlabel("list length k")
    ax.set_ylabel(f"{metric}@k")
    ax.set_title(f"{metric} over the full catalogue")
    ax.legend()
    return ax


def plot_popularity_bias(
    interactions: Interactions,
    recommendations: pd.DataFrame,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Share of recommendations against share of users, items ranked by popularity.

    Items are sorted from most to least popular in ``interactions`` (users per item);
    one line shows each item's share of the catalogue's interactions, the other its share
    of the recommendation slots. A recommender with popularity bias puts the second line
    above the first on the left, and near zero in the long tail.

    Parameters
    ----------
    interactions : Interactions
        The training data (``model.interactions_``).
    recommendations : DataFrame
        Output of ``model.recommend`` (column ``item_id``).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.datasets import make_interactions
    >>> from precisemkt.recommend import ItemKNN
    >>> from precisemkt.plotting import plot_popularity_bias
    >>> log = make_interactions(n_users=200, n_items=60, random_state=0).interactions
    >>> model = ItemKNN().fit(log)
    >>> ax = plot_popularity_bias(model.interactions_, model.recommend(log["user_id"].unique()))
    """
    require_columns(recommendations, ["item_id"], name="recommendations")
    users_per_item = np.diff(interactions.matrix.tocsc().indptr).astype(np.float64)
    order = np.argsort(-users_per_item, kind="stable")
    codes = interactions.items.get_indexer(pd.Index(recommendations["item_id"]))
    slots = np.bincount(codes[codes >= 0], minlength=interactions.n_items).astype(np.float64)
    rank = np.arange(1, interactions.n_items + 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(rank, users_per_item[order] / max(users_per_item.sum(), 1.0), label="catalogue")
    ax.plot(rank, slots[order] / max(slots.sum(), 1.0), label="recommended", alpha=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("item popularity rank")
    ax.set_ylabel("share")
    ax.set_title("Popularity bias")
    ax.legend()
    return ax
