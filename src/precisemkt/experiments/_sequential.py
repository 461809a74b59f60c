"""Sequential testing: mSPRT always-valid inference and Lan-DeMets group sequential designs."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from precisemkt._estimator import Estimator, check_fitted
from precisemkt._results import ResultMixin
from precisemkt._typing import FloatArray
from precisemkt._validation import (
    as_float_array,
    check_int,
    check_interval,
    format_message,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.experiments._common import check_counts, check_summaries, squeeze

__all__ = [
    "GroupSequentialBounds",
    "GroupSequentialTest",
    "MSPRTResult",
    "group_sequential_bounds",
    "msprt",
    "spending_function",
]

_GL_X, _GL_W = np.polynomial.legendre.leggauss(32)
_GS_PANELS = 24


def spending_function(t: Any, alpha: float, spending: str | float) -> FloatArray:
    """Cumulative two-sided alpha spent at information fraction ``t`` (Lan & DeMets 1983).

    Each side spends ``α/2`` by its own spending function, as in ``ldbounds`` and
    ``gsDesign``: ``"obrien_fleming"``: ``2 (2 - 2 Φ(z_{1-α/4} / √t))``; ``"pocock"``:
    ``α log(1 + (e-1) t)``; a positive number ``ρ``: the power family ``α t^ρ``
    (Kim & DeMets 1987).

    ``t`` must be finite and non-negative (NaN raises); fractions past 1 count as 1.

    Examples
    --------
    >>> round(float(spending_function(0.5, 0.05, "obrien_fleming")), 6)
    0.003051
    """
    alpha = check_interval(alpha, "alpha", low=0.0, high=1.0, closed="neither")
    spending = _check_spending(spending)
    try:
        raw = np.array(t, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            format_message(
                "t", "hold information fractions", show_value(t)[:60], "Pass numbers in [0, 1]."
            )
        ) from exc
    if not np.all(np.isfinite(raw)) or np.any(raw < 0):
        raise ValidationError(
            format_message(
                "t",
                "hold finite information fractions >= 0",
                f"{int(np.sum(~np.isfinite(raw) | (raw < 0)))} bad value(s) "
                f"(first: {show_value(raw[~np.isfinite(raw) | (raw < 0)].ravel()[0])})",
                "Use cumulative sample size / planned sample size.",
            )
        )
    tt = np.clip(raw, 0.0, 1.0)
    if spending == "obrien_fleming":
        z = special.ndtri(1.0 - alpha / 4.0)
        with np.errstate(divide="ignore"):
            return np.asarray(4.0 - 4.0 * special.ndtr(z / np.sqrt(tt)), dtype=np.float64)
    if spending == "pocock":
        return np.asarray(alpha * np.log1p((math.e - 1.0) * tt), dtype=np.float64)
    return np.asarray(alpha * tt ** float(spending), dtype=np.float64)


def _check_spending(spending: Any) -> str | float:
    if isinstance(spending, str) and spending in ("obrien_fleming", "pocock"):
        return spending
    if (
        isinstance(spending, int | float)
        and not isinstance(spending, bool)
        and math.isfinite(spending)
        and spending > 0
    ):
        return float(spending)
    raise InvalidParameterError(
        format_message(
            "spending",
            "be 'obrien_fleming', 'pocock' or a positive power-family exponent",
            show_value(spending),
            "Use e.g. spending=3.0 for α·t³.",
        )
    )


def _panel_nodes(half_width: float) -> tuple[FloatArray, FloatArray]:
    """Composite Gauss-Legendre nodes and weights on ``[-half_width, half_width]``."""
    edges = np.linspace(-half_width, half_width, _GS_PANELS + 1)
    mid = (edges[:-1] + edges[1:]) / 2.0
    h = (edges[1:] - edges[:-1]) / 2.0
    nodes = (mid[:, None] + h[:, None] * _GL_X[None, :]).ravel()
    weights = (h[:, None] * _GL_W[None, :]).ravel()
    return nodes, weights


_State = tuple[float, FloatArray, FloatArray, FloatArray]  # (t, nodes, weights, density)


def _look(state: _State | None, t: float, inc: float) -> tuple[float, float, _State]:
    """One look of the recursion: boundary, alpha spent and the new sub-density state.

    Recursive numerical integration (Armitage, McPherson & Rowe 1969) on the B-value scale
    ``B_k = Z_k √t_k``, a Brownian motion: the sub-density of ``B_k`` on the continuation
    region is carried on composite Gauss-Legendre nodes (24 panels x 32 nodes), and the
    boundary is found by Brent's method so the crossing probability equals ``inc``.
    """
    prev_t = 0.0 if state is None else state[0]
    sd = math.sqrt(t - prev_t)
    if state is None:

        def cross(b: float) -> float:
            return float(2.0 * special.ndtr(-b / sd))
    else:
        _, nodes, weights, dens = state
        w_dens = weights * dens

        def cross(b: float) -> float:
            tail = special.ndtr((-b - nodes) / sd) + special.ndtr((nodes - b) / sd)
            return float(np.dot(w_dens, tail))

    if inc <= 0:
        b = math.inf
    elif cross(1e-12) <= inc:
        b = 1e-12
    else:
        b = optimize.brentq(
            lambda x: cross(x) - inc,
            1e-12,
            40.0 * math.sqrt(t),
            xtol=1e-14,
            rtol=1e-15,
            maxiter=500,
        )
    spent = cross(b) if math.isfinite(b) else 0.0
    new_nodes, new_weights = _panel_nodes(b if math.isfinite(b) else 12.0 * math.sqrt(t))
    if state is None:
        new_dens = np.exp(-0.5 * (new_nodes / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
    else:
        kern = np.exp(-0.5 * ((new_nodes[:, None] - nodes[None, :]) / sd) ** 2)
        new_dens = kern @ w_dens / (sd * math.sqrt(2 * math.pi))
    return b / math.sqrt(t), spent, (t, new_nodes, new_weights, new_dens)


def _boundaries(fractions: FloatArray, increments: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Two-sided symmetric z boundaries spending ``increments`` at ``fractions``."""
    bounds = np.empty(fractions.size)
    spent = np.empty(fractions.size)
    state: _State | None = None
    for k, (t, inc) in enumerate(zip(fractions, increments, strict=True)):
        bounds[k], spent[k], state = _look(state, float(t), float(inc))
    return bounds, spent


