"""Result building blocks shared by every analysis function.

``ConfidenceInterval`` is the named tuple every interval is returned as,
``ResultMixin`` gives frozen result dataclasses ``to_dict()`` and a default ``to_frame()``,
and ``Selection`` is the one shape of every "choose a setting" result (k of k-means, the
order of a Markov chain, …).
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["ConfidenceInterval", "ResultMixin", "Selection"]


class ConfidenceInterval(NamedTuple):
    """A confidence (or credible) interval; ``lo, hi = ci`` unpacks it.

    Both bounds are floats for one analysis, or arrays shaped like the batch for
    vectorised calls.

    Examples
    --------
    >>> ci = ConfidenceInterval(0.1, 0.3)
    >>> lo, hi = ci
    >>> hi - lo
    0.19999999999999998
    """

    low: Any
    high: Any


class ResultMixin:
    """``to_dict`` and a default ``to_frame`` for frozen result dataclasses."""

    def to_dict(self) -> dict[str, Any]:
        """The result's fields as a dictionary (values are not copied).

        Examples
        --------
        >>> @dataclasses.dataclass(frozen=True, slots=True)
        ... class R(ResultMixin):
        ...     x: float
        >>> R(1.0).to_dict()
        {'x': 1.0}
        """
        if not dataclasses.is_dataclass(self):
            raise TypeError(f"{type(self).__name__} is not a dataclass")
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_frame(self) -> pd.DataFrame:
        """The scalar and 1-D fields as a DataFrame (one row per element).

        Examples
        --------
        >>> @dataclasses.dataclass(frozen=True, slots=True)
        ... class R(ResultMixin):
        ...     x: float
        >>> R(1.0).to_frame()
             x
        0  1.0
        """
        columns: dict[str, Any] = {}
        for name, value in self.to_dict().items():
            if np.isscalar(value) or (isinstance(value, np.ndarray) and value.ndim <= 1):
                columns[name] = value
            elif isinstance(value, pd.Series):
                columns[name] = value.to_numpy()
        sizes = {np.size(v) for v in columns.values()}
        if sizes <= {1}:
            return pd.DataFrame({k: [np.asarray(v).reshape(-1)[0]] for k, v in columns.items()})
        n = max(sizes)
        return pd.DataFrame({k: v for k, v in columns.items() if np.size(v) in (1, n)})


@dataclasses.dataclass(frozen=True, slots=True)
class Selection(ResultMixin):
    """A setting chosen among candidates, with the score table the choice was made from.

    Every selection helper (``choose_k``, ``choose_markov_order`` …) returns this shape
    (or a subclass adding a named alias of ``best``).

    Attributes
    ----------
    parameter : str
        The name of the setting chosen (``"k"``, ``"order"`` …).
    best : int
        The chosen value.
    criterion : str
        The column of ``scores`` the choice optimises.
    scores : pandas.DataFrame
        One row per candidate, indexed by the candidate value (index named ``parameter``).

    Examples
    --------
    >>> sel = Selection("k", 3, "silhouette",
    ...                 pd.DataFrame({"silhouette": [0.4, 0.7]}, index=pd.Index([2, 3], name="k")))
    >>> sel.best, sel.to_frame().index.name
    (3, 'k')
    """

    parameter: str
    best: int
    criterion: str
    scores: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The score table, one row per candidate (a copy).

        Examples
        --------
        >>> Selection("k", 2, "s", pd.DataFrame({"s": [1.0]}, index=[2])).to_frame().shape
        (1, 1)
        """
        return self.scores.copy()
