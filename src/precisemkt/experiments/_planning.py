"""Planning and hygiene: sample size, power, sample-ratio mismatch, multiple testing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from precisemkt._results import ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import (
    check_bool,
    check_interval,
    check_options,
    format_message,
    show_value,
)
from precisemkt.errors import ValidationError
from precisemkt.experiments._common import as_arm_array, check_alternative, squeeze

__all__ = ["SRMResult", "SampleSize", "adjust_pvalues", "power", "sample_size", "srm_check"]

#: Sample sizes are returned as int64; the total must stay below this.
_MAX_N = float(2**62)


def _design(
    baseline: Any, mde: Any, std: Any, relative: bool, ratio: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Effect, null and alternative standard deviations of the difference (per √n_control)."""
    base = np.asarray(baseline, dtype=np.float64)
    eff = np.asarray(mde, dtype=np.float64)
    if not (np.all(np.isfinite(base)) and np.all(np.isfinite(eff))):
        raise ValidationError(
            format_message("baseline and mde", "be finite", "non-finite values", "")
        )
    delta = eff * base if relative else eff
    if np.any(delta == 0):
        raise ValidationError(
            format_message(
                "mde", "be non-zero", "0", "The minimum detectable effect must be a real change."
            )
        )
    if std is None:
        p0, p1 = base, base + delta
        if np.any((p0 <= 0) | (p0 >= 1) | (p1 <= 0) | (p1 >= 1)):
            raise ValidationError(
                format_message(
                    "baseline and baseline + effect",
                    "be rates strictly inside (0, 1)",
                    f"baseline={show_value(baseline)}, effect={show_value(delta)}",
                    "Check the units: rates are fractions.",
                )
            )
        pooled = (p0 + ratio * p1) / (1.0 + ratio)
        sd_null = np.sqrt(pooled * (1.0 - pooled) * (1.0 + 1.0 / ratio))
        sd_alt = np.sqrt(p0 * (1.0 - p0) + p1 * (1.0 - p1) / ratio)
    else:
        sd = np.asarray(std, dtype=np.float64)
        if np.any(~np.isfinite(sd)) or np.any(sd <= 0):
            raise ValidationError(
                format_message("std", "be positive and finite", show_value(std)[:60], "")
            )
        sd_null = sd_alt = sd * np.sqrt(1.0 + 1.0 / ratio)
    return np.asarray(delta, dtype=np.float64), np.asarray(sd_null), np.asarray(sd_alt)


@dataclass(frozen=True, slots=True)
class SampleSize(ResultMixin):
    """Result of :func:`sample_size` (per-arm sizes, rounded up).

    Attributes
    ----------
    n_control, n_treatment, total : int or ndarray
    exact : float or ndarray
        Unrounded control-arm size from the formula.

    Examples
    --------
    >>> sample_size(0.10, 0.01).n_control
    14751
    """

    n_control: Any
    n_treatment: Any
    total: Any
    exact: Any


def _common_args(
    alpha: Any, ratio: Any, alternative: Any, relative: Any
) -> tuple[float, float, str, bool]:
    a = check_interval(alpha, "alpha", low=0.0, high=1.0, closed="neither", hint="Use e.g. 0.05.")
    r = check_interval(
        ratio, "ratio", low=0.0, closed="neither", hint="n_treatment / n_control, e.g. 1."
    )
    return a, r, check_alternative(alternative), check_bool(relative, "relative")


