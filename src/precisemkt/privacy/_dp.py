"""Differential privacy for aggregates: Laplace count and sum, Gaussian mean, a budget.

Neighbouring tables differ by one record. Counts and sums use *add/remove* neighbours (the
number of records is private): a count changes by at most 1, a sum of values clipped to
``[lower, upper]`` by at most ``max(|lower|, |upper|)``. The mean uses *replace-one*
neighbours with the number of records ``n`` public: a mean of clipped values changes by
at most ``(upper - lower) / n``.

Seeded noise (``random_state=<int>``) is for tests only: whoever knows the seed can
subtract the noise. Release real statistics with ``random_state=None``.
"""

from __future__ import annotations

import math
from collections.abc import Sized
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import SeedLike
from precisemkt._validation import (
    as_float_array,
    check_interval,
    check_random_state,
    check_type,
    format_message,
)
from precisemkt.errors import InvalidParameterError, PrivacyError

__all__ = [
    "NoisyValue",
    "PrivacyBudget",
    "gaussian_mean",
    "gaussian_sigma",
    "laplace_count",
    "laplace_sum",
]

_TOL = 1e-12


@dataclass(frozen=True, slots=True)
class NoisyValue(ResultMixin):
    """A differentially private release of one statistic.

    Attributes
    ----------
    value : float
        The released (noisy) statistic.
    mechanism : {"laplace", "gaussian"}
        The noise added.
    epsilon, delta : float
        The privacy cost of this release.
    sensitivity : float
        The most one record can change the exact statistic.
    scale : float
        Laplace scale ``b`` or Gaussian standard deviation ``sigma`` of the noise.

    Examples
    --------
    >>> from precisemkt.privacy import laplace_count
    >>> res = laplace_count(1000, epsilon=1.0, random_state=0)
    >>> res.scale
    1.0
    """

    value: float
    mechanism: str
    epsilon: float
    delta: float
    sensitivity: float
    scale: float

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Interval holding the exact statistic with probability ``level`` (noise only).

        Only the added noise is accounted for (clipping bias and sampling error are
        not). Computing it is post-processing and costs no privacy.

        Examples
        --------
        >>> from precisemkt.privacy import laplace_count
        >>> lo, hi = laplace_count(1000, epsilon=1.0, random_state=0).confidence_interval(0.9)
        >>> round(hi - lo, 3)
        4.605
        """
        level = check_interval(level, "level", low=0.0, high=1.0, closed="neither")
        if self.mechanism == "laplace":
            half = -self.scale * math.log1p(-level)
        else:
            half = self.scale * math.sqrt(2.0) * float(special.erfinv(level))
        return ConfidenceInterval(self.value - half, self.value + half)


class PrivacyBudget:
    """A privacy accountant with basic (sequential) composition.

    Releases with costs ``(eps_i, delta_i)`` on the same data are together
    ``(sum eps_i, sum delta_i)``-differentially private (Dwork & Roth 2014, Thm 3.16). The
    budget refuses, with :class:`~precisemkt.errors.PrivacyError`, any query that would
    take the total past ``epsilon`` or ``delta``; nothing is released then.

    Parameters
    ----------
    epsilon : float
        Total epsilon (> 0).
    delta : float, default 0.0
        Total delta in ``[0, 1)``.

    Examples
    --------
    >>> from precisemkt.privacy import PrivacyBudget, laplace_count
    >>> budget = PrivacyBudget(1.0)
    >>> _ = laplace_count(120, epsilon=0.6, budget=budget, random_state=0)
    >>> round(budget.remaining_epsilon, 10)
    0.4
    >>> laplace_count(120, epsilon=0.6, budget=budget)
    Traceback (most recent call last):
    ...
    precisemkt.errors.PrivacyError: ...
    """

    __slots__ = ("_delta", "_epsilon", "_ledger")

    def __init__(self, epsilon: float, delta: float = 0.0) -> None:
        self._epsilon = _check_epsilon(epsilon)
        self._delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="left")
        self._ledger: list[tuple[str, float, float]] = []

    @property
    def epsilon(self) -> float:
        """Total epsilon."""
        return self._epsilon

    @property
    def delta(self) -> float:
        """Total delta."""
        return self._delta

    @property
    def spent_epsilon(self) -> float:
        """Epsilon spent so far."""
        return math.fsum(e for _, e, _ in self._ledger)

    @property
    def spent_delta(self) -> float:
        """Delta spent so far."""
        return math.fsum(d for _, _, d in self._ledger)

    @property
    def remaining_epsilon(self) -> float:
        """Epsilon left."""
        return max(self._epsilon - self.spent_epsilon, 0.0)

    @property
    def remaining_delta(self) -> float:
        """Delta left."""
        return max(self._delta - self.spent_delta, 0.0)

    def spend(self, epsilon: float, delta: float = 0.0, *, label: str = "query") -> None:
        """Record a release of cost ``(epsilon, delta)``, or refuse it.

        Raises
        ------
        PrivacyError
            The release would exceed the budget (nothing is recorded).

        Examples
        --------
        >>> b = PrivacyBudget(1.0)
        >>> b.spend(0.25, label="count of buyers")
        >>> b.ledger()["epsilon"].tolist()
        [0.25]
        """
        epsilon = _check_epsilon(epsilon)
        delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="left")
        check_type(label, "label", str)
        if self.spent_epsilon + epsilon > self._epsilon * (1 + _TOL) or (
            self.spent_delta + delta > self._delta * (1 + _TOL) + _TOL
        ):
            raise PrivacyError(
                format_message(
                    f"query {label!r}",
                    "fit in the remaining budget",
                    f"epsilon={epsilon:g}, delta={delta:g} with epsilon="
                    f"{self.remaining_epsilon:g}, delta={self.remaining_delta:g} left",
                    "Spend less per query or create a larger budget before any release.",
                )
            )
        self._ledger.append((label, epsilon, delta))

    def ledger(self) -> pd.DataFrame:
        """Every recorded release: label, epsilon and delta.

        Examples
        --------
        >>> PrivacyBudget(1.0).ledger().shape
        (0, 3)
        """
        return pd.DataFrame(self._ledger, columns=["label", "epsilon", "delta"])

    def __repr__(self) -> str:
        return (
            f"PrivacyBudget(epsilon={self._epsilon:g}, delta={self._delta:g}, "
            f"spent_epsilon={self.spent_epsilon:g}, spent_delta={self.spent_delta:g})"
        )


def _check_epsilon(epsilon: object) -> float:
    value = check_interval(
        epsilon,
        "epsilon",
        low=0.0,
        closed="neither",
        hint="Smaller epsilon means more noise; 0.1 to 1 is common.",
    )
    if not math.isfinite(value):
        raise InvalidParameterError(format_message("epsilon", "be finite", repr(epsilon), ""))
    return value


def _check_bounds(lower: object, upper: object) -> tuple[float, float]:
    lo = check_interval(lower, "lower")
    hi = check_interval(upper, "upper")
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InvalidParameterError(
            format_message(
                "lower, upper",
                "be finite with lower < upper",
                f"lower={lower!r}, upper={upper!r}",
                "Choose bounds from domain knowledge, never from the data.",
            )
        )
    return lo, hi


def _charge(budget: PrivacyBudget | None, epsilon: float, delta: float, label: str) -> None:
    if budget is not None:
        check_type(budget, "budget", PrivacyBudget)
        budget.spend(epsilon, delta, label=label)


def laplace_count(
    data: Sized | int,
    *,
    epsilon: float,
    budget: PrivacyBudget | None = None,
    random_state: SeedLike = None,
) -> NoisyValue:
    """Count records with Laplace noise of scale ``1 / epsilon`` (epsilon-DP).

    Parameters
    ----------
    data : table, array or int
        The records to count (their ``len``), or an exact count computed beforehand
        (e.g. ``int(mask.sum())``).
    epsilon : float
        Privacy cost.
    budget : PrivacyBudget, optional
        Charged before the release; a refusal releases nothing.
    random_state : int, Generator or None
        Seeds for tests only; use None for real releases.

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import laplace_count
    >>> res = laplace_count(1234, epsilon=0.5, random_state=42)
    >>> abs(res.value - 1234) < 30
    True
    """
    if isinstance(data, bool):
        raise InvalidParameterError(format_message("data", "be records or a count", "a bool", ""))
    if isinstance(data, int | np.integer):
        if data < 0:
            raise InvalidParameterError(
                format_message("data", "be a non-negative count", repr(data), "")
            )
        exact = float(data)
    elif isinstance(data, Sized):
        exact = float(len(data))
    else:
        raise InvalidParameterError(
            format_message(
                "data",
                "be a table, an array or an int count",
                type(data).__name__,
                "Pass df[mask] or int(mask.sum()).",
            )
        )
    epsilon = _check_epsilon(epsilon)
    rng = check_random_state(random_state)
    _charge(budget, epsilon, 0.0, "laplace_count")
    scale = 1.0 / epsilon
    return NoisyValue(exact + float(rng.laplace(0.0, scale)), "laplace", epsilon, 0.0, 1.0, scale)


def laplace_sum(
    values: object,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    budget: PrivacyBudget | None = None,
    random_state: SeedLike = None,
) -> NoisyValue:
    """Sum values clipped to ``[lower, upper]`` with Laplace noise (epsilon-DP).

    Clipping bounds one record's influence to ``max(|lower|, |upper|)``, the
    sensitivity; the noise scale is ``sensitivity / epsilon``.

    Parameters
    ----------
    values : array-like of float
        One value per record (no NaN).
    lower, upper : float
        Clipping bounds, chosen without looking at the data.
    epsilon : float
        Privacy cost.
    budget : PrivacyBudget, optional
        Charged before the release.
    random_state : int, Generator or None
        Seeds for tests only.

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import laplace_sum
    >>> res = laplace_sum([10.0, 250.0, 40.0], lower=0, upper=100, epsilon=1.0,
    ...                   random_state=0)
    >>> res.sensitivity
    100.0
    """
    x = as_float_array(values, "values")
    lo, hi = _check_bounds(lower, upper)
    epsilon = _check_epsilon(epsilon)
    rng = check_random_state(random_state)
    _charge(budget, epsilon, 0.0, "laplace_sum")
    sensitivity = max(abs(lo), abs(hi))
    scale = sensitivity / epsilon
    exact = math.fsum(np.clip(x, lo, hi))
    return NoisyValue(
        exact + float(rng.laplace(0.0, scale)), "laplace", epsilon, 0.0, sensitivity, scale
    )


def _gaussian_delta(sigma: float, epsilon: float, sensitivity: float) -> float:
    """Smallest delta of the Gaussian mechanism (Balle & Wang 2018, Theorem 8)."""
    a = sensitivity / (2.0 * sigma)
    b = epsilon * sigma / sensitivity
    return float(special.ndtr(a - b) - math.exp(epsilon + float(special.log_ndtr(-a - b))))


def gaussian_sigma(epsilon: float, delta: float, sensitivity: float) -> float:
    """Smallest noise standard deviation making the Gaussian mechanism (epsilon, delta)-DP.

    The analytic calibration of Balle & Wang (2018): the mechanism is (epsilon, delta)-DP
    exactly when ``Phi(D/(2s) - e s/D) - exp(e) Phi(-D/(2s) - e s/D) <= delta``; the
    smallest such ``s`` is found by bisection. It is valid for every epsilon and smaller
    than the classical ``D sqrt(2 ln(1.25/delta)) / epsilon``.

    Examples
    --------
    >>> from precisemkt.privacy._dp import gaussian_sigma
    >>> round(gaussian_sigma(1.0, 1e-5, 1.0), 2)
    3.73
    """
    epsilon = _check_epsilon(epsilon)
    delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="neither")
    sensitivity = check_interval(sensitivity, "sensitivity", low=0.0, closed="neither")
    lo, hi = 1e-12 * sensitivity, sensitivity
    while _gaussian_delta(hi, epsilon, sensitivity) > delta:
        lo, hi = hi, 2.0 * hi
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _gaussian_delta(mid, epsilon, sensitivity) > delta:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-12 * hi:
            break
    return hi


def gaussian_mean(
    values: object,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    delta: float,
    budget: PrivacyBudget | None = None,
    random_state: SeedLike = None,
) -> NoisyValue:
    """Mean of values clipped to ``[lower, upper]`` with Gaussian noise ((epsilon, delta)-DP).

    The number of records ``n`` is treated as public (replace-one neighbours), so one
    record moves the clipped mean by at most ``(upper - lower) / n``; the noise standard
    deviation comes from :func:`gaussian_sigma`. The released value is not clipped
    back into ``[lower, upper]`` (do so yourself if you prefer a biased but bounded
    value; it is free post-processing).

    Parameters
    ----------
    values : array-like of float
        One value per record (at least one, no NaN).
    lower, upper : float
        Clipping bounds, chosen without looking at the data.
    epsilon : float
        Privacy cost (any positive value).
    delta : float
        Privacy cost in (0, 1); well below ``1 / n``.
    budget : PrivacyBudget, optional
        Charged before the release.
    random_state : int, Generator or None
        Seeds for tests only.

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import gaussian_mean
    >>> res = gaussian_mean([30.0, 45.0, 60.0] * 100, lower=0, upper=100, epsilon=1.0,
    ...                     delta=1e-6, random_state=0)
    >>> abs(res.value - 45.0) < 5
    True
    """
    x = as_float_array(values, "values")
    if x.size == 0:
        raise InvalidParameterError(
            format_message("values", "hold at least one record", "an empty array", "")
        )
    lo, hi = _check_bounds(lower, upper)
    epsilon = _check_epsilon(epsilon)
    delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="neither")
    rng = check_random_state(random_state)
    sensitivity = (hi - lo) / x.size
    sigma = gaussian_sigma(epsilon, delta, sensitivity)
    _charge(budget, epsilon, delta, "gaussian_mean")
    exact = math.fsum(np.clip(x, lo, hi)) / x.size
    return NoisyValue(
        exact + float(rng.normal(0.0, sigma)), "gaussian", epsilon, delta, sensitivity, sigma
    )
