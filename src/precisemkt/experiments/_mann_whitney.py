"""Mann-Whitney U test of two samples, with the probability of superiority as its effect."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from precisemkt._results import ConfidenceInterval, ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import check_bool, check_options, format_message
from precisemkt.errors import InvalidParameterError
from precisemkt.experiments._common import (
    Lift,
    batch_frame,
    check_alternative,
    check_level,
    normal_interval,
    squeeze,
    two_samples,
)

__all__ = ["MAX_EXACT_PRODUCT", "MannWhitneyResult", "mann_whitney"]

#: Largest n_a * n_b for the exact null distribution (about a second at 100 x 100).
MAX_EXACT_PRODUCT = 10_000


@dataclass(frozen=True, slots=True)
class MannWhitneyResult(ResultMixin):
    """Result of :func:`mann_whitney`.

    Attributes
    ----------
    statistic : float or ndarray
        U of the variant (``scipy.stats.mannwhitneyu(b, a)``).
    pvalue : float or ndarray
    effect : float or ndarray
        The probability of superiority ``P(B > A) + P(B = A) / 2 = U / (n_a n_b)``, the
        effect the test is about (0.5: no difference); also available as ``superiority``.
    median_difference : Lift
        Difference and relative difference of the medians (descriptive).
    nobs : (int, int)
        Observations of the control and of the variant.
    method, alternative : str

    Examples
    --------
    >>> res = mann_whitney([1, 2, 3, 4], [3, 5, 6, 7])
    >>> res.statistic, round(res.effect, 4)
    (14.5, 0.9062)
    """

    statistic: Any
    pvalue: Any
    effect: Any
    median_difference: Lift
    nobs: tuple[int, int]
    method: str
    alternative: str
    _se: Any

    @property
    def superiority(self) -> Any:
        """``P(B > A) + P(B = A) / 2``, the same number as :attr:`effect`."""
        return self.effect

    def confidence_interval(self, level: float = 0.95) -> ConfidenceInterval:
        """Interval for the probability of superiority (DeLong et al. 1988 variance).

        Examples
        --------
        >>> lo, hi = mann_whitney([1, 2, 3, 4], [3, 5, 6, 7]).confidence_interval()
        >>> 0 <= lo < hi <= 1
        True
        """
        level = check_level(level)
        low, high = normal_interval(self.effect, self._se, level, self.alternative)
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
                "effect": self.effect,
                "median_difference": self.median_difference.absolute,
                "relative_median_difference": self.median_difference.relative,
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
        ``"exact"`` is limited to ``n_a * n_b <= 10,000`` (its cost grows as the square).
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
    xa, xb = two_samples(a, b, 1)
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
        if n1 * n2 > MAX_EXACT_PRODUCT:
            raise InvalidParameterError(
                format_message(
                    "method='exact'",
                    f"have n_a * n_b <= {MAX_EXACT_PRODUCT:,} (its recursion costs "
                    "(n_a n_b)**2 operations)",
                    f"{n2} x {n1} = {n1 * n2:,} pairs",
                    "Use method='asymptotic' (or 'auto'): at these sizes the normal "
                    "approximation is accurate.",
                )
            )
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
        effect=squeeze(theta),
        median_difference=Lift(squeeze(med_b - med_a), squeeze(rel)),
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
