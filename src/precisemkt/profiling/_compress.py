"""Collapse a per-customer summary into its distinct patterns with counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import narwhals.stable.v2 as nw
import pandas as pd

from precisemkt._frames import as_engine_frame, collect_pandas, is_engine_frame
from precisemkt._frames import require_engine_columns as require_columns_engine
from precisemkt._units import ATTRS_KEY
from precisemkt._validation import check_bool, format_message, require_columns
from precisemkt.errors import InvalidParameterError

__all__ = ["compress_summary"]


def compress_summary(
    summary: Any,
    *,
    columns: Sequence[str] = ("frequency", "recency", "T"),
    monetary_value_col: str | None = "monetary_value",
    collect: bool = False,
) -> Any:
    """Distinct rows of ``columns`` with the number of customers sharing each (``count``).

    Millions of customers have a few hundred thousand distinct (frequency, recency, T)
    patterns; the CLV likelihoods depend on the data only through them, so a fit on the
    compressed table with ``weights="count"`` equals the fit on every customer. On an
    engine (Polars, DuckDB, Spark …) the grouping runs there and only the patterns come
    back (with ``collect=True``) or stay lazy.

    Parameters
    ----------
    summary : pandas.DataFrame or any frame narwhals supports
        The output of :func:`rfm_summary` (any frame with ``columns``).
    columns : sequence of str, default ("frequency", "recency", "T")
        The columns whose distinct combinations are kept. For Gamma-Gamma use
        ``("frequency", "monetary_value")`` on the repeat buyers.
    monetary_value_col : str or None, default "monetary_value"
        When present in the frame and not in ``columns``, its sum over each pattern's
        customers is kept as ``monetary_value_sum`` (``<monetary_value_col>_sum``).
    collect : bool, default False
        For a non-pandas frame: return a pandas frame instead of the engine's.

    Returns
    -------
    frame
        ``columns`` + ``count`` (+ the monetary sum), sorted by ``columns``; a pandas
        result keeps the summary's recorded time unit in ``attrs``.

    Examples
    --------
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> from precisemkt.clv import BGNBD
    >>> s = rfm_summary(load_cdnow(), freq="W")
    >>> c = compress_summary(s)
    >>> len(s), len(c), int(c["count"].sum())
    (2357, 964, 2357)
    >>> full, small = BGNBD().fit(s), BGNBD().fit(c, weights="count")
    >>> bool((full.params_ == small.params_).all())
    True
    """
    check_bool(collect, "collect")
    keys = [columns] if isinstance(columns, str) else list(columns)
    if not keys or len(set(keys)) != len(keys):
        raise InvalidParameterError(
            format_message(
                "columns",
                "name one or more distinct columns",
                repr(columns),
                "E.g. columns=('frequency', 'recency', 'T').",
            )
        )
    if is_engine_frame(summary):
        frame = as_engine_frame(summary, "summary")
        require_columns_engine(frame, keys, "summary")
        names = frame.collect_schema().names()
        aggs = {"count": nw.len().cast(nw.Int64)}
        if (
            monetary_value_col is not None
            and monetary_value_col in names
            and monetary_value_col not in keys
        ):
            aggs[f"{monetary_value_col}_sum"] = nw.col(monetary_value_col).sum()
        out = frame.group_by(keys).agg(**aggs)
        # SQL engines may fold the case of grouping keys ("T" -> "t"): name them again
        out = out.select(*[nw.col(k).alias(k) for k in keys], *aggs)
        if not collect:
            return out.to_native()
        return collect_pandas(out).sort_values(keys, kind="stable", ignore_index=True)
    if not isinstance(summary, pd.DataFrame):
        raise InvalidParameterError(
            format_message(
                "summary",
                "be a DataFrame (pandas or any engine narwhals supports)",
                type(summary).__name__,
                "Pass the output of rfm_summary.",
            )
        )
    require_columns(summary, keys, name="summary")
    grouped = summary.groupby(keys, sort=True, dropna=False)
    result = grouped.size().rename("count").astype("int64").to_frame()
    if (
        monetary_value_col is not None
        and monetary_value_col in summary
        and monetary_value_col not in keys
    ):
        result[f"{monetary_value_col}_sum"] = grouped[monetary_value_col].sum()
    result = result.reset_index()
    if ATTRS_KEY in summary.attrs:
        result.attrs[ATTRS_KEY] = dict(summary.attrs[ATTRS_KEY])
    return result
