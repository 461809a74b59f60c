"""Every attribution model side by side."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import pandas as pd

from precisemkt._validation import check_options, format_message, show_value
from precisemkt.attribution._heuristic import HEURISTIC_MODELS, check_models, heuristic_results
from precisemkt.attribution._markov import markov_attribution
from precisemkt.attribution._result import AttributionResult
from precisemkt.attribution._shapley import shapley_attribution
from precisemkt.errors import InvalidParameterError

__all__ = ["ALL_MODELS", "DEFAULT_MODELS", "compare_models"]

#: Models :func:`compare_models` shows by default, in column order.
DEFAULT_MODELS = (*HEURISTIC_MODELS, "markov", "shapley")
#: Every model name :func:`compare_models` understands. ``"shapley"`` is the exact
#: conversions game (Zhao et al. 2018), equal to ``"shapley_simplified"``; the
#: conversion-rate game is only shown when asked for by its own name.
ALL_MODELS = (*DEFAULT_MODELS, "shapley_simplified", "shapley_conversion_rate")
_SHAPLEY = {
    "shapley": ("exact", "conversions"),
    "shapley_simplified": ("simplified", "conversions"),
    "shapley_conversion_rate": ("exact", "conversion_rate"),
}


def compare_models(
    paths: pd.DataFrame,
    *,
    models: Sequence[str] | None = None,
    measure: str = "conversions",
    order: int = 1,
    direct_channel: str | None = "direct",
    position_weights: Sequence[float] = (0.4, 0.2, 0.4),
    half_life: float | str | datetime.timedelta | None = None,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    value_col: str = "value",
    lags_col: str = "touch_lags",
    sep: str = ">",
) -> pd.DataFrame:
    """One table with every model's credit per channel.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey (see :func:`heuristic_attribution`).
    models : sequence of str, optional
        Any of the six heuristic models, ``"markov"`` (exact, of order ``order``),
        ``"shapley"`` (exact, conversions game of Zhao et al. 2018),
        ``"shapley_simplified"`` (its closed form, the same numbers) and
        ``"shapley_conversion_rate"`` (the conversion-rate game; see the caveat in
        :func:`shapley_attribution`). Default: the heuristics, ``"markov"`` and
        ``"shapley"``.
    measure : {"conversions", "value", "share"}
        Which credit fills the table.
    order : int, default 1
        Order of the Markov chain.
    direct_channel, position_weights, half_life
        Settings of the heuristic models (see :func:`heuristic_attribution`).
    path_col, conversions_col, nulls_col, value_col, lags_col : str
        Column names.
    sep : str, default ">"
        Separator between channels in path strings.

    Returns
    -------
    pandas.DataFrame
        Rows: channels; columns: models, in the order asked.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import compare_models
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1],
    ...                       "nulls": [2, 4]})
    >>> table = compare_models(paths, models=["first_touch", "last_touch", "markov"])
    >>> table.round(2).reset_index()
      channel  first_touch  last_touch  markov
    0       a          3.0         0.0    1.33
    1       b          1.0         4.0    2.67
    """
    chosen = check_models(DEFAULT_MODELS if models is None else models, ALL_MODELS)
    check_options(measure, "measure", ("conversions", "value", "share"))
    results: dict[str, AttributionResult] = {}
    heuristics = [m for m in chosen if m in HEURISTIC_MODELS]
    if heuristics:
        results.update(
            heuristic_results(
                paths,
                models=heuristics,
                direct_channel=direct_channel,
                position_weights=position_weights,
                half_life=half_life,
                path_col=path_col,
                conversions_col=conversions_col,
                nulls_col=nulls_col,
                value_col=value_col,
                lags_col=lags_col,
                sep=sep,
            )
        )

    if "markov" in chosen:
        results["markov"] = markov_attribution(
            paths,
            order=order,
            path_col=path_col,
            conversions_col=conversions_col,
            nulls_col=nulls_col,
            value_col=value_col,
            sep=sep,
        )
    for name, (method, game) in _SHAPLEY.items():
        if name in chosen:
            results[name] = shapley_attribution(
                paths,
                method=method,
                value=game,
                path_col=path_col,
                conversions_col=conversions_col,
                nulls_col=nulls_col,
                value_col=value_col,
                sep=sep,
            )
    table = {}
    for model in chosen:
        credit = getattr(results[model], measure)
        if credit is None:
            raise InvalidParameterError(
                format_message(
                    "measure",
                    "be 'conversions' or 'share' when the paths have no value column",
                    show_value(measure),
                    f"Add a {value_col!r} column to compare value.",
                )
            )
        table[model] = credit
    return pd.DataFrame(table)
