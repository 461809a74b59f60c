"""cohort_table against a naive pandas reference, on CDNOW and on random logs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import cohort_table

ALIAS = {"M": "M", "Q": "Q", "W": "W-SUN"}


def naive_cohorts(
    tx: pd.DataFrame, measure: str, freq: str, observation_end: object = None
) -> pd.DataFrame:
    """The obvious pandas version: to_period, groupby, pivot; NaN past the window."""
    end = tx["timestamp"].max() if observation_end is None else pd.Timestamp(observation_end)
    tx = tx[tx["timestamp"] <= end]
    period = tx["timestamp"].dt.to_period(ALIAS[freq])
    cohort = period.groupby(tx["customer_id"]).transform("min")
    age = (period - cohort).map(lambda offset: offset.n)
    last = end.to_period(ALIAS[freq])
    frame = pd.DataFrame({"c": tx["customer_id"], "cohort": cohort, "age": age})
    if measure == "revenue":
        cells = tx["amount"].groupby([cohort, age]).sum()
    else:
        cells = frame.drop_duplicates().groupby(["cohort", "age"]).size().astype(float)
        if measure == "retention":
            sizes = frame.drop_duplicates("c").groupby("cohort").size()
            cells = cells / sizes.reindex(cells.index.get_level_values(0)).to_numpy()
    table = cells.unstack(fill_value=0.0)
    n_ages = (last - table.index.min()).n + 1
    table = table.reindex(columns=range(n_ages), fill_value=0.0).astype(float)
    for c in table.index:
        table.loc[c, [k for k in range(n_ages) if (c + k) > last]] = np.nan
    return table


@pytest.mark.parametrize("measure", ["retention", "customers", "revenue"])
@pytest.mark.parametrize("freq", ["M", "Q", "W"])
def test_cdnow_equals_the_naive_reference(measure: str, freq: str) -> None:
    tx = load_cdnow()
    ours = cohort_table(tx, measure=measure, freq=freq)
    ref = naive_cohorts(tx, measure, freq)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-12, equal_nan=True)
    assert [str(p) for p in ours.index] == [str(p) for p in ref.index]


def test_cdnow_monthly_cohorts_known_totals() -> None:
    tx = load_cdnow()
    customers = cohort_table(tx, measure="customers")
    # CDNOW customers were all acquired in January-March 1997 (Fader, Hardie & Lee 2005).
    assert [str(p) for p in customers.index] == ["1997-01", "1997-02", "1997-03"]
    assert customers[0].sum() == 2357
    assert customers.attrs["cohort_size"].sum() == 2357
    revenue = cohort_table(tx, measure="revenue")
    assert np.nansum(revenue.to_numpy()) == pytest.approx(tx["amount"].sum())
    retention = cohort_table(tx)
    assert (retention[0] == 1.0).all()
    # 18 months Jan 1997 .. Jun 1998: the March cohort is observed for 16 months.
    assert retention.shape == (3, 18)
    assert retention.loc[pd.Period("1997-03", "M")].isna().sum() == 2


@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefg"), st.integers(0, 400), st.floats(0, 100)),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["M", "Q", "W"]),
    st.sampled_from(["retention", "customers", "revenue"]),
)
def test_random_logs_equal_the_naive_reference(
    rows: list[tuple[str, int, float]], freq: str, measure: str
) -> None:
    tx = pd.DataFrame(rows, columns=["customer_id", "day", "amount"])
    tx["timestamp"] = pd.Timestamp("2023-12-30") + pd.to_timedelta(tx["day"], unit="D")
    tx = tx.sample(frac=1.0, random_state=0)  # row order must not matter
    ours = cohort_table(tx, measure=measure, freq=freq)
    ref = naive_cohorts(tx, measure, freq)
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), rtol=1e-9, equal_nan=True)


def test_observation_end_cuts_the_window() -> None:
    tx = load_cdnow()
    ours = cohort_table(tx, measure="customers", observation_end="1997-12-31")
    ref = naive_cohorts(tx, "customers", "M", "1997-12-31")
    np.testing.assert_allclose(ours.to_numpy(), ref.to_numpy(), equal_nan=True)
    assert ours.shape == (3, 12)


def test_input_is_not_modified_and_ids_may_be_strings() -> None:
    tx = load_cdnow().head(500)
    tx["customer_id"] = "C" + tx["customer_id"].astype(str)
    before = tx.copy()
    table = cohort_table(tx, measure="customers")
    pd.testing.assert_frame_equal(tx, before)
    assert table.attrs["cohort_size"].sum() == tx["customer_id"].nunique()


def test_empty_log_gives_an_empty_table() -> None:
    tx = load_cdnow().head(0)
    table = cohort_table(tx)
    assert table.shape == (0, 0)


# pandas warns while it fails to guess a date format; the error is what matters here
@pytest.mark.filterwarnings("ignore:Could not infer format:UserWarning")
def test_errors_name_the_argument() -> None:
    tx = load_cdnow().head(50)
    with pytest.raises(InvalidParameterError, match="measure"):
        cohort_table(tx, measure="profit")
    with pytest.raises(InvalidParameterError, match="freq"):
        cohort_table(tx, freq="D")
    with pytest.raises(InvalidParameterError, match="amount_col"):
        cohort_table(tx, measure="revenue", amount_col=None)
    with pytest.raises(ValidationError, match="amount"):
        cohort_table(tx.drop(columns="amount"), measure="revenue")
    with pytest.raises(InvalidParameterError, match="observation_end"):
        cohort_table(tx, observation_end="1990-01-01")
    bad = tx.assign(timestamp="not a date")
    with pytest.raises(ValidationError, match="timestamp"):
        cohort_table(bad)
