"""RFM scores and named RFM segments with a validated, total segment map."""

from __future__ import annotations

import difflib
import itertools
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._frames import is_engine_frame
from precisemkt._typing import IntArray
from precisemkt._validation import (
    check_columns,
    check_int,
    format_message,
    require_frame,
    show_value,
)
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError

__all__ = ["SEGMENTS", "STANDARD_GRID", "rfm_scores", "rfm_segments", "segment_map_table"]

#: Segment names of the standard map, from the best customers to the lost ones.
SEGMENTS = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalist",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "At Risk",
    "Can't Lose Them",
    "Hibernating",
    "Lost",
)

#: The standard map on the 5 x 5 grid of recency score R (rows, 5 first) and the
#: frequency-monetary score FM = floor((F + M) / 2) (columns 1..5).
STANDARD_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New Customers", "Potential Loyalist", "Potential Loyalist", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalist", "Potential Loyalist", "Loyal Customers", "Champions"),
    3: ("About To Sleep", "About To Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"),
    1: ("Lost", "Lost", "At Risk", "At Risk", "Can't Lose Them"),
}

_SCORES = ("r_score", "f_score", "m_score")
#: "000".."999", looked up by 100 r + 10 f + m (much faster than string concatenation).
_CODE_TEXT = np.array([f"{i:03d}" for i in range(1000)], dtype=object)


def _scores(values: Any, bins: int, higher_is_better: bool) -> IntArray:
    """``1 + floor(bins * w / n)`` with ``w`` the number of values strictly worse."""
    ordered = np.sort(values)
    if higher_is_better:
        worse = np.searchsorted(ordered, values, side="left")
    else:
        worse = values.size - np.searchsorted(ordered, values, side="right")
    scores: IntArray = 1 + (bins * worse) // max(values.size, 1)
    return scores.astype(np.int64)


