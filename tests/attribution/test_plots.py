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
    with pytest.raises(InvalidParameterError, match="max_states must be an integer"):
        plot_transition_matrix(markov_attribution(SMALL), max_states=1)
    with pytest.raises(InvalidParameterError, match="measure must be 'conversions' or 'share'"):
        plot_attribution(markov_attribution(SMALL.drop(columns="value")), measure="value")
    with pytest.raises(InvalidParameterError, match="results must be an AttributionResult"):
        plot_attribution([1, 2])  # type: ignore[arg-type]


def test_higher_order_chains_show_their_busiest_states() -> None:
    # issue 12: order >= 2 raised instead of drawing
    res = markov_attribution(SMALL, order=3)
    tm = res.transition_matrix
    assert tm is not None
    n_states = tm["from"].nunique()
    assert n_states > 6
    ax = plot_transition_matrix(res, max_states=6)
    image = ax.get_images()[0].get_array()
    assert image.shape[0] == 6
    assert image.sum(axis=1).tolist() == pytest.approx([1.0] * 6)  # (other states) kept
    assert "(other states)" in [t.get_text() for t in ax.get_xticklabels()]
    assert f"busiest of {n_states} states" in ax.get_title()
    traffic = tm[tm["from"] != "(start)"].groupby("from")["count"].sum()
    shown = {t.get_text() for t in ax.get_yticklabels()} - {"(start)"}
    assert min(traffic[list(shown)]) >= max(traffic.drop(list(shown)))


def test_many_models_figure_stays_readable() -> None:
    # issue 12: compare_models on 12 channels gave a 26 x 4 inch figure and a legend over
    # the bars
    from precisemkt.datasets import make_journeys

    paths = make_journeys(3000, channels=12, random_state=0)[1]
    table = compare_models(paths)
    ax = plot_attribution(table)
    fig = ax.figure
    width, height = fig.get_size_inches()
    assert 6 <= width <= 14
    assert height >= 4
    fig.canvas.draw()
    legend = ax.get_legend()
    assert len(legend.get_texts()) == table.shape[1]
    box, frame = legend.get_window_extent(), fig.bbox
    assert box.x0 >= frame.x0  # inside the figure
    assert box.x1 <= frame.x1 + 1
    assert not box.overlaps(ax.get_window_extent())  # beside the bars, not over them
