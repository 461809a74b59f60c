"""Tests of means and distributions: Welch's t-test, Mann-Whitney U, ratio metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import check_bool, check_options, format_message
from precisemkt.errors import ValidationError
from precisemkt.experiments._common import (
    Lift,
    as_arm_array,
    as_samples,
    batch_frame,
    check_alternative,
    check_level,
    check_ratio_method,
    normal_interval,
    normal_pvalue,
    ratio_interval,
    squeeze,
)

__all__ = [
    "MannWhitneyResult",
    "MeansTestResult",
    "RatioMetricResult",
    "as_variant",
    "mann_whitney",
    "means_test",
    "means_test_from_stats",
    "ratio_metric_test",
    "welch",
]


def _fit(values: Any, k: int) -> Any:
    """Drop the comparison axis for two arms and unwrap one experiment."""
    arr = np.asarray(values, dtype=np.float64)
    if k == 2:
        arr = arr[..., 0]
    return squeeze(arr)


def _t_pvalue(t: FloatArray, df: FloatArray, alternative: str) -> FloatArray:
    """p-value of Student's t with ``df`` degrees of freedom (``scipy.special.stdtr``)."""
    if alternative == "two-sided":
        return np.asarray(2.0 * special.stdtr(df, -np.abs(t)), dtype=np.float64)
    if alternative == "greater":
        return np.asarray(special.stdtr(df, -t), dtype=np.float64)
    return np.asarray(special.stdtr(df, t), dtype=np.float64)