@dataclass(frozen=True, slots=True)
class GroupSequentialBounds(ResultMixin):
    """Two-sided group sequential boundaries from :func:`group_sequential_bounds`.

    Attributes
    ----------
    information_fractions : ndarray
    upper, lower : ndarray
        Reject H0 at look ``k`` when ``Z_k >= upper[k]`` or ``Z_k <= lower[k]``.
    nominal_alpha : ndarray
        Two-sided p-value threshold of each look, ``2 (1 - Φ(upper))``.
    alpha_spent : ndarray
        Cumulative type I error spent by each look (the spending function's value).
    spending : str or float
    alpha : float

    Examples
    --------
    >>> b = group_sequential_bounds(3)
    >>> b.upper.round(4).tolist()
    [3.7103, 2.5114, 1.993]
    """

    information_fractions: FloatArray
    upper: FloatArray
    lower: FloatArray
    nominal_alpha: FloatArray
    alpha_spent: FloatArray
    spending: str | float
    alpha: float


def _check_fractions(fractions: Any, n_looks: int | None) -> FloatArray:
    if fractions is None:
        assert n_looks is not None
        return np.arange(1, n_looks + 1) / n_looks
    t = np.array(fractions, dtype=np.float64, copy=True).ravel()
    if (
        t.size == 0
        or not np.all(np.isfinite(t))
        or t[0] <= 0
        or t[-1] > 1
        or np.any(np.diff(t) <= 0)
    ):
        raise ValidationError(
            format_message(
                "information_fractions",
                "be strictly increasing in (0, 1]",
                show_value(fractions)[:80],
                "Use cumulative sample size / planned sample size, e.g. [0.25, 0.5, 1.0].",
            )
        )
    if n_looks is not None and t.size != n_looks:
        raise ValidationError(
            format_message(
                "information_fractions", f"have n_looks={n_looks} entries", f"{t.size}", ""
            )
        )
    return t


