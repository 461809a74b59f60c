"""Segmentation plots draw what they are given (Agg backend, figures closed)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.datasets import load_cdnow
from precisemkt.errors import DataQualityWarning, ValidationError
from precisemkt.plotting import plot_rf_heatmap, plot_rfm_segments, plot_segment_profiles
from precisemkt.profiling import rfm_summary
from precisemkt.segmentation import rfm_scores, rfm_segments, segment_profiles


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cdnow_scores() -> tuple[pd.DataFrame, pd.DataFrame]:
    summary = rfm_summary(load_cdnow())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return summary, rfm_scores(summary)


def test_segment_bars_show_customer_and_revenue_shares(
    cdnow_scores: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    summary, scores = cdnow_scores
    segments = rfm_segments(scores)
    revenue = summary["monetary_value"] * summary["frequency"]
    ax = plot_rfm_segments(segments, revenue)
    customers, money = ax.containers
    widths = np.array([b.get_width() for b in customers])
    np.testing.assert_allclose(
        widths, segments.value_counts(sort=False).reindex(segments.cat.categories) / len(segments)
    )
    assert sum(b.get_width() for b in money) == pytest.approx(1.0)
    assert [t.get_text() for t in ax.get_yticklabels()] == list(segments.cat.categories)


def test_rf_heatmap_counts_customers(cdnow_scores: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    _, scores = cdnow_scores
    _fig, ax = plt.subplots()
    assert plot_rf_heatmap(scores, ax=ax) is ax
    grid = ax.images[0].get_array()
    assert grid.sum() == len(scores)
    # top-left cell is R = 5, F = 1
    assert grid[0, 0] == ((scores["r_score"] == 5) & (scores["f_score"] == 1)).sum()
    ones = pd.Series(1.0, index=scores.index)
    means = plot_rf_heatmap(scores, values=ones).images[0].get_array()
    assert np.nanmax(means) == 1.0


def test_segment_profile_chart(cdnow_scores: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    summary, scores = cdnow_scores
    profiles = segment_profiles(summary, rfm_segments(scores))
    ax = plot_segment_profiles(profiles)
    assert ax.images[0].get_array().shape == (len(profiles), summary.shape[1])
    with pytest.raises(ValidationError, match=r"profiles must have standardised-difference"):
        plot_segment_profiles(summary)


def test_segment_bars_align_revenue_by_customer_id(
    cdnow_scores: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    # issue 13: a shuffled spend Series used to be paired by position (Champions at 22% of
    # revenue instead of 57% on the full CDNOW log)
    summary, scores = cdnow_scores
    segments = rfm_segments(scores)
    revenue = summary["monetary_value"] * summary["frequency"]
    shuffled = revenue.sample(frac=1.0, random_state=0)
    aligned = [b.get_width() for b in plot_rfm_segments(segments, revenue).containers[1]]
    from_shuffled = [b.get_width() for b in plot_rfm_segments(segments, shuffled).containers[1]]
    np.testing.assert_allclose(from_shuffled, aligned, rtol=1e-12)
    champions = list(segments.cat.categories).index("Champions")
    expected = revenue[segments == "Champions"].sum() / revenue.sum()
    assert aligned[champions] == pytest.approx(expected, rel=1e-12)
    with pytest.raises(ValidationError, match=r"missing from revenue"):
        plot_rfm_segments(segments, revenue.iloc[1:])
    with pytest.raises(ValidationError, match=r"be indexed by customer id"):
        plot_rfm_segments(segments, revenue.to_numpy())


def test_rf_heatmap_aligns_values_by_customer_id(
    cdnow_scores: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    summary, scores = cdnow_scores
    value = summary["monetary_value"]
    grid = plot_rf_heatmap(scores, values=value).images[0].get_array()
    shuffled = value.sample(frac=1.0, random_state=1)
    again = plot_rf_heatmap(scores, values=shuffled).images[0].get_array()
    np.testing.assert_allclose(np.ma.filled(again, np.nan), np.ma.filled(grid, np.nan))
    with pytest.raises(ValidationError, match=r"same customer ids"):
        plot_rf_heatmap(scores, values=value.iloc[:-1])
