"""Shared pieces of the experiments subpackage: arm inputs, p-values, intervals, frames.

Every test in :mod:`precisemkt.experiments` follows one shape rule: the last axis of an
array of arms holds the arms (control first), every leading axis indexes experiments, and
the answer has the leading shape (a float for one experiment). Comparisons are always
"arm ``j`` minus the control arm 0".

What several test modules share lives here: the arm-input checks (per-arm arrays, raw
samples, counts, summary statistics ``mean, std, n``, variant labels) on top of the core
checks of :mod:`precisemkt._validation`, the normal p-values and intervals, the batch
frame, and Welch's test of per-arm summaries (:func:`means_result`, used by
:func:`~precisemkt.experiments.means_test` and :func:`~precisemkt.experiments.cuped`).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy import special

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import (
    align_by_index,
    as_float_array,
    check_bool,
    check_interval,
    check_options,
    check_whole,
    format_message,
    show_value,
)
from precisemkt.errors import ValidationError

__all__ = [
    "ALTERNATIVES",
    "Lift",
    "MeansTestResult",
    "align_units",
    "arm_moments",
    "as_arm_array",
    "as_samples",
    "as_variant",
    "batch_frame",
    "check_alternative",
    "check_counts",
    "check_level",
    "check_ratio_method",
    "check_summaries",
    "comparison_frame",
    "critical_value",
    "means_result",
    "normal_interval",
    "normal_pvalue",
    "per_comparison",
    "power_of_two",
    "ratio_interval",
    "scaled_welch",
    "squeeze",
    "two_samples",
    "unit_arms",
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
    """Convert a per-arm array of shape ``(..., k)`` to a new float64 array, checking it.

    The last axis holds the arms; it needs at least ``min_arms`` entries. NaN, inf and
    (for ``integer``) fractional entries raise :class:`ValidationError` naming the first
    offender (conversion, finiteness and whole numbers are the core checks of
    :mod:`precisemkt._validation`).
    """
    arr = as_float_array(values, name, ndim=None)
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
    if integer:
        check_whole(arr, name, hint="Pass counts, not rates.")
    return arr


def as_samples(values: Any, name: str, *, min_size: int = 1) -> FloatArray:
    """Convert raw observations of one arm to a new float64 array: 1-D or 2-D.

    A 1-D array is one experiment; a 2-D array holds one experiment per row (all rows of
    one arm have the same size). Observations must be finite (core check, naming the
    first NaN or inf).
    """
    arr = as_float_array(values, name, ndim=None)
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
    return arr


def two_samples(a: Any, b: Any, min_size: int) -> tuple[FloatArray, FloatArray]:
    """Raw observations of the control ``a`` and the variant ``b`` (:func:`as_samples`).

    Both 1-D (one experiment), or both 2-D with the same number of rows (experiments).
    """
    xa = as_samples(a, "a", min_size=min_size)
    xb = as_samples(b, "b", min_size=min_size)
    if xa.ndim != xb.ndim or (xa.ndim == 2 and xa.shape[0] != xb.shape[0]):
        raise ValidationError(
            format_message(
                "a and b",
                "both be 1-D, or 2-D with the same number of rows (experiments)",
                f"shapes {xa.shape} and {xb.shape}",
                "Stack one experiment per row in each arm.",
            )
        )
    return xa, xb


def check_counts(successes: Any, trials: Any) -> tuple[FloatArray, FloatArray]:
    """Validate per-arm counts of shape ``(..., k)`` (broadcast together); return copies.

    Counts are whole, non-negative, ``successes <= trials`` and ``trials >= 1``.
    """
    s = as_arm_array(successes, "successes", integer=True)
    n = as_arm_array(trials, "trials", integer=True)
    with contextlib.suppress(ValueError):  # shapes that do not broadcast are reported below
        s, n = (np.array(x) for x in np.broadcast_arrays(s, n))
    if s.shape != n.shape:
        raise ValidationError(
            format_message(
                "successes and trials",
                "have the same shape",
                f"shapes {s.shape} and {n.shape}",
                "Pass one count per arm in both, control first.",
            )
        )
    if (s < 0).any():
        raise ValidationError(
            format_message(
                "successes",
                "be non-negative",
                f"minimum {show_value(s.min())}",
                "Counts cannot be negative.",
            )
        )
    if (n < 1).any():
        idx = tuple(int(i) for i in np.argwhere(n < 1)[0])
        raise ValidationError(
            format_message(
                "trials",
                "be at least 1 in every arm",
                f"{show_value(n[idx])} at index {idx}",
                "Drop arms or experiments that received no traffic.",
            )
        )
    if (s > n).any():
        idx = tuple(int(i) for i in np.argwhere(s > n)[0])
        raise ValidationError(
            format_message(
                "successes",
                "be <= trials in every arm",
                f"successes={show_value(s[idx])}, trials={show_value(n[idx])} at index {idx}",
                "Did you swap the two arguments?",
            )
        )
    return s, n


def check_summaries(
    mean: Any, std: Any, n: Any, *, min_n: int = 2, positive_std: bool = False
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate per-arm summary statistics ``mean, std, n`` of shape ``(..., k)``.

    The one spelling of summary-statistic inputs in :mod:`precisemkt.experiments`
    (:func:`~precisemkt.experiments.means_test`, :func:`~precisemkt.experiments.bayes_means`,
    :func:`~precisemkt.experiments.msprt`): sample means, sample standard deviations
    (``ddof=1``) and sizes, control first.
    """
    m = as_arm_array(mean, "mean")
    s = as_arm_array(std, "std")
    size = as_arm_array(n, "n", integer=True)
    shape = m.shape
    if s.shape != shape or size.shape != shape:
        raise ValidationError(
            format_message(
                "mean, std and n",
                "have the same shape",
                f"shapes {m.shape}, {s.shape}, {size.shape}",
                "Pass one value per arm in each.",
            )
        )
    if (s <= 0).any() if positive_std else (s < 0).any():
        raise ValidationError(
            format_message(
                "std",
                "be > 0 in every arm" if positive_std else "be non-negative",
                f"minimum {show_value(s.min())}",
                "A constant metric has nothing to compare." if positive_std else "",
            )
        )
    if (size < min_n).any():
        raise ValidationError(
            format_message(
                "n",
                f"be at least {min_n} in every arm",
                f"minimum {show_value(size.min())}",
                "A sample variance needs two observations; collect more data."
                if min_n == 2
                else "",
            )
        )
    return m, s, size


