"""Reading per-customer numbers with messages that say what is wrong (missing values,
text, infinities) rather than a generic "must contain numbers"."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray
from precisemkt._validation import as_float_array, format_message, show_value
from precisemkt.errors import ValidationError

__all__ = ["check_no_missing", "numbers_of"]


def check_no_missing(values: Any, name: str) -> None:
    """Raise :class:`ValidationError` when ``values`` holds missing entries (NaN, None,
    pandas NA, NaT), naming the first one's row."""
    try:
        missing = np.asarray(pd.isna(values))
    except (TypeError, ValueError):
        return  # not array-like: the conversion that follows reports it
    if missing.ndim == 0 or not missing.any():
        return
    flat = np.flatnonzero(missing.reshape(missing.shape[0], -1).any(axis=1))
    i = int(flat[0])
    index = values.index if isinstance(values, pd.Series | pd.DataFrame) else None
    where = f"row {show_value(index[i])}" if index is not None else f"row {i}"
    raise ValidationError(
        format_message(
            name,
            "not contain missing values (NaN, None or NA)",
            f"{int(flat.size)} row(s) with missing values (first: {where})",
            "Drop or impute those rows first, e.g. X.dropna().",
        )
    )


def numbers_of(values: Any, name: str, *, ndim: int = 1) -> FloatArray:
    """``values`` as a new finite float64 array (missing values and text are refused)."""
    check_no_missing(values, name)
    if isinstance(values, pd.Series | pd.DataFrame):
        try:
            values = values.to_numpy(dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                format_message(
                    name,
                    "hold numbers",
                    f"dtype {values.dtypes.iloc[0] if ndim == 2 else values.dtype}",
                    "Convert text with pandas.to_numeric and drop unparsable entries first.",
                )
            ) from exc
    return as_float_array(values, name, ndim=ndim)
