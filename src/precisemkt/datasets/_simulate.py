"""Simulated transaction logs from "buy till you die" models, with the truth attached."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    check_int,
    check_interval,
    check_options,
    check_random_state,
    format_message,
)
from precisemkt.errors import InvalidParameterError

__all__ = ["SimulatedTransactions", "make_transactions"]

#: Published CDNOW estimates (time unit: weeks). BG/NBD and MBG/NBD: Fader, Hardie & Lee
#: (2005), "Counting your customers the easy way", Marketing Science 24(2), sec. 5.
#: Pareto/NBD: Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4), Table 1 (via note 009).
DEFAULT_PARAMS: dict[str, dict[str, float]] = {
    "bgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "mbgnbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
    "paretonbd": {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669},
}
#: Parameters that are rates per unit of time (they scale with the time unit).
_TIME_SCALE = {"alpha", "beta"}


class SimulatedTransactions(NamedTuple):
    """What :func:`make_transactions` returns; unpack as ``tx, truth, params = sim``.

    Attributes
    ----------
    transactions : pandas.DataFrame
        The log: ``customer_id``, ``timestamp`` and, when spend is simulated, ``amount``;
        sorted by customer and time; the first row of a customer is the first purchase.
    customers : pandas.DataFrame
        Truth per customer, indexed by ``customer_id``: ``birth`` and ``T`` (in periods),
        ``frequency`` (repeat purchases), ``recency`` (time of the last purchase after the
        first, in periods, exact), ``lambda_`` (purchase rate), ``p`` (dropout probability,
        BG models) or ``mu`` (dropout rate, Pareto/NBD), ``alive`` (still active at the end
        of observation), ``death`` (time of dropout after birth, inf when alive) and, with
        spend, ``nu`` and ``monetary_value`` (mean of the repeat purchases' amounts, 0 for
        customers without repeat purchases).
    params : dict
        The model parameters used, in units of ``freq``.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    params: dict[str, float]


def period_length(freq: str) -> pd.Timedelta:
    """The fixed length of one ``freq`` period ('D', 'W', 'h', '7D', ...)."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except (TypeError, ValueError) as exc:
        offset = None
        cause: Exception | None = exc
    else:
        cause = None
    if isinstance(offset, pd.offsets.Week):
        return pd.Timedelta(weeks=offset.n)
    if isinstance(offset, pd.offsets.Day):  # a calendar day (not a Tick) since pandas 3
        return pd.Timedelta(days=offset.n)
    if isinstance(offset, pd.offsets.Tick):
        return pd.Timedelta(offset)
    raise InvalidParameterError(
        format_message(
            "freq",
            "be a fixed-length pandas frequency such as 'D', 'W' or 'h'",
            repr(freq),
            "Calendar frequencies like 'M' have no fixed length; use 'D' or 'W'.",
        )
    ) from cause


def _unit_ratio(freq: str) -> float:
    """How many ``freq`` periods make one week."""
    return float(pd.Timedelta(weeks=1) / period_length(freq))


def _resolve_params(model: str, params: Mapping[str, float] | None, freq: str) -> dict[str, float]:
    names = DEFAULT_PARAMS[model]
    if params is None:
        ratio = _unit_ratio(freq)
        return {k: v * ratio if k in _TIME_SCALE else v for k, v in names.items()}
    if not isinstance(params, Mapping) or set(params) != set(names):
        raise InvalidParameterError(
            format_message(
                "params",
                f"be a mapping with exactly the keys {sorted(names)} for model={model!r}",
                repr(params),
                "Or pass params=None for the published CDNOW estimates.",
            )
        )
    return {k: check_interval(params[k], f"params[{k!r}]", low=0, closed="neither") for k in names}


def _ordered_event_times(
    rng: np.random.Generator, counts: IntArray, horizon: FloatArray, keep: IntArray
) -> tuple[IntArray, FloatArray]:
    """For each customer, ``counts[i]`` uniform times on ``(0, horizon[i])``, sorted; the
    first ``keep[i]`` of them are returned with their customer index (sorted by customer)."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    u = rng.random(owner.size)
    # owner + u is strictly increasing across customers, so one sort orders every customer.
    order = np.argsort(owner + u, kind="stable")
    u = u[order]
    starts = np.cumsum(counts) - counts
    rank = np.arange(owner.size) - starts[owner]
    kept = rank < keep[owner]
    owner = owner[kept]
    return owner, u[kept] * horizon[owner]


