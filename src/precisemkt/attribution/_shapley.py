"""Shapley-value attribution: exact over all coalitions, simplified and ordered.

The channels are the players. A coalition ``S`` is worth what the journeys whose channel
set is a subset of ``S`` achieved: their conversion rate (Dalessandro et al. 2012) or
their conversions (Zhao et al. 2018). Both are subset sums of per-channel-set totals,
computed for all ``2**n`` coalitions at once by a zeta transform; the Shapley values then
take one pass of ``n 2**n`` marginal contributions. Twenty channels take a fraction of a
second and the answer is exact (no sampling, no truncation of coalitions).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import check_options, format_message
from precisemkt.attribution import _kernels as K
from precisemkt.attribution._paths import Journeys, parse_paths, weighted_counts
from precisemkt.attribution._result import AttributionResult, build_result, run_bootstrap
from precisemkt.errors import InvalidParameterError

__all__ = ["MAX_EXACT_CHANNELS", "shapley_attribution"]

#: Exact Shapley values hold a few arrays of 2**n floats; 24 channels need ~0.5 GB.
MAX_EXACT_CHANNELS = 24
_METHODS = ("exact", "simplified", "ordered")
_VALUES = ("conversion_rate", "conversions")


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

    * ``value="conversion_rate"`` (Dalessandro et al. 2012): their conversions divided by
      their number (conversions + nulls); 0 when there are none. The Shapley values sum
      to the overall conversion rate and are rescaled to the total conversions; a
      channel can receive negative credit if journeys with it convert less.
    * ``value="conversions"``: their conversions, so credits sum to the conversions.

    ``method="exact"`` computes
    :math:`\phi_j = \sum_{S \not\ni j} \frac{|S|!\,(n-|S|-1)!}{n!}\,(v(S\cup j) - v(S))`
    over all :math:`2^n` coalitions. ``method="simplified"`` is the closed form of Zhao et
    al. (2018) for the conversions game: each converting path's conversions are split
    equally over its distinct channels (exact equals it when ``value="conversions"``).
    ``method="ordered"`` refines it by touch position: a channel's share of a path is
    split equally over the positions where it occurs (``result.position_credits``).
    Value is attributed by the same game with value in place of conversions.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey: the path, conversions and, when present, nulls and
        value.
    method : {"exact", "simplified", "ordered"}
        How the values are computed.
    value : {"conversion_rate", "conversions"} or None
        The coalition worth for ``method="exact"`` (default ``"conversion_rate"``). The
        simplified and ordered methods are defined for ``"conversions"`` only.
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
        Credits per channel (``position_credits`` too for ``method="ordered"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import shapley_attribution
    >>> paths = pd.DataFrame({"path": ["a > b", "a", "b"],
    ...                       "conversions": [6, 2, 1], "nulls": [4, 8, 9]})
    >>> shapley_attribution(paths).conversions.round(4).to_dict()
    {'a': 6.0, 'b': 3.0}
    >>> shapley_attribution(paths, method="simplified").conversions.to_dict()
    {'a': 5.0, 'b': 4.0}
    """
    check_options(method, "method", _METHODS)
    if value is None:
        value = "conversion_rate" if method == "exact" else "conversions"
    check_options(value, "value", _VALUES)
    if method != "exact" and value != "conversions":
        raise InvalidParameterError(
            format_message(
                "value",
                f"be 'conversions' with method={method!r} (its closed form is that game's)",
                repr(value),
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
    return build_result(
        "shapley" if method == "exact" else f"shapley_{method}",
        journeys,
        point[:n],
        None if journeys.value is None else point[n:],
        {"method": method, "value": value},
        draws=draws,
        **extras,
    )
