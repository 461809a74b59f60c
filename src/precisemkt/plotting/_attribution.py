"""Attribution plots: credit per channel by model, and the Markov transition matrix."""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from precisemkt._validation import check_int, check_options, format_message
from precisemkt.attribution import AttributionResult
from precisemkt.errors import InvalidParameterError

__all__ = ["plot_attribution", "plot_transition_matrix"]


def _table(
    results: AttributionResult | Mapping[str, AttributionResult] | pd.DataFrame, measure: str
) -> tuple[pd.DataFrame, dict[str, tuple[pd.Series, pd.Series]]]:
    """Credits as a channels x models frame, plus 95% intervals where replicates exist."""
    if isinstance(results, pd.DataFrame):
        return results, {}
    if isinstance(results, AttributionResult):
        results = {results.model: results}
    if not isinstance(results, Mapping) or not results:
        raise InvalidParameterError(
            format_message(
                "results",
                "be an AttributionResult, a mapping of them or a compare_models() table",
                type(results).__name__,
                "Pass heuristic_attribution(...) or compare_models(...).",
            )
        )
    columns: dict[str, pd.Series] = {}
    intervals: dict[str, tuple[pd.Series, pd.Series]] = {}
    for name, res in results.items():
        credit = getattr(res, measure)
        if credit is None:
            raise InvalidParameterError(
                format_message(
                    "measure",
                    "be 'conversions' or 'share' for results without value",
                    repr(measure),
                    "Attribute a table with a value column to plot value.",
                )
            )
        columns[str(name)] = credit
        if res.bootstrap_conversions is not None and (
            measure != "value" or res.bootstrap_value is not None
        ):
            low, high = res.confidence_interval(0.95, measure=measure)
            intervals[str(name)] = (low, high)
    return pd.DataFrame(columns), intervals


def plot_attribution(
    results: AttributionResult | Mapping[str, AttributionResult] | pd.DataFrame,
    *,
    measure: str = "conversions",
    ax: Axes | None = None,
) -> Axes:
    """Grouped bars: each channel's credit under each model.

    Parameters
    ----------
    results : AttributionResult, mapping of them, or DataFrame
        One result, the mapping :func:`~precisemkt.attribution.heuristic_attribution`
        returns (or any ``{name: result}``), or a :func:`~precisemkt.attribution.compare_models`
        table. Results with bootstrap replicates get 95% interval whiskers.
    measure : {"conversions", "value", "share"}
        Which credit to draw.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.attribution import compare_models
    >>> from precisemkt.plotting import plot_attribution
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1]})
    >>> ax = plot_attribution(compare_models(paths, models=["first_touch", "markov"]))
    >>> ax.get_ylabel()
    'conversions'
    """
    check_options(measure, "measure", ("conversions", "value", "share"))
    table, intervals = _table(results, measure)
    n_models = table.shape[1]
    if ax is None:
        # one bar per channel and model, about 0.25 inch each, within 6 to 14 inches
        width = float(np.clip(2.0 + 0.25 * len(table) * max(1, n_models), 6.0, 14.0))
        _, ax = plt.subplots(figsize=(width, 4.5), layout="constrained")
    width = 0.8 / max(n_models, 1)
    x = np.arange(len(table))
    for i, model in enumerate(table.columns):
        offset = (i - (n_models - 1) / 2) * width
        heights = table[model].to_numpy(dtype=float)
        yerr = None
        if model in intervals:
            low, high = intervals[model]
            yerr = np.vstack(
                [
                    np.clip(heights - low.reindex(table.index).to_numpy(), 0, None),
                    np.clip(high.reindex(table.index).to_numpy() - heights, 0, None),
                ]
            )
        ax.bar(x + offset, heights, width, label=str(model), yerr=yerr, capsize=2)
    ax.set_xticks(x)
    ax.set_xticklabels([str(c) for c in table.index], rotation=30, ha="right")
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_ylabel(measure)
    ax.set_title("Credit by channel and model")
    # outside the bars, one model per line: readable for any number of models
    ax.legend(
        title="model",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize="small",
        frameon=False,
    )
    return ax


def plot_transition_matrix(
    result: AttributionResult,
    *,
    ax: Axes | None = None,
    annotate: bool = True,
    max_states: int = 40,
) -> Axes:
    """Heat map of a Markov result's transition probabilities (rows: from, columns: to).

    Parameters
    ----------
    result : AttributionResult
        A :func:`~precisemkt.attribution.markov_attribution` result.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when omitted.
    annotate : bool, default True
        Write each probability in its cell.
    max_states : int, default 40
        Rows to draw at most. A larger chain (order 2 and up) shows START and its
        ``max_states - 1`` busiest states (most journeys leaving them); transitions into
        the states left out are summed in an ``(other states)`` column, so every row
        still sums to 1.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.attribution import markov_attribution
    >>> from precisemkt.plotting import plot_transition_matrix
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1], "nulls": [2, 4]})
    >>> ax = plot_transition_matrix(markov_attribution(paths))
    >>> ax.get_xlabel()
    'to'
    """
    limit = check_int(max_states, "max_states", low=2)
    matrix = result.transition_matrix
    if matrix is None:
        raise InvalidParameterError(
            format_message(
                "result",
                "be a Markov result (with a transition matrix)",
                f"a {result.model!r} result",
                "Pass markov_attribution(...).",
            )
        )
    rows = list(dict.fromkeys(matrix["from"]))
    n_states = len(rows)
    if n_states > limit:
        # the busiest states (journeys leaving them), START always among them
        traffic = matrix.groupby("from", sort=False)["count"].sum().drop("(start)")
        busiest = set(traffic.sort_values(ascending=False, kind="stable").index[: limit - 1])
        rows = [r for r in rows if r == "(start)" or r in busiest]
    shown = set(rows)
    other = "(other states)"
    targets = matrix["to"].where(matrix["to"].isin(shown | {"(conversion)", "(null)"}), other)
    cols = [r for r in rows if r != "(start)"]
    cols += [other] if (targets == other).any() else []
    cols += ["(conversion)", "(null)"]
    grid = (
        matrix.assign(to=targets)[matrix["from"].isin(shown)]
        .pivot_table(index="from", columns="to", values="probability", aggfunc="sum")
        .reindex(index=rows, columns=cols)
        .fillna(0.0)
    )
    if ax is None:
        size = 1.0 + 0.55 * len(cols)
        _, ax = plt.subplots(figsize=(size + 1.5, 1.0 + 0.55 * len(rows)))
    image = ax.imshow(grid.to_numpy(), cmap="Blues", vmin=0.0, vmax=1.0, aspect="auto")
    ax.figure.colorbar(image, ax=ax, label="transition probability")
    ax.set_xticks(np.arange(len(cols)))
    ax.set_xticklabels(cols, rotation=45, ha="right")
    ax.set_yticks(np.arange(len(rows)))
    ax.set_yticklabels(rows)
    if annotate:
        values = grid.to_numpy()
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if values[i, j] > 0:
                    colour = "white" if values[i, j] > 0.6 else "black"
                    ax.text(
                        j,
                        i,
                        f"{values[i, j]:.2f}",
                        ha="center",
                        va="center",
                        fontsize="x-small",
                        color=colour,
                    )
    ax.set_xlabel("to")
    ax.set_ylabel("from")
    title = f"Markov chain of order {result.parameters.get('order', 1)}"
    if len(rows) < n_states:
        title += f": the {len(rows)} busiest of {n_states} states"
    ax.set_title(title)
    return ax
