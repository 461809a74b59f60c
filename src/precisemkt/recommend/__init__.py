"""Recommendations with reasons: popularity, item-kNN, EASE and implicit ALS.

* :func:`interactions_from_orders` — the compact user x item form of an order log.
* :class:`Popularity`, :class:`ItemKNN`, :class:`EASE`, :class:`ALS` — scikit-learn style
  estimators; ``recommend`` returns ranked items with the history items behind each one
  (``because``) and a popularity fallback for new customers.
* :func:`split_by_time`, :func:`leave_last_out`, :func:`split_per_user`, :func:`evaluate` —
  offline evaluation over the full catalogue.
"""

from __future__ import annotations

from precisemkt.recommend._als import ALS
from precisemkt.recommend._ease import EASE
from precisemkt.recommend._evaluate import RecommendationMetrics, evaluate
from precisemkt.recommend._interactions import Interactions, interactions_from_orders
from precisemkt.recommend._knn import ItemKNN
from precisemkt.recommend._popularity import Popularity
from precisemkt.recommend._split import leave_last_out, split_by_time, split_per_user

__all__ = [
    "ALS",
    "EASE",
    "Interactions",
    "ItemKNN",
    "Popularity",
    "RecommendationMetrics",
    "evaluate",
    "interactions_from_orders",
    "leave_last_out",
    "split_by_time",
    "split_per_user",
]
