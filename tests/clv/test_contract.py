"""The data contract in the CLV domain (issue 13): inputs paired by customer id, the
``rfm_summary`` frame accepted wherever its columns are, time units that stay with the
model, one vocabulary, scikit-learn's estimator protocol; and the holdout metrics (#12)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from precisemkt._units import TimeUnit
from precisemkt.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
    holdout_evaluation,
    repeat_purchase_histogram,
    tracking_transactions,
)
from precisemkt.datasets import load_cdnow
from precisemkt.errors import (
    ConvergenceError,
    InvalidParameterError,
    NotFittedError,
    ValidationError,
)
from precisemkt.profiling import rfm_summary

WEEK = TimeUnit("D", 7)


def _weekly(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with the unit ``rfm_summary(..., freq="D", freq_multiplier=7)`` records
    (set here too, so the test does not depend on which branch taught rfm_summary)."""
    out = frame.copy()
    out.attrs = {"time_unit": WEEK.to_attrs()}
    return out


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.attrs = {}
    return out


@pytest.fixture(scope="module")
def weekly(cdnow: pd.DataFrame) -> pd.DataFrame:
    return _weekly(cdnow)


@pytest.fixture(scope="module")
def bg_weekly(weekly: pd.DataFrame) -> BGNBD:
    return BGNBD().fit(weekly)


@pytest.fixture(scope="module")
def gg_weekly(weekly: pd.DataFrame) -> GammaGamma:
    return GammaGamma().fit(weekly)


# ---------------------------------------------------------------- alignment by id
def test_clv_with_shuffled_monetary_value_is_aligned(
    bgnbd: BGNBD, gammagamma: GammaGamma, cdnow: pd.DataFrame
) -> None:
    s = _plain(cdnow)
    f, r, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    shuffled = m.sample(frac=1.0, random_state=7)
    kw: dict[str, Any] = {"horizon": 12, "freq": "W"}
    aligned = customer_lifetime_value(bgnbd, gammagamma, f, r, T, m, **kw)
    got = customer_lifetime_value(bgnbd, gammagamma, f, r, T, shuffled, **kw)
    pd.testing.assert_series_equal(got, aligned)
    assert got.index.equals(s.index)
    # pairing by position would have given another total (the bug of issue 13)
    arrays = (c.to_numpy() for c in (f, r, T, shuffled))
    by_position = customer_lifetime_value(bgnbd, gammagamma, *arrays, **kw)
    assert abs(float(np.sum(by_position)) / float(aligned.sum()) - 1) > 0.05
    # shuffled ids come back in the order of the first indexed input
    first_shuffled = customer_lifetime_value(
        bgnbd, gammagamma, f.sample(frac=1.0, random_state=1), r, T, m, **kw
    )
    pd.testing.assert_series_equal(first_shuffled, aligned.loc[first_shuffled.index])


def test_gammagamma_fit_with_shuffled_monetary_value(cdnow: pd.DataFrame) -> None:
    repeat = _plain(cdnow[cdnow["frequency"] > 0])
    aligned = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    shuffled = repeat["monetary_value"].sample(frac=1.0, random_state=5)
    got = GammaGamma().fit(repeat["frequency"], shuffled)
    np.testing.assert_array_equal(got.params_, aligned.params_)
    assert aligned.params_["p"] == pytest.approx(6.25, abs=0.01)  # FHL 2005 (JMR) p = 6.25
    # arrays are paired by position: the shuffled spends describe other customers, and
    # their likelihood keeps rising as p runs to infinity (no interior maximum; an earlier
    # kernel stopped at p ~ 2e6 (> 1 from the aligned p), where rounding noise in its
    # gradient hid the rise)
    with pytest.raises(ConvergenceError, match=r"p run\(s\) to 0 or infinity"):
        GammaGamma().fit(repeat["frequency"].to_numpy(), shuffled.to_numpy())


