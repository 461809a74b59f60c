"""Datasets: real data shipped with the package and simulators with known truth.

Real data: :func:`load_cdnow` (CDNOW transactions) and :func:`load_donations` (BG/BB
donation patterns); :func:`load_adult` (the Adult census table with its generalisation
hierarchies, for anonymisation).

Simulators: :func:`make_transactions` (BG/NBD, MBG/NBD or Pareto/NBD
purchase logs with per-customer truth), :func:`make_journeys` (customer journeys from
a known Markov chain, for attribution) and :func:`make_people` (a customer table with
quasi-identifiers and sensitive attributes, for anonymisation).
Market baskets: :func:`load_online_retail` (UCI Online Retail item sets per customer) and
:func:`make_baskets` (independent items with planted rules of known lift).
For recommendations: :func:`make_interactions` (purchases from known taste factors) and
:func:`load_movielens_100k` (fetched from PyPI on first use, never shipped).
"""

from __future__ import annotations

from precisemkt.datasets._baskets import SimulatedBaskets, make_baskets
from precisemkt.datasets._interactions import SimulatedInteractions, make_interactions
from precisemkt.datasets._journeys import SimulatedJourneys, make_journeys
from precisemkt.datasets._loaders import AdultData, load_adult, load_cdnow, load_donations
from precisemkt.datasets._movielens import load_movielens_100k
from precisemkt.datasets._people import make_people
from precisemkt.datasets._retail import load_online_retail
from precisemkt.datasets._simulate import SimulatedTransactions, make_transactions

__all__ = [
    "AdultData",
    "SimulatedBaskets",
    "SimulatedInteractions",
    "SimulatedJourneys",
    "SimulatedTransactions",
    "load_adult",
    "load_cdnow",
    "load_donations",
    "load_movielens_100k",
    "load_online_retail",
    "make_baskets",
    "make_interactions",
    "make_journeys",
    "make_people",
    "make_transactions",
]
