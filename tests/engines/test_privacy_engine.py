"""check_anonymity on every engine equals the pandas path, class by class."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy import AnonymityReport, _class_kernels, check_anonymity
from precisemkt.privacy._engine import EngineAnonymityReport
from tests.engines.helpers import people

QIS = ["age", "zip", "sex"]


def _by_key(report: AnonymityReport, keys: pd.DataFrame) -> pd.DataFrame:
    """The per-class statistics indexed by the class's quasi-identifier values."""
    frame = report.to_frame().reset_index(drop=True)
    ptr, counts = report.class_counts_ptr, report.class_counts
    if ptr is not None and counts is not None:
        frame["counts"] = [tuple(counts[a:b]) for a, b in itertools.pairwise(ptr)]
    keyed = pd.concat([keys.reset_index(drop=True).fillna("<NA>"), frame], axis=1)
    return keyed.set_index(list(keys.columns)).sort_index()


def _pandas_keys(table: pd.DataFrame, report: AnonymityReport) -> pd.DataFrame:
    first = report.row_class.drop_duplicates()
    return table.loc[first.index, QIS].set_index(first.to_numpy()).sort_index()


@pytest.mark.parametrize("sensitive", ["disease", "income", None])
def test_every_engine_equals_pandas(
    to_engine: Callable[[pd.DataFrame], Any], sensitive: str | None
) -> None:
    table = people()
    expected = check_anonymity(table, QIS, sensitive=sensitive)
    got = check_anonymity(to_engine(table), QIS, sensitive=sensitive)
    assert isinstance(got, EngineAnonymityReport)
    for field in ("n_rows", "n_classes", "k", "l_distinct", "l_entropy", "t", "t_distance"):
        assert getattr(got, field) == getattr(expected, field), field
    assert got.prosecutor_risk_avg == expected.prosecutor_risk_avg
    pd.testing.assert_frame_equal(
        _by_key(got, got.class_keys),
        _by_key(expected, _pandas_keys(table, expected)),
        check_exact=True,
    )


def test_levels_and_failing_keys(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    table = people(n=600)
    expected = check_anonymity(table, QIS, sensitive="disease")
    got = check_anonymity(to_engine(table), QIS, sensitive="disease")
    assert isinstance(got, EngineAnonymityReport)
    for levels in ({"k": 5}, {"l": 3}, {"l": 2.5, "l_kind": "entropy"}, {"t": 0.3}):
        assert got.satisfies(**levels) == expected.satisfies(**levels)
        bad_rows = table.loc[expected.violations(**levels), QIS].drop_duplicates()
        keys = got.failing_keys(**levels)
        assert len(keys) == len(bad_rows)
        assert int(got.class_sizes[got.failing_classes(**levels)].sum()) == len(
            expected.violations(**levels)
        )
    assert got.recursive_c(2) == expected.recursive_c(2)
    assert got.share_below(4) == expected.share_below(4)
    with pytest.raises(InvalidParameterError, match="failing_keys"):
        got.violations(k=2)


def test_missing_sensitive_and_columns(to_engine: Callable[[pd.DataFrame], Any]) -> None:
    table = pd.DataFrame({"z": [1, 1, 2], "s": ["a", None, "b"]})
    with pytest.raises(ValidationError, match="1 missing value"):
        check_anonymity(to_engine(table), ["z"], sensitive="s")
    with pytest.raises(ValidationError, match="'w'"):
        check_anonymity(to_engine(table), ["w"])
    with pytest.raises(InvalidParameterError, match="quasi_identifiers"):
        check_anonymity(to_engine(table), ["z"], sensitive="z")


@given(
    st.lists(st.tuples(st.integers(0, 6), st.integers(0, 5)), min_size=1, max_size=150),
    st.booleans(),
)
def test_kernel_from_counts_matches_rows(rows: list[tuple[int, int]], ordered: bool) -> None:
    """The counts kernel gives exactly what the row kernel gives on the rows."""
    arr = np.array(rows, dtype=np.int64)
    _, ids = np.unique(arr[:, 0], return_inverse=True)
    used, codes = np.unique(arr[:, 1], return_inverse=True)
    n_classes = int(ids.max()) + 1
    distinct, entropy, emd, ptr, desc = _class_kernels.class_statistics(
        ids.astype(np.int64), n_classes, codes.astype(np.int64), len(used), ordered
    )
    cells, cell_counts = np.unique(np.stack([ids, codes], axis=1), axis=0, return_counts=True)
    cptr = np.zeros(n_classes + 1, np.int64)
    np.cumsum(np.bincount(cells[:, 0], minlength=n_classes), out=cptr[1:])
    sizes, c_distinct, c_entropy, c_emd, c_desc = _class_kernels.class_statistics_from_counts(
        cptr, cells[:, 1].astype(np.int64), cell_counts.astype(np.int64), len(used), ordered
    )
    assert sizes.tolist() == np.bincount(ids).tolist()
    assert c_distinct.tolist() == distinct.tolist()
    assert c_entropy.tolist() == entropy.tolist()
    assert c_emd.tolist() == emd.tolist()
    assert cptr.tolist() == ptr.tolist()
    assert c_desc.tolist() == desc.tolist()