def group_sequential_bounds(
    n_looks: int,
    *,
    alpha: float = 0.05,
    spending: str | float = "obrien_fleming",
    information_fractions: Any = None,
) -> GroupSequentialBounds:
    """Lan-DeMets alpha-spending boundaries for a two-sided group sequential test.

    At look ``k`` (information fraction ``t_k``) the boundary ``c_k`` solves
    ``P(|Z_j| < c_j, j < k; |Z_k| >= c_k) = α(t_k) - α(t_{k-1})`` under H0, with the
    crossing probabilities computed by recursive numerical integration (see
    :func:`spending_function` for the spending families).

    Parameters
    ----------
    n_looks : int
        Number of analyses, the last one at full information.
    alpha : float, default 0.05
        Two-sided type I error (``α/2`` per side).
    spending : {"obrien_fleming", "pocock"} or float
        Spending function; a float ``ρ > 0`` is the power family ``α t^ρ``.
    information_fractions : array_like, optional
        Increasing fractions in (0, 1]; equally spaced by default. A final fraction
        below 1 spends only ``α(t_K)``.

    Returns
    -------
    GroupSequentialBounds

    Examples
    --------
    >>> b = group_sequential_bounds(4, spending="pocock")
    >>> b.upper.round(3).tolist()
    [2.368, 2.368, 2.358, 2.35]
    """
    n_looks = check_int(n_looks, "n_looks", low=1, high=200)
    alpha = check_interval(alpha, "alpha", low=0.0, high=1.0, closed="neither")
    spending = _check_spending(spending)
    t = _check_fractions(information_fractions, n_looks)
    cumulative = spending_function(t, alpha, spending)
    increments = np.diff(np.concatenate([[0.0], cumulative]))
    upper, _ = _boundaries(t, increments)
    return GroupSequentialBounds(
        information_fractions=t,
        upper=upper,
        lower=-upper,
        nominal_alpha=2.0 * special.ndtr(-upper),
        alpha_spent=cumulative,
        spending=spending,
        alpha=alpha,
    )


