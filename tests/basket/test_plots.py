"""The basket plots draw on the given axes and return them."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from precisemkt.basket import association_rules, baskets_from_lists, frequent_itemsets
from precisemkt.plotting import plot_cooccurrence, plot_rule_graph, plot_rules

BASKETS = [["tea", "jam"]] * 6 + [["tea"]] * 5 + [["jam", "milk"]] * 4 + [["milk", "bread"]] * 3


def test_plots_return_their_axes() -> None:
    rules = association_rules(frequent_itemsets(BASKETS, min_support=0.1), min_threshold=0.0)
    for draw in (plot_rules, plot_rule_graph):
        fig, ax = plt.subplots()
        assert draw(rules, ax=ax) is ax
        plt.close(fig)
    fig, ax = plt.subplots()
    assert plot_cooccurrence(baskets_from_lists(BASKETS), top=4, scale="count", ax=ax) is ax
    image = ax.images[0].get_array()
    # tea & jam together in 6 baskets; the diagonal is blank
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert image[labels.index("tea"), labels.index("jam")] == 6
    assert np.ma.is_masked(image[0, 0]) or np.isnan(image[0, 0])
    plt.close(fig)
