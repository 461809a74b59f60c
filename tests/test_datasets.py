"""Bundled datasets (totals from the source files) and the transaction simulator.

Simulation moments are checked against closed forms with a tolerance of four standard
errors of the simulated mean (a false alarm about once in 16,000 runs; seeds are fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from precisemkt.datasets import load_cdnow, load_donations, make_transactions
from precisemkt.errors import InvalidParameterError


def test_cdnow_sample() -> None:
    # Fader, Hardie & Lee (2005): the 1/10th sample has 2,357 customers and 6,919 records.
    tx = load_cdnow()
    assert tx.shape == (6919, 4)
    assert tx["customer_id"].nunique() == 2357
    assert sorted(tx["customer_id"].unique()) == list(range(1, 2358))
    assert tx.dtypes.to_dict() == {
        "customer_id": np.dtype("int64"),
        "timestamp": np.dtype("datetime64[ns]"),
        "quantity": np.dtype("int64"),
        "amount": np.dtype("float64"),
    }
    # Totals of CDNOW_sample.txt (lifetimes 0.11.3 copy), summed independently.
    assert tx["amount"].sum() == pytest.approx(244091.94, abs=1e-6)
    assert tx["quantity"].sum() == 16479
    assert tx["timestamp"].min() == pd.Timestamp("1997-01-01")
    assert tx["timestamp"].max() == pd.Timestamp("1998-06-30")
    # Every customer's first purchase falls in the first quarter of 1997.
    assert tx.groupby("customer_id")["timestamp"].min().max() < pd.Timestamp("1997-04-01")


def test_cdnow_full() -> None:
    tx = load_cdnow(sample=False)
    assert tx.shape == (69659, 4)
    assert tx["customer_id"].nunique() == 23570
    assert tx["amount"].sum() == pytest.approx(2500315.63, abs=1e-4)


def test_cdnow_returns_fresh_copies() -> None:
    a = load_cdnow()
    a.loc[0, "amount"] = -1.0
    assert load_cdnow().loc[0, "amount"] == 29.33


def test_cdnow_sample_argument_checked() -> None:
    with pytest.raises(InvalidParameterError, match="sample must be True or False"):
        load_cdnow(sample="yes")  # type: ignore[arg-type]


def test_donations() -> None:
    # Fader, Hardie & Shang (2010): 11,104 donors, 6 repeat opportunities, 22 patterns.
    d = load_donations()
    assert list(d.columns) == ["frequency", "recency", "n_periods", "count"]
    assert len(d) == 22
    assert d["count"].sum() == 11104
    assert (d["n_periods"] == 6).all()
    assert ((d["recency"] >= d["frequency"]) | (d["frequency"] == 0)).all()
    assert d.loc[d["frequency"] == 0, "count"].item() == 3464


# --- make_transactions -----------------------------------------------------------------


def _bgnbd_expected_x(t: float, r: float, alpha: float, a: float, b: float) -> float:
    """E[X(t)] of the BG/NBD model, Fader, Hardie & Lee (2005) eq. (7)."""
    z = t / (alpha + t)
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))


def _paretonbd_expected_x(t: float, r: float, alpha: float, s: float, beta: float) -> float:
    """E[X(t)] of the Pareto/NBD model (Schmittlein, Morrison & Colombo 1987)."""
    return r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + t)) ** (s - 1))


def _within(sample: np.ndarray, expected: float, k: float = 4.0) -> None:
    se = sample.std(ddof=1) / np.sqrt(sample.size)
    assert abs(sample.mean() - expected) < k * se, (sample.mean(), expected, se)


def test_bgnbd_moments() -> None:
    params = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    tx, truth, used = make_transactions(
        200_000, model="bgnbd", params=params, freq="W", periods=39.0, random_state=11
    )
    assert used == params
    _within(truth["frequency"].to_numpy(float), _bgnbd_expected_x(39.0, **params))
    _within(truth["lambda_"].to_numpy(), params["r"] / params["alpha"])
    _within(truth["p"].to_numpy(), params["a"] / (params["a"] + params["b"]))
    # The log has one first purchase per customer plus the repeat purchases.
    assert len(tx) == 200_000 + truth["frequency"].sum()
    assert (truth["recency"] <= truth["T"]).all()
    assert ((truth["frequency"] == 0) == (truth["recency"] == 0)).all()


def test_paretonbd_moments() -> None:
    params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    _, truth, _ = make_transactions(
        200_000, model="paretonbd", params=params, freq="W", periods=39.0, random_state=12
    )
    _within(truth["frequency"].to_numpy(float), _paretonbd_expected_x(39.0, **params))
    # P(alive at T) for a customer = exp(-mu T); its mean is (beta / (beta + T))^s.
    _within(truth["alive"].to_numpy(float), (params["beta"] / (params["beta"] + 39.0)) ** 0.606)


def test_mbgnbd_drops_more_than_bgnbd() -> None:
    # Same seed, same lambda and p draws: MBG/NBD's extra dropout chance can only lower X.
    _, bg, _ = make_transactions(20_000, model="bgnbd", freq="W", periods=39, random_state=3)
    _, mbg, _ = make_transactions(20_000, model="mbgnbd", freq="W", periods=39, random_state=3)
    assert (mbg["frequency"] <= bg["frequency"]).all()
    assert mbg["frequency"].sum() < bg["frequency"].sum()


def test_spend_moments() -> None:
    sp, sq, sg = 6.25, 3.74, 15.44
    tx, truth, _ = make_transactions(
        100_000, freq="W", periods=78, spend=(sp, sq, sg), random_state=5
    )
    # E[amount] = p * E[1/nu] = p * gamma / (q - 1) for q > 1.
    _within(tx["amount"].to_numpy(), sp * sg / (sq - 1), k=5.0)
    _within(truth["nu"].to_numpy(), sq / sg)
    repeaters = truth[truth["frequency"] > 0]
    recomputed = (
        tx.groupby("customer_id")["amount"].apply(lambda a: a.iloc[1:].mean()).loc[repeaters.index]
    )
    np.testing.assert_allclose(recomputed.to_numpy(), repeaters["monetary_value"].to_numpy())


def test_log_and_truth_agree() -> None:
    tx, truth, _ = make_transactions(
        5_000, model="paretonbd", freq="D", periods=546, acquisition_periods=84, random_state=9
    )
    assert tx["timestamp"].is_monotonic_increasing is False  # customers interleave in time
    grouped = tx.groupby("customer_id")["timestamp"]
    first, last, count = grouped.min(), grouped.max(), grouped.size()
    start = pd.Timestamp("1997-01-01")
    np.testing.assert_allclose((first - start) / pd.Timedelta(days=1), truth["birth"], atol=1e-6)
    np.testing.assert_allclose((last - first) / pd.Timedelta(days=1), truth["recency"], atol=1e-6)
    np.testing.assert_array_equal(count.to_numpy() - 1, truth["frequency"].to_numpy())
    assert (truth["birth"] < 84).all()
    assert (truth["alive"] == (truth["death"] > truth["T"])).all()
    assert tx.groupby("customer_id")["timestamp"].is_monotonic_increasing.all()


def test_default_params_converted_to_freq() -> None:
    _, _, weekly = make_transactions(10, freq="W", periods=10, random_state=0)
    _, _, daily = make_transactions(10, freq="D", periods=10, random_state=0)
    assert daily["alpha"] == pytest.approx(weekly["alpha"] * 7)
    assert daily["r"] == weekly["r"]


def test_same_seed_same_log() -> None:
    a = make_transactions(1000, spend=(6.0, 4.0, 15.0), random_state=42)
    b = make_transactions(1000, spend=(6.0, 4.0, 15.0), random_state=42)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    c = make_transactions(1000, spend=(6.0, 4.0, 15.0), random_state=43)
    assert not a.transactions.equals(c.transactions)


def test_one_customer() -> None:
    tx, truth, _ = make_transactions(1, random_state=0)
    assert len(truth) == 1
    assert len(tx) == 1 + truth["frequency"].iloc[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_customers": 0}, r"n_customers must be an integer in \[1, inf\]; got 0\."),
        ({"model": "bg"}, "model must be one of 'bgnbd', 'mbgnbd', 'paretonbd'; got 'bg'"),
        ({"periods": -1}, r"periods must be in \(0, inf\); got -1\."),
        ({"acquisition_periods": 600}, r"acquisition_periods must be in \[0, 546\)"),
        ({"freq": "M"}, "freq must be a fixed-length pandas frequency"),
        ({"params": {"r": 1.0}}, "params must be a mapping with exactly the keys"),
        (
            {"params": {"r": -1.0, "alpha": 1.0, "a": 1.0, "b": 1.0}},
            r"params\['r'\] must be in \(0, inf\); got -1\.0\.",
        ),
        ({"spend": (1.0, 2.0)}, r"spend must be a tuple \(p, q, gamma\)"),
        ({"random_state": "x"}, "random_state must be None"),
    ],
)
def test_make_transactions_errors(kwargs: dict[str, object], message: str) -> None:
    args = {"n_customers": 10} | kwargs
    with pytest.raises(InvalidParameterError, match=message):
        make_transactions(**args)  # type: ignore[arg-type]