def align_units(values: dict[str, Any]) -> dict[str, Any]:
    """Per-unit inputs paired by unit id when any is a pandas object (the data contract).

    Arrays alone keep their positional meaning (a 2-D array holds one experiment per row,
    so its rows and a 1-D variant are not compared by ``len``).
    """
    if any(isinstance(v, pd.Series | pd.DataFrame) for v in values.values()):
        return align_by_index(values, what="unit").values
    return dict(values)


def _labels_in_order(values: Any, control: Any) -> tuple[list[Any], Any]:
    """Distinct arm labels, control first, and the labels as an object array."""
    if isinstance(values, pd.Series | pd.Categorical | pd.Index) and isinstance(
        values.dtype, pd.CategoricalDtype
    ):
        categories = list(values.dtype.categories)
        flat = np.asarray(values, dtype=object)
    else:
        flat = np.array(values, dtype=object, copy=True)
        categories = None
    missing = pd.isna(flat)
    if np.any(missing):
        raise ValidationError(
            format_message(
                "variant",
                "name an arm for every unit",
                f"{int(np.sum(missing))} missing label(s)",
                "Drop units without an assignment first.",
            )
        )
    present = list(pd.unique(flat.ravel()))
    if categories is not None:
        labels = [c for c in categories if c in set(present)]
    else:
        try:
            labels = sorted(present)
        except TypeError:
            labels = sorted(present, key=str)
    if control is None:
        control = "control" if "control" in labels else labels[0]
    if control not in labels:
        raise ValidationError(
            format_message(
                "control",
                "be one of the variant labels",
                show_value(control),
                f"Use one of {', '.join(show_value(v) for v in labels[:5])}.",
            )
        )
    return [control] + [v for v in labels if v != control], flat