def welch(
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


@dataclass(frozen=True, slots=True)
class MeansTestResult(ResultMixin):
    """Result of :func:`means_test` / :func:`means_test_from_stats` (Welch's t-test).

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
    >>> res = means_test_from_stats([10.0, 10.5], [2.0, 2.2], [200, 210])
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
        >>> res = means_test_from_stats([10.0, 10.5], [2.0, 2.2], [200, 210])
        >>> lo, hi = res.confidence_interval()
        >>> round(lo, 4), round(hi, 4)
        (0.0921, 0.9079)
        """
        level = check_level(level)
        check_bool(relative, "relative")
        k = self.means.shape[-1]
        var = self.stds**2 / self.nobs
        if relative:
            m = check_ratio_method("delta" if method is None else method)
            low, high = ratio_interval(
                self.means[..., 1:],
                self.means[..., :1],
                var[..., 1:],
                var[..., :1],
                level,
                self.alternative,
                m,
            )
        else:
            check_options("welch" if method is None else method, "method", ("welch",))
            diff, se, _, df = welch(self.means, self.stds**2, self.nobs)
            q = (1.0 + level) / 2.0 if self.alternative == "two-sided" else level
            low, high = normal_interval(
                diff, se, level, self.alternative, crit=special.stdtrit(df, q)
            )
        return ConfidenceInterval(_fit(low, k), _fit(high, k))

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment (and comparison) with the test and a 95% interval.

        Examples
        --------
        >>> means_test_from_stats([1.0, 2.0], [1.0, 1.0], [10, 10]).to_frame().shape
        (1, 7)
        """
        low, high = self.confidence_interval(0.95)
        return batch_frame(
            {
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "df": self.df,
                "effect": self.effect.absolute,
                "relative_effect": self.effect.relative,
                "ci_low": low,
                "ci_high": high,
            },
            self.means.shape[:-1],
        )


def _means_result(
    mean: FloatArray, std: FloatArray, n: FloatArray, alternative: str
) -> MeansTestResult:
    k = mean.shape[-1]
    diff, _, t, df = welch(mean, std**2, n)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = mean[..., 1:] / mean[..., :1] - 1.0
    return MeansTestResult(
        statistic=_fit(t, k),
        pvalue=_fit(_t_pvalue(t, df, alternative), k),
        df=_fit(df, k),
        effect=Lift(_fit(diff, k), _fit(relative, k)),
        means=mean,
        stds=std,
        nobs=n,
        alternative=alternative,
    )


def means_test_from_stats(
    mean: Any, std: Any, n: Any, *, alternative: str = "two-sided"
) -> MeansTestResult:
    """Welch's t-test from per-arm means, standard deviations and sizes.

    Parameters
    ----------
    mean, std, n : array_like, shape (..., k)
        Per-arm sample mean, sample standard deviation (``ddof=1``) and size, control
        first. Leading axes index experiments.
    alternative : {"two-sided", "greater", "less"}

    Returns
    -------
    MeansTestResult
        Agrees with :func:`scipy.stats.ttest_ind_from_stats` (``equal_var=False``).

    Examples
    --------
    >>> res = means_test_from_stats([[5, 5.2], [5, 5]], [[1, 1], [1, 1]], [[50, 50], [50, 50]])
    >>> res.pvalue.round(4).tolist()
    [0.3198, 1.0]
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
    if (s < 0).any():
        raise ValidationError(format_message("std", "be non-negative", f"minimum {s.min():g}", ""))
    if (size < 2).any():
        raise ValidationError(
            format_message(
                "n",
                "be at least 2 in every arm",
                f"minimum {size.min():g}",
                "A sample variance needs two observations; collect more data.",
            )
        )
    return _means_result(m, s, size, check_alternative(alternative))


def _two_samples(a: Any, b: Any, min_size: int) -> tuple[FloatArray, FloatArray]:
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


def means_test(a: Any, b: Any, *, alternative: str = "two-sided") -> MeansTestResult:
    """Welch's t-test of the variant ``b`` against the control ``a``.

    Parameters
    ----------
    a, b : array_like
        Observations of the control and of the variant: 1-D for one experiment, or 2-D
        with one experiment per row. Each arm needs at least 2 observations.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: the variant mean exceeds the control's.

    Returns
    -------
    MeansTestResult
        Agrees with ``scipy.stats.ttest_ind(b, a, equal_var=False)``; with zero variance
        in both arms it returns t = 0, p = 1 for equal means (scipy: ``nan``).

    Examples
    --------
    >>> res = means_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(res.pvalue, 4)
    0.2903
    """
    xa, xb = _two_samples(a, b, 2)
    mean = np.stack([xa.mean(axis=-1), xb.mean(axis=-1)], axis=-1)
    std = np.stack([xa.std(axis=-1, ddof=1), xb.std(axis=-1, ddof=1)], axis=-1)
    n = np.broadcast_to(np.array([xa.shape[-1], xb.shape[-1]], dtype=np.float64), mean.shape).copy()
    return _means_result(mean, std, n, check_alternative(alternative))


@dataclass(frozen=True, slots=True)
class MannWhitneyResult(ResultMixin):
    """Result of :func:`mann_whitney`.

    Attributes
    ----------
    statistic : float or ndarray
        U of the variant (``scipy.stats.mannwhitneyu(b, a)``).
    pvalue : float or ndarray
    superiority : float or ndarray
        ``P(B > A) + P(B = A) / 2 = U / (n_a n_b)``, the effect the test is about.
    effect : Lift
        Difference and relative difference of the medians (descriptive).
    method, alternative : str

    Examples
    --------
    >>> res = mann_whitney([1, 2, 3, 4], [3, 5, 6, 7])
    >>> res.statistic, round(res.superiority, 4)
    (14.5, 0.9062)
    """

    statistic: Any
    pvalue: Any
    superiority: Any
    effect: Lift
    nobs: tuple[int, int]
    method: str
    alternative: str
    _se: Any

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Interval for the probability of superiority (DeLong et al. 1988 variance).

        Examples
        --------
        >>> lo, hi = mann_whitney([1, 2, 3, 4], [3, 5, 6, 7]).confidence_interval()
        >>> 0 <= lo < hi <= 1
        True
        """
        level = check_level(level)
        low, high = normal_interval(self.superiority, self._se, level, self.alternative)
        return ConfidenceInterval(squeeze(np.clip(low, 0.0, 1.0)), squeeze(np.clip(high, 0.0, 1.0)))

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment.

        Examples
        --------
        >>> mann_whitney([1, 2, 3], [2, 3, 4]).to_frame().shape
        (1, 7)
        """
        low, high = self.confidence_interval(0.95)
        return batch_frame(
            {
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "superiority": self.superiority,
                "effect": self.effect.absolute,
                "relative_effect": self.effect.relative,
                "ci_low": low,
                "ci_high": high,
            },
            np.shape(self.statistic),
        )


def _mwu_null_sf(u: FloatArray, n1: int, n2: int) -> FloatArray:
    """Exact ``P(U >= u)`` under the null without ties, by the Mann-Whitney recursion.

    ``p(m, n, u) = m/(m+n) p(m-1, n, u-n) + n/(m+n) p(m, n-1, u)`` on probabilities
    (no overflow), computed once for the sizes and shared by every experiment.
    """
    m_small, n_large = min(n1, n2), max(n1, n2)
    size = m_small * n_large + 1
    prev = [np.zeros(size) for _ in range(n_large + 1)]  # p(m-1, n, .) for n = 0..n_large
    for n in range(n_large + 1):
        prev[n][0] = 1.0  # p(0, n, u) = [u == 0]
    for m in range(1, m_small + 1):
        cur = [np.zeros(size) for _ in range(n_large + 1)]
        cur[0][0] = 1.0  # p(m, 0, u) = [u == 0]
        for n in range(1, n_large + 1):
            shifted = np.zeros(size)
            shifted[n:] = prev[n][: size - n]
            cur[n] = m / (m + n) * shifted + n / (m + n) * cur[n - 1]
        prev = cur
    pmf = prev[n_large]
    sf = np.cumsum(pmf[::-1])[::-1]  # P(U >= u)
    # Tied (half-integer) U is truncated to an integer, as scipy's exact method does.
    idx = np.clip(np.trunc(u).astype(np.int64), 0, size - 1)
    return np.asarray(np.where(u > size - 1, 0.0, sf[idx]), dtype=np.float64)


def mann_whitney(
    a: Any, b: Any, *, alternative: str = "two-sided", method: str = "auto", continuity: bool = True
) -> MannWhitneyResult:
    """Mann-Whitney U test of the variant ``b`` against the control ``a``.

    Parameters
    ----------
    a, b : array_like
        Control and variant observations: 1-D, or 2-D with one experiment per row.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: the variant is stochastically larger.
    method : {"auto", "asymptotic", "exact"}
        As :func:`scipy.stats.mannwhitneyu`: ``"auto"`` is exact when an arm has at most
        8 observations and there are no ties, asymptotic (tie-corrected normal) otherwise.
    continuity : bool, default True
        Continuity correction of the asymptotic p-value.

    Returns
    -------
    MannWhitneyResult
        Statistic and p-value agree with ``scipy.stats.mannwhitneyu(b, a)``. When every
        observation is tied the normal approximation is undefined; the p-value is then 1.

    Examples
    --------
    >>> round(mann_whitney([1.0, 2.0, 3.0], [4.0, 5.0, 6.0]).pvalue, 4)
    0.1
    """
    xa, xb = _two_samples(a, b, 1)
    alternative = check_alternative(alternative)
    method = check_options(method, "method", ("auto", "asymptotic", "exact"))
    continuity = check_bool(continuity, "continuity")
    n1, n2 = xb.shape[-1], xa.shape[-1]  # x = variant, y = control (scipy's order)
    xy = np.concatenate([xb, xa], axis=-1)
    ranks = stats.rankdata(xy, axis=-1)
    u1 = ranks[..., :n1].sum(axis=-1) - n1 * (n1 + 1) / 2.0
    u2 = n1 * n2 - u1
    if alternative == "greater":
        u, factor = u1, 1.0
    elif alternative == "less":
        u, factor = u2, 1.0
    else:
        u, factor = np.maximum(u1, u2), 2.0
    sorted_xy = np.sort(xy, axis=-1)
    new = np.ones(sorted_xy.shape, dtype=bool)
    new[..., 1:] = sorted_xy[..., 1:] != sorted_xy[..., :-1]
    has_ties = not bool(new.all())
    chosen = method
    if method == "auto":
        chosen = "asymptotic" if (n1 > 8 and n2 > 8) or has_ties else "exact"
    if chosen == "exact":
        p = _mwu_null_sf(u, n1, n2) * factor
    else:
        tie_term = _tie_term(sorted_xy, new)
        n = n1 + n2
        s = (
            np.sqrt(n1 * n2 / 12.0 * ((n + 1) - tie_term / (n * (n - 1.0))))
            if n > 1
            else np.zeros_like(u)
        )
        num = u - n1 * n2 / 2.0 - (0.5 if continuity else 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = np.where(s > 0, num / np.where(s > 0, s, 1.0), -np.inf)
        p = special.ndtr(-z) * factor
    p = np.clip(p, 0.0, 1.0)
    theta = u1 / (n1 * n2)
    # DeLong placements from mid-ranks: for b_j, the share of a below it (+ half ties).
    rank_b_within = stats.rankdata(xb, axis=-1)
    rank_a_within = stats.rankdata(xa, axis=-1)
    v_b = (ranks[..., :n1] - rank_b_within) / n2
    v_a = 1.0 - (ranks[..., n1:] - rank_a_within) / n1
    var_b = v_b.var(axis=-1, ddof=1) if n1 > 1 else np.zeros_like(theta)
    var_a = v_a.var(axis=-1, ddof=1) if n2 > 1 else np.zeros_like(theta)
    se = np.sqrt(var_b / n1 + var_a / n2)
    med_a, med_b = np.median(xa, axis=-1), np.median(xb, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = med_b / med_a - 1.0
    return MannWhitneyResult(
        statistic=squeeze(u1),
        pvalue=squeeze(p),
        superiority=squeeze(theta),
        effect=Lift(squeeze(med_b - med_a), squeeze(rel)),
        nobs=(n2, n1),
        method=chosen,
        alternative=alternative,
        _se=squeeze(se),
    )


def _tie_term(sorted_values: FloatArray, new: Any) -> FloatArray:
    """``sum(t**3 - t)`` over tie groups of each row (rows sorted; ``new`` marks starts)."""
    flat = new.reshape(-1, new.shape[-1])
    rows, width = flat.shape
    group = np.cumsum(flat, axis=-1) - 1 + (np.arange(rows) * width)[:, None]
    t = np.bincount(group.ravel(), minlength=rows * width).reshape(rows, width).astype(np.float64)
    out = (t**3 - t).sum(axis=-1)
    return out.reshape(new.shape[:-1]) if new.ndim > 1 else np.asarray(out[0])


def as_variant(variant: Any, shape: tuple[int, ...]) -> tuple[Any, int]:
    """Check arm codes (bool or integers ``0..k-1``) broadcastable to ``shape``."""
    try:
        codes = np.array(variant, copy=True)
    except (TypeError, ValueError) as exc:  # pragma: no cover - numpy accepts anything
        raise ValidationError(
            format_message("variant", "contain arm codes", repr(variant)[:80], "")
        ) from exc
    if codes.dtype == bool:
        codes = codes.astype(np.int64)
    if codes.dtype.kind not in "iuf" or (
        codes.dtype.kind == "f" and not np.all(codes == np.round(codes))
    ):
        raise ValidationError(
            format_message(
                "variant",
                "hold integer arm codes 0 (control), 1, ... or booleans",
                f"dtype {codes.dtype}",
                "Encode labels first, e.g. codes = pandas.factorize(labels, sort=True)[0].",
            )
        )
    codes = codes.astype(np.int64)
    if codes.shape != shape[-codes.ndim :] if codes.ndim else True:
        raise ValidationError(
            format_message(
                "variant", f"have shape {shape} or {shape[-1:]}", f"shape {codes.shape}", ""
            )
        )
    if codes.min() < 0:
        raise ValidationError(format_message("variant", "be >= 0", f"minimum {codes.min()}", ""))
    k = int(codes.max()) + 1
    if k < 2:
        raise ValidationError(
            format_message(
                "variant", "contain at least two arms (0 and 1)", f"only arm {k - 1}", ""
            )
        )
    return np.broadcast_to(codes, shape), k


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
        return ConfidenceInterval(_fit(low, k), _fit(high, k))

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment (and comparison) with a 95% interval.

        Examples
        --------
        >>> ratio_metric_test([1, 2, 0, 3], [2, 3, 1, 4], [0, 0, 1, 1]).to_frame().shape
        (1, 6)
        """
        low, high = self.confidence_interval(0.95)
        return batch_frame(
            {
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "effect": self.effect.absolute,
                "relative_effect": self.effect.relative,
                "ci_low": low,
                "ci_high": high,
            },
            self.ratios.shape[:-1],
        )


def arm_moments(values: FloatArray, codes: Any, k: int, name: str) -> tuple[FloatArray, FloatArray]:
    """Per-arm masks and sizes of a ``(..., n)`` batch; each arm needs 2 units."""
    masks = np.stack([codes == j for j in range(k)], axis=-2)  # (..., k, n)
    sizes = masks.sum(axis=-1).astype(np.float64)
    if (sizes < 2).any():
        raise ValidationError(
            format_message(
                f"every arm of {name}",
                "have at least 2 units",
                f"smallest arm size {int(sizes.min())}",
                "Check the variant codes; each arm 0..k-1 must appear at least twice.",
            )
        )
    return masks.astype(np.float64), sizes


def ratio_metric_test(
    numerator: Any, denominator: Any, variant: Any, *, alternative: str = "two-sided"
) -> RatioMetricResult:
    """Test a ratio metric (clicks per view, revenue per session) by the delta method.

    The analysis unit is the randomisation unit (e.g. user) with per-unit ``numerator``
    ``Y`` and ``denominator`` ``X``. Per arm, ``R = ΣY / ΣX`` and (Deng, Knoblich & Lu
    2018, eq. 3)

    .. math:: \\mathrm{Var}(R) \\approx \\frac{1}{n \\bar X^2}
        \\left(s_Y^2 - 2 R\\, s_{XY} + R^2 s_X^2\\right).

    Parameters
    ----------
    numerator, denominator : array_like
        Per-unit values, 1-D or 2-D (one experiment per row).
    variant : array_like
        Arm code of each unit (0 = control, 1, 2, ... or booleans), same shape or 1-D.
    alternative : {"two-sided", "greater", "less"}

    Returns
    -------
    RatioMetricResult

    Examples
    --------
    >>> res = ratio_metric_test([3, 1, 4, 1, 5, 9], [4, 2, 6, 2, 6, 10], [0, 0, 0, 1, 1, 1])
    >>> round(float(res.ratios[1]), 4)
    0.8333
    """
    y = as_samples(numerator, "numerator", min_size=2)
    x = as_samples(denominator, "denominator", min_size=2)
    if x.shape != y.shape:
        raise ValidationError(
            format_message(
                "numerator and denominator", "have the same shape", f"{y.shape} and {x.shape}", ""
            )
        )
    alternative = check_alternative(alternative)
    codes, k = as_variant(variant, y.shape)
    masks, n = arm_moments(y, codes, k, "variant")
    yy, xx = y[..., None, :], x[..., None, :]
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
    diff = r[..., 1:] - r[..., :1]
    se = np.sqrt(var[..., 1:] + var[..., :1])
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.sign(diff) * np.inf)
        z = np.where((se == 0) & (diff == 0), 0.0, z)
        rel = r[..., 1:] / r[..., :1] - 1.0
    return RatioMetricResult(
        statistic=_fit(z, k),
        pvalue=_fit(normal_pvalue(z, alternative), k),
        effect=Lift(_fit(diff, k), _fit(rel, k)),
        ratios=r,
        variances=var,
        nobs=n,
        alternative=alternative,
    )
