"""``rfm_scores`` on any engine narwhals supports.

A score is ``1 + floor(bins * w / n)`` with ``w`` the number of customers with a strictly
worse value, so it depends only on the counts per distinct value. Those counts are one
``group_by`` per column on the engine; the scores of the distinct values are computed
locally, turned into at most ``bins - 1`` cut points per column, and the scores are then
``1 + (number of cut points reached)``: plain comparisons on the engine, so the customer
table never leaves it and ties share a score exactly as on pandas.
"""

from __future__ import annotations

import warnings
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np

from precisemkt._frames import (
    EngineFrame,
    as_engine_frame,
    collect_pandas,
    count_true,
    require_engine_columns,
)
from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_int, format_message
from precisemkt.errors import DataQualityWarning, ValidationError

__all__ = ["rfm_scores_engine", "scores_of_values"]


def scores_of_values(
    values: FloatArray, counts: IntArray, bins: int, higher_is_better: bool
) -> tuple[FloatArray, IntArray]:
    """Distinct values (ascending) and their scores, from value counts.

    Equal values (``-0.0`` and ``0.0``) are merged first, so the result equals the pandas
    path's ``1 + floor(bins * w / n)`` for every row holding that value.
    """
    uniq, inverse = np.unique(values, return_inverse=True)
    per_value = np.bincount(inverse, weights=counts, minlength=uniq.size).astype(np.int64)
    n = int(per_value.sum())
    below = np.concatenate(([0], np.cumsum(per_value)[:-1]))
    worse = below if higher_is_better else n - below - per_value
    scores: IntArray = (1 + (bins * worse) // max(n, 1)).astype(np.int64)
    return uniq, scores


def _score_expr(
    expr: nw.Expr, uniq: FloatArray, scores: IntArray, bins: int, higher_is_better: bool
) -> nw.Expr:
    """``1 + number of cut points reached``: the score of each row, by comparisons only."""
    total: nw.Expr = nw.lit(1, dtype=nw.Int64)
    for level in range(2, bins + 1):
        reach = uniq[scores >= level]
        if reach.size == 0:
            continue
        hit = expr >= float(reach.min()) if higher_is_better else expr <= float(reach.max())
        total = total + hit.cast(nw.Int64)
    return total


def _check_finite(frame: EngineFrame, columns: dict[str, nw.Expr]) -> None:
    bad = collect_pandas(
        frame.select(
            **{
                name: count_true(expr.is_null() | ~expr.is_finite().fill_null(True))
                for name, expr in columns.items()
            }
        )
    ).iloc[0]
    for name, value in bad.items():
        if int(value) > 0:
            raise ValidationError(
                format_message(
                    f"column {name!r}",
                    "hold finite numbers",
                    f"{int(value)} missing or non-finite value(s)",
                    "Fill or drop those customers first.",
                )
            )


def rfm_scores_engine(
    summary: Any,
    *,
    bins: int,
    recency_col: str,
    frequency_col: str,
    monetary_value_col: str,
    age_col: str | None,
) -> Any:
    """The narwhals implementation behind :func:`precisemkt.segmentation.rfm_scores`.

    Returns the engine's own frame (lazy stays lazy) with ``r_score``, ``f_score``,
    ``m_score`` (Int64) and ``rfm_code`` appended to its columns: an engine frame has no
    index, so the ids travel as columns.
    """
    frame = as_engine_frame(summary, "summary")
    bins = check_int(bins, "bins", low=2, high=9, hint="Use 5 for the usual quintile scores.")
    use_age = age_col is not None and age_col in frame.collect_schema().names()
    needed = [recency_col, frequency_col, monetary_value_col] + ([str(age_col)] if use_age else [])
    require_engine_columns(frame, needed, "summary")

    def number(col: str) -> nw.Expr:
        return nw.col(col).cast(nw.Float64)

    _check_finite(frame, {col: number(col) for col in needed})
    recency = number(recency_col)
    if use_age:
        recency = number(str(age_col)) - recency
    columns = {
        "r_score": (recency, False),
        "f_score": (number(frequency_col), True),
        "m_score": (number(monetary_value_col), True),
    }
    exprs = {}
    for name, (expr, higher) in columns.items():
        table = collect_pandas(
            frame.select(expr.alias("_x")).group_by("_x").agg(nw.len().alias("_n"))
        )
        uniq, scores = scores_of_values(
            table["_x"].to_numpy(np.float64), table["_n"].to_numpy(np.int64), bins, higher
        )
        if uniq.size:
            unused = sorted(set(range(1, bins + 1)) - set(scores.tolist()))
            if unused:
                warnings.warn(
                    f"{name} leaves score(s) {unused} of 1..{bins} unused: ties in the data "
                    "(equal values always share a score) or fewer distinct values than bins. "
                    "Use fewer bins or a more finely measured column if every level matters.",
                    DataQualityWarning,
                    stacklevel=3,
                )
        exprs[name] = _score_expr(expr, uniq, scores, bins, higher)
    # One with_columns from the score expressions themselves (some engines mis-resolve a
    # column added in a previous step of the same chain).
    code = 100 * exprs["r_score"] + 10 * exprs["f_score"] + exprs["m_score"]
    return frame.with_columns(**exprs, rfm_code=code.cast(nw.String)).to_native()
