"""Describe segments so that a marketer can name them."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._validation import (
    align_by_index,
    check_int,
    check_same_length,
    format_message,
    is_hashable,
    require_frame,
    show_value,
)
from precisemkt.errors import ValidationError

__all__ = ["segment_profiles"]


def segment_profiles(features: pd.DataFrame, labels: Any, *, n_top: int = 3) -> pd.DataFrame:
    """Size, share and mean features of every segment, and what sets each one apart.

    For each segment and numeric feature the *standardised difference* is
    ``(segment mean - overall mean) / overall standard deviation`` (population standard
    deviation; 0 for a constant feature). The ``n_top`` features with the largest absolute
    standardised difference are listed, signed, in ``distinguishing``: e.g.
    ``"n_orders +2.1, recency_days -1.3"`` reads "buy far more often and more recently than
    the average customer". Missing feature values are left out of the means; infinite ones
    raise. Columns are rescaled by a power of two before summing, so features near 1e300
    give exact means and z-scores instead of overflowing.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer; numeric columns (others are ignored). Not modified.
    labels : array-like or pandas.Series
        Segment of each row. A Series is aligned on ``features``' index (same ids, any
        order; other ids raise); an array or list is taken in row order, which needs
        ``features`` to have the default index (wrap labels of an indexed frame as
        ``pandas.Series(labels, index=features.index)``).
    n_top : int, default 3
        How many distinguishing features to list.

    Returns
    -------
    pandas.DataFrame
        One row per segment (sorted by label; labels of mixed types that cannot be
        sorted keep their order of appearance): ``size``, ``share``, the mean of each feature,
        ``<feature>_z`` for each standardised difference, and ``distinguishing``.

    Examples
    --------
    >>> import pandas as pd
    >>> features = pd.DataFrame({"n_orders": [1, 2, 10, 12], "spend": [10.0, 20.0, 90.0, 110.0]})
    >>> profiles = segment_profiles(features, ["low", "low", "high", "high"], n_top=1)
    >>> profiles[["size", "share", "n_orders"]]
          size  share  n_orders
    high     2    0.5      11.0
    low      2    0.5       1.5
    >>> profiles.loc["high", "distinguishing"]
    'n_orders +0.99'
    """
    frame = require_frame(features, "features")
    n_top = check_int(n_top, "n_top", low=0)
    if frame.columns.has_duplicates:
        repeated = frame.columns[frame.columns.duplicated()][0]
        raise ValidationError(
            format_message(
                f"features column {show_value(repeated)}",
                "appear once (column names must be unique)",
                "a repeated name",
                "Rename or drop the copies.",
            )
        )
    if not isinstance(labels, pd.Series | pd.DataFrame | np.ndarray):
        try:
            labels = np.asarray(labels)
        except ValueError:  # ragged nested sequences: one object per row
            ragged = np.empty(len(labels), dtype=object)
            ragged[:] = list(labels)
            labels = ragged
    aligned = align_by_index({"features": frame, "labels": labels})
    frame = aligned.values["features"]
    labels = aligned.values["labels"]
    label_values = labels.to_numpy() if isinstance(labels, pd.Series) else np.asarray(labels)
    if label_values.ndim != 1:
        raise ValidationError(
            format_message(
                "labels", "be one label per row", f"an array of shape {label_values.shape}", ""
            )
        )
    check_same_length(features=frame, labels=label_values)
    if label_values.dtype == object and not all(map(is_hashable, label_values)):
        raise ValidationError(
            format_message(
                "labels",
                "be plain values (numbers or text) that name a segment",
                "a list or dict among them",
                "Turn the labels into text first, e.g. [str(x) for x in labels].",
            )
        )
    if pd.isna(label_values).any():
        raise ValidationError(
            format_message(
                "labels",
                "not contain missing values",
                f"{int(pd.isna(label_values).sum())} missing label(s)",
                "Drop those rows or give them a segment of their own.",
            )
        )
    numeric = frame.select_dtypes(include=["number", "bool"]).astype(float)
    if np.isinf(numeric.to_numpy()).any():
        col = numeric.columns[np.isinf(numeric.to_numpy()).any(axis=0)][0]
        raise ValidationError(
            format_message(
                f"features column {show_value(col)}",
                "be finite (NaN is allowed and left out; inf is not)",
                f"{int(np.isinf(numeric[col].to_numpy()).sum())} infinite value(s)",
                "Replace them with NaN or drop those rows.",
            )
        )
    # divide every column by a power of two near its largest magnitude: exact, and the
    # sums behind the means and standard deviations cannot overflow (values near 1e300)
    largest = numeric.abs().max().fillna(0.0).to_numpy()
    scale = np.where(largest > 0, np.ldexp(1.0, np.frexp(largest)[1] - 1), 1.0)
    scaled = numeric / scale
    try:
        scaled_means = scaled.groupby(label_values, sort=True).mean()
    except TypeError:  # labels of mixed, unorderable types keep their order of appearance
        scaled_means = scaled.groupby(label_values, sort=False).mean()
    means = scaled_means * scale
    sizes = pd.Series(label_values).value_counts().reindex(means.index)
    overall = scaled.mean()
    spread = scaled.std(ddof=0).replace(0.0, np.nan)
    z = ((scaled_means - overall) / spread).fillna(0.0)
    counts = pd.DataFrame(
        {"size": sizes.to_numpy(), "share": sizes.to_numpy() / len(frame)}, index=means.index
    )
    out: pd.DataFrame = pd.concat([counts, means, z.add_suffix("_z")], axis=1)
    out["distinguishing"] = [
        ", ".join(
            f"{col} {row[col]:+.2f}"
            for col in row.abs().sort_values(ascending=False, kind="stable").index[:n_top]
        )
        for _, row in z.iterrows()
    ]
    return out
