"""Scoring a summary where it lives: P(alive), expected purchases and CLV as new columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import narwhals.stable.v2 as nw
import numpy as np
import pandas as pd

from precisemkt._frames import (
    as_engine_frame,
    backend_name,
    collect_pandas,
    is_engine_frame,
    require_engine_columns,
)
from precisemkt._validation import check_bool, check_interval, format_message, require_columns
from precisemkt.clv._bgnbd import BGNBD
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._transaction import TransactionModel
from precisemkt.clv._value import customer_lifetime_value
from precisemkt.errors import InvalidParameterError

__all__ = ["predict_frame"]


def _batch_scorer(
    model: TransactionModel,
    spend_model: GammaGamma | None,
    cols: dict[str, str],
    t: float | None,
    horizon: float,
    discount_rate: float,
) -> Callable[[pd.DataFrame], pd.DataFrame]:
    """A pandas-in, pandas-out function adding the score columns to one batch."""

    def score(batch: pd.DataFrame) -> pd.DataFrame:
        out = batch.copy()
        x = batch[cols["frequency"]].to_numpy(dtype=np.float64)
        tx = batch[cols["recency"]].to_numpy(dtype=np.float64)
        T = batch[cols["T"]].to_numpy(dtype=np.float64)
        if len(batch) == 0:
            for name in _new_columns(t, spend_model):
                out[name] = np.empty(0)
            return out
        out["p_alive"] = model.probability_alive(x, tx, T)
        if t is not None:
            out["expected_purchases"] = model.predict_purchases(np.full(x.size, t), x, tx, T)
        if spend_model is not None:
            m = batch[cols["monetary_value"]].to_numpy(dtype=np.float64)
            out["expected_spend"] = spend_model.expected_spend(x, m)
            out["clv"] = customer_lifetime_value(
                model, spend_model, x, tx, T, m, horizon=horizon, discount_rate=discount_rate
            )
        return out

    return score


def _new_columns(t: float | None, spend_model: GammaGamma | None) -> list[str]:
    names = ["p_alive"]
    if t is not None:
        names.append("expected_purchases")
    if spend_model is not None:
        names += ["expected_spend", "clv"]
    return names


def _bgnbd_p_alive(model: BGNBD, cols: dict[str, str]) -> nw.Expr:
    """BG/NBD's closed-form P(alive) as an engine expression (Fader, Hardie & Lee 2005)."""
    r, alpha, a, b = (float(model.params_[k]) for k in ("r", "alpha", "a", "b"))
    x = nw.col(cols["frequency"]).cast(nw.Float64)
    tx = nw.col(cols["recency"]).cast(nw.Float64)
    T = nw.col(cols["T"]).cast(nw.Float64)
    # the power as exp(log): every engine has both (some SQL translations of ** do not parse)
    odds = (a / (b + x - 1.0)) * (((alpha + T) / (alpha + tx)).log() * (r + x)).exp()
    return (1.0 / (1.0 + nw.when(x > 0).then(odds).otherwise(0.0))).alias("p_alive")


