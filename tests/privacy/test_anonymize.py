"""anonymize: the guarantee always holds, impossible requests fail loudly, inputs survive."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from precisemkt.datasets import make_people
from precisemkt.errors import (
    DataQualityWarning,
    InvalidParameterError,
    PrivacyError,
    ValidationError,
)
from precisemkt.privacy import Hierarchy, anonymize, check_anonymity, laplace_sum
from tests.privacy.tables import Table, tables

QIS = ["age", "zip_code", "sex", "education", "marital_status", "occupation"]
# make_people's columns that are neither quasi-identifiers nor sensitive, declared
ROLES: dict[str, object] = {"identifiers": "customer_id", "insensitive": "annual_spend"}


def _whole_table_can(
    df: pd.DataFrame,
    k: int,
    l: int | None,  # noqa: E741
    kind: str,
    c: float | None,
) -> bool:
    """Independent check of the only reason a request can be impossible: the whole table
    (one class, the top of every hierarchy) breaks it."""
    if k > len(df):
        return False
    if l is None:
        return True
    counts = np.sort(df["s"].value_counts().to_numpy())[::-1].astype(float)
    if kind == "distinct":
        return len(counts) >= l
    if kind == "entropy":
        p = counts / counts.sum()
        return float(-(p * np.log(p)).sum()) >= math.log(l) - 1e-9
    return len(counts) >= l and counts[0] < (c or 0) * counts[l - 1 :].sum()


@settings(max_examples=80)
@given(
    tables(max_rows=60),
    st.integers(1, 8),
    st.one_of(st.none(), st.integers(1, 4)),
    st.sampled_from(["distinct", "entropy", "recursive"]),
    st.one_of(st.none(), st.floats(0.0, 1.0)),
    st.sampled_from([0.0, 0.05, 0.2, 1.0]),
    st.sampled_from(["mondrian", "global"]),
)
def test_output_always_meets_the_request(
    table: Table,
    k: int,
    l: int | None,  # noqa: E741
    kind: str,
    t: float | None,
    max_suppression: float,
    method: str,
) -> None:
    """Acceptance: for random tables and random k/l/t the released table satisfies them
    (by check_anonymity) and suppression stays within max_suppression."""
    c = 2.0 if kind == "recursive" and l is not None else None
    original = table.df.copy(deep=True)
    try:
        res = anonymize(
            table.df,
            table.qis,
            k=k,
            l=l,
            l_kind=kind,
            c=c,
            t=t,
            sensitive="s",
            method=method,
            hierarchies=table.hierarchies,
            max_suppression=max_suppression,
        )
    except PrivacyError:
        assert not _whole_table_can(table.df, k, l, kind, c)
        return
    assert _whole_table_can(table.df, k, l, kind, c)
    rep = check_anonymity(res.data, table.qis, sensitive="s")
    assert rep.satisfies(k=k, l=l, l_kind=kind, c=c, t=t)
    assert rep.k >= k
    if l is not None and kind == "distinct":
        assert rep.l_distinct >= l
    if t is not None:
        assert rep.t <= t + 1e-12
    assert res.n_suppressed <= math.floor(max_suppression * len(table.df) + 1e-9)
    assert res.n_suppressed + len(res.data) == len(table.df)
    assert set(res.suppressed) <= set(table.df.index)
    assert res.data.index.equals(pd.RangeIndex(len(res.data)))
    pd.testing.assert_frame_equal(table.df, original)  # input untouched


def test_declared_columns_are_kept_identifiers_dropped_index_reset() -> None:
    people = make_people(400, random_state=3).set_index("customer_id", drop=False)
    people.index = people.index * 10  # a non-default index holding the ids
    res = anonymize(people, ["age", "sex"], k=5, **ROLES)
    assert "customer_id" not in res.data.columns
    assert res.dropped == ("customer_id",)
    assert res.data.index.equals(pd.RangeIndex(400))
    assert res.data["annual_spend"].tolist() == people["annual_spend"].tolist()
    assert res.report.row_class.index.equals(pd.RangeIndex(400))
    drop = anonymize(people, ["age", "sex"], k=5, undeclared="drop", sensitive="income_band")
    assert list(drop.data.columns) == ["age", "sex", "income_band"]


def test_issue_12_undeclared_near_unique_columns_are_refused() -> None:
    """Issue 12: anonymize(make_people(3000), [...], k=5).data held customer_id."""
    people = make_people(3000, random_state=0)
    with pytest.raises(PrivacyError) as info:
        anonymize(people, ["age", "zip_code", "sex"], k=5)
    message = str(info.value)
    assert "'customer_id' (100% of rows)" in message
    assert "'annual_spend'" in message
    assert "identifiers=[...]" in message
    assert "insensitive=[...]" in message
    # a column with 89% singled-out rows passes, one with 90% is refused (the rule)
    n = 100
    df = pd.DataFrame({"q": [1, 2] * 50, "a": list(range(89)) + [89] * 11})
    anonymize(df, ["q"], k=5)
    df["a"] = list(range(90)) + [90] * 10
    with pytest.raises(PrivacyError, match=r"'a' \(90% of rows\)"):
        anonymize(df, ["q"], k=5)
    assert len(df) == n
    with pytest.raises(InvalidParameterError, match="have one role"):
        anonymize(people, ["age"], k=5, identifiers="age")
    with pytest.raises(InvalidParameterError, match="undeclared must be one of"):
        anonymize(people, ["age"], k=5, undeclared="keep", **ROLES)
    with pytest.raises(ValidationError, match="'nope' must be present"):
        anonymize(people, ["age"], k=5, identifiers="nope")


def test_check_anonymity_warns_about_undeclared_near_unique_columns() -> None:
    people = make_people(500, random_state=3)
    with pytest.warns(DataQualityWarning, match="'customer_id' \\(100% of rows\\)"):
        check_anonymity(people, ["age", "sex"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_anonymity(people, ["age", "sex"], **ROLES)  # type: ignore[arg-type]


def test_global_levels_and_labels() -> None:
    people, hier = make_people(1500, random_state=4, return_hierarchies=True)
    res = anonymize(
        people, QIS, k=5, method="global", hierarchies=hier, max_suppression=0.02, **ROLES
    )
    assert set(res.levels) == set(QIS)
    for col, level in res.levels.items():
        kept = people.loc[~people.index.isin(res.suppressed), col]
        expected = hier[col].generalize(kept, level) if level > 0 else kept
        assert res.data[col].astype(str).tolist() == expected.astype(str).tolist()
    assert res.n_suppressed <= 30
    assert res.information_loss.c_avg >= 1.0


def test_gcp_is_the_mean_of_attribute_ncp_and_counts_suppression() -> None:
    people, hier = make_people(800, random_state=5, return_hierarchies=True)
    res = anonymize(
        people, QIS, k=10, method="global", hierarchies=hier, max_suppression=0.05, **ROLES
    )
    loss = res.information_loss
    assert loss.gcp == pytest.approx(loss.ncp.mean())
    assert loss.ncp.min() >= res.n_suppressed / len(people) - 1e-12
    sizes = res.report.class_sizes.astype(float)
    assert loss.discernibility == pytest.approx((sizes**2).sum() + len(people) * res.n_suppressed)
    assert loss.to_frame().loc["gcp", "value"] == pytest.approx(loss.gcp)


def test_same_seed_same_answer_and_global_is_deterministic() -> None:
    people, hier = make_people(600, random_state=6, return_hierarchies=True)
    a = anonymize(
        people,
        QIS,
        k=4,
        hierarchies={c: hier[c] for c in QIS if c != "age"},
        random_state=11,
        **ROLES,
    )
    b = anonymize(
        people,
        QIS,
        k=4,
        hierarchies={c: hier[c] for c in QIS if c != "age"},
        random_state=11,
        **ROLES,
    )
    pd.testing.assert_frame_equal(a.data, b.data)
    g1 = anonymize(
        people, QIS, k=4, method="global", hierarchies=hier, max_suppression=0.1, **ROLES
    )
    g2 = anonymize(
        people, QIS, k=4, method="global", hierarchies=hier, max_suppression=0.1, **ROLES
    )
    assert g1.levels == g2.levels


def test_discernibility_metric_minimises_discernibility() -> None:
    people, hier = make_people(600, random_state=7, return_hierarchies=True)
    qis = ["age", "sex", "education", "marital_status"]
    dm = anonymize(
        people,
        qis,
        k=5,
        method="global",
        hierarchies=hier,
        max_suppression=0.05,
        metric="discernibility",
        **ROLES,
    )
    gcp = anonymize(
        people,
        qis,
        k=5,
        method="global",
        hierarchies=hier,
        max_suppression=0.05,
        metric="gcp",
        **ROLES,
    )
    assert dm.information_loss.discernibility <= gcp.information_loss.discernibility
    assert gcp.information_loss.gcp <= dm.information_loss.gcp


def test_impossible_requests_raise_privacy_error_with_a_way_out() -> None:
    df = pd.DataFrame({"age": [30, 31, 32], "s": ["a", "a", "b"]})
    with pytest.raises(PrivacyError, match=r"k=5 for 3 rows\. Use k <= 3"):
        anonymize(df, ["age"], k=5)
    with pytest.raises(PrivacyError, match=r"l=3 with 2 value\(s\)\. Use l <= 2"):
        anonymize(df, ["age"], k=1, l=3, sensitive="s")
    with pytest.raises(PrivacyError, match=r"table reaches 1\.89"):
        anonymize(df, ["age"], k=1, l=1.95, l_kind="entropy", sensitive="s")
    with pytest.raises(PrivacyError, match=r"needs c > 2"):
        anonymize(df, ["age"], k=1, l=2, l_kind="recursive", c=2, sensitive="s")
    # the whole table is 2-diverse, so l=2 is reachable (the top node)
    res = anonymize(df, ["age"], k=1, l=2, sensitive="s", method="global")
    assert res.report.l_distinct >= 2


def test_bad_arguments() -> None:
    df = make_people(50, random_state=8).drop(columns=["customer_id", "annual_spend"])
    with pytest.raises(InvalidParameterError, match="method must be one of"):
        anonymize(df, ["age"], k=2, method="datafly")
    with pytest.raises(InvalidParameterError, match="k must be an integer in"):
        anonymize(df, ["age"], k=0)
    with pytest.raises(InvalidParameterError, match="sensitive must name the sensitive"):
        anonymize(df, ["age"], k=2, l=2)
    with pytest.raises(InvalidParameterError, match="c must be given"):
        anonymize(df, ["age"], k=2, l=2, l_kind="recursive", sensitive="income_band")
    with pytest.raises(InvalidParameterError, match="max_suppression must be in"):
        anonymize(df, ["age"], k=2, max_suppression=1.5)
    with pytest.raises(InvalidParameterError, match="hierarchies must only name columns"):
        anonymize(df, ["age"], k=2, hierarchies={"sexx": Hierarchy.mask()})
    with pytest.raises(InvalidParameterError, match="not be one of the quasi_identifiers"):
        anonymize(df, ["age", "sex"], k=2, sensitive="sex")
    with pytest.raises(ValidationError, match=r"column\(s\) 'nope' must be present"):
        anonymize(df, ["nope"], k=2)
    with pytest.raises(InvalidParameterError, match="l must be a whole number"):
        anonymize(df, ["age"], k=2, l=2.5, sensitive="income_band")


def test_uncovered_and_missing_values_are_reported() -> None:
    df = pd.DataFrame({"edu": ["BSc", "MSc", "PhD"], "age": [20.0, np.nan, 40.0]})
    h = Hierarchy.tree([{"BSc": "uni", "MSc": "uni"}])
    with pytest.raises(ValidationError, match=r"covered by its hierarchy.*'PhD'"):
        anonymize(df, ["edu"], k=1, hierarchies={"edu": h}, insensitive="age")
    # issue 12: NA in a QI speaks of missing values in that column (not "empty cells")
    for method in ("mondrian", "global"):
        with pytest.raises(
            ValidationError,
            match=r"quasi-identifier column 'age' must have no missing values; got 1 "
            r"missing value\(s\) \(first in row 1\)",
        ):
            anonymize(df, ["age"], k=1, method=method, insensitive="edu")
        text = pd.DataFrame({"edu": ["BSc", None, "PhD"], "x": [1, 1, 1]})
        with pytest.raises(ValidationError, match="'edu' must have no missing values"):
            anonymize(text, ["edu"], k=1, method=method)
    # issue 12: inf in a numeric QI is a ValidationError naming the column (both methods)
    inf = pd.DataFrame({"a": [1.0, 2.0, np.inf, 4.0], "s": list("abab")}, index=list("pqrs"))
    for method in ("mondrian", "global"):
        with pytest.raises(
            ValidationError,
            match=r"quasi-identifier column 'a' must have only finite numbers; got 1 "
            r"infinite value\(s\) \(first: inf in row 'r'\)",
        ):
            anonymize(inf, ["a"], k=2, method=method)


def test_edge_cases_one_row_and_constant_columns() -> None:
    one = pd.DataFrame({"a": [1], "s": ["x"]})
    for method in ("mondrian", "global"):
        res = anonymize(one, ["a"], k=1, method=method, sensitive="s")
        assert res.report.k == 1
        assert len(res.data) == 1
    const = pd.DataFrame({"a": [5] * 6, "b": ["q"] * 6})
    res = anonymize(const, ["a", "b"], k=6)
    assert res.report.n_classes == 1
    assert res.information_loss.gcp == 0.0
    with pytest.raises(ValidationError, match="have at least one row"):
        anonymize(const.iloc[:0], ["a"], k=1)


def test_huge_values_and_floats_keep_exact_labels() -> None:
    df = pd.DataFrame({"v": [1e300, -1e300, 0.1, 0.2, 0.30000000000000004, 3.0]})
    res = anonymize(df, ["v"], k=2)
    assert res.report.k >= 2
    assert any("0.30000000000000004" in label or "0.1" in label for label in res.data["v"].tolist())


def test_progress_bar_runs() -> None:
    people, hier = make_people(200, random_state=9, return_hierarchies=True)
    res = anonymize(
        people, ["age", "sex"], k=3, method="global", hierarchies=hier, **ROLES, progress=True
    )
    assert res.report.k >= 3


def test_issue_13_messages_show_values_as_people_write_them() -> None:
    """No np.float64(...) / np.int64(...) in messages: values appear as 1e+300, 5, 'x'."""
    df = pd.DataFrame({"v": np.array([1.0, 2.0, 1e300]), "s": ["a", "b", "a"]})
    with pytest.raises(ValidationError) as info:
        anonymize(df, ["v"], k=1, hierarchies={"v": Hierarchy.intervals(widths=[10], upper=100)},
                  sensitive="s")  # fmt: skip
    assert "first: 1e+300" in str(info.value)
    assert "np." not in str(info.value)
    with pytest.raises(InvalidParameterError) as info2:
        laplace_sum([1.0], lower=np.int64(5), upper=np.float64(1.0), epsilon=1.0)
    assert "lower=5, upper=1.0" in str(info2.value)
    assert "np." not in str(info2.value)
