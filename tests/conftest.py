"""Suite-wide test configuration: hypothesis profile and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, settings

# deadline=None: a numba kernel compiles on its first call. A fixed example budget keeps
# the suite's run time predictable; HYPOTHESIS_PROFILE=thorough raises it.
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=60,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "thorough", parent=settings.get_profile("ci"), max_examples=1000, derandomize=False
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

#: The repository root. Tests read nothing outside it (see tests/test_self_contained.py).
ROOT = Path(__file__).resolve().parents[1]
