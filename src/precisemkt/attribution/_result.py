"""The result every attribution model returns, and the journey bootstrap behind its intervals."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray, SeedLike
from precisemkt._validation import (
    check_bool,
    check_int,
    check_interval,
    check_options,
    check_random_state,
    format_message,
    show_value,
)
from precisemkt.attribution._paths import Journeys
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["AttributionResult", "build_result", "run_bootstrap"]

_MEASURES = ("conversions", "value", "share")


@dataclasses.dataclass(frozen=True, slots=True)
class AttributionResult(ResultMixin):
    """Credit per channel from one attribution model.

    Attributes
    ----------
    model : str
        The model's name ("linear", "markov", "shapley", ...).
    conversions : pandas.Series
        Conversions credited to each channel (index: channel names, sorted); they sum to
        the total conversions of the input.
    value : pandas.Series or None
        Conversion value credited to each channel (sums to the total value), or ``None``
        when the input has no value column.
    share : pandas.Series
        ``conversions`` as a fraction of the total.
    parameters : dict
        The model's settings (order, half-life, method, ...) as used.
    removal_effects, value_removal_effects : pandas.Series or None
        Markov only: the relative drop in conversion probability (in expected value) when
        the channel is removed from the chain.
    conversion_probability : float or None
        Markov only: the chain's probability of conversion from START.
    transition_matrix : pandas.DataFrame or None
        Markov only: the fitted transitions in long form, one row per observed transition
        with columns ``from``, ``to``, ``probability`` and ``count`` (journeys); pivot it
        with ``pivot(index="from", columns="to", values="probability")``.
    position_credits : pandas.DataFrame or None
        Ordered Shapley only: conversions credited to each channel (rows) at each touch
        position (columns 1, 2, ...).
    time_basis : str or None
        Time decay only: ``"timestamps"`` when real elapsed times were used, otherwise
        ``"positions"`` (touches before the conversion).
    bootstrap_conversions, bootstrap_value : pandas.DataFrame or None
        The bootstrap replicates (one row per replicate, one column per channel) when the
        model ran with ``n_boot > 0``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import markov_attribution
    >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1], "nulls": [1, 5]})
    >>> res = markov_attribution(paths)
    >>> round(float(res.conversions.sum()), 6)
    4.0
    """

    model: str
    conversions: pd.Series
    value: pd.Series | None
    share: pd.Series
    parameters: dict[str, Any]
    removal_effects: pd.Series | None = None
    value_removal_effects: pd.Series | None = None
    conversion_probability: float | None = None
    transition_matrix: pd.DataFrame | None = None
    position_credits: pd.DataFrame | None = None
    time_basis: str | None = None
    bootstrap_conversions: pd.DataFrame | None = None
    bootstrap_value: pd.DataFrame | None = None

    def confidence_interval(
        self, level: float = 0.95, *, measure: str = "conversions"
    ) -> ConfidenceInterval:
        """Percentile bootstrap interval of every channel's credit.

        Parameters
        ----------
        level : float, default 0.95
            Coverage in (0, 1).
        measure : {"conversions", "value", "share"}
            Which credit the interval is for.

        Returns
        -------
        ConfidenceInterval
            ``(low, high)``, each a Series indexed by channel.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.attribution import heuristic_attribution
        >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [30, 10]})
        >>> res = heuristic_attribution(paths, model="linear", n_boot=50, random_state=0)
        >>> lo, hi = res.confidence_interval(0.9)
        >>> bool((lo <= hi).all())
        True
        """
        level = check_interval(level, "level", low=0, high=1, closed="neither")
        check_options(measure, "measure", _MEASURES)
        if self.bootstrap_conversions is None:
            raise InvalidParameterError(
                format_message(
                    "n_boot",
                    "be positive to get confidence intervals",
                    "a result computed without bootstrap replicates",
                    "Run the model again with n_boot=200 (or more) and a random_state.",
                )
            )
        if measure == "value":
            if self.bootstrap_value is None:
                raise InvalidParameterError(
                    format_message(
                        "measure",
                        "be 'conversions' or 'share' for paths without a value column",
                        show_value(measure),
                        "Add a value column to attribute value.",
                    )
                )
            draws = self.bootstrap_value
        elif measure == "share":
            totals = self.bootstrap_conversions.sum(axis=1).replace(0.0, np.nan)
            draws = self.bootstrap_conversions.div(totals, axis=0).fillna(0.0)
        else:
            draws = self.bootstrap_conversions
        tail = (1.0 - level) / 2.0
        return ConfidenceInterval(draws.quantile(tail), draws.quantile(1.0 - tail))

    def to_frame(self) -> pd.DataFrame:
        """One row per channel: credits, share, removal effects and 95% intervals if any.

        The interval (of the conversions credit, from the bootstrap replicates) is in the
        columns ``ci_low`` and ``ci_high``, as in every result frame of the library.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.attribution import heuristic_attribution
        >>> paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [3, 1]})
        >>> res = heuristic_attribution(paths, model="last_touch")
        >>> res.to_frame().reset_index()
          channel  conversions  share
        0       a          0.0    0.0
        1       b          4.0    1.0
        """
        columns: dict[str, pd.Series] = {"conversions": self.conversions}
        if self.value is not None:
            columns["value"] = self.value
        columns["share"] = self.share
        if self.removal_effects is not None:
            columns["removal_effect"] = self.removal_effects
        if self.value_removal_effects is not None:
            columns["value_removal_effect"] = self.value_removal_effects
        if self.bootstrap_conversions is not None:
            low, high = self.confidence_interval(0.95)
            columns["ci_low"], columns["ci_high"] = low, high
        return pd.DataFrame(columns)


def _series(values: FloatArray, channels: tuple[str, ...], name: str) -> pd.Series:
    return pd.Series(values, index=pd.Index(list(channels), name="channel"), name=name)


def _replicates(
    draws: FloatArray | None, channels: tuple[str, ...], part: int
) -> pd.DataFrame | None:
    """Columns ``part * C : (part + 1) * C`` of the draws (C channels) as a frame."""
    if draws is None:
        return None
    width = len(channels)
    block = draws[:, part * width : (part + 1) * width]
    return pd.DataFrame(block, columns=pd.Index(list(channels), name="channel"))


def build_result(
    model: str,
    journeys: Journeys,
    conversions: FloatArray,
    value: FloatArray | None,
    parameters: dict[str, Any],
    *,
    draws: FloatArray | None = None,
    **extras: Any,
) -> AttributionResult:
    """Wrap credit arrays (and bootstrap draws laid out ``[conversions | value]``) as a result.

    Credits computed on scaled counts or values (see :class:`Journeys`) are scaled back;
    a total that float64 cannot hold raises :class:`ValidationError`.
    """
    channels = journeys.channels
    width = len(channels)
    with np.errstate(over="ignore"):
        conversions = conversions * journeys.count_scale
        if value is not None:
            value = value * journeys.value_scale
        if draws is not None and value is not None and journeys.value_scale != 1.0:
            draws = np.concatenate([draws[:, :width], draws[:, width:] * journeys.value_scale], 1)
        totals = [("conversions", float(conversions.sum()))]
        if value is not None:
            totals.append(("value", float(value.sum())))
    for what, amount in totals:
        if not np.isfinite(amount):
            raise ValidationError(
                format_message(
                    f"the total {what}",
                    "fit in a float64 (below 1.8e308)",
                    "a sum that overflows",
                    f"Express {what} in larger units (e.g. thousands) before attributing.",
                )
            )
    total = float(conversions.sum())
    share = conversions / total if total > 0 else np.zeros_like(conversions)
    return AttributionResult(
        model=model,
        conversions=_series(conversions, channels, "conversions"),
        value=None if value is None else _series(value, channels, "value"),
        share=_series(share, channels, "share"),
        parameters=parameters,
        bootstrap_conversions=_replicates(draws, channels, 0),
        bootstrap_value=None if value is None else _replicates(draws, channels, 1),
        **extras,
    )


def run_bootstrap(
    journeys: Journeys,
    compute: Callable[[Journeys], FloatArray],
    *,
    n_boot: int,
    random_state: SeedLike,
    progress: bool,
) -> FloatArray | None:
    """``compute`` on ``n_boot`` journey-resampled replicates, stacked by row (None if 0)."""
    n_boot = check_int(n_boot, "n_boot", low=0, hint="Use e.g. n_boot=200; 0 turns it off.")
    progress = check_bool(progress, "progress")
    rng = check_random_state(random_state)
    if n_boot == 0:
        return None
    if journeys.count_scale != 1.0:
        raise ValidationError(
            format_message(
                "conversions and nulls",
                "sum to fewer than 2**1000 journeys to resample them",
                "counts near the float64 limit",
                "Use n_boot=0: at these counts the sampling error is nil.",
            )
        )
    if not journeys.whole_counts:
        raise ValidationError(
            format_message(
                "conversions and nulls",
                "be whole numbers to resample journeys",
                "fractional counts",
                "Pass journey counts, or n_boot=0 for point estimates only.",
            )
        )
    rows = [
        compute(journeys.resample(rng))
        for _ in tqdm(range(n_boot), disable=not progress, desc="bootstrap", unit="replicate")
    ]
    return np.vstack(rows)
