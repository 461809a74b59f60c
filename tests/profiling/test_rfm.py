"""rfm_summary: lifetimes oracle, published CDNOW summary, naive reference, bad input."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import rfm_summary
from tests.reference import profiling as ref

lifetimes_utils = pytest.importorskip("lifetimes.utils")

# Counts and durations must be identical to lifetimes'. Money is compared to 4e-15
# relative: lifetimes' last bit depends on the pandas version (pandas >= 3.1 sums sorted
# groups with numpy's reduceat, older pandas and unsorted groups with Kahan summation), while
# ours is always compensated in (time, amount) order; CDNOW differs by at most ~2 ulp.
MONEY_RTOL = 4e-15
EXACT = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
FREQS = [("D", 1), ("W", 1), ("D", 7), ("h", 24)]


def assert_same_summary(ours: pd.DataFrame, theirs: pd.DataFrame) -> None:
    theirs = theirs.rename(columns=lambda c: c.removesuffix("_cal"))
    assert list(ours.columns) == list(theirs.columns)
    pd.testing.assert_index_equal(ours.index, theirs.index)
    for col in ours.columns:
        if col in EXACT:
            np.testing.assert_array_equal(ours[col].to_numpy(float), theirs[col].to_numpy(float))
        else:
            np.testing.assert_allclose(ours[col], theirs[col], rtol=MONEY_RTOL, atol=0)


def lifetimes_summary(tx: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes_utils.summary_data_from_transaction_data(
            tx, "customer_id", "timestamp", **kwargs
        )


def lifetimes_holdout(tx: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lifetimes_utils.calibration_and_holdout_data(
            tx, "customer_id", "timestamp", "1997-09-30", "1998-06-30", **kwargs
        )


@pytest.fixture(scope="module", params=[True, False], ids=["sample", "full"])
def cdnow(request: pytest.FixtureRequest) -> pd.DataFrame:
    return load_cdnow(sample=request.param)


@pytest.mark.parametrize(("freq", "mult"), FREQS)
def test_summary_equals_lifetimes(cdnow: pd.DataFrame, freq: str, mult: int) -> None:
    ours = rfm_summary(cdnow, freq=freq, freq_multiplier=mult)
    theirs = lifetimes_summary(cdnow, monetary_value_col="amount", freq=freq, freq_multiplier=mult)
    assert_same_summary(ours, theirs)


@pytest.mark.parametrize(("freq", "mult"), FREQS)
def test_holdout_equals_lifetimes(cdnow: pd.DataFrame, freq: str, mult: int) -> None:
    ours = rfm_summary(
        cdnow,
        freq=freq,
        freq_multiplier=mult,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    theirs = lifetimes_holdout(cdnow, monetary_value_col="amount", freq=freq, freq_multiplier=mult)
    assert_same_summary(ours, theirs)


def test_without_amounts_equals_lifetimes(cdnow: pd.DataFrame) -> None:
    ours = rfm_summary(cdnow, amount_col=None, observation_end="1998-03-31")
    assert list(ours.columns) == ["frequency", "recency", "T"]
    assert_same_summary(ours, lifetimes_summary(cdnow, observation_period_end="1998-03-31"))
    ours = rfm_summary(
        cdnow, amount_col=None, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    assert list(ours.columns) == [
        "frequency",
        "recency",
        "T",
        "frequency_holdout",
        "duration_holdout",
    ]
    # lifetimes' calibration_and_holdout_data fails without a monetary column on pandas 3
    # ("No objects to concatenate"), so compare with its monetary run minus those columns.
    theirs = lifetimes_holdout(cdnow, monetary_value_col="amount")
    assert_same_summary(ours, theirs.drop(columns=["monetary_value_cal", "monetary_value_holdout"]))


def test_published_cdnow_summary() -> None:
    # lifetimes' cdnow_customers_summary.csv: the summary of Fader, Hardie & Lee (2005)
    # (39-week calibration, weeks measured to the day), printed to 2 decimals.
    import lifetimes.datasets

    path = Path(lifetimes.datasets.__file__).parent / "cdnow_customers_summary.csv"
    published = pd.read_csv(path, index_col="ID")
    ours = rfm_summary(
        load_cdnow(),
        freq="D",
        freq_multiplier=7,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    assert len(ours) == len(published) == 2357
    np.testing.assert_array_equal(ours.index, published.index)
    np.testing.assert_array_equal(ours["frequency"], published["frequency"])
    for col in ("recency", "T"):
        np.testing.assert_allclose(ours[col], published[col], atol=0.005 + 1e-9, rtol=0)
    assert ours["duration_holdout"].eq(39.0).all()  # 273 days / 7
    # the paper's first customer: 2 repeat purchases, recency 30.43, T 38.86 weeks
    assert ours.loc[1, ["frequency", "recency", "T"]].round(2).tolist() == [2, 30.43, 38.86]


# ---- naive reference (property tests) -------------------------------------------------

BASE = pd.Timestamp("2021-03-01").value


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 40))
    customers = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    # times within ~3 weeks, on a coarse grid so that same-period purchases are common
    steps = draw(st.lists(st.integers(0, 500), min_size=n, max_size=n))
    amount = draw(
        st.lists(
            st.floats(-50, 1e4, allow_nan=False).map(lambda x: round(x, 2)), min_size=n, max_size=n
        )
    )
    t = [BASE + s * 3_600 * 10**9 + (s % 7) * 61 * 10**9 for s in steps]
    return pd.DataFrame(
        {"customer_id": customers, "timestamp": pd.to_datetime(t), "amount": amount}
    )


def compare_with_reference(
    tx: pd.DataFrame, freq: str, mult: float, cal: int | None, end: int | None
) -> None:
    kwargs = {"freq": freq, "freq_multiplier": mult}
    expected = ref.rfm_summary(
        tx["customer_id"].tolist(),
        tx["timestamp"].astype("int64").tolist(),
        tx["amount"].tolist(),
        observation_end_ns=end,
        calibration_end_ns=cal,
        **kwargs,
    )
    ours = rfm_summary(
        tx,
        observation_end=None if end is None else pd.Timestamp(end),
        calibration_end=None if cal is None else pd.Timestamp(cal),
        **kwargs,
    )
    assert list(ours.index) == list(expected.index)
    for col in ours.columns:
        if col.startswith("monetary"):
            # compensated sums vs exactly rounded sums: a few ulp of the summed magnitudes
            scale = tx["amount"].abs().sum() + 1.0
            np.testing.assert_allclose(ours[col], expected[col], rtol=0, atol=1e-13 * scale)
        else:
            np.testing.assert_array_equal(ours[col].to_numpy(float), expected[col].to_numpy(float))


@given(logs(), st.sampled_from(["W", "D", "h", "min", "s"]), st.sampled_from([1, 7, 0.5]))
def test_matches_reference(tx: pd.DataFrame, freq: str, mult: float) -> None:
    compare_with_reference(tx, freq, mult, None, None)


@given(logs(), st.sampled_from(["W", "D", "h"]), st.integers(0, 500), st.integers(1, 400))
def test_holdout_matches_reference(tx: pd.DataFrame, freq: str, cal_step: int, extra: int) -> None:
    cal = BASE + cal_step * 3_600 * 10**9
    if tx["timestamp"].astype("int64").min() > cal:
        return  # no calibration purchase: the function raises (tested below)
    compare_with_reference(tx, freq, 1, cal, cal + extra * 3_600 * 10**9)


@given(logs(), st.randoms(use_true_random=False))
def test_row_order_does_not_matter(tx: pd.DataFrame, rnd: object) -> None:
    shuffled = tx.sample(frac=1.0, random_state=np.random.RandomState(len(tx)))
    pd.testing.assert_frame_equal(rfm_summary(tx), rfm_summary(shuffled), check_exact=True)


def test_many_customers_per_bucket_match_reference() -> None:
    # 5,000 rows over ids 0..19,999: the ids are used as keys directly and each of the
    # 2**12 buckets of the grouping holds 8 consecutive ids (the path CDNOW's full log
    # takes too); compared with the naive reference, with a holdout split
    rng = np.random.default_rng(5)
    n = 5_000
    tx = pd.DataFrame(
        {
            "customer_id": rng.integers(0, 20_000, n),
            "timestamp": pd.to_datetime(BASE + rng.integers(0, 60 * 24, n) * 3_600 * 10**9),
            "amount": np.round(rng.gamma(2.0, 20.0, n), 2),
        }
    )
    cal = BASE + 30 * 24 * 3_600 * 10**9
    compare_with_reference(tx, "D", 1, cal, None)
    compare_with_reference(tx, "W", 7, None, None)


# ---- edge cases --------------------------------------------------------------------------


def test_input_is_not_modified() -> None:
    tx = load_cdnow().sample(frac=1.0, random_state=0)
    before = tx.copy(deep=True)
    rfm_summary(tx, calibration_end="1997-09-30")
    pd.testing.assert_frame_equal(tx, before)


def test_empty_log() -> None:
    empty = pd.DataFrame({"customer_id": [], "timestamp": pd.to_datetime([]), "amount": []})
    out = rfm_summary(empty, calibration_end="1997-01-01")
    assert out.empty
    assert list(out.columns) == [
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "frequency_holdout",
        "monetary_value_holdout",
        "duration_holdout",
    ]
    assert out.index.name == "customer_id"


def test_one_row_and_same_day_merging() -> None:
    one = pd.DataFrame({"customer_id": ["a"], "timestamp": ["2020-01-01 10:00"], "amount": [5.0]})
    out = rfm_summary(one)
    assert out.loc["a"].tolist() == [0, 0.0, 0.0, 0.0]
    # three orders on one day and one the next: one repeat purchase worth 7
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 4,
            "timestamp": ["2020-01-01 09:00", "2020-01-01 18:00", "2020-01-01 23:59", "2020-01-02"],
            "amount": [1.0, 2.0, 3.0, 7.0],
        }
    )
    out = rfm_summary(tx)
    assert out.loc["a"].tolist() == [1, 1.0, 1.0, 7.0]
    # by the hour they are four purchases: repeats 2, 3, 7 over 15 hours (T = 15 h)
    out = rfm_summary(tx, freq="h")
    assert out.loc["a", "frequency"] == 3
    assert out.loc["a", "monetary_value"] == pytest.approx(4.0)


def test_string_ids_and_time_zones() -> None:
    tx = pd.DataFrame(
        {
            "cust": ["b", "a", "b"],
            "when": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-03"]).tz_localize(
                "Europe/Paris"
            ),
            "value": [1.0, 2.0, 3.0],
        }
    )
    out = rfm_summary(tx, customer_col="cust", time_col="when", amount_col="value")
    assert out.index.tolist() == ["a", "b"]
    assert out.index.name == "cust"
    assert out.loc["b"].tolist() == [1, 2.0, 4.0, 3.0]


def test_sparse_integer_ids_keep_their_dtype() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": np.array([10**15, 7, 10**15], dtype=np.int64),
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"]),
            "amount": [1.0, 1.0, 1.0],
        }
    )
    out = rfm_summary(tx)
    assert out.index.tolist() == [7, 10**15]
    assert out.index.dtype == np.int64


def test_huge_and_tiny_amounts() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 1, 2, 2, 2],
            "timestamp": pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-03"] * 2),
            "amount": [1e300, 1e300, 3e300, 5e-324, 1e16, 1.0],
        }
    )
    out = rfm_summary(tx)
    assert out.loc[1, "monetary_value"] == pytest.approx(2e300, rel=1e-15)
    assert out.loc[2, "monetary_value"] == pytest.approx(5e15, rel=1e-15)


def test_missing_column_message() -> None:
    tx = load_cdnow().rename(columns={"amount": "value"})
    with pytest.raises(ValidationError, match=r"column\(s\) 'amount' must be present"):
        rfm_summary(tx)


def test_bad_values_messages() -> None:
    tx = load_cdnow().head(5).copy()
    tx.loc[2, "amount"] = np.nan
    with pytest.raises(ValidationError, match=r"column 'amount' must be finite.*first at row 2"):
        rfm_summary(tx)
    tx = load_cdnow().head(5).copy()
    tx.loc[3, "timestamp"] = pd.NaT
    with pytest.raises(ValidationError, match=r"column 'timestamp' must not contain missing"):
        rfm_summary(tx)
    tx = load_cdnow().head(5).copy()
    tx["timestamp"] = np.arange(5)
    with pytest.raises(ValidationError, match=r"column 'timestamp' must hold datetimes"):
        rfm_summary(tx)
    tx = load_cdnow().head(5).astype({"customer_id": "object"})
    tx.loc[0, "customer_id"] = None
    with pytest.raises(ValidationError, match=r"missing customer ids"):
        rfm_summary(tx)


def test_bad_parameters_messages() -> None:
    tx = load_cdnow()
    with pytest.raises(InvalidParameterError, match=r"freq must be one of 'W', 'D'"):
        rfm_summary(tx, freq="M")
    with pytest.raises(InvalidParameterError, match=r"freq_multiplier must be in \(0, inf\)"):
        rfm_summary(tx, freq_multiplier=0)
    with pytest.raises(
        InvalidParameterError, match=r"calibration_end must be before observation_end"
    ):
        rfm_summary(tx, calibration_end="1998-07-01", observation_end="1998-06-30")
    with pytest.raises(
        InvalidParameterError, match=r"observation_end must be on or after the first"
    ):
        rfm_summary(tx, observation_end="1990-01-01")
    with pytest.raises(InvalidParameterError, match=r"calibration_end must be a date"):
        rfm_summary(tx, calibration_end="not a date")
    with pytest.raises(InvalidParameterError, match=r"transactions must be a pandas DataFrame"):
        rfm_summary(tx.to_numpy())  # type: ignore[arg-type]
