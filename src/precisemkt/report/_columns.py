"""Reading an orders file and finding its columns by their common names."""

from __future__ import annotations

import io
import re
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = ["COLUMN_CANDIDATES", "detect_columns", "read_orders"]

#: Common names of each role, compared without case, spaces, dashes or underscores.
#: ``customer``, ``time`` and ``amount`` are required; ``order`` and ``channel`` optional.
COLUMN_CANDIDATES: dict[str, tuple[str, ...]] = {
    "customer": (
        "customer_id",
        "customer",
        "customerid",
        "cust_id",
        "client_id",
        "client",
        "user_id",
        "user",
        "member_id",
        "account_id",
        "buyer_id",
        "shopper_id",
        "contact_id",
    ),
    "time": (
        "timestamp",
        "date",
        "order_date",
        "invoice_date",
        "purchase_date",
        "transaction_date",
        "datetime",
        "order_time",
        "purchase_time",
        "created_at",
        "time",
    ),
    "amount": (
        "amount",
        "revenue",
        "sales",
        "order_value",
        "order_total",
        "total_amount",
        "total",
        "value",
        "spend",
        "net_amount",
        "sale_amount",
        "price",
        "monetary",
    ),
    "order": (
        "order_id",
        "order",
        "order_number",
        "order_no",
        "invoice",
        "invoice_no",
        "invoice_id",
        "transaction_id",
        "receipt_id",
    ),
    "channel": ("channel", "sales_channel", "source", "medium", "utm_source", "platform"),
}
_REQUIRED = ("customer", "time", "amount")
_FLAG = {
    "customer": "customer_col",
    "time": "time_col",
    "amount": "amount_col",
    "order": "order_col",
    "channel": "channel_col",
}
_READERS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
}


