"""The ``penalizer`` of every CLV model, against lifetimes' ``penalizer_coef`` (0.11.3).

lifetimes minimises ``-sum(w ll) / sum(w) + c sum(params**2)`` with time rescaled so that
the longest observation is 1 (BG/NBD, MBG/NBD; BG/BB and Gamma-Gamma have no time), and
``-sum(w ll) / mean(w) + c sum(params**2)`` for the Pareto/NBD: with unit weights that is
``n`` times our mean objective, so its ``c`` is ours times ``n``. Parameters must agree
within 1e-4 relative (the oracle tests' tolerance).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from precisemkt.errors import ConvergenceError, InvalidParameterError
from tests.clv.test_lifetimes_oracle import PARAMS_RTOL, quiet


def _rfm(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    return frame["frequency"], frame["recency"], frame["T"]


@pytest.mark.parametrize(
    ("cls", "theirs"), [(BGNBD, "BetaGeoFitter"), (MBGNBD, "ModifiedBetaGeoFitter")]
)
def test_beta_geometric_matches_lifetimes(cls: Any, theirs: str, cdnow: pd.DataFrame) -> None:
    ours = cls(penalizer=0.1).fit(*_rfm(cdnow))
    with quiet() as lt:
        fitted = getattr(lt, theirs)(penalizer_coef=0.1).fit(*_rfm(cdnow))
    np.testing.assert_allclose(ours.params_, fitted.params_[ours.params_.index], rtol=PARAMS_RTOL)
    plain = cls().fit(*_rfm(cdnow))
    # the penalty shrinks the dropout shapes hard: it changes the estimate
    assert ours.params_["a"] < 0.5 * plain.params_["a"]
    assert ours.log_likelihood_ < plain.log_likelihood_


def test_paretonbd_matches_lifetimes(cdnow: pd.DataFrame) -> None:
    ours = ParetoNBD(penalizer=0.1).fit(*_rfm(cdnow))
    scale = 1.0 / cdnow["T"].max()
    start = ours.params_.to_numpy() * np.array([1.0, scale, 1.0, scale]) * 1.05
    with quiet() as lt:
        fitted = lt.ParetoNBDFitter(penalizer_coef=0.1 * len(cdnow)).fit(
            *_rfm(cdnow), tol=1e-12, maxiter=20_000, initial_params=start
        )
    np.testing.assert_allclose(ours.params_, fitted.params_[ours.params_.index], rtol=PARAMS_RTOL)


def test_bgbb_matches_lifetimes(donations: pd.DataFrame) -> None:
    cols = donations["frequency"], donations["recency"], donations["n_periods"]
    ours = BGBB(penalizer=0.1).fit(*cols, weights=donations["count"])
    with quiet() as lt:
        fitted = lt.BetaGeoBetaBinomFitter(penalizer_coef=0.1).fit(
            *cols, weights=donations["count"]
        )
    np.testing.assert_allclose(ours.params_, fitted.params_, rtol=PARAMS_RTOL)


def test_gammagamma_matches_lifetimes(cdnow: pd.DataFrame) -> None:
    repeat = cdnow[cdnow["frequency"] > 0]
    ours = GammaGamma(penalizer=0.01).fit(repeat["frequency"], repeat["monetary_value"])
    with quiet() as lt:
        fitted = lt.GammaGammaFitter(penalizer_coef=0.01).fit(
            repeat["frequency"], repeat["monetary_value"]
        )
    np.testing.assert_allclose(ours.params_, fitted.params_, rtol=PARAMS_RTOL)


def test_time_unit_does_not_change_the_penalised_estimate(cdnow: pd.DataFrame) -> None:
    weeks = BGNBD(penalizer=0.1).fit(*_rfm(cdnow))
    days = BGNBD(penalizer=0.1).fit(cdnow["frequency"], cdnow["recency"] * 7, cdnow["T"] * 7)
    np.testing.assert_allclose(days.params_["alpha"], 7 * weeks.params_["alpha"], rtol=1e-6)
    np.testing.assert_allclose(days.params_["a"], weeks.params_["a"], rtol=1e-6)


def test_penalizer_is_stored_and_checked() -> None:
    model = BGNBD(penalizer=0.5)
    assert model.penalizer == 0.5
    with pytest.raises(InvalidParameterError, match="penalizer must be in"):
        BGNBD(penalizer=-1.0).fit([1, 0], [1.0, 0.0], [5.0, 5.0])


def test_penalizer_rescues_a_fit_whose_parameter_runs_to_infinity(cdnow: pd.DataFrame) -> None:
    """30 random CDNOW customers (issue 12): beta runs to infinity. The error says to use
    the penalizer, states the drift once, and the penalised fit has an estimate."""
    rng = np.random.default_rng(3)
    sub = cdnow.iloc[rng.choice(len(cdnow), 30, replace=False)]
    with pytest.raises(ConvergenceError) as info:
        ParetoNBD().fit(*_rfm(sub))
    message = str(info.value)
    assert "as beta run(s) to 0 or infinity" in message
    assert "penalizer=0.01" in message
    assert message.count("keeps rising") == 1
    model = ParetoNBD(penalizer=0.01).fit(*_rfm(sub))
    assert np.all(np.isfinite(model.standard_errors_))
    assert 1.0 < model.params_["beta"] < 100.0


def test_error_does_not_suggest_the_penalizer_for_a_parameter_running_to_zero() -> None:
    # five customers: the likelihood rises forever as a and b shrink (test_api); an L2
    # penalty on the parameters pulls the same way, so the message says so
    with pytest.raises(ConvergenceError) as info:
        BGNBD().fit([2, 1, 0, 0, 5], [30.4, 1.7, 0, 0, 20], [38.9, 38.9, 38.9, 30, 25])
    message = str(info.value)
    assert "cannot stop this" in message
    assert message.count("keeps rising") == 1


def test_gammagamma_error_talks_about_spend() -> None:
    # identical spends: the likelihood has no interior maximum
    with pytest.raises(ConvergenceError) as info:
        GammaGamma().fit([1, 2, 3, 4], [10.0, 10.0, 10.0, 10.0])
    message = str(info.value)
    assert "spend" in message
    assert "dropout" not in message
    assert " T " not in message
