"""CLV suite: precisemkt.clv against lifetimes 0.11.3, in the same process.

Data: ``make_transactions`` customers (CDNOW parameters in weeks, 78 weeks observed, first
purchases spread over 12 weeks) summarised at day resolution in weeks (days / 7), the way
``rfm_summary(..., freq="D", freq_multiplier=7)`` summarises a log: recency and T fall on
a grid of days, so identical (frequency, recency, T) rows are common. Both libraries get
the same raw per-customer rows; precisemkt collapses identical rows itself, lifetimes fits
them as given (it accepts weights but does not build them).

* Fits: BG/NBD, MBG/NBD, Pareto/NBD (lifetimes' Nelder-Mead takes minutes at 1M rows, so
  it runs once in ``--full``; ``--quick`` uses 20k customers for it), Gamma-Gamma on the
  repeat buyers, BG/BB on the donations data.
* Predictions on every customer: conditional expected purchases (39 weeks), P(alive), and
  the 12-month CLV (BG/NBD + Gamma-Gamma).
* Kernels: one log-likelihood evaluation against lifetimes' objective, and against the
  naive mpmath reference of ``tests/reference/clv.py`` on 200 rows.

precisemkt runs with numba's default thread count (every core; lifetimes uses one). The
prediction rows marked "1 thread" pin precisemkt to a single core, so the table shows both
what a user gets and the per-core speed-up.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any

import numba
import numpy as np

from benchmarks._harness import Case
from precisemkt.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    _bgnbd_kernels,
    _pnbd_kernels,
    customer_lifetime_value,
)
from precisemkt.datasets import load_donations, make_transactions

SUITE = "clv"

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
SPEND = (6.25, 3.74, 15.44)


def _quiet(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run a lifetimes call with its (global) warning filters contained."""

    @functools.wraps(func)
    def run(*args: Any, **kwargs: Any) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*args, **kwargs)

    return run


