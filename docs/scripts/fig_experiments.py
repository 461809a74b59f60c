"""Figures of docs/experiments.md (written to docs/figures/)."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from precisemkt import experiments as ex
from precisemkt.plotting import plot_lift_forest, plot_posteriors, plot_sequential

OUT = Path(__file__).resolve().parents[1] / "figures"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    ax = plot_posteriors(ex.bayes_proportions([120, 150, 135], [1000, 1000, 1000]))
    ax.figure.savefig(OUT / "experiments_posteriors.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)

    rng = np.random.default_rng(1)
    n = np.full((8, 2), 5000)
    s = rng.binomial(n, [[0.10, 0.106]] * 8)
    res = ex.proportions_test(s, n)
    lo, hi = res.confidence_interval()
    ax = plot_lift_forest(res.effect.absolute, lo, hi, labels=[f"metric {i}" for i in range(8)])
    ax.figure.savefig(OUT / "experiments_forest.png", dpi=110, bbox_inches="tight")
    plt.close(ax.figure)

    conv = rng.binomial(400, [0.10, 0.115], size=(20, 2)).cumsum(axis=0)
    visitors = 400 * np.arange(1, 21)[:, None] * np.ones(2)
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.5))
    plot_sequential(ex.msprt(conv, visitors), ax=a1)
    gst = ex.GroupSequentialTest(spending="obrien_fleming")
    z = ex.proportions_test(conv, visitors).statistic
    for look, day in enumerate(range(3, 20, 4)):
        gst.update(z[day], (look + 1) / 5)
    plot_sequential(gst, ax=a2)
    fig.savefig(OUT / "experiments_sequential.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


if __name__ == "__main__":
    main()
