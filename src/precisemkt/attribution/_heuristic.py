"""Rule-based attribution: first touch, last touch, last non-direct, linear, position-based
and time decay."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, SeedLike
from precisemkt._validation import as_float_array, check_options, format_message, show_value
from precisemkt.attribution import _kernels as K
from precisemkt.attribution._paths import Journeys, parse_paths, weighted_counts
from precisemkt.attribution._result import AttributionResult, build_result, run_bootstrap
from precisemkt.errors import InvalidParameterError

__all__ = ["HEURISTIC_MODELS", "heuristic_attribution", "heuristic_results"]

#: The heuristic models, in the order they are reported.
HEURISTIC_MODELS = (
    "first_touch",
    "last_touch",
    "last_non_direct",
    "linear",
    "position_based",
    "time_decay",
)
_CODES = dict(
    zip(
        HEURISTIC_MODELS,
        (K.FIRST_TOUCH, K.LAST_TOUCH, K.LAST_NON_DIRECT, K.LINEAR, K.POSITION_BASED, K.TIME_DECAY),
        strict=True,
    )
)
_DURATION = (str, pd.Timedelta, datetime.timedelta, np.timedelta64)


def check_models(models: object, allowed: Sequence[str], name: str = "models") -> tuple[str, ...]:
    """A non-empty tuple of distinct names from ``allowed`` (a single string is accepted)."""
    chosen = (models,) if isinstance(models, str) else models
    if not isinstance(chosen, Sequence) or not chosen:
        raise InvalidParameterError(
            format_message(
                name,
                f"be a non-empty sequence of names from {', '.join(allowed)}",
                show_value(models),
                "Pass e.g. models=['linear'].",
            )
        )
    for model in chosen:
        check_options(model, name, allowed)
    if len(set(chosen)) != len(chosen):
        raise InvalidParameterError(
            format_message(name, "not repeat a model", show_value(models), "Drop the duplicates.")
        )
    return tuple(str(m) for m in chosen)


def _position_weights(weights: object) -> tuple[float, float, float]:
    arr = as_float_array(weights, "position_weights")
    if arr.size != 3 or (arr < 0).any() or abs(arr.sum() - 1.0) > 1e-9 or arr[0] + arr[2] <= 0:
        raise InvalidParameterError(
            format_message(
                "position_weights",
                "be three non-negative shares (first, middle, last) summing to 1, with "
                "first + last > 0",
                show_value(weights),
                "The usual U-shape is (0.4, 0.2, 0.4).",
            )
        )
    return float(arr[0]), float(arr[1]), float(arr[2])


def _half_life(half_life: object, timestamps: bool) -> float:
    """The half-life in the lags' unit (days for timestamps, touches for positions)."""
    if half_life is None:
        return 7.0 if timestamps else 1.0
    if isinstance(half_life, _DURATION):
        if not timestamps:
            raise InvalidParameterError(
                format_message(
                    "half_life",
                    "be a number of touches when the paths carry no touch times",
                    show_value(half_life),
                    "Pass a number, or build the paths with paths_from_events() to decay by "
                    "elapsed time.",
                )
            )
        try:
            days = pd.Timedelta(half_life) / pd.Timedelta(days=1)
        except (TypeError, ValueError) as exc:
            raise InvalidParameterError(
                format_message(
                    "half_life", "be a duration", show_value(half_life), "Use e.g. '7D'."
                )
            ) from exc
        half_life = days
    if (
        isinstance(half_life, bool)
        or not isinstance(half_life, int | float | np.number)
        or not np.isfinite(float(half_life))
        or float(half_life) <= 0
    ):
        raise InvalidParameterError(
            format_message(
                "half_life",
                "be a positive number (or a duration such as '7D' with touch times)",
                show_value(half_life),
                "A touch this long before the conversion gets half the weight of one at it.",
            )
        )
    return float(half_life)


def _position_lags(journeys: Journeys) -> FloatArray:
    """Touches between each touch and the path's last touch."""
    lengths = journeys.lengths
    within = np.arange(journeys.tokens.size) - np.repeat(journeys.offsets[:-1], lengths)
    lags: FloatArray = (np.repeat(lengths, lengths) - 1 - within).astype(np.float64)
    return lags


