"""Privacy for tables that leave the company.

* :func:`check_anonymity` measures k-anonymity, l-diversity (distinct, entropy, recursive),
  t-closeness and re-identification risk of a table;
* :class:`Hierarchy` describes how a quasi-identifier is generalised;
* :func:`anonymize` generalises a table until it meets the requested k, l and t, either
  by Mondrian multidimensional partitioning or by the optimal full-domain generalisation;
* :func:`laplace_count`, :func:`laplace_sum`, :func:`gaussian_mean`,
  :func:`noisy_counts`, :func:`noisy_group_stats` and :func:`noisy_histogram` release
  differentially private aggregates with exact discrete noise from the OS CSPRNG, charged
  to a :class:`PrivacyBudget` (basic composition and zCDP);
* :func:`teaching_laplace` and :func:`teaching_gaussian` keep the float textbook
  mechanisms for simulation and teaching only.
"""

from __future__ import annotations

from precisemkt.privacy._anonymize import AnonymizationResult, InformationLoss, anonymize
from precisemkt.privacy._budget import LedgerEntry, PrivacyBudget
from precisemkt.privacy._check import AnonymityReport, check_anonymity
from precisemkt.privacy._dp import (
    NoisyValue,
    gaussian_mean,
    gaussian_sigma,
    laplace_count,
    laplace_sum,
    teaching_gaussian,
    teaching_laplace,
)
from precisemkt.privacy._groups import (
    GroupRelease,
    noisy_counts,
    noisy_group_stats,
    noisy_histogram,
)
from precisemkt.privacy._hierarchy import Hierarchy

__all__ = [
    "AnonymityReport",
    "AnonymizationResult",
    "GroupRelease",
    "Hierarchy",
    "InformationLoss",
    "LedgerEntry",
    "NoisyValue",
    "PrivacyBudget",
    "anonymize",
    "check_anonymity",
    "gaussian_mean",
    "gaussian_sigma",
    "laplace_count",
    "laplace_sum",
    "noisy_counts",
    "noisy_group_stats",
    "noisy_histogram",
    "teaching_gaussian",
    "teaching_laplace",
]
