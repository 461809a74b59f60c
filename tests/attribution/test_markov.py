"""Exact Markov attribution: dense reference, exact P(conversion), ChannelAttribution,
recovery of a known chain, order selection."""

from __future__ import annotations

import contextlib
import io
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.attribution import _markov as markov_module
from precisemkt.attribution import choose_markov_order, markov_attribution
from precisemkt.datasets import make_journeys
from precisemkt.errors import InvalidParameterError, ValidationError
from tests.attribution.helpers import SMALL, path_tables, quiet, rows_of
from tests.reference import attribution as ref


@pytest.fixture(scope="module")
def ca() -> ModuleType:
    with contextlib.redirect_stdout(io.StringIO()):
        return pytest.importorskip("ChannelAttribution")


def assert_matches_reference(paths: pd.DataFrame, order: int, collapse: bool) -> None:
    res = markov_attribution(paths, order=order, collapse_repeats=collapse)
    expected = ref.markov(rows_of(paths), order, collapse)
    assert res.conversion_probability == pytest.approx(
        expected["conversion_probability"], abs=1e-12
    )
    for ours, theirs in [
        (res.removal_effects, expected["removal_effects"]),
        (res.value_removal_effects, expected["value_removal_effects"]),
    ]:
        assert ours is not None
        np.testing.assert_allclose(ours.to_numpy(), pd.Series(theirs)[ours.index], atol=1e-10)
    for ours, theirs in [
        (res.conversions, expected["conversions"]),
        (res.value, expected["value"]),
    ]:
        assert ours is not None
        np.testing.assert_allclose(
            ours.to_numpy(), pd.Series(theirs)[ours.index], rtol=1e-10, atol=1e-10
        )