def make_transactions(
    n_customers: int,
    *,
    model: str = "bgnbd",
    params: Mapping[str, float] | None = None,
    start: str | pd.Timestamp = "1997-01-01",
    periods: float = 546.0,
    freq: str = "D",
    acquisition_periods: float = 0.0,
    spend: tuple[float, float, float] | None = None,
    random_state: SeedLike = None,
) -> SimulatedTransactions:
    """Simulate a purchase log from a BG/NBD, MBG/NBD or Pareto/NBD model.

    Each customer is born with a first purchase at a time uniform on
    ``[0, acquisition_periods)`` and is observed until ``periods``. Purchase rates are
    ``lambda ~ Gamma(r, rate=alpha)``. BG/NBD: after each repeat purchase the customer
    drops out with probability ``p ~ Beta(a, b)``; MBG/NBD: also right after the first
    purchase; Pareto/NBD: the lifetime is ``Exponential(mu)`` with ``mu ~ Gamma(s,
    rate=beta)``. Everything is vectorised: a million customers take a few seconds.

    Parameters
    ----------
    n_customers : int
        Number of customers (>= 1).
    model : {"bgnbd", "mbgnbd", "paretonbd"}
        The generating model.
    params : mapping, optional
        Model parameters in units of ``freq`` (BG/NBD and MBG/NBD: ``r, alpha, a, b``;
        Pareto/NBD: ``r, alpha, s, beta``). Default: the published CDNOW estimates,
        converted from weeks to ``freq``.
    start : str or Timestamp, default "1997-01-01"
        Calendar time of period 0.
    periods : float, default 546.0
        Length of the observation window in units of ``freq`` (546 days = 78 weeks).
    freq : str, default "D"
        The time unit, a fixed-length pandas frequency ("D", "W", "h", ...).
    acquisition_periods : float, default 0.0
        First purchases are spread uniformly over this many periods (0: one cohort).
    spend : (p, q, gamma), optional
        Simulate an ``amount`` per purchase from the Gamma-Gamma model:
        ``nu ~ Gamma(q, rate=gamma)``, each amount ``~ Gamma(p, rate=nu)``.
    random_state : int, Generator or None
        Seed; the same seed gives the same log.

    Returns
    -------
    SimulatedTransactions
        ``(transactions, customers, params)``; see :class:`SimulatedTransactions`.

    Examples
    --------
    >>> from precisemkt.datasets import make_transactions
    >>> tx, truth, params = make_transactions(1000, freq="W", periods=78, random_state=1)
    >>> list(tx.columns), truth.shape[0]
    (['customer_id', 'timestamp'], 1000)
    """
    n = check_int(n_customers, "n_customers", low=1)
    check_options(model, "model", tuple(DEFAULT_PARAMS))
    horizon = check_interval(periods, "periods", low=0, closed="neither")
    acq = check_interval(
        acquisition_periods,
        "acquisition_periods",
        low=0,
        high=horizon,
        closed="left",
        hint="It must be shorter than the observation window.",
    )
    theta = _resolve_params(model, params, freq)
    unit = period_length(freq)
    origin = pd.Timestamp(start)
    rng = check_random_state(random_state)

    birth = rng.random(n) * acq
    T = horizon - birth
    lam = rng.gamma(theta["r"], 1.0 / theta["alpha"], n)
    truth: dict[str, object] = {"birth": birth, "T": T, "lambda_": lam}
    if model == "paretonbd":
        mu = rng.gamma(theta["s"], 1.0 / theta["beta"], n)
        death = rng.exponential(1.0, n) / mu
        active = np.minimum(death, T)
        counts = rng.poisson(lam * active)
        owner, times = _ordered_event_times(rng, counts, active, counts)
        frequency = counts
        truth["mu"] = mu
    else:
        p = rng.beta(theta["a"], theta["b"], n)
        counts = rng.poisson(lam * T)
        # Repeat purchases made before dropout: BG/NBD can only drop after a repeat
        # purchase (support 1, 2, ...); MBG/NBD can also drop at the first purchase.
        budget = rng.geometric(p) - (1 if model == "mbgnbd" else 0)
        frequency = np.minimum(counts, budget)
        owner, times = _ordered_event_times(rng, counts, T, frequency)
        dropped = budget <= counts
        truth["p"] = p
    recency = np.zeros(n)
    has_repeat = frequency > 0
    recency[has_repeat] = times[(np.cumsum(frequency) - 1)[has_repeat]]
    if model != "paretonbd":
        # A BG customer drops out right at the last purchase (time 0 if there was none).
        death = np.where(dropped, recency, np.inf)
    truth.update(
        frequency=frequency.astype(np.int64), recency=recency, death=death, alive=death > T
    )

    # The log: one first purchase per customer, then the repeat purchases, in time order.
    all_owner = np.concatenate([np.arange(n, dtype=np.int64), owner])
    all_time = np.concatenate([np.zeros(n), times])
    order = np.lexsort((all_time, all_owner))
    all_owner, all_time = all_owner[order], all_time[order]
    ids = np.arange(1, n + 1, dtype=np.int64)
    log = pd.DataFrame(
        {
            "customer_id": ids[all_owner],
            "timestamp": origin
            + pd.to_timedelta((birth[all_owner] + all_time) * unit.value, unit="ns"),
        }
    )
    if spend is not None:
        if len(spend) != 3:
            raise InvalidParameterError(
                format_message("spend", "be a tuple (p, q, gamma)", repr(spend), "")
            )
        sp, sq, sg = (
            check_interval(v, f"spend[{i}]", low=0, closed="neither") for i, v in enumerate(spend)
        )
        nu = rng.gamma(sq, 1.0 / sg, n)
        amount = rng.gamma(sp, 1.0, all_owner.size) / nu[all_owner]
        log["amount"] = amount
        is_repeat = np.ones(all_owner.size, dtype=bool)
        is_repeat[np.searchsorted(all_owner, np.arange(n))] = False
        totals = np.bincount(all_owner[is_repeat], weights=amount[is_repeat], minlength=n)
        truth["nu"] = nu
        truth["monetary_value"] = np.divide(totals, frequency, out=np.zeros(n), where=frequency > 0)
        theta = theta | {"spend_p": sp, "spend_q": sq, "spend_gamma": sg}
    customers = pd.DataFrame(truth, index=pd.Index(ids, name="customer_id"))
    return SimulatedTransactions(log, customers, theta)