def test_mismatched_ids_raise(bgnbd: BGNBD, gammagamma: GammaGamma, cdnow: pd.DataFrame) -> None:
    s = _plain(cdnow)
    f, r, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    other = m.iloc[:-3]
    with pytest.raises(ValidationError, match=r"3 id\(s\) of frequency missing from"):
        customer_lifetime_value(bgnbd, gammagamma, f, r, T, other, freq="W")
    with pytest.raises(ValidationError, match="be indexed by the same customer ids"):
        GammaGamma().fit(f[f > 0], m[f > 0].iloc[1:])
    with pytest.raises(ValidationError, match="be indexed by the same customer ids"):
        bgnbd.probability_alive(f, r.iloc[:-1], T)
    with pytest.raises(ValidationError, match="be indexed by the same customer ids"):
        BGNBD().fit(f, r.iloc[1:], T)
    with pytest.raises(ValidationError, match="be indexed by the same customer ids"):
        repeat_purchase_histogram(bgnbd, f, T.iloc[1:])
    # an array beside a Series indexed by customer id cannot be paired
    with pytest.raises(ValidationError, match="arrays and lists carry no ids"):
        bgnbd.predict_purchases(39.0, f, r.to_numpy(), T)


def test_default_index_series_and_arrays_stay_positional(bgnbd: BGNBD) -> None:
    f = pd.Series([2, 0, 1])
    got = bgnbd.probability_alive(f, np.array([30.4, 0.0, 1.7]), [38.9, 38.9, 38.9])
    assert isinstance(got, pd.Series)
    assert list(got.index) == [0, 1, 2]
    np.testing.assert_array_equal(
        got.to_numpy(), bgnbd.probability_alive([2, 0, 1], [30.4, 0.0, 1.7], [38.9] * 3)
    )


