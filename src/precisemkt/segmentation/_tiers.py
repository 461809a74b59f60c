"""Pareto / ABC value tiers by cumulative share of value."""

from __future__ import annotations

import string
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from precisemkt._validation import (
    as_float_array,
    check_non_negative,
    format_message,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.segmentation._numbers import numbers_of

__all__ = ["value_tiers"]


def value_tiers(
    values: Any,
    *,
    cutoffs: Sequence[float] = (0.8, 0.95),
    labels: Sequence[str] | None = None,
) -> pd.Series:
    """Pareto (ABC) tiers: the customers who bring the first 80% of value are "A", …

    Customers are ranked by value, highest first. A customer's *share before* is the share
    of total value held by customers with a strictly higher value; the tier is the number
    of cutoffs at or below that share (so with the default cutoffs: share before < 0.8 is
    "A", < 0.95 is "B", else "C"). Shares are computed on values divided by a power of two
    near the largest (exact), so values near the float64 limit (1e308) cannot overflow.
    The top customer is always in the first tier, equal values always share a tier, and a
    customer with value 0 can only be in the first tier when every value is 0 (then all
    are in the last tier).

    Parameters
    ----------
    values : pandas.Series or array-like
        Non-negative value per customer (e.g. total spend or predicted CLV). Not modified.
    cutoffs : sequence of float, default (0.8, 0.95)
        Strictly increasing cumulative shares in (0, 1).
    labels : sequence of str, optional
        ``len(cutoffs) + 1`` tier names (default "A", "B", "C", …).

    Returns
    -------
    pandas.Series
        Ordered categorical tiers, indexed like ``values`` (a RangeIndex for arrays), named
        ``tier``.

    Examples
    --------
    >>> import pandas as pd
    >>> spend = pd.Series([500.0, 300.0, 100.0, 50.0, 30.0, 20.0], index=list("abcdef"))
    >>> value_tiers(spend).tolist()
    ['A', 'A', 'B', 'B', 'C', 'C']
    """
    index = values.index if isinstance(values, pd.Series) else None
    v = numbers_of(values, "values")
    check_non_negative(v, "values", ids=cast("Sequence[Any] | None", index))
    if isinstance(cutoffs, str) or np.ndim(cutoffs) != 1:
        raise InvalidParameterError(
            format_message(
                "cutoffs",
                "be a sequence of strictly increasing shares in (0, 1)",
                f"{show_value(cutoffs)} ({type(cutoffs).__name__})",
                f"Use e.g. cutoffs=({show_value(cutoffs)},) for two tiers, or (0.8, 0.95)."
                if np.ndim(cutoffs) == 0 and not isinstance(cutoffs, str)
                else "Use e.g. (0.8, 0.95).",
            )
        )
    try:
        cuts = as_float_array(list(cutoffs), "cutoffs")
    except ValidationError as exc:
        raise InvalidParameterError(str(exc)) from exc
    if cuts.size == 0 or np.any(cuts <= 0) or np.any(cuts >= 1) or np.any(np.diff(cuts) <= 0):
        raise InvalidParameterError(
            format_message(
                "cutoffs",
                "be strictly increasing shares in (0, 1)",
                show_value(tuple(cutoffs)),
                "Use e.g. (0.8, 0.95).",
            )
        )
    names = list(string.ascii_uppercase[: cuts.size + 1]) if labels is None else list(labels)
    if len(names) != cuts.size + 1 or len(set(names)) != len(names):
        raise InvalidParameterError(
            format_message(
                "labels",
                f"be {cuts.size + 1} distinct names (one more than cutoffs)",
                show_value(labels),
                "",
            )
        )
    top = float(v.max(initial=0.0))
    if top > 0:
        # divide by a power of two near the largest value: exact, and the sums below
        # cannot overflow even for values near 1e308
        v = v / np.ldexp(1.0, int(np.frexp(top)[1]) - 1)
        total = float(v.sum())
        ordered = np.sort(v)
        at_most = np.concatenate(([0.0], np.cumsum(ordered)))
        higher = total - at_most[np.searchsorted(ordered, v, side="right")]
        tier = np.searchsorted(cuts, np.maximum(higher, 0.0) / total, side="right")
    else:
        tier = np.full(v.size, cuts.size)
    categorical = pd.Categorical.from_codes(tier, categories=pd.Index(names), ordered=True)
    return pd.Series(categorical, index=index, name="tier")
