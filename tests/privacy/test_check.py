"""check_anonymity: hand-computed cases, edge cases, messages, risk figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy import check_anonymity


@pytest.fixture
def hospital() -> pd.DataFrame:
    """Table 3 of Machanavajjhala et al. (2007), 4-anonymous inpatient microdata."""
    zips = ["130**"] * 4 + ["1485*"] * 4 + ["130**"] * 4
    ages = ["<30"] * 4 + [">=40"] * 4 + ["3*"] * 4
    disease = [
        "Heart Disease",
        "Heart Disease",
        "Viral Infection",
        "Viral Infection",
        "Cancer",
        "Heart Disease",
        "Viral Infection",
        "Viral Infection",
        "Cancer",
        "Cancer",
        "Cancer",
        "Cancer",
    ]
    return pd.DataFrame({"zip": zips, "age": ages, "condition": disease})


def test_published_example(hospital: pd.DataFrame) -> None:
    rep = check_anonymity(hospital, ["zip", "age"], sensitive="condition")
    # 3 classes of 4: 4-anonymous; the third class is all Cancer (homogeneity attack)
    assert rep.k == 4
    assert rep.n_classes == 3
    assert rep.l_distinct == 1
    assert rep.l_entropy == pytest.approx(1.0)
    assert rep.prosecutor_risk_max == 0.25
    assert rep.prosecutor_risk_avg == pytest.approx(3 / 12)
    assert rep.t_distance == "equal"
    # class 3 vs table: q = (1,0,0) over (Cancer, Heart, Viral), p = (5,3,4)/12
    assert rep.t == pytest.approx(0.5 * (7 / 12 + 3 / 12 + 4 / 12))
    assert rep.violations(l=2).tolist() == list(range(8, 12))
    assert rep.satisfies(k=4)
    assert not rep.satisfies(k=4, l=2)


def test_ordered_emd_matches_li_et_al_example() -> None:
    """Li, Li & Venkatasubramanian (2007), Section 4: salaries {3k..11k}; the class
    {3k, 4k, 5k} has EMD 0.375 to the whole table, {6k, 8k, 11k} 0.167."""
    salary = [3, 4, 5, 6, 7, 8, 9, 10, 11]
    df = pd.DataFrame({"g": ["a", "a", "a", "b", "c", "b", "c", "c", "b"], "salary": salary})
    rep = check_anonymity(df, ["g"], sensitive="salary")
    assert rep.t_distance == "ordered"
    assert rep.class_t[0] == pytest.approx(0.375)
    assert rep.class_t[1] == pytest.approx(1 / 6)


def test_ordered_categorical_uses_category_order() -> None:
    band = pd.Categorical(
        ["high", "low", "mid", "low"], categories=["low", "mid", "high"], ordered=True
    )
    df = pd.DataFrame({"g": [1, 1, 2, 2], "band": band})
    rep = check_anonymity(df, ["g"], sensitive="band")
    assert rep.t_distance == "ordered"
    # class 1 = {high, low}, table = (2 low, 1 mid, 1 high)/4 over low<mid<high
    # cumulative differences: (1/2 - 1/2) = 0, (1/2 - 3/4) = -1/4 -> EMD = (0 + 1/4) / 2
    assert rep.class_t[0] == pytest.approx(0.125)


def test_recursive_c_hand_computed() -> None:
    df = pd.DataFrame({"g": [1] * 6 + [2] * 3, "s": list("aaabbc") + list("xyz")})
    rep = check_anonymity(df, ["g"], sensitive="s")
    # class 1 counts (3, 2, 1): l=2 -> 3 / (2 + 1) = 1; class 2 (1, 1, 1): 1 / 2
    assert rep.recursive_c(2) == pytest.approx(1.0)
    assert rep.recursive_c(3) == pytest.approx(3.0)
    assert rep.recursive_c(4) == math.inf
    assert rep.satisfies(l=2, l_kind="recursive", c=1.01)
    assert not rep.satisfies(l=2, l_kind="recursive", c=1.0)


def test_size_distribution_and_share_below() -> None:
    df = pd.DataFrame({"z": [1, 1, 1, 2, 2, 3]})
    rep = check_anonymity(df, "z")
    dist = rep.size_distribution()
    assert dist.index.tolist() == [1, 2, 3]
    assert dist["n_records"].tolist() == [1, 2, 3]
    assert rep.share_below(3) == pytest.approx(3 / 6)
    assert rep.share_below(1) == 0.0
    assert rep.to_frame()["size"].tolist() == [3, 2, 1]


def test_missing_quasi_identifier_is_its_own_value() -> None:
    df = pd.DataFrame({"z": ["a", None, None, "a"], "c": pd.Categorical(["x", None, None, "x"])})
    rep = check_anonymity(df, ["z", "c"])
    assert rep.k == 2
    assert rep.n_classes == 2


def test_non_default_index_keeps_labels() -> None:
    df = pd.DataFrame({"z": [1, 1, 2]}, index=[10, 5, 7])
    rep = check_anonymity(df, ["z"])
    assert rep.violations(k=2).tolist() == [7]
    assert rep.row_class.index.tolist() == [10, 5, 7]


def test_input_is_not_mutated() -> None:
    df = pd.DataFrame({"z": [3, 1, 2], "s": ["a", "b", "a"]})
    copy = df.copy(deep=True)
    check_anonymity(df, ["z"], sensitive="s")
    pd.testing.assert_frame_equal(df, copy)


def test_single_row_and_wide_keys() -> None:
    rep = check_anonymity(pd.DataFrame({"z": [1], "s": [5.0]}), ["z"], sensitive="s")
    assert rep.k == 1
    assert rep.l_distinct == 1
    assert rep.t == 0.0
    # 12 columns of ~100 distinct values overflow a single int64 key and are re-densified
    rng = np.random.default_rng(0)
    wide = pd.DataFrame({f"c{i}": rng.integers(0, 200, 500) for i in range(12)})
    rep = check_anonymity(wide, list(wide.columns))
    assert rep.n_classes == len(wide.drop_duplicates())


def test_errors_name_the_problem() -> None:
    df = pd.DataFrame({"z": [1, 2], "s": [1.0, np.nan]})
    with pytest.raises(ValidationError, match=r"sensitive column 's' must have no missing"):
        check_anonymity(df, ["z"], sensitive="s")
    with pytest.raises(ValidationError, match=r"column\(s\) 'q' must be present"):
        check_anonymity(df, ["q"])
    with pytest.raises(ValidationError, match="must have at least one row"):
        check_anonymity(df.iloc[:0], ["z"])
    with pytest.raises(InvalidParameterError, match="name at least one column"):
        check_anonymity(df, [])
    with pytest.raises(InvalidParameterError, match="must be a pandas DataFrame"):
        check_anonymity(df.to_numpy(), ["z"])  # type: ignore[arg-type]
    with pytest.raises(InvalidParameterError, match="has no sensitive column"):
        check_anonymity(df, ["z"], insensitive="s").recursive_c(2)
    with pytest.raises(InvalidParameterError, match="not repeat a column"):
        check_anonymity(df, ["z", "z"])