class GroupSequentialTest(Estimator):
    """Monitor one or many experiments look by look with Lan-DeMets alpha spending.

    The boundary of each look depends only on the information fractions seen so far, so
    looks need not be planned exactly; a look at fraction ``>= 1`` (or ``final=True``)
    spends what is left of ``alpha``. Arrays of z-statistics monitor many experiments that
    share the schedule; an experiment stays rejected once it crosses.

    Parameters
    ----------
    alpha : float, default 0.05
        Two-sided type I error.
    spending : {"obrien_fleming", "pocock"} or float

    Attributes
    ----------
    information_fractions_, bounds_ : ndarray
        Fractions and two-sided z boundaries of the looks so far.
    z_ : ndarray
        z-statistics per look, shape ``(n_looks_so_far, ...)``.
    rejected_ : bool or ndarray
    stopped_at_ : int, None or ndarray
        Index of the look that rejected; ``None`` while none has (for many experiments,
        an object array holding an int or ``None`` per experiment).

    Examples
    --------
    >>> gst = GroupSequentialTest(alpha=0.05, spending="obrien_fleming")
    >>> _ = gst.update(1.2, information_fraction=1 / 3)
    >>> gst.stopped_at_ is None
    True
    >>> _ = gst.update(2.7, information_fraction=2 / 3)
    >>> bool(gst.rejected_), gst.stopped_at_
    (True, 1)
    """

    z_: FloatArray
    bounds_: FloatArray
    information_fractions_: FloatArray
    alpha_spent_: FloatArray
    rejected_: Any
    stopped_at_: Any
    _state: _State
    _stopped: Any

    def __init__(self, alpha: float = 0.05, spending: str | float = "obrien_fleming") -> None:
        self.alpha = alpha
        self.spending = spending

    def update(
        self, z: Any, information_fraction: float, *, final: bool = False
    ) -> GroupSequentialTest:
        """Add a look: the z-statistic(s) and the information fraction reached.

        Examples
        --------
        >>> GroupSequentialTest().update([0.5, 4.5], 0.25).rejected_.tolist()
        [False, True]
        """
        alpha = check_interval(self.alpha, "alpha", low=0.0, high=1.0, closed="neither")
        spending = _check_spending(self.spending)
        frac = check_interval(
            information_fraction, "information_fraction", low=0.0, closed="neither"
        )
        zz = as_float_array(z, "z", ndim=None, allow_inf=True)
        past = list(getattr(self, "information_fractions_", []))
        if past and (frac <= past[-1] or past[-1] >= 1.0):
            raise ValidationError(
                format_message(
                    "information_fraction",
                    f"increase at every look and end at 1 (previous {show_value(past[-1])})",
                    show_value(frac),
                    "Pass cumulative fractions; the look at fraction 1 is the last.",
                )
            )
        if past and zz.shape != np.shape(self.z_[0]):
            raise ValidationError(
                format_message("z", f"have shape {np.shape(self.z_[0])}", f"{zz.shape}", "")
            )
        fractions = np.array([*past, min(frac, 1.0)])
        cumulative = spending_function(fractions, alpha, spending)
        if final or frac >= 1.0:
            cumulative[-1] = alpha
        increment = cumulative[-1] - (cumulative[-2] if past else 0.0)
        bound, _, self._state = _look(
            getattr(self, "_state", None), float(fractions[-1]), float(increment)
        )
        bounds = np.array([*getattr(self, "bounds_", []), bound])
        hit = np.abs(zz) >= bounds[-1]
        if past:
            was = np.asarray(self.rejected_)
            stopped = np.where(~was & hit, len(past), self._stopped)
            rejected = was | hit
            self.z_ = np.concatenate([self.z_, zz[None]])
        else:
            stopped = np.where(hit, 0, -1)
            rejected = hit
            self.z_ = zz[None]
        self._stopped = stopped
        self.information_fractions_ = fractions
        self.bounds_ = bounds
        self.alpha_spent_ = cumulative
        self.rejected_ = squeeze(rejected)
        self.stopped_at_ = stopped_index(stopped)
        return self

    def summary(self) -> pd.DataFrame:
        """One row per look: fraction, boundary, nominal and cumulative alpha, rejections.

        Examples
        --------
        >>> GroupSequentialTest().update(1.0, 0.5).summary().shape
        (1, 5)
        """
        check_fitted(
            self, "bounds_", "it needs at least one look: call update(z, information_fraction)"
        )
        rejected_by = (
            np.abs(self.z_) >= self.bounds_.reshape((-1,) + (1,) * (self.z_.ndim - 1))
        ).reshape(len(self.bounds_), -1)
        return pd.DataFrame(
            {
                "information_fraction": self.information_fractions_,
                "bound": self.bounds_,
                "nominal_alpha": 2.0 * special.ndtr(-self.bounds_),
                "alpha_spent": self.alpha_spent_,
                "n_crossing": rejected_by.sum(axis=1),
            }
        )


def stopped_index(looks: Any) -> Any:
    """Look indexes with ``-1`` (never stopped) shown as ``None``.

    One experiment gives an ``int`` or ``None``; a batch gives an object array holding an
    ``int`` or ``None`` per experiment (``-1`` would be a valid index, the last look).
    """
    arr = np.asarray(looks)
    if arr.ndim == 0:
        return None if int(arr) < 0 else int(arr)
    out = np.empty(arr.shape, dtype=object)
    for idx, value in np.ndenumerate(arr):
        out[idx] = None if value < 0 else int(value)
    return out


