"""Customer-lifetime-value models: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma.

Estimators follow scikit-learn (``fit`` returns the estimator; fitted state ends in ``_``)
and are fitted by maximum likelihood with exact gradients and Hessians, so standard errors
come from the observed information. Log-likelihoods are reported in the data's own units,
as the papers print them. Predictions take arrays (or Series, whose index is kept).
"""

from __future__ import annotations

from precisemkt.clv._bgbb import BGBB
from precisemkt.clv._bgnbd import BGNBD, MBGNBD
from precisemkt.clv._engine import predict_frame
from precisemkt.clv._evaluation import (
    HoldoutEvaluation,
    holdout_evaluation,
    repeat_purchase_histogram,
    tracking_transactions,
)
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._paretonbd import ParetoNBD
from precisemkt.clv._value import customer_lifetime_value

__all__ = [
    "BGBB",
    "BGNBD",
    "MBGNBD",
    "GammaGamma",
    "HoldoutEvaluation",
    "ParetoNBD",
    "customer_lifetime_value",
    "holdout_evaluation",
    "predict_frame",
    "repeat_purchase_histogram",
    "tracking_transactions",
]