def sample_size(
    baseline: Any,
    mde: Any,
    *,
    std: Any = None,
    relative: bool = False,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> SampleSize:
    """Per-arm sample size of a two-arm test of proportions (``std=None``) or means.

    Normal-approximation formula with the variance under the null for the critical value
    and under the alternative for the power (Fleiss, Levin & Paik 2003, eq. 4.14):

    .. math:: n_c = \\left(\\frac{z_{1-α'}\\,σ_0 + z_{1-β}\\,σ_1}{δ}\\right)^2,
        \\quad σ_0^2 = \\bar p(1-\\bar p)(1 + 1/r),\\quad σ_1^2 = p_0 q_0 + p_1 q_1 / r,

    with ``α' = α/2`` two-sided, ``r = n_t / n_c`` and ``p̄ = (p_0 + r p_1)/(1 + r)``
    (statsmodels' ``samplesize_proportions_2indep_onetail``). For means ``σ_0 = σ_1 =
    σ √(1 + 1/r)`` (statsmodels' ``NormalIndPower``). The far tail of a two-sided test is
    ignored (its contribution to power is below ``α/2``).

    Parameters
    ----------
    baseline : float or array_like
        Control conversion rate, or control mean for means.
    mde : float or array_like
        Minimum detectable effect: absolute difference, or relative if ``relative``.
    std : float or array_like, optional
        Standard deviation of the metric (means); ``None`` for proportions.
    relative : bool, default False
    alpha, power : float
    ratio : float, default 1
        ``n_treatment / n_control``.
    alternative : {"two-sided", "greater", "less"}

    Returns
    -------
    SampleSize

    Examples
    --------
    >>> sample_size(10.0, 0.5, std=4.0).n_control
    1005
    """
    a, r, alt, rel = _common_args(alpha, ratio, alternative, relative)
    pw = check_interval(power, "power", low=0.0, high=1.0, closed="neither", hint="Use e.g. 0.8.")
    delta, sd0, sd1 = _design(baseline, mde, std, rel, r)
    crit = special.ndtri(1.0 - (a / 2.0 if alt == "two-sided" else a))
    with np.errstate(over="ignore"):
        n_exact = (np.maximum(crit * sd0 + special.ndtri(pw) * sd1, 0.0) / np.abs(delta)) ** 2
    too_big = ~(n_exact * max(r, 1.0) * 2.0 < _MAX_N)
    if np.any(too_big):
        worst = float(np.max(np.where(np.isnan(n_exact), np.inf, n_exact)))
        raise ValidationError(
            format_message(
                "mde",
                "be large enough for a sample size that can be counted (below 2**62 units "
                "in total)",
                f"a minimum detectable effect of {show_value(mde)} needing "
                f"{worst:.3g} units per arm",
                "No experiment detects an effect this small; raise mde.",
            )
        )
    n_c = np.ceil(n_exact - 1e-9).astype(np.int64)
    n_t = np.ceil(n_c * r - 1e-9).astype(np.int64)
    return SampleSize(
        n_control=squeeze(n_c),
        n_treatment=squeeze(n_t),
        total=squeeze(n_c + n_t),
        exact=squeeze(n_exact),
    )


def power(
    n_control: Any,
    baseline: Any,
    mde: Any,
    *,
    std: Any = None,
    relative: bool = False,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> float | FloatArray:
    """Power of a two-arm test of proportions (``std=None``) or means; both tails counted.

    ``P(reject) = Φ((δ√n - z σ_0)/σ_1) + Φ((-δ√n - z σ_0)/σ_1)`` (second term two-sided
    only), with the variances of :func:`sample_size` (statsmodels' ``normal_power_het``).

    Examples
    --------
    >>> round(power(14751, 0.10, 0.01), 4)
    0.8
    """
    a, r, alt, rel = _common_args(alpha, ratio, alternative, relative)
    n = np.asarray(n_control, dtype=np.float64)
    if np.any(~np.isfinite(n)) or np.any(n <= 0):
        raise ValidationError(
            format_message("n_control", "be positive", show_value(n_control)[:60], "")
        )
    delta, sd0, sd1 = _design(baseline, mde, std, rel, r)
    crit = special.ndtri(1.0 - (a / 2.0 if alt == "two-sided" else a))
    shift = delta * np.sqrt(n) / sd1
    ratio_sd = sd0 / sd1
    up = special.ndtr(shift - crit * ratio_sd)
    down = special.ndtr(-shift - crit * ratio_sd)
    if alt == "two-sided":
        out = up + down
    elif alt == "greater":
        out = up
    else:
        out = down
    result: float | FloatArray = squeeze(out)
    return result


@dataclass(frozen=True, slots=True)
class SRMResult(ResultMixin):
    """Result of :func:`srm_check` (chi-square goodness of fit of arm sizes).

    Attributes
    ----------
    statistic, pvalue : float or ndarray
    mismatch : bool or ndarray
        ``pvalue < alpha``: the split is not what was planned; distrust the test.
    expected : ndarray
        Expected counts per arm.

    Examples
    --------
    >>> srm_check([5000, 5200]).mismatch
    False
    """

    statistic: Any
    pvalue: Any
    mismatch: Any
    expected: FloatArray


def srm_check(counts: Any, expected_ratios: Any = None, *, alpha: float = 0.001) -> SRMResult:
    """Sample-ratio-mismatch check: are the arm sizes consistent with the planned split?

    Pearson's chi-square goodness-of-fit test of the observed units per arm against
    ``total * ratio`` (as :func:`scipy.stats.chisquare`), with the strict default
    ``alpha = 0.001`` used in practice (Fabijan et al. 2019).

    Parameters
    ----------
    counts : array_like, shape (..., k)
        Units per arm; leading axes are experiments.
    expected_ratios : array_like, shape (k,), optional
        Planned split (any positive weights); equal by default.
    alpha : float, default 0.001

    Returns
    -------
    SRMResult

    Examples
    --------
    >>> res = srm_check([[5000, 5000], [5000, 5400]])
    >>> res.mismatch.tolist()
    [False, True]
    """
    c = as_arm_array(counts, "counts", integer=True)
    if (c < 0).any():
        raise ValidationError(
            format_message("counts", "be non-negative", f"minimum {show_value(c.min())}", "")
        )
    k = c.shape[-1]
    if expected_ratios is None:
        w = np.full(k, 1.0 / k)
    else:
        w = np.array(expected_ratios, dtype=np.float64, copy=True).ravel()
        if w.size != k or np.any(~np.isfinite(w)) or np.any(w <= 0):
            raise ValidationError(
                format_message(
                    "expected_ratios",
                    f"hold {k} positive weights",
                    show_value(expected_ratios)[:60],
                    "Give one planned share per arm, e.g. [0.5, 0.5].",
                )
            )
        w = w / w.sum()
    a = check_interval(alpha, "alpha", low=0.0, high=1.0, closed="neither")
    total = c.sum(axis=-1, keepdims=True)
    if (total == 0).any():
        raise ValidationError(
            format_message("counts", "have a positive total", "0", "No units yet.")
        )
    expected = total * w
    stat = ((c - expected) ** 2 / expected).sum(axis=-1)
    p = special.chdtrc(k - 1.0, stat)
    return SRMResult(
        statistic=squeeze(stat), pvalue=squeeze(p), mismatch=squeeze(p < a), expected=expected
    )


_ADJUST = ("holm", "hochberg", "bh", "by", "bonferroni")


def adjust_pvalues(p: Any, method: str = "holm") -> float | FloatArray:
    """Adjust p-values for multiple testing along the last axis; NaN entries stay NaN.

    Each row (last axis) is one family; its NaN entries are left out of the family (the
    family size ``m`` is the number of non-NaN p-values) and returned as NaN.

    ``"holm"`` step-down FWER (Holm 1979), ``"hochberg"`` step-up FWER (Hochberg 1988),
    ``"bh"`` FDR (Benjamini & Hochberg 1995), ``"by"`` FDR under dependence (Benjamini &
    Yekutieli 2001), ``"bonferroni"``. Agrees with statsmodels' ``multipletests``.

    Examples
    --------
    >>> adjust_pvalues([0.01, float("nan"), 0.04, 0.03], method="bh").round(4).tolist()
    [0.03, nan, 0.04, 0.04]
    """
    method = check_options(method, "method", _ADJUST)
    arr = np.array(p, dtype=np.float64, copy=True)
    one = arr.ndim == 0
    arr = np.atleast_1d(arr)
    valid = ~np.isnan(arr)
    if np.any((arr[valid] < 0) | (arr[valid] > 1)):
        raise ValidationError(
            format_message(
                "p",
                "hold p-values in [0, 1] (or NaN)",
                f"range [{np.nanmin(arr)}, {np.nanmax(arr)}]",
                "",
            )
        )
    m = valid.sum(axis=-1, keepdims=True).astype(np.float64)
    order = np.argsort(np.where(valid, arr, np.inf), axis=-1, kind="stable")
    ps = np.take_along_axis(arr, order, axis=-1)  # NaN last
    i = np.arange(1, arr.shape[-1] + 1, dtype=np.float64)
    big = np.inf
    if method == "bonferroni":
        adj = ps * m
    elif method == "holm":
        adj = np.maximum.accumulate(np.where(np.isnan(ps), -big, (m - i + 1) * ps), axis=-1)
    elif method == "hochberg":
        step = np.where(np.isnan(ps), big, (m - i + 1) * ps)
        adj = np.minimum.accumulate(step[..., ::-1], axis=-1)[..., ::-1]
    else:
        c_m: Any = 1.0
        if method == "by":  # c(m) = sum_{j<=m} 1/j for each family's own m
            harmonic = np.broadcast_to(np.cumsum(1.0 / i), arr.shape)
            c_m = np.take_along_axis(harmonic, np.maximum(m.astype(np.int64) - 1, 0), axis=-1)
        step = np.where(np.isnan(ps), big, ps * m * c_m / i)
        adj = np.minimum.accumulate(step[..., ::-1], axis=-1)[..., ::-1]
    adj = np.where(np.isnan(ps), np.nan, np.minimum(adj, 1.0))
    out = np.empty_like(adj)
    np.put_along_axis(out, order, adj, axis=-1)
    return out[0] if one else out
