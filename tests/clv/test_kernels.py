"""Every CLV kernel against its naive reference (tests/reference/clv.py), with hypothesis.

The references are the papers' formulas in 40-digit mpmath; derivatives of the references
come from mpmath.diff, so the kernels' analytic gradients and Hessians are checked too.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.special as sc
from hypothesis import example, given, settings
from hypothesis import strategies as st

from precisemkt import _vmath
from precisemkt.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    ParetoNBD,
    _bgbb_kernels,
    _bgnbd_kernels,
    _gg_kernels,
    _pnbd_kernels,
    _rfm_kernels,
)
from precisemkt.clv._base import unpack
from tests.reference import clv as ref

pos = st.floats  # alias for readability below


def _check_vector(out: np.ndarray, f: Any, params: list[float], k: int) -> None:
    value, grad, hess = unpack(out, k)
    expected = float(f(*params))
    assert value == pytest.approx(expected, rel=1e-11, abs=1e-9)
    g_ref, h_ref = ref.grad_hess(f, params)
    scale = 1.0 + np.max(np.abs(h_ref))
    np.testing.assert_allclose(grad, g_ref, rtol=1e-8, atol=1e-9 * (1.0 + np.max(np.abs(g_ref))))
    np.testing.assert_allclose(hess, h_ref, rtol=1e-7, atol=1e-8 * scale)


@st.composite
def continuous_rows(draw: st.DrawFn, max_x: int = 60) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, 2))
    x, tx, T, w = [], [], [], []
    for _ in range(n):
        age = draw(pos(0.0, 80.0))
        xi = draw(st.integers(0, max_x))
        x.append(xi)
        tx.append(0.0 if xi == 0 else draw(pos(0.0, 1.0)) * age)
        T.append(age)
        w.append(float(draw(st.integers(1, 4))))
    return np.array(x, np.int64), np.array(tx), np.array(T), np.array(w)


# --------------------------------------------------------------------------- likelihoods


@settings(max_examples=15)
@given(
    r=pos(0.05, 5.0),
    alpha=pos(0.05, 60.0),
    a=pos(0.05, 5.0),
    b=pos(0.05, 10.0),
    rows=continuous_rows(),
    modified=st.sampled_from([0, 1]),
)
def test_bg_loglik(r: float, alpha: float, a: float, b: float, rows: Any, modified: int) -> None:
    x, tx, T, w = rows
    params = [r, alpha, a, b]
    out = _bgnbd_kernels.bg_loglik(np.array(params), x, tx, T, w, modified, 2)

    def f(*p: Any) -> Any:
        return sum(
            wi * ref.bg_loglik_row(p, int(xi), float(ti), float(Ti), modified)
            for xi, ti, Ti, wi in zip(x, tx, T, w, strict=True)
        )

    _check_vector(out, f, params, 4)
    assert float(out[0]) == pytest.approx(float(ref.bg_loglik(params, x, tx, T, w, modified)))


@settings(max_examples=15)
@given(
    r=pos(0.05, 5.0),
    alpha=pos(0.05, 60.0),
    s=pos(0.05, 5.0),
    beta=pos(0.05, 60.0),
    rows=continuous_rows(),
)
@example(
    r=0.55,
    alpha=10.6,
    s=0.6,
    beta=10.6,
    rows=(np.array([3, 0]), np.array([20.0, 0.0]), np.array([38.0, 38.0]), np.array([1.0, 2.0])),
)
@example(
    r=0.55,
    alpha=10.6,
    s=0.6,
    beta=11.7,
    rows=(np.array([7]), np.array([38.0 - 1e-9]), np.array([38.0]), np.array([1.0])),
)
@example(
    r=2.0,
    alpha=0.5,
    s=0.3,
    beta=40.0,
    rows=(np.array([60]), np.array([5.0]), np.array([6.0]), np.array([1.0])),
)
def test_pnbd_loglik(r: float, alpha: float, s: float, beta: float, rows: Any) -> None:
    x, tx, T, w = rows
    params = [r, alpha, s, beta]
    out = _pnbd_kernels.pnbd_loglik(np.array(params), x, tx, T, w, 2)

    def f(*p: Any) -> Any:
        return sum(
            wi * ref.pnbd_loglik_row(p, int(xi), float(ti), float(Ti))
            for xi, ti, Ti, wi in zip(x, tx, T, w, strict=True)
        )

    _check_vector(out, f, params, 4)


@st.composite
def discrete_rows(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n = draw(st.integers(1, 2))
    cols: list[list[int]] = [[], [], [], []]
    for _ in range(n):
        periods = draw(st.integers(0, 12))
        tx = draw(st.integers(0, periods))
        x = 0 if tx == 0 else draw(st.integers(1, tx))
        for col, v in zip(cols, (x, tx, periods, draw(st.integers(1, 5))), strict=True):
            col.append(v)
    return tuple(np.array(c, np.int64) for c in cols)


@settings(max_examples=15)
@given(
    alpha=pos(0.05, 8.0),
    beta=pos(0.05, 8.0),
    gamma=pos(0.05, 8.0),
    delta=pos(0.05, 8.0),
    rows=discrete_rows(),
)
def test_bgbb_loglik(alpha: float, beta: float, gamma: float, delta: float, rows: Any) -> None:
    x, tx, n, w = rows
    params = [alpha, beta, gamma, delta]
    out = _bgbb_kernels.bgbb_loglik(np.array(params), x, tx, n, w.astype(float), 2)

    def f(*p: Any) -> Any:
        return sum(
            wi * ref.bgbb_loglik_row(p, int(xi), int(ti), int(ni))
            for xi, ti, ni, wi in zip(x, tx, n, w, strict=True)
        )

    _check_vector(out, f, params, 4)


@settings(max_examples=15)
@given(
    p=pos(0.2, 20.0),
    q=pos(0.2, 20.0),
    g=pos(0.5, 200.0),
    rows=st.lists(
        st.tuples(st.integers(1, 40), pos(0.5, 500.0), st.integers(1, 4)), min_size=1, max_size=4
    ),
)
def test_gg_loglik(p: float, q: float, g: float, rows: list[tuple[int, float, int]]) -> None:
    x, m, w = (np.array(c, float) for c in zip(*rows, strict=True))
    params = [p, q, g]
    out = _gg_kernels.gg_loglik(
        np.array(params), x, m, w, *_gg_kernels.gg_prepare(x, m, w, np.lexsort((m, x)))[3:], 2
    )

    def f(*pp: Any) -> Any:
        return sum(wi * ref.gg_loglik_row(pp, xi, mi) for xi, mi, wi in zip(x, m, w, strict=True))

    _check_vector(out, f, params, 3)


# --------------------------------------------------------------------------- predictions


@given(
    r=pos(0.05, 5.0),
    alpha=pos(0.1, 60.0),
    a=pos(0.05, 5.0),
    b=pos(0.05, 10.0),
    x=st.integers(0, 80),
    u=pos(0.0, 1.0),
    T=pos(0.0, 80.0),
    t=pos(0.0, 200.0),
    modified=st.sampled_from([0, 1]),
)
@example(r=0.3, alpha=2.0, a=1.0, b=0.5, x=0, u=0.0, T=10.0, t=5.0, modified=0)
@example(r=0.3, alpha=2.0, a=0.3, b=0.4, x=0, u=0.0, T=10.0, t=5.0, modified=0)
def test_bg_predictions(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: int,
    u: float,
    T: float,
    t: float,
    modified: int,
) -> None:
    params = [r, alpha, a, b]
    tx = 0.0 if x == 0 else u * T
    model = (MBGNBD if modified else BGNBD).from_params(
        dict(zip(("r", "alpha", "a", "b"), params, strict=True))
    )
    assert model.probability_alive(x, tx, T) == pytest.approx(
        ref.bg_palive(params, x, tx, T, modified), rel=1e-12, abs=1e-300
    )
    expected = ref.bg_conditional_expectation(params, t, x, tx, T, modified)
    assert model.predict_purchases(t, x, tx, T) == pytest.approx(expected, rel=1e-11, abs=1e-300)


@settings(max_examples=15)
@given(
    r=pos(0.05, 5.0),
    alpha=pos(0.1, 40.0),
    a=pos(0.05, 5.0),
    b=pos(0.05, 10.0),
    n=st.integers(0, 40),
    t=pos(0.0, 100.0),
    modified=st.sampled_from([0, 1]),
)
def test_bg_pmf(
    r: float, alpha: float, a: float, b: float, n: int, t: float, modified: int
) -> None:
    params = [r, alpha, a, b]
    model = (MBGNBD if modified else BGNBD).from_params(
        dict(zip(("r", "alpha", "a", "b"), params, strict=True))
    )
    assert model.probability_of_purchases(n, t) == pytest.approx(
        ref.bg_pmf(params, n, t, modified), rel=1e-10, abs=1e-300
    )


@given(
    r=pos(0.05, 5.0),
    alpha=pos(0.1, 60.0),
    s=pos(0.05, 5.0),
    beta=pos(0.1, 60.0),
    x=st.integers(0, 80),
    u=pos(0.0, 1.0),
    T=pos(0.0, 80.0),
    t=pos(0.0, 200.0),
)
@example(r=0.55, alpha=10.0, s=1.0, beta=12.0, x=2, u=0.5, T=30.0, t=20.0)
def test_pnbd_predictions(
    r: float, alpha: float, s: float, beta: float, x: int, u: float, T: float, t: float
) -> None:
    params = [r, alpha, s, beta]
    tx = 0.0 if x == 0 else u * T
    model = ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), params, strict=True)))
    assert model.probability_alive(x, tx, T) == pytest.approx(
        ref.pnbd_palive(params, x, tx, T), rel=1e-11, abs=1e-300
    )
    assert model.predict_purchases(t, x, tx, T) == pytest.approx(
        ref.pnbd_conditional_expectation(params, t, x, tx, T), rel=1e-11, abs=1e-300
    )


@settings(max_examples=25)
@given(
    r=pos(0.1, 4.0),
    alpha=pos(0.2, 40.0),
    s=pos(0.1, 4.0),
    beta=pos(0.2, 40.0),
    n=st.integers(0, 30),
    t=pos(0.01, 80.0),
)
def test_pnbd_pmf(r: float, alpha: float, s: float, beta: float, n: int, t: float) -> None:
    params = [r, alpha, s, beta]
    model = ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), params, strict=True)))
    assert model.probability_of_purchases(n, t) == pytest.approx(
        ref.pnbd_pmf(params, n, t), rel=1e-9, abs=1e-300
    )


@settings(max_examples=25)
@given(
    r=pos(0.1, 4.0),
    alpha=pos(0.2, 40.0),
    s=pos(0.1, 4.0),
    beta=pos(0.2, 40.0),
    x=st.integers(0, 30),
    u=pos(0.0, 1.0),
    T=pos(0.0, 60.0),
    delta=pos(1e-4, 0.5),
)
def test_pnbd_dert(
    r: float, alpha: float, s: float, beta: float, x: int, u: float, T: float, delta: float
) -> None:
    params = [r, alpha, s, beta]
    tx = 0.0 if x == 0 else u * T
    model = ParetoNBD.from_params(dict(zip(("r", "alpha", "s", "beta"), params, strict=True)))
    # scipy's hyperu (the confluent hypergeometric U) is accurate to ~1e-9 relative here
    assert model.expected_residual_transactions(x, tx, T, discount_rate=delta) == pytest.approx(
        ref.pnbd_dert(params, delta, x, tx, T), rel=1e-8
    )


@given(
    alpha=pos(0.05, 8.0),
    beta=pos(0.05, 8.0),
    gamma=pos(0.05, 8.0),
    delta=pos(0.05, 8.0),
    rows=discrete_rows(),
    t=st.integers(0, 20),
)
def test_bgbb_predictions(
    alpha: float, beta: float, gamma: float, delta: float, rows: Any, t: int
) -> None:
    x, tx, n, _ = rows
    params = [alpha, beta, gamma, delta]
    model = BGBB.from_params(dict(zip(("alpha", "beta", "gamma", "delta"), params, strict=True)))
    for xi, ti, ni in zip(x, tx, n, strict=True):
        assert model.probability_alive(xi, ti, ni, t=t) == pytest.approx(
            ref.bgbb_palive(params, t, int(xi), int(ti), int(ni)), rel=1e-11
        )
        if abs(gamma - 1.0) > 1e-3:  # eq. 13 divides by gamma - 1; ours is a finite sum
            assert model.predict_purchases(t, xi, ti, ni) == pytest.approx(
                ref.bgbb_conditional_expectation(params, t, int(xi), int(ti), int(ni)),
                rel=1e-9,
                abs=1e-300,
            )
        assert model.probability_of_purchases(xi, ni) == pytest.approx(
            ref.bgbb_pmf(params, int(xi), int(ni)), rel=1e-11
        )


@given(v=pos(1e-3, 1e6))
def test_digamma_trigamma(v: float) -> None:
    assert _vmath.digamma(v) == pytest.approx(float(sc.digamma(v)), rel=1e-13, abs=1e-14)
    assert _vmath.trigamma(v) == pytest.approx(float(sc.polygamma(1, v)), rel=1e-13)


@given(
    x=st.integers(0, 200),
    tx=pos(0.0, 1.0),
    T=pos(0.0, 100.0),
    discrete=st.booleans(),
)
def test_rfm_violations_matches_numpy(x: int, tx: float, T: float, discrete: bool) -> None:
    xs = np.array([float(x), 1.5, -1.0, 2.0, 0.0])
    rs = np.array([tx * T, 1.0, 0.0, T + 1.0, 0.5])
    ts = np.array([T, 3.0, 3.0, T, 3.0])
    first = _rfm_kernels.rfm_violations(xs, rs, ts, xs.size, discrete)
    rules = [
        ~(np.isfinite(xs) & np.isfinite(rs) & np.isfinite(ts)),
        (xs < 0) | (xs != np.floor(xs)),
        (rs < 0) | (discrete & (rs != np.floor(rs))),
        (ts < 0) | (discrete & (ts != np.floor(ts))),
        rs > ts,
        (xs == 0) & (rs != 0),
        discrete & (xs > rs),
    ]
    expected = [int(np.flatnonzero(r)[0]) if r.any() else -1 for r in rules]
    assert first.tolist() == expected


@given(
    x=st.sampled_from([0.0, 1.0, 3.0, 2.5, -1.0, np.nan, np.inf, -np.inf, 1e300]),
    tx=st.sampled_from([0.0, 0.5, 5.0, 7.0, -0.5, np.nan, np.inf]),
    T=st.sampled_from([0.0, 5.0, 6.5, -1.0, np.nan, np.inf, 1e300]),
)
def test_rfm_row_ok_matches_rfm_violations(x: float, tx: float, T: float) -> None:
    """The branch-free row check of the prediction kernels accepts exactly the rows in
    which the detailed search finds no broken rule."""
    xs, rs, ts = np.array([x]), np.array([tx]), np.array([T])
    clean = bool((_rfm_kernels.rfm_violations(xs, rs, ts, 1, False) < 0).all())
    assert _rfm_kernels.rfm_row_ok(x, tx, T) is clean
    assert _rfm_kernels.rfm_clean(xs, rs, ts) is clean


@given(n=st.integers(1, 3000), bad=st.integers(0, 2999), kind=st.integers(0, 2))
def test_rfm_clean_finds_one_bad_row_anywhere(n: int, bad: int, kind: int) -> None:
    x, tx, T = np.full(n, 2.0), np.full(n, 1.0), np.full(n, 4.0)
    assert _rfm_kernels.rfm_clean(x, tx, T)
    [x, tx, T][kind][bad % n] = np.nan
    assert not _rfm_kernels.rfm_clean(x, tx, T)


@pytest.mark.parametrize("kind", ["bg", "mbg", "pnbd"])
def test_parallel_chunks_equal_row_sums(kind: str) -> None:
    """3,000 rows split over the parallel chunks give the sum of the one-row results, and
    the Hessian equals a central difference of the gradient (guards the prange reduction)."""
    rng = np.random.default_rng(7)
    n = 3000
    x = rng.poisson(2.0, n).astype(np.int64)
    T = rng.uniform(1.0, 60.0, n)
    tx = np.where(x > 0, rng.uniform(0.0, 1.0, n) * T, 0.0)
    w = rng.integers(1, 4, n).astype(float)
    params = np.array([0.6, 8.0, 0.7, 3.0] if kind != "pnbd" else [0.6, 8.0, 0.7, 11.0])

    def kernel(p: np.ndarray, order: int, rows: slice = slice(None)) -> np.ndarray:
        if kind == "pnbd":
            return _pnbd_kernels.pnbd_loglik(p, x[rows], tx[rows], T[rows], w[rows], order)
        return _bgnbd_kernels.bg_loglik(
            p, x[rows], tx[rows], T[rows], w[rows], int(kind == "mbg"), order
        )

    full = kernel(params, 2)
    assert kernel(params, 0)[0] == pytest.approx(full[0], rel=1e-12)  # value-only path
    rows = sum(kernel(params, 2, slice(i, i + 1)) for i in range(n))
    np.testing.assert_allclose(full, rows, rtol=1e-11, atol=1e-9)
    _, grad, hess = unpack(full, 4)
    for j in range(4):
        h = 1e-6 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        numeric = (unpack(kernel(up, 1), 4)[1] - unpack(kernel(down, 1), 4)[1]) / (2 * h)
        np.testing.assert_allclose(hess[j], numeric, rtol=1e-5, atol=1e-6 * np.abs(hess).max())
        value_fd = (kernel(up, 0)[0] - kernel(down, 0)[0]) / (2 * h)
        assert grad[j] == pytest.approx(value_fd, rel=1e-6, abs=1e-6 * np.abs(grad).max())


@given(
    x=st.lists(st.integers(0, 50), min_size=1, max_size=50),
    u=st.floats(0.0, 1.0),
    T=st.floats(0.0, 100.0),
)
def test_rfm_violations_clean_data(x: list[int], u: float, T: float) -> None:
    xs = np.array(x, dtype=float)
    ts = np.full(xs.size, T)
    rs = np.where(xs > 0, u * ts, 0.0)
    assert _rfm_kernels.rfm_violations(xs, rs, ts, xs.size, False).tolist() == [-1] * 7
    assert _rfm_kernels.rfm_violations(xs, rs, ts, xs.size, True).tolist()[:2] == [-1, -1]
