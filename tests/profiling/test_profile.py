"""profile_customers and lifecycle_stage: naive reference, definitions, edge cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.profiling import _kernels, lifecycle_stage, profile_customers
from tests.reference import profiling as ref

BASE = pd.Timestamp("2022-05-02").value  # a Monday
HOUR = 3_600 * 10**9
#: Columns that are defined for every customer (never NaN); the rest are NaN only where the
#: definition has nothing to work with (a one-time buyer has no inter-purchase gap).
TOTAL = [
    "first_purchase", "last_purchase", "n_orders", "total_spend", "mean_spend",
    "recency_days", "tenure_days", "orders_per_30d", "category_breadth",
    "top_category_share", "preferred_weekday", "preferred_hour", "discount_share",
    "lifecycle_stage",
]  # fmt: skip


@st.composite
def logs(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    ints = st.lists(st.integers(0, 4), min_size=n, max_size=n)
    return pd.DataFrame(
        {
            "customer_id": draw(ints),
            "timestamp": pd.to_datetime(
                [
                    BASE + h * HOUR
                    for h in draw(st.lists(st.integers(0, 2000), min_size=n, max_size=n))
                ]
            ),
            "amount": draw(st.lists(st.integers(0, 10_000), min_size=n, max_size=n)),
            "category": [
                None if c == 0 else f"cat{c}"
                for c in draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
            ],
            "channel": draw(
                st.lists(st.sampled_from(["app", "web", "shop"]), min_size=n, max_size=n)
            ),
            "discount": draw(st.lists(st.booleans(), min_size=n, max_size=n)),
            "order_id": draw(ints),
        }
    ).astype({"amount": float})


def check_against_reference(tx: pd.DataFrame, *, order: bool) -> None:
    # with order ids, lines of one order must share customer and channel (else "first line")
    if order:
        tx = tx.assign(order_id=tx["customer_id"] * 10 + tx["order_id"])
        first = tx.groupby("order_id")["channel"].transform("first")
        tx = tx.assign(channel=first)
    ours = profile_customers(
        tx,
        category_col="category",
        channel_col="channel",
        discount_col="discount",
        order_col="order_id" if order else None,
    )
    expected = ref.profile_customers(tx, category=True, channel=True, discount=True, order=order)
    assert list(ours.index) == list(expected.index)
    for col in expected.columns:
        if col == "preferred_hour" and "preferred_hour" not in ours:
            assert (tx["timestamp"].astype("int64") % (24 * HOUR) == 0).all()
            continue
        got, want = ours[col], expected[col]
        if pd.api.types.is_float_dtype(want) and col != "top_category_share":
            np.testing.assert_allclose(
                got.to_numpy(float), want.to_numpy(float), rtol=1e-9, atol=1e-9
            )
        else:
            assert got.astype(object).tolist() == want.astype(object).tolist(), col


@settings(max_examples=30)
@given(logs())
def test_matches_reference(tx: pd.DataFrame) -> None:
    check_against_reference(tx, order=False)


@settings(max_examples=30)
@given(logs())
def test_matches_reference_with_order_lines(tx: pd.DataFrame) -> None:
    check_against_reference(tx, order=True)


@settings(max_examples=30)
@given(logs())
def test_total_columns_have_no_nan_and_input_is_unchanged(tx: pd.DataFrame) -> None:
    before = tx.copy(deep=True)
    profile = profile_customers(
        tx, category_col="category", channel_col="channel", discount_col="discount"
    )
    pd.testing.assert_frame_equal(tx, before)
    for col in TOTAL:
        if col in profile:
            assert profile[col].notna().all(), col
    one_time = profile["n_orders"] == 1
    assert profile.loc[one_time, "ipt_mean_days"].isna().all()
    assert (
        profile.loc[~one_time, ["ipt_mean_days", "ipt_std_days", "ipt_p90_days"]]
        .notna()
        .all()
        .all()
    )
    assert (profile["recency_days"] <= profile["tenure_days"]).all()
    assert set(profile["lifecycle_stage"]) <= {"new", "active", "at_risk", "lapsed", "churned"}


@given(
    st.lists(st.integers(-1, 5), min_size=0, max_size=40),
    st.integers(1, 4),
    st.sampled_from([6, _kernels.COUNT_CODES + 1]),  # counted in a table, or sorted
)
def test_group_modes_matches_reference(codes: list[int], n_groups: int, n_codes: int) -> None:
    cuts = sorted({0, len(codes), *[len(codes) * g // n_groups for g in range(n_groups)]})
    starts = np.array(cuts, dtype=np.int64)
    out = _kernels.group_modes(starts, np.array(codes, dtype=np.int64), n_codes)
    for g in range(len(cuts) - 1):
        seg = [c for c in codes[cuts[g] : cuts[g + 1]] if c >= 0]
        distinct, top, top_n = ref.mode(seg)
        assert out[g].tolist() == [distinct, -1 if top is None else top, top_n, len(seg)]


@given(st.lists(st.tuples(st.integers(0, 5), st.floats(-5, 5, allow_nan=False)), max_size=80))
def test_sort_index_matches_reference(pairs: list[tuple[int, float]]) -> None:
    primary = np.array([p for p, _ in pairs], dtype=np.int64)
    secondary = np.array([s for _, s in pairs], dtype=np.float64)
    idx = np.arange(len(pairs))
    _kernels.sort_index(idx, primary, secondary)
    expected = ref.sort_index(list(range(len(pairs))), primary.tolist(), secondary.tolist())
    assert idx.tolist() == expected


# ---- definitions on CDNOW ------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow_profile() -> pd.DataFrame:
    return profile_customers(load_cdnow(), observation_end="1998-06-30")


def test_cdnow_profile_agrees_with_pandas(cdnow_profile: pd.DataFrame) -> None:
    tx = load_cdnow()
    g = tx.groupby("customer_id")
    np.testing.assert_array_equal(cdnow_profile["n_orders"], g.size())
    np.testing.assert_allclose(cdnow_profile["total_spend"], g["amount"].sum(), rtol=1e-12)
    end = pd.Timestamp("1998-06-30")
    np.testing.assert_allclose(
        cdnow_profile["recency_days"], (end - g["timestamp"].max()).dt.days.to_numpy()
    )
    # CDNOW has dates only: no preferred hour, and no optional columns were asked for
    assert "preferred_hour" not in cdnow_profile
    assert "top_category" not in cdnow_profile
    assert "discount_share" not in cdnow_profile
    assert len(cdnow_profile) == 2357


def test_rows_after_observation_end_are_ignored() -> None:
    tx = load_cdnow()
    early = profile_customers(tx, observation_end="1997-03-31")
    cut = profile_customers(tx[tx["timestamp"] <= "1997-03-31"], observation_end="1997-03-31")
    pd.testing.assert_frame_equal(early, cut)


def test_amount_col_none_drops_spend_columns() -> None:
    profile = profile_customers(load_cdnow(), amount_col=None)
    assert not {"total_spend", "mean_spend", "spend_trend"} & set(profile.columns)


def test_hand_computed_customer() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["x"] * 4,
            "timestamp": pd.to_datetime(
                ["2024-01-01 10:00", "2024-01-03 10:00", "2024-01-07 10:00", "2024-01-07 10:00"]
            ),
            "amount": [10.0, 20.0, 30.0, 40.0],
            "discount": [0.0, 5.0, 0.0, 0.0],
        }
    )
    p = profile_customers(tx, discount_col="discount", observation_end="2024-01-11 10:00").loc["x"]
    # gaps 2, 4, 0 days: mean 2, population sd sqrt(8/3), p90 = 3.6 (between 2 and 4)
    assert p["ipt_mean_days"] == pytest.approx(2.0)
    assert p["ipt_std_days"] == pytest.approx(np.sqrt(8 / 3))
    assert p["ipt_p90_days"] == pytest.approx(3.6)
    assert p["spend_trend"] == pytest.approx(10.0)  # 10, 20, 30, 40 on orders 0..3
    assert p["recency_days"] == 4.0
    assert p["tenure_days"] == 10.0
    assert p["orders_per_30d"] == pytest.approx(4.0)  # 30 * 4 / max(10, 30)
    assert p["discount_share"] == 0.25
    assert p["preferred_weekday"] == "Sunday"
    assert p["preferred_hour"] == 10


def test_empty_log_gives_empty_profile() -> None:
    empty = pd.DataFrame({"customer_id": [], "timestamp": pd.to_datetime([]), "amount": []})
    profile = profile_customers(empty)
    assert profile.empty
    assert "lifecycle_stage" in profile


def test_bad_input_messages() -> None:
    tx = load_cdnow().head(10)
    with pytest.raises(ValidationError, match=r"column\(s\) 'category' must be present"):
        profile_customers(tx, category_col="category")
    with pytest.raises(InvalidParameterError, match=r"observation_end must be on or after"):
        profile_customers(tx, observation_end="1990-01-01")
    bad = tx.assign(discount=["yes"] * 10)
    with pytest.raises(InvalidParameterError, match=r"column 'discount' must hold booleans"):
        profile_customers(bad, discount_col="discount")


# ---- lifecycle_stage -----------------------------------------------------------------


def test_lifecycle_rule_table() -> None:
    nan = float("nan")
    profile = pd.DataFrame(
        {
            "recency_days": [1, 9, 11, 21, 41, 100, 100],
            "tenure_days": [20, 200, 200, 200, 200, 200, 200],
            "ipt_p90_days": [nan, 10.0, 10.0, 10.0, 10.0, nan, 0.0],
        }
    )
    stages = lifecycle_stage(profile)
    # rhythm 10 days; the one-time buyer gets the population median (10); 0 is raised to 1
    assert stages.tolist() == [
        "new",
        "active",
        "at_risk",
        "lapsed",
        "churned",
        "churned",
        "churned",
    ]
    stages = lifecycle_stage(profile, population_rhythm_days=30, min_rhythm_days=0.5)
    assert stages.iloc[5] == "lapsed"
    assert list(stages.cat.categories) == ["new", "active", "at_risk", "lapsed", "churned"]


def test_lifecycle_only_one_time_buyers_falls_back_to_new_days() -> None:
    profile = pd.DataFrame(
        {"recency_days": [10.0, 130.0], "tenure_days": [40.0, 130.0], "ipt_p90_days": [np.nan] * 2}
    )
    assert lifecycle_stage(profile).tolist() == ["active", "churned"]  # rhythm = 30 days


def test_lifecycle_messages() -> None:
    profile = pd.DataFrame({"recency_days": [-1.0], "tenure_days": [3.0], "ipt_p90_days": [1.0]})
    with pytest.raises(ValidationError, match=r"profile column 'recency_days' must hold"):
        lifecycle_stage(profile)
    with pytest.raises(InvalidParameterError, match=r"must be strictly increasing"):
        lifecycle_stage(profile.abs(), lapsed_after=5.0)
    with pytest.raises(ValidationError, match=r"'ipt_mean_days' must be present"):
        lifecycle_stage(profile, rhythm_col="ipt_mean_days")
