"""Significance, intervals and redundancy pruning of association rules."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from precisemkt.basket import association_rules, baskets_from_orders, frequent_itemsets
from precisemkt.basket._rules import _wilson_low, benjamini_hochberg, holm, lift_interval
from precisemkt.datasets import make_baskets
from precisemkt.errors import InvalidParameterError, ValidationError


@pytest.fixture(scope="module")
def planted() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    sim = make_baskets(5000, 60, mean_basket_size=4.0, n_rules=3, random_state=2)
    b = baskets_from_orders(sim.orders)
    itemsets = frequent_itemsets(b, min_support=0.005)
    return sim.rules, itemsets, association_rules(itemsets, min_threshold=0.0)


def test_fisher_p_values_match_scipy(planted: tuple[pd.DataFrame, ...]) -> None:
    _, _, rules = planted
    n = rules.attrs["n_baskets"]
    for _, r in rules.sample(40, random_state=0).iterrows():
        a = r["count"]
        n_a = round(r["antecedent_support"] * n)
        n_c = round(r["consequent_support"] * n)
        table = [[a, n_a - a], [n_c - a, n - n_a - n_c + a]]
        expected = stats.fisher_exact(table, alternative="greater").pvalue
        assert r["p_value"] == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_corrections_match_statsmodels() -> None:
    multipletests = pytest.importorskip("statsmodels.stats.multitest").multipletests
    p = np.random.default_rng(0).uniform(size=200) ** 3
    np.testing.assert_allclose(holm(p), multipletests(p, method="holm")[1], rtol=1e-12)
    np.testing.assert_allclose(
        benjamini_hochberg(p), multipletests(p, method="fdr_bh")[1], rtol=1e-12
    )


def test_planted_rules_are_found_and_significant(planted: tuple[pd.DataFrame, ...]) -> None:
    truth, _, rules = planted
    for _, t in truth.iterrows():
        hit = rules[
            (rules["antecedent"] == t["antecedent"]) & (rules["consequent"] == t["consequent"])
        ]
        assert len(hit) == 1
        row = hit.iloc[0]
        assert row["significant"]
        # the true lift lies well inside the data's range (4 standard errors on the log scale)
        se = (np.log(row["lift_ci_high"]) - np.log(row["lift_ci_low"])) / (2 * 1.959964)
        assert abs(np.log(row["lift"]) - np.log(t["lift"])) < 4 * se


@pytest.mark.slow
def test_independent_items_rarely_give_a_significant_rule() -> None:
    # 200 data sets of independent items: Holm at 5% must keep the chance of any false
    # rule at or below 5%; the bound allows 2.33 binomial standard errors (1% false alarm)
    n_sims, any_false, shares = 200, 0, []
    for seed in range(n_sims):
        sim = make_baskets(1500, 25, mean_basket_size=3.0, n_rules=0, random_state=seed)
        itemsets = frequent_itemsets(baskets_from_orders(sim.orders), min_support=0.01)
        rules = association_rules(itemsets, min_threshold=0.0)
        any_false += bool(rules["significant"].any())
        shares.append(rules["significant"].mean() if len(rules) else 0.0)
    rate = any_false / n_sims
    assert rate <= 0.05 + 2.33 * np.sqrt(0.05 * 0.95 / n_sims)
    assert np.mean(shares) <= 0.05


def test_lift_interval_covers_at_its_level() -> None:
    # multinomial 2x2 tables with known lift 1.6; coverage of the 95% interval within
    # 3 binomial standard errors of 0.95 over 4,000 draws
    rng = np.random.default_rng(7)
    p_a, p_c, p_ac, n = 0.1, 0.2, 0.032, 3000
    cells = rng.multinomial(n, [p_ac, p_a - p_ac, p_c - p_ac, 1 - p_a - p_c + p_ac], size=4000)
    n_ac = cells[:, 0].astype(float)
    n_a = n_ac + cells[:, 1]
    n_c = n_ac + cells[:, 2]
    low, high = lift_interval(n_ac, n_a, n_c, float(n), 0.95)
    true_lift = p_ac / (p_a * p_c)
    covered = np.mean((low <= true_lift) & (true_lift <= high))
    assert abs(covered - 0.95) < 3 * np.sqrt(0.95 * 0.05 / 4000)


def test_significant_only_keeps_the_significant_rules(planted: tuple[pd.DataFrame, ...]) -> None:
    _, itemsets, rules = planted
    kept = association_rules(itemsets, min_threshold=0.0, significant_only=True)
    assert len(kept) == int(rules["significant"].sum()) > 0
    assert kept["significant"].all()
    bh = association_rules(itemsets, min_threshold=0.0, correction="bh")
    assert bh["significant"].sum() >= rules["significant"].sum()  # BH is never stricter
    assert rules.attrs["n_tested"] == len(rules)


def test_redundant_rules_are_pruned_by_definition(planted: tuple[pd.DataFrame, ...]) -> None:
    _, itemsets, rules = planted
    pruned = association_rules(itemsets, min_threshold=0.0, prune_redundant=True)
    conf = {
        (frozenset(a), frozenset(c)): v
        for a, c, v in zip(
            rules["antecedent"], rules["consequent"], rules["confidence"], strict=True
        )
    }
    kept = set(
        zip(pruned["antecedent"].map(frozenset), pruned["consequent"].map(frozenset), strict=True)
    )
    n_a = np.round(rules["antecedent_support"] * rules.attrs["n_baskets"]).to_numpy()
    low = _wilson_low(rules["count"].to_numpy(float), n_a, 0.95)
    dropped = 0
    for i, (a, c) in enumerate(zip(rules["antecedent"], rules["consequent"], strict=True)):
        general = [
            conf[(frozenset(z), frozenset(c))]
            for size in range(1, len(a))
            for z in combinations(a, size)
        ]
        productive = all(g < low[i] for g in general)
        assert ((frozenset(a), frozenset(c)) in kept) == productive
        dropped += not productive
    assert dropped > 0
    assert len(pruned) < len(rules)


def test_bad_input_is_named() -> None:
    itemsets = frequent_itemsets([["a", "b"], ["a"]], min_support=0.5)
    with pytest.raises(InvalidParameterError, match="metric"):
        association_rules(itemsets, metric="interest")
    with pytest.raises(InvalidParameterError, match="n_baskets"):
        association_rules(pd.DataFrame({"itemset": [("a",)], "support": [1.0]}))
    closed = frequent_itemsets([["a", "b"], ["a", "b"]], min_support=0.5, kind="closed")
    with pytest.raises(ValidationError, match="downward closed"):
        association_rules(closed, min_threshold=0.0)
    with pytest.raises(InvalidParameterError, match="correction"):
        association_rules(itemsets, correction="bonferroni")  # type: ignore[arg-type]


def test_no_pairs_gives_an_empty_frame_with_every_column() -> None:
    rules = association_rules(frequent_itemsets([["a"], ["b"]], min_support=0.5), min_threshold=0.0)
    assert rules.empty
    assert {"antecedent", "lift", "p_adjusted", "lift_ci_high"} <= set(rules.columns)
    assert rules.attrs["n_tested"] == 0
