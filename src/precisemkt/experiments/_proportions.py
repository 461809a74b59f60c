"""Two- and many-arm tests of conversion rates: z, chi-square and Fisher's exact test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import (
    as_float_array,
    check_bool,
    check_options,
    format_message,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments._common import (
    Lift,
    batch_frame,
    check_alternative,
    check_counts,
    check_level,
    check_ratio_method,
    comparison_frame,
    critical_value,
    normal_pvalue,
    per_comparison,
    ratio_interval,
    squeeze,
)

__all__ = ["ProportionsTestResult", "proportions_test", "wilson_interval"]

_METHODS = ("z", "chisq", "fisher")
#: Fisher's exact test works on whole counts; float64 holds them exactly up to 2**53.
_FISHER_MAX_TOTAL = float(2**53)


def _wilson(s: Any, n: Any, level: float) -> tuple[FloatArray, FloatArray]:
    """Wilson bounds of checked counts (no validation)."""
    s = np.asarray(s, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    z = critical_value(level, "two-sided")
    p = s / n
    denom = 1.0 + z**2 / n
    centre = (p + z**2 / (2.0 * n)) / denom
    half = z * np.sqrt(p * (1.0 - p) / n + (z / (2.0 * n)) ** 2) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def wilson_interval(successes: Any, trials: Any, level: float = 0.95) -> ConfidenceInterval:
    """Wilson score interval for a binomial rate (Wilson 1927), vectorised.

    Finite for zero or all conversions: with ``s = 0`` it is ``[0, z²/(n+z²)]``.

    Parameters
    ----------
    successes, trials : float or array_like
        Conversions and trials (broadcast together): finite, ``0 <= successes <= trials``
        and ``trials > 0`` (fractional, e.g. weighted, counts are accepted).
    level : float, default 0.95
        Confidence level in (0, 1).

    Examples
    --------
    >>> lo, hi = wilson_interval(0, 100)
    >>> round(lo, 12), round(hi, 4)
    (0.0, 0.037)
    """
    level = check_level(level)
    s = as_float_array(successes, "successes", ndim=None)
    n = as_float_array(trials, "trials", ndim=None)
    try:
        s, n = np.broadcast_arrays(s, n)
    except ValueError as exc:
        raise ValidationError(
            format_message(
                "successes and trials",
                "have shapes that broadcast together",
                f"shapes {s.shape} and {n.shape}",
                "Pass one count per rate in both (or one trials value for all).",
            )
        ) from exc
    if np.any(n <= 0):
        raise ValidationError(
            format_message(
                "trials",
                "be > 0",
                show_value(n.min()),
                "A rate needs at least one trial.",
            )
        )
    if np.any(s < 0) or np.any(s > n):
        bad = np.argwhere((s < 0) | (s > n))[0] if s.ndim else ()
        idx = tuple(int(i) for i in bad)
        raise ValidationError(
            format_message(
                "successes",
                "lie in [0, trials]",
                f"successes={show_value(s[idx])}, trials={show_value(n[idx])}",
                "Did you swap the two arguments?",
            )
        )
    low, high = _wilson(s, n, level)
    return ConfidenceInterval(squeeze(low), squeeze(high))


def _pairwise(s: FloatArray, n: FloatArray) -> tuple[FloatArray, ...]:
    """Control and variant columns broadcast to ``(..., k-1)``."""
    return s[..., :1], n[..., :1], s[..., 1:], n[..., 1:]


def _z_statistic(s0: FloatArray, n0: FloatArray, s1: FloatArray, n1: FloatArray) -> FloatArray:
    pooled = (s0 + s1) / (n0 + n1)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n0 + 1.0 / n1))
    diff = s1 / n1 - s0 / n0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, diff / np.where(se > 0, se, 1.0), 0.0)
    return np.asarray(z, dtype=np.float64)


def _chisq_statistic(s: FloatArray, n: FloatArray, correction: bool) -> FloatArray:
    """Pearson statistic of the ``k x 2`` table (successes, failures) per experiment.

    Yates' correction (``|O - E|`` reduced by ``min(0.5, |O - E|)``) applies to 2 x 2
    tables only, as in :func:`scipy.stats.chi2_contingency`. A column of zeros (no
    conversions anywhere, or only conversions) gives 0: the table carries no evidence.
    """
    table = np.stack([s, n - s], axis=-1)  # (..., k, 2)
    total = n.sum(axis=-1)[..., None, None]
    # n * (column total / grand total): no product of two counts, so no overflow at 1e300.
    expected = n[..., :, None] * (table.sum(axis=-2, keepdims=True) / total)
    dev = np.abs(table - expected)
    if correction and s.shape[-1] == 2:
        dev = dev - np.minimum(0.5, dev)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        root = np.where(expected > 0, dev / np.sqrt(np.where(expected > 0, expected, 1.0)), 0.0)
        terms = root**2
    return np.asarray(terms.sum(axis=(-2, -1)), dtype=np.float64)


def _chi2_sf(df: int, x: FloatArray) -> FloatArray:
    """Chi-square survival function; ``erfc(sqrt(x/2))`` for one degree of freedom
    (same value as ``scipy.special.chdtrc`` to ~1e-14, and ~200x faster)."""
    if df == 1:
        return np.asarray(special.erfc(np.sqrt(x / 2.0)), dtype=np.float64)
    return np.asarray(special.chdtrc(float(df), x), dtype=np.float64)


def _search(fun: Any, target: FloatArray, lo: FloatArray, hi: FloatArray) -> FloatArray:
    """Vectorised copy of scipy's binary search for Fisher's two-sided p-value.

    Returns, element-wise, the ``i`` in ``[lo, hi]`` with ``fun(i) <= target < fun(i+1)``
    for a function increasing on the range (scipy's ``_binary_search_for_binom_tst``).
    """
    lo = lo.copy()
    hi = hi.copy()
    found = np.full(lo.shape, -1.0)
    active = lo < hi
    while active.any():
        mid = lo + np.floor((hi - lo) / 2)
        val = fun(np.where(active, mid, lo))
        less = active & (val < target)
        more = active & (val > target)
        equal = active & ~less & ~more
        found = np.where(equal, mid, found)
        lo = np.where(less, mid + 1, lo)
        hi = np.where(more, mid - 1, hi)
        active = active & ~equal & (lo < hi)
    final = np.where(fun(lo) <= target, lo, lo - 1)
    return np.asarray(np.where(found >= 0, found, final), dtype=np.float64)


def _fisher(
    s0: FloatArray, n0: FloatArray, s1: FloatArray, n1: FloatArray, alternative: str
) -> tuple[FloatArray, FloatArray]:
    """Fisher's exact test of each variant against the control, vectorised.

    The 2 x 2 table is ``[[s1, f1], [s0, f0]]`` so that ``alternative="greater"`` means a
    higher variant rate; the p-value follows :func:`scipy.stats.fisher_exact` step by step
    (same hypergeometric functions, same 1e-14 relative tolerance for ties).
    """
    shape = np.broadcast_shapes(s0.shape, s1.shape)
    a, c = (
        np.broadcast_to(s1, shape).astype(np.float64),
        np.broadcast_to(s0, shape).astype(np.float64),
    )
    b = np.broadcast_to(n1 - s1, shape).astype(np.float64)
    d = np.broadcast_to(n0 - s0, shape).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = (c > 0) & (b > 0)
        odds = np.where(ok, (a / np.where(ok, c, 1.0)) * (d / np.where(ok, b, 1.0)), np.inf)
    degenerate = (a + c == 0) | (b + d == 0)
    odds = np.where(degenerate, np.nan, odds)
    row1 = a + b
    total = a + b + c + d
    col1 = a + c
    hyper = stats.hypergeom
    if alternative == "less":
        p = hyper.cdf(a, total, row1, col1)
    elif alternative == "greater":
        p = hyper.cdf(b, total, row1, b + d)
    else:
        mode = np.floor((col1 + 1) * (row1 + 1) / (total + 2))

        def pmf(x: FloatArray) -> FloatArray:
            return np.asarray(hyper.pmf(x, total, row1, col1), dtype=np.float64)

        pexact = pmf(a)
        pmode = pmf(mode)
        gamma = 1.0 + 1e-14
        tie = np.abs(pexact - pmode) / np.maximum(pexact, pmode) <= 1e-14
        below = a < mode
        p = np.ones(shape)
        # Below the mode: add the upper tail beyond the matching point (search on -pmf).
        i = ~tie & below
        if i.any():
            ti, ri, ci, ei = total[i], row1[i], col1[i], pexact[i]
            low_tail = hyper.cdf(a[i], ti, ri, ci)
            g_up = _search(lambda x: -hyper.pmf(x, ti, ri, ci), -ei * gamma, mode[i], ci)
            far = hyper.pmf(ci, ti, ri, ci) > ei * gamma
            p[i] = np.where(far, low_tail, low_tail + hyper.sf(g_up, ti, ri, ci))
        j = ~tie & ~below
        if j.any():
            tj, rj, cj, ej = total[j], row1[j], col1[j], pexact[j]
            high_tail = hyper.sf(a[j] - 1, tj, rj, cj)
            g_down = _search(
                lambda x: hyper.pmf(x, tj, rj, cj), ej * gamma, np.zeros(tj.shape), mode[j]
            )
            far = hyper.pmf(np.zeros(tj.shape), tj, rj, cj) > ej * gamma
            p[j] = np.where(far, high_tail, high_tail + hyper.cdf(g_down, tj, rj, cj))
        p = np.minimum(p, 1.0)
    p = np.where(degenerate, 1.0, p)
    return np.asarray(odds, dtype=np.float64), np.asarray(p, dtype=np.float64)


@dataclass(frozen=True, slots=True)
class ProportionsTestResult(ResultMixin):
    """Result of :func:`proportions_test`.

    For two arms every comparison field is a float (one experiment) or has the batch shape;
    with ``k > 2`` arms it has a trailing axis of ``k - 1`` comparisons (arm ``j`` vs arm 0).

    Attributes
    ----------
    statistic : float or ndarray
        z (``"z"``), Pearson chi-square (``"chisq"``) or the sample odds ratio
        (``"fisher"``, ``nan`` when a table column is all zero).
    pvalue : float or ndarray
        p-value of each comparison against the control.
    effect : Lift
        Absolute (``p_j - p_0``) and relative (``p_j / p_0 - 1``) lift.
    omnibus_statistic, omnibus_pvalue : float or ndarray
        Pearson chi-square test that all arms share one rate (batch shape).
    successes, trials, rates : ndarray
        Arm summaries, shape ``(..., k)``.
    method, alternative : str
        What was computed.

    Examples
    --------
    >>> res = proportions_test([120, 150], [1000, 1000])
    >>> round(res.pvalue, 4), round(res.effect.absolute, 3)
    (0.0496, 0.03)
    """

    statistic: Any
    pvalue: Any
    effect: Lift
    omnibus_statistic: Any
    omnibus_pvalue: Any
    successes: FloatArray
    trials: FloatArray
    rates: FloatArray
    method: str
    alternative: str

    def confidence_interval(
        self, level: float = 0.95, *, relative: bool = False, method: str | None = None
    ) -> ConfidenceInterval:
        """Interval for the lift of each variant over the control.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level; one-sided alternatives give one-sided intervals.
        relative : bool, default False
            Interval for ``p_j / p_0 - 1`` instead of ``p_j - p_0``.
        method : str, optional
            Absolute: ``"newcombe"`` (default; Newcombe's 1998 hybrid score interval,
            method 10, from two Wilson intervals; finite with zero conversions) or
            ``"wald"``. Relative: ``"delta"`` (default) or ``"fieller"``.

        Examples
        --------
        >>> res = proportions_test([120, 150], [1000, 1000])
        >>> lo, hi = res.confidence_interval(0.95)
        >>> round(lo, 4), round(hi, 4)
        (0.0, 0.06)
        """
        level = check_level(level)
        check_bool(relative, "relative")
        s0, n0, s1, n1 = _pairwise(self.successes, self.trials)
        p0, p1 = s0 / n0, s1 / n1
        v0, v1 = p0 * (1 - p0) / n0, p1 * (1 - p1) / n1
        alt = self.alternative
        if relative:
            m = check_ratio_method("delta" if method is None else method)
            low, high = ratio_interval(p1, p0, v1, v0, level, alt, m)
        else:
            m = check_options(
                "newcombe" if method is None else method, "method", ("newcombe", "wald")
            )
            two_level = level if alt == "two-sided" else 2.0 * level - 1.0
            diff = p1 - p0
            if m == "wald":
                half = critical_value(two_level, "two-sided") * np.sqrt(v0 + v1)
                low, high = diff - half, diff + half
            else:
                l0, u0 = _wilson(s0, n0, two_level)
                l1, u1 = _wilson(s1, n1, two_level)
                low = diff - np.sqrt((p1 - l1) ** 2 + (u0 - p0) ** 2)
                high = diff + np.sqrt((p0 - l0) ** 2 + (u1 - p1) ** 2)
            if alt == "greater":
                high = np.full_like(high, np.inf)
            elif alt == "less":
                low = np.full_like(low, -np.inf)
        k = self.trials.shape[-1]
        return ConfidenceInterval(per_comparison(low, k), per_comparison(high, k))

    def arm_summary(self) -> pd.DataFrame:
        """Per-arm successes, trials and rate (one row per experiment and arm).

        Examples
        --------
        >>> proportions_test([1, 3], [10, 10]).arm_summary()["rate"].tolist()
        [0.1, 0.3]
        """
        k = self.trials.shape[-1]
        frame = batch_frame(
            {
                "arm": np.arange(k),
                "successes": self.successes,
                "trials": self.trials,
                "rate": self.rates,
            },
            self.trials.shape[:-1],
        )
        return frame.drop(columns=[c for c in ("comparison",) if c in frame])

    def to_frame(self) -> pd.DataFrame:
        """One row per experiment (and comparison) with the test and a 95% interval.

        Examples
        --------
        >>> list(proportions_test([1, 3], [10, 10]).to_frame().columns)[:3]
        ['statistic', 'pvalue', 'effect']
        """
        return comparison_frame(self, self.trials.shape[:-1])


def proportions_test(
    successes: Any,
    trials: Any,
    *,
    alternative: str = "two-sided",
    method: str = "z",
    correction: bool = False,
) -> ProportionsTestResult:
    """Test conversion rates of two or more arms; vectorised over experiments.

    Parameters
    ----------
    successes, trials : array_like, shape (..., k)
        Conversions and visitors per arm, control first. Leading axes index experiments.
    alternative : {"two-sided", "greater", "less"}
        ``"greater"``: the variant rate exceeds the control's.
    method : {"z", "chisq", "fisher"}
        ``"z"``: pooled two-proportion z-test (as ``statsmodels`` ``proportions_ztest``).
        ``"chisq"``: Pearson chi-square on each 2 x 2 table (two-sided only).
        ``"fisher"``: Fisher's exact test (as :func:`scipy.stats.fisher_exact`).
    correction : bool, default False
        Yates' continuity correction for ``"chisq"`` 2 x 2 tables.

    Returns
    -------
    ProportionsTestResult

    Notes
    -----
    Zero (or all) conversions in both arms of a comparison leave nothing to test: z and
    chi-square return statistic 0, so p-value 1 (0.5 for a one-sided z-test), where
    statsmodels and scipy give ``nan`` or raise; Fisher returns p-value 1 and a ``nan``
    odds ratio. Intervals stay finite. The relative lift is ``nan`` (0/0) or ``inf``
    when the control rate is 0.

    Examples
    --------
    >>> res = proportions_test([[50, 65], [40, 40]], [[1000, 1000], [900, 950]])
    >>> res.pvalue.shape
    (2,)
    >>> round(float(res.statistic[0]), 4)
    1.4408
    """
    s, n = check_counts(successes, trials)
    alternative = check_alternative(alternative)
    method = check_options(method, "method", _METHODS)
    correction = check_bool(correction, "correction")
    if method == "chisq" and alternative != "two-sided":
        raise InvalidParameterError(
            format_message(
                "alternative",
                "be 'two-sided' with method='chisq'",
                show_value(alternative),
                "Use method='z' for a one-sided test (z² equals the chi-square statistic).",
            )
        )
    s0, n0, s1, n1 = _pairwise(s, n)
    if method == "z":
        stat = _z_statistic(s0, n0, s1, n1)
        p = normal_pvalue(stat, alternative)
    elif method == "chisq":
        pair_s = np.stack(np.broadcast_arrays(s0, s1), axis=-1)
        pair_n = np.stack(np.broadcast_arrays(n0, n1), axis=-1)
        stat = _chisq_statistic(pair_s, pair_n, correction)
        p = _chi2_sf(1, stat)
    else:
        if (n0 + n1 > _FISHER_MAX_TOTAL).any():
            raise ValidationError(
                format_message(
                    "trials",
                    "sum to at most 2**53 per table for method='fisher' (the exact test "
                    "needs counts float64 holds exactly)",
                    f"a table of {show_value(float((n0 + n1).max()))} trials",
                    "Use method='z': at these sizes it equals the exact test.",
                )
            )
        stat, p = _fisher(s0, n0, s1, n1, alternative)
    omnibus = _chisq_statistic(s, n, correction)
    rates = s / n
    r0, r1 = rates[..., :1], rates[..., 1:]
    k = n.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = r1 / r0 - 1.0
    return ProportionsTestResult(
        statistic=per_comparison(stat, k),
        pvalue=per_comparison(p, k),
        effect=Lift(per_comparison(r1 - r0, k), per_comparison(relative, k)),
        omnibus_statistic=squeeze(omnibus),
        omnibus_pvalue=squeeze(_chi2_sf(k - 1, omnibus)),
        successes=s,
        trials=n,
        rates=rates,
        method=method,
        alternative=alternative,
    )