def as_variant(
    variant: Any, shape: tuple[int, ...], control: Any = None
) -> tuple[Any, int, tuple[Any, ...]]:
    """Arm codes ``0..k-1`` (control 0) broadcast to ``shape``, the arm count and labels.

    ``variant`` holds integer codes ``0, 1, ...`` (0 the control), booleans (``False`` the
    control) or labels of any kind (strings, categories). Labels are ordered with the
    control first (``control``; by default the label ``"control"`` when present, else the
    first label in sorted order, or the first category of a categorical), then the rest
    in sorted (category) order.
    """
    raw = np.asarray(variant)
    labelled = raw.dtype.kind not in "biuf" or (
        isinstance(variant, pd.Series | pd.Categorical | pd.Index)
        and isinstance(variant.dtype, pd.CategoricalDtype)
    )
    if raw.dtype.kind == "f" and not np.all(np.isfinite(raw)):
        labelled = True
    if raw.dtype.kind == "f" and not labelled and not np.all(raw == np.round(raw)):
        labelled = True
    if control is not None and not labelled:
        labelled = True
    if labelled:
        labels, flat = _labels_in_order(variant, control)
        lookup = {v: i for i, v in enumerate(labels)}
        codes = np.array([lookup[v] for v in flat.ravel()], dtype=np.int64).reshape(flat.shape)
        names: tuple[Any, ...] = tuple(labels)
    else:
        codes = np.array(raw, copy=True).astype(np.int64)
        names = ()
    if codes.ndim == 0 or codes.shape != shape[-codes.ndim :]:
        raise ValidationError(
            format_message(
                "variant", f"have shape {shape} or {shape[-1:]}", f"shape {codes.shape}", ""
            )
        )
    if codes.min() < 0:
        raise ValidationError(
            format_message(
                "variant",
                "hold arm codes >= 0 (0 the control) or arm labels",
                f"minimum {show_value(codes.min())}",
                "Pass labels with control=..., or codes 0, 1, ...",
            )
        )
    k = int(codes.max()) + 1
    if k < 2:
        raise ValidationError(
            format_message(
                "variant",
                "contain at least two arms",
                f"only arm {show_value(names[0] if names else k - 1)}",
                "A test compares a control with at least one variant.",
            )
        )
    if not names:
        names = tuple(range(k))
    return np.broadcast_to(codes, shape), k, names


def arm_moments(codes: Any, k: int, name: str) -> tuple[FloatArray, FloatArray]:
    """Per-arm masks ``(..., k, n)`` and sizes ``(..., k)`` of a batch; each arm needs 2."""
    masks = np.stack([codes == j for j in range(k)], axis=-2)  # (..., k, n)
    sizes = masks.sum(axis=-1).astype(np.float64)
    if (sizes < 2).any():
        raise ValidationError(
            format_message(
                f"every arm of {name}",
                "have at least 2 units",
                f"smallest arm size {int(sizes.min())}",
                "Check the variant codes; each arm must appear at least twice.",
            )
        )
    return masks.astype(np.float64), sizes


