"""Shared pieces of the experiments subpackage: checks, p-values, intervals, frames.

Every test in :mod:`precisemkt.experiments` follows one shape rule: the last axis of an
array of arms holds the arms (control first), every leading axis indexes experiments, and
the answer has the leading shape (a float for one experiment). Comparisons are always
"arm ``j`` minus the control arm 0".
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from precisemkt._typing import FloatArray
from precisemkt._validation import check_interval, check_options, format_message
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "ALTERNATIVES",
    "Lift",
    "as_arm_array",
    "as_samples",
    "batch_frame",
    "check_alternative",
    "check_level",
    "critical_value",
    "normal_interval",
    "normal_pvalue",
    "ratio_interval",
    "squeeze",
]

ALTERNATIVES = ("two-sided", "greater", "less")


class Lift(NamedTuple):
    """Absolute and relative lift of a variant over the control.

    ``absolute`` is ``variant - control``; ``relative`` is ``variant / control - 1``
    (undefined, ``nan`` or ``inf``, when the control metric is 0).

    Examples
    --------
    >>> Lift(0.01, 0.1).relative
    0.1
    """

    absolute: Any
    relative: Any


def check_alternative(alternative: Any) -> str:
    """Check ``alternative`` is one of ``'two-sided'``, ``'greater'``, ``'less'``."""
    result: str = check_options(alternative, "alternative", ALTERNATIVES)
    return result


def check_level(level: Any) -> float:
    """Check a confidence level lies in (0, 1)."""
    return check_interval(
        level, "level", low=0.0, high=1.0, closed="neither", hint="Use e.g. 0.95."
    )


def squeeze(values: Any) -> Any:
    """A 0-d array becomes a float; anything else stays an array."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        return arr.item()
    return arr


def as_arm_array(values: Any, name: str, *, min_arms: int = 2, integer: bool = False) -> FloatArray:
    """Convert a per-arm array of shape ``(..., k)`` to float64, checking it.

    The last axis holds the arms; it needs at least ``min_arms`` entries. NaN, inf and
    (for ``integer``) fractional entries raise :class:`ValidationError`.
    """
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                name, "contain numbers", repr(values)[:80], "Pass counts or stats per arm."
            )
        ) from exc
    if arr.ndim == 0 or arr.shape[-1] < min_arms:
        raise ValidationError(
            format_message(
                name,
                f"have at least {min_arms} arms on its last axis",
                f"an array of shape {arr.shape}",
                "Put the control arm first and the variants after it, e.g. [120, 135].",
            )
        )
    if arr.size == 0:
        raise ValidationError(
            format_message(
                name, "not be empty", f"shape {arr.shape}", "Pass at least one experiment."
            )
        )
    bad = ~np.isfinite(arr)
    if bad.any():
        first = np.argwhere(bad)[0]
        raise ValidationError(
            format_message(
                name,
                "be finite (no NaN or inf)",
                f"{int(bad.sum())} non-finite value(s) (first at {tuple(int(i) for i in first)})",
                "Drop or fix experiments with missing data first.",
            )
        )
    if integer and not np.all(arr == np.round(arr)):
        first = np.argwhere(arr != np.round(arr))[0]
        raise ValidationError(
            format_message(
                name,
                "contain whole numbers",
                f"{arr[tuple(first)]!r} at index {tuple(int(i) for i in first)}",
                "Pass counts, not rates.",
            )
        )
    return arr


def as_samples(values: Any, name: str, *, min_size: int = 1) -> FloatArray:
    """Convert raw observations of one arm to float64: 1-D (one experiment) or 2-D.

    A 2-D array holds one experiment per row (all rows of one arm have the same size).
    """
    try:
        arr = np.array(values, dtype=np.float64, copy=True)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(name, "contain numbers", repr(values)[:80], "Convert text first.")
        ) from exc
    if arr.ndim not in (1, 2):
        raise ValidationError(
            format_message(
                name,
                "be 1-D (one experiment) or 2-D (one experiment per row)",
                f"an array of shape {arr.shape}",
                "Reshape the observations.",
            )
        )
    if arr.shape[-1] < min_size:
        raise ValidationError(
            format_message(
                name,
                f"have at least {min_size} observation(s) per experiment",
                f"{arr.shape[-1]}",
                "Collect more data before testing.",
            )
        )
    if arr.ndim == 2 and arr.shape[0] == 0:
        raise ValidationError(
            format_message(name, "hold at least one experiment", f"shape {arr.shape}", "")
        )
    if np.isnan(arr).any():
        raise ValidationError(
            format_message(
                name,
                "not contain NaN",
                f"{int(np.isnan(arr).sum())} NaN value(s)",
                "Drop or impute missing observations first.",
            )
        )
    if np.isinf(arr).any():
        raise ValidationError(
            format_message(name, "be finite", f"{int(np.isinf(arr).sum())} infinite value(s)", "")
        )
    return arr


