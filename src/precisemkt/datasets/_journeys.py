"""Simulated customer journeys from a known first-order Markov chain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    check_int,
    check_interval,
    check_random_state,
    format_message,
)
from precisemkt.errors import InvalidParameterError

__all__ = ["SimulatedJourneys", "make_journeys"]

_NAMES = (
    "search",
    "social",
    "email",
    "display",
    "direct",
    "affiliate",
    "video",
    "referral",
    "push",
    "sms",
)
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


class SimulatedJourneys(NamedTuple):
    """What :func:`make_journeys` returns; unpack as ``events, paths, chain = sim``.

    Attributes
    ----------
    events : pandas.DataFrame
        One row per touch, sorted by journey and time: ``customer_id``, ``timestamp``,
        ``channel``, ``conversion`` (True on the touch that converted) and ``value`` (the
        conversion value on that touch, 0 elsewhere). Each simulated journey is one
        customer, so :func:`precisemkt.attribution.paths_from_events` gives one path each.
    paths : pandas.DataFrame
        The journeys aggregated by path, ChannelAttribution style: ``path``
        ("search > email"), ``conversions``, ``nulls`` and ``value``.
    chain : pandas.DataFrame
        The true transition probabilities: rows ``(start)`` and the channels, columns the
        channels, ``(conversion)`` and ``(null)``; each row sums to 1.
    """

    events: pd.DataFrame
    paths: pd.DataFrame
    chain: pd.DataFrame


def _channel_names(channels: int | Sequence[str]) -> list[str]:
    if isinstance(channels, int | np.integer) and not isinstance(channels, bool):
        n = check_int(channels, "channels", low=1, high=64)
        if n <= len(_NAMES):
            return list(_NAMES[:n])
        return [f"channel_{i:02d}" for i in range(1, n + 1)]
    if isinstance(channels, str) or not isinstance(channels, Sequence) or not channels:
        raise InvalidParameterError(
            format_message(
                "channels",
                "be a number of channels or a non-empty sequence of names",
                repr(channels),
                "Pass e.g. channels=5 or channels=['search', 'email'].",
            )
        )
    names = [str(c) for c in channels]
    if len(set(names)) != len(names) or any(not n.strip() or ">" in n or "\n" in n for n in names):
        raise InvalidParameterError(
            format_message(
                "channels",
                "hold distinct, non-empty names without '>' or line breaks",
                repr(channels),
                "Rename the channels.",
            )
        )
    return names


def _random_chain(names: list[str], rng: np.random.Generator) -> pd.DataFrame:
    """A chain without self-loops: start spread over channels, each channel converting
    with probability in [0.02, 0.15], dropping out with probability in [0.15, 0.45] and
    otherwise moving to another channel."""
    n = len(names)
    table = np.zeros((n + 1, n + 2))
    table[0, :n] = rng.dirichlet(np.ones(n))
    convert = rng.uniform(0.02, 0.15, n)
    drop = rng.uniform(0.15, 0.45, n)
    for i in range(n):
        move = np.zeros(n)
        if n > 1:
            others = [j for j in range(n) if j != i]
            move[others] = rng.dirichlet(np.ones(n - 1))
            table[i + 1, :n] = (1.0 - convert[i] - drop[i]) * move
            table[i + 1, n], table[i + 1, n + 1] = convert[i], drop[i]
        else:
            total = convert[i] + drop[i]
            table[i + 1, n], table[i + 1, n + 1] = convert[i] / total, drop[i] / total
    return pd.DataFrame(table, index=[START, *names], columns=[*names, CONVERSION, NULL])


def _check_chain(chain: object, names: list[str]) -> pd.DataFrame:
    rows, cols = [START, *names], [*names, CONVERSION, NULL]
    if (
        not isinstance(chain, pd.DataFrame)
        or sorted(map(str, chain.index)) != sorted(rows)
        or sorted(map(str, chain.columns)) != sorted(cols)
    ):
        raise InvalidParameterError(
            format_message(
                "transition_matrix",
                f"be a DataFrame with rows {rows} and columns {cols}",
                type(chain).__name__ if not isinstance(chain, pd.DataFrame) else "other labels",
                "Start from make_journeys(...).chain and edit it.",
            )
        )
    table = chain.loc[rows, cols].to_numpy(dtype=np.float64)
    n = len(names)
    valid = (
        np.isfinite(table).all()
        and (table >= 0).all()
        and np.allclose(table.sum(axis=1), 1.0, atol=1e-9)
        and table[0, n:].sum() == 0
    )
    if not valid:
        raise InvalidParameterError(
            format_message(
                "transition_matrix",
                "hold non-negative probabilities with rows summing to 1 and no exit "
                "straight from (start)",
                "a table breaking this",
                "Normalise each row; every journey needs at least one touch.",
            )
        )
    if np.abs(np.linalg.eigvals(table[1:, :n])).max() >= 1.0 - 1e-9:
        raise InvalidParameterError(
            format_message(
                "transition_matrix",
                "let every journey end (reach (conversion) or (null))",
                "a closed loop of channels",
                "Give every channel some chance to convert or drop out.",
            )
        )
    return pd.DataFrame(table, index=rows, columns=cols)


def _walk(
    table: FloatArray, n_journeys: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Simulate all journeys at once; returns journey and channel of every touch (in
    order within journeys), and each journey's outcome (0 conversion, 1 null) and length."""
    n_channels = table.shape[0] - 1
    cumulative = np.cumsum(table, axis=1)
    cumulative[:, -1] = 1.0
    state = np.zeros(n_journeys, np.int64)  # row 0 = START
    active = np.arange(n_journeys)
    who: list[IntArray] = []
    where: list[IntArray] = []
    outcome = np.zeros(n_journeys, np.int64)
    while active.size:
        u = rng.random(active.size)
        nxt = (cumulative[state[active]] < u[:, None]).sum(axis=1)
        moving = nxt < n_channels
        who.append(active[moving])
        where.append(nxt[moving])
        ended = active[~moving]
        outcome[ended] = nxt[~moving] - n_channels
        state[active[moving]] = nxt[moving] + 1
        active = active[moving]
    journeys = np.concatenate(who)
    channels = np.concatenate(where)
    order = np.argsort(journeys, kind="stable")
    lengths = np.bincount(journeys, minlength=n_journeys)
    return journeys[order], channels[order], outcome, lengths


