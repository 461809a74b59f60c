"""Plots draw what they are given (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from precisemkt.errors import InvalidParameterError
from precisemkt.experiments import GroupSequentialTest, bayes_means, bayes_proportions, msprt
from precisemkt.plotting import plot_lift_forest, plot_posteriors, plot_sequential


def test_plots():
    _fig, axes = plt.subplots(1, 4)
    assert plot_posteriors(bayes_proportions([1, 3, 2], [10, 10, 10]), ax=axes[0]) is axes[0]
    assert len(axes[0].lines) == 3
    plot_posteriors(bayes_means([1.0, 1.2], [1.0, 1.0], [50, 50]), ax=axes[1])
    ax = plot_lift_forest([0.1, -0.2], [0.05, -0.3], [0.2, 0.1], ax=axes[2])
    assert len(ax.get_yticks()) == 2
    gst = GroupSequentialTest().update(1.0, 0.5).update(2.5, 1.0)
    plot_sequential(gst, ax=axes[3])
    plot_sequential(msprt([[1, 3], [4, 9]], [[20, 20], [40, 40]]))
    with pytest.raises(InvalidParameterError, match="result must be"):
        plot_sequential(np.zeros(3))
    with pytest.raises(InvalidParameterError, match="BayesResult"):
        plot_posteriors(bayes_proportions([[1, 2], [1, 2]], [[9, 9], [9, 9]]))
    plt.close("all")
