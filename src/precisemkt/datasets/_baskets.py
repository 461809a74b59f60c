"""Simulated market baskets with planted association rules of known lift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    check_int,
    check_interval,
    check_random_state,
    format_message,
)
from precisemkt.errors import InvalidParameterError

__all__ = ["SimulatedBaskets", "make_baskets"]

#: Largest base probability of an item (keeps every item sparse-ish).
_P_MAX = 0.5


@dataclass(frozen=True, slots=True)
class SimulatedBaskets(ResultMixin):
    """Baskets from :func:`make_baskets` and the truth they were drawn from.

    Attributes
    ----------
    orders : pandas.DataFrame
        One row per (basket, item): ``basket_id`` (int64, 0..n_baskets-1) and ``item``
        (int64, 0 = the most popular item), sorted by basket then item.
    rules : pandas.DataFrame
        The planted rules: ``antecedent`` and ``consequent`` (tuples of items),
        ``support`` (probability that a basket holds both), ``confidence`` and ``lift``
        (their true values).
    item_probability : pandas.Series
        Each item's base probability of being in a basket (before the planted rules).
    """

    orders: pd.DataFrame
    rules: pd.DataFrame
    item_probability: pd.Series


def _base_probabilities(n_items: int, mean_size: float, exponent: float) -> FloatArray:
    """Zipf-shaped probabilities ``min(c / rank**s, 0.5)`` summing to ``mean_size``."""
    weights = 1.0 / np.arange(1, n_items + 1, dtype=np.float64) ** exponent
    lo, hi = 0.0, _P_MAX / weights[-1]
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if np.minimum(mid * weights, _P_MAX).sum() < mean_size:
            lo = mid
        else:
            hi = mid
    p: FloatArray = np.minimum(hi * weights, _P_MAX)
    return p


def make_baskets(
    n_baskets: int = 10_000,
    n_items: int = 200,
    *,
    mean_basket_size: float = 5.0,
    zipf_exponent: float = 1.0,
    n_rules: int = 3,
    antecedent_len: int = 1,
    rule_confidence: float = 0.6,
    random_state: SeedLike = None,
) -> SimulatedBaskets:
    """Simulate baskets of independent items with planted rules of known lift.

    Item ``i`` (0 = most popular) enters each basket independently with probability
    ``p_i = min(c / (i + 1)**zipf_exponent, 0.5)``, ``c`` chosen so that the ``p_i`` sum
    to ``mean_basket_size``. Then each planted rule ``A -> c`` adds its consequent to a
    basket holding all of ``A`` with probability ``q = (rule_confidence - p_c) / (1 -
    p_c)``, so that ``P(c | A) = rule_confidence`` exactly. The rules use distinct items,
    drawn at random from the ``4 * n_rules * (antecedent_len + 1)`` most popular items,
    so with ``P(A) = prod p_a`` the true lift is ``rule_confidence / P(c)`` with ``P(c) =
    p_c + P(A) (1 - p_c) q``. Every other pair of items is independent (lift 1).

    The draw is sparse: for each item a binomial count of baskets, then that many
    distinct baskets, so a million baskets over ten thousand items take seconds.

    Parameters
    ----------
    n_baskets, n_items : int
        Size of the data (``n_items >= (n_rules * (antecedent_len + 1))``).
    mean_basket_size : float
        Expected number of items per basket before the rules (< ``0.5 * n_items``).
    zipf_exponent : float
        Skew of item popularity (0: all items equally popular).
    n_rules : int
        Number of planted rules (0 for purely independent items).
    antecedent_len : int
        Items on the left of each planted rule.
    rule_confidence : float in (0, 1)
        True confidence of every planted rule; must exceed each consequent's ``p_c``.
    random_state : int, Generator or None
        Seed; same seed, same baskets.

    Returns
    -------
    SimulatedBaskets

    Examples
    --------
    >>> from precisemkt.datasets import make_baskets
    >>> sim = make_baskets(1000, 50, n_rules=2, random_state=1)
    >>> sim.orders.columns.tolist(), len(sim.rules)
    (['basket_id', 'item'], 2)
    >>> bool((sim.rules["lift"] > 1).all())
    True
    """
    n = check_int(n_baskets, "n_baskets", low=1)
    m = check_int(n_items, "n_items", low=1)
    k = check_int(n_rules, "n_rules", low=0)
    a_len = check_int(antecedent_len, "antecedent_len", low=1)
    if k * (a_len + 1) > m:
        raise InvalidParameterError(
            format_message(
                "n_items",
                "be at least n_rules * (antecedent_len + 1)",
                f"{m} for {k} rules with {a_len}-item antecedents",
                "Add items or plant fewer rules.",
            )
        )
    size = check_interval(
        mean_basket_size, "mean_basket_size", low=0, high=_P_MAX * m, closed="neither"
    )
    exponent = check_interval(zipf_exponent, "zipf_exponent", low=0, high=10)
    conf = check_interval(rule_confidence, "rule_confidence", low=0, high=1, closed="neither")
    rng = check_random_state(random_state)
    p = _base_probabilities(m, size, exponent)
    members: list[IntArray] = []
    for i in range(m):
        hits = rng.choice(n, size=int(rng.binomial(n, p[i])), replace=False)
        members.append(np.sort(hits).astype(np.int64))
    pool = min(m, 4 * k * (a_len + 1))
    chosen = rng.choice(pool, size=k * (a_len + 1), replace=False).reshape(k, a_len + 1)
    rows = []
    for r in range(k):
        antecedent = np.sort(chosen[r, :a_len])
        c = int(chosen[r, a_len])
        if not p[c] < conf:
            raise InvalidParameterError(
                format_message(
                    "rule_confidence",
                    f"exceed the base probability of each planted consequent (item {c})",
                    f"{conf:g} <= {p[c]:.4g}",
                    "Raise rule_confidence or lower mean_basket_size.",
                )
            )
        q = (conf - p[c]) / (1 - p[c])
        holders = members[int(antecedent[0])]
        for item in antecedent[1:]:
            holders = np.intersect1d(holders, members[int(item)], assume_unique=True)
        candidates = np.setdiff1d(holders, members[c], assume_unique=True)
        added = candidates[rng.random(candidates.size) < q]
        members[c] = np.union1d(members[c], added)
        p_a = float(np.prod(p[antecedent]))
        p_c = p[c] + p_a * (1 - p[c]) * q
        rows.append(
            {
                "antecedent": tuple(int(x) for x in antecedent),
                "consequent": (c,),
                "support": p_a * conf,
                "confidence": conf,
                "lift": conf / p_c,
            }
        )
    lengths = np.array([x.size for x in members], dtype=np.int64)
    baskets = np.concatenate(members) if members else np.empty(0, dtype=np.int64)
    items = np.repeat(np.arange(m, dtype=np.int64), lengths)
    order = np.lexsort((items, baskets))
    orders = pd.DataFrame({"basket_id": baskets[order], "item": items[order]})
    rules = pd.DataFrame(
        rows, columns=["antecedent", "consequent", "support", "confidence", "lift"]
    )
    return SimulatedBaskets(
        orders=orders,
        rules=rules,
        item_probability=pd.Series(p, index=pd.RangeIndex(m, name="item"), name="probability"),
    )
