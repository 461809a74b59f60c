"""The data contract, walked over the public API (issue 13).

Every public function or method that takes two or more per-row inputs (names in
``PER_ROW``) must have a case here; each case is run three ways: with Series indexed by
string ids in the same order, with one input shuffled (the answer must not change), and
with one input's ids changed (a ``ValidationError`` must name the mismatch). A new public
function with two per-row arguments fails ``test_every_paired_function_has_a_case``
until it gets a case.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest

import precisemkt
from precisemkt.clv import (
    BGBB,
    BGNBD,
    MBGNBD,
    GammaGamma,
    ParetoNBD,
    customer_lifetime_value,
    repeat_purchase_histogram,
)
from precisemkt.datasets import load_cdnow
from precisemkt.errors import DataQualityWarning, ValidationError
from precisemkt.experiments import cuped, ratio_metric_test
from precisemkt.plotting import plot_period_transactions, plot_rf_heatmap, plot_rfm_segments
from precisemkt.profiling import rfm_summary
from precisemkt.segmentation import rfm_scores, rfm_segments, segment_profiles

matplotlib.use("Agg")

#: Argument names that hold one value per customer (or per unit, per row).
PER_ROW = {
    "frequency",
    "recency",
    "T",
    "n_periods",
    "monetary_value",
    "weights",
    "features",
    "labels",
    "scores",
    "values",
    "segments",
    "revenue",
    "y",
    "covariate",
    "variant",
    "numerator",
    "denominator",
}


@pytest.fixture(scope="module")
def summary() -> pd.DataFrame:
    s = rfm_summary(load_cdnow(), freq="W").head(600)
    s.index = "C" + s.index.astype(str)  # string ids
    return s


def _close(a: Any, b: Any) -> None:
    if isinstance(a, pd.Series | pd.DataFrame):
        left, right = a.sort_index(), b.sort_index()
        if isinstance(left, pd.DataFrame):
            pd.testing.assert_frame_equal(left, right, check_exact=False, rtol=1e-12)
        else:
            pd.testing.assert_series_equal(left, right, check_exact=False, rtol=1e-12)
    elif hasattr(a, "to_frame") and not isinstance(a, np.ndarray):
        pd.testing.assert_frame_equal(a.to_frame(), b.to_frame(), check_exact=False, rtol=1e-12)
    elif hasattr(a, "params_"):
        pd.testing.assert_series_equal(a.params_, b.params_, check_exact=False, rtol=1e-9)
    elif hasattr(a, "patches"):  # an Axes: compare the drawn bar heights and images
        assert [p.get_height() for p in a.patches] == [p.get_height() for p in b.patches]
        for left, right in zip(a.images, b.images, strict=True):
            np.testing.assert_allclose(
                np.ma.filled(left.get_array(), np.nan), np.ma.filled(right.get_array(), np.nan)
            )
    else:
        np.testing.assert_allclose(
            np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-12
        )


Case = Callable[[dict[str, pd.Series]], Any]


def _cases(s: pd.DataFrame) -> dict[str, tuple[dict[str, pd.Series], Case]]:
    f, r, T, m = s["frequency"], s["recency"], s["T"], s["monetary_value"]
    rep = s[(s["frequency"] > 0) & (s["monetary_value"] > 0)]
    bg = BGNBD().fit(s)
    pnbd = ParetoNBD().fit(s)
    gg = GammaGamma().fit(s)
    n = T.round().clip(lower=1)
    rb = r.round().clip(upper=n)
    fb = f.clip(upper=rb)
    bgbb = BGBB().fit(fb, rb, n)
    with warnings.catch_warnings():  # ties leave some frequency scores unused: fine here
        warnings.simplefilter("ignore", DataQualityWarning)
        scores = rfm_scores(s)
    rng = np.random.default_rng(0)
    unit = pd.Series(rng.normal(size=len(s)), index=s.index)
    variant = pd.Series(np.where(np.arange(len(s)) % 2, "treatment", "control"), index=s.index)
    rfm = {"frequency": f, "recency": r, "T": T}
    cases: dict[str, tuple[dict[str, pd.Series], Case]] = {
        "TransactionModel.fit": (rfm, lambda a: BGNBD().fit(**a)),
        "TransactionModel.conditional_probability_of_purchases": (
            rfm,
            lambda a: bg.conditional_probability_of_purchases(1, 10.0, **a),
        ),
        "MBGNBD.fit": (rfm, lambda a: MBGNBD().fit(**a)),
        "ParetoNBD.fit": (rfm, lambda a: ParetoNBD().fit(**a)),
        "TransactionModel.probability_alive": (rfm, lambda a: bg.probability_alive(**a)),
        "TransactionModel.predict_purchases": (rfm, lambda a: bg.predict_purchases(10.0, **a)),
        "TransactionModel.discounted_expected_transactions": (
            rfm,
            lambda a: bg.discounted_expected_transactions(**a, horizon=3, period_length=4.345),
        ),
        "ParetoNBD.expected_residual_transactions": (
            rfm,
            lambda a: pnbd.expected_residual_transactions(**a, discount_rate=0.01),
        ),
        "BGBB.fit": ({"frequency": fb, "recency": rb, "n_periods": n}, lambda a: BGBB().fit(**a)),
        "BGBB.probability_alive": (
            {"frequency": fb, "recency": rb, "n_periods": n},
            lambda a: bgbb.probability_alive(**a),
        ),
        "BGBB.predict_purchases": (
            {"frequency": fb, "recency": rb, "n_periods": n},
            lambda a: bgbb.predict_purchases(5, **a),
        ),
        "BGBB.discounted_expected_transactions": (
            {"frequency": fb, "recency": rb, "n_periods": n},
            lambda a: bgbb.discounted_expected_transactions(**a, horizon=3),
        ),
        # the abstract method customer_lifetime_value calls (issue 14), with discounting
        "PurchaseModel.discounted_expected_transactions": (
            {"frequency": fb, "recency": rb, "n_periods": n},
            lambda a: bgbb.discounted_expected_transactions(**a, horizon=3, discount_rate=0.1),
        ),
        "GammaGamma.fit": (
            {"frequency": rep["frequency"], "monetary_value": rep["monetary_value"]},
            lambda a: GammaGamma().fit(**a),
        ),
        "GammaGamma.expected_spend": (
            {"frequency": f, "monetary_value": m},
            lambda a: gg.expected_spend(**a),
        ),
        "customer_lifetime_value": (
            rfm | {"monetary_value": m},
            lambda a: customer_lifetime_value(bg, gg, **a, horizon=3),
        ),
        "repeat_purchase_histogram": (
            {"frequency": f, "T": T},
            lambda a: repeat_purchase_histogram(bg, **a),
        ),
        "plot_period_transactions": (
            {"frequency": f, "T": T},
            lambda a: plot_period_transactions(bg, **a),
        ),
        "segment_profiles": (
            {"features": s[["frequency", "monetary_value"]], "labels": rfm_segments(scores)},
            lambda a: segment_profiles(**a),
        ),
        "plot_rfm_segments": (
            {"segments": rfm_segments(scores), "revenue": m * f},
            lambda a: plot_rfm_segments(**a),
        ),
        "plot_rf_heatmap": ({"scores": scores, "values": m}, lambda a: plot_rf_heatmap(**a)),
        "cuped": ({"y": unit + 1.0, "covariate": unit, "variant": variant}, lambda a: cuped(**a)),
        "ratio_metric_test": (
            {"numerator": unit.abs(), "denominator": unit.abs() + 1.0, "variant": variant},
            lambda a: ratio_metric_test(**a),
        ),
    }
    return cases


CASE_NAMES = [
    "TransactionModel.fit",
    "TransactionModel.conditional_probability_of_purchases",
    "MBGNBD.fit",
    "ParetoNBD.fit",
    "TransactionModel.probability_alive",
    "TransactionModel.predict_purchases",
    "TransactionModel.discounted_expected_transactions",
    "ParetoNBD.expected_residual_transactions",
    "BGBB.fit",
    "BGBB.probability_alive",
    "BGBB.predict_purchases",
    "BGBB.discounted_expected_transactions",
    "PurchaseModel.discounted_expected_transactions",
    "GammaGamma.fit",
    "GammaGamma.expected_spend",
    "customer_lifetime_value",
    "repeat_purchase_histogram",
    "plot_period_transactions",
    "segment_profiles",
    "plot_rfm_segments",
    "plot_rf_heatmap",
    "cuped",
    "ratio_metric_test",
]


def paired_functions() -> set[str]:
    """Public callables (functions and methods, inherited ones under their defining
    class) with two or more per-row arguments."""
    found: set[str] = set()
    for sub in precisemkt.__all__:
        if sub == "__version__":
            continue
        module = getattr(precisemkt, sub)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            members = (
                [
                    (f"{c.__name__}.{k}", v)
                    for c in obj.__mro__
                    if c.__module__.startswith("precisemkt")
                    for k, v in vars(c).items()
                    if not k.startswith("_") and callable(v)
                ]
                if inspect.isclass(obj)
                else [(name, obj)]
                if callable(obj)
                else []
            )
            for label, func in members:
                try:
                    params = inspect.signature(func).parameters
                except (TypeError, ValueError):
                    continue
                positional = {
                    k for k, p in params.items() if p.kind is not inspect.Parameter.KEYWORD_ONLY
                }
                if len(PER_ROW & positional) >= 2:
                    found.add(label)
    return found


def test_every_paired_function_has_a_case() -> None:
    missing = paired_functions() - set(CASE_NAMES)
    assert not missing, f"add a case to tests/test_alignment.py for {sorted(missing)}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_shuffled_equals_aligned_and_mismatch_raises(name: str, summary: pd.DataFrame) -> None:
    inputs, call = _cases(summary)[name]
    expected = call(inputs)
    last = list(inputs)[-1]
    shuffled = dict(inputs)
    shuffled[last] = inputs[last].sample(frac=1.0, random_state=1)
    _close(call(shuffled), expected)
    wrong = dict(inputs)
    renamed = inputs[last].copy()
    renamed.index = renamed.index[:-1].append(pd.Index(["not-a-customer"]))
    wrong[last] = renamed
    with pytest.raises(ValidationError, match=r"same customer ids|same .* ids"):
        call(wrong)
