"""Hierarchy constructors, validation and NCP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.datasets import load_adult
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy import Hierarchy


def test_intervals_with_widths_nest_and_cost_their_width() -> None:
    h = Hierarchy.intervals(widths=[5, 10, 20], lower=0, upper=100)
    values = pd.Series([0, 17, 42, 100], index=[3, 4, 5, 6])
    assert h.generalize(values, 1).tolist() == ["[0, 5)", "[15, 20)", "[40, 45)", "[95, 100]"]
    assert h.generalize(values, 3).tolist() == ["[0, 20)", "[0, 20)", "[40, 60)", "[80, 100]"]
    assert h.generalize(values, 4).tolist() == ["*"] * 4
    assert h.generalize(values, 2).index.tolist() == [3, 4, 5, 6]
    bound = h._bind(values, "age")
    # NCP of a 20-wide interval over a 100-wide domain is 0.2 (Ghinita et al. 2007)
    assert bound.ncp[3].tolist() == [0.2, 0.2, 0.2]
    assert bound.ncp[0].tolist() == [0.0] * 4
    assert bound.ncp[4].tolist() == [1.0]


def test_intervals_from_edges_and_automatic() -> None:
    h = Hierarchy.intervals([[0, 18, 30, 65, 120], [0, 30, 120]])
    assert h.generalize([17, 18, 64], 1).tolist() == ["[0, 18)", "[18, 30)", "[30, 65)"]
    assert h.generalize([17, 18, 64], 2).tolist() == ["[0, 30)", "[0, 30)", "[30, 120]"]
    auto = Hierarchy.intervals(n_levels=3)
    table = auto.table(pd.Series(np.arange(17, 91)))
    assert table.shape[1] == 5  # original, three interval levels, top
    assert table[1].iloc[0] == "[15, 20)"  # width nice(73 / 16) = 5
    assert table[3].iloc[-1] == "[80, 100]"


def test_intervals_validation() -> None:
    with pytest.raises(InvalidParameterError, match=r"edges\[1\] must be a subset"):
        Hierarchy.intervals([[0, 10, 20], [0, 15, 20]])
    with pytest.raises(InvalidParameterError, match="share the outer edges"):
        Hierarchy.intervals([[0, 10, 20], [0, 30]])
    with pytest.raises(InvalidParameterError, match="grow by whole multiples"):
        Hierarchy.intervals(widths=[5, 7])
    with pytest.raises(InvalidParameterError, match="not both be given"):
        Hierarchy.intervals([[0, 1]], widths=[1])
    with pytest.raises(ValidationError, match=r"lie in the hierarchy's domain \[0, 100\]"):
        Hierarchy.intervals(widths=[10], lower=0, upper=100).generalize([101], 1)
    with pytest.raises(ValidationError, match="be numeric for an interval hierarchy"):
        Hierarchy.intervals().generalize(["a"], 1)
    with pytest.raises(ValidationError, match="no missing values"):
        Hierarchy.intervals().generalize(pd.Series([1.0, np.nan]), 1)


def test_tree_validation_and_ncp() -> None:
    h = Hierarchy.tree(
        [{"flu": "resp", "asthma": "resp", "ulcer": "digest"}, {"resp": "any", "digest": "any"}]
    )
    assert h.table().shape == (3, 3)  # no extra top: the last level is already one label
    bound = h._bind(pd.Series(["flu", "ulcer"]), "d")
    assert bound.ncp[1].tolist() == [2 / 3, 0.0]  # 2 of 3 leaves; a single leaf costs 0
    with pytest.raises(ValidationError, match=r"levels\[1\] must map every label.*'digest'"):
        Hierarchy.tree([{"flu": "resp", "ulcer": "digest"}, {"resp": "any"}])
    with pytest.raises(ValidationError, match=r"covered by its hierarchy.*'cold'"):
        h.generalize(["cold"], 1)
    with pytest.raises(InvalidParameterError, match="hold at least one mapping"):
        Hierarchy.tree([])


def test_from_table_validation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError, match=r"nest within level 1.*'b'"):
        Hierarchy.from_table(
            pd.DataFrame([["x", "a", "*"], ["y", "b", "*"], ["z", "b", "*"], ["w", "b", "*"]])
            .assign(**{"1": ["a", "b", "b", "c"]})[[0, 1, "1"]]
            .set_axis([0, 1, 2], axis=1)
        )
    with pytest.raises(ValidationError, match="be unique"):
        Hierarchy.from_table(pd.DataFrame([["x", "*"], ["x", "*"]]))
    with pytest.raises(ValidationError, match="same set of values at every level"):
        Hierarchy.from_table(pd.DataFrame([["a", "g", "*"], ["b", "g", "*"], ["g", "h", "*"]]))
    with pytest.raises(ValidationError, match="no empty cells"):
        Hierarchy.from_table(pd.DataFrame([["a", None], ["b", "*"]]))
    path = tmp_path / "h.csv"
    path.write_text("a;ab;*\nb;ab;*\nc;c;*\n")
    h = Hierarchy.from_table(path)
    assert h.generalize(["c", "a"], 1).tolist() == ["c", "ab"]


def test_mask_levels() -> None:
    h = Hierarchy.mask()
    t = h.table(["13053", "13268", "9"])
    assert t[2].tolist() == ["130**", "132**", "*"]
    assert t.iloc[:, -1].nunique() == 1
    h2 = Hierarchy.mask(step=2, char="x")
    assert h2.generalize(["12345"], 1).tolist() == ["123xx"]
    with pytest.raises(InvalidParameterError, match="char must be a single character"):
        Hierarchy.mask(char="**")
    with pytest.raises(InvalidParameterError, match="values must be given"):
        Hierarchy.mask().table()


@pytest.mark.parametrize(
    "column",
    [
        "age",
        "education",
        "marital-status",
        "native-country",
        "occupation",
        "race",
        "sex",
        "workclass",
    ],
)
def test_adult_hierarchies_cover_the_adult_table(column: str) -> None:
    adult, hierarchies = load_adult()
    h = hierarchies[column]
    top = h.table().shape[1] - 1
    assert h.generalize(adult[column], top).eq("*").all()


@given(st.lists(st.text("0123456789", min_size=1, max_size=6), min_size=1, max_size=30))
def test_table_round_trips_through_from_table(values: list[str]) -> None:
    h = Hierarchy.mask()
    table = h.table(values)
    again = Hierarchy.from_table(table)
    for level in range(table.shape[1]):
        assert again.generalize(values, level).tolist() == h.generalize(values, level).tolist()
