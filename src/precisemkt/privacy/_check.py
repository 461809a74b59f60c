"""Measure how anonymous a table is: k, l-diversity, t-closeness and re-identification risk."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._frames import is_engine_frame
from precisemkt._results import ResultMixin
from precisemkt._typing import BoolArray, FloatArray, IntArray
from precisemkt._validation import check_int
from precisemkt.errors import InvalidParameterError
from precisemkt.privacy import _class_kernels
from precisemkt.privacy._requirement import (
    class_ids,
    column_roles,
    encode_sensitive,
    make_requirement,
    quasi_identifier_list,
    sensitive_column,
    warn_near_unique,
)

__all__ = ["AnonymityReport", "check_anonymity", "measure_anonymity"]


@dataclass(frozen=True, slots=True)
class AnonymityReport(ResultMixin):
    """How anonymous a table is with respect to its quasi-identifiers.

    Rows that share every quasi-identifier value form an *equivalence class*; an attacker
    who knows someone's quasi-identifiers can narrow them down to their class.

    Attributes
    ----------
    quasi_identifiers : tuple
        The quasi-identifier columns.
    sensitive : hashable or None
        The sensitive column, if one was given.
    n_rows, n_classes : int
        Number of rows and of equivalence classes.
    k : int
        Size of the smallest class: the table is k-anonymous for this k.
    l_distinct : int or None
        Fewest distinct sensitive values in a class (distinct l-diversity).
    l_entropy : float or None
        ``exp`` of the smallest class entropy of the sensitive values (entropy
        l-diversity holds for every l up to this value).
    t : float or None
        Largest earth mover's distance between a class's sensitive distribution and the
        table's (t-closeness holds for every t from this value).
    t_distance : {"ordered", "equal"} or None
        Ground distance of the EMD: ordered for numbers and ordered categoricals, equal
        for nominal values.
    prosecutor_risk_max : float
        Highest probability of re-identifying a record, ``1 / k``.
    prosecutor_risk_avg : float
        Average re-identification probability over records, ``n_classes / n_rows``.
    class_sizes : ndarray of int
        Size of every class (indexed by class id).
    row_class : pandas.Series
        Class id of every row, with the table's index.
    class_l_distinct, class_entropy, class_t : ndarray or None
        Per class: distinct sensitive values, entropy (nats) and EMD.
    class_counts_ptr, class_counts : ndarray or None
        Each class's sensitive value counts in decreasing order, as a CSR pair:
        class ``g`` holds ``class_counts[class_counts_ptr[g]:class_counts_ptr[g + 1]]``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.privacy import check_anonymity
    >>> df = pd.DataFrame({"age": ["20-29"] * 3 + ["30-39"] * 2,
    ...                    "disease": ["flu", "flu", "cold", "cold", "ulcer"]})
    >>> rep = check_anonymity(df, ["age"], sensitive="disease")
    >>> rep.k, rep.l_distinct, rep.n_classes
    (2, 2, 2)
    >>> rep.violations(k=3).tolist()
    [3, 4]
    """

    quasi_identifiers: tuple[Hashable, ...]
    sensitive: Hashable | None
    n_rows: int
    n_classes: int
    k: int
    l_distinct: int | None
    l_entropy: float | None
    t: float | None
    t_distance: str | None
    prosecutor_risk_max: float
    prosecutor_risk_avg: float
    class_sizes: IntArray
    row_class: pd.Series
    class_l_distinct: IntArray | None
    class_entropy: FloatArray | None
    class_t: FloatArray | None
    class_counts_ptr: IntArray | None
    class_counts: IntArray | None

    def size_distribution(self) -> pd.DataFrame:
        """Number of classes and of records for every class size.

        Returns
        -------
        pandas.DataFrame
            Indexed by class size, with columns ``n_classes`` and ``n_records``.

        Examples
        --------
        >>> import pandas as pd
        >>> rep = check_anonymity(pd.DataFrame({"z": [1, 1, 2]}), ["z"])
        >>> rep.size_distribution()["n_classes"].tolist()
        [1, 1]
        """
        sizes, counts = np.unique(self.class_sizes, return_counts=True)
        return pd.DataFrame(
            {"n_classes": counts, "n_records": sizes * counts},
            index=pd.Index(sizes, name="class_size"),
        )

    def share_below(self, k: int) -> float:
        """Share of records in classes smaller than ``k`` (records at risk for that k).

        Examples
        --------
        >>> import pandas as pd
        >>> check_anonymity(pd.DataFrame({"z": [1, 1, 2]}), ["z"]).share_below(2)
        0.3333333333333333
        """
        k = check_int(k, "k", low=1)
        return float(self.class_sizes[self.class_sizes < k].sum() / self.n_rows)

    def recursive_c(self, l: int) -> float:  # noqa: E741
        """Smallest bound on ``c`` for recursive (c, l)-diversity.

        A class with sensitive counts ``r_1 >= r_2 >= ...`` is recursive (c, l)-diverse if
        ``r_1 < c (r_l + r_{l+1} + ...)``; the table is for every ``c`` strictly above
        the returned value (``inf`` when a class has fewer than ``l`` values).

        Examples
        --------
        >>> import pandas as pd
        >>> df = pd.DataFrame({"z": [1] * 4, "s": ["a", "a", "b", "c"]})
        >>> check_anonymity(df, ["z"], sensitive="s").recursive_c(2)
        1.0
        """
        ptr, counts = self._sensitive_counts()
        ell = check_int(l, "l", low=1)
        ratio = _recursive_ratio(ptr, counts, self.class_sizes, ell)
        return float(ratio.max())

    def violations(
        self,
        *,
        k: int | None = None,
        l: float | None = None,  # noqa: E741
        l_kind: str = "distinct",
        c: float | None = None,
        t: float | None = None,
    ) -> pd.Index:
        """Index of the rows whose class breaks any of the requested levels.

        Parameters
        ----------
        k : int, optional
            Smallest acceptable class size.
        l : float, optional
            Required diversity of the sensitive values, of kind ``l_kind``
            (``"distinct"``, ``"entropy"`` or ``"recursive"`` with ``c``).
        c : float, optional
            The ``c`` of recursive (c, l)-diversity.
        t : float, optional
            Largest acceptable EMD.

        Returns
        -------
        pandas.Index
            Labels of the offending rows, in table order.

        Examples
        --------
        >>> import pandas as pd
        >>> rep = check_anonymity(pd.DataFrame({"z": [1, 1, 2]}), ["z"])
        >>> rep.violations(k=2).tolist()
        [2]
        """
        bad = self.failing_classes(k=k, l=l, l_kind=l_kind, c=c, t=t)
        rows = bad[self.row_class.to_numpy()]
        out: pd.Index = self.row_class.index[rows]
        return out

    def failing_classes(
        self,
        *,
        k: int | None = None,
        l: float | None = None,  # noqa: E741
        l_kind: str = "distinct",
        c: float | None = None,
        t: float | None = None,
    ) -> BoolArray:
        """Boolean mask over classes: which break any of the requested levels.

        Takes the same arguments as :meth:`violations`.

        Examples
        --------
        >>> import pandas as pd
        >>> check_anonymity(pd.DataFrame({"z": [1, 1, 2]}), ["z"]).failing_classes(k=2)
        array([False,  True])
        """
        req = make_requirement(
            1 if k is None else k, l, t, l_kind=l_kind, c=c, sensitive=self.sensitive
        )
        bad = self.class_sizes < req.k
        if req.l is not None:
            ptr, counts = self._sensitive_counts()
            if req.l_kind == "distinct":
                bad |= self._require(self.class_l_distinct) < req.l
            elif req.l_kind == "entropy":
                bad |= (
                    self._require(self.class_entropy) < np.log(req.l) - _class_kernels.ENTROPY_TOL
                )
            else:
                ratio = _recursive_ratio(ptr, counts, self.class_sizes, int(req.l))
                bad |= ~(ratio < float(req.c if req.c is not None else 0.0))
        if req.t is not None:
            bad |= self._require(self.class_t) > req.t + _class_kernels.T_TOL
        return bad

    def satisfies(
        self,
        *,
        k: int | None = None,
        l: float | None = None,  # noqa: E741
        l_kind: str = "distinct",
        c: float | None = None,
        t: float | None = None,
    ) -> bool:
        """Whether every class meets the requested levels (see :meth:`violations`).

        Examples
        --------
        >>> import pandas as pd
        >>> check_anonymity(pd.DataFrame({"z": [1, 1, 2, 2]}), ["z"]).satisfies(k=2)
        True
        """
        return not bool(self.failing_classes(k=k, l=l, l_kind=l_kind, c=c, t=t).any())

    def to_frame(self) -> pd.DataFrame:
        """One row per equivalence class: size and, with a sensitive column, its diversity.

        Examples
        --------
        >>> import pandas as pd
        >>> check_anonymity(pd.DataFrame({"z": [1, 1, 2]}), ["z"]).to_frame()["size"].tolist()
        [2, 1]
        """
        frame = pd.DataFrame(
            {"size": self.class_sizes}, index=pd.RangeIndex(self.n_classes, name="class")
        )
        if self.class_entropy is not None:
            frame["l_distinct"] = self.class_l_distinct
            frame["l_entropy"] = np.exp(self.class_entropy)
            frame["t"] = self.class_t
        return frame

    @staticmethod
    def _require(values: IntArray | FloatArray | None) -> IntArray | FloatArray:
        if values is None:  # pragma: no cover - make_requirement demands a sensitive column
            raise AssertionError("sensitive statistics are missing")
        return values

    def _sensitive_counts(self) -> tuple[IntArray, IntArray]:
        if self.class_counts_ptr is None or self.class_counts is None:
            raise InvalidParameterError(
                "this report has no sensitive column; got sensitive=None. Call "
                "check_anonymity(..., sensitive='column') to measure l-diversity."
            )
        return self.class_counts_ptr, self.class_counts


def _recursive_ratio(ptr: IntArray, counts: IntArray, sizes: IntArray, ell: int) -> FloatArray:
    """Per class ``r_1 / (r_l + ...)`` (``inf`` when fewer than ``l`` values)."""
    n_classes = len(ptr) - 1
    lengths = np.diff(ptr)
    owner = np.repeat(np.arange(n_classes), lengths)
    position = np.arange(len(counts)) - ptr[owner]
    head = np.bincount(owner, weights=counts * (position < ell - 1), minlength=n_classes)
    tail = sizes - head
    first = counts[ptr[:-1]].astype(np.float64) if len(counts) else np.zeros(n_classes)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio: FloatArray = np.where((lengths >= ell) & (tail > 0), first / tail, np.inf)
    return ratio


def check_anonymity(
    df: pd.DataFrame,
    quasi_identifiers: Hashable | Sequence[Hashable],
    *,
    sensitive: Hashable | None = None,
    identifiers: Hashable | Sequence[Hashable] | None = None,
    insensitive: Hashable | Sequence[Hashable] | None = None,
) -> AnonymityReport:
    """Measure k-anonymity, l-diversity, t-closeness and re-identification risk.

    Parameters
    ----------
    df : pandas.DataFrame or a frame narwhals supports
        The table as it would be released (generalised values are compared as they are;
        a missing quasi-identifier value counts as a value of its own). A Polars, DuckDB,
        Spark … frame is grouped on its engine and only the class table comes back (the
        report then has ``class_keys`` and ``failing_keys`` instead of row labels).
    quasi_identifiers : column name or list of column names
        Columns an attacker could know from elsewhere (age, zip code, sex, ...).
    sensitive : column name, optional
        The attribute to protect; needed for l-diversity and t-closeness. Numbers and
        ordered categoricals use the ordered EMD distance, anything else equal distance.
    identifiers, insensitive : column name or list of column names, optional
        Declared direct identifiers (to be dropped before release) and columns safe to
        publish as they are. Neither changes the measures; they only silence the warning
        below.

    Returns
    -------
    AnonymityReport

    Raises
    ------
    ValidationError
        A column is missing, the table is empty, or the sensitive column has missing
        values.

    Warns
    -----
    DataQualityWarning
        An undeclared column (not a quasi-identifier, sensitive, identifier or
        insensitive column) is nearly unique: at least 90% of the rows hold a value of it
        that no other row holds. Such a column (an id, an e-mail, an exact amount)
        re-identifies people whatever k says.

    Notes
    -----
    Classes are found by one vectorised group-by over integer codes (columns of
    ``category`` dtype are fastest); the sensitive statistics come from one compiled pass.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"zip": ["130**"] * 4, "age": ["<30"] * 4,
    ...                    "disease": ["flu", "cold", "flu", "ulcer"]})
    >>> rep = check_anonymity(df, ["zip", "age"], sensitive="disease")
    >>> rep.k, rep.l_distinct, round(rep.l_entropy, 3), rep.t
    (4, 3, 2.828, 0.0)
    """
    if is_engine_frame(df):  # Polars, DuckDB, Spark …: classes counted on the engine
        from precisemkt.privacy._engine import check_anonymity_engine

        return check_anonymity_engine(df, quasi_identifiers, sensitive=sensitive)
    frame, qis = quasi_identifier_list(df, quasi_identifiers)
    sens = sensitive_column(frame, sensitive, qis)
    _, _, undeclared = column_roles(frame, qis, sens, identifiers, insensitive)
    report = measure_anonymity(frame, qis, sens)
    warn_near_unique(frame, undeclared)
    return report


#: The report's l-diversity and t-closeness fields (all None without a sensitive column).
_SENSITIVE_FIELDS = (
    "l_distinct",
    "l_entropy",
    "t",
    "t_distance",
    "class_l_distinct",
    "class_entropy",
    "class_t",
    "class_counts_ptr",
    "class_counts",
)


def sensitive_fields(
    stats: tuple[IntArray, FloatArray, FloatArray, IntArray, IntArray] | None, ordered: bool
) -> dict[str, Any]:
    """The report's l-diversity and t-closeness fields from the per-class statistics
    ``(distinct, entropy, emd, ptr, counts)``; all None when there is no sensitive column."""
    if stats is None:
        return dict.fromkeys(_SENSITIVE_FIELDS)
    distinct, entropy, emd, ptr, counts = stats
    values = (
        int(distinct.min()),
        float(np.exp(entropy.min())),
        float(emd.max()),
        "ordered" if ordered else "equal",
        distinct,
        entropy,
        emd,
        ptr,
        counts,
    )
    return dict(zip(_SENSITIVE_FIELDS, values, strict=True))


def measure_anonymity(
    frame: pd.DataFrame, qis: list[Hashable], sens: Hashable | None
) -> AnonymityReport:
    """:func:`check_anonymity` of a validated table (no column-role warning)."""
    ids, n_classes = class_ids(frame, qis)
    sizes = np.bincount(ids, minlength=n_classes).astype(np.int64)
    k = int(sizes.min())
    n = len(frame)
    row_class = pd.Series(ids, index=frame.index, name="class")
    stats = None
    ordered = False
    if sens is not None:
        codes, n_codes, ordered = encode_sensitive(frame[sens], sens)
        stats = _class_kernels.class_statistics(ids, n_classes, codes, n_codes, ordered)
    fields = sensitive_fields(stats, ordered)
    return AnonymityReport(
        quasi_identifiers=tuple(qis),
        sensitive=sens,
        n_rows=n,
        n_classes=int(n_classes),
        k=k,
        prosecutor_risk_max=1.0 / k,
        prosecutor_risk_avg=n_classes / n,
        class_sizes=sizes,
        row_class=row_class,
        **fields,
    )