def test_histogram_aligns_its_two_inputs(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    s = _plain(cdnow)
    base = repeat_purchase_histogram(bgnbd, s["frequency"], s["T"])
    shuffled = repeat_purchase_histogram(bgnbd, s["frequency"], s["T"].sample(frac=1.0))
    pd.testing.assert_frame_equal(shuffled, base)
    pd.testing.assert_frame_equal(repeat_purchase_histogram(bgnbd, s), base)


# ---------------------------------------------------------------- the summary frame
@pytest.mark.parametrize("cls", [BGNBD, MBGNBD, ParetoNBD])
def test_fit_on_the_summary_frame_equals_fit_on_columns(cls: type, cdnow: pd.DataFrame) -> None:
    s = _plain(cdnow)
    by_columns = cls().fit(s["frequency"], s["recency"], s["T"])
    by_frame = cls().fit(s)
    pd.testing.assert_series_equal(by_frame.params_, by_columns.params_)
    assert by_frame.log_likelihood_ == by_columns.log_likelihood_


def test_predictions_take_the_summary_frame(bgnbd: BGNBD, paretonbd: ParetoNBD) -> None:
    s = _plain(rfm_summary(load_cdnow(), freq="D", freq_multiplier=7, observation_end="1997-09-30"))
    f, r, T = s["frequency"], s["recency"], s["T"]
    pd.testing.assert_series_equal(bgnbd.probability_alive(s), bgnbd.probability_alive(f, r, T))
    pd.testing.assert_series_equal(
        bgnbd.predict_purchases(39, s), bgnbd.predict_purchases(39, f, r, T)
    )
    pd.testing.assert_series_equal(
        bgnbd.conditional_probability_of_purchases(1, 10.0, s),
        bgnbd.conditional_probability_of_purchases(1, 10.0, f, r, T),
    )
    pd.testing.assert_series_equal(
        paretonbd.expected_residual_transactions(s, discount_rate=0.01),
        paretonbd.expected_residual_transactions(f, r, T, discount_rate=0.01),
    )
    renamed = s.rename(columns={"frequency": "x", "recency": "t_x", "T": "age"})
    pd.testing.assert_series_equal(
        bgnbd.probability_alive(renamed, frequency_col="x", recency_col="t_x", T_col="age"),
        bgnbd.probability_alive(s),
    )
    with pytest.raises(ValidationError, match=r"summary column\(s\) 'T' must be present"):
        bgnbd.probability_alive(renamed, frequency_col="x", recency_col="t_x")
    with pytest.raises(InvalidParameterError, match="recency must be left out when frequency"):
        bgnbd.probability_alive(s, r)
    with pytest.raises(InvalidParameterError, match="recency, T must be given unless"):
        bgnbd.probability_alive(f)


def test_return_types_follow_the_input(bgnbd: BGNBD, cdnow: pd.DataFrame) -> None:
    s = _plain(cdnow)
    assert isinstance(bgnbd.probability_alive(s), pd.Series)
    assert isinstance(bgnbd.probability_alive(s["frequency"], s["recency"], s["T"]), pd.Series)
    assert isinstance(bgnbd.probability_alive(2, 30.4, 38.9), float)
    assert isinstance(bgnbd.probability_alive(np.array([2]), [30.4], [38.9]), np.ndarray)


def test_clv_takes_the_summary_frame(
    bgnbd: BGNBD, gammagamma: GammaGamma, cdnow: pd.DataFrame
) -> None:
    s = _plain(cdnow)
    by_columns = customer_lifetime_value(
        bgnbd, gammagamma, s["frequency"], s["recency"], s["T"], s["monetary_value"], freq="W"
    )
    pd.testing.assert_series_equal(
        customer_lifetime_value(bgnbd, gammagamma, s, horizon=12, freq="W"), by_columns
    )


def test_gammagamma_on_the_summary_frame_selects_repeat_buyers(cdnow: pd.DataFrame) -> None:
    s = _plain(cdnow)
    repeat = s[s["frequency"] > 0]
    by_columns = GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
    by_frame = GammaGamma().fit(s)
    pd.testing.assert_series_equal(by_frame.params_, by_columns.params_)
    assert by_frame.n_excluded_ == {
        "no repeat purchases": int((s["frequency"] == 0).sum()),
        "monetary_value <= 0": 0,
    }
    assert by_columns.n_excluded_ == {}
    # a $0 repeat buyer (issue 12): left out with a note, not an error, not a warning
    dirty = s.copy()
    dirty.loc[repeat.index[0], "monetary_value"] = 0.0
    model = GammaGamma().fit(dirty)
    assert model.n_excluded_["monetary_value <= 0"] == 1
    assert model.n_customers_ == len(repeat) - 1
    assert "1 monetary_value <= 0" in repr(model)
    assert model.summary().attrs["n_excluded"] == model.n_excluded_
    # the columns form keeps checking every row
    with pytest.raises(ValidationError, match="monetary_value must be > 0"):
        GammaGamma().fit(
            dirty.loc[repeat.index, "frequency"], dirty.loc[repeat.index, "monetary_value"]
        )
    pd.testing.assert_series_equal(
        by_frame.expected_spend(s), by_frame.expected_spend(s["frequency"], s["monetary_value"])
    )


def test_bgbb_takes_its_frame(bgbb: BGBB, donations: pd.DataFrame) -> None:
    d = donations
    model = BGBB().fit(d, weights="count")
    pd.testing.assert_series_equal(model.params_, bgbb.params_)
    pd.testing.assert_series_equal(
        bgbb.probability_alive(d),
        bgbb.probability_alive(d["frequency"], d["recency"], d["n_periods"]),
    )
    pd.testing.assert_series_equal(
        bgbb.predict_purchases(5, d),
        bgbb.predict_purchases(5, d["frequency"], d["recency"], d["n_periods"]),
    )


# ---------------------------------------------------------------- time units
def test_models_keep_the_recorded_unit(
    bg_weekly: BGNBD, gg_weekly: GammaGamma, bgnbd: BGNBD, cdnow: pd.DataFrame
) -> None:
    assert bg_weekly.time_unit_ == WEEK
    assert gg_weekly.time_unit_ == WEEK
    assert BGNBD().fit(_plain(cdnow)).time_unit_ is None
    assert "(7 days)" in repr(bg_weekly)


def test_clv_uses_the_recorded_unit(
    bg_weekly: BGNBD, gg_weekly: GammaGamma, weekly: pd.DataFrame
) -> None:
    implicit = customer_lifetime_value(bg_weekly, gg_weekly, weekly, horizon=12)
    explicit = customer_lifetime_value(bg_weekly, gg_weekly, weekly, horizon=12, freq="W")
    pd.testing.assert_series_equal(implicit, explicit)
    # same length as the recorded unit: accepted
    same = customer_lifetime_value(bg_weekly, gg_weekly, weekly, horizon=12, freq="W")
    pd.testing.assert_series_equal(same, explicit)
    with pytest.raises(ValidationError, match=r"freq must agree with the data's time unit"):
        customer_lifetime_value(bg_weekly, gg_weekly, weekly, horizon=12, freq="D")
    # the silent default of old: days on weekly data, a CLV several times too high
    plain = _plain(weekly)
    model = BGNBD().fit(plain)
    old_default = customer_lifetime_value(model, gg_weekly, plain, horizon=12)
    ratio = float(old_default.sum() / explicit.sum())
    assert ratio > 3  # the 3.8x of issue 13 (30 / 4.345 time units per month, discounted)
    pd.testing.assert_series_equal(
        old_default, customer_lifetime_value(model, gg_weekly, plain, horizon=12, freq="D")
    )


def test_freq_vocabulary(bgnbd: BGNBD, gammagamma: GammaGamma) -> None:
    # a model without a recorded unit (fitted ones remember the summary's weeks)
    bgnbd = BGNBD.from_params(bgnbd.params_.to_dict())
    args = (2, 30.43, 38.86, 22.5)
    with pytest.raises(InvalidParameterError, match=r"Did you mean 'h'\?"):
        customer_lifetime_value(bgnbd, gammagamma, *args, freq="H")
    hourly = customer_lifetime_value(bgnbd, gammagamma, *args, freq="h")
    by_number = customer_lifetime_value(bgnbd, gammagamma, *args, freq=720.0)
    assert hourly == by_number
    with pytest.raises(InvalidParameterError, match=r"pass freq=1\.0"):
        customer_lifetime_value(bgnbd, gammagamma, *args, freq="M")


def test_predictions_refuse_data_in_another_unit(bg_weekly: BGNBD, weekly: pd.DataFrame) -> None:
    daily = weekly.copy()
    daily.attrs = {"time_unit": TimeUnit("D").to_attrs()}
    with pytest.raises(ValidationError, match=r"match the unit BGNBD was fitted in \(7 days\)"):
        bg_weekly.probability_alive(daily)


def test_tracking_uses_the_model_unit(bg_weekly: BGNBD) -> None:
    tx = load_cdnow()
    implicit = tracking_transactions(bg_weekly, tx, observation_end="1998-06-30")
    explicit = tracking_transactions(
        bg_weekly, tx, freq="D", freq_multiplier=7, observation_end="1998-06-30"
    )
    pd.testing.assert_frame_equal(implicit, explicit)
    assert implicit.attrs["time_unit"] == WEEK.to_attrs()
    with pytest.raises(ValidationError, match="freq must agree"):
        tracking_transactions(bg_weekly, tx, freq="D")


# ---------------------------------------------------------------- names and messages
def test_messages_show_ids_as_written() -> None:
    ids = pd.Index([10244, 10245], name="customer_id")
    with pytest.raises(ValidationError, match=r"first: customer 10245, value 0\.0\)") as err:
        GammaGamma().fit(pd.Series([1, 2], index=ids), pd.Series([5.0, 0.0], index=ids))
    assert "np." not in str(err.value)
    with pytest.raises(ValidationError, match=r"customer 10245, frequency=2\.0") as err:
        BGNBD().fit(
            pd.Series([1, 2], index=ids), pd.Series([3.0, 41.0], index=ids), pd.Series(39.0, ids)
        )
    assert "np." not in str(err.value)


# ---------------------------------------------------------------- estimator protocol
@pytest.mark.parametrize("cls", [BGNBD, MBGNBD, ParetoNBD, BGBB, GammaGamma])
def test_estimator_protocol(cls: type) -> None:
    model = cls(max_iter=50)
    params = model.get_params()
    assert params["max_iter"] == 50
    assert {"tol", "max_iter"} <= set(params)
    assert repr(model) == f"{cls.__name__}(max_iter=50)"
    twin = clone(model)
    assert twin is not model
    assert twin.get_params() == params
    assert model.set_params(tol=1e-8) is model
    assert model.tol == 1e-8
    with pytest.raises(InvalidParameterError, match="set_params argument must be one of"):
        model.set_params(penaliser=0.1)
    with pytest.raises(NotFittedError, match=f"{cls.__name__} is not fitted yet"):
        model.summary()


def test_clone_of_a_fitted_model_is_unfitted(bgnbd: BGNBD) -> None:
    twin = clone(bgnbd)
    assert "params_" not in vars(twin)
    assert repr(twin) == "BGNBD()"
    with pytest.raises(NotFittedError, match="call fit"):
        twin.predict_purchases(1.0, 1, 1.0, 2.0)


# ---------------------------------------------------------------- holdout metrics (#12)
def test_holdout_evaluation_repr_metrics_and_revenue(
    bgnbd: BGNBD, gammagamma: GammaGamma, cdnow: pd.DataFrame
) -> None:
    ev = holdout_evaluation(bgnbd, cdnow, spend_model=gammagamma)
    text = repr(ev)
    assert len(text.splitlines()) == 4  # title, header, purchases, revenue
    assert "2,357 customers" in text
    table = ev.metrics()
    assert list(table.index) == ["purchases", "revenue"]
    assert list(table.columns) == [
        "mae", "rmse", "bias", "correlation", "actual_total", "predicted_total",
    ]  # fmt: skip
    assert table.loc["purchases", "mae"] == ev.mae
    assert table.loc["purchases", "bias"] == pytest.approx(
        (ev.predicted_total - ev.actual_total) / len(cdnow)
    )
    c = ev.customers
    spend = gammagamma.expected_spend(cdnow["frequency"], cdnow["monetary_value"])
    np.testing.assert_allclose(c["predicted_revenue"], c["predicted"] * spend.to_numpy())
    np.testing.assert_array_equal(
        c["actual_revenue"], cdnow["frequency_holdout"] * cdnow["monetary_value_holdout"]
    )
    # the model pair predicts the CDNOW holdout revenue in aggregate (measured: see docs)
    rev = table.loc["revenue"]
    assert abs(rev["predicted_total"] / rev["actual_total"] - 1) < 0.25
    assert rev["correlation"] > 0.5
    plain = holdout_evaluation(bgnbd, cdnow)
    assert list(plain.metrics().index) == ["purchases"]
    assert not math.isnan(plain.correlation)


def test_gammagamma_on_full_cdnow_leaves_out_the_zero_value_repeat_buyer() -> None:
    """Issue 12: the full CDNOW log has one repeat buyer whose repeat purchases are worth
    $0; the summary-frame fit leaves that customer out with a note instead of failing."""
    s = rfm_summary(load_cdnow(sample=False), freq="D", freq_multiplier=7)
    repeat = s[s["frequency"] > 0]
    zero = repeat[repeat["monetary_value"] <= 0]
    assert len(zero) == 1
    model = GammaGamma().fit(s)
    assert model.n_excluded_ == {
        "no repeat purchases": int((s["frequency"] == 0).sum()),
        "monetary_value <= 0": 1,
    }
    assert model.n_customers_ == len(repeat) - 1
    with pytest.raises(ValidationError, match=f"customer {zero.index[0]}, value 0.0"):
        GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