def _key(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def detect_columns(
    columns: pd.Index | list[str], given: Mapping[str, str | None] | None = None
) -> dict[str, str | None]:
    """Choose the column of each role (customer, time, amount, order, channel).

    A role given in ``given`` (keys ``customer_col``, ``time_col``, ``amount_col``,
    ``order_col``, ``channel_col``) must name an existing column. Otherwise the columns
    whose name matches one of :data:`COLUMN_CANDIDATES` (ignoring case, spaces, dashes and
    underscores) are candidates, and the first candidate name in that list wins; two
    columns matching the *same* candidate name are ambiguous.

    Parameters
    ----------
    columns : sequence of str
        The file's column names.
    given : mapping, optional
        Columns named by the user, e.g. ``{"amount_col": "net"}``.

    Returns
    -------
    dict
        ``{"customer_col": ..., "time_col": ..., "amount_col": ..., "order_col": ...,
        "channel_col": ...}``; the optional roles are ``None`` when no column matches.

    Raises
    ------
    ValidationError
        A required role has no candidate, or two columns tie for one, or a given column
        does not exist; the message names the columns found and the names tried.

    Examples
    --------
    >>> from precisemkt.report import detect_columns
    >>> detect_columns(["Customer ID", "Order Date", "Revenue", "Invoice"])
    ... # doctest: +NORMALIZE_WHITESPACE
    {'customer_col': 'Customer ID', 'time_col': 'Order Date', 'amount_col': 'Revenue',
     'order_col': 'Invoice', 'channel_col': None}
    """
    names = [str(c) for c in columns]
    given = dict(given or {})
    chosen: dict[str, str | None] = {}
    taken = {v for v in given.values() if v is not None}
    for role, flag in _FLAG.items():
        wanted = given.get(flag)
        if wanted is not None:
            if wanted not in names:
                raise ValidationError(
                    format_message(
                        flag,
                        "name a column of the orders file",
                        repr(wanted),
                        f"The file has columns {', '.join(map(repr, names))}.",
                    )
                )
            chosen[flag] = wanted
            continue
        found: str | None = None
        for candidate in COLUMN_CANDIDATES[role]:
            hits = [n for n in names if _key(n) == _key(candidate) and n not in taken]
            if len(hits) > 1:
                raise ValidationError(
                    format_message(
                        f"the {role} column",
                        "be found once",
                        f"{len(hits)} columns match {candidate!r}: {', '.join(map(repr, hits))}",
                        f"Name the one to use with --{flag.replace('_', '-')} ({flag}= in Python).",
                    )
                )
            if hits:
                found = hits[0]
                break
        if found is None and role in _REQUIRED:
            raise ValidationError(
                format_message(
                    f"the {role} column",
                    "be present",
                    f"no column named like {', '.join(COLUMN_CANDIDATES[role])} among "
                    f"{', '.join(map(repr, names)) or 'no columns'}",
                    f"Name it with --{flag.replace('_', '-')} ({flag}= in Python).",
                )
            )
        if found is not None:
            taken.add(found)
        chosen[flag] = found
    return chosen


def read_orders(source: str | Path) -> pd.DataFrame:
    """Read an orders file: CSV (also ``.csv.gz``), TSV, Parquet or Excel by extension.

    ``"-"`` reads CSV from standard input. Parquet needs ``pyarrow`` and Excel
    ``openpyxl``; the error says which to install.

    Parameters
    ----------
    source : str or pathlib.Path
        The file, or ``"-"``.

    Returns
    -------
    pandas.DataFrame
        The table as read (no column is converted).

    Raises
    ------
    ValidationError
        The file does not exist, is empty, or cannot be parsed.
    InvalidParameterError
        The extension is not one of the supported formats, or the reader is not installed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from precisemkt.report import read_orders
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "o.csv"
    >>> _ = path.write_text("customer,date,amount\\nA,2024-01-05,10.5\\n")
    >>> read_orders(path).shape
    (1, 3)
    """
    if str(source) == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise ValidationError(
                format_message("ORDERS", "not be empty", "empty standard input", "")
            )
        return _parse(lambda: pd.read_csv(io.StringIO(text), low_memory=False), "standard input")
    path = Path(source)
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zip", ".xz", ".zst"):
        suffixes = suffixes[:-1]
    kind = _READERS.get(suffixes[-1] if suffixes else "")
    if kind is None:
        raise InvalidParameterError(
            format_message(
                "ORDERS",
                "end in .csv, .tsv, .parquet or .xlsx (optionally .csv.gz)",
                repr(path.name),
                "Rename the file or convert it, or pipe CSV in with '-'.",
            )
        )
    if not path.is_file():
        raise ValidationError(
            format_message("ORDERS", "be an existing file", repr(str(path)), "Check the path.")
        )
    if path.stat().st_size == 0:
        raise ValidationError(format_message("ORDERS", "not be empty", f"{path} has 0 bytes", ""))
    if kind == "parquet":
        _require_module("pyarrow", "Parquet")
        return _parse(lambda: pd.read_parquet(path), str(path))
    if kind == "excel":
        _require_module("openpyxl", "Excel")
        return _parse(lambda: pd.read_excel(path), str(path))
    sep = "\t" if kind == "tsv" else ","
    return _parse(lambda: pd.read_csv(path, sep=sep, low_memory=False), str(path))


def _require_module(module: str, what: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise InvalidParameterError(
            format_message(
                "ORDERS",
                f"be readable: {what} files need the {module} package",
                f"{module} is not installed",
                f"pip install {module}, or export the file as CSV.",
            )
        )


def _parse(read: Callable[[], Any], where: str) -> pd.DataFrame:
    try:
        frame = read()
    except pd.errors.EmptyDataError as exc:
        raise ValidationError(
            format_message("ORDERS", "not be empty", f"{where} holds no rows", "")
        ) from exc
    except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(
            format_message(
                "ORDERS",
                "be a readable table",
                f"{where}: {exc}",
                "Check the file's format and separator.",
            )
        ) from exc
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(format_message("ORDERS", "be one table", where, ""))
    return frame