def unit_arms(
    names: tuple[str, str], values: tuple[Any, Any], variant: Any, control: Any, *, min_size: int
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Two per-unit metrics and the arm of each unit, checked and paired.

    Pandas inputs are paired by unit id (:func:`align_units`); both metrics are raw
    samples (:func:`as_samples`) of one shape; ``variant`` gives the arms
    (:func:`as_variant`). Returns the two metrics, the per-arm masks ``(..., k, n)`` and
    the arm sizes ``(..., k)`` (:func:`arm_moments`).
    """
    aligned = align_units({names[0]: values[0], names[1]: values[1], "variant": variant})
    first = as_samples(aligned[names[0]], names[0], min_size=min_size)
    second = as_samples(aligned[names[1]], names[1], min_size=min_size)
    if first.shape != second.shape:
        raise ValidationError(
            format_message(
                f"{names[0]} and {names[1]}",
                "have the same shape",
                f"{first.shape} and {second.shape}",
                "Pass one value of each per unit.",
            )
        )
    codes, k, _ = as_variant(aligned["variant"], first.shape, control)
    masks, sizes = arm_moments(codes, k, "variant")
    return first, second, masks, sizes


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


def per_comparison(values: Any, k: int) -> Any:
    """Drop the comparison axis for two arms and unwrap one experiment."""
    arr = np.asarray(values, dtype=np.float64)
    if k == 2:
        arr = arr[..., 0]
    return squeeze(arr)


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


def comparison_frame(result: Any, batch_shape: tuple[int, ...], **extra: Any) -> pd.DataFrame:
    """``to_frame`` of a comparison result: statistic, p-value, ``extra`` columns, the
    absolute and relative effect (a :class:`Lift`) and a 95% interval, by :func:`batch_frame`.
    """
    low, high = result.confidence_interval(0.95)
    columns = {"statistic": result.statistic, "pvalue": result.pvalue, **extra}
    columns |= {
        "effect": result.effect.absolute,
        "relative_effect": result.effect.relative,
        "ci_low": low,
        "ci_high": high,
    }
    return batch_frame(columns, batch_shape)


def _t_pvalue(t: FloatArray, df: FloatArray, alternative: str) -> FloatArray:
    """p-value of Student's t with ``df`` degrees of freedom (``scipy.special.stdtr``)."""
    if alternative == "two-sided":
        return np.asarray(2.0 * special.stdtr(df, -np.abs(t)), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.stdtr(df, -t), dtype=np.float64)
    return np.asarray(special.stdtr(df, t), dtype=np.float64)


def _welch(
    mean: FloatArray, var: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Welch difference, standard error, t and Welch-Satterthwaite df for arm j vs arm 0.

    Zero variance in both arms: t is 0 when the means agree (nothing to detect) and
    ``±inf`` when they differ (the difference is certain); df is then ``n0 + nj - 2``.
    """
    w0, wj = var[..., :1] / n[..., :1], var[..., 1:] / n[..., 1:]
    diff = mean[..., 1:] - mean[..., :1]
    se2 = w0 + wj
    se = np.sqrt(se2)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.sign(diff) * np.inf)
        t = np.where((se == 0) & (diff == 0), 0.0, t)
        den = w0**2 / (n[..., :1] - 1.0) + wj**2 / (n[..., 1:] - 1.0)
        df = np.where(den > 0, se2**2 / np.where(den > 0, den, 1.0), n[..., :1] + n[..., 1:] - 2.0)
    return diff, se, np.asarray(t, dtype=np.float64), np.asarray(df, dtype=np.float64)


def power_of_two(scale: FloatArray) -> FloatArray:
    """The power of two at or below each positive finite scale (1 elsewhere): exact to divide by."""
    ok = np.isfinite(scale) & (scale > 0)
    safe = np.where(ok, scale, 1.0)
    return np.asarray(np.where(ok, np.exp2(np.floor(np.log2(safe))), 1.0), dtype=np.float64)


def scaled_welch(
    mean: FloatArray, std: FloatArray, n: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """:func:`_welch` computed on the summaries divided by a power of two per experiment.

    t and df do not depend on the unit; dividing by the largest ``|mean|`` or ``std`` keeps
    ``std**2`` and the difference of means finite for data near 1e300 (and away from
    underflow near 1e-300). Difference and standard error come back in the data's unit.
    """
    scale = power_of_two(np.maximum(np.abs(mean), std).max(axis=-1, keepdims=True))
    diff, se, t, df = _welch(mean / scale, (std / scale) ** 2, n)
    with np.errstate(over="ignore"):
        return diff * scale, se * scale, t, df


@dataclass(frozen=True, slots=True)
class MeansTestResult(ResultMixin):
    """Result of :func:`~precisemkt.experiments.means_test`: Welch's t-test (data or summaries).

    Comparison fields are floats (one experiment of two arms), batch-shaped arrays, or
    carry a trailing axis of ``k - 1`` comparisons against arm 0.

    Attributes
    ----------
    statistic : float or ndarray
        Welch's t.
    pvalue : float or ndarray
    df : float or ndarray
        Welch-Satterthwaite degrees of freedom.
    effect : Lift
        ``mean_j - mean_0`` and ``mean_j / mean_0 - 1``.
    means, stds, nobs : ndarray
        Arm summaries (``stds`` with ``ddof=1``), shape ``(..., k)``.
    alternative : str

    Examples
    --------
    >>> from precisemkt.experiments import means_test
    >>> res = means_test(mean=[10.0, 10.5], std=[2.0, 2.2], n=[200, 210])
    >>> round(res.statistic, 4)
    2.4099
    """

    statistic: Any
    pvalue: Any
    df: Any
    effect: Lift
    means: FloatArray
    stds: FloatArray
    nobs: FloatArray
    alternative: str

    def confidence_interval(
        self, level: float = 0.95, *, relative: bool = False, method: str | None = None
    ) -> ConfidenceInterval:
        """Interval for the difference of means (Welch t) or the relative lift.

        ``relative=True`` uses ``method="delta"`` (default) or ``"fieller"`` with normal
        quantiles. One-sided alternatives give one-sided intervals (as scipy does).

        Examples
        --------
        >>> from precisemkt.experiments import means_test
        >>> res = means_test(mean=[10.0, 10.5], std=[2.0, 2.2], n=[200, 210])
        >>> lo, hi = res.confidence_interval()
        >>> round(lo, 4), round(hi, 4)
        (0.0921, 0.9079)
        """
        level = check_level(level)
        check_bool(relative, "relative")
        k = self.means.shape[-1]
        if relative:
            m = check_ratio_method("delta" if method is None else method)
            # the ratio is unit-free: compute it on summaries scaled by a power of two
            scale = power_of_two(
                np.maximum(np.abs(self.means), self.stds).max(axis=-1, keepdims=True)
            )
            means = self.means / scale
            var = (self.stds / scale) ** 2 / self.nobs
            low, high = ratio_interval(
                means[..., 1:],
                means[..., :1],
                var[..., 1:],
                var[..., :1],
                level,
                self.alternative,
                m,
            )
        else:
            check_options("welch" if method is None else method, "method", ("welch",))
            diff, se, _, df = scaled_welch(self.means, self.stds, self.nobs)
            q = (1.0 + level) / 2.0 if self.alternative == "two-sided" else level
            low, high = normal_interval(
                diff, se, level, self.alternative, crit=special.stdtrit(df, q)
            )
        return ConfidenceInterval(per_comparison(low, k), per_comparison(high, k))

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment (and comparison) with the test and a 95% interval.

        Examples
        --------
        >>> from precisemkt.experiments import means_test
        >>> means_test(mean=[1.0, 2.0], std=[1.0, 1.0], n=[10, 10]).to_frame().shape
        (1, 7)
        """
        return comparison_frame(self, self.means.shape[:-1], df=self.df)


def means_result(
    mean: FloatArray, std: FloatArray, n: FloatArray, alternative: str
) -> MeansTestResult:
    """Welch's test of checked per-arm summaries (the builder every means test shares)."""
    k = mean.shape[-1]
    diff, _, t, df = scaled_welch(mean, std, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = mean[..., 1:] / mean[..., :1] - 1.0
    return MeansTestResult(
        statistic=per_comparison(t, k),
        pvalue=per_comparison(_t_pvalue(t, df, alternative), k),
        df=per_comparison(df, k),
        effect=Lift(per_comparison(diff, k), per_comparison(relative, k)),
        means=mean,
        stds=std,
        nobs=n,
        alternative=alternative,
    )
