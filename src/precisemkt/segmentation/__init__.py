"""Segmentation: RFM scores and named segments, value tiers, k-means and segment profiles.

* :func:`rfm_scores`, :func:`rfm_segments`, :func:`segment_map_table` — tie-safe RFM scores
  and named segments from a total, validated segment map.
* :func:`value_tiers` — Pareto / ABC tiers by cumulative share of value.
* :class:`KMeans`, :func:`choose_k` — fast k-means (parallel Lloyd, k-means++) and a
  silhouette-based choice of k.
* :func:`segment_profiles` — what distinguishes each segment.
"""

from __future__ import annotations

from precisemkt.segmentation._kmeans import ChooseKResult, KMeans, choose_k
from precisemkt.segmentation._profiles import segment_profiles
from precisemkt.segmentation._rfm import (
    SEGMENTS,
    rfm_scores,
    rfm_segments,
    segment_map_table,
)
from precisemkt.segmentation._tiers import value_tiers

__all__ = [
    "SEGMENTS",
    "ChooseKResult",
    "KMeans",
    "choose_k",
    "rfm_scores",
    "rfm_segments",
    "segment_map_table",
    "segment_profiles",
    "value_tiers",
]
