"""The ``similar_items`` frame shared by the models."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import check_int, format_message
from precisemkt.errors import ValidationError

__all__ = ["similar_frame"]


def similar_frame(
    labels: pd.Index,
    items: Any,
    n: int,
    row_scores: Callable[[int], tuple[IntArray, FloatArray]],
) -> pd.DataFrame:
    """Rank the candidates ``row_scores(code)`` gives for each item, best first (ties by
    the smaller item code), leaving the item itself out."""
    n = check_int(n, "n", low=1)
    if isinstance(items, str) or not isinstance(items, Iterable):
        items = [items]
    asked = pd.Index(list(items))
    codes = labels.get_indexer(asked)
    if (codes < 0).any():
        bad = asked[codes < 0][0]
        raise ValidationError(
            format_message(
                "items",
                "be items seen in fit",
                f"{int((codes < 0).sum())} unknown item(s) (first: {bad!r})",
                "Refit or partial_fit with data that contain them.",
            )
        )
    pieces = []
    for label, code in zip(asked, codes, strict=True):
        idx, val = row_scores(int(code))
        keep = idx != code
        idx, val = idx[keep], val[keep]
        order = np.lexsort((idx, -val))[:n]
        pieces.append(
            pd.DataFrame(
                {
                    "item_id": [label] * order.size,
                    "rank": np.arange(1, order.size + 1, dtype=np.int64),
                    "similar_item_id": labels[idx[order]],
                    "score": val[order],
                }
            )
        )
    return pd.concat(pieces, ignore_index=True)
