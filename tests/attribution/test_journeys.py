"""make_journeys: journeys from a known chain, reproducible, with valid timestamps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.datasets import make_journeys
from precisemkt.errors import InvalidParameterError


def test_layout_and_reproducibility() -> None:
    events, paths, chain = make_journeys(2000, channels=4, random_state=3)
    assert list(events.columns) == ["customer_id", "timestamp", "channel", "conversion", "value"]
    assert list(paths.columns) == ["path", "conversions", "nulls", "value"]
    assert events["customer_id"].nunique() == 2000
    assert paths["conversions"].sum() + paths["nulls"].sum() == 2000
    assert events["conversion"].sum() == paths["conversions"].sum()
    assert events["value"].sum() == pytest.approx(paths["value"].sum())
    np.testing.assert_allclose(chain.sum(axis=1), 1.0)
    assert (np.diag(chain.to_numpy()[1:, :4]) == 0).all()  # no self-loops by default
    # time runs forward within each journey, and only the last touch converts
    assert (
        events.groupby("customer_id")["timestamp"].apply(lambda t: t.is_monotonic_increasing).all()
    )
    last = events.groupby("customer_id").tail(1)
    assert events["conversion"].sum() == last["conversion"].sum()
    again = make_journeys(2000, channels=4, random_state=3)
    pd.testing.assert_frame_equal(events, again.events)
    pd.testing.assert_frame_equal(chain, again.chain)


def test_follows_the_chain() -> None:
    # First touches are draws from the chain's start row: 4 binomial standard errors.
    events, _, chain = make_journeys(50_000, channels=5, random_state=8)
    first = events.groupby("customer_id")["channel"].first().value_counts(normalize=True)
    start = chain.loc["(start)", first.index]
    se = np.sqrt(start * (1 - start) / 50_000)
    assert (np.abs(first - start) <= 4 * se + 1e-12).all()
    # mean value per conversion: Gamma(2, mean / 2) has mean 50 and sd 50 / sqrt(2)
    values = events.loc[events["conversion"], "value"]
    assert abs(values.mean() - 50.0) <= 4 * (50 / np.sqrt(2)) / np.sqrt(values.size)


def test_custom_chain_and_names() -> None:
    names = ["ads", "mail"]
    chain = pd.DataFrame(
        [[0.5, 0.5, 0.0, 0.0], [0.0, 0.5, 0.25, 0.25], [0.5, 0.0, 0.0, 0.5]],
        index=["(start)", *names],
        columns=[*names, "(conversion)", "(null)"],
    )
    events, paths, truth = make_journeys(
        500, channels=names, transition_matrix=chain, random_state=0
    )
    pd.testing.assert_frame_equal(truth, chain)
    assert set(events["channel"]) == {"ads", "mail"}
    # mail never converts directly, so every converting path ends with ads
    converting = paths.loc[paths["conversions"] > 0, "path"]
    assert converting.str.endswith("ads").all()
    many = make_journeys(10, channels=12, random_state=0)
    assert many.chain.index[-1] == "channel_12"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_journeys": 0}, "n_journeys must be an integer in \\[1, inf\\]"),
        ({"channels": "abc"}, "channels must be a number of channels or a non-empty sequence"),
        ({"channels": ["a", "a"]}, "channels must hold distinct, non-empty names"),
        ({"channels": ["a > b"]}, "without '>'"),
        ({"mean_gap_days": 0}, "mean_gap_days must be in \\(0, inf\\)"),
        ({"transition_matrix": "chain"}, "transition_matrix must be a DataFrame"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], match: str) -> None:
    args = {"n_journeys": 10} | kwargs
    with pytest.raises(InvalidParameterError, match=match):
        make_journeys(**args)  # type: ignore[arg-type]


def test_bad_chains() -> None:
    names = ["a", "b"]
    cols = [*names, "(conversion)", "(null)"]
    rows = ["(start)", *names]
    unnormalised = pd.DataFrame(np.ones((3, 4)), index=rows, columns=cols)
    with pytest.raises(InvalidParameterError, match="rows summing to 1"):
        make_journeys(5, channels=names, transition_matrix=unnormalised)
    trapped = pd.DataFrame(
        [[1, 0, 0, 0], [1, 0, 0, 0], [0, 0, 0.5, 0.5]], index=rows, columns=cols, dtype=float
    )
    with pytest.raises(InvalidParameterError, match="let every journey end"):
        make_journeys(5, channels=names, transition_matrix=trapped)
