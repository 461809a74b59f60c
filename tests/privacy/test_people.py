"""make_people: shape, reproducibility, dependencies, matching hierarchies."""

from __future__ import annotations

import pandas as pd
import pytest

from precisemkt.datasets import make_people
from precisemkt.errors import InvalidParameterError


def test_columns_reproducibility_and_hierarchies_cover_every_value() -> None:
    a, hier = make_people(3000, random_state=0, return_hierarchies=True)
    b = make_people(3000, random_state=0)
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == [
        "customer_id",
        "age",
        "zip_code",
        "sex",
        "education",
        "marital_status",
        "occupation",
        "purchase_category",
        "income_band",
        "annual_spend",
    ]
    assert a["age"].between(18, 90).all()
    assert a["zip_code"].str.len().eq(5).all()
    assert a["income_band"].cat.ordered
    for col, h in hier.items():
        top = h.table(a[col]).shape[1] - 1
        assert h.generalize(a[col], top).nunique() == 1


def test_realistic_dependencies() -> None:
    people = make_people(20000, random_state=1)
    retired = people["occupation"].eq("Retired")
    assert people.loc[retired, "age"].min() >= 65
    widowed_old = people.loc[people["age"] >= 75, "marital_status"].eq("Widowed").mean()
    widowed_young = people.loc[people["age"] < 60, "marital_status"].eq("Widowed").mean()
    assert widowed_old > 5 * widowed_young
    tertiary = people["education"].isin(["Bachelor", "Master", "Doctorate"])
    high = people["income_band"].isin([">100k", "60-100k"])
    assert high[tertiary].mean() > high[~tertiary].mean()
    # zip codes are skewed: some are rare (the reason they need generalising)
    counts = people["zip_code"].value_counts()
    assert counts.max() > 20 * counts.min()


def test_bad_n() -> None:
    with pytest.raises(InvalidParameterError, match="n must be an integer in"):
        make_people(0)
