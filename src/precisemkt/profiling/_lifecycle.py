"""Lifecycle stages judged against each customer's own purchase rhythm."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._validation import (
    check_columns,
    check_interval,
    format_message,
    require_frame,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["STAGES", "lifecycle_stage"]

#: The stages, from the newest to the most lost customer.
STAGES = ("new", "active", "at_risk", "lapsed", "churned")


def _finite_column(profile: pd.DataFrame, col: str, *, allow_nan: bool) -> Any:
    values = pd.to_numeric(profile[col], errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = np.isinf(values) | (np.isnan(values) & (not allow_nan)) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            format_message(
                f"profile column {show_value(col)}",
                "hold non-negative finite numbers" + (" or NaN" if allow_nan else ""),
                f"{int(bad.sum())} bad value(s) (first: customer "
                f"{show_value(profile.index[i])}, value {show_value(values[i])})",
                "Pass the output of profile_customers or fix the column.",
            )
        )
    return values


def lifecycle_stage(
    profile: pd.DataFrame,
    *,
    new_days: float = 30.0,
    at_risk_after: float = 1.0,
    lapsed_after: float = 2.0,
    churned_after: float = 4.0,
    rhythm_col: str = "ipt_p90_days",
    population_rhythm_days: float | None = None,
    min_rhythm_days: float = 1.0,
) -> pd.Series:
    """Name each customer's lifecycle stage from their recency and purchase rhythm.

    A customer's *rhythm* ``g`` is a high quantile of their own inter-purchase times (by
    default ``ipt_p90_days``: 90% of their gaps were shorter). One-time buyers have no gaps,
    and customers whose purchases all fall within ``min_rhythm_days`` of each other (by
    default: on one day; their span ``tenure_days - recency_days`` is shorter than that)
    show no rhythm either: both get the population rhythm, ``population_rhythm_days`` if
    given, otherwise the median rhythm of the other repeat buyers (``new_days`` if there
    are none). So equal evidence (the same silence, no rhythm of one's own) gives the same
    stage. Rhythms below ``min_rhythm_days`` are raised to it. With ``r`` =
    ``recency_days`` (days since the last purchase) and ``tenure_days`` (days since the
    first):

    ===========  ======================================================
    stage        rule (checked top to bottom)
    ===========  ======================================================
    new          ``tenure_days <= new_days``
    active       ``r <= at_risk_after * g``
    at_risk      ``r <= lapsed_after * g``
    lapsed       ``r <= churned_after * g``
    churned      otherwise
    ===========  ======================================================

    Parameters
    ----------
    profile : pandas.DataFrame
        Needs ``recency_days``, ``tenure_days`` and ``rhythm_col`` (NaN for one-time
        buyers), as :func:`profile_customers` returns. Not modified.
    new_days : float, default 30
        Customers whose first purchase is at most this many days old are "new".
    at_risk_after, lapsed_after, churned_after : float, default 1, 2, 4
        Multiples of the rhythm at which a customer becomes at risk, lapsed and churned
        (strictly increasing).
    rhythm_col : str, default "ipt_p90_days"
        Column with each customer's rhythm in days (e.g. ``ipt_mean_days`` for a laxer
        rule).
    population_rhythm_days : float, optional
        Rhythm for customers without one (default: median of the others).
    min_rhythm_days : float, default 1
        Lower bound of every rhythm (orders seconds apart do not make a 0-day rhythm); a
        customer whose purchases span less than this has no rhythm of their own.

    Returns
    -------
    pandas.Series
        Ordered categorical with categories ``STAGES``, indexed like ``profile``, named
        ``lifecycle_stage``.

    Examples
    --------
    >>> import pandas as pd
    >>> profile = pd.DataFrame(
    ...     {"recency_days": [5, 20, 40, 70, 400], "tenure_days": [10, 300, 300, 300, 500],
    ...      "ipt_p90_days": [float("nan"), 30.0, 30.0, 30.0, float("nan")]},
    ...     index=["a", "b", "c", "d", "e"])
    >>> lifecycle_stage(profile).tolist()
    ['new', 'active', 'at_risk', 'lapsed', 'churned']
    """
    frame = require_frame(profile, "profile")
    check_columns(
        frame,
        {"recency_days": "recency_days", "tenure_days": "tenure_days", "rhythm_col": rhythm_col},
        name="profile",
    )
    new_days = check_interval(new_days, "new_days", low=0)
    at_risk_after = check_interval(at_risk_after, "at_risk_after", low=0, closed="neither")
    lapsed_after = check_interval(lapsed_after, "lapsed_after", low=0, closed="neither")
    churned_after = check_interval(churned_after, "churned_after", low=0, closed="neither")
    if not at_risk_after < lapsed_after < churned_after:
        raise InvalidParameterError(
            format_message(
                "at_risk_after, lapsed_after, churned_after",
                "be strictly increasing",
                f"{at_risk_after:g}, {lapsed_after:g}, {churned_after:g}",
                "Use e.g. 1, 2, 4.",
            )
        )
    min_rhythm_days = check_interval(min_rhythm_days, "min_rhythm_days", low=0)
    recency = _finite_column(frame, "recency_days", allow_nan=False)
    tenure = _finite_column(frame, "tenure_days", allow_nan=False)
    rhythm = _finite_column(frame, rhythm_col, allow_nan=True)
    span = tenure - recency
    known = ~np.isnan(rhythm) & (span > 0) & (span >= min_rhythm_days)
    if population_rhythm_days is not None:
        fallback = check_interval(
            population_rhythm_days, "population_rhythm_days", low=0, closed="neither"
        )
    else:
        fallback = float(np.median(rhythm[known])) if known.any() else new_days
    g = np.maximum(np.where(known, rhythm, fallback), min_rhythm_days)
    codes = np.select(
        [
            tenure <= new_days,
            recency <= at_risk_after * g,
            recency <= lapsed_after * g,
            recency <= churned_after * g,
        ],
        [0, 1, 2, 3],
        default=4,
    )
    stages = pd.Categorical.from_codes(codes, categories=pd.Index(STAGES), ordered=True)
    return pd.Series(stages, index=frame.index, name="lifecycle_stage")
