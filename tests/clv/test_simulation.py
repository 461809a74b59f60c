"""Simulation checks with precisemkt.datasets.make_transactions (exact truth per customer).

* Recovery: 1M simulated customers (104 weeks), fitted on the truth frame's exact
  (frequency, recency, T): every parameter within 3% of the truth (and within 4 standard
  errors, so the tolerance is not hiding a bias).
* Standard errors: over 40 independent data sets of 4,000 customers, the spread of the
  estimates matches the mean standard error (ratio in [0.75, 1.33], about 3 sampling
  standard deviations of the ratio), and the 95% intervals cover the truth in >= 85% of
  the runs (binomial 3-sigma lower bound for 40 runs at 95%).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from precisemkt.datasets import make_transactions

BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
SPEND = (6.25, 3.74, 15.44)
CASES = [("bgnbd", BGNBD, BG), ("mbgnbd", MBGNBD, BG), ("paretonbd", ParetoNBD, PNBD)]

pytestmark = pytest.mark.slow


def _truth(model: str, params: dict[str, float], n: int, seed: int, **kw: object) -> pd.DataFrame:
    _, customers, _ = make_transactions(
        n, model=model, params=params, freq="W", periods=104.0, random_state=seed, **kw
    )
    return customers


def _assert_recovered(fitted: pd.Series, ses: pd.Series, truth: dict[str, float]) -> None:
    true = pd.Series(truth)
    np.testing.assert_array_less(np.abs(fitted / true - 1).to_numpy(), 0.03)
    np.testing.assert_array_less(np.abs(fitted - true).to_numpy(), 4 * ses.to_numpy())


@pytest.mark.parametrize(("name", "cls", "params"), CASES)
def test_recovery_one_million(name: str, cls: type, params: dict[str, float]) -> None:
    customers = _truth(name, params, 1_000_000, seed=11)
    model = cls().fit(customers["frequency"], customers["recency"], customers["T"])
    assert model.n_customers_ == 1_000_000
    _assert_recovered(model.params_, model.standard_errors_, params)


def test_gammagamma_recovery() -> None:
    customers = _truth("bgnbd", BG, 1_000_000, seed=12, spend=SPEND)
    repeat = customers[customers["frequency"] > 0]
    model = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    _assert_recovered(
        model.params_, model.standard_errors_, dict(zip(("p", "q", "gamma"), SPEND, strict=True))
    )


def _simulate_bgbb(params: dict[str, float], n: int, periods: int, seed: int) -> pd.DataFrame:
    """BG/BB by its definition: per opportunity, die with prob. theta, else buy with prob. p."""
    rng = np.random.default_rng(seed)
    p = rng.beta(params["alpha"], params["beta"], n)
    theta = rng.beta(params["gamma"], params["delta"], n)
    alive = np.ones(n, dtype=bool)
    frequency = np.zeros(n, dtype=np.int64)
    recency = np.zeros(n, dtype=np.int64)
    for period in range(1, periods + 1):
        alive &= rng.random(n) >= theta
        buy = alive & (rng.random(n) < p)
        frequency += buy
        recency[buy] = period
    frame = pd.DataFrame({"frequency": frequency, "recency": recency, "n_periods": periods})
    return frame.value_counts().rename("count").reset_index()


def test_bgbb_recovery() -> None:
    truth = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    d = _simulate_bgbb(truth, 1_000_000, 6, seed=13)
    model = BGBB().fit(d["frequency"], d["recency"], d["n_periods"], weights=d["count"])
    _assert_recovered(model.params_, model.standard_errors_, truth)


@pytest.mark.parametrize(("name", "cls", "params"), [CASES[0], CASES[2]])
def test_standard_errors_match_spread(name: str, cls: type, params: dict[str, float]) -> None:
    estimates, errors, covered = [], [], []
    for seed in range(40):
        customers = _truth(name, params, 4_000, seed=100 + seed)
        model = cls().fit(customers["frequency"], customers["recency"], customers["T"])
        estimates.append(model.params_.to_numpy())
        errors.append(model.standard_errors_.to_numpy())
        ci = model.summary(0.95)
        true = pd.Series(params)
        covered.append(((ci["ci_low"] <= true) & (true <= ci["ci_high"])).to_numpy())
    spread = np.std(np.array(estimates), axis=0, ddof=1)
    ratio = spread / np.mean(np.array(errors), axis=0)
    assert np.all((ratio > 0.75) & (ratio < 1.33)), ratio
    assert np.all(np.mean(np.array(covered), axis=0) >= 0.85)
