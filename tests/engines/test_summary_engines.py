"""rfm_summary, compress_summary and predict_frame on Polars, DuckDB and SQLFrame equal the
pandas path: counts and durations bit for bit, integer money exactly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from precisemkt.clv import BGNBD, GammaGamma, ParetoNBD, predict_frame
from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import compress_summary, rfm_summary
from tests.engines.helpers import collect


@pytest.fixture(scope="module")
def orders() -> pd.DataFrame:
    tx = load_cdnow()
    tx["cents"] = (tx["amount"] * 100).round().astype("int64")
    # a few purchases before 1970 and at odd times of day, to exercise the date arithmetic
    extra = pd.DataFrame(
        {
            "customer_id": [90001, 90001, 90001, 90002],
            "timestamp": pd.to_datetime(
                [
                    "1969-12-31 23:59:59.999999",
                    "1970-01-01 00:00:00",
                    "1997-03-02 13:14:15",
                    "1997-05-06 00:00:01",
                ],
                format="ISO8601",
            ),
            "quantity": [1, 1, 1, 1],
            "amount": [1.5, 2.25, 3.0, 4.0],
            "cents": [150, 225, 300, 400],
        }
    )
    return pd.concat([tx, extra], ignore_index=True)


SETTINGS = [
    {
        "freq": "D",
        "freq_multiplier": 7,
        "calibration_end": "1997-09-30",
        "observation_end": "1998-06-30",
    },
    {"freq": "W", "observation_end": "1998-06-30"},
    {"freq": "h", "observation_end": "1998-06-30 12:00"},
    {"freq": "D", "freq_multiplier": 7, "observation_end": "1997-12-31"},
]


@pytest.mark.parametrize("setting", SETTINGS)
def test_rfm_summary_is_bit_identical_with_integer_money(
    orders: pd.DataFrame, to_engine: Callable[[pd.DataFrame], Any], setting: dict[str, Any]
) -> None:
    expected = rfm_summary(orders, amount_col="cents", **setting)
    got = rfm_summary(to_engine(orders), amount_col="cents", collect=True, **setting)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_index_type=False)
    assert got.attrs["time_unit"]["freq"] == setting["freq"]


def test_rfm_summary_float_money_counts_exact(
    orders: pd.DataFrame, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    setting = SETTINGS[0]
    expected = rfm_summary(orders, **setting)
    got = rfm_summary(to_engine(orders), collect=True, **setting)
    exact = ["frequency", "recency", "T", "frequency_holdout", "duration_holdout"]
    pd.testing.assert_frame_equal(
        got[exact], expected[exact], check_exact=True, check_index_type=False
    )
    money = ["monetary_value", "monetary_value_holdout"]
    # float sums in the engine's order: equal to the compensated pandas sums to ~1e-15
    np.testing.assert_allclose(got[money], expected[money], rtol=1e-13, atol=0)


@pytest.mark.parametrize("engine", ["polars_lazy", "duckdb", "sqlframe"])
def test_lazy_result_stays_lazy_and_needs_observation_end(
    orders: pd.DataFrame, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    native = to_engine(orders)
    out = rfm_summary(native, observation_end="1998-06-30")
    assert type(out).__module__.split(".")[0] == type(native).__module__.split(".")[0]
    with pytest.raises(InvalidParameterError, match="observation_end"):
        rfm_summary(native)


def test_engine_bad_input_raises_typed(
    orders: pd.DataFrame, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    dirty = orders.head(50).copy()
    dirty.loc[3, "amount"] = np.nan
    with pytest.raises(ValidationError, match="'amount'"):
        rfm_summary(to_engine(dirty), observation_end="1998-06-30")
    with pytest.raises(ValidationError, match="'spend'"):
        rfm_summary(to_engine(orders), amount_col="spend", observation_end="1998-06-30")


def test_compress_summary_on_engine_equals_pandas(
    orders: pd.DataFrame, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    summary = rfm_summary(orders, amount_col="cents", freq="W")
    expected = compress_summary(summary)
    got = compress_summary(to_engine(summary.reset_index()), collect=True)
    pd.testing.assert_frame_equal(got, expected, check_exact=True, check_dtype=False)
    assert int(got["count"].sum()) == len(summary)


def test_fit_on_compressed_equals_fit_on_all(orders: pd.DataFrame) -> None:
    summary = rfm_summary(orders, freq="W")
    small = compress_summary(summary)
    for model in (BGNBD(), ParetoNBD()):
        full = type(model)().fit(summary)
        compressed = type(model)().fit(small, weights="count")
        pd.testing.assert_series_equal(compressed.params_, full.params_, check_exact=True)
    repeat = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gg_small = compress_summary(repeat, columns=("frequency", "monetary_value"))
    gg_full = GammaGamma().fit(repeat)
    gg_comp = GammaGamma().fit(gg_small, weights="count")
    pd.testing.assert_series_equal(gg_comp.params_, gg_full.params_, check_exact=True)


@pytest.fixture(scope="module")
def fitted(orders: pd.DataFrame) -> tuple[pd.DataFrame, BGNBD, GammaGamma]:
    summary = rfm_summary(orders, freq="W")
    bg = BGNBD().fit(summary)
    gg = GammaGamma().fit(summary)
    return summary, bg, gg


def test_predict_frame_native_p_alive(
    fitted: Any, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    summary, bg, _ = fitted
    scored = collect(predict_frame(bg, to_engine(summary.reset_index())))
    scored = scored.set_index("customer_id").loc[summary.index]
    # an engine's pow/exp versus the library's kernel: a few ulp apart
    np.testing.assert_allclose(scored["p_alive"], bg.probability_alive(summary), rtol=1e-12)


def test_predict_frame_by_partition_equals_pandas(
    fitted: Any, to_engine: Callable[[pd.DataFrame], Any]
) -> None:
    summary, bg, gg = fitted
    expected = predict_frame(bg, summary, t=52.0, spend_model=gg)
    got = collect(predict_frame(bg, to_engine(summary.reset_index()), t=52.0, spend_model=gg))
    got = got.set_index("customer_id").loc[summary.index]
    for col in ("p_alive", "expected_purchases", "expected_spend", "clv"):
        np.testing.assert_array_equal(got[col].to_numpy(), expected[col].to_numpy())
    assert expected["clv"].notna().all()


def test_predict_frame_on_an_arrow_table(fitted: Any) -> None:
    pa = pytest.importorskip("pyarrow")
    summary, bg, gg = fitted
    table = pa.Table.from_pandas(summary.reset_index(), preserve_index=False)
    got = predict_frame(bg, table, t=52.0, spend_model=gg)
    assert isinstance(got, pa.Table)
    expected = predict_frame(bg, summary, t=52.0, spend_model=gg)
    np.testing.assert_array_equal(got.column("clv").to_numpy(), expected["clv"].to_numpy())
