"""Tests of means: Welch's t-test (raw data or summary statistics) and ratio metrics.

Welch's test of per-arm summaries and its result, :class:`MeansTestResult`, live in
:mod:`precisemkt.experiments._common` (CUPED reports the same result).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import check_bool, check_options, format_message, show_value
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments._common import (
    Lift,
    MeansTestResult,
    check_alternative,
    check_level,
    check_ratio_method,
    check_summaries,
    comparison_frame,
    means_result,
    normal_interval,
    normal_pvalue,
    per_comparison,
    power_of_two,
    ratio_interval,
    two_samples,
    unit_arms,
)

__all__ = ["RatioMetricResult", "means_test", "ratio_metric_test"]


def means_test(
    a: Any = None,
    b: Any = None,
    *,
    mean: Any = None,
    std: Any = None,
    n: Any = None,
    alternative: str = "two-sided",
) -> MeansTestResult:
    """Welch's t-test of the variant ``b`` against the control ``a``, or from summaries.

    Give either the raw observations ``a, b`` or the per-arm summary statistics
    ``mean=, std=, n=`` (the spelling every experiments function uses for them, as
    :func:`~precisemkt.experiments.bayes_means` and :func:`~precisemkt.experiments.msprt`).

    Parameters
    ----------
    a, b : array_like, optional
        Observations of the control and of the variant: 1-D for one experiment, or 2-D
        with one experiment per row. Each arm needs at least 2 observations.
    mean, std, n : array_like, shape (..., k), optional
        Instead of ``a, b``: per-arm sample mean, sample standard deviation (``ddof=1``)
        and size, control first; leading axes index experiments; ``k > 2`` arms give one
        comparison per variant.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: the variant mean exceeds the control's.

    Returns
    -------
    MeansTestResult
        Agrees with ``scipy.stats.ttest_ind(b, a, equal_var=False)`` and
        :func:`scipy.stats.ttest_ind_from_stats`; with zero variance in both arms it
        returns t = 0, p = 1 for equal means (scipy: ``nan``). Data near the float limits
        (1e300, 1e-300) are summarised after division by a power of two, so the p-value
        stays exact where scipy returns ``nan``.

    Examples
    --------
    >>> res = means_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(res.pvalue, 4)
    0.2903
    >>> res = means_test(mean=[[5, 5.2], [5, 5]], std=[[1, 1], [1, 1]], n=[[50, 50], [50, 50]])
    >>> res.pvalue.round(4).tolist()
    [0.3198, 1.0]
    """
    raw = a is not None or b is not None
    summaries = mean is not None or std is not None or n is not None
    if raw == summaries or (raw and (a is None or b is None)):
        raise InvalidParameterError(
            format_message(
                "means_test data",
                "be either the observations a and b, or mean=, std= and n=",
                "both" if raw and summaries else "an incomplete set",
                "Call means_test(a, b) or means_test(mean=..., std=..., n=...).",
            )
        )
    if summaries:
        if mean is None or std is None or n is None:
            raise InvalidParameterError(
                format_message("mean, std and n", "all be given", "some missing", "Pass all three.")
            )
        return means_result(*check_summaries(mean, std, n), check_alternative(alternative))
    xa, xb = two_samples(a, b, 2)
    alternative = check_alternative(alternative)
    # Summaries of the data divided by a power of two (exact), so that sums and squares
    # stay finite for values near 1e300 (and do not underflow near 1e-300).
    top = np.maximum(np.abs(xa).max(axis=-1), np.abs(xb).max(axis=-1))[..., None]
    scale = power_of_two(top)
    sa, sb = xa / scale, xb / scale
    mean = np.stack([sa.mean(axis=-1), sb.mean(axis=-1)], axis=-1) * scale
    std = np.stack([sa.std(axis=-1, ddof=1), sb.std(axis=-1, ddof=1)], axis=-1) * scale
    n = np.broadcast_to(np.array([xa.shape[-1], xb.shape[-1]], dtype=np.float64), mean.shape).copy()
    return means_result(mean, std, n, alternative)


@dataclass(frozen=True, slots=True)
class RatioMetricResult(ResultMixin):
    """Result of :func:`ratio_metric_test` (delta-method z-test, Deng et al. 2018).

    Attributes
    ----------
    statistic, pvalue : float or ndarray
    effect : Lift
        ``R_j - R_0`` and ``R_j / R_0 - 1`` of the ratios ``R = sum(num) / sum(den)``.
    ratios, variances, nobs : ndarray
        Per arm: ratio, its delta-method variance, number of units; shape ``(..., k)``.
    alternative : str

    Examples
    --------
    >>> res = ratio_metric_test([1, 2, 0, 3, 1, 2], [2, 3, 1, 4, 2, 2], [0, 0, 0, 1, 1, 1])
    >>> round(res.effect.absolute, 4)
    0.25
    """

    statistic: Any
    pvalue: Any
    effect: Lift
    ratios: FloatArray
    variances: FloatArray
    nobs: FloatArray
    alternative: str

    def confidence_interval(
        self, level: float = 0.95, *, relative: bool = False, method: str | None = None
    ) -> ConfidenceInterval:
        """Normal interval for ``R_j - R_0``, or for ``R_j / R_0 - 1`` with ``relative``.

        Examples
        --------
        >>> res = ratio_metric_test([1, 2, 0, 3, 1, 2], [2, 3, 1, 4, 2, 2], [0, 0, 0, 1, 1, 1])
        >>> lo, hi = res.confidence_interval()
        >>> lo < res.effect.absolute < hi
        True
        """
        level = check_level(level)
        check_bool(relative, "relative")
        k = self.ratios.shape[-1]
        r, v = self.ratios, self.variances
        if relative:
            m = check_ratio_method("delta" if method is None else method)
            low, high = ratio_interval(
                r[..., 1:], r[..., :1], v[..., 1:], v[..., :1], level, self.alternative, m
            )
        else:
            check_options("normal" if method is None else method, "method", ("normal",))
            se = np.sqrt(v[..., 1:] + v[..., :1])
            low, high = normal_interval(r[..., 1:] - r[..., :1], se, level, self.alternative)
        return ConfidenceInterval(per_comparison(low, k), per_comparison(high, k))

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment (and comparison) with a 95% interval.

        Examples
        --------
        >>> ratio_metric_test([1, 2, 0, 3], [2, 3, 1, 4], [0, 0, 1, 1]).to_frame().shape
        (1, 6)
        """
        return comparison_frame(self, self.ratios.shape[:-1])


