"""Real datasets shipped inside the package."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, NamedTuple

import pandas as pd

from precisemkt._validation import check_bool

if TYPE_CHECKING:
    from precisemkt.privacy import Hierarchy

__all__ = ["AdultData", "load_adult", "load_cdnow", "load_donations"]

#: The columns of the Adult table, in file order; every one has a hierarchy.
ADULT_COLUMNS = (
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
    "salary-class",
)


def _read(name: str, **kwargs: object) -> pd.DataFrame:
    source = resources.files("precisemkt.datasets").joinpath("data", name)
    with resources.as_file(source) as path:
        return pd.read_csv(path, **kwargs)  # type: ignore[call-overload, no-any-return]


def load_cdnow(sample: bool = True) -> pd.DataFrame:
    """Load the CDNOW music-store transaction log (Fader, Hardie & Lee 2005).

    Every customer in the log made a first purchase at CDNOW in the first quarter of 1997;
    their purchases are followed until the end of June 1998 (78 weeks).

    Parameters
    ----------
    sample : bool, default True
        ``True``: the 1/10th systematic sample used in the papers (2,357 customers,
        6,919 records), with the papers' customer ids 1..2357. ``False``: the full log
        (23,570 customers, 69,659 records) with the master ids.

    Returns
    -------
    pandas.DataFrame
        One row per purchase record with columns ``customer_id`` (int64), ``timestamp``
        (datetime64, day resolution), ``quantity`` (int64, number of CDs) and ``amount``
        (float64, dollars). A customer can have several records on one day.

    Notes
    -----
    Source: Bruce Hardie's CDNOW data sets, as redistributed in the ``lifetimes`` 0.11.3
    wheel (``CDNOW_sample.txt``, ``CDNOW_master.txt``), re-encoded as gzip CSV.

    Examples
    --------
    >>> from precisemkt.datasets import load_cdnow
    >>> tx = load_cdnow()
    >>> tx.shape, tx["customer_id"].nunique()
    ((6919, 4), 2357)
    """
    check_bool(sample, "sample")
    frame = _read(
        "cdnow_sample.csv.gz" if sample else "cdnow_master.csv.gz",
        dtype={"customer_id": "int64", "date": "str", "quantity": "int64", "amount": "float64"},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d").astype("datetime64[ns]")
    return frame.rename(columns={"date": "timestamp"})[
        ["customer_id", "timestamp", "quantity", "amount"]
    ]


def load_donations() -> pd.DataFrame:
    """Load the repeat-donation data used for the BG/BB model (Fader, Hardie & Shang 2010).

    11,104 first-time supporters of a non-profit in 1995, followed over the six annual
    donation opportunities 1996-2001, compressed to one row per (frequency, recency)
    pattern.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency`` (repeat donations, 0..6), ``recency`` (year of the last
        donation, 0..6, 0 when there is none), ``n_periods`` (6) and ``count`` (number of
        donors with that pattern); 22 rows.

    Notes
    -----
    Source: Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time
    Noncontractual Setting", Marketing Science 29(6); the table as redistributed in the
    ``lifetimes`` 0.11.3 wheel (``donations.csv``).

    Examples
    --------
    >>> from precisemkt.datasets import load_donations
    >>> d = load_donations()
    >>> int(d["count"].sum())
    11104
    """
    return _read(
        "donations.csv",
        dtype={"frequency": "int64", "recency": "int64", "n_periods": "int64", "count": "int64"},
    )


class AdultData(NamedTuple):
    """The Adult census table and its generalisation hierarchies (see :func:`load_adult`)."""

    #: 30,162 rows, one per person, columns as in :data:`ADULT_COLUMNS`.
    table: pd.DataFrame
    #: One ``Hierarchy`` per column, keyed by column name.
    hierarchies: dict[str, Hierarchy]


def load_adult() -> AdultData:
    """Load the UCI Adult census table and ARX's generalisation hierarchies for it.

    The standard benchmark of anonymisation tools: the 1994 US census extract of Kohavi &
    Becker (1996) in its cleaned form (30,162 rows without missing values), with nine
    columns ``sex``, ``age``, ``race``, ``marital-status``, ``education``,
    ``native-country``, ``workclass``, ``occupation`` and ``salary-class`` (``<=50K`` /
    ``>50K``), and one generalisation hierarchy per column.

    Returns
    -------
    AdultData
        A named tuple ``(table, hierarchies)``: the table (``age`` int64, every other
        column str) and a dict from column name to :class:`precisemkt.privacy.Hierarchy`
        (ARX's table layout: one row per value, one column per level, up to ``*``).

    Notes
    -----
    Source: the UCI Machine Learning Repository's "Adult" data set (Kohavi & Becker 1996),
    licensed CC BY 4.0. The cleaned table and the hierarchies are those of the data folder
    of the ARX de-identification tool's public repository (commit aacd487, Apache-2.0),
    where most published anonymisation figures on Adult come from; they ship inside this
    package as gzip CSV (``;``-separated, hierarchies without header). The hierarchies are
    :mod:`precisemkt.privacy` objects, so this function imports that module when it is
    called (the datasets package sits above the domains; importing it alone imports no
    domain).

    Examples
    --------
    >>> from precisemkt.datasets import load_adult
    >>> table, hierarchies = load_adult()
    >>> table.shape
    (30162, 9)
    >>> hierarchies["education"].generalize(table["education"].head(2), 1).tolist()
    ['Undergraduate', 'Undergraduate']
    """
    from precisemkt.privacy import Hierarchy

    table = _read("adult.csv.gz", sep=";", dtype={"age": "int64"})
    hierarchies = {
        column: Hierarchy.from_table(
            _read(
                f"adult_hierarchy_{column}.csv.gz",
                sep=";",
                header=None,
                dtype=str,
                keep_default_na=False,
            )
        )
        for column in ADULT_COLUMNS
    }
    return AdultData(table, hierarchies)
