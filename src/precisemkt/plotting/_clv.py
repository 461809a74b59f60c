"""Plots for :mod:`precisemkt.clv`: holdout check, calibration histogram, tracking, P(alive)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from precisemkt._units import time_unit_of
from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError

__all__ = [
    "plot_calibration_vs_holdout",
    "plot_cumulative_transactions",
    "plot_period_transactions",
    "plot_probability_alive_matrix",
]


def _axes(ax: Axes | None, size: tuple[float, float] = (6.0, 3.8)) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=size)
    return ax


def plot_calibration_vs_holdout(evaluation: Any, *, ax: Axes | None = None) -> Axes:
    """Average holdout purchases by calibration frequency: actual and model-predicted.

    Parameters
    ----------
    evaluation : HoldoutEvaluation
        The result of :func:`precisemkt.clv.holdout_evaluation`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.clv import BGNBD, holdout_evaluation
    >>> s = pd.DataFrame({"frequency": [2, 0, 1], "recency": [30.4, 0, 1.7], "T": [38.9] * 3,
    ...                   "frequency_holdout": [1, 0, 0], "duration_holdout": [39.0] * 3})
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> ax = plot_calibration_vs_holdout(holdout_evaluation(bg, s))
    >>> len(ax.lines)
    2
    """
    from precisemkt.clv import HoldoutEvaluation

    if not isinstance(evaluation, HoldoutEvaluation):
        raise InvalidParameterError(
            format_message(
                "evaluation",
                "be a HoldoutEvaluation",
                type(evaluation).__name__,
                "Build it with precisemkt.clv.holdout_evaluation(model, summary).",
            )
        )
    ax = _axes(ax)
    table = evaluation.by_frequency
    pos = np.arange(len(table))
    ax.plot(pos, table["actual"], marker="o", label="actual")
    ax.plot(pos, table["predicted"], marker="s", linestyle="--", label="model")
    ax.set_xticks(pos, list(table.index))
    ax.set_xlabel("purchases in calibration period")
    ax.set_ylabel("average purchases in holdout")
    ax.set_title(f"Holdout check (MAE {evaluation.mae:.3f}, r = {evaluation.correlation:.3f})")
    ax.legend()
    return ax


def plot_period_transactions(
    model: Any,
    frequency: Any,
    T: Any = None,
    *,
    max_frequency: int = 7,
    frequency_col: str = "frequency",
    T_col: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customers by repeat purchases in calibration: actual versus the model's expectation.

    Parameters
    ----------
    model : BGNBD, MBGNBD, ParetoNBD or BGBB
        A fitted model.
    frequency : pandas.DataFrame or array-like
        The ``rfm_summary`` frame, or the calibration repeat purchases.
    T : array-like, optional
        The customers' ages (``n_periods`` for BG/BB); left out with a frame. Series are
        paired with ``frequency`` by customer id.
    max_frequency : int, default 7
        The last bar collects this many purchases and more.
    frequency_col, T_col : str
        Column names in the frame (see
        :func:`precisemkt.clv.repeat_purchase_histogram`).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.clv import BGNBD
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> ax = plot_period_transactions(bg, [0, 0, 1, 3], [38.9] * 4, max_frequency=3)
    >>> len(ax.patches)
    8
    """
    from precisemkt.clv import repeat_purchase_histogram

    table = repeat_purchase_histogram(
        model,
        frequency,
        T,
        max_frequency=max_frequency,
        frequency_col=frequency_col,
        T_col=T_col,
    )
    ax = _axes(ax)
    pos = np.arange(len(table))
    width = 0.4
    ax.bar(pos - width / 2, table["actual"], width, label="actual")
    ax.bar(pos + width / 2, table["expected"], width, label="model")
    ax.set_xticks(pos, list(table.index))
    ax.set_xlabel("repeat purchases in calibration period")
    ax.set_ylabel("customers")
    ax.set_title("Frequency of repeat purchases")
    ax.legend()
    return ax


def plot_cumulative_transactions(
    tracking: pd.DataFrame,
    *,
    calibration_end: float | None = None,
    incremental: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Repeat transactions over time, actual versus model (Fader, Hardie & Lee's tracking).

    Parameters
    ----------
    tracking : pandas.DataFrame
        The result of :func:`precisemkt.clv.tracking_transactions`.
    calibration_end : float, optional
        Time (in the tracking index's unit) where calibration ends; drawn as a line.
    incremental : bool, default False
        Plot transactions per period instead of cumulative ones.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from precisemkt.plotting import plot_cumulative_transactions
    >>> track = pd.DataFrame({"actual": [1.0, 3.0], "expected": [1.2, 2.7]}, index=[1.0, 2.0])
    >>> len(plot_cumulative_transactions(track, calibration_end=1.5).lines)
    3
    """
    if not isinstance(tracking, pd.DataFrame) or not {"actual", "expected"} <= set(
        tracking.columns
    ):
        raise InvalidParameterError(
            format_message(
                "tracking",
                "be a DataFrame with columns 'actual' and 'expected'",
                type(tracking).__name__,
                "Build it with precisemkt.clv.tracking_transactions(...).",
            )
        )
    ax = _axes(ax)
    data = tracking[["actual", "expected"]]
    if incremental:
        data = data.diff().fillna(data.iloc[:1])
    ax.plot(data.index, data["actual"], label="actual")
    ax.plot(data.index, data["expected"], linestyle="--", label="model")
    if calibration_end is not None:
        ax.axvline(calibration_end, color="grey", linestyle=":", label="end of calibration")
    unit = time_unit_of(tracking)
    ax.set_xlabel("time since the first transaction" + (f" ({unit})" if unit is not None else ""))
    ax.set_ylabel(("" if incremental else "cumulative ") + "repeat transactions")
    ax.legend()
    return ax


def plot_probability_alive_matrix(
    model: Any,
    *,
    max_frequency: int | None = None,
    max_recency: float | None = None,
    T: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Heat map of P(alive) over frequency (x axis) and recency (y axis) at age ``T``.

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        A fitted model (or one built with ``from_params``, then ``T`` is required).
    max_frequency, max_recency, T
        Passed to the model's ``probability_alive_matrix``.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from precisemkt.clv import BGNBD
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> ax = plot_probability_alive_matrix(bg, max_frequency=10, T=39)
    >>> ax.get_xlabel()
    'frequency (repeat purchases)'
    """
    from precisemkt.clv._transaction import TransactionModel

    if not isinstance(model, TransactionModel):
        raise InvalidParameterError(
            format_message("model", "be a BGNBD, MBGNBD or ParetoNBD", type(model).__name__, "")
        )
    matrix = model.probability_alive_matrix(max_frequency, max_recency, T)
    ax = _axes(ax, (5.5, 4.5))
    image = ax.imshow(
        matrix.to_numpy(),
        origin="lower",
        aspect="auto",
        vmin=0.0,
        vmax=1.0,
        cmap="viridis",
        extent=(-0.5, matrix.shape[1] - 0.5, -0.5, matrix.shape[0] - 0.5),
    )
    ax.figure.colorbar(image, ax=ax, label="P(alive)")
    unit = model.__dict__.get("time_unit_")
    ax.set_xlabel("frequency (repeat purchases)")
    ax.set_ylabel(f"recency ({unit})" if unit is not None else "recency (model time units)")
    ax.set_title("Probability that a customer is alive")
    return ax
