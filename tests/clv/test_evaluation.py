"""Holdout evaluation, calibration histogram, tracking, CLV arithmetic and the plots."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import (
    BGBB,
    BGNBD,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
    holdout_evaluation,
    repeat_purchase_histogram,
    tracking_transactions,
)
from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.plotting import (
    plot_calibration_vs_holdout,
    plot_cumulative_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
)

matplotlib.use("Agg")
import matplotlib.pyplot as plt


@pytest.fixture(autouse=True)
def _close_figures() -> None:
    yield
    plt.close("all")


def test_holdout_evaluation(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    ev = holdout_evaluation(bgnbd, cdnow)
    predicted = bgnbd.predict_purchases(39.0, cdnow["frequency"], cdnow["recency"], cdnow["T"])
    np.testing.assert_array_equal(ev.customers["predicted"], predicted)
    actual = cdnow["frequency_holdout"].to_numpy(float)
    assert ev.actual_total == actual.sum()
    assert ev.mae == pytest.approx(np.mean(np.abs(predicted - actual)))
    assert ev.rmse == pytest.approx(np.sqrt(np.mean((predicted - actual) ** 2)))
    assert ev.correlation == pytest.approx(np.corrcoef(predicted, actual)[0, 1])
    table = ev.by_frequency
    assert list(table.index) == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["n_customers"].sum() == 2357
    heavy = cdnow["frequency"] >= 7
    assert table.loc["7+", "actual"] == pytest.approx(actual[heavy.to_numpy()].mean())
    assert ev.to_frame().index.equals(cdnow.index)
    # the model predicts the aggregate holdout purchases to within 15% on CDNOW
    assert abs(ev.predicted_total / ev.actual_total - 1) < 0.15


def test_holdout_evaluation_bgbb(bgbb: BGBB) -> None:
    frame = pd.DataFrame(
        {
            "frequency": [0, 2, 6],
            "recency": [0, 4, 6],
            "n_periods": [6, 6, 6],
            "frequency_holdout": [0, 1, 4],
            "duration_holdout": [5, 5, 5],
        }
    )
    ev = holdout_evaluation(bgbb, frame, max_frequency=3)
    np.testing.assert_allclose(
        ev.customers["predicted"], bgbb.predict_purchases(5, [0, 2, 6], [0, 4, 6], [6, 6, 6])
    )


def test_holdout_validation(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    with pytest.raises(ValidationError, match=r"'frequency_holdout'.*must be present"):
        holdout_evaluation(bgnbd, cdnow.drop(columns="frequency_holdout"))
    with pytest.raises(InvalidParameterError, match="model must be a fitted"):
        holdout_evaluation("bgnbd", cdnow)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="summary_with_holdout must be a pandas"):
        holdout_evaluation(bgnbd, cdnow.to_numpy())  # type: ignore[arg-type]


def test_repeat_purchase_histogram(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    table = repeat_purchase_histogram(bgnbd, cdnow["frequency"], cdnow["T"])
    assert table["actual"].sum() == table["expected"].sum() == pytest.approx(2357)
    assert table.loc["0", "actual"] == (cdnow["frequency"] == 0).sum()
    direct = sum(float(bgnbd.probability_of_purchases(1, t)) for t in cdnow["T"])
    assert table.loc["1", "expected"] == pytest.approx(direct, rel=1e-10)


def test_tracking_validation(bgnbd: BGNBD, bgbb: BGBB) -> None:
    tx = load_cdnow()
    with pytest.raises(InvalidParameterError, match="model must be a fitted BGNBD"):
        tracking_transactions(bgbb, tx)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="freq must be one of"):
        tracking_transactions(bgnbd, tx, freq="M")
    with pytest.raises(ValidationError, match=r"'when'.*must be present"):
        tracking_transactions(bgnbd, tx, time_col="when")
    track = tracking_transactions(bgnbd, tx, freq="W", observation_end="1998-06-30")
    assert track["actual"].is_monotonic_increasing
    assert track["expected"].is_monotonic_increasing


def test_clv_finite_horizon_by_hand(bgnbd: BGNBD, gammagamma: GammaGamma) -> None:
    """Two monthly periods of 4.345 weeks, 1% a month: the definition written out."""
    x, tx, T, m = 2, 30.43, 38.86, 22.5
    spend = gammagamma.expected_spend(x, m)
    ce1 = bgnbd.predict_purchases(4.345, x, tx, T)
    ce2 = bgnbd.predict_purchases(8.69, x, tx, T)
    by_hand = spend * (ce1 / 1.01 + (ce2 - ce1) / 1.01**2)
    ours = customer_lifetime_value(
        bgnbd, gammagamma, x, tx, T, m, horizon=2, discount_rate=0.01, freq="W"
    )
    assert ours == pytest.approx(by_hand, rel=1e-13)
    # a numeric freq is the number of data time units in one discount period
    same = customer_lifetime_value(
        bgnbd, gammagamma, x, tx, T, m, horizon=2, discount_rate=0.01, freq=4.345
    )
    assert same == ours
    # without a spend model the monetary value is used as is
    raw = customer_lifetime_value(bgnbd, None, x, tx, T, m, horizon=2, discount_rate=0.01, freq="W")
    assert raw == pytest.approx(m * (ce1 / 1.01 + (ce2 - ce1) / 1.01**2), rel=1e-13)


def test_clv_infinite_horizon_is_dert(paretonbd: ParetoNBD, gammagamma: GammaGamma) -> None:
    x, tx, T, m = 2, 30.43, 38.86, 22.5
    weekly = math.log1p(0.01) / 4.345
    dert = paretonbd.expected_residual_transactions(x, tx, T, discount_rate=weekly)
    ours = customer_lifetime_value(
        paretonbd, gammagamma, x, tx, T, m, horizon=math.inf, discount_rate=0.01, freq="W"
    )
    assert ours == pytest.approx(gammagamma.expected_spend(x, m) * dert, rel=1e-14)
    # a long monthly sum approaches the continuous-time value from below (purchases within
    # a month are discounted as if made at its end)
    long = customer_lifetime_value(
        paretonbd, gammagamma, x, tx, T, m, horizon=3000, discount_rate=0.01, freq="W"
    )
    assert long < ours
    assert long == pytest.approx(ours, rel=0.01)


def test_clv_validation(bgnbd: BGNBD, gammagamma: GammaGamma, bgbb: BGBB) -> None:
    args = (2, 30.43, 38.86, 22.5)
    with pytest.raises(InvalidParameterError, match="horizon must be finite for this"):
        customer_lifetime_value(bgnbd, gammagamma, *args, horizon=math.inf)
    with pytest.raises(InvalidParameterError, match="horizon must be a whole number"):
        customer_lifetime_value(bgnbd, gammagamma, *args, horizon=2.5)
    with pytest.raises(InvalidParameterError, match="discount_rate must be in"):
        customer_lifetime_value(bgnbd, gammagamma, *args, discount_rate=-0.1)
    with pytest.raises(InvalidParameterError, match="freq must be one of"):
        customer_lifetime_value(bgnbd, gammagamma, *args, freq="Y")
    with pytest.raises(InvalidParameterError, match="transaction_model must be a fitted"):
        customer_lifetime_value(gammagamma, gammagamma, *args)  # type: ignore[arg-type]
    # BG/BB is a transaction model too (issue 14): its inputs are checked as opportunities
    with pytest.raises(ValidationError, match="recency must be >= 0 \\(and whole"):
        customer_lifetime_value(bgbb, gammagamma, *args)
    with pytest.raises(InvalidParameterError, match="spend_model must be a fitted GammaGamma"):
        customer_lifetime_value(bgnbd, bgnbd, *args)  # type: ignore[arg-type]


def test_plots(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    ax = plot_calibration_vs_holdout(holdout_evaluation(bgnbd, cdnow))
    assert len(ax.lines) == 2
    ax = plot_period_transactions(bgnbd, cdnow["frequency"], cdnow["T"])
    assert len(ax.patches) == 16
    track = tracking_transactions(
        bgnbd, load_cdnow(), freq="D", freq_multiplier=7, observation_end="1998-06-30"
    )
    ax = plot_cumulative_transactions(track, calibration_end=39.0)
    assert len(ax.lines) == 3
    ax = plot_cumulative_transactions(track, incremental=True)
    assert ax.lines[0].get_ydata()[1] == track["actual"].iloc[1] - track["actual"].iloc[0]
    ax = plot_probability_alive_matrix(bgnbd, max_frequency=20)
    assert ax.images[0].get_array().shape == (39, 21)
    _, given = plt.subplots()
    assert plot_probability_alive_matrix(bgnbd, ax=given) is given


def test_plot_validation(bgnbd: BGNBD, bgbb: BGBB) -> None:
    with pytest.raises(InvalidParameterError, match="evaluation must be a HoldoutEvaluation"):
        plot_calibration_vs_holdout(bgnbd)
    with pytest.raises(InvalidParameterError, match="tracking must be a DataFrame"):
        plot_cumulative_transactions(pd.DataFrame({"a": [1]}))
    with pytest.raises(InvalidParameterError, match="model must be a BGNBD"):
        plot_probability_alive_matrix(bgbb)
    with pytest.raises(InvalidParameterError, match="T must be given"):
        plot_probability_alive_matrix(BGNBD.from_params(dict(bgnbd.params_)))


def test_probability_alive_matrix_defaults_to_the_data_range() -> None:
    # issue 12: the default grid ran to the largest frequency (80 on the full CDNOW log),
    # mostly one colour; it now stops at the 99th percentile of the fitted customers
    from precisemkt.profiling import rfm_summary

    s = rfm_summary(load_cdnow(), freq="W")
    bg = BGNBD().fit(s)
    matrix = bg.probability_alive_matrix()
    expected = int(np.quantile(s["frequency"], 0.99, method="inverted_cdf"))
    assert matrix.columns.max() == max(1, expected) < s["frequency"].max()
    ax = plot_probability_alive_matrix(bg)
    assert ax.get_ylabel() == "recency (week)"
