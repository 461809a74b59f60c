"""Type aliases shared across precisemkt."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["ArrayLike", "BoolArray", "FloatArray", "FrameLike", "IntArray", "SeedLike"]

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]
ArrayLike: TypeAlias = npt.ArrayLike
SeedLike: TypeAlias = int | np.random.Generator | None
FrameLike: TypeAlias = pd.DataFrame