def normal_pvalue(z: Any, alternative: str) -> FloatArray:
    """p-value of a standard-normal statistic ``z`` (``scipy.special.ndtr`` tails)."""
    z = np.asarray(z, dtype=np.float64)
    if alternative == "two-sided":
        return np.asarray(2.0 * special.ndtr(-np.abs(z)), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.ndtr(-z), dtype=np.float64)
    return np.asarray(special.ndtr(z), dtype=np.float64)


def critical_value(level: float, alternative: str) -> float:
    """Normal quantile for a two-sided (``(1+level)/2``) or one-sided (``level``) bound."""
    q = (1.0 + level) / 2.0 if alternative == "two-sided" else level
    return float(special.ndtri(q))


def normal_interval(
    estimate: Any, se: Any, level: float, alternative: str, *, crit: Any = None
) -> tuple[FloatArray, FloatArray]:
    """``estimate ± crit·se``; one-sided alternatives leave the other side infinite."""
    est = np.asarray(estimate, dtype=np.float64)
    c = critical_value(level, alternative) if crit is None else np.asarray(crit)
    half = c * np.asarray(se, dtype=np.float64)
    low = est - half if alternative != "less" else np.full_like(est, -np.inf)
    high = est + half if alternative != "greater" else np.full_like(est, np.inf)
    return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)


def ratio_interval(
    numerator: Any,
    denominator: Any,
    var_numerator: Any,
    var_denominator: Any,
    level: float,
    alternative: str,
    method: str,
    *,
    covariance: Any = 0.0,
) -> tuple[FloatArray, FloatArray]:
    """Interval for the relative lift ``numerator / denominator - 1``.

    ``method="delta"`` uses the first-order delta method,
    ``Var(a/b) ≈ (Var a - 2 (a/b) Cov + (a/b)² Var b) / b²``; ``method="fieller"``
    inverts ``(a - ρ b)² ≤ z² Var(a - ρ b)`` (Fieller 1954), which is exact for normal
    estimates and returns ``(-inf, inf)`` when the denominator is not significantly
    different from zero (the set is then unbounded).
    """
    a = np.asarray(numerator, dtype=np.float64)
    b = np.asarray(denominator, dtype=np.float64)
    va = np.asarray(var_numerator, dtype=np.float64)
    vb = np.asarray(var_denominator, dtype=np.float64)
    cov = np.asarray(covariance, dtype=np.float64)
    z = critical_value(level, alternative)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "delta":
            rho = a / b
            se = np.sqrt(np.maximum(va - 2.0 * rho * cov + rho**2 * vb, 0.0)) / np.abs(b)
            low, high = normal_interval(rho - 1.0, se, level, alternative)
            return low, high
        # Fieller: (b² - z² vb) ρ² - 2 (a b - z² cov) ρ + (a² - z² va) <= 0
        qa = b**2 - z**2 * vb
        qb = a * b - z**2 * cov
        qc = a**2 - z**2 * va
        disc = qb**2 - qa * qc
        bounded = (qa > 0) & (disc >= 0)
        root = np.sqrt(np.where(bounded, disc, 0.0))
        r_low = np.where(bounded, (qb - root) / qa - 1.0, -np.inf)
        r_high = np.where(bounded, (qb + root) / qa - 1.0, np.inf)
    if alternative == "less":
        r_low = np.full_like(r_low, -np.inf)
    elif alternative == "greater":
        r_high = np.full_like(r_high, np.inf)
    return np.asarray(r_low, dtype=np.float64), np.asarray(r_high, dtype=np.float64)


def check_ratio_method(method: Any) -> str:
    """Check a relative-interval method name."""
    result: str = check_options(method, "method", ("delta", "fieller"))
    return result


def batch_frame(columns: dict[str, Any], batch_shape: tuple[int, ...]) -> pd.DataFrame:
    """One row per experiment (and per comparison when arrays carry a trailing axis).

    Every column broadcasts to the widest shape; the frame gets an ``experiment`` column
    for batches and a ``comparison`` column (``"1 vs 0"`` …) for more than two arms.
    """
    arrays = {k: np.asarray(v) for k, v in columns.items()}
    shape = np.broadcast_shapes(*(a.shape for a in arrays.values()))
    data: dict[str, Any] = {}
    if len(shape) > len(batch_shape):
        n_cmp = shape[-1]
        grid = np.broadcast_to(np.arange(1, n_cmp + 1), shape)
        data["comparison"] = [f"{j} vs 0" for j in grid.ravel()]
    if batch_shape:
        idx = np.arange(int(np.prod(batch_shape))).reshape(batch_shape)
        idx = idx.reshape(batch_shape + (1,) * (len(shape) - len(batch_shape)))
        data["experiment"] = np.broadcast_to(idx, shape).ravel()
    for k, a in arrays.items():
        data[k] = np.broadcast_to(a, shape).ravel()
    frame = pd.DataFrame(data)
    front = [c for c in ("experiment", "comparison") if c in frame]
    return frame[front + [c for c in frame.columns if c not in front]]


def check_no_extra(name: str, value: Any) -> None:
    """Raise if an option that does not apply was given (used for clearer errors)."""
    if value is not None:
        raise InvalidParameterError(
            format_message(name, "be None here", repr(value), "This option does not apply.")
        )
