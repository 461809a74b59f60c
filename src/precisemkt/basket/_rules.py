"""Association rules with mlxtend's measures, significance tests and redundancy pruning."""

from __future__ import annotations

import contextlib
from collections.abc import Hashable
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt._validation import (
    check_bool,
    check_int,
    check_interval,
    check_options,
    format_message,
    require_columns,
    require_frame,
)
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["MEASURES", "association_rules", "benjamini_hochberg", "holm", "lift_interval"]

#: The rule measures (mlxtend 0.25's, same definitions) a threshold can be set on.
MEASURES = (
    "antecedent_support",
    "consequent_support",
    "support",
    "confidence",
    "lift",
    "leverage",
    "conviction",
    "zhangs_metric",
    "jaccard",
    "certainty",
    "kulczynski",
)


def holm(p: FloatArray) -> FloatArray:
    """Holm's step-down adjusted p-values (family-wise error rate).

    Examples
    --------
    >>> holm(np.array([0.01, 0.04, 0.03]))
    array([0.03, 0.06, 0.06])
    """
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum((m - np.arange(m)) * p[order], 1.0)
    out = np.empty(m)
    out[order] = np.maximum.accumulate(scaled)
    return out


def benjamini_hochberg(p: FloatArray) -> FloatArray:
    """Benjamini-Hochberg adjusted p-values (false discovery rate).

    Examples
    --------
    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03]))
    array([0.03, 0.04, 0.04])
    """
    m = p.size
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(m * p[order] / np.arange(1, m + 1), 1.0)
    out = np.empty(m)
    out[order] = np.minimum.accumulate(scaled[::-1])[::-1]
    return out


def lift_interval(
    n_ac: FloatArray, n_a: FloatArray, n_c: FloatArray, n: float, level: float
) -> tuple[FloatArray, FloatArray]:
    """Wald interval for lift on the log scale (delta method, multinomial 2×2 table).

    With ``a = n(A and C)``, ``lift = a n / (n(A) n(C))`` and
    ``var(log lift) = 1/a - 1/n(A) - 1/n(C) + 2a / (n(A) n(C)) - 1/n``; the interval is
    ``lift * exp(±z sqrt(var))``.

    Examples
    --------
    >>> lo, hi = lift_interval(np.array([50.0]), np.array([100.0]), np.array([200.0]), 1000, 0.95)
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (2.076, 3.011)
    """
    lift = n_ac * n / (n_a * n_c)
    var = 1.0 / n_ac - 1.0 / n_a - 1.0 / n_c + 2.0 * n_ac / (n_a * n_c) - 1.0 / n
    half = stats.norm.ppf(0.5 + level / 2) * np.sqrt(np.maximum(var, 0.0))
    return lift * np.exp(-half), lift * np.exp(half)


def _wilson_low(k: FloatArray, n: FloatArray, level: float) -> FloatArray:
    """Lower bound of the Wilson score interval for a proportion ``k / n``."""
    z = stats.norm.ppf(0.5 + level / 2)
    p = k / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def _measures(s_ac: FloatArray, s_a: FloatArray, s_c: FloatArray) -> dict[str, FloatArray]:
    """mlxtend 0.25's rule measures from the three supports, with its zero handling."""
    with np.errstate(divide="ignore", invalid="ignore"):
        confidence = s_ac / s_a
        conviction = np.full(s_ac.shape, np.inf)
        below = confidence < 1.0
        conviction[below] = (1.0 - s_c[below]) / (1.0 - confidence[below])
        leverage = s_ac - s_a * s_c
        denominator = np.maximum(s_ac * (1 - s_a), s_a * (s_c - s_ac))
        zhang = np.where(denominator == 0, 0, leverage / denominator)
        certainty = np.where(1 - s_c == 0, 0, (confidence - s_c) / (1 - s_c))
        return {
            "antecedent_support": s_a,
            "consequent_support": s_c,
            "support": s_ac,
            "confidence": confidence,
            "lift": confidence / s_c,
            "leverage": leverage,
            "conviction": conviction,
            "zhangs_metric": zhang,
            "jaccard": s_ac / (s_a + s_c - s_ac),
            "certainty": certainty,
            "kulczynski": (s_ac / s_a + s_ac / s_c) / 2,
        }


def _index_itemsets(
    itemsets: pd.DataFrame,
) -> tuple[list[Hashable], dict[tuple[int, ...], int], list[tuple[int, ...]]]:
    """Item labels (from the single items), a lookup of sorted code tuples, and the codes."""
    labels: dict[Hashable, int] = {}
    rows: list[tuple[int, ...]] = []
    raw = itemsets["itemset"].tolist()
    for itemset in raw:
        if not isinstance(itemset, tuple | frozenset | list | set):
            raise ValidationError(
                format_message(
                    "itemsets column 'itemset'",
                    "hold tuples of items",
                    f"{itemset!r}",
                    "Pass the frame frequent_itemsets returns.",
                )
            )
        if len(itemset) == 1:
            labels.setdefault(next(iter(itemset)), len(labels))
    ordered = list(labels)
    with contextlib.suppress(TypeError):  # unorderable labels keep their first-seen order
        ordered = sorted(ordered)  # type: ignore[type-var]
    code = {label: i for i, label in enumerate(ordered)}
    for itemset in raw:
        try:
            rows.append(tuple(sorted(code[x] for x in itemset)))
        except KeyError as exc:
            raise ValidationError(
                format_message(
                    "itemsets",
                    "contain every subset of each itemset (downward closed)",
                    f"no row for the single item {exc.args[0]!r}",
                    "Pass all frequent itemsets (kind='all'), not closed or maximal ones.",
                )
            ) from None
    lookup = {row: i for i, row in enumerate(rows)}
    return ordered, lookup, rows


