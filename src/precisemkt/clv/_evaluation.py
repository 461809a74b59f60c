"""Model checking: holdout predictions, calibration histograms and tracking curves."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._units import PERIOD_DAYS, TimeUnit, resolve_time_unit, time_unit_of
from precisemkt._validation import (
    check_int,
    check_type,
    format_message,
    require_columns,
    require_frame,
    show_value,
)
from precisemkt.clv._bgbb import BGBB
from precisemkt.clv._gammagamma import GammaGamma
from precisemkt.clv._inputs import check_unit, customer_inputs
from precisemkt.clv._transaction import TransactionModel
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "HoldoutEvaluation",
    "holdout_evaluation",
    "repeat_purchase_histogram",
    "tracking_transactions",
]


def _check_model(model: object, *, allow_bgbb: bool = True) -> TransactionModel | BGBB:
    if isinstance(model, TransactionModel) or (allow_bgbb and isinstance(model, BGBB)):
        model._fitted_params()
        return model
    names = "BGNBD, MBGNBD, ParetoNBD" + (" or BGBB" if allow_bgbb else "")
    raise InvalidParameterError(
        format_message("model", f"be a fitted {names}", type(model).__name__, "")
    )


def _labels(max_frequency: int) -> list[str]:
    return [str(k) for k in range(max_frequency)] + [f"{max_frequency}+"]


def _bins(frequency: np.ndarray, max_frequency: int) -> np.ndarray:
    """Bin codes 0 .. max_frequency (the last collects max_frequency and more)."""
    codes: np.ndarray = np.minimum(frequency.astype(np.int64), max_frequency)
    return codes


def _metrics(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    """Error summaries of per-customer predictions against what happened."""
    err = predicted - actual
    corr = (
        float(np.corrcoef(predicted, actual)[0, 1])
        if actual.size > 1 and np.std(actual) > 0 and np.std(predicted) > 0
        else float("nan")
    )
    return {
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "bias": float(np.mean(err)),
        "correlation": corr,
        "actual_total": float(actual.sum()),
        "predicted_total": float(predicted.sum()),
    }


@dataclasses.dataclass(frozen=True, slots=True, repr=False)
class HoldoutEvaluation(ResultMixin):
    """Predicted versus actual purchases (and revenue) in a holdout period.

    ``repr`` is a short table; :meth:`metrics` gives it as a DataFrame and
    :meth:`to_frame` the per-customer rows.

    Attributes
    ----------
    customers : pandas.DataFrame
        Per customer: ``frequency`` (calibration), ``actual`` and ``predicted`` holdout
        purchases, and with a spend model ``actual_revenue`` and ``predicted_revenue``;
        indexed like the input summary.
    by_frequency : pandas.DataFrame
        Per calibration frequency (the last bin collects ``max_frequency`` and more):
        ``n_customers`` and the mean ``actual`` and ``predicted`` holdout purchases.
    mae, rmse : float
        Mean absolute and root-mean-square error of the purchases per customer.
    correlation : float
        Pearson correlation of predicted and actual purchases per customer.
    actual_total, predicted_total : float
        Holdout purchases summed over customers.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.clv import BGNBD, holdout_evaluation
    >>> s = pd.DataFrame({"frequency": [2, 0, 1], "recency": [30.4, 0, 1.7], "T": [38.9] * 3,
    ...                   "frequency_holdout": [1, 0, 0], "duration_holdout": [39.0] * 3})
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> ev = holdout_evaluation(bg, s)
    >>> ev.actual_total
    1.0
    >>> ev
    HoldoutEvaluation of 3 customers
                  mae    rmse    bias  correlation  actual_total  predicted_total
    purchases  0.2071  0.2074  0.2071          1.0           1.0           1.6212
    """

    customers: pd.DataFrame
    by_frequency: pd.DataFrame
    mae: float
    rmse: float
    correlation: float
    actual_total: float
    predicted_total: float

    def metrics(self) -> pd.DataFrame:
        """Error summaries per customer: purchases, and revenue when a spend model was given.

        Returns
        -------
        pandas.DataFrame
            Rows ``purchases`` (and ``revenue``); columns ``mae``, ``rmse``, ``bias``
            (mean of predicted minus actual), ``correlation``, ``actual_total`` and
            ``predicted_total``.

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.clv import BGNBD, holdout_evaluation
        >>> s = pd.DataFrame({"frequency": [2, 0], "recency": [30.4, 0], "T": [38.9, 38.9],
        ...                   "frequency_holdout": [1, 0], "duration_holdout": [39.0, 39.0]})
        >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> list(holdout_evaluation(bg, s).metrics().index)
        ['purchases']
        """
        c = self.customers
        rows = {"purchases": _metrics(c["predicted"].to_numpy(), c["actual"].to_numpy())}
        if "predicted_revenue" in c:
            rows["revenue"] = _metrics(
                c["predicted_revenue"].to_numpy(), c["actual_revenue"].to_numpy()
            )
        return pd.DataFrame.from_dict(rows, orient="index")

    def __repr__(self) -> str:
        with pd.option_context("display.precision", 4, "display.width", 100):
            table = self.metrics().to_string()
        return f"HoldoutEvaluation of {len(self.customers):,} customers\n{table}"

    def to_frame(self) -> pd.DataFrame:
        """The per-customer table (``frequency``, ``actual``, ``predicted`` [, revenue]).

        Examples
        --------
        >>> import pandas as pd
        >>> from precisemkt.clv import BGNBD, holdout_evaluation
        >>> s = pd.DataFrame({"frequency": [2, 0], "recency": [30.4, 0], "T": [38.9, 38.9],
        ...                   "frequency_holdout": [1, 0], "duration_holdout": [39.0, 39.0]})
        >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> list(holdout_evaluation(bg, s).to_frame().columns)
        ['frequency', 'actual', 'predicted']
        """
        return self.customers.copy()


def holdout_evaluation(
    model: TransactionModel | BGBB,
    summary_with_holdout: pd.DataFrame,
    *,
    spend_model: GammaGamma | None = None,
    max_frequency: int = 7,
    frequency_col: str = "frequency",
    recency_col: str = "recency",
    T_col: str | None = None,
    holdout_col: str = "frequency_holdout",
    duration_col: str = "duration_holdout",
    monetary_value_col: str = "monetary_value",
    monetary_value_holdout_col: str = "monetary_value_holdout",
) -> HoldoutEvaluation:
    """Compare a fitted model's holdout predictions with what customers really did.

    With a fitted Gamma-Gamma ``spend_model``, revenue is checked too: each customer's
    predicted holdout revenue is the predicted purchases times the expected spend
    (``spend_model.expected_spend`` of the calibration ``frequency`` and
    ``monetary_value``); the actual revenue is ``frequency_holdout`` times
    ``monetary_value_holdout`` (the columns ``rfm_summary`` writes).

    Parameters
    ----------
    model : BGNBD, MBGNBD, ParetoNBD or BGBB
        A fitted transaction model (calibration period).
    summary_with_holdout : pandas.DataFrame
        One row per customer with the calibration summary and the holdout purchases, as
        built by ``precisemkt.profiling.rfm_summary(..., calibration_end=...)``.
    spend_model : GammaGamma, optional
        A fitted spend model; adds the revenue columns and the ``revenue`` row of
        :meth:`HoldoutEvaluation.metrics`.
    max_frequency : int, default 7
        Calibration frequencies from this value up share the last bin of
        ``by_frequency`` (the papers use 7+).
    frequency_col, recency_col : str
        Calibration columns.
    T_col : str, optional
        Age column; default ``"T"`` (``"n_periods"`` for BG/BB).
    holdout_col : str, default "frequency_holdout"
        Purchases made in the holdout period.
    duration_col : str, default "duration_holdout"
        Length of each customer's holdout period in the model's time unit.
    monetary_value_col, monetary_value_holdout_col : str
        Average spend per purchase in calibration and in the holdout (used with
        ``spend_model``).

    Returns
    -------
    HoldoutEvaluation

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.clv import BGNBD, holdout_evaluation
    >>> s = pd.DataFrame({"frequency": [2, 0, 1], "recency": [30.4, 0, 1.7], "T": [38.9] * 3,
    ...                   "frequency_holdout": [1, 0, 0], "duration_holdout": [39.0] * 3})
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> holdout_evaluation(bg, s).by_frequency.shape[1]
    3
    """
    _check_model(model)
    frame = require_frame(summary_with_holdout, "summary_with_holdout")
    if spend_model is not None:
        check_type(spend_model, "spend_model", GammaGamma, "Fit GammaGamma().fit(summary).")
        spend_model._fitted_params()
    check_unit(model, time_unit_of(frame))
    age = T_col or model._columns[2]  # T, or n_periods for BG/BB
    cols = [frequency_col, recency_col, age, holdout_col, duration_col]
    if spend_model is not None:
        cols += [monetary_value_col, monetary_value_holdout_col]
    require_columns(frame, cols, name="summary_with_holdout")
    top = check_int(max_frequency, "max_frequency", low=1)
    if frame.empty:
        raise ValidationError(
            format_message("summary_with_holdout", "have at least one customer", "0 rows", "")
        )
    actual = frame[holdout_col].to_numpy(dtype=np.float64)
    bad = ~(np.isfinite(actual) & (actual >= 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValidationError(
            format_message(
                f"column {holdout_col!r}",
                "be finite and >= 0",
                f"{show_value(actual[i])} for customer {show_value(frame.index[i])}",
                "Holdout purchases are counts.",
            )
        )
    predicted = np.asarray(
        model.predict_purchases(
            frame[duration_col].to_numpy(dtype=np.float64),
            frame[frequency_col].to_numpy(dtype=np.float64),
            frame[recency_col].to_numpy(dtype=np.float64),
            frame[age].to_numpy(dtype=np.float64),
        ),
        dtype=np.float64,
    ).reshape(-1)
    predicted = np.broadcast_to(predicted, actual.shape).copy()
    freq = frame[frequency_col].to_numpy(dtype=np.float64)
    customers = pd.DataFrame(
        {"frequency": freq, "actual": actual, "predicted": predicted}, index=frame.index
    )
    if spend_model is not None:
        spend = np.asarray(
            spend_model.expected_spend(
                frame[frequency_col].to_numpy(dtype=np.float64),
                frame[monetary_value_col].to_numpy(dtype=np.float64),
            ),
            dtype=np.float64,
        )
        customers["actual_revenue"] = actual * frame[monetary_value_holdout_col].to_numpy(
            dtype=np.float64
        )
        customers["predicted_revenue"] = predicted * spend
    grouped = customers.groupby(_bins(freq, top))
    by_frequency = pd.DataFrame(
        {
            "n_customers": grouped.size(),
            "actual": grouped["actual"].mean(),
            "predicted": grouped["predicted"].mean(),
        }
    ).reindex(range(top + 1))
    by_frequency["n_customers"] = by_frequency["n_customers"].fillna(0).astype(np.int64)
    by_frequency.index = pd.Index(_labels(top), name="frequency")
    m = _metrics(predicted, actual)
    return HoldoutEvaluation(
        customers=customers,
        by_frequency=by_frequency,
        mae=m["mae"],
        rmse=m["rmse"],
        correlation=m["correlation"],
        actual_total=m["actual_total"],
        predicted_total=m["predicted_total"],
    )


def repeat_purchase_histogram(
    model: TransactionModel | BGBB,
    frequency: Any,
    T: Any = None,
    *,
    max_frequency: int = 7,
    frequency_col: str = "frequency",
    T_col: str | None = None,
) -> pd.DataFrame:
    """Customers by number of repeat purchases in calibration: actual and model-expected.

    The expected count of customers with ``k`` repeat purchases is ``sum_i P(X(T_i) = k)``
    over the customers' ages ``T_i`` (opportunities for BG/BB); the last bin collects
    ``max_frequency`` and more.

    Parameters
    ----------
    model : BGNBD, MBGNBD, ParetoNBD or BGBB
        A fitted model.
    frequency : pandas.DataFrame or array-like
        The ``rfm_summary`` frame, or the repeat purchases per customer.
    T : array-like, optional
        Age of each customer (``n_periods`` for BG/BB); left out with a frame. Series
        are paired with ``frequency`` by customer id.
    max_frequency : int, default 7
        First frequency pooled into the last bin.
    frequency_col, T_col : str
        Column names in the frame (``T_col`` defaults to ``"T"``, ``"n_periods"`` for
        BG/BB).

    Returns
    -------
    pandas.DataFrame
        Indexed by frequency bin with columns ``actual`` and ``expected`` (customers).

    Examples
    --------
    >>> from precisemkt.clv import BGNBD, repeat_purchase_histogram
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> h = repeat_purchase_histogram(bg, [0, 0, 1, 3], [38.9, 38.9, 38.9, 38.9], max_frequency=2)
    >>> list(h.index), float(h["actual"].sum())
    (['0', '1', '2+'], 4.0)
    """
    _check_model(model)
    top = check_int(max_frequency, "max_frequency", low=1)
    age_col = T_col or model._columns[2]
    c = customer_inputs(
        {"frequency": frequency, "T": T}, {"frequency": frequency_col, "T": age_col}
    )
    check_unit(model, c.time_unit)
    x = np.asarray(c.values["frequency"], dtype=np.float64).reshape(-1)
    ages = np.asarray(c.values["T"], dtype=np.float64).reshape(-1)
    if x.size != ages.size or x.size == 0:
        raise ValidationError(
            format_message(
                "frequency and T",
                "have the same non-zero length",
                f"lengths {x.size} and {ages.size}",
                "",
            )
        )
    unique, counts = np.unique(ages, return_counts=True)
    ks = np.arange(top, dtype=np.float64)
    grid_k, grid_t = np.meshgrid(ks, unique)
    probs = np.asarray(model.probability_of_purchases(grid_k.ravel(), grid_t.ravel()))
    expected = (probs.reshape(grid_k.shape) * counts[:, None]).sum(axis=0)
    expected = np.append(expected, x.size - expected.sum())
    actual = np.bincount(_bins(x, top), minlength=top + 1).astype(np.float64)
    return pd.DataFrame(
        {"actual": actual, "expected": expected}, index=pd.Index(_labels(top), name="frequency")
    )


def tracking_transactions(
    model: TransactionModel,
    transactions: pd.DataFrame,
    *,
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    freq: str | None = None,
    freq_multiplier: int | None = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Cumulative repeat transactions over calendar time: actual and model-expected.

    Time is cut into ``freq`` periods from the first transaction; a customer's purchases
    in one period count once and purchases in the first period are not repeats (the
    ``rfm_summary`` convention). At each boundary ``i`` (every ``freq_multiplier``
    periods) the expected cumulative count is ``sum_b n_b E[X((i - b) / freq_multiplier)]``
    over the customers ``n_b`` born in period ``b < i`` (Fader, Hardie & Lee's tracking
    plots; lifetimes' ``expected_cumulative_transactions``).

    Parameters
    ----------
    model : BGNBD, MBGNBD or ParetoNBD
        Fitted on summaries in units of ``freq_multiplier`` periods (e.g. weeks = 7 days).
    transactions : pandas.DataFrame
        The transaction log.
    customer_col, time_col : str
        Customer id and timestamp columns.
    freq : {"W", "D", "h", "min", "s"}, optional
        Period length of the log. Default: the model's ``time_unit_`` (recorded by
        ``rfm_summary`` in the frame it was fitted on), else ``"D"``; an explicit value
        that contradicts the model's unit raises :class:`ValidationError`.
    freq_multiplier : int, optional
        Periods per model time unit (default from ``time_unit_``, else 1).
    observation_end : datetime-like, optional
        Last day tracked; default the last transaction.

    Returns
    -------
    pandas.DataFrame
        Indexed by model time since the first transaction (``freq_multiplier`` periods per
        unit) with columns ``actual`` and ``expected`` (cumulative repeat transactions);
        ``attrs["time_unit"]`` records the model time unit.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.clv import BGNBD, tracking_transactions
    >>> tx = pd.DataFrame({"customer_id": [1, 1, 2, 2, 3],
    ...                    "timestamp": pd.to_datetime(["1997-01-01", "1997-01-20", "1997-01-02",
    ...                                                 "1997-02-11", "1997-01-05"])})
    >>> bg = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
    >>> tracking_transactions(bg, tx, freq="D", freq_multiplier=7).shape[1]
    2
    """
    _check_model(model, allow_bgbb=False)
    frame = require_frame(transactions, "transactions")
    require_columns(frame, [customer_col, time_col], name="transactions")
    recorded = model.__dict__.get("time_unit_")
    if freq is None and freq_multiplier is None:
        model_unit = recorded or TimeUnit("D")
    else:
        model_unit = resolve_time_unit(
            recorded,
            "D" if freq is None else freq,
            1 if freq_multiplier is None else freq_multiplier,
        ) or TimeUnit("D")
    freq = model_unit.freq
    mult = check_int(
        round(model_unit.multiplier)
        if model_unit.multiplier == round(model_unit.multiplier)
        else model_unit.multiplier,
        "freq_multiplier",
        low=1,
        hint=f"The model's time unit is {model_unit}; pass freq and a whole freq_multiplier.",
    )
    if frame.empty:
        raise ValidationError(
            format_message("transactions", "have at least one row", "an empty table", "")
        )
    stamps = pd.to_datetime(frame[time_col])
    unit = pd.Timedelta(days=PERIOD_DAYS[freq])
    origin = stamps.min().floor(unit if freq != "W" else pd.Timedelta(days=1))
    period = ((stamps - origin) // unit).to_numpy(dtype=np.int64)
    if observation_end is not None:
        end = int((pd.Timestamp(observation_end) - origin) // unit)
        keep = period <= end
        period = period[keep]
        ids = frame[customer_col].to_numpy()[keep]
    else:
        end = int(period.max())
        ids = frame[customer_col].to_numpy()
    events = pd.DataFrame({"c": ids, "p": period}).drop_duplicates()
    birth = events.groupby("c")["p"].transform("min").to_numpy()
    repeat = events["p"].to_numpy()[events["p"].to_numpy() > birth]
    n_periods = end + 1
    born = np.bincount(events.groupby("c")["p"].min().to_numpy(), minlength=n_periods)
    actual = np.bincount(repeat, minlength=n_periods)[:n_periods]
    horizon = np.arange(1, n_periods + 1, dtype=np.float64) / mult
    e = np.concatenate([[0.0], np.asarray(model.expected_purchases(horizon), dtype=np.float64)])
    expected_at = np.convolve(born[:n_periods], e)[: n_periods + 1]  # index i: sum_b n_b e[i-b]
    boundaries = np.arange(mult, n_periods + 1, mult)
    cum_actual = np.concatenate([[0], np.cumsum(actual)])
    track = pd.DataFrame(
        {
            "actual": cum_actual[boundaries].astype(np.float64),
            "expected": expected_at[boundaries],
        },
        index=pd.Index(boundaries / mult, name="time"),
    )
    track.attrs["time_unit"] = model_unit.to_attrs()
    return track
