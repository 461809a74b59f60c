"""A synthetic customer table with quasi-identifiers and sensitive attributes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, overload

import numpy as np
import pandas as pd

from precisemkt._typing import SeedLike
from precisemkt._validation import check_bool, check_int, check_random_state

if TYPE_CHECKING:
    from precisemkt.privacy import Hierarchy

__all__ = ["make_people"]

_EDUCATION = (
    "Primary",
    "Lower secondary",
    "Upper secondary",
    "Vocational",
    "Bachelor",
    "Master",
    "Doctorate",
)
_EDUCATION_GROUP = {
    "Primary": "Basic",
    "Lower secondary": "Basic",
    "Upper secondary": "Secondary",
    "Vocational": "Secondary",
    "Bachelor": "Tertiary",
    "Master": "Tertiary",
    "Doctorate": "Tertiary",
}
_MARITAL_GROUP = {
    "Married": "Partnered",
    "Cohabiting": "Partnered",
    "Never married": "Single",
    "Divorced": "Single",
    "Widowed": "Single",
}
_OCCUPATION_GROUP = {
    "Manager": "Office",
    "Professional": "Office",
    "Clerical": "Office",
    "Technician": "Technical",
    "Craft": "Technical",
    "Operator": "Technical",
    "Sales": "Services",
    "Service": "Services",
    "Care": "Services",
    "Student": "Not working",
    "Retired": "Not working",
    "Unemployed": "Not working",
}
_CATEGORIES = (
    "Groceries",
    "Electronics",
    "Fashion",
    "Health",
    "Home & Garden",
    "Sports",
    "Books",
    "Beauty",
    "Toys",
)
INCOME_BANDS = ("<20k", "20-40k", "40-60k", "60-100k", ">100k")
_N_REGIONS = 12


def _choice(rng: np.random.Generator, options: tuple[str, ...], probs: np.ndarray) -> np.ndarray:
    """One draw per row from row-specific probabilities (rows of ``probs``)."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    idx = (rng.random((probs.shape[0], 1)) > cum).sum(axis=1)
    out: np.ndarray = np.asarray(options, dtype=object)[np.minimum(idx, len(options) - 1)]
    return out


@overload
def make_people(
    n: int = ..., *, random_state: SeedLike = ..., return_hierarchies: Literal[False] = ...
) -> pd.DataFrame: ...


@overload
def make_people(
    n: int = ..., *, random_state: SeedLike = ..., return_hierarchies: Literal[True]
) -> tuple[pd.DataFrame, dict[str, Hierarchy]]: ...


