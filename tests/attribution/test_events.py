"""paths_from_events: journeys cut at conversions, lookback, ties, lags and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from precisemkt.attribution import paths_from_events
from precisemkt.datasets import make_journeys
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError


def log(rows: list[tuple[object, str, str | None, bool, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["customer_id", "timestamp", "channel", "conversion", "value"]
    ).assign(timestamp=lambda d: pd.to_datetime(d["timestamp"]))


EVENTS = log(
    [
        ("u1", "2024-01-05", "email", False, 0.0),  # out of order on purpose
        ("u1", "2024-01-01", "social", False, 0.0),
        ("u1", "2024-01-06", None, True, 30.0),  # conversion-only event
        ("u1", "2024-01-08", "search", True, 20.0),  # a converting visit
        ("u1", "2024-01-09", "display", False, 0.0),  # after the last conversion: null
        ("u2", "2024-02-01", "direct", False, 0.0),
    ]
)


def test_cuts_journeys_at_conversions() -> None:
    paths = paths_from_events(EVENTS, value_col="value")
    assert paths["path"].tolist() == ["social > email", "search", "display", "direct"]
    assert paths["customer_id"].tolist() == ["u1", "u1", "u1", "u2"]
    assert paths["conversions"].tolist() == [1, 1, 0, 0]
    assert paths["nulls"].tolist() == [0, 0, 1, 1]
    assert paths["value"].tolist() == [30.0, 20.0, 0.0, 0.0]
    assert paths["touch_lags"].tolist() == [(5.0, 1.0), (0.0,), (0.0,), (0.0,)]
    assert paths["end_time"].tolist() == list(
        pd.to_datetime(["2024-01-06", "2024-01-08", "2024-01-09", "2024-02-01"])
    )


def test_lookback_drops_old_touches() -> None:
    paths = paths_from_events(EVENTS, value_col="value", lookback="3D")
    assert paths["path"].tolist() == ["email", "search", "display", "direct"]
    same = paths_from_events(EVENTS, value_col="value", lookback=3)  # days
    pd.testing.assert_frame_equal(paths, same)


def test_conversions_without_touches_warn_and_are_left_out() -> None:
    events = log(
        [
            ("u", "2024-01-01", None, True, 5.0),
            ("u", "2024-01-02", "email", False, 0.0),
            ("u", "2024-01-03", None, True, 7.0),
        ]
    )
    with pytest.warns(DataQualityWarning, match="1 conversion\\(s\\) have no touch"):
        paths = paths_from_events(events, value_col="value")
    assert paths["path"].tolist() == ["email"]
    assert paths["value"].tolist() == [7.0]


def test_ties_put_touches_before_conversion_events() -> None:
    events = log([("u", "2024-01-01", None, True, 1.0), ("u", "2024-01-01", "email", False, 0.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        paths = paths_from_events(events)
    assert paths["path"].tolist() == ["email"]
    assert paths["conversions"].tolist() == [1]


def test_numeric_times_and_integer_flags() -> None:
    events = pd.DataFrame(
        {
            "user": [1, 1, 1],
            "t": [0.0, 2.5, 4.0],
            "source": ["a", "b", "c"],
            "bought": [0, 0, 1],
        }
    )
    paths = paths_from_events(
        events,
        journey_col="user",
        time_col="t",
        channel_col="source",
        conversion_col="bought",
        lookback=3.0,
    )
    assert paths["path"].tolist() == ["b > c"]
    assert paths["touch_lags"].tolist() == [(1.5, 0.0)]
    assert "value" not in paths.columns


def test_time_zones_are_kept() -> None:
    events = EVENTS.assign(timestamp=EVENTS["timestamp"].dt.tz_localize("Europe/Paris"))
    paths = paths_from_events(events)
    assert str(paths["end_time"].dt.tz) == "Europe/Paris"
    assert paths["touch_lags"].tolist()[0] == (5.0, 1.0)


def test_agrees_with_the_simulated_path_table() -> None:
    # make_journeys builds its path table directly from the simulation, independently.
    events, paths, _ = make_journeys(3000, channels=6, random_state=4)
    built = paths_from_events(events, value_col="value")
    merged = built.groupby("path")[["conversions", "nulls", "value"]].sum()
    expected = paths.set_index("path")
    pd.testing.assert_frame_equal(
        merged[["conversions", "nulls"]], expected[["conversions", "nulls"]]
    )
    np.testing.assert_allclose(merged["value"], expected["value"], rtol=1e-12)


def test_input_is_not_mutated() -> None:
    before = EVENTS.copy(deep=True)
    paths_from_events(EVENTS, value_col="value", lookback="2D")
    pd.testing.assert_frame_equal(EVENTS, before)


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        (lambda e: e.iloc[:0], ValidationError, "events must have at least one row"),
        (lambda e: e.drop(columns="channel"), ValidationError, "column\\(s\\) 'channel'"),
        (lambda e: e.assign(conversion=2), ValidationError, "must be True/False or 0/1"),
        (lambda e: e.assign(timestamp="monday"), ValidationError, "must hold datetimes or numbers"),
        (
            lambda e: e.assign(timestamp=e["timestamp"].where(e.index != 1)),
            ValidationError,
            "must have a time for every event",
        ),
        (
            lambda e: e.assign(customer_id=e["customer_id"].where(e.index != 0)),
            ValidationError,
            "must identify the journey of every event; got 1 missing id",
        ),
        (
            lambda e: e.assign(channel=e["channel"].where(e.index != 0)),
            ValidationError,
            "must name a channel on every event that is not a conversion; got 1 touch",
        ),
        (
            lambda e: e.assign(channel=e["channel"].replace("email", "e > mail")),
            ValidationError,
            "channel name 'e > mail' must not contain the separator '>'",
        ),
        (
            lambda e: e.assign(channel=e["channel"].replace("email", "  ")),
            ValidationError,
            "must name a channel on every touch; got an empty name at row 0",
        ),
        (
            lambda e: e.assign(value=-e["value"]),
            ValidationError,
            "events column 'value' must be non-negative on conversions",
        ),
    ],
)
def test_bad_events(change, error: type[Exception], match: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error, match=match):
        paths_from_events(change(EVENTS), value_col="value")


def test_bad_lookback() -> None:
    with pytest.raises(InvalidParameterError, match="lookback must be a non-negative duration"):
        paths_from_events(EVENTS, lookback=-1)
    with pytest.raises(InvalidParameterError, match="lookback must be a duration"):
        paths_from_events(EVENTS, lookback="a while")
    numeric = EVENTS.assign(timestamp=np.arange(len(EVENTS), dtype=float))
    with pytest.raises(InvalidParameterError, match="lookback must be a number in the time"):
        paths_from_events(numeric, lookback="3D")
