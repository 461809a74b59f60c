"""Shapley-value attribution: exact over all coalitions, simplified and ordered.

The channels are the players. A coalition ``S`` is worth what the journeys whose channel
set is a subset of ``S`` achieved: their conversions (Zhao et al. 2018, the default) or
their conversion rate (Dalessandro et al. 2012, on request). Both are subset sums of
per-channel-set totals,
computed for all ``2**n`` coalitions at once by a zeta transform; the Shapley values then
take one pass of ``n 2**n`` marginal contributions. Twenty channels take a fraction of a
second and the answer is exact (no sampling, no truncation of coalitions).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import check_options, format_message, show_value
from precisemkt.attribution import _kernels as K
from precisemkt.attribution._paths import Journeys, parse_paths, weighted_counts
from precisemkt.attribution._result import AttributionResult, build_result, run_bootstrap
from precisemkt.errors import DataQualityWarning, InvalidParameterError

__all__ = ["MAX_EXACT_CHANNELS", "RATE_CAVEAT", "shapley_attribution"]

#: Exact Shapley values hold a few arrays of 2**n floats; 24 channels need ~0.5 GB.
MAX_EXACT_CHANNELS = 24
_METHODS = ("exact", "simplified", "ordered")
_VALUES = ("conversions", "conversion_rate")
#: What the conversion-rate game's credits mean, shown with its results.
RATE_CAVEAT = (
    "conversion-rate game: a channel's credit is its Shapley share of the overall "
    "conversion RATE, rescaled to the conversions; channels seen on few journeys with a "
    "high rate get large credit and channels whose journeys convert below average get "
    "negative credit, so the credits are not conversions a channel earned"
)


def _exact(journeys: Journeys, idx: IntArray, rate: bool) -> FloatArray:
    """Exact Shapley credits ``[conversions | value]``; ``idx`` is each path's channel mask."""
    n = len(journeys.channels)
    size = 1 << n
    totals = [journeys.conversions]
    if journeys.value is not None:
        totals.append(journeys.value)
    if rate:
        totals.append(journeys.conversions + journeys.nulls)
    per_set = np.column_stack([weighted_counts(idx, t, size) for t in totals])
    worth = K.subset_sums(per_set, n)
    games = len(totals) - rate
    if rate:
        journeys_in = worth[:, games : games + 1]
        worth = np.divide(
            worth[:, :games],
            journeys_in,
            out=np.zeros((size, games)),
            where=journeys_in > 0,
        )
    phi = K.shapley_values(np.ascontiguousarray(worth), n)
    grand = worth[size - 1]
    parts = [
        phi[:, g] / grand[g] * totals[g].sum() if grand[g] > 0 else np.zeros(n)
        for g in range(games)
    ]
    return np.concatenate(parts)


def _split(journeys: Journeys, weights: FloatArray) -> FloatArray:
    """Credits ``[conversions | value]`` when each touch takes ``weights`` of its path."""
    n = len(journeys.channels)
    owner = journeys.owner
    parts = [weighted_counts(journeys.tokens, weights * journeys.conversions[owner], n)]
    if journeys.value is not None:
        parts.append(weighted_counts(journeys.tokens, weights * journeys.value[owner], n))
    return np.concatenate(parts)


def _position_frame(journeys: Journeys, weights: FloatArray) -> pd.DataFrame:
    """Conversions credited to each channel at each touch position (1-based)."""
    n = len(journeys.channels)
    lengths = journeys.lengths
    longest = int(lengths.max())
    position = np.arange(journeys.tokens.size) - np.repeat(journeys.offsets[:-1], lengths)
    cell = journeys.tokens * longest + position
    credit = weights * journeys.conversions[journeys.owner]
    table = weighted_counts(cell, credit, n * longest).reshape(n, longest)
    return pd.DataFrame(
        table,
        index=pd.Index(list(journeys.channels), name="channel"),
        columns=pd.Index(np.arange(1, longest + 1), name="position"),
    )