def make_journeys(
    n_journeys: int,
    *,
    channels: int | Sequence[str] = 5,
    transition_matrix: pd.DataFrame | None = None,
    mean_gap_days: float = 2.0,
    mean_value: float = 50.0,
    start: str | pd.Timestamp = "2024-01-01",
    span_days: float = 90.0,
    random_state: SeedLike = None,
) -> SimulatedJourneys:
    """Simulate customer journeys from a known first-order Markov chain.

    Each journey starts at ``(start)``, moves from channel to channel with the chain's
    probabilities and ends in ``(conversion)`` or ``(null)``; every visit is a touch.
    Journeys begin at a uniform time in ``[start, start + span_days)``, touches are
    separated by exponential gaps with mean ``mean_gap_days``, and a conversion's value
    is Gamma-distributed with shape 2 and mean ``mean_value``. Because the chain is
    known, its exact removal effects are the truth that attribution should recover.

    Parameters
    ----------
    n_journeys : int
        Number of journeys (>= 1).
    channels : int or sequence of str, default 5
        Channel names, or how many (named search, social, email, display, direct, ...).
    transition_matrix : pandas.DataFrame, optional
        The chain (see :class:`SimulatedJourneys` for its layout). Default: a random chain
        drawn from ``random_state`` without self-loops, each channel converting with
        probability 2-15% and dropping out with probability 15-45%.
    mean_gap_days : float, default 2.0
        Mean time between touches, in days.
    mean_value : float, default 50.0
        Mean conversion value.
    start : str or Timestamp, default "2024-01-01"
        Earliest journey start.
    span_days : float, default 90.0
        Journeys start uniformly within this many days.
    random_state : int, Generator or None
        Seed; the same seed gives the same journeys (and the same random chain).

    Returns
    -------
    SimulatedJourneys
        ``(events, paths, chain)``.

    Examples
    --------
    >>> from precisemkt.datasets import make_journeys
    >>> events, paths, chain = make_journeys(1000, channels=3, random_state=0)
    >>> list(paths.columns)
    ['path', 'conversions', 'nulls', 'value']
    >>> int(paths["conversions"].sum() + paths["nulls"].sum())
    1000
    """
    n = check_int(n_journeys, "n_journeys", low=1)
    names = _channel_names(channels)
    gap = check_interval(mean_gap_days, "mean_gap_days", low=0, closed="neither")
    mean = check_interval(mean_value, "mean_value", low=0, closed="left")
    span = check_interval(span_days, "span_days", low=0, closed="left")
    origin = pd.Timestamp(start)
    rng = check_random_state(random_state)
    chain = (
        _random_chain(names, rng)
        if transition_matrix is None
        else _check_chain(transition_matrix, names)
    )
    journey, channel, outcome, lengths = _walk(chain.to_numpy(), n, rng)
    converted = outcome == 0
    value = np.where(converted, rng.gamma(2.0, mean / 2.0, n), 0.0)
    day = 86_400 * 10**9
    begin = rng.random(n) * span * day
    gaps = rng.exponential(gap * day, journey.size)
    first = np.zeros(n + 1, np.int64)
    np.cumsum(lengths, out=first[1:])
    gaps[first[:-1][lengths > 0]] = 0.0
    elapsed = np.cumsum(gaps)
    elapsed -= np.repeat(elapsed[first[:-1]], lengths)
    offsets = pd.to_timedelta(np.repeat(begin, lengths) + elapsed, unit="ns").round("s")
    stamps = origin + offsets
    is_last = np.zeros(journey.size, bool)
    is_last[first[1:] - 1] = True
    converting_touch = is_last & converted[journey]
    name_array = np.array(names, dtype=object)
    events = pd.DataFrame(
        {
            "customer_id": journey,
            "timestamp": stamps,
            "channel": name_array[channel],
            "conversion": converting_touch,
            "value": np.where(converting_touch, value[journey], 0.0),
        }
    )
    joined = "".join(
        [
            name + ("\n" if end else " > ")
            for name, end in zip(name_array[channel].tolist(), is_last.tolist(), strict=True)
        ]
    ).split("\n")[:-1]
    per_journey = pd.DataFrame(
        {
            "path": joined,
            "conversions": converted.astype(np.int64),
            "nulls": (~converted).astype(np.int64),
            "value": value,
        }
    )
    paths = per_journey.groupby("path", sort=True, as_index=False).sum()
    return SimulatedJourneys(events, paths, chain)
