"""Differential privacy for one statistic: exact discrete noise on integers or a grid.

Neighbouring tables differ by one record. Counts and sums use *add/remove* neighbours (the
number of records is private): a count changes by at most 1, a sum of values clamped to
``[lower, upper]`` by at most ``max(|lower|, |upper|)``. The mean uses *replace-one*
neighbours with the number of records ``n`` public.

Noise is exact: counts get discrete Laplace noise, sums and means are computed on a
fixed-point grid (``grid_step``) and get discrete Laplace or discrete Gaussian noise in grid
units, drawn by the samplers of Canonne, Kamath & Steinke (2020) from the operating
system's CSPRNG. The released value is an integer number of grid steps, so the floating
point attack of Mironov (2012) has nothing to read. A seed is accepted only as
``insecure_seed=`` and the result then says ``insecure=True``.

``teaching_laplace`` and ``teaching_gaussian`` keep the textbook float mechanisms for
simulation and teaching; they are not safe against an attacker.
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Sized
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import special

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import IntArray, SeedLike
from precisemkt._validation import (
    as_float_array,
    check_interval,
    check_random_state,
    format_message,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy._budget import PrivacyBudget, charge, check_epsilon, rho_for
from precisemkt.privacy._samplers import (
    INT_LIMIT,
    Randomness,
    discrete_gaussian,
    discrete_laplace,
)

__all__ = [
    "Grid",
    "NoisyValue",
    "gaussian_mean",
    "gaussian_sigma",
    "laplace_count",
    "laplace_noise",
    "laplace_sum",
    "randomness",
    "teaching_gaussian",
    "teaching_laplace",
]

EPS_BITS = 30
"""Epsilon is rounded *down* to a multiple of ``2**-30`` so the noise scale is rational."""
MAX_UNITS = 1 << 24
"""Largest sensitivity in grid units (bounds / grid_step); a finer grid is refused."""


@dataclass(frozen=True, slots=True)
class NoisyValue(ResultMixin):
    """A differentially private release of one statistic.

    Attributes
    ----------
    value : float
        The released (noisy) statistic; for the discrete mechanisms exactly
        ``units * grid_step``.
    mechanism : str
        ``"discrete_laplace"``, ``"discrete_gaussian"``, or for the teaching mechanisms
        ``"float_laplace"`` / ``"float_gaussian"``.
    epsilon, delta : float
        The privacy guarantee of this release on its own.
    sensitivity : float
        The most one record can change the exact statistic (output units).
    scale : float
        Laplace scale ``b`` or Gaussian ``sigma`` of the noise (output units).
    rho : float
        zCDP cost (discrete Gaussian releases; charged to a budget instead of epsilon).
    grid_step : float or None
        The fixed-point grid of the output (1 for counts; None for teaching mechanisms).
    units : int or None
        The released value in grid steps (an exact integer).
    insecure : bool
        True when the noise came from a seed or a float mechanism: not a real release.

    Examples
    --------
    >>> from precisemkt.privacy import laplace_count
    >>> res = laplace_count(1000, epsilon=1.0, insecure_seed=0)
    >>> res.scale, res.insecure, res.value == res.units
    (1.0, True, True)
    """

    value: float
    mechanism: str
    epsilon: float
    delta: float
    sensitivity: float
    scale: float
    rho: float = 0.0
    grid_step: float | None = None
    units: int | None = None
    insecure: bool = False

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Interval holding the exact statistic with probability ``level`` (noise only).

        Only the added noise is accounted for (clamping bias, grid rounding and sampling
        error are not). Discrete Laplace intervals are exact; Gaussian ones use the normal
        quantile (the discrete Gaussian's variance is at most ``sigma**2``). Computing it
        is post-processing and costs no privacy.

        Examples
        --------
        >>> from precisemkt.privacy import laplace_count
        >>> lo, hi = laplace_count(1000, epsilon=1.0, insecure_seed=0).confidence_interval(0.9)
        >>> hi - lo
        4.0
        """
        level = check_interval(level, "level", low=0.0, high=1.0, closed="neither")
        if self.mechanism == "discrete_laplace":
            step = self.grid_step or 1.0
            p = math.exp(-step / self.scale)
            # P(|Z| <= h) = 1 - 2 p^(h+1) / (1 + p) >= level
            h = max(math.ceil(math.log((1 - level) * (1 + p) / 2) / math.log(p)) - 1, 0)
            half = h * step
        elif self.mechanism == "float_laplace":
            half = -self.scale * math.log1p(-level)
        else:
            half = self.scale * math.sqrt(2.0) * float(special.erfinv(level))
            if self.grid_step is not None:
                half = math.ceil(half / self.grid_step) * self.grid_step
        return ConfidenceInterval(self.value - half, self.value + half)


