"""Customer lifetime value on CDNOW: fit, check on a holdout period, value customers.

Run: ``PYTHONPATH=src python examples/clv.py`` (about 10 s, most of it compiling kernels
on the first run).
"""

from __future__ import annotations

import math

from precisemkt.clv import BGNBD, GammaGamma, ParetoNBD, customer_lifetime_value, holdout_evaluation
from precisemkt.datasets import load_cdnow
from precisemkt.profiling import rfm_summary

# 1. One row per customer: 39 calibration weeks, 39 holdout weeks (time in weeks).
summary = rfm_summary(
    load_cdnow(),
    freq="D",
    freq_multiplier=7,
    calibration_end="1997-09-30",
    observation_end="1998-06-30",
)

# 2. Transaction models: estimates with exact-Hessian standard errors.
bgnbd = BGNBD().fit(summary)
pareto = ParetoNBD().fit(summary)
print(bgnbd.summary().round(4))
print(f"BG/NBD log-likelihood {bgnbd.log_likelihood_:.1f} (paper: -9582.4)")
print(f"Pareto/NBD log-likelihood {pareto.log_likelihood_:.1f} (paper: -9595.0)")

# 3. How well do they predict the next 39 weeks?
for model in (bgnbd, pareto):
    check = holdout_evaluation(model, summary)
    print(
        f"{type(model).__name__}: predicted {check.predicted_total:.0f} holdout purchases, "
        f"actual {check.actual_total:.0f}; MAE {check.mae:.3f}, r = {check.correlation:.3f}"
    )

# 4. Spend model on repeat buyers (selected from the summary for you), then a year of
#    value (monthly discounting at 1%) and the discounted lifetime value of the Pareto/NBD
#    (DERT, 15% a year).
spend = GammaGamma().fit(summary)
print(spend)
print(holdout_evaluation(bgnbd, summary, spend_model=spend))
year = customer_lifetime_value(bgnbd, spend, summary, horizon=12, discount_rate=0.01, freq="W")
lifetime = customer_lifetime_value(
    pareto, spend, summary, horizon=math.inf, discount_rate=1.15 ** (1 / 12) - 1, freq="W"
)
ranked = summary.assign(
    p_alive=bgnbd.probability_alive(summary),
    next_39_weeks=bgnbd.predict_purchases(39, summary),
    value_1y=year,
    value_lifetime=lifetime,
).sort_values("value_lifetime", ascending=False)
columns = ["frequency", "recency", "p_alive", "next_39_weeks", "value_1y", "value_lifetime"]
print(ranked[columns].head(5).round(2).to_string())
