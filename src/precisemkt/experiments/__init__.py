"""A/B testing: frequentist, Bayesian and sequential tests, CUPED, power, SRM, bandits."""

from __future__ import annotations

from precisemkt.experiments._common import Lift
from precisemkt.experiments._proportions import ProportionsTestResult, proportions_test, wilson_interval

__all__ = ["Lift", "ProportionsTestResult", "proportions_test", "wilson_interval"]