def randomness(insecure_seed: object) -> Randomness:
    """The noise source: the OS CSPRNG, or a seeded stream flagged insecure."""
    if insecure_seed is None:
        return Randomness(None)
    if (
        isinstance(insecure_seed, bool)
        or not isinstance(insecure_seed, numbers.Integral)
        or int(insecure_seed) < 0
    ):
        raise InvalidParameterError(
            format_message(
                "insecure_seed",
                "be None or a non-negative integer",
                show_value(insecure_seed),
                "Leave it None for real releases; seeds are for tests and documentation.",
            )
        )
    return Randomness(int(insecure_seed))


def _epsilon_fraction(epsilon: float) -> int:
    """``floor(epsilon * 2**30)``: epsilon rounded down to the dyadic grid (>= 1)."""
    num = math.floor(epsilon * (1 << EPS_BITS))
    if num < 1:
        raise InvalidParameterError(
            format_message(
                "epsilon", "be at least 2**-30", show_value(epsilon), "Use a larger epsilon."
            )
        )
    return num


def laplace_noise(rand: Randomness, sensitivity_units: int, epsilon: float, size: int) -> IntArray:
    """Discrete Laplace noise for an integer query of L1 sensitivity ``sensitivity_units``.

    The scale is ``sensitivity / epsilon'`` with ``epsilon' <= epsilon`` the dyadic
    rounding of epsilon, so the release is epsilon-DP.
    """
    num = _epsilon_fraction(epsilon)
    t = sensitivity_units << EPS_BITS
    if t > INT_LIMIT:  # pragma: no cover - callers bound the sensitivity
        raise InvalidParameterError("sensitivity too large for the exact sampler")
    return discrete_laplace(rand, num, t, size)


@dataclass(frozen=True, slots=True)
class Grid:
    """A fixed-point grid: clamping bounds in grid units and the step."""

    step: float
    lower: int
    upper: int

    @property
    def max_abs(self) -> int:
        return max(abs(self.lower), abs(self.upper))

    def units(self, values: np.ndarray) -> IntArray:
        """Clamp to the bounds, then round to the nearest grid point (in units)."""
        scaled = np.rint(
            np.clip(values, self.lower * self.step, self.upper * self.step) / self.step
        )
        out: IntArray = np.clip(scaled, self.lower, self.upper).astype(np.int64)
        return out


def make_grid(lower: object, upper: object, grid_step: object) -> Grid:
    """Validate the bounds and the grid; default step: a power of ten near bound / 10^4."""
    lo = check_interval(lower, "lower")
    hi = check_interval(upper, "upper")
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise InvalidParameterError(
            format_message(
                "lower, upper",
                "be finite with lower < upper",
                f"lower={show_value(lower)}, upper={show_value(upper)}",
                "Choose bounds from domain knowledge, never from the data.",
            )
        )
    bound = max(abs(lo), abs(hi))
    if grid_step is None:
        step = 10.0 ** math.floor(math.log10(bound / 1e4))
    else:
        step = check_interval(grid_step, "grid_step", low=0.0, closed="neither")
    lo_u, hi_u = round(lo / step), round(hi / step)
    if max(abs(lo_u), abs(hi_u)) > MAX_UNITS or not math.isfinite(step):
        raise InvalidParameterError(
            format_message(
                "grid_step",
                f"leave at most {MAX_UNITS:,} steps between 0 and the largest bound",
                f"grid_step={show_value(grid_step)} for bounds [{lo:g}, {hi:g}]",
                f"Use a coarser grid, e.g. grid_step={bound / 1e4:.3g}.",
            )
        )
    if lo_u == hi_u:
        raise InvalidParameterError(
            format_message(
                "grid_step",
                "be smaller than upper - lower",
                f"grid_step={step:g} for bounds [{lo:g}, {hi:g}]",
                "Use a finer grid.",
            )
        )
    return Grid(step, lo_u, hi_u)