@dataclass(frozen=True, slots=True)
class MSPRTResult(ResultMixin):
    """Always-valid inference from :func:`msprt`; arrays have a trailing look axis.

    Attributes
    ----------
    pvalue : ndarray, shape (..., n_looks)
        Always-valid p-value path ``p_n = min(p_{n-1}, 1 / Λ_n)``; stopping whenever it
        falls below ``alpha`` keeps the type I error at most ``alpha``.
    effect : ndarray, shape (..., n_looks)
        Estimated difference (variant minus control) at each look.
    low, high : ndarray, shape (..., n_looks)
        ``1 - alpha`` confidence sequence (running intersection).
    mixing_variance : float or ndarray
    rejected : bool or ndarray
    stopped_at : int, None or ndarray
        First look with ``pvalue <= alpha``; ``None`` if none (for a batch, an object
        array with an int or ``None`` per experiment).
    alpha : float

    Examples
    --------
    >>> res = msprt([[10, 12], [25, 41], [40, 70]], [[100, 100], [200, 200], [300, 300]])
    >>> res.pvalue.round(3).tolist()
    [1.0, 0.352, 0.032]
    """

    pvalue: FloatArray
    effect: FloatArray
    low: FloatArray
    high: FloatArray
    mixing_variance: Any
    rejected: Any
    stopped_at: Any
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """One row per look (and experiment); the confidence sequence is ``ci_low``/``ci_high``.

        Examples
        --------
        >>> list(msprt([[1, 2], [3, 5]], [[10, 10], [20, 20]]).to_frame().columns)
        ['look', 'pvalue', 'effect', 'ci_low', 'ci_high']
        """
        n_looks = self.pvalue.shape[-1]
        batch = self.pvalue.shape[:-1]
        look = np.broadcast_to(np.arange(n_looks), self.pvalue.shape)
        frame = pd.DataFrame(
            {
                "look": look.ravel(),
                "pvalue": self.pvalue.ravel(),
                "effect": self.effect.ravel(),
                "ci_low": self.low.ravel(),
                "ci_high": self.high.ravel(),
            }
        )
        if batch:
            frame.insert(0, "experiment", np.repeat(np.arange(int(np.prod(batch))), n_looks))
        return frame


#: ρ* solving ρ = 2 log(1/α) + log(1 + ρ) is the τ²/V that makes the normal-mixture
#: confidence sequence narrowest at variance V (minimises (1 + 1/ρ)(2 log(1/α) + log(1+ρ))).
def _optimal_rho(alpha: float) -> float:
    two_l = 2.0 * math.log(1.0 / alpha)
    return float(optimize.brentq(lambda r: r - two_l - math.log1p(r), 1e-9, 10.0 * two_l + 10.0))