def shapley_attribution(
    paths: pd.DataFrame,
    *,
    method: str = "exact",
    value: str | None = None,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    value_col: str = "value",
    sep: str = ">",
    n_boot: int = 0,
    random_state: SeedLike = None,
    progress: bool = False,
) -> AttributionResult:
    r"""Attribute conversions and value by Shapley values of the channels.

    A coalition :math:`S` of channels is worth :math:`v(S)`, built from the journeys whose
    set of distinct channels is a subset of :math:`S`:

    * ``value="conversions"`` (the default; Zhao, Mahboobi & Bagheri 2018, "Shapley
      value methods for attribution modeling in online advertising"): their
      conversions. The game is a sum of one unanimity game per converting path, so the
      Shapley value has a closed form: each converting journey's conversions (and value)
      are split equally over its distinct channels. Credits are never negative, a
      channel only earns from journeys it took part in, and they sum to the conversions.
    * ``value="conversion_rate"`` (Dalessandro et al. 2012): their conversions divided by
      their number (conversions + nulls); 0 when there are none. The Shapley values sum
      to the overall conversion rate and are rescaled to the total conversions. Caveat:
      these are shares of a rate, not conversions earned. A channel seen on a handful of
      journeys that converted well can take thousands of conversions, and a channel whose
      journeys convert below average gets negative credit (on ChannelAttribution's
      ``Data.csv`` a channel with 15 journeys and 4 conversions received 2,203
      conversions and the largest channel −2,034 in value). Results are named
      ``"shapley_conversion_rate"``, carry the caveat in ``parameters["caveat"]`` and
      warn (:class:`~precisemkt.errors.DataQualityWarning`) when a credit is negative.

    ``method="exact"`` computes
    :math:`\phi_j = \sum_{S \not\ni j} \frac{|S|!\,(n-|S|-1)!}{n!}\,(v(S\cup j) - v(S))`
    over all :math:`2^n` coalitions (up to 24 channels). ``method="simplified"`` is the
    closed form of the conversions game above (the same numbers, for any number of
    channels). ``method="ordered"`` refines it by touch position: a channel's share of a
    path is split equally over the positions where it occurs
    (``result.position_credits``). Value is attributed by the same game with value in
    place of conversions.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey: the path, conversions and, when present, nulls and
        value.
    method : {"exact", "simplified", "ordered"}
        How the values are computed.
    value : {"conversions", "conversion_rate"} or None
        The coalition worth (default ``"conversions"``). The simplified and ordered
        methods are defined for ``"conversions"`` only.
    path_col, conversions_col, nulls_col, value_col : str
        Column names; ``nulls_col`` and ``value_col`` are used when present.
    sep : str, default ">"
        Separator between channels in path strings.
    n_boot : int, default 0
        Bootstrap replicates over journeys for confidence intervals (0: none).
    random_state : int, Generator or None
        Seed of the bootstrap.
    progress : bool, default False
        Show a progress bar over bootstrap replicates.

    Returns
    -------
    AttributionResult
        Credits per channel (``position_credits`` too for ``method="ordered"``); the
        model is ``"shapley"`` (exact, conversions game), ``"shapley_conversion_rate"``,
        ``"shapley_simplified"`` or ``"shapley_ordered"``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import shapley_attribution
    >>> paths = pd.DataFrame({"path": ["a > b", "a", "b"],
    ...                       "conversions": [6, 2, 1], "nulls": [4, 8, 9]})
    >>> shapley_attribution(paths).conversions.round(4).to_dict()
    {'a': 5.0, 'b': 4.0}
    >>> shapley_attribution(paths, value="conversion_rate").conversions.round(4).to_dict()
    {'a': 6.0, 'b': 3.0}
    """
    check_options(method, "method", _METHODS)
    if value is None:
        value = "conversions"
    check_options(value, "value", _VALUES)
    if method != "exact" and value != "conversions":
        raise InvalidParameterError(
            format_message(
                "value",
                f"be 'conversions' with method={method!r} (its closed form is that game's)",
                show_value(value),
                "Use method='exact' for the conversion-rate game.",
            )
        )
    journeys = parse_paths(
        paths,
        path_col=path_col,
        conversions_col=conversions_col,
        nulls_col=nulls_col,
        value_col=value_col,
        sep=sep,
    )
    n = len(journeys.channels)
    extras: dict[str, object] = {}
    if method == "exact":
        if n > MAX_EXACT_CHANNELS:
            raise InvalidParameterError(
                format_message(
                    "method='exact'",
                    f"have at most {MAX_EXACT_CHANNELS} channels (2**n coalitions)",
                    f"{n} channels",
                    "Group rare channels together, or use method='simplified'.",
                )
            )
        masks = K.path_masks(journeys.tokens, journeys.offsets)
        rate = value == "conversion_rate"

        def credit(j: Journeys) -> FloatArray:
            return _exact(j, masks, rate)

    else:
        weights = K.position_credits(journeys.tokens, journeys.offsets, n)

        def credit(j: Journeys) -> FloatArray:
            return _split(j, weights)

        if method == "ordered":
            extras["position_credits"] = _position_frame(journeys, weights)
    point = credit(journeys)
    draws = run_bootstrap(
        journeys, credit, n_boot=n_boot, random_state=random_state, progress=progress
    )
    parameters: dict[str, object] = {"method": method, "value": value}
    if method == "exact" and value == "conversion_rate":
        name = "shapley_conversion_rate"
        parameters["caveat"] = RATE_CAVEAT
        negative = [journeys.channels[i] for i in np.flatnonzero(point[:n] < 0)]
        if negative:
            warnings.warn(
                f"{len(negative)} channel(s) received negative credit in the "
                f"conversion-rate Shapley game (first: {negative[0]!r}). This is the "
                f"{RATE_CAVEAT}. Use the default value='conversions' for credits that are "
                "conversions earned.",
                DataQualityWarning,
                stacklevel=2,
            )
    else:
        name = "shapley" if method == "exact" else f"shapley_{method}"
    return build_result(
        name,
        journeys,
        point[:n],
        None if journeys.value is None else point[n:],
        parameters,
        draws=draws,
        **extras,
    )
