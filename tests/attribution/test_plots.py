"""Attribution plots draw what the results hold (Agg backend, figures closed)."""

from __future__ import annotations

from collections.abc import Iterator

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.attribution import compare_models, heuristic_attribution, markov_attribution
from precisemkt.errors import InvalidParameterError
from precisemkt.plotting import plot_attribution, plot_transition_matrix
from tests.attribution.helpers import SMALL


@pytest.fixture(autouse=True)
def close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_grouped_bars_from_a_table_and_from_results() -> None:
    ax = plot_attribution(compare_models(SMALL, models=["linear", "markov"]))
    assert len(ax.patches) == 2 * 4
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["linear", "markov"]
    results = {
        m: heuristic_attribution(SMALL, model=m, n_boot=10, random_state=0)
        for m in ["first_touch", "last_touch"]
    }
    _, axis = plt.subplots()
    assert plot_attribution(results, measure="value", ax=axis) is axis
    heights = sorted(round(p.get_height(), 9) for p in axis.patches[:4])
    assert heights == sorted(round(v, 9) for v in results["first_touch"].value.tolist())
    assert len(axis.lines) > 0  # interval whiskers
    single = plot_attribution(markov_attribution(SMALL), measure="share")
    assert single.get_ylabel() == "share"


def test_transition_heatmap() -> None:
    res = markov_attribution(SMALL)
    ax = plot_transition_matrix(res)
    image = ax.get_images()[0].get_array()
    assert image.shape == (5, 6)  # (start) + 4 channels x 4 channels + 2 absorbing
    assert image.sum(axis=1).tolist() == pytest.approx([1.0] * 5)
    plot_transition_matrix(res, annotate=False)


def test_plot_errors() -> None:
    with pytest.raises(InvalidParameterError, match="result must be a Markov result"):
        plot_transition_matrix(heuristic_attribution(SMALL))
    with pytest.raises(InvalidParameterError, match="max_states must be at least the number"):
        plot_transition_matrix(markov_attribution(SMALL, order=3), max_states=5)
    with pytest.raises(InvalidParameterError, match="measure must be 'conversions' or 'share'"):
        plot_attribution(markov_attribution(SMALL.drop(columns="value")), measure="value")
    with pytest.raises(InvalidParameterError, match="results must be an AttributionResult"):
        plot_attribution([1, 2])  # type: ignore[arg-type]
