"""Shared CLV test data: the CDNOW calibration/holdout summary, donations, golden values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from precisemkt.clv import BGBB, BGNBD, MBGNBD, GammaGamma, ParetoNBD
from precisemkt.datasets import load_cdnow, load_donations
from precisemkt.profiling import rfm_summary

DATA = Path(__file__).resolve().parents[1] / "data"


def _cdnow_summary() -> pd.DataFrame:
    """The papers' CDNOW summary: weeks = days / 7, calibration to 1997-09-30, holdout to
    1998-06-30 (identical to lifetimes' calibration_and_holdout_data on these data)."""
    return rfm_summary(
        load_cdnow(),
        freq="D",
        freq_multiplier=7,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """Columns frequency, recency, T, monetary_value, frequency_holdout,
    monetary_value_holdout, duration_holdout; indexed by customer id (2,357 rows)."""
    return _cdnow_summary()


@pytest.fixture(scope="session")
def donations() -> pd.DataFrame:
    return load_donations()


@pytest.fixture(scope="session")
def published() -> dict[str, Any]:
    return json.loads((DATA / "clv_published.json").read_text())


@pytest.fixture(scope="session")
def bgnbd(cdnow: pd.DataFrame) -> BGNBD:
    return BGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def mbgnbd(cdnow: pd.DataFrame) -> MBGNBD:
    return MBGNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def paretonbd(cdnow: pd.DataFrame) -> ParetoNBD:
    return ParetoNBD().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="session")
def bgbb(donations: pd.DataFrame) -> BGBB:
    return BGBB().fit(
        donations["frequency"],
        donations["recency"],
        donations["n_periods"],
        weights=donations["count"],
    )


@pytest.fixture(scope="session")
def gammagamma(cdnow: pd.DataFrame) -> GammaGamma:
    repeat = cdnow[cdnow["frequency"] > 0]
    return GammaGamma().fit(repeat["frequency"], repeat["monetary_value"])
