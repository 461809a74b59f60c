"""Simulated user-item interactions from known latent factors."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, SeedLike
from precisemkt._validation import check_int, check_interval, check_random_state

__all__ = ["SimulatedInteractions", "make_interactions"]


class SimulatedInteractions(NamedTuple):
    """What :func:`make_interactions` returns.

    Attributes
    ----------
    interactions : pandas.DataFrame
        One row per (user, item) purchase: ``user_id`` ("U00001"), ``item_id`` ("I0001"),
        ``quantity`` (1 + Poisson(1)) and ``timestamp`` (within 2024), in time order.
    user_factors : ndarray of shape (n_users, factors)
    item_factors : ndarray of shape (n_items, factors)
    item_bias : ndarray of shape (n_items,)
        ``-popularity_exponent * log(rank)``: item ``I0001`` is the most popular a priori.
    """

    interactions: pd.DataFrame
    user_factors: FloatArray
    item_factors: FloatArray
    item_bias: FloatArray


def make_interactions(
    n_users: int = 1000,
    n_items: int = 200,
    *,
    factors: int = 8,
    mean_interactions: float = 20.0,
    popularity_exponent: float = 1.0,
    taste_strength: float = 2.0,
    random_state: SeedLike = None,
) -> SimulatedInteractions:
    """Simulate purchases driven by known taste factors and Zipf-like popularity.

    User ``u`` likes item ``i`` with utility ``s_ui = x_u'y_i + b_i``, with factors
    ``x_u, y_i ~ N(0, sigma**2 I)``, ``sigma = (taste_strength**2 / factors)**0.25`` (so
    the taste term ``x_u'y_i`` has standard deviation ``taste_strength``) and bias
    ``b_i = -popularity_exponent * log(i + 1)``. Each user buys
    ``m_u = min(1 + Poisson(mean_interactions - 1), n_items // 2)`` distinct items, drawn
    without replacement with probability proportional to
    ``exp(s_ui)`` (Plackett-Luce, sampled with Gumbel noise), so a recommender that
    recovers the factors ranks a user's held-out purchases high.

    Parameters
    ----------
    n_users, n_items : int
    factors : int, default 8
    mean_interactions : float, default 20
        Mean distinct items per user (>= 1).
    popularity_exponent : float, default 1.0
        Strength of the popularity skew (0: none).
    taste_strength : float, default 2.0
        Standard deviation of the taste term (0: purchases follow popularity only).
    random_state : int, numpy.random.Generator or None

    Returns
    -------
    SimulatedInteractions

    Examples
    --------
    >>> from precisemkt.datasets import make_interactions
    >>> sim = make_interactions(n_users=50, n_items=30, random_state=0)
    >>> sim.interactions.columns.tolist()
    ['user_id', 'item_id', 'quantity', 'timestamp']
    >>> sim.user_factors.shape, sim.item_factors.shape
    ((50, 8), (30, 8))
    """
    n_users = check_int(n_users, "n_users", low=1)
    n_items = check_int(n_items, "n_items", low=2)
    factors = check_int(factors, "factors", low=1)
    mean = check_interval(mean_interactions, "mean_interactions", low=1.0, high=1e6)
    expo = check_interval(popularity_exponent, "popularity_exponent", low=0.0, high=10.0)
    taste = check_interval(taste_strength, "taste_strength", low=0.0, high=100.0)
    rng = check_random_state(random_state)
    scale = (taste**2 / factors) ** 0.25
    x = rng.normal(0.0, scale, (n_users, factors))
    y = rng.normal(0.0, scale, (n_items, factors))
    bias = -expo * np.log(np.arange(1, n_items + 1, dtype=np.float64))
    counts = np.minimum(1 + rng.poisson(mean - 1.0, n_users), n_items // 2).astype(np.int64)
    users, items = [], []
    step = max(1, 4_000_000 // n_items)
    for lo in range(0, n_users, step):
        hi = min(n_users, lo + step)
        keys = x[lo:hi] @ y.T + bias + rng.gumbel(size=(hi - lo, n_items))
        order = np.argsort(-keys, axis=1, kind="stable")
        take = np.arange(n_items)[None, :] < counts[lo:hi, None]
        users.append(np.repeat(np.arange(lo, hi), counts[lo:hi]))
        items.append(order[take])
    u = np.concatenate(users)
    i = np.concatenate(items)
    seconds = rng.uniform(0, 366 * 86400, u.size)
    frame = pd.DataFrame(
        {
            "user_id": np.char.add("U", np.char.zfill(u.astype(str), 5)),
            "item_id": np.char.add("I", np.char.zfill((i + 1).astype(str), 4)),
            "quantity": 1 + rng.poisson(1.0, u.size),
            "timestamp": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.floor(seconds), unit="s"),
        }
    )
    frame = frame.sort_values("timestamp", kind="stable").reset_index(drop=True)
    return SimulatedInteractions(frame, x, y, bias)
