"""Every code block of docs/segmentation.md runs top to bottom, and its comments are true."""

from __future__ import annotations

import numpy as np

from tests.doc_blocks import run_page


def test_segmentation_page_runs() -> None:
    ns = run_page("segmentation.md")
    choice = ns["choice"]
    assert choice.best == 2  # type: ignore[attr-defined]
    np.testing.assert_allclose(
        choice.to_frame()["silhouette"].round(3).to_numpy(),  # type: ignore[attr-defined]
        [0.454, 0.354, 0.333, 0.347, 0.336, 0.294, 0.295],
    )
    tiers = ns["value_tiers"](ns["spend"]).value_counts(sort=False)  # type: ignore[operator]
    assert tiers.to_dict() == {"A": 777, "B": 804, "C": 776}
    assert len(ns["profiles"]) == 5  # type: ignore[arg-type]
