"""The vectorisable math of the CLV prediction kernels against numpy and the scalar kernel.

``vexp``, ``vlog``, ``vlog1p``, ``vexpm1`` and ``vlog_ratio`` replace libm calls inside
loops meant to run 4 or 8 rows per instruction; numpy's (glibc's) functions, within 1 ulp
of the truth, are the reference, and mpmath for ``log(u / v)``. The blocked Pareto/NBD
series must reproduce the scalar ``pnbd_log_odds``, including the rows it hands back to it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from precisemkt import _vmath
from precisemkt._numba import njit
from precisemkt.clv import _pnbd_kernels


@njit(vectorize=True)
def _apply(which: int, v: np.ndarray) -> np.ndarray:
    out = np.empty(v.size)
    for i in range(v.size):
        if which == 0:
            out[i] = _vmath.vexp(v[i])
        elif which == 1:
            out[i] = _vmath.vlog(v[i])
        elif which == 2:
            out[i] = _vmath.vlog1p(v[i])
        else:
            out[i] = _vmath.vexpm1(v[i])
    return out


def _ulps(got: np.ndarray, ref: np.ndarray) -> float:
    return float(np.max(np.abs(got - ref) / np.spacing(np.abs(ref))))


# (function index, numpy reference, range, log-uniform draw, max ulps): the ranges cover
# the reductions' edges, tiny arguments (where log1p and expm1 matter) and subnormal results.
CASES = [
    (0, np.exp, (-700.0, 700.0), False, 1.0),
    (0, np.exp, (-1e-9, 1e-9), False, 1.0),
    (0, np.exp, (-744.0, -708.0), False, 1.0),
    (1, np.log, (1e-300, 1e300), True, 1.0),
    (1, np.log, (0.5, 2.0), False, 1.0),
    (2, np.log1p, (-0.999, 1.0), False, 1.0),
    (2, np.log1p, (1e-300, 1e-12), True, 1.0),
    (2, np.log1p, (1e-12, 1e300), True, 1.0),
    (3, np.expm1, (-40.0, 700.0), False, 4.0),
    (3, np.expm1, (-1e-6, 1e-6), False, 4.0),
]


@pytest.mark.parametrize(("which", "ref", "bounds", "log_draw", "max_ulps"), CASES)
def test_vector_math_within_ulps_of_numpy(
    which: int, ref: np.ufunc, bounds: tuple[float, float], log_draw: bool, max_ulps: float
) -> None:
    rng = np.random.default_rng(which)
    lo, hi = bounds
    if log_draw:
        v = np.exp(rng.uniform(math.log(lo), math.log(hi), 100_000))
    else:
        v = rng.uniform(lo, hi, 100_000)
    assert _ulps(_apply(which, v), ref(v)) <= max_ulps


def test_vector_math_special_values() -> None:
    v = np.array([np.nan, np.inf, -np.inf, 0.0, -0.0, 800.0, -800.0, 5e-324, -1.0])
    with np.errstate(all="ignore"):
        for which, ref in enumerate((np.exp, np.log, np.log1p, np.expm1)):
            np.testing.assert_array_equal(_apply(which, v), ref(v))


@given(v=st.floats(-745.0, 709.0))
def test_vexp_matches_math(v: float) -> None:
    assert _vmath.vexp(v) == pytest.approx(math.exp(v), rel=3e-16, abs=1e-320)


@given(v=st.floats(5e-324, 1e308))
def test_vlog_matches_math(v: float) -> None:
    assert _vmath.vlog(v) == pytest.approx(math.log(v), rel=3e-16, abs=3e-16)


@njit(vectorize=True)
def _log_ratio(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    out = np.empty(u.size)
    for i in range(u.size):
        out[i] = _vmath.vlog_ratio(u[i], v[i])
    return out


def test_vlog_ratio_within_2_ulps_of_mpmath() -> None:
    """Log-uniform u, v over the whole range, ratios near 1 (where the log is small and the
    reduction's subtraction must be exact) and subnormal inputs."""
    mpmath = pytest.importorskip("mpmath")
    rng = np.random.default_rng(11)
    n = 6000
    u = np.exp(rng.uniform(-700.0, 700.0, n))
    v = np.exp(rng.uniform(-700.0, 700.0, n))
    u[:1500] = v[:1500] * (1.0 + rng.uniform(-1e-3, 1e-3, 1500))
    u[1500:1600] = v[1500:1600] * 2.0 ** rng.integers(-3, 4, 100)  # exact powers of 2
    u[1600:2000] = rng.uniform(5e-324, 1e-300, 400)  # subnormal and tiny u
    v[1600:1800] = rng.uniform(1e-310, 1e-100, 200)
    v[2000:2400] = rng.uniform(5e-324, 1e-300, 400)  # subnormal v
    with mpmath.workprec(120):
        exact = np.array(
            [float(mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))) for a, b in zip(u, v, strict=True)]
        )
    got = _log_ratio(u, v)
    zero = exact == 0.0
    assert np.all(got[zero] == 0.0)
    assert _ulps(got[~zero], exact[~zero]) <= 2.0


@st.composite
def pnbd_block(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, _pnbd_kernels._BLOCK))  # longer inputs are split by the caller
    x = np.array(draw(st.lists(st.integers(0, 300), min_size=n, max_size=n)), dtype=float)
    T = np.array(draw(st.lists(st.floats(0.0, 200.0), min_size=n, max_size=n)))
    u = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    tx = np.where(x > 0, u * T, 0.0)
    return x, tx, T


@settings(max_examples=60)
@given(
    r=st.floats(0.05, 5.0),
    alpha=st.floats(0.1, 60.0),
    s=st.floats(0.05, 5.0),
    beta=st.floats(0.1, 60.0),
    rows=pnbd_block(),
)
@example(  # alpha < beta and x = 5000: terms grow for hundreds of steps (scalar fallback)
    r=0.55,
    alpha=1.0,
    s=0.6,
    beta=50.0,
    rows=(np.array([5000.0, 3.0]), np.array([1.0, 30.0]), np.array([80.0, 30.0])),
)
def test_pnbd_block_matches_scalar_series(
    r: float, alpha: float, s: float, beta: float, rows: tuple[np.ndarray, ...]
) -> None:
    x, tx, T = rows
    out = np.empty(x.size)
    _pnbd_kernels.pnbd_log_odds_block(
        r, alpha, s, beta, x, tx, T, np.empty(_pnbd_kernels._WORK), out
    )
    for i in range(x.size):
        expected = _pnbd_kernels.pnbd_log_odds(r, alpha, s, beta, x[i], tx[i], T[i])
        if expected == -np.inf:
            assert out[i] == -np.inf
        else:
            assert out[i] == pytest.approx(expected, rel=1e-13, abs=1e-12)