def ratio_metric_test(
    numerator: Any,
    denominator: Any,
    variant: Any,
    *,
    control: Any = None,
    alternative: str = "two-sided",
) -> RatioMetricResult:
    """Test a ratio metric (clicks per view, revenue per session) by the delta method.

    The analysis unit is the randomisation unit (e.g. user) with per-unit ``numerator``
    ``Y`` and ``denominator`` ``X``. Per arm, ``R = ΣY / ΣX`` and (Deng, Knoblich & Lu
    2018, eq. 3)

    .. math:: \\mathrm{Var}(R) \\approx \\frac{1}{n \\bar X^2}
        \\left(s_Y^2 - 2 R\\, s_{XY} + R^2 s_X^2\\right).

    Parameters
    ----------
    numerator, denominator : array_like or pandas Series
        Per-unit values, 1-D or 2-D (one experiment per row). Denominators count
        something (views, sessions) and must be non-negative.
    variant : array_like or pandas Series
        Arm of each unit, same shape or 1-D: codes 0 (control), 1, ..., booleans, or
        labels such as ``"control"`` / ``"treatment"`` (see ``control``).
    control : label, optional
        The control arm's label when ``variant`` holds labels; by default ``"control"``
        if present, else the first label in sorted order.
    alternative : {"two-sided", "greater", "less"}

    Pandas inputs indexed by unit id are aligned on their index (the same ids in any
    order); different ids raise :class:`~precisemkt.errors.ValidationError`.

    Returns
    -------
    RatioMetricResult

    Examples
    --------
    >>> res = ratio_metric_test([3, 1, 4, 1, 5, 9], [4, 2, 6, 2, 6, 10], [0, 0, 0, 1, 1, 1])
    >>> round(float(res.ratios[1]), 4)
    0.8333
    >>> labels = ["control"] * 3 + ["treatment"] * 3
    >>> same = ratio_metric_test([3, 1, 4, 1, 5, 9], [4, 2, 6, 2, 6, 10], labels)
    >>> same.statistic == res.statistic
    True
    """
    y, x, masks, n = unit_arms(
        ("numerator", "denominator"), (numerator, denominator), variant, control, min_size=2
    )
    if (x < 0).any():
        raise ValidationError(
            format_message(
                "denominator",
                "be non-negative for every unit (it counts views, sessions, ...)",
                f"{int((x < 0).sum())} negative value(s) (minimum {show_value(x.min())})",
                "Check the column; a ratio of sums with negative denominators has no meaning.",
            )
        )
    alternative = check_alternative(alternative)
    k = n.shape[-1]
    # Per-experiment power-of-two scales keep sums and squares finite near 1e300.
    sy = power_of_two(np.abs(y).max(axis=-1, keepdims=True))
    sx = power_of_two(np.abs(x).max(axis=-1, keepdims=True))
    yy, xx = (y / sy)[..., None, :], (x / sx)[..., None, :]
    my = (masks * yy).sum(axis=-1) / n
    mx = (masks * xx).sum(axis=-1) / n
    if (mx == 0).any():
        raise ValidationError(
            format_message(
                "denominator",
                "have a non-zero sum in every arm",
                "an arm summing to 0",
                "A ratio needs a positive denominator; drop empty arms.",
            )
        )
    dy, dx = masks * (yy - my[..., None]), masks * (xx - mx[..., None])
    vy = (dy**2).sum(axis=-1) / (n - 1)
    vx = (dx**2).sum(axis=-1) / (n - 1)
    cxy = (dy * dx).sum(axis=-1) / (n - 1)
    r = my / mx
    var = (vy - 2 * r * cxy + r**2 * vx) / (n * mx**2)
    var = np.maximum(var, 0.0)
    unit = sy / sx  # R in the data's unit is r * unit
    diff = r[..., 1:] - r[..., :1]
    se = np.sqrt(var[..., 1:] + var[..., :1])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.sign(diff) * np.inf)
        z = np.where((se == 0) & (diff == 0), 0.0, z)
        rel = r[..., 1:] / r[..., :1] - 1.0
        ratios = r * unit
        variances = var * unit**2
        diff = diff * unit
    return RatioMetricResult(
        statistic=per_comparison(z, k),
        pvalue=per_comparison(normal_pvalue(z, alternative), k),
        effect=Lift(per_comparison(diff, k), per_comparison(rel, k)),
        ratios=ratios,
        variances=variances,
        nobs=n,
        alternative=alternative,
    )