def _spark_map(native: Any, score: Callable[[pd.DataFrame], pd.DataFrame], new: list[str]) -> Any:
    from pyspark.sql.types import DoubleType, StructField, StructType

    schema = StructType(list(native.schema.fields) + [StructField(n, DoubleType()) for n in new])

    def apply(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            yield score(batch)

    return native.mapInPandas(apply, schema=schema)


def predict_frame(
    model: TransactionModel,
    summary: Any,
    *,
    t: float | None = None,
    spend_model: GammaGamma | None = None,
    horizon: float = 12,
    discount_rate: float = 0.01,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str = "T",
    monetary_value_col: str = "monetary_value",
    native: bool = True,
) -> Any:
    """Add ``p_alive`` (and ``expected_purchases``, ``expected_spend``, ``clv``) columns.

    A pandas summary gets the columns from the numba kernels. Any other frame is scored on
    its own engine and stays of its kind (lazy stays lazy): BG/NBD's P(alive) alone is a
    closed form, written as an engine expression (``native=True``); everything else runs
    the same kernels on each partition — ``map_batches`` on Polars, ``mapInPandas`` on
    Spark — or, on engines without a partition map (DuckDB, SQLFrame …), on the collected
    summary, which is small (one row per customer), returned as that engine's frame.

    Parameters
    ----------
    model : BGNBD, MBGNBD, ParetoNBD
        A fitted transaction model (in the summary's time unit).
    summary : pandas.DataFrame or any frame narwhals supports
        One row per customer with the frequency, recency and T columns.
    t : float, optional
        Add ``expected_purchases`` in the next ``t`` time units.
    spend_model : GammaGamma, optional
        Add ``expected_spend`` and ``clv`` (see :func:`customer_lifetime_value`, using
        the model's recorded time unit) over ``horizon`` discount periods.
    horizon, discount_rate : float
        As in :func:`customer_lifetime_value`.
    frequency_col, recency_col, T_col, monetary_value_col : str
        Column names.
    native : bool, default True
        Use the engine expression when the formula allows (BG/NBD P(alive) alone).

    Returns
    -------
    frame
        The summary with the new float columns, of the same kind as ``summary``.

    Examples
    --------
    >>> import polars as pl
    >>> from precisemkt.datasets import load_cdnow
    >>> from precisemkt.profiling import rfm_summary
    >>> s = rfm_summary(load_cdnow(), freq="W")
    >>> bg = BGNBD().fit(s)
    >>> lazy = pl.from_pandas(s.reset_index()).lazy()
    >>> scored = predict_frame(bg, lazy).collect()
    >>> expected = bg.probability_alive(s).to_numpy()
    >>> bool(np.allclose(scored["p_alive"].to_numpy(), expected, rtol=1e-12, atol=0))
    True
    """
    check_bool(native, "native")
    if not isinstance(model, TransactionModel):
        raise InvalidParameterError(
            format_message(
                "model", "be a fitted BGNBD, MBGNBD or ParetoNBD", type(model).__name__, ""
            )
        )
    model.probability_alive(0.0, 0.0, 1.0)  # raises NotFittedError before any engine work
    if t is not None:
        t = check_interval(t, "t", low=0)
    cols = {"frequency": frequency_col, "recency": recency_col, "T": T_col}
    if spend_model is not None:
        cols["monetary_value"] = monetary_value_col
    score = _batch_scorer(model, spend_model, cols, t, horizon, discount_rate)
    new = _new_columns(t, spend_model)
    if not is_engine_frame(summary):
        if not isinstance(summary, pd.DataFrame):
            raise InvalidParameterError(
                format_message(
                    "summary",
                    "be a DataFrame (pandas or any engine narwhals supports)",
                    type(summary).__name__,
                    "Pass the output of rfm_summary.",
                )
            )
        require_columns(summary, list(cols.values()), name="summary")
        return score(summary)
    frame = as_engine_frame(summary, "summary")
    require_engine_columns(frame, list(cols.values()), "summary")
    if native and type(model) is BGNBD and new == ["p_alive"]:
        return frame.with_columns(_bgnbd_p_alive(model, cols)).to_native()
    native_frame = frame.to_native()
    backend = backend_name(frame)
    if backend == "polars":
        import polars as pl

        def polars_batch(batch: pl.DataFrame) -> pl.DataFrame:
            return pl.from_pandas(score(batch.to_pandas()))

        if isinstance(native_frame, pl.LazyFrame):
            schema = dict(native_frame.collect_schema()) | dict.fromkeys(new, pl.Float64)
            return native_frame.map_batches(polars_batch, schema=schema, streamable=True)
        return polars_batch(native_frame)
    if backend == "pyspark":
        return _spark_map(native_frame, score, new)
    scored = score(collect_pandas(frame))
    if backend == "duckdb":
        import duckdb

        return duckdb.from_df(scored)
    if backend == "sqlframe":
        return native_frame.sparkSession.createDataFrame(scored)
    if backend == "pyarrow":
        import pyarrow as pa

        return pa.Table.from_pandas(scored, preserve_index=False)
    return scored
