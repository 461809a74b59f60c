"""rfm_scores, rfm_segments, segment_map_table: properties, the total map, validation."""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_cdnow
from precisemkt.errors import DataQualityWarning, InvalidParameterError, ValidationError
from precisemkt.profiling import rfm_summary
from precisemkt.segmentation import SEGMENTS, rfm_scores, rfm_segments, segment_map_table
from tests.conftest import ROOT
from tests.reference import segmentation as ref

values = st.lists(st.integers(0, 6).map(float), min_size=1, max_size=40)


def score_frame(r: list[float], f: list[float], m: list[float], bins: int) -> pd.DataFrame:
    frame = pd.DataFrame({"recency": r, "frequency": f, "monetary_value": m})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # ties may leave scores unused
        return rfm_scores(frame, bins=bins)


@given(st.data(), st.integers(2, 9))
def test_scores_match_reference_and_properties(data: st.DataObject, bins: int) -> None:
    n = data.draw(st.integers(1, 40))
    cols = [
        data.draw(st.lists(st.integers(0, 6).map(float), min_size=n, max_size=n)) for _ in range(3)
    ]
    before = pd.DataFrame({"recency": cols[0], "frequency": cols[1], "monetary_value": cols[2]})
    frame = before.copy()
    scores = score_frame(*cols, bins=bins)
    pd.testing.assert_frame_equal(frame, before)  # input unchanged
    expected = {
        "r_score": ref.score(cols[0], bins, higher_is_better=False),
        "f_score": ref.score(cols[1], bins, higher_is_better=True),
        "m_score": ref.score(cols[2], bins, higher_is_better=True),
    }
    for name, raw, better in [
        ("r_score", cols[0], -1),
        ("f_score", cols[1], 1),
        ("m_score", cols[2], 1),
    ]:
        s = scores[name].to_numpy()
        assert s.tolist() == expected[name]
        assert ((s >= 1) & (s <= bins)).all()
        v = np.array(raw) * better
        # monotone: a better value never gets a lower score; equal values equal scores
        for i, j in itertools.product(range(n), repeat=2):
            if v[i] == v[j]:
                assert s[i] == s[j]
            elif v[i] > v[j]:
                assert s[i] >= s[j]
    assert scores["rfm_code"].tolist() == [
        f"{r}{f}{m}" for r, f, m in zip(*expected.values(), strict=True)
    ]


@given(st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=30, unique=True))
def test_distinct_values_give_equal_count_bins(xs: list[float]) -> None:
    frame = pd.DataFrame({"recency": xs, "frequency": xs, "monetary_value": xs})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        f = rfm_scores(frame, bins=5)["f_score"]
    counts = np.bincount(f, minlength=6)[1:]
    # without ties each score holds floor or ceil of n/5 customers
    assert counts.max() - counts.min() <= 1


