"""Customer-lifetime-value models: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma.

Estimators follow scikit-learn (``fit`` returns the estimator; fitted state ends in ``_``)
and are fitted by maximum likelihood with exact gradients and Hessians, so standard errors
come from the observed information. Log-likelihoods are reported in the data's own units,
as the papers print them.
"""

from __future__ import annotations

from precisemkt.clv._bgnbd import BGNBD, MBGNBD
from precisemkt.clv._paretonbd import ParetoNBD

__all__ = ["BGNBD", "MBGNBD", "ParetoNBD"]