def msprt(
    successes: Any = None,
    trials: Any = None,
    *,
    mean: Any = None,
    std: Any = None,
    n: Any = None,
    alpha: float = 0.05,
    mixing_variance: Any = None,
) -> MSPRTResult:
    """Mixture sequential probability ratio test (Johari, Pekelis & Walsh 2017).

    With ``Δ̂_n`` the difference of arm estimates at look ``n`` and ``V_n`` its variance
    (unpooled plug-in: ``p(1-p)/N`` or ``s²/N`` per arm), the normal-mixture likelihood
    ratio against ``H0: Δ = 0`` with mixing distribution ``N(0, τ²)`` is

    .. math:: \\Lambda_n = \\sqrt{\\frac{V_n}{V_n + \\tau^2}}
        \\exp\\left(\\frac{\\tau^2 \\hat\\Delta_n^2}{2 V_n (V_n + \\tau^2)}\\right),

    a martingale under H0, so ``p_n = min(p_{n-1}, 1/Λ_n)`` is an always-valid p-value and
    ``Δ̂_n ± sqrt(V_n (V_n+τ²)/τ² · (2 log(1/α) + log((V_n+τ²)/V_n)))`` a confidence
    sequence (intersected over looks).

    Mixing variance: by default ``τ² = ρ* V_N`` with ``V_N`` the variance at the last look
    supplied and ``ρ*`` the root of ``ρ = 2 log(1/α) + log(1 + ρ)`` (about 8.2 for
    α = 0.05): the choice that makes the confidence sequence narrowest at the planned end
    of the test (supply data up to the planned horizon, or pass your own ``τ²``, e.g. the
    squared size of effects you expect).

    Parameters
    ----------
    successes, trials : array_like, shape (..., n_looks, 2), optional
        Cumulative conversions and visitors per look (control, variant); neither may
        decrease from one look to the next.
    mean, std, n : array_like, shape (..., n_looks, 2), optional
        Cumulative means, standard deviations and sizes per look, instead of counts
        (``n`` may not decrease).
    alpha : float, default 0.05
    mixing_variance : float or array_like, optional
        ``τ²`` (per experiment if an array).

    Returns
    -------
    MSPRTResult

    Examples
    --------
    >>> res = msprt(mean=[[[1.0, 1.1]], [[1.0, 1.2]]], std=[[[1.0, 1.0]], [[1.0, 1.0]]],
    ...             n=[[[100, 100]], [[100, 100]]])
    >>> res.pvalue.shape
    (2, 1)
    """
    alpha = check_interval(alpha, "alpha", low=0.0, high=1.0, closed="neither")
    counts_given = successes is not None or trials is not None
    stats_given = mean is not None or std is not None or n is not None
    if counts_given == stats_given:
        raise InvalidParameterError(
            format_message(
                "msprt data",
                "be either successes and trials, or mean, std and n",
                "both or neither",
                "Pass msprt(successes, trials) or msprt(mean=..., std=..., n=...).",
            )
        )
    if counts_given:
        s, size = check_counts(successes, trials)
        est = s / size
        var_arm = est * (1.0 - est) / size
    else:
        if mean is None or std is None or n is None:
            raise InvalidParameterError(
                format_message("mean, std and n", "all be given", "some missing", "")
            )
        est, std_arm, size = check_summaries(mean, std, n)
        var_arm = std_arm**2 / size
    if est.ndim < 2 or est.shape[-1] != 2:
        raise ValidationError(
            format_message(
                "the arm arrays",
                "have shape (..., n_looks, 2)",
                f"shape {est.shape}",
                "Give cumulative numbers per look, control then variant.",
            )
        )
    cumulative = {"trials": size} if counts_given else {"n": size}
    if counts_given:
        cumulative["successes"] = s
    for name, values in cumulative.items():
        drop = np.diff(values, axis=-2) < 0
        if drop.any():
            look = int(np.argwhere(drop)[0][-2]) + 1
            raise ValidationError(
                format_message(
                    name,
                    "be cumulative (never decrease from one look to the next)",
                    f"{int(drop.sum())} decrease(s) (first at look {look})",
                    "Pass running totals per look, e.g. numpy.cumsum(daily, axis=-2).",
                )
            )
    delta = est[..., 1] - est[..., 0]
    v = var_arm[..., 0] + var_arm[..., 1]
    if mixing_variance is None:
        tau2 = _optimal_rho(alpha) * v[..., -1]
        tau2 = np.where(tau2 > 0, tau2, np.nanmax(v, axis=-1))
    else:
        tau2 = np.array(mixing_variance, dtype=np.float64, copy=True)
        if np.any(~np.isfinite(tau2)) or np.any(tau2 <= 0):
            raise InvalidParameterError(
                format_message(
                    "mixing_variance",
                    "be positive and finite",
                    show_value(mixing_variance)[:60],
                    "",
                )
            )
    t2 = np.asarray(tau2, dtype=np.float64)[..., None]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        log_lr = 0.5 * np.log(v / (v + t2)) + t2 * delta**2 / (2.0 * v * (v + t2))
        # V = 0 (no variation yet): no evidence unless the estimates already differ.
        log_lr = np.where(v > 0, log_lr, np.where(delta == 0, -np.inf, np.inf))
        p_inst = np.minimum(1.0, np.exp(-log_lr))
        half = np.sqrt(v * (v + t2) / t2 * (2.0 * math.log(1.0 / alpha) + np.log1p(t2 / v)))
        half = np.where(v > 0, half, 0.0)
    pvalue = np.minimum.accumulate(p_inst, axis=-1)
    low = np.maximum.accumulate(delta - half, axis=-1)
    high = np.minimum.accumulate(delta + half, axis=-1)
    hit = pvalue <= alpha
    rejected = hit.any(axis=-1)
    stopped = np.where(rejected, hit.argmax(axis=-1), -1)
    return MSPRTResult(
        pvalue=pvalue,
        effect=delta,
        low=low,
        high=high,
        mixing_variance=squeeze(tau2),
        rejected=squeeze(rejected),
        stopped_at=stopped_index(stopped),
        alpha=alpha,
    )