def _count_of(data: object) -> int:
    if isinstance(data, bool):
        raise InvalidParameterError(format_message("data", "be records or a count", "a bool", ""))
    if isinstance(data, numbers.Integral):
        if int(data) < 0:
            raise InvalidParameterError(
                format_message("data", "be a non-negative count", show_value(data), "")
            )
        return int(data)
    if isinstance(data, Sized):
        return len(data)
    raise InvalidParameterError(
        format_message(
            "data",
            "be a table, an array or an int count",
            type(data).__name__,
            "Pass df[mask] or int(mask.sum()).",
        )
    )


def laplace_count(
    data: Sized | int,
    *,
    epsilon: float,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> NoisyValue:
    """Count records with exact discrete Laplace noise (epsilon-DP).

    The noise ``Z`` has ``P(Z = z) ∝ exp(-epsilon' |z|)`` on the integers, with
    ``epsilon' <= epsilon`` (epsilon rounded down to a multiple of ``2**-30``); the
    released count is an integer.

    Parameters
    ----------
    data : table, array or int
        The records to count (their ``len``), or an exact count computed beforehand
        (e.g. ``int(mask.sum())``).
    epsilon : float
        Privacy cost.
    budget : PrivacyBudget, optional
        Charged before the release; a refusal releases nothing.
    insecure_seed : int, optional
        Reproducible noise for tests and documentation only: whoever knows the seed can
        subtract the noise. The result then has ``insecure=True``.

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import laplace_count
    >>> res = laplace_count(1234, epsilon=0.5, insecure_seed=42)
    >>> abs(res.value - 1234) < 30, float(res.value).is_integer()
    (True, True)
    """
    exact = _count_of(data)
    epsilon = check_epsilon(epsilon)
    rand = randomness(insecure_seed)
    charge(budget, label="laplace_count", mechanism="discrete_laplace", epsilon=epsilon)
    noisy = exact + int(laplace_noise(rand, 1, epsilon, 1)[0])
    return NoisyValue(
        float(noisy),
        "discrete_laplace",
        epsilon,
        0.0,
        1.0,
        1.0 / epsilon,
        grid_step=1.0,
        units=noisy,
        insecure=rand.insecure,
    )


def laplace_sum(
    values: object,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    grid_step: float | None = None,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> NoisyValue:
    """Sum values clamped to ``[lower, upper]`` on a grid, with discrete Laplace noise.

    Each value is clamped to the bounds and rounded to the nearest multiple of
    ``grid_step``; the exact sum of these grid units gets discrete Laplace noise of scale
    ``max(|lower|, |upper|) / grid_step / epsilon`` units (add/remove neighbours), and the
    release is a whole number of grid steps. Clamping is part of the mechanism: the
    sensitivity comes from the declared bounds, never from the data.

    Parameters
    ----------
    values : array-like of float
        One value per record (no NaN; infinite values are clamped to the bounds).
    lower, upper : float
        Clamping bounds, chosen without looking at the data.
    epsilon : float
        Privacy cost.
    grid_step : float, optional
        Resolution of the output. Default: the largest power of ten at most
        ``max(|lower|, |upper|) / 10,000`` (0.1 for bounds [0, 5000]). At most 2**24
        steps may separate 0 from the largest bound.
    budget : PrivacyBudget, optional
        Charged before the release.
    insecure_seed : int, optional
        Reproducible noise for tests only (the result says ``insecure=True``).

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import laplace_sum
    >>> res = laplace_sum([10.0, 250.0, 40.0], lower=0, upper=100, epsilon=1.0,
    ...                   grid_step=0.5, insecure_seed=0)
    >>> res.sensitivity, res.value == res.units * 0.5
    (100.0, True)
    """
    x = as_float_array(values, "values", allow_inf=True)
    grid = make_grid(lower, upper, grid_step)
    bound = grid.max_abs * grid.step
    if (x.size + 1) * bound > sys.float_info.max / 1e3:
        raise ValidationError(
            format_message(
                "the sum of values",
                "stay within the float range",
                f"{x.size:,} values clamped to "
                f"[{show_value(float(lower))}, {show_value(float(upper))}]",
                "Rescale the values (e.g. to thousands) and the bounds before summing.",
            )
        )
    epsilon = check_epsilon(epsilon)
    rand = randomness(insecure_seed)
    charge(budget, label="laplace_sum", mechanism="discrete_laplace", epsilon=epsilon)
    exact = sum(grid.units(x).tolist())
    noisy = exact + int(laplace_noise(rand, grid.max_abs, epsilon, 1)[0])
    sensitivity = grid.max_abs * grid.step
    return NoisyValue(
        noisy * grid.step,
        "discrete_laplace",
        epsilon,
        0.0,
        sensitivity,
        sensitivity / epsilon,
        grid_step=grid.step,
        units=noisy,
        insecure=rand.insecure,
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
    than the classical ``D sqrt(2 ln(1.25/delta)) / epsilon``. Used by
    :func:`teaching_gaussian` (continuous noise).

    Examples
    --------
    >>> from precisemkt.privacy import gaussian_sigma
    >>> round(gaussian_sigma(1.0, 1e-5, 1.0), 2)
    3.73
    """
    epsilon = check_epsilon(epsilon)
    delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="neither")
    sensitivity = check_interval(sensitivity, "sensitivity", low=0.0, closed="neither")
    lo, hi = 1e-12 * sensitivity, sensitivity
    for _ in range(2000):
        if _gaussian_delta(hi, epsilon, sensitivity) <= delta:
            break
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


def gaussian_sigma2_units(sensitivity_units: int, rho: float) -> Fraction:
    """``sigma² >= Δ²/(2 rho)`` rounded *up* to a dyadic rational (so ``rho`` is kept)."""
    sigma2 = sensitivity_units**2 / (2.0 * rho)
    shift = max(0, 16 - math.floor(math.log2(sigma2)))
    return Fraction(math.ceil(sigma2 * (1 << shift) * (1 + 1e-12)) + 1, 1 << shift)


def gaussian_mean(
    values: object,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    delta: float,
    grid_step: float | None = None,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> NoisyValue:
    """Mean of values clamped to ``[lower, upper]`` with exact discrete Gaussian noise.

    The number of records ``n`` is public (replace-one neighbours), so one record moves
    the sum of grid units by at most ``Δ = (upper - lower) / grid_step``. The sum gets
    discrete Gaussian noise with ``sigma² >= Δ² / (2 rho)``, which is ``rho``-zCDP
    (Canonne, Kamath & Steinke 2020, Thm 4), with ``rho`` the largest value whose
    conversion ``rho + 2 sqrt(rho ln(1/delta))`` (Bun & Steinke 2016) is at most
    ``epsilon``; the noisy sum divided by ``n`` is rounded to the grid. A budget is charged
    ``rho`` (zCDP composition).

    Parameters
    ----------
    values : array-like of float
        One value per record (at least one, no NaN).
    lower, upper : float
        Clamping bounds, chosen without looking at the data.
    epsilon, delta : float
        The (epsilon, delta) this release alone must meet; delta in (0, 1).
    grid_step : float, optional
        Resolution of the output (default as in :func:`laplace_sum`).
    budget : PrivacyBudget, optional
        Charged ``rho`` before the release (the budget needs delta > 0).
    insecure_seed : int, optional
        Reproducible noise for tests only.

    Returns
    -------
    NoisyValue

    Examples
    --------
    >>> from precisemkt.privacy import gaussian_mean
    >>> res = gaussian_mean([30.0, 45.0, 60.0] * 100, lower=0, upper=100, epsilon=1.0,
    ...                     delta=1e-6, insecure_seed=0)
    >>> abs(res.value - 45.0) < 5, res.mechanism
    (True, 'discrete_gaussian')
    """
    x = as_float_array(values, "values", allow_inf=True)
    if x.size == 0:
        raise InvalidParameterError(
            format_message("values", "hold at least one record", "an empty array", "")
        )
    grid = make_grid(lower, upper, grid_step)
    epsilon = check_epsilon(epsilon)
    delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="neither")
    rand = randomness(insecure_seed)
    rho = rho_for(epsilon, delta)
    delta_units = grid.upper - grid.lower
    sigma2 = gaussian_sigma2_units(delta_units, rho)
    charge(budget, label="gaussian_mean", mechanism="discrete_gaussian", rho=rho)
    n = int(x.size)
    total = sum(grid.units(x).tolist()) + int(discrete_gaussian(rand, sigma2, 1)[0])
    units = (2 * total + n) // (2 * n)  # nearest grid point of total / n
    return NoisyValue(
        units * grid.step,
        "discrete_gaussian",
        epsilon,
        delta,
        delta_units * grid.step / n,
        math.sqrt(float(sigma2)) * grid.step / n,
        rho=rho,
        grid_step=grid.step,
        units=units,
        insecure=rand.insecure,
    )


def _exact_value(value: object) -> float:
    v = check_interval(value, "value")
    if not math.isfinite(v):
        raise ValidationError(format_message("value", "be finite", show_value(value), ""))
    return v


def teaching_laplace(
    value: float,
    *,
    sensitivity: float,
    epsilon: float,
    budget: PrivacyBudget | None = None,
    random_state: SeedLike = None,
) -> NoisyValue:
    """FOR SIMULATION AND TEACHING ONLY: ``value`` plus float Laplace noise.

    The textbook mechanism ``value + Laplace(sensitivity / epsilon)`` with numpy's
    floating-point sampler. It is *not* differentially private against an attacker:
    the low-order bits of a float output reveal the exact value (Mironov 2012; the
    privacy guide demonstrates the attack). Use it to simulate noise at scale; release
    with :func:`laplace_count` / :func:`laplace_sum`. The result says ``insecure=True``.

    Examples
    --------
    >>> from precisemkt.privacy import teaching_laplace
    >>> teaching_laplace(10.0, sensitivity=1.0, epsilon=1.0, random_state=0).insecure
    True
    """
    exact = _exact_value(value)
    sens = check_interval(sensitivity, "sensitivity", low=0.0, closed="neither")
    epsilon = check_epsilon(epsilon)
    rng = check_random_state(random_state)
    charge(budget, label="teaching_laplace", mechanism="float_laplace", epsilon=epsilon)
    scale = sens / epsilon
    return NoisyValue(
        exact + float(rng.laplace(0.0, scale)),
        "float_laplace",
        epsilon,
        0.0,
        sens,
        scale,
        insecure=True,
    )


def teaching_gaussian(
    value: float,
    *,
    sensitivity: float,
    epsilon: float,
    delta: float,
    budget: PrivacyBudget | None = None,
    random_state: SeedLike = None,
) -> NoisyValue:
    """FOR SIMULATION AND TEACHING ONLY: ``value`` plus float Gaussian noise.

    The analytic Gaussian mechanism (sigma from :func:`gaussian_sigma`) with numpy's
    floating-point sampler; like :func:`teaching_laplace` it is not safe against an
    attacker who reads the low-order bits. The result says ``insecure=True``.

    Examples
    --------
    >>> from precisemkt.privacy import teaching_gaussian
    >>> res = teaching_gaussian(0.0, sensitivity=1.0, epsilon=1.0, delta=1e-5,
    ...                         random_state=0)
    >>> round(res.scale, 2)
    3.73
    """
    exact = _exact_value(value)
    sens = check_interval(sensitivity, "sensitivity", low=0.0, closed="neither")
    sigma = gaussian_sigma(epsilon, delta, sens)
    rng = check_random_state(random_state)
    charge(
        budget,
        label="teaching_gaussian",
        mechanism="float_gaussian",
        epsilon=float(epsilon),
        delta=float(delta),
    )
    return NoisyValue(
        exact + float(rng.normal(0.0, sigma)),
        "float_gaussian",
        float(epsilon),
        float(delta),
        sens,
        sigma,
        insecure=True,
    )
