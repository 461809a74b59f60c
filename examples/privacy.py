"""Anonymise a customer table before it leaves the company, then release DP aggregates.

Run: python examples/privacy.py
"""

from __future__ import annotations

from precisemkt.datasets import make_people
from precisemkt.privacy import (
    PrivacyBudget,
    anonymize,
    check_anonymity,
    gaussian_mean,
    laplace_count,
    noisy_group_stats,
)

people, hierarchies = make_people(5000, random_state=0, return_hierarchies=True)
qis = ["age", "zip_code", "sex", "education", "marital_status", "occupation"]
# Every column has a role. customer_id is a direct identifier (dropped from the release);
# income_band is safe to publish as it is. Exact annual spend singles people out (99% of
# values are unique), so it stays in-house and is only released as a DP mean below.
table = people.drop(columns="annual_spend")
roles = {"identifiers": "customer_id", "insensitive": "income_band"}

# 1. How exposed is the raw table?
raw = check_anonymity(table, qis, sensitive="purchase_category", **roles)
print(f"raw: k={raw.k}, {raw.share_below(5):.0%} of records in classes smaller than 5")

# 2. The least-generalised full-domain recoding that is 5-anonymous and 2-diverse,
#    suppressing at most 2% of the records.
res = anonymize(
    table,
    qis,
    k=5,
    l=2,
    sensitive="purchase_category",
    method="global",
    hierarchies=hierarchies,
    max_suppression=0.02,
    **roles,
)
print("levels:", res.levels)
print(
    f"global: k={res.report.k}, l={res.report.l_distinct}, "
    f"GCP={res.information_loss.gcp:.3f}, suppressed={res.n_suppressed}"
)

# 3. Mondrian keeps more detail (numbers become ranges) and suppresses nothing.
mon = anonymize(
    table,
    qis,
    k=5,
    l=2,
    sensitive="purchase_category",
    hierarchies={q: h for q, h in hierarchies.items() if q != "age"},
    random_state=0,
    **roles,
)
print(f"mondrian: k={mon.report.k}, GCP={mon.information_loss.gcp:.3f}")
print(mon.data.head())

# 4. Aggregates for a partner under one privacy budget. Noise is exact (discrete, from
#    the OS CSPRNG); insecure_seed makes this printout reproducible and is marked in the
#    results: never seed a real release.
budget = PrivacyBudget(epsilon=1.5, delta=1e-6)
buyers = laplace_count(
    people[people["purchase_category"] == "Electronics"],
    epsilon=0.5,
    budget=budget,
    insecure_seed=1,
)
spend = gaussian_mean(
    people["annual_spend"],
    lower=0,
    upper=5000,
    epsilon=0.5,
    delta=1e-6,
    budget=budget,
    insecure_seed=2,
)
lo, hi = spend.confidence_interval(0.95)
print(
    f"electronics buyers ~ {buyers.value:.0f}; mean spend ~ {spend.value:.1f} "
    f"(95% noise interval {lo:.1f} to {hi:.1f})"
)
# 5. A segment table: spend per income band (public keys), every customer counted once.
bands = noisy_group_stats(
    people,
    "income_band",
    "annual_spend",
    lower=0,
    upper=5000,
    epsilon=0.5,
    keys=people["income_band"].cat.categories,
    budget=budget,
    insecure_seed=3,
)
print(bands.table.round(1))
print(f"spent epsilon {budget.spent_epsilon:.3f} of {budget.epsilon:g}")
print(budget.ledger())