def _column(frame: pd.DataFrame, col: str) -> Any:
    values = pd.to_numeric(frame[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            format_message(
                f"column {show_value(col)}",
                "hold finite numbers",
                f"{int(bad.sum())} missing or non-finite value(s) (first: row "
                f"{show_value(frame.index[i])})",
                "Fill or drop those customers first.",
            )
        )
    return values


def _check_age_col(frame: pd.DataFrame, age_col: Any) -> None:
    """An explicitly named age column must exist: a typo would silently turn recency from
    "time since the last purchase" back into the column as it is."""
    try:
        present = age_col in frame.columns
    except TypeError:
        present = False
    if present:
        return
    names = [str(c) for c in frame.columns]
    close = [c for c in names if c.lower() == str(age_col).lower()]
    close = close or difflib.get_close_matches(str(age_col), names, n=1)
    raise ValidationError(
        format_message(
            "age_col",
            "name a column of summary (the customer age T of an rfm_summary table)",
            show_value(age_col),
            (f"Did you mean {close[0]!r}? " if close else "")
            + "Pass age_col=None to score recency_col as the time since the last purchase.",
        )
    )


def rfm_scores(
    summary: pd.DataFrame,
    *,
    bins: int = 5,
    recency_col: str = "recency",
    frequency_col: str = "frequency",
    monetary_value_col: str = "monetary_value",
    age_col: str | None = "T",
) -> Any:
    """Score recency, frequency and monetary value from 1 (worst) to ``bins`` (best).

    RFM recency is the time *since the last purchase* (lower is better). In an
    :func:`~precisemkt.profiling.rfm_summary` table ``recency`` is the time from the first
    to the last purchase and ``T`` the customer's age, so when ``summary`` has the column
    ``age_col`` the time since the last purchase is taken as ``T - recency``; otherwise
    ``recency_col`` is used as it is (e.g. ``recency_days`` of ``profile_customers``).

    How bins are cut: a customer's score is ``1 + floor(bins * w / n)`` where ``n`` is the
    number of customers and ``w`` the number of customers with a strictly worse value. So
    without ties the scores are equal-count quantile bins (quintiles for ``bins=5``), equal
    values always get equal scores whatever the row order, a tie block gets the score of its
    lowest position, and scores never decrease as the value improves. With heavy ties (half
    of CDNOW's customers never bought again) a score can be left unused; a
    :class:`~precisemkt.errors.DataQualityWarning` then says which.

    Parameters
    ----------
    summary : pandas.DataFrame or a frame narwhals supports
        One row per customer. Not modified. A Polars, DuckDB, Spark … frame is scored on
        its engine and comes back as the engine's frame with the four columns appended.
    bins : int, default 5
        Number of score levels, 2..9 (a code is one digit per score).
    recency_col, frequency_col, monetary_value_col : str
        Columns to score.
    age_col : str or None, default "T"
        Age column of an ``rfm_summary`` table (see above); ``None`` uses ``recency_col``
        directly even when a ``T`` column exists. A name other than the default ``"T"``
        must exist (a misspelt name raises instead of silently changing what recency
        means).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``summary``: ``r_score``, ``f_score``, ``m_score`` (int64) and
        ``rfm_code`` (e.g. ``"545"``). ``attrs["rfm_bins"]`` records ``bins``.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"recency_days": [1, 30, 200, 400, 60],
    ...                         "frequency": [10, 3, 1, 0, 5],
    ...                         "monetary_value": [50.0, 20.0, 25.0, 0.0, 35.0]})
    >>> rfm_scores(summary, recency_col="recency_days")["rfm_code"].tolist()
    ['555', '432', '223', '111', '344']
    """
    if is_engine_frame(summary):  # Polars, DuckDB, Spark …: cut points found on the engine
        from precisemkt.segmentation._engine import rfm_scores_engine

        return rfm_scores_engine(
            summary,
            bins=bins,
            recency_col=recency_col,
            frequency_col=frequency_col,
            monetary_value_col=monetary_value_col,
            age_col=age_col,
        )
    frame = require_frame(summary, "summary")
    bins = check_int(bins, "bins", low=2, high=9, hint="Use 5 for the usual quintile scores.")
    check_columns(
        frame,
        {
            "recency_col": recency_col,
            "frequency_col": frequency_col,
            "monetary_value_col": monetary_value_col,
        },
        name="summary",
    )
    if age_col is not None and age_col != "T":
        _check_age_col(frame, age_col)
    use_age = age_col is not None and age_col in frame.columns
    if use_age:
        check_columns(frame, {"age_col": age_col}, name="summary")
    recency = _column(frame, recency_col)
    if use_age and age_col is not None:
        recency = _column(frame, age_col) - recency
    columns = {
        "r_score": _scores(recency, bins, higher_is_better=False),
        "f_score": _scores(_column(frame, frequency_col), bins, higher_is_better=True),
        "m_score": _scores(_column(frame, monetary_value_col), bins, higher_is_better=True),
    }
    if len(frame):
        for name, scores in columns.items():
            unused = sorted(set(range(1, bins + 1)) - set(np.unique(scores).tolist()))
            if unused:
                warnings.warn(
                    f"{name} leaves score(s) {unused} of 1..{bins} unused: ties in the data "
                    "(equal values always share a score) or fewer distinct values than bins. "
                    "Use fewer bins or a more finely measured column if every level matters.",
                    DataQualityWarning,
                    stacklevel=2,
                )
    out = pd.DataFrame(columns, index=frame.index)
    number = 100 * columns["r_score"] + 10 * columns["f_score"] + columns["m_score"]
    out["rfm_code"] = _CODE_TEXT[number]
    out.attrs["rfm_bins"] = bins
    return out


def _standard_codes() -> dict[str, str]:
    return {
        f"{r}{f}{m}": STANDARD_GRID[r][(f + m) // 2 - 1]
        for r, f, m in itertools.product(range(1, 6), repeat=3)
    }


def _rule_codes(name: str, rule: Any, bins: int) -> set[str]:
    """The codes a user rule covers: a mapping of score ranges or a collection of codes."""
    every = range(1, bins + 1)
    if isinstance(rule, Mapping):
        unknown = set(rule) - {"r", "f", "m"}
        if unknown:
            raise InvalidParameterError(
                format_message(
                    f"segment_map[{name!r}]",
                    "have only the keys 'r', 'f', 'm' (inclusive (low, high) score ranges)",
                    show_value(sorted(unknown)),
                    "E.g. {'r': (4, 5), 'f': (4, 5)}; a missing key means any score.",
                )
            )
        ranges = []
        for key in ("r", "f", "m"):
            low, high = rule.get(key, (1, bins))
            ranges.append(range(int(low), int(high) + 1))
        return {f"{r}{f}{m}" for r, f, m in itertools.product(*ranges) if {r, f, m} <= set(every)}
    if isinstance(rule, Iterable) and not isinstance(rule, str):
        return {str(c) for c in rule}
    raise InvalidParameterError(
        format_message(
            f"segment_map[{name!r}]",
            "be a mapping of score ranges or a collection of codes such as ['555', '554']",
            show_value(rule),
            "",
        )
    )


def _resolve_map(segment_map: str | Mapping[str, Any], bins: int) -> dict[str, str]:
    """Code -> segment for all bins**3 codes; raises unless the map is a total partition."""
    if isinstance(segment_map, str):
        if segment_map != "standard":
            raise InvalidParameterError(
                format_message(
                    "segment_map", "be 'standard' or a mapping", show_value(segment_map), ""
                )
            )
        if bins != 5:
            raise InvalidParameterError(
                format_message(
                    "bins",
                    "be 5 for the standard segment map (it is defined on 1..5 scores)",
                    show_value(bins),
                    "Score with bins=5 or pass your own segment_map.",
                )
            )
        return _standard_codes()
    if not isinstance(segment_map, Mapping) or not segment_map:
        raise InvalidParameterError(
            format_message(
                "segment_map", "be 'standard' or a non-empty mapping", show_value(segment_map), ""
            )
        )
    every = {"".join(map(str, c)) for c in itertools.product(range(1, bins + 1), repeat=3)}
    owner: dict[str, str] = {}
    for name, rule in segment_map.items():
        codes = _rule_codes(str(name), rule, bins)
        outside = sorted(codes - every)
        if outside:
            raise InvalidParameterError(
                format_message(
                    f"segment_map[{name!r}]",
                    f"only contain codes with scores 1..{bins}",
                    f"{outside[:5]}",
                    "",
                )
            )
        if not codes:
            raise InvalidParameterError(
                format_message(
                    f"segment_map[{name!r}]",
                    "cover at least one code (every segment must be reachable)",
                    "no code",
                    "Widen its ranges or drop the segment.",
                )
            )
        for code in sorted(codes):
            if code in owner:
                raise InvalidParameterError(
                    format_message(
                        "segment_map",
                        "assign every code to exactly one segment",
                        f"code {code!r} in both {owner[code]!r} and {name!r}",
                        "Make the rules disjoint.",
                    )
                )
            owner[code] = str(name)
    missing = sorted(every - set(owner))
    if missing:
        raise InvalidParameterError(
            format_message(
                "segment_map",
                f"assign every one of the {len(every)} codes to a segment",
                f"{len(missing)} code(s) in no segment (first: {missing[:5]})",
                "Add a catch-all segment or widen the rules.",
            )
        )
    return owner


def segment_map_table(
    segment_map: str | Mapping[str, Any] = "standard", *, bins: int = 5
) -> pd.DataFrame:
    """Every RFM code with its segment: the whole map, after validation.

    Parameters
    ----------
    segment_map : "standard" or mapping
        As in :func:`rfm_segments`.
    bins : int, default 5
        Score levels of the codes.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rfm_code`` (``bins**3`` rows): ``r_score``, ``f_score``, ``m_score``,
        ``segment``.

    Examples
    --------
    >>> table = segment_map_table()
    >>> len(table), table.loc["555", "segment"], table.loc["111", "segment"]
    (125, 'Champions', 'Lost')
    """
    bins = check_int(bins, "bins", low=2, high=9)
    mapping = _resolve_map(segment_map, bins)
    codes = sorted(mapping, reverse=True)
    return pd.DataFrame(
        {
            "r_score": [int(c[0]) for c in codes],
            "f_score": [int(c[1]) for c in codes],
            "m_score": [int(c[2]) for c in codes],
            "segment": [mapping[c] for c in codes],
        },
        index=pd.Index(codes, name="rfm_code"),
    )


def rfm_segments(
    scores: pd.DataFrame,
    *,
    segment_map: str | Mapping[str, Any] = "standard",
    bins: int | None = None,
) -> pd.Series:
    """Name every customer's RFM segment.

    The standard map (``segment_map="standard"``, for ``bins=5``) places each customer on a
    5 x 5 grid of the recency score R and FM = floor((F + M) / 2); it is a total function:
    each of the 125 codes maps to exactly one of the 11 segments in ``SEGMENTS`` and every
    segment is reached (see :func:`segment_map_table` and the docs table).

    A user map is a mapping from segment name to either score ranges,
    ``{"r": (4, 5), "f": (1, 2)}`` (inclusive; a missing key means any score), or a
    collection of codes, ``["555", "554"]``. It is validated the same way: every code must
    belong to exactly one segment and every segment must cover at least one code.

    Parameters
    ----------
    scores : pandas.DataFrame
        ``r_score``, ``f_score``, ``m_score`` as :func:`rfm_scores` returns. Not modified.
    segment_map : "standard" or mapping, default "standard"
    bins : int, optional
        Score levels (default: ``scores.attrs["rfm_bins"]``, else 5).

    Returns
    -------
    pandas.Series
        Categorical segment names (categories in map order), indexed like ``scores``,
        named ``segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"r_score": [5, 1, 5], "f_score": [5, 1, 1], "m_score": [4, 2, 1]})
    >>> rfm_segments(scores).tolist()
    ['Champions', 'Lost', 'New Customers']
    >>> my_map = {"Active": {"r": (3, 5)}, "Inactive": {"r": (1, 2)}}
    >>> rfm_segments(scores, segment_map=my_map).tolist()
    ['Active', 'Inactive', 'Active']
    """
    frame = require_frame(scores, "scores")
    check_columns(frame, {c: c for c in _SCORES}, name="scores")
    if bins is None:
        bins = int(frame.attrs.get("rfm_bins", 5))
    bins = check_int(bins, "bins", low=2, high=9)
    mapping = _resolve_map(segment_map, bins)
    raw = frame[list(_SCORES)]
    missing = raw.isna().to_numpy()
    values = raw.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    valid = np.isin(np.nan_to_num(values, nan=-1.0), np.arange(1, bins + 1))
    if not valid.all():
        row, col = np.argwhere(~valid)[0]
        shown = "a missing value" if missing[row, col] else show_value(raw.iat[row, col])
        raise ValidationError(
            format_message(
                f"column {_SCORES[col]!r}",
                f"hold integer scores 1..{bins}",
                f"{int((~valid).sum())} bad value(s) (first: row {show_value(frame.index[row])}, "
                f"{shown})",
                "Pass the output of rfm_scores with the same bins (and drop customers "
                "without scores).",
            )
        )
    names = list(SEGMENTS) if isinstance(segment_map, str) else [str(k) for k in segment_map]
    lookup = np.full(1000, -1, dtype=np.int64)
    for code, segment in mapping.items():
        lookup[int(code)] = names.index(segment)
    number = values.astype(np.int64) @ np.array([100, 10, 1])
    segments = pd.Categorical.from_codes(lookup[number], categories=pd.Index(names))
    return pd.Series(segments, index=frame.index, name="segment")
