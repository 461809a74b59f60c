"""Train/test splits of an interaction log for offline evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import SeedLike
from precisemkt._validation import (
    check_int,
    check_interval,
    check_random_state,
    format_message,
    require_columns,
    require_frame,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["leave_last_out", "split_by_time", "split_per_user"]


def _times(data: pd.DataFrame, time_col: str) -> pd.Series:
    require_columns(data, [time_col])
    times = data[time_col]
    if times.isna().any():
        raise ValidationError(
            format_message(
                f"column {time_col!r}",
                "not contain missing times",
                f"{int(times.isna().sum())} missing",
                "Drop or impute them first.",
            )
        )
    return times


def split_by_time(
    data: pd.DataFrame,
    cutoff: Any = None,
    *,
    test_size: float = 0.2,
    time_col: str = "timestamp",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split at a point in time: the past trains, the future tests (a global split).

    Parameters
    ----------
    data : DataFrame
        The interaction log.
    cutoff : scalar, optional
        Rows with ``time >= cutoff`` go to the test set. Default: the time leaving about
        ``test_size`` of the rows in the test set.
    test_size : float, default 0.2
        Share of rows to test on when ``cutoff`` is None, in (0, 1).
    time_col : str, default "timestamp"

    Returns
    -------
    train, test : DataFrame
        Copies of the rows, in their original order.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import split_by_time
    >>> log = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": list("abcd"),
    ...                     "timestamp": [1, 2, 3, 4]})
    >>> train, test = split_by_time(log, cutoff=3)
    >>> train["item_id"].tolist(), test["item_id"].tolist()
    (['a', 'b'], ['c', 'd'])
    """
    data = require_frame(data, "data")
    times = _times(data, time_col)
    if cutoff is None:
        share = check_interval(test_size, "test_size", low=0.0, high=1.0, closed="neither")
        ordered = times.sort_values(kind="stable")
        cutoff = ordered.iloc[min(len(ordered) - 1, int(np.floor(len(ordered) * (1 - share))))]
    test = (times >= cutoff).to_numpy()
    return data.loc[~test].copy(), data.loc[test].copy()


def leave_last_out(
    data: pd.DataFrame,
    *,
    n: int = 1,
    user_col: str = "user_id",
    time_col: str = "timestamp",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out each user's last ``n`` interactions (users with more than ``n`` rows).

    Ties in time keep the row order (the later row is held out first).

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import leave_last_out
    >>> log = pd.DataFrame({"user_id": [1, 1, 1, 2], "item_id": list("abcd"),
    ...                     "timestamp": [3, 1, 2, 1]})
    >>> train, test = leave_last_out(log)
    >>> sorted(train["item_id"]), test["item_id"].tolist()
    (['b', 'c', 'd'], ['a'])
    """
    data = require_frame(data, "data")
    n = check_int(n, "n", low=1)
    require_columns(data, [user_col])
    times = _times(data, time_col)
    frame = pd.DataFrame(
        {"u": data[user_col].to_numpy(), "t": times.to_numpy(), "pos": np.arange(len(data))}
    )
    frame = frame.sort_values(["t", "pos"], kind="stable")
    from_end = frame.groupby("u", sort=False).cumcount(ascending=False).to_numpy()
    sizes = frame.groupby("u", sort=False)["u"].transform("size").to_numpy()
    chosen = frame["pos"].to_numpy()[(from_end < n) & (sizes > n)]
    test = np.zeros(len(data), dtype=bool)
    test[chosen] = True
    return data.loc[~test].copy(), data.loc[test].copy()


def split_per_user(
    data: pd.DataFrame,
    *,
    test_size: float = 0.2,
    user_col: str = "user_id",
    random_state: SeedLike = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hold out a random ``test_size`` share of each user's rows (at least one row stays in
    training; users with one row stay whole).

    Each user with ``m`` rows gives ``round(test_size * m)`` rows to the test set, capped
    at ``m - 1``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.recommend import split_per_user
    >>> log = pd.DataFrame({"user_id": [1] * 5 + [2], "item_id": list("abcdef")})
    >>> train, test = split_per_user(log, test_size=0.4, random_state=0)
    >>> len(train), len(test), test["user_id"].unique().tolist()
    (4, 2, [1])
    """
    data = require_frame(data, "data")
    share = check_interval(test_size, "test_size", low=0.0, high=1.0, closed="neither")
    require_columns(data, [user_col])
    if data[user_col].isna().any():
        raise InvalidParameterError(
            format_message(f"column {user_col!r}", "not contain missing ids", "NaN", "")
        )
    rng = check_random_state(random_state)
    codes, _ = pd.factorize(data[user_col])
    key = rng.random(len(data))
    order = np.lexsort((key, codes))
    sizes = np.bincount(codes)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    rank = np.arange(len(data)) - start[codes[order]]
    take = np.minimum(np.round(share * sizes), sizes - 1)[codes[order]]
    test = np.zeros(len(data), dtype=bool)
    test[order[rank < take]] = True
    return data.loc[~test].copy(), data.loc[test].copy()
