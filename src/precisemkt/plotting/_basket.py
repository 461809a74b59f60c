"""Plots for :mod:`precisemkt.basket`: rule scatter, rule graph, co-occurrence heat map."""

from __future__ import annotations

from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Normalize

from precisemkt._validation import check_int, check_options, require_columns, require_frame
from precisemkt.basket import Baskets
from precisemkt.basket._baskets import BasketsLike, as_baskets

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_cooccurrence", "plot_rule_graph", "plot_rules"]


def _short(label: object, width: int = 28) -> str:
    text = str(label).strip()
    return text if len(text) <= width else text[: width - 1] + "…"


def _lift_norm(lift: np.ndarray) -> Normalize:
    if lift.size == 0:
        return Normalize(vmin=0.0, vmax=1.0)
    return Normalize(vmin=float(lift.min()), vmax=float(max(lift.max(), lift.min() + 1e-9)))


def plot_rules(rules: pd.DataFrame, *, ax: Axes | None = None) -> Axes:
    """Scatter of rules: support against confidence, coloured by lift.

    Rules that are not significant (when the frame has a ``significant`` column) are
    drawn hollow, so chance findings with a high lift stand out as such.

    Parameters
    ----------
    rules : pandas.DataFrame
        From :func:`~precisemkt.basket.association_rules`.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.basket import association_rules, frequent_itemsets
    >>> from precisemkt.plotting import plot_rules
    >>> baskets = [["tea", "jam"]] * 5 + [["tea"]] * 5 + [["jam", "milk"]] * 3
    >>> rules = association_rules(frequent_itemsets(baskets, min_support=0.2), min_threshold=0)
    >>> ax = plot_rules(rules)
    """
    frame = require_frame(rules, "rules")
    require_columns(frame, ["support", "confidence", "lift"], name="rules")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    lift = frame["lift"].to_numpy(dtype=float)
    significant = (
        frame["significant"].to_numpy(dtype=bool)
        if "significant" in frame.columns
        else np.ones(len(frame), dtype=bool)
    )
    norm = _lift_norm(lift)
    cmap = plt.get_cmap("viridis")
    x = frame["support"].to_numpy(dtype=float)
    y = frame["confidence"].to_numpy(dtype=float)
    points = ax.scatter(
        x[significant], y[significant], c=lift[significant], cmap=cmap, norm=norm, s=18,
        label="significant",
    )  # fmt: skip
    if (~significant).any():
        ax.scatter(
            x[~significant], y[~significant], facecolors="none",
            edgecolors=cmap(norm(lift[~significant])), s=18, label="not significant",
        )  # fmt: skip
        ax.legend(loc="lower right", fontsize="small")
    ax.figure.colorbar(points, ax=ax, label="lift")
    ax.set_xscale("log")
    ax.set_xlabel("support")
    ax.set_ylabel("confidence")
    ax.set_title(f"{len(frame):,} rules")
    return ax