def test_row_order_does_not_change_scores() -> None:
    summary = rfm_summary(load_cdnow())
    shuffled = summary.sample(frac=1.0, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        a = rfm_scores(summary)
        b = rfm_scores(shuffled).loc[summary.index]
    pd.testing.assert_frame_equal(a, b)


def test_cdnow_ties_warn_and_use_age() -> None:
    summary = rfm_summary(load_cdnow(), calibration_end="1997-09-30", observation_end="1998-06-30")
    with pytest.warns(DataQualityWarning) as record:
        scores = rfm_scores(summary)
    messages = sorted(str(w.message).split(":")[0] for w in record)
    assert messages == [
        "f_score leaves score(s) [2] of 1..5 unused",
        "m_score leaves score(s) [2] of 1..5 unused",
    ]
    # 1,411 of 2,357 CDNOW customers (60%) made no repeat purchase in the calibration
    # period: they share the lowest frequency (score 1), and the next customers start at
    # 1 + floor(5 * 1411 / 2357) = 3, so score 2 falls inside that tie block.
    assert (scores["f_score"] == 1).sum() == (summary["frequency"] == 0).sum() == 1411
    # recency is scored as time since the last purchase, T - recency: smaller is better
    since_last = summary["T"] - summary["recency"]
    best = since_last.idxmin()
    assert scores.loc[best, "r_score"] == 5
    assert scores.loc[since_last.idxmax(), "r_score"] == 1
    with pytest.warns(DataQualityWarning):
        direct = rfm_scores(summary, age_col=None)
    assert direct.loc[best, "r_score"] < 5  # lifetimes' recency read the other way round


def test_scores_messages() -> None:
    frame = pd.DataFrame({"recency": [1.0, np.nan], "frequency": [1, 2], "monetary_value": [1, 2]})
    with pytest.raises(ValidationError, match=r"column 'recency' must hold finite numbers"):
        rfm_scores(frame)
    with pytest.raises(InvalidParameterError, match=r"bins must be an integer in \[2, 9\]"):
        rfm_scores(frame.fillna(0), bins=10)
    with pytest.raises(ValidationError, match=r"'monetary' must be present"):
        rfm_scores(frame, monetary_value_col="monetary")


def test_empty_scores() -> None:
    empty = pd.DataFrame({"recency": [], "frequency": [], "monetary_value": []})
    assert rfm_scores(empty).empty
    assert rfm_segments(rfm_scores(empty)).empty


# ---- the segment map -------------------------------------------------------------------


def test_standard_map_is_total_and_every_segment_is_reachable() -> None:
    table = segment_map_table()
    codes = {f"{r}{f}{m}" for r, f, m in itertools.product(range(1, 6), repeat=3)}
    assert set(table.index) == codes
    assert len(table) == 125
    assert set(table["segment"]) == set(SEGMENTS)  # every segment reached
    scores = table[["r_score", "f_score", "m_score"]]
    assert rfm_segments(scores).tolist() == table["segment"].tolist()


def test_docs_table_equals_the_code() -> None:
    page = (ROOT / "docs" / "segmentation.md").read_text()
    block = page[page.index("<!-- segment-map:start -->") : page.index("<!-- segment-map:end -->")]
    rows = [line for line in block.splitlines() if re.match(r"^\| R = \d", line)]
    grid = {}
    for line in rows:
        cells = [c.strip() for c in line.strip("|").split("|")]
        grid[int(cells[0].split("=")[1])] = tuple(cells[1:])
    from precisemkt.segmentation._rfm import STANDARD_GRID

    assert grid == STANDARD_GRID


@given(st.lists(st.tuples(*[st.integers(1, 5)] * 3), min_size=1, max_size=50))
def test_every_customer_gets_exactly_one_segment(rows: list[tuple[int, int, int]]) -> None:
    scores = pd.DataFrame(rows, columns=["r_score", "f_score", "m_score"])
    segments = rfm_segments(scores)
    assert len(segments) == len(rows)
    assert segments.notna().all()
    assert set(segments) <= set(SEGMENTS)
    table = segment_map_table()
    assert segments.tolist() == [table.loc[f"{r}{f}{m}", "segment"] for r, f, m in rows]


def test_user_map_is_validated_like_the_standard_one() -> None:
    scores = pd.DataFrame({"r_score": [3, 1], "f_score": [2, 1], "m_score": [1, 1]})
    old = [f"{r}1{m}" for r in (1, 2) for m in range(1, 6)]  # a collection of codes
    ok = {"Recent": {"r": (3, 5)}, "Old": old, "Rest": {"r": (1, 2), "f": (2, 5)}}
    assert rfm_segments(scores, segment_map=ok).tolist() == ["Recent", "Old"]
    with pytest.raises(InvalidParameterError, match=r"code '511' in both 'A' and 'B'"):
        rfm_segments(
            scores,
            segment_map={"A": {"r": (4, 5)}, "B": {"r": (5, 5), "f": (1, 1)}, "C": {"r": (1, 3)}},
        )
    with pytest.raises(InvalidParameterError, match=r"assign every one of the 125 codes.*50 code"):
        rfm_segments(scores, segment_map={"A": {"r": (1, 3)}})
    with pytest.raises(InvalidParameterError, match=r"cover at least one code"):
        rfm_segments(scores, segment_map={"A": {"r": (1, 5)}, "Empty": []})
    with pytest.raises(InvalidParameterError, match=r"only the keys 'r', 'f', 'm'"):
        rfm_segments(scores, segment_map={"A": {"recency": (1, 5)}})
    with pytest.raises(InvalidParameterError, match=r"be 5 for the standard segment map"):
        rfm_segments(scores, bins=4)


def test_segments_messages() -> None:
    bad = pd.DataFrame({"r_score": [6], "f_score": [1], "m_score": [1]})
    with pytest.raises(ValidationError, match=r"column 'r_score' must hold integer scores 1..5"):
        rfm_segments(bad)
