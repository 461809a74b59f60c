"""check_anonymity against pycanon 1.3.6 (run in the test, on the same tables).

Allowances for pycanon's known defects (each one is demonstrated, never copied):

* ``entropy_l_diversity`` truncates ``exp(min entropy)`` to an int, so we compare
  ``int(l_entropy)`` — or either neighbour when ``l_entropy`` is within 1e-9 of a whole
  number, where the two float computations may round to different sides;
* it mixes index labels and positions (``groupby().groups`` gives labels, ``iloc`` takes
  positions), so it is always called on a copy with a default RangeIndex;
* ``recursive_c_l_diversity`` sorts each class's counts in *increasing* order before
  ``floor(r_1 / (r_l + ... + r_m)) + 1`` — we check that it equals exactly that formula on
  our class counts reversed, and separately that our value follows the definition;
* ``average_ecsize`` divides by the achieved k instead of the requested k: we check our
  ``c_avg`` times ``requested k / achieved k`` against it;
* ``t_closeness`` divides by ``m - 1`` for a numeric attribute with a single value
  (ZeroDivisionError); every class then has the table's distribution, so we expect 0.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from precisemkt.datasets import load_adult, make_people
from precisemkt.privacy import anonymize, check_anonymity
from tests.privacy.tables import Table, tables

pycanon = pytest.importorskip("pycanon")
from pycanon import anonymity as pa  # noqa: E402
from pycanon import metrics as pm  # noqa: E402


def _quiet(func: Any, *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args)


def _entropy_agrees(ours: float, theirs: int) -> bool:
    if abs(ours - round(ours)) < 1e-9:
        return theirs in (round(ours) - 1, round(ours))
    return theirs == math.floor(ours)


def _compare(df: pd.DataFrame, qis: list[str], sensitive: str) -> None:
    data = df.reset_index(drop=True)
    rep = check_anonymity(data, qis, sensitive=sensitive)
    assert rep.k == _quiet(pa.k_anonymity, data, qis)
    assert rep.l_distinct == _quiet(pa.l_diversity, data, qis, [sensitive])
    assert _entropy_agrees(rep.l_entropy, _quiet(pa.entropy_l_diversity, data, qis, [sensitive]))
    numeric_single = (
        pd.api.types.is_numeric_dtype(data[sensitive]) and data[sensitive].nunique() == 1
    )
    t_theirs = 0.0 if numeric_single else _quiet(pa.t_closeness, data, qis, [sensitive])
    assert rep.t == pytest.approx(t_theirs, abs=1e-9)
    assert rep.prosecutor_risk_max == pytest.approx(_quiet(pm.max_rir, data, qis))
    # pycanon's average_rir is the mean over *classes* of 1/size; ours is over records
    assert _quiet(pm.average_rir, data, qis) == pytest.approx(np.mean(1.0 / rep.class_sizes))
    if rep.l_distinct > 1:
        c_theirs, l_theirs = _quiet(pa.recursive_c_l_diversity, data, qis, [sensitive])
        assert l_theirs == rep.l_distinct
        ptr, counts = rep.class_counts_ptr, rep.class_counts
        ascending = [counts[ptr[g] : ptr[g + 1]][::-1] for g in range(rep.n_classes)]
        defect = max(math.floor(r[0] / r[l_theirs - 1 :].sum() + 1) for r in ascending)
        assert c_theirs == defect


@settings(max_examples=40)
@given(tables(min_rows=2, max_rows=50))
def test_random_tables_agree_with_pycanon(table: Table) -> None:
    _compare(table.df, table.qis, "s")


@settings(max_examples=15)
@given(tables(min_rows=10, max_rows=60))
def test_anonymised_outputs_agree_with_pycanon(table: Table) -> None:
    for method in ("mondrian", "global"):
        res = anonymize(
            table.df,
            table.qis,
            k=2,
            method=method,
            hierarchies=table.hierarchies,
            max_suppression=0.1,
        )
        _compare(res.data, table.qis, "s")


def test_people_outputs_and_average_class_size() -> None:
    people, hier = make_people(250, random_state=12, return_hierarchies=True)
    qis = ["age", "zip_code", "sex", "education"]
    for sens in ("purchase_category", "annual_spend"):
        res = anonymize(
            people,
            qis,
            k=5,
            method="global",
            hierarchies=hier,
            max_suppression=0.05,
            sensitive=sens,
            identifiers="customer_id",
            undeclared="drop",
        )
        _compare(res.data, qis, sens)
        data = res.data.reset_index(drop=True)
        theirs = _quiet(pm.average_ecsize, people, data, qis)
        assert res.information_loss.c_avg * 5 / res.report.k == pytest.approx(theirs)


def test_adult_subset_agrees_with_pycanon() -> None:
    adult = load_adult().table.iloc[:1500]
    qis = ["sex", "race", "marital-status", "workclass"]
    _compare(adult, qis, "salary-class")
    _compare(adult, qis, "age")


def test_our_recursive_c_follows_the_definition() -> None:
    """Machanavajjhala et al. (2007), Def. 4.3: r_1 < c (r_l + ... + r_m), r sorted down."""
    df = pd.DataFrame({"g": [1] * 7, "s": list("aaaabbc")})
    rep = check_anonymity(df, ["g"], sensitive="s")
    assert rep.recursive_c(2) == pytest.approx(4 / 3)
    # pycanon sorts up: floor(1 / (2 + 4)) + 1 = 1, which would call c=1 enough
    c_theirs, _ = _quiet(pa.recursive_c_l_diversity, df, ["g"], ["s"])
    assert c_theirs == 1
    assert not rep.satisfies(l=2, l_kind="recursive", c=1.0)
