"""Figures of docs/clv.md (written to docs/figures/): the CDNOW walk-through."""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.clv import BGNBD, holdout_evaluation, tracking_transactions
from precisemkt.datasets import load_cdnow
from precisemkt.plotting import (
    plot_calibration_vs_holdout,
    plot_cumulative_transactions,
    plot_period_transactions,
    plot_probability_alive_matrix,
)
from precisemkt.profiling import rfm_summary

OUT = Path(__file__).resolve().parents[1] / "figures"


def _save(ax: object, name: str) -> None:
    fig = ax.figure  # type: ignore[attr-defined]
    fig.savefig(OUT / name, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main() -> None:
    OUT.mkdir(exist_ok=True)
    log = load_cdnow()
    summary = rfm_summary(
        log, freq="D", freq_multiplier=7, calibration_end="1997-09-30", observation_end="1998-06-30"
    )
    model = BGNBD().fit(summary)
    _save(plot_period_transactions(model, summary), "clv_period.png")
    _save(plot_calibration_vs_holdout(holdout_evaluation(model, summary)), "clv_holdout.png")
    tracking = tracking_transactions(
        model, log, freq="D", freq_multiplier=7, observation_end="1998-06-30"
    )
    _save(plot_cumulative_transactions(tracking, calibration_end=39.0), "clv_tracking.png")
    _save(plot_probability_alive_matrix(model, max_frequency=20), "clv_palive.png")


if __name__ == "__main__":
    main()