def make_people(
    n: int = 1000,
    *,
    random_state: SeedLike = None,
    return_hierarchies: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, dict[str, Hierarchy]]:
    """Simulate a customer table of the kind that gets shared with partners.

    Attributes are drawn with realistic dependencies: zip codes cluster in regions of
    unequal population (so some zip codes are rare), education and marital status depend
    on age, occupation on age and education, income on education and age, the purchase
    category on sex and age.

    Parameters
    ----------
    n : int, default 1000
        Number of people.
    random_state : int, Generator or None
        Seed.
    return_hierarchies : bool, default False
        Also return generalisation hierarchies for the quasi-identifiers.

    Returns
    -------
    pandas.DataFrame or (DataFrame, dict)
        Columns ``customer_id`` (a direct identifier: drop it before release), the
        quasi-identifiers ``age`` (int, 18-90), ``zip_code`` (5-character text),
        ``sex``, ``education``, ``marital_status``, ``occupation``, and the sensitive
        ``purchase_category`` (nominal), ``income_band`` (ordered categorical) and
        ``annual_spend`` (float). With ``return_hierarchies=True`` also a dict of
        :class:`~precisemkt.privacy.Hierarchy` for the six quasi-identifiers: age in
        5/10/20-year intervals, zip codes masked one digit per level, category trees for
        the others.

    Examples
    --------
    >>> from precisemkt.datasets import make_people
    >>> people, hier = make_people(500, random_state=0, return_hierarchies=True)
    >>> people.shape, sorted(hier)
    ((500, 10), ['age', 'education', 'marital_status', 'occupation', 'sex', 'zip_code'])
    """
    n = check_int(n, "n", low=1)
    check_bool(return_hierarchies, "return_hierarchies")
    rng = check_random_state(random_state)

    sex = np.where(rng.random(n) < 0.51, "Female", "Male").astype(object)
    band = rng.choice(7, size=n, p=[0.13, 0.18, 0.17, 0.17, 0.15, 0.12, 0.08])
    age = np.array([18, 25, 35, 45, 55, 65, 75])[band] + (
        rng.random(n) * np.array([7, 10, 10, 10, 10, 10, 16])[band]
    ).astype(int)

    region_w = 1.0 / np.arange(1, _N_REGIONS + 1) ** 0.8
    region = rng.choice(_N_REGIONS, size=n, p=region_w / region_w.sum())
    prefixes = 100 + 53 * np.arange(_N_REGIONS)
    local_w = 1.0 / np.arange(1, 31) ** 1.1
    local = rng.choice(30, size=n, p=local_w / local_w.sum())
    all_zips = np.array(
        [f"{p:03d}{3 * loc + 10:02d}" for p in prefixes for loc in range(30)], dtype=object
    )
    zip_code = all_zips[region * 30 + local]

    young = (age < 35)[:, None]
    old = (age >= 65)[:, None]
    edu_p = np.where(
        young,
        [0.03, 0.10, 0.30, 0.15, 0.28, 0.12, 0.02],
        np.where(
            old,
            [0.15, 0.25, 0.25, 0.15, 0.12, 0.06, 0.02],
            [0.06, 0.14, 0.28, 0.17, 0.22, 0.10, 0.03],
        ),
    )
    education = _choice(rng, _EDUCATION, edu_p)

    a = age[:, None]
    marital_p = np.hstack(
        [
            np.where(a < 30, 0.15, np.where(a < 65, 0.55, 0.50)),  # Married
            np.where(a < 30, 0.20, 0.08),  # Cohabiting
            np.where(a < 30, 0.62, np.where(a < 50, 0.22, 0.10)),  # Never married
            np.where(a < 30, 0.03, 0.14),  # Divorced
            np.where(a < 60, 0.01, np.where(a < 75, 0.12, 0.30)),  # Widowed
        ]
    )
    marital = _choice(
        rng, ("Married", "Cohabiting", "Never married", "Divorced", "Widowed"), marital_p
    )

    occupations = tuple(_OCCUPATION_GROUP)
    tertiary = np.isin(education, ["Bachelor", "Master", "Doctorate"])[:, None]
    occ_p = np.where(
        tertiary,
        [0.20, 0.35, 0.08, 0.08, 0.02, 0.02, 0.08, 0.04, 0.05, 0.03, 0.0, 0.05],
        [0.05, 0.05, 0.14, 0.08, 0.13, 0.10, 0.12, 0.14, 0.08, 0.03, 0.0, 0.08],
    )
    occ_p = np.where(
        old, [0.01, 0.02, 0.02, 0.01, 0.01, 0.01, 0.02, 0.02, 0.03, 0.0, 0.85, 0.0], occ_p
    )
    occ_p = np.where(
        (age < 23)[:, None],
        [0.0, 0.0, 0.05, 0.02, 0.03, 0.02, 0.10, 0.12, 0.03, 0.60, 0.0, 0.03],
        occ_p,
    )
    occupation = _choice(rng, occupations, occ_p)

    edu_level = pd.Index(_EDUCATION).get_indexer(pd.Index(education))
    score = (
        0.45 * edu_level
        + 0.6 * np.clip((age - 18) / 15.0, 0, 2.5)
        - 1.2 * (occupation == "Student")
        - 0.8 * (occupation == "Retired")
        + rng.normal(0.0, 0.9, n)
    )
    income_idx = np.clip(np.digitize(score, [0.9, 1.9, 2.8, 3.8]), 0, 4)
    income = pd.Categorical.from_codes(
        income_idx, categories=pd.Index(list(INCOME_BANDS)), ordered=True
    )

    female = (sex == "Female")[:, None]
    cat_p = np.array([0.30, 0.12, 0.12, 0.08, 0.10, 0.08, 0.07, 0.07, 0.06])
    cat_p = np.where(
        female,
        cat_p * [1, 0.6, 1.5, 1.1, 1, 0.8, 1.1, 1.8, 1.1],
        cat_p * [1, 1.6, 0.6, 0.9, 1, 1.3, 0.9, 0.3, 0.9],
    )
    cat_p = cat_p * np.where(
        young,
        [0.8, 1.4, 1.3, 0.6, 0.6, 1.4, 0.9, 1.2, 0.9],
        np.where(
            old, [1.3, 0.6, 0.7, 2.0, 1.4, 0.5, 1.3, 0.8, 0.7], [1, 1, 1, 1, 1.1, 1, 1, 1, 1.4]
        ),
    )
    category = _choice(rng, _CATEGORIES, cat_p)
    spend = np.round(np.exp(rng.normal(5.6 + 0.35 * income_idx, 0.6)), 2)

    frame = pd.DataFrame(
        {
            "customer_id": np.arange(1, n + 1),
            "age": age.astype(np.int64),
            "zip_code": pd.array(zip_code, dtype="str"),
            "sex": pd.array(sex, dtype="str"),
            "education": pd.array(education, dtype="str"),
            "marital_status": pd.array(marital, dtype="str"),
            "occupation": pd.array(occupation, dtype="str"),
            "purchase_category": pd.array(category, dtype="str"),
            "income_band": income,
            "annual_spend": spend,
        }
    )
    if not return_hierarchies:
        return frame
    return frame, people_hierarchies()


def people_hierarchies() -> dict[str, Hierarchy]:
    """Hierarchies matching :func:`make_people`'s quasi-identifiers."""
    from precisemkt.privacy import Hierarchy

    return {
        "age": Hierarchy.intervals(widths=[5, 10, 20], lower=0, upper=100),
        "zip_code": Hierarchy.mask(),
        "sex": Hierarchy.tree([{"Female": "*", "Male": "*"}]),
        "education": Hierarchy.tree([_EDUCATION_GROUP]),
        "marital_status": Hierarchy.tree([_MARITAL_GROUP]),
        "occupation": Hierarchy.tree([_OCCUPATION_GROUP]),
    }
