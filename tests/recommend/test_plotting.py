"""Recommend plots draw on the given axes (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from precisemkt.datasets import make_interactions
from precisemkt.errors import InvalidParameterError
from precisemkt.plotting import plot_metric_curves, plot_popularity_bias
from precisemkt.recommend import ItemKNN, Popularity, evaluate, leave_last_out


def test_metric_curves_one_line_per_model() -> None:
    log = make_interactions(n_users=150, n_items=40, random_state=0).interactions
    train, test = leave_last_out(log)
    res = {"pop": evaluate(Popularity(), train, test), "knn": evaluate(ItemKNN(), train, test)}
    fig, ax = plt.subplots()
    assert plot_metric_curves(res, metric="hit_rate", ax=ax) is ax
    assert [line.get_label() for line in ax.get_lines()] == ["pop", "knn"]
    np.testing.assert_allclose(ax.get_lines()[1].get_ydata(), res["knn"].metrics["hit_rate"])
    plt.close(fig)
    with pytest.raises(InvalidParameterError, match="metric"):
        plot_metric_curves(res, metric="auc")


def test_popularity_bias_shares_sum_to_one() -> None:
    log = make_interactions(n_users=150, n_items=40, random_state=0).interactions
    model = Popularity().fit(log)
    ax = plot_popularity_bias(model.interactions_, model.recommend(log["user_id"].unique(), n=3))
    catalogue, recommended = ax.get_lines()
    assert catalogue.get_ydata().sum() == pytest.approx(1.0)
    assert recommended.get_ydata().sum() == pytest.approx(1.0)
    # popularity recommends only head items: the tail gets no slot
    assert recommended.get_ydata()[-10:].sum() == 0
    plt.close(ax.figure)
