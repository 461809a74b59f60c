"""Shared helpers of the recommend tests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest


def assert_same_ranking(
    ids_a: Sequence[int],
    vals_a: Sequence[float],
    ids_b: Sequence[int],
    vals_b: Sequence[float],
    rtol: float = 1e-9,
) -> None:
    """Same scores in order, and the same items except inside groups of tied scores."""
    va, vb = np.asarray(vals_a, float), np.asarray(vals_b, float)
    assert va.shape == vb.shape
    np.testing.assert_allclose(va, vb, rtol=rtol, atol=1e-12)
    ia, ib = np.asarray(ids_a), np.asarray(ids_b)
    scale = max(1.0, float(np.abs(va).max(initial=0.0)))
    for r in range(va.size):
        near = np.abs(va - va[r]) <= rtol * scale + 1e-12
        if near.sum() == 1:
            assert ia[r] == ib[r]
        elif not (near[-1] and r == va.size - 1):
            # a tie group inside the list: same set of items
            assert set(ia[near]) == set(ib[near]) or near[-1]


def dense(matrix: object) -> np.ndarray:
    return np.asarray(matrix.toarray())  # type: ignore[attr-defined]


def movielens() -> pd.DataFrame:
    """MovieLens 100k from the recbole 1.2.1 wheel (cached), or skip."""
    from precisemkt.datasets import load_movielens_100k

    cache = Path(__file__).resolve().parents[2] / ".pytest_cache"
    try:
        return load_movielens_100k(cache / "precisemkt-movielens")
    except OSError as exc:
        pytest.skip(f"MovieLens 100k could not be fetched from PyPI (recbole 1.2.1): {exc}")