@given(path_tables(), st.integers(1, 4), st.booleans())
def test_matches_dense_reference(paths: pd.DataFrame, order: int, collapse: bool) -> None:
    # Reference: dense transition matrix and inv(I - Q) per removal (tests/reference).
    assert_matches_reference(paths, order, collapse)


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("max_iterations", [10_000, 1])
def test_large_chain_solvers_match_dense_reference(
    order: int, max_iterations: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Force the large-chain branch (BiCGSTAB above DENSE_LIMIT states) on chains the dense
    # reference still solves quickly; with one iteration allowed, the sparse-LU fallback.
    monkeypatch.setattr(markov_module, "DENSE_LIMIT", 0)
    monkeypatch.setattr(markov_module, "MAX_ITERATIONS", max_iterations)
    _, paths, _ = make_journeys(3000, channels=6, random_state=order)
    assert_matches_reference(paths, order, collapse=True)


@given(path_tables(channels="abcdef", max_len=8), st.integers(1, 4), st.booleans())
def test_conversion_probability_is_the_observed_rate(
    paths: pd.DataFrame, order: int, collapse: bool
) -> None:
    # Closed form: the fitted chain's expected visits are the observed visits per journey,
    # so absorption in CONVERSION is conversions / journeys exactly, at every order.
    res = markov_attribution(paths, order=order, collapse_repeats=collapse)
    rate = paths["conversions"].sum() / (paths["conversions"].sum() + paths["nulls"].sum())
    assert res.conversion_probability == pytest.approx(rate, rel=1e-12, abs=1e-15)


@given(path_tables())
def test_collapsing_repeats_at_order_one_changes_no_credit(paths: pd.DataFrame) -> None:
    # A self-loop does not change absorption probabilities.
    a = markov_attribution(paths, collapse_repeats=True)
    b = markov_attribution(paths, collapse_repeats=False)
    np.testing.assert_allclose(a.removal_effects, b.removal_effects, atol=1e-12)
    np.testing.assert_allclose(a.conversions, b.conversions, rtol=1e-12, atol=1e-12)


def test_transition_matrix_equals_channelattribution(ca: ModuleType) -> None:
    # ChannelAttribution's transition probabilities are count ratios, not simulated, so
    # they must agree exactly (labels: it numbers channels by first appearance).
    out = quiet(
        ca.markov_model,
        SMALL,
        "path",
        "conversions",
        var_value="value",
        var_null="nulls",
        out_more=True,
        verbose=0,
        flg_pro=False,
    )
    code = {"a": "1", "b": "2", "c": "3", "d": "4"}
    theirs = out["transition_matrix"].set_index(["channel_from", "channel_to"])
    ours = markov_attribution(SMALL).transition_matrix
    assert ours is not None
    ours = ours.replace(code).set_index(["from", "to"])
    assert set(ours.index) == set(theirs.index)
    np.testing.assert_allclose(
        ours.loc[theirs.index, "probability"], theirs["transition_probability"], atol=1e-12
    )


@pytest.mark.parametrize("order", [1, 2, 3])
def test_within_channelattribution_simulation_error(ca: ModuleType, order: int) -> None:
    """ChannelAttribution simulates the same chain; it must agree up to its own noise.

    Its estimate is run with 8 seeds 100 apart (each run seeds its 10 folds with
    seed + fold, so these streams do not overlap) at its default simulation settings;
    the tolerance is 4 standard errors of their mean, the standard error estimated from
    the 8 runs. ``max_step=1000``: by default it stops a simulated walk after as many
    steps as the longest observed path and counts it as lost, a bias of its own that
    the exact solution does not share (at order 1 it pulls channel a's removal effect
    about 10 standard errors low on this table; see docs/attribution.md).
    At orders 2-3 its windows do not merge repeated channels, so ours runs with
    ``collapse_repeats=False``; it merges repeated states, which removes self-loops only
    and changes no absorption probability.
    """
    ours = markov_attribution(SMALL, order=order, collapse_repeats=order == 1)
    runs = [
        quiet(
            ca.markov_model,
            SMALL,
            "path",
            "conversions",
            var_value="value",
            var_null="nulls",
            order=order,
            out_more=True,
            verbose=0,
            flg_pro=False,
            seed=seed,
            max_step=1000,
        )
        for seed in range(0, 800, 100)
    ]
    fields = [
        ("removal_effects", "removal_effects_conversion", ours.removal_effects),
        ("removal_effects", "removal_effects_conversion_value", ours.value_removal_effects),
        ("result", "total_conversions", ours.conversions),
        ("result", "total_conversion_value", ours.value),
    ]
    for table, column, mine in fields:
        assert mine is not None
        draws = pd.concat([r[table].set_index("channel_name")[column] for r in runs], axis=1)
        mean = draws.mean(axis=1)[mine.index]
        se = draws.std(axis=1, ddof=1)[mine.index] / np.sqrt(draws.shape[1])
        assert (np.abs(mine - mean) <= 4 * se).all(), (column, mine, mean, se)


def test_recovers_a_known_chain() -> None:
    # make_journeys draws journeys from a known chain; its exact removal effects
    # (reference solver on the true matrix) must lie within 4 bootstrap standard errors.
    _events, paths, chain = make_journeys(20_000, channels=5, random_state=11)
    res = markov_attribution(paths, n_boot=40, random_state=3)
    p_true, effects_true = ref.chain_removal_effects(chain.to_numpy())
    assert res.conversion_probability == pytest.approx(p_true, abs=0.01)
    boot = res.bootstrap_conversions
    assert boot is not None
    total = paths["conversions"].sum()
    names = list(chain.columns[: len(effects_true)])
    credit_true = pd.Series(effects_true / effects_true.sum() * total, index=names)
    credit_true = credit_true[res.conversions.index].to_numpy()
    se = boot.std(ddof=1).to_numpy()
    assert (np.abs(res.conversions.to_numpy() - credit_true) <= 4 * se + 1e-9).all()
    # fitted transition probabilities vs the truth: 4 binomial standard errors
    tm = res.transition_matrix
    assert tm is not None
    totals = tm.groupby("from")["count"].transform("sum")
    truth = np.array([chain.loc[f, t] for f, t in zip(tm["from"], tm["to"], strict=True)])
    binomial_se = np.sqrt(truth * (1 - truth) / totals)
    assert (np.abs(tm["probability"] - truth) <= 4 * binomial_se + 1e-12).all()


def test_transition_matrix_rows_sum_to_one() -> None:
    tm = markov_attribution(SMALL, order=2).transition_matrix
    assert tm is not None
    np.testing.assert_allclose(tm.groupby("from")["probability"].sum(), 1.0, atol=1e-12)
    assert {"(start)", "a > b"} <= set(tm["from"])
    assert {"(conversion)", "(null)"} <= set(tm["to"])


def test_without_nulls_every_journey_converts() -> None:
    paths = pd.DataFrame({"path": ["a > b", "b", "a"], "conversions": [2, 1, 1]})
    res = markov_attribution(paths)
    assert res.conversion_probability == pytest.approx(1.0)
    assert res.value is None
    assert res.value_removal_effects is None
    # removing a loses the journeys through a: 3 of 4
    assert res.removal_effects["a"] == pytest.approx(0.75)


def test_no_conversions_gives_zero_credit() -> None:
    paths = pd.DataFrame({"path": ["a > b", "b"], "conversions": [0, 0], "nulls": [3, 2]})
    res = markov_attribution(paths)
    assert res.conversion_probability == 0.0
    assert (res.conversions == 0).all()
    assert (res.removal_effects == 0).all()
    assert (res.share == 0).all()


def test_one_channel() -> None:
    res = markov_attribution(pd.DataFrame({"path": ["a"], "conversions": [3], "nulls": [1]}))
    assert res.conversions.to_dict() == {"a": 3.0}
    assert res.removal_effects.to_dict() == {"a": 1.0}


def test_same_answer_every_time_and_input_untouched() -> None:
    before = SMALL.copy(deep=True)
    a = markov_attribution(SMALL, order=2)
    b = markov_attribution(SMALL, order=2)
    pd.testing.assert_series_equal(a.conversions, b.conversions)
    pd.testing.assert_frame_equal(SMALL, before)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"order": 0}, "order must be an integer in \\[1, inf\\]; got 0"),
        ({"order": 1.5}, "order must be an integer"),
        ({"order": 40}, "order must keep \\(channels \\+ 1\\) \\*\\* order below 2\\*\\*62"),
        ({"collapse_repeats": "yes"}, "collapse_repeats must be True or False"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(InvalidParameterError, match=match):
        markov_attribution(SMALL, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- order choice


def _order_two_paths(seed: int) -> pd.DataFrame:
    """Journeys whose conversion depends on the last two channels, not the last one:
    'x > b' converts at 40%, 'y > b' at 5%, and b is always the last touch."""
    rng = np.random.default_rng(seed)
    rows = []
    for first, rate in (("x", 0.40), ("y", 0.05)):
        for prefix in ("", "z > ", "x > z > "):
            n = 2000
            conv = int(rng.binomial(n, rate))
            rows.append((f"{prefix}{first} > b", conv, n - conv))
    return pd.DataFrame(rows, columns=["path", "conversions", "nulls"])


def test_choose_order_finds_second_order_dependence() -> None:
    selection = choose_markov_order(_order_two_paths(0), max_order=3, random_state=0)
    scores = selection.scores["log_loss"]
    assert selection.best_order >= 2
    # the gain from order 2 is far beyond the fold-to-fold noise
    assert scores[1] - scores[2] > 5 * selection.scores["log_loss_se"][2]


def test_choose_order_keeps_first_order_chains_at_order_one() -> None:
    # make_journeys is first-order: extra history can only overfit, so no higher order
    # beats order 1 by more than the standard error of the cross-validated loss.
    _, paths, _ = make_journeys(30_000, channels=6, random_state=5)
    selection = choose_markov_order(paths, max_order=3, random_state=1)
    scores = selection.scores
    assert (scores["log_loss"] >= scores["log_loss"][1] - 2 * scores["log_loss_se"]).all()
    assert list(scores.columns) == ["log_loss", "log_loss_se", "n_states"]
    assert scores["n_states"].is_monotonic_increasing


def test_choose_order_is_reproducible_and_validates() -> None:
    paths = _order_two_paths(1)
    a = choose_markov_order(paths, max_order=2, random_state=7)
    b = choose_markov_order(paths, max_order=2, random_state=7)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    with pytest.raises(InvalidParameterError, match="n_folds must be an integer in \\[2, inf\\]"):
        choose_markov_order(paths, n_folds=1)
    fractional = paths.assign(conversions=paths["conversions"] + 0.5)
    with pytest.raises(ValidationError, match="whole numbers to deal journeys into folds"):
        choose_markov_order(fractional)


@settings(max_examples=20)
@given(path_tables())
def test_choose_order_scores_are_finite(paths: pd.DataFrame) -> None:
    selection = choose_markov_order(paths, max_order=3, n_folds=2, random_state=0)
    assert np.isfinite(selection.scores["log_loss"]).all()
    assert selection.best_order in (1, 2, 3)


def test_worked_example_by_hand() -> None:
    # docs/attribution.md works this chain out by hand: P = 7/30, removal effects
    # 4/7, 6/7, 2/7, so the 7 conversions split 4 : 6 : 2.
    paths = pd.DataFrame(
        {"path": ["a > b", "a", "b > c"], "conversions": [4, 1, 2], "nulls": [6, 9, 8]}
    )
    res = markov_attribution(paths)
    assert res.conversion_probability == pytest.approx(7 / 30, rel=1e-14)
    assert res.removal_effects.tolist() == pytest.approx([4 / 7, 6 / 7, 2 / 7], rel=1e-13)
    assert res.conversions.tolist() == pytest.approx([7 * 4 / 12, 7 * 6 / 12, 7 * 2 / 12])