def _find(lookup: dict[tuple[int, ...], int], keys: list[tuple[int, ...]]) -> IntArray:
    out = np.fromiter((lookup.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
    if (out < 0).any():
        missing = keys[int(np.flatnonzero(out < 0)[0])]
        raise ValidationError(
            format_message(
                "itemsets",
                "contain every subset of each itemset (downward closed)",
                f"a missing subset of {len(missing)} item(s)",
                "Pass all frequent itemsets (kind='all'), not closed or maximal ones.",
            )
        )
    return out


def _productive(
    ante: list[tuple[int, ...]],
    cons: list[tuple[int, ...]],
    count: FloatArray,
    confidence_low: FloatArray,
    lookup: dict[tuple[int, ...], int],
) -> BoolArray:
    """Webb (2007): no rule with a proper subset of the antecedent (same consequent) has
    a confidence at or above the lower confidence bound of this rule."""
    keep = np.ones(len(ante), dtype=bool)
    for r, (a, c) in enumerate(zip(ante, cons, strict=True)):
        for size in range(1, len(a)):
            for z in combinations(a, size):
                conf = count[lookup[tuple(sorted(z + c))]] / count[lookup[z]]
                if conf >= confidence_low[r]:
                    keep[r] = False
                    break
            if not keep[r]:
                break
    return keep


def association_rules(
    itemsets: pd.DataFrame,
    *,
    metric: str = "confidence",
    min_threshold: float = 0.8,
    n_baskets: int | None = None,
    alpha: float = 0.05,
    correction: Literal["holm", "bh", "none"] = "holm",
    significant_only: bool = False,
    prune_redundant: bool = False,
) -> pd.DataFrame:
    """Derive association rules ``antecedent -> consequent`` and test each one.

    Every frequent itemset of two or more items is split in every way into a non-empty
    antecedent and consequent (as mlxtend does); the measures use the supports of the
    three itemsets, with mlxtend 0.25's definitions and zero handling:

    * ``confidence = s(AC) / s(A)``, ``lift = confidence / s(C)``,
      ``leverage = s(AC) - s(A) s(C)``;
    * ``conviction = (1 - s(C)) / (1 - confidence)``, ``inf`` when confidence is 1;
    * ``zhangs_metric = leverage / max(s(AC) (1 - s(A)), s(A) (s(C) - s(AC)))``, 0 when
      the denominator is 0;
    * ``jaccard = s(AC) / (s(A) + s(C) - s(AC))``;
    * ``certainty = (confidence - s(C)) / (1 - s(C))``, 0 when ``s(C) = 1``;
    * ``kulczynski = (s(AC) / s(A) + s(AC) / s(C)) / 2``.

    Each rule is tested for positive association with Fisher's exact test (one-sided,
    on the 2×2 table of baskets with/without A and with/without C:
    ``p = P(X >= n(AC))``, ``X ~ Hypergeometric(n, n(C), n(A))``), and the p-values of
    *all* candidate rules (before the threshold) are corrected together.

    Parameters
    ----------
    itemsets : pandas.DataFrame
        All frequent itemsets, as returned by :func:`frequent_itemsets` (``kind="all"``):
        columns ``itemset`` and ``support`` (and ``count``).
    metric : str, default "confidence"
        The measure ``min_threshold`` applies to: one of ``antecedent_support``,
        ``consequent_support``, ``support``, ``confidence``, ``lift``, ``leverage``,
        ``conviction``, ``zhangs_metric``, ``jaccard``, ``certainty``, ``kulczynski``.
    min_threshold : float, default 0.8
        Keep rules with ``metric >= min_threshold``.
    n_baskets : int, optional
        Number of baskets; default ``itemsets.attrs["n_baskets"]``.
    alpha : float, default 0.05
        Significance level after correction; the lift interval has level ``1 - alpha``.
    correction : {"holm", "bh", "none"}, default "holm"
        Holm (family-wise error rate), Benjamini-Hochberg (false discovery rate) or none.
    significant_only : bool, default False
        Keep only rules whose adjusted p-value is at most ``alpha``.
    prune_redundant : bool, default False
        Keep only *productive* rules (Webb 2007): drop a rule when a rule with a proper
        subset of its antecedent and the same consequent has a confidence at or above the
        lower end of this rule's Wilson interval (level ``1 - alpha``) for confidence.

    Returns
    -------
    pandas.DataFrame
        One row per rule, sorted by lift then confidence (descending): ``antecedent``,
        ``consequent`` (tuples of labels), the eleven measures, ``count`` (baskets with
        both sides), ``p_value``, ``p_adjusted``, ``significant``, ``lift_ci_low``,
        ``lift_ci_high``. ``attrs`` records ``n_baskets``, ``n_tested``, ``correction``
        and ``alpha``.

    Raises
    ------
    ValidationError
        The itemsets are not downward closed or lack a column.
    InvalidParameterError
        A bad argument.

    Examples
    --------
    >>> from precisemkt.basket import association_rules, frequent_itemsets
    >>> baskets = [["beer", "diapers"]] * 30 + [["beer"]] * 10 + [["milk"]] * 60
    >>> rules = association_rules(frequent_itemsets(baskets, min_support=0.05), min_threshold=0.5)
    >>> rules[["antecedent", "consequent", "confidence", "lift", "significant"]]
       antecedent  consequent  confidence  lift  significant
    0  (diapers,)     (beer,)        1.00   2.5         True
    1     (beer,)  (diapers,)        0.75   2.5         True
    """
    frame = require_frame(itemsets, "itemsets")
    require_columns(frame, ["itemset", "support"], name="itemsets")
    check_options(metric, "metric", MEASURES)
    threshold = check_interval(min_threshold, "min_threshold")
    level = 1.0 - check_interval(alpha, "alpha", low=0, high=1, closed="neither")
    check_options(correction, "correction", ("holm", "bh", "none"))
    keep_significant = check_bool(significant_only, "significant_only")
    prune = check_bool(prune_redundant, "prune_redundant")
    raw_n = frame.attrs.get("n_baskets") if n_baskets is None else n_baskets
    if raw_n is None:
        raise InvalidParameterError(
            format_message(
                "n_baskets",
                "be given when the itemsets frame does not record it",
                "None",
                "Pass n_baskets=<number of baskets> (frequent_itemsets records it).",
            )
        )
    n = check_int(raw_n, "n_baskets", low=1)
    labels, lookup, rows = _index_itemsets(frame)
    support = frame["support"].to_numpy(dtype=np.float64)
    count = (
        frame["count"].to_numpy(dtype=np.float64)
        if "count" in frame.columns
        else np.round(support * n)
    )
    ante: list[tuple[int, ...]] = []
    cons: list[tuple[int, ...]] = []
    whole: list[int] = []
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    for length in range(2, int(lengths.max(initial=0)) + 1):
        sel = np.flatnonzero(lengths == length)
        if sel.size == 0:
            continue
        codes = np.array([rows[i] for i in sel], dtype=np.int64)
        for size in range(length - 1, 0, -1):
            for left in combinations(range(length), size):
                right = [j for j in range(length) if j not in left]
                ante.extend(map(tuple, codes[:, list(left)].tolist()))
                cons.extend(map(tuple, codes[:, right].tolist()))
                whole.extend(sel.tolist())
    i_ac = np.array(whole, dtype=np.int64)
    i_a = _find(lookup, ante)
    i_c = _find(lookup, cons)
    values = _measures(support[i_ac], support[i_a], support[i_c])
    n_ac, n_a, n_c = count[i_ac], count[i_a], count[i_c]
    p_value = stats.hypergeom.sf(n_ac - 1, n, n_c, n_a) if i_ac.size else np.empty(0)
    p_value = np.minimum(np.asarray(p_value, dtype=np.float64), 1.0)
    if correction == "holm":
        adjusted = holm(p_value)
    elif correction == "bh":
        adjusted = benjamini_hochberg(p_value)
    else:
        adjusted = p_value.copy()
    significant = adjusted <= alpha
    low, high = lift_interval(n_ac, n_a, n_c, float(n), level)
    keep = values[metric] >= threshold
    if keep_significant:
        keep &= significant
    if prune and keep.any():
        idx = np.flatnonzero(keep)
        conf_low = _wilson_low(n_ac[idx], n_a[idx], level)
        productive = _productive(
            [ante[i] for i in idx], [cons[i] for i in idx], count, conf_low, lookup
        )
        keep[idx[~productive]] = False
    idx = np.flatnonzero(keep)
    label_arr = np.empty(len(labels), dtype=object)
    label_arr[:] = labels
    out = pd.DataFrame(
        {
            "antecedent": pd.Series([tuple(label_arr[list(ante[i])]) for i in idx], dtype=object),
            "consequent": pd.Series([tuple(label_arr[list(cons[i])]) for i in idx], dtype=object),
            **{name: values[name][idx] for name in MEASURES},
            "count": n_ac[idx].astype(np.int64),
            "p_value": p_value[idx],
            "p_adjusted": adjusted[idx],
            "significant": significant[idx],
            "lift_ci_low": low[idx],
            "lift_ci_high": high[idx],
        }
    )
    out = out.iloc[np.lexsort((-out["confidence"].to_numpy(), -out["lift"].to_numpy()))]
    out = out.reset_index(drop=True)
    out.attrs.update(
        n_baskets=n, n_tested=int(p_value.size), correction=correction, alpha=float(alpha)
    )
    return out