def heuristic_attribution(
    paths: pd.DataFrame,
    *,
    model: str = "linear",
    direct_channel: str | None = "direct",
    position_weights: Sequence[float] = (0.4, 0.2, 0.4),
    half_life: float | str | datetime.timedelta | None = None,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    value_col: str = "value",
    lags_col: str = "touch_lags",
    sep: str = ">",
    n_boot: int = 0,
    random_state: SeedLike = None,
    progress: bool = False,
) -> AttributionResult:
    """Attribute conversions and value with rule-based (heuristic) models.

    For every converting path the conversions (and value) are split over its touches:

    * ``first_touch`` / ``last_touch``: all to the first / last touch;
    * ``last_non_direct``: all to the last touch whose channel is not ``direct_channel``
      (to the last touch when every touch is direct);
    * ``linear``: equal shares per touch (a channel touched twice gets two shares);
    * ``position_based``: ``position_weights = (first, middle, last)`` to the first touch,
      the touches in between (split equally) and the last touch; a two-touch path splits
      ``first : last``, a one-touch path gives all to its touch;
    * ``time_decay``: shares proportional to ``2 ** (-lag / half_life)``, where ``lag`` is
      the time from the touch to the conversion when the table has a ``lags_col``
      (:func:`paths_from_events` writes it, in days for datetime timestamps) and the number
      of touches before the conversion otherwise; ``result.time_basis`` says which.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey: the path (``"a > b > c"`` or a list of channels),
        conversions and, when present, ``nulls``, ``value`` and touch lags.
    model : str, default "linear"
        Which rule: ``"first_touch"``, ``"last_touch"``, ``"last_non_direct"``,
        ``"linear"``, ``"position_based"`` or ``"time_decay"``. For several at once use
        :func:`compare_models` (a table) or one call per model.
    direct_channel : str or None, default "direct"
        The channel last-non-direct skips.
    position_weights : (float, float, float), default (0.4, 0.2, 0.4)
        Shares of the first touch, the middle touches together and the last touch.
    half_life : float, str, timedelta or None
        Half-life of time decay. With touch times: a duration ("7D", a Timedelta) or a
        number in the lags' unit (days for datetimes); default 7 days. Without: a number
        of touches; default 1 (each step back halves the weight).
    path_col, conversions_col, nulls_col, value_col, lags_col : str
        Column names; ``nulls_col``, ``value_col`` and ``lags_col`` are used when present.
    sep : str, default ">"
        Separator between channels in path strings (surrounding spaces are trimmed).
    n_boot : int, default 0
        Bootstrap replicates over journeys for confidence intervals (0: none).
    random_state : int, Generator or None
        Seed of the bootstrap.
    progress : bool, default False
        Show a progress bar over bootstrap replicates.

    Returns
    -------
    AttributionResult
        The model's credits, like every other attribution function.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import heuristic_attribution
    >>> paths = pd.DataFrame({"path": ["search > email > direct", "email"],
    ...                       "conversions": [10, 2], "value": [500.0, 80.0]})
    >>> heuristic_attribution(paths).conversions.round(3).to_dict()
    {'direct': 3.333, 'email': 5.333, 'search': 3.333}
    >>> heuristic_attribution(paths, model="last_non_direct").value.to_dict()
    {'direct': 0.0, 'email': 580.0, 'search': 0.0}
    """
    check_options(model, "model", HEURISTIC_MODELS)
    results = heuristic_results(
        paths,
        models=[model],
        direct_channel=direct_channel,
        position_weights=position_weights,
        half_life=half_life,
        path_col=path_col,
        conversions_col=conversions_col,
        nulls_col=nulls_col,
        value_col=value_col,
        lags_col=lags_col,
        sep=sep,
        n_boot=n_boot,
        random_state=random_state,
        progress=progress,
    )
    return results[model]


def heuristic_results(
    paths: pd.DataFrame,
    *,
    models: Sequence[str] | str = HEURISTIC_MODELS,
    direct_channel: str | None = "direct",
    position_weights: Sequence[float] = (0.4, 0.2, 0.4),
    half_life: float | str | datetime.timedelta | None = None,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    value_col: str = "value",
    lags_col: str = "touch_lags",
    sep: str = ">",
    n_boot: int = 0,
    random_state: SeedLike = None,
    progress: bool = False,
) -> dict[str, AttributionResult]:
    """Several heuristic models from one parse of the paths (see :func:`heuristic_attribution`)."""
    chosen = check_models(models, HEURISTIC_MODELS)
    journeys = parse_paths(
        paths,
        path_col=path_col,
        conversions_col=conversions_col,
        nulls_col=nulls_col,
        value_col=value_col,
        sep=sep,
        lags_col=lags_col,
    )
    if direct_channel is not None and not isinstance(direct_channel, str):
        raise InvalidParameterError(
            format_message(
                "direct_channel", "be a channel name or None", show_value(direct_channel), ""
            )
        )
    w_first, w_middle, w_last = _position_weights(position_weights)
    timestamps = journeys.lags is not None
    decay = _half_life(half_life, timestamps)
    lags = journeys.lags if journeys.lags is not None else _position_lags(journeys)
    direct = journeys.channels.index(direct_channel) if direct_channel in journeys.channels else -1
    weights = {
        model: K.touch_weights(
            journeys.tokens,
            journeys.offsets,
            lags,
            _CODES[model],
            direct,
            w_first,
            w_middle,
            w_last,
            decay,
        )
        for model in chosen
    }
    n_channels = len(journeys.channels)
    owner = journeys.owner

    def credit(j: Journeys) -> FloatArray:
        parts = []
        for model in chosen:
            parts.append(
                weighted_counts(j.tokens, weights[model] * j.conversions[owner], n_channels)
            )
            if j.value is not None:
                parts.append(weighted_counts(j.tokens, weights[model] * j.value[owner], n_channels))
        return np.concatenate(parts)

    width = n_channels * (1 if journeys.value is None else 2)
    point = credit(journeys)
    draws = run_bootstrap(
        journeys, credit, n_boot=n_boot, random_state=random_state, progress=progress
    )
    settings: dict[str, dict[str, object]] = {
        "first_touch": {},
        "last_touch": {},
        "last_non_direct": {"direct_channel": direct_channel},
        "linear": {},
        "position_based": {"position_weights": (w_first, w_middle, w_last)},
        "time_decay": {"half_life": decay},
    }
    results: dict[str, AttributionResult] = {}
    for i, model in enumerate(chosen):
        block = slice(i * width, (i + 1) * width)
        credits = point[block]
        results[model] = build_result(
            model,
            journeys,
            credits[:n_channels],
            None if journeys.value is None else credits[n_channels:],
            dict(settings[model]),
            draws=None if draws is None else draws[:, block],
            time_basis=("timestamps" if timestamps else "positions")
            if model == "time_decay"
            else None,
        )
    return results