def _one_thread(func: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``func`` with numba limited to one thread."""

    @functools.wraps(func)
    def run() -> Any:
        previous = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            return func()
        finally:
            numba.set_num_threads(previous)

    return run


@functools.cache
def _lifetimes() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import lifetimes

    return lifetimes


@functools.cache
def summary(n: int, model: str) -> dict[str, np.ndarray]:
    """Day-resolution RFM summary in weeks of ``n`` simulated customers."""
    params = PNBD if model == "paretonbd" else BG
    _, c, _ = make_transactions(
        n,
        model=model,
        params=params,
        freq="W",
        periods=78.0,
        acquisition_periods=12.0,
        spend=SPEND,
        random_state=2024,
    )
    birth = np.floor(c["birth"].to_numpy() * 7)
    last = np.floor((c["birth"].to_numpy() + c["recency"].to_numpy()) * 7)
    x = c["frequency"].to_numpy().astype(np.float64)
    return {
        "x": x,
        "tx": np.where(x > 0, (last - birth) / 7, 0.0),
        "T": (78 * 7 - birth) / 7,
        "m": c["monetary_value"].to_numpy(),
    }


def _label(n: int) -> str:
    return f"{n // 1_000_000}M customers" if n >= 1_000_000 else f"{n // 1000}k customers"


def _fit_cases(n: int, pareto_n: int, pareto_rival_repeats: int) -> list[Case]:
    lt = _lifetimes()
    d = summary(n, "bgnbd")
    p = summary(pareto_n, "paretonbd")
    repeat = d["x"] > 0
    return [
        Case(
            "BG/NBD fit",
            _label(n),
            lambda: BGNBD().fit(d["x"], d["tx"], d["T"]),
            rival=_quiet(lambda: lt.BetaGeoFitter().fit(d["x"], d["tx"], d["T"])),
            rival_name="lifetimes BetaGeoFitter",
            repeats=3,
            rival_repeats=1,
        ),
        Case(
            "MBG/NBD fit",
            _label(n),
            lambda: MBGNBD().fit(d["x"], d["tx"], d["T"]),
            rival=_quiet(lambda: lt.ModifiedBetaGeoFitter().fit(d["x"], d["tx"], d["T"])),
            rival_name="lifetimes ModifiedBetaGeoFitter",
            repeats=3,
            rival_repeats=1,
        ),
        Case(
            "Pareto/NBD fit",
            _label(pareto_n),
            lambda: ParetoNBD().fit(p["x"], p["tx"], p["T"]),
            rival=_quiet(lambda: lt.ParetoNBDFitter().fit(p["x"], p["tx"], p["T"])),
            rival_name="lifetimes ParetoNBDFitter",
            repeats=3,
            rival_repeats=pareto_rival_repeats,
            rival_warmup=False,
            note="lifetimes: one run, no warm-up",
        ),
        Case(
            "Gamma-Gamma fit (repeat buyers)",
            _label(n),
            lambda: GammaGamma().fit(d["x"][repeat], d["m"][repeat]),
            rival=_quiet(lambda: lt.GammaGammaFitter().fit(d["x"][repeat], d["m"][repeat])),
            rival_name="lifetimes GammaGammaFitter",
            repeats=3,
            rival_repeats=1,
        ),
    ]


def _prediction_cases(n: int) -> list[Case]:
    lt = _lifetimes()
    d = summary(n, "bgnbd")
    x, tx, T, m = d["x"], d["tx"], d["T"], d["m"]
    bg = BGNBD.from_params(BG)
    pn = ParetoNBD.from_params(PNBD)
    gg = GammaGamma.from_params(dict(zip(("p", "q", "gamma"), SPEND, strict=True)))
    lbg = lt.BetaGeoFitter()
    lbg.params_ = bg.params_.copy()
    lbg.predict = lbg.conditional_expected_number_of_purchases_up_to_time
    lpn = lt.ParetoNBDFitter()
    lpn.params_ = pn.params_.copy()
    lgg = lt.GammaGammaFitter()
    lgg.params_ = gg.params_.set_axis(["p", "q", "v"])
    import pandas as pd

    xs, txs, Ts, ms = (pd.Series(v) for v in (x, tx, T, m))
    predictions: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
        (
            "BG/NBD conditional expectation (39 weeks)",
            lambda: bg.predict_purchases(39.0, x, tx, T),
            lambda: lbg.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T),
        ),
        (
            "BG/NBD P(alive)",
            lambda: bg.probability_alive(x, tx, T),
            lambda: lbg.conditional_probability_alive(x, tx, T),
        ),
        (
            "Pareto/NBD conditional expectation (39 weeks)",
            lambda: pn.predict_purchases(39.0, x, tx, T),
            lambda: lpn.conditional_expected_number_of_purchases_up_to_time(39.0, x, tx, T),
        ),
        (
            "Pareto/NBD P(alive)",
            lambda: pn.probability_alive(x, tx, T),
            lambda: lpn.conditional_probability_alive(x, tx, T),
        ),
    ]
    return [
        *(
            # milliseconds on a shared 2-core machine: 21 calls make the median stable
            Case(name, _label(n), ours, rival=_quiet(rival), rival_name="lifetimes", repeats=21)
            for name, ours, rival in predictions
        ),
        Case(
            "CLV, BG/NBD + Gamma-Gamma, 12 months",
            _label(n),
            lambda: customer_lifetime_value(bg, gg, xs, txs, Ts, ms, horizon=12, freq="W"),
            rival=_quiet(
                lambda: lgg.customer_lifetime_value(lbg, xs, txs, Ts, ms, time=12, freq="W")
            ),
            rival_name="lifetimes",
            repeats=3,
        ),
        *(
            Case(
                f"{name} (1 thread)",
                _label(n),
                _one_thread(ours),
                rival=_quiet(rival),
                rival_name="lifetimes",
                repeats=21,
            )
            for name, ours, rival in predictions
        ),
    ]


def _kernel_cases(n: int) -> list[Case]:
    lt = _lifetimes()
    d = summary(n, "bgnbd")
    x = d["x"].astype(np.int64)
    tx, T = d["tx"], d["T"]
    w = np.ones(x.size)
    bg = np.array(list(BG.values()))
    pn = np.array(list(PNBD.values()))
    scale = 1.0 / T.max()
    log_bg = np.log(bg * np.array([1.0, scale, 1.0, 1.0]))
    pn_scaled = pn * np.array([1.0, scale, 1.0, scale])
    from autograd import value_and_grad

    bg_objective = value_and_grad(lt.BetaGeoFitter._negative_log_likelihood)
    small = slice(0, 200)

    def mp_reference() -> None:
        from tests.reference import clv as ref

        ref.bg_loglik(bg, x[small], tx[small], T[small], w[small], 0)

    return [
        Case(
            "BG/NBD log-likelihood + gradient (kernel, no compression)",
            _label(n),
            lambda: _bgnbd_kernels.bg_loglik(bg, x, tx, T, w, 0, 1),
            rival=_quiet(lambda: bg_objective(log_bg, x, tx * scale, T * scale, w, 0.0)),
            rival_name="lifetimes objective (autograd)",
        ),
        Case(
            "Pareto/NBD log-likelihood (kernel, no compression)",
            _label(n),
            lambda: _pnbd_kernels.pnbd_loglik(pn, x, tx, T, w, 0),
            rival=_quiet(
                lambda: lt.ParetoNBDFitter._negative_log_likelihood(
                    pn_scaled, x, tx * scale, T * scale, w, 0.0
                )
            ),
            rival_name="lifetimes objective",
        ),
        Case(
            "BG/NBD log-likelihood, 200 rows (kernel)",
            "200 rows",
            lambda: _bgnbd_kernels.bg_loglik(bg, x[small], tx[small], T[small], w[small], 0, 0),
            rival=mp_reference,
            rival_name="naive mpmath reference",
            repeats=3,
        ),
    ]


def _bgbb_case() -> Case:
    lt = _lifetimes()
    d = load_donations()
    args = (d["frequency"], d["recency"], d["n_periods"])
    return Case(
        "BG/BB fit (donations, 22 patterns)",
        "11,104 donors",
        lambda: BGBB().fit(*args, weights=d["count"]),
        rival=_quiet(lambda: lt.BetaGeoBetaBinomFitter().fit(*args, d["count"])),
        rival_name="lifetimes BetaGeoBetaBinomFitter",
    )


def cases(quick: bool) -> list[Case]:
    n = 100_000 if quick else 1_000_000
    pareto_n = 20_000 if quick else 1_000_000
    return [
        *_fit_cases(n, pareto_n, pareto_rival_repeats=1),
        _bgbb_case(),
        *_prediction_cases(n),
        *_kernel_cases(n),
    ]
