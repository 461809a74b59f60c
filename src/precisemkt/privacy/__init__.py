"""Privacy for tables that leave the company.

* :func:`check_anonymity` measures k-anonymity, l-diversity (distinct, entropy, recursive),
  t-closeness and re-identification risk of a table;
* :class:`Hierarchy` describes how a quasi-identifier is generalised;
* :func:`anonymize` generalises a table until it meets the requested k, l and t, either
  by Mondrian multidimensional partitioning or by the optimal full-domain generalisation;
* :func:`laplace_count`, :func:`laplace_sum`, :func:`gaussian_mean` and
  :class:`PrivacyBudget` release differentially private aggregates.
"""

from __future__ import annotations

from precisemkt.privacy._anonymize import AnonymizationResult, InformationLoss, anonymize
from precisemkt.privacy._check import AnonymityReport, check_anonymity
from precisemkt.privacy._dp import (
    NoisyValue,
    PrivacyBudget,
    gaussian_mean,
    gaussian_sigma,
    laplace_count,
    laplace_sum,
)
from precisemkt.privacy._hierarchy import Hierarchy

__all__ = [
    "AnonymityReport",
    "AnonymizationResult",
    "Hierarchy",
    "InformationLoss",
    "NoisyValue",
    "PrivacyBudget",
    "anonymize",
    "check_anonymity",
    "gaussian_mean",
    "gaussian_sigma",
    "laplace_count",
    "laplace_sum",
]