def plot_rule_graph(
    rules: pd.DataFrame, *, top: int = 10, by: str = "lift", ax: Axes | None = None
) -> Axes:
    """Graph of the top rules: items on a circle, each rule a dot linking its two sides.

    Arrows run from each antecedent item to the rule's dot and from the dot to each
    consequent item; the dot's colour is the rule's lift and its area its support.

    Parameters
    ----------
    rules : pandas.DataFrame
        From :func:`~precisemkt.basket.association_rules`.
    top : int, default 10
        Number of rules drawn (the largest by ``by``).
    by : {"lift", "confidence", "support", "leverage"}
        The measure that picks the rules.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.basket import association_rules, frequent_itemsets
    >>> from precisemkt.plotting import plot_rule_graph
    >>> baskets = [["tea", "jam"]] * 5 + [["tea"]] * 5 + [["jam", "milk"]] * 3
    >>> rules = association_rules(frequent_itemsets(baskets, min_support=0.2), min_threshold=0)
    >>> ax = plot_rule_graph(rules)
    """
    frame = require_frame(rules, "rules")
    require_columns(frame, ["antecedent", "consequent", "support", "lift", by], name="rules")
    k = check_int(top, "top", low=1)
    check_options(by, "by", ("lift", "confidence", "support", "leverage"))
    chosen = frame.nlargest(k, by) if len(frame) else frame
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6))
    items: dict[object, int] = {}
    for side in ("antecedent", "consequent"):
        for itemset in chosen[side]:
            for x in itemset:
                items.setdefault(x, len(items))
    angle = 2 * np.pi * np.arange(len(items)) / max(len(items), 1)
    pos = np.column_stack((np.cos(angle), np.sin(angle)))
    lift = chosen["lift"].to_numpy(dtype=float)
    norm = _lift_norm(lift)
    cmap = plt.get_cmap("viridis")
    support = chosen["support"].to_numpy(dtype=float)
    size = 40 + 400 * support / max(float(np.max(support, initial=0.0)), 1e-300)
    arrow = {"arrowstyle": "-|>", "color": "0.55", "lw": 0.8, "shrinkA": 4, "shrinkB": 6}
    for r, (ante, cons) in enumerate(zip(chosen["antecedent"], chosen["consequent"], strict=True)):
        members = [items[x] for x in (*ante, *cons)]
        centre = 0.55 * pos[members].mean(axis=0)
        for x in ante:
            ax.annotate("", xy=centre, xytext=pos[items[x]], arrowprops=arrow)
        for x in cons:
            ax.annotate("", xy=pos[items[x]], xytext=centre, arrowprops=arrow)
        ax.scatter(
            centre[0], centre[1], s=size[r], color=cmap(norm(lift[r])), zorder=3, edgecolors="white"
        )
    ax.scatter(pos[:, 0], pos[:, 1], s=30, color="black", zorder=4)
    for label, i in items.items():
        ha = "left" if pos[i, 0] >= 0 else "right"
        ax.text(1.08 * pos[i, 0], 1.08 * pos[i, 1], _short(label), ha=ha, va="center", fontsize=8)
    mappable = plt.cm.ScalarMappable(norm=norm, cmap=cmap)
    ax.figure.colorbar(mappable, ax=ax, label="lift", shrink=0.6)
    ax.set_xlim(-1.9, 1.9)
    ax.set_ylim(-1.2, 1.2)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"top {len(chosen)} rules by {by}")
    return ax


def plot_cooccurrence(
    baskets: BasketsLike,
    *,
    top: int = 20,
    scale: str = "lift",
    ax: Axes | None = None,
) -> Axes:
    """Heat map of how often the most popular items are bought together.

    Computed from the sparse baskets (``X[:, top].T @ X[:, top]``); no dense baskets ×
    items matrix is built.

    Parameters
    ----------
    baskets : Baskets or any form :func:`~precisemkt.basket.frequent_itemsets` accepts
        The baskets.
    top : int, default 20
        Number of items shown (the most frequent).
    scale : {"lift", "count", "jaccard"}, default "lift"
        Cell value: pair lift ``n n(ij) / (n(i) n(j))``, the pair count, or
        ``n(ij) / (n(i) + n(j) - n(ij))``. The diagonal is left blank.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.plotting import plot_cooccurrence
    >>> ax = plot_cooccurrence([["tea", "jam"], ["tea", "milk"], ["jam"]], top=3)
    """
    b: Baskets = as_baskets(baskets)
    k = check_int(top, "top", low=2)
    check_options(scale, "scale", ("lift", "count", "jaccard"))
    counts = np.bincount(b.indices, minlength=b.n_items)
    chosen = np.argsort(-counts, kind="stable")[: min(k, b.n_items)]
    x = b.to_sparse()[:, chosen].astype(np.int64)
    pair = (x.T @ x).toarray().astype(float)  # top × top only
    single = np.diag(pair).copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "lift":
            values = pair * b.n_baskets / np.outer(single, single)
        elif scale == "jaccard":
            values = pair / (single[:, None] + single[None, :] - pair)
        else:
            values = pair.copy()
    np.fill_diagonal(values, np.nan)
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 7))
    image = ax.imshow(values, cmap="magma_r")
    labels = [_short(x, 24) for x in b.items[chosen]]
    ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=7)
    ax.set_yticks(range(len(labels)), labels, fontsize=7)
    ax.figure.colorbar(image, ax=ax, label=scale, shrink=0.8)
    ax.set_title(f"co-occurrence of the {len(labels)} most frequent items")
    return ax
