"""``check_anonymity`` on any engine narwhals supports.

The equivalence classes and each class's sensitive value counts are one ``group_by`` on
the engine; only that table (one row per class and sensitive value) comes back, and the
statistics are finished locally with the same arithmetic as the pandas path.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from precisemkt._frames import as_engine_frame, collect_pandas, require_engine_columns
from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy import _class_kernels
from precisemkt.privacy._check import AnonymityReport, sensitive_fields

__all__ = ["EngineAnonymityReport", "check_anonymity_engine"]


@dataclass(frozen=True, slots=True)
class EngineAnonymityReport(AnonymityReport):
    """An :class:`AnonymityReport` of a table that stayed on its engine.

    The rows never came back, so ``row_class`` is empty and :meth:`violations` (row
    labels) is not available; ``class_keys`` holds the quasi-identifier values of every
    class instead, and :meth:`failing_keys` the classes that break a level, to join back
    on the engine.
    """

    class_keys: pd.DataFrame

    def violations(
        self,
        *,
        k: int | None = None,
        l: float | None = None,  # noqa: E741
        l_kind: str = "distinct",
        c: float | None = None,
        t: float | None = None,
    ) -> pd.Index:
        """Not available: the rows stayed on the engine (use :meth:`failing_keys`)."""
        raise InvalidParameterError(
            format_message(
                "violations",
                "have the table's rows, which stayed on the engine",
                "a report computed on an engine frame",
                "Use report.failing_keys(k=...) and join it to the table on the engine.",
            )
        )

    def failing_keys(
        self,
        *,
        k: int | None = None,
        l: float | None = None,  # noqa: E741
        l_kind: str = "distinct",
        c: float | None = None,
        t: float | None = None,
    ) -> pd.DataFrame:
        """Quasi-identifier values of the classes that break any requested level.

        Takes the arguments of :meth:`AnonymityReport.violations`.
        """
        bad = self.failing_classes(k=k, l=l, l_kind=l_kind, c=c, t=t)
        return self.class_keys.loc[bad].reset_index(drop=True)


def _names(quasi_identifiers: Hashable | Sequence[Hashable]) -> list[str]:
    if isinstance(quasi_identifiers, str) or not isinstance(quasi_identifiers, Sequence):
        qis = [quasi_identifiers]
    else:
        qis = list(quasi_identifiers)
    if not qis or len(set(qis)) != len(qis):
        raise InvalidParameterError(
            format_message(
                "quasi_identifiers",
                "name at least one column, each once",
                repr(qis),
                "List the columns an attacker could link, e.g. ['age', 'zip'].",
            )
        )
    return [str(q) for q in qis]


def check_anonymity_engine(
    df: Any,
    quasi_identifiers: Hashable | Sequence[Hashable],
    *,
    sensitive: Hashable | None,
) -> EngineAnonymityReport:
    """The narwhals implementation behind :func:`precisemkt.privacy.check_anonymity`.

    Classes are listed in the order of their quasi-identifier values (missing last).
    A numeric sensitive column uses the ordered distance, anything else the equal one with
    values in sorted order (the pandas path takes them in order of first appearance, which
    can change the last bit of an entropy or EMD sum).
    """
    frame = as_engine_frame(df, "df")
    qis = _names(quasi_identifiers)
    sens = None if sensitive is None else str(sensitive)
    if sens is not None and sens in qis:
        raise InvalidParameterError(
            format_message(
                "sensitive",
                "not be one of the quasi_identifiers",
                repr(sens),
                "A column is either linkable or protected.",
            )
        )
    require_engine_columns(frame, qis + ([sens] if sens is not None else []), "df")
    ordered = False
    keys = list(qis)
    if sens is not None:
        ordered = bool(frame.collect_schema()[sens].is_numeric())
        keys.append(sens)
    cells = collect_pandas(frame.group_by(*keys).agg(nw.len().alias("_n")))
    if len(cells) == 0:
        raise ValidationError(
            format_message(
                "df", "have at least one row", "an empty table", "There is nothing to check."
            )
        )
    if sens is not None and cells[sens].isna().any():
        missing = int(cells.loc[cells[sens].isna(), "_n"].sum())
        raise ValidationError(
            format_message(
                f"sensitive column {sens!r}",
                "have no missing values",
                f"{missing} missing value(s)",
                "Drop those rows or label them (e.g. 'unknown') before the check.",
            )
        )
    class_of = cells.groupby(qis, dropna=False, sort=True).ngroup().to_numpy(np.int64)
    if sens is None:
        codes = np.zeros(len(cells), np.int64)
        n_codes = 1
    else:
        codes, uniques = pd.factorize(cells[sens], sort=True)
        n_codes = len(uniques)
    order = np.lexsort((codes, class_of))
    class_of, codes = class_of[order], codes[order].astype(np.int64)
    counts = cells["_n"].to_numpy(np.int64)[order]
    n_classes = int(class_of[-1]) + 1
    ptr = np.zeros(n_classes + 1, np.int64)
    np.cumsum(np.bincount(class_of, minlength=n_classes), out=ptr[1:])
    sizes, distinct, entropy, emd, desc = _class_kernels.class_statistics_from_counts(
        ptr, codes, counts, n_codes, ordered
    )
    first = ptr[:-1]
    class_keys = cells[qis].iloc[order[first]].reset_index(drop=True)
    n = int(sizes.sum())
    k = int(sizes.min())
    stats = (distinct, entropy, emd, ptr, desc) if sens is not None else None
    fields = sensitive_fields(stats, ordered)
    return EngineAnonymityReport(
        quasi_identifiers=tuple(qis),
        sensitive=sens,
        n_rows=n,
        n_classes=n_classes,
        k=k,
        prosecutor_risk_max=1.0 / k,
        prosecutor_risk_avg=n_classes / n,
        class_sizes=sizes,
        row_class=pd.Series(np.zeros(0, np.int64), name="class"),
        class_keys=class_keys,
        **fields,
    )
