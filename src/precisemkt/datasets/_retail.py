"""The UCI Online Retail item sets, shipped as package data."""

from __future__ import annotations

import csv
import io
import tarfile
from importlib import resources

import numpy as np
import pandas as pd

__all__ = ["load_online_retail"]

_MEMBER = "Online_Retail_Grouped.csv"


def load_online_retail() -> pd.DataFrame:
    """Load the UCI Online Retail data as one item set per customer.

    The Online Retail data set (Chen, Sain & Guo 2012) holds the 2010-11 transactions of
    a UK online gift retailer. Grouped per customer, it gives 4,372 baskets (each the set
    of distinct products a customer ever bought) over 3,896 product descriptions, with
    269,157 (basket, item) pairs.

    Returns
    -------
    pandas.DataFrame
        One row per (basket, item) pair, columns ``basket_id`` (int64, 0..4371, in the
        file's order; the source does not keep the customer numbers) and ``item`` (str,
        the product description exactly as in the source, including trailing spaces).
        Feed it to :func:`precisemkt.basket.baskets_from_orders`.

    Notes
    -----
    Source: Daqing Chen, "Online Retail", UCI Machine Learning Repository (2015),
    https://doi.org/10.24432/C5BW33, licensed CC BY 4.0. Described in D. Chen, S. L. Sain
    and K. Guo (2012), "Data mining for the online retail industry: A case study of RFM
    model-based customer segmentation using data mining", Journal of Database Marketing
    and Customer Strategy Management 19(3), 197-208. The per-customer grouping is the
    file ``datasets/Online_Retail_Grouped.tar.xz`` of the PyARMViz 0.1.4 wheel (shipped
    unchanged, SHA-256 ``d9678141…58d8319``).

    Examples
    --------
    >>> from precisemkt.datasets import load_online_retail
    >>> retail = load_online_retail()
    >>> retail.shape, retail["basket_id"].nunique(), retail["item"].nunique()
    ((269157, 2), 4372, 3896)
    """
    source = resources.files("precisemkt.datasets").joinpath("data", "online_retail_grouped.tar.xz")
    with resources.as_file(source) as path, tarfile.open(path, "r:xz") as tar:
        member = tar.extractfile(_MEMBER)
        if member is None:  # pragma: no cover - the shipped file always has it
            raise FileNotFoundError(_MEMBER)
        text = member.read().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    items = np.array([item for row in rows for item in row], dtype=object)
    return pd.DataFrame(
        {
            "basket_id": np.repeat(np.arange(len(rows), dtype=np.int64), lengths),
            "item": pd.array(items, dtype="str"),
        }
    )
