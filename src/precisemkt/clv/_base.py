"""Maximum-likelihood machinery shared by every CLV model.

Models are fitted on the log of their (positive) parameters with scipy's ``trust-exact``
Newton method, fed by the kernels' exact gradient and Hessian. The covariance of the
estimates is the inverse of the observed information, ``-H^{-1}``, with ``H`` the exact
Hessian of the summed log-likelihood in the raw parameters at the optimum.
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar, Literal, Self, TypeAlias

import numba
import numpy as np
import pandas as pd
from scipy import optimize, stats

from precisemkt._estimator import Estimator, check_fitted
from precisemkt._typing import FloatArray
from precisemkt._units import TimeUnit
from precisemkt._validation import check_int, check_interval, format_message
from precisemkt.errors import (
    ConvergenceError,
    ConvergenceWarning,
    InvalidParameterError,
)

__all__ = [
    "CHUNK_ROWS",
    "FALLBACK_FACTOR",
    "FittedModel",
    "Role",
    "between_chunks",
    "chunked",
    "threads_for",
    "unpack",
]

#: Rows per kernel call when predictions run in chunks: a compiled kernel cannot be
#: interrupted, so long work is split and Ctrl-C (KeyboardInterrupt) lands between calls.
CHUNK_ROWS = 1 << 20


def between_chunks() -> None:
    """Called by the chunked drivers after every chunk: Python runs its signal handlers
    here, so a KeyboardInterrupt raised during a kernel surfaces before the next chunk."""


def chunked(n: int, rows: Callable[[int, int], FloatArray]) -> FloatArray:
    """``rows(lo, hi)`` for consecutive slices of at most :data:`CHUNK_ROWS` of ``0 .. n``,
    concatenated (one chunk, no copy, when ``n`` is small)."""
    size = CHUNK_ROWS
    if n <= size:
        return rows(0, n)
    out = np.empty(n)
    for lo in range(0, n, size):
        hi = min(n, lo + size)
        out[lo:hi] = rows(lo, hi)
        between_chunks()
    return out


#: Below this many rows the kernels run on one thread: waking a thread pool costs more
#: than it saves on small inputs (and much more on a busy machine, where even 1M rows can
#: run faster on one thread; set NUMBA_NUM_THREADS=1 there).
PARALLEL_MIN_ROWS = 100_000


@contextmanager
def threads_for(n_rows: int) -> Iterator[None]:
    """Run the enclosed kernel calls single-threaded when ``n_rows`` is small."""
    if n_rows >= PARALLEL_MIN_ROWS:
        yield
        return
    previous = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(previous)


#: The hint of every not-fitted error of the CLV models.
_FIT_FIRST = "call fit(...) first (or build the model with from_params)"

#: A likelihood evaluator: raw parameters and an order (0, 1, 2) -> kernel output vector.
LogLik = Callable[[FloatArray, int], FloatArray]


def unpack(vec: FloatArray, k: int) -> tuple[float, FloatArray, FloatArray]:
    """Split a kernel output vector into (value, gradient, full symmetric Hessian)."""
    grad = vec[1 : 1 + k].copy()
    hess = np.zeros((k, k))
    iu = np.triu_indices(k)
    hess[iu] = vec[1 + k :]
    hess = hess + np.triu(hess, 1).T
    return float(vec[0]), grad, hess


#: Parameters the optimiser may try; outside, the objective is +inf without evaluation.
_PARAM_RANGE = (1e-100, 1e100)


def _maximize(
    loglik: LogLik,
    start: FloatArray,
    n: float,
    k: int,
    tol: float,
    max_iter: int,
    penalty: FloatArray | None = None,
) -> tuple[FloatArray, float, FloatArray, int, str]:
    """Maximise ``loglik`` over log-parameters from ``start`` (raw).

    The objective minimised is ``-loglik / n + sum(penalty * params**2)`` (``penalty``
    defaults to zeros: plain maximum likelihood). Returns the raw parameters, the
    log-likelihood and its raw-parameter Hessian there (from the last evaluation, not
    recomputed, without the penalty), the iterations and a problem message (empty on
    success).
    """
    pen = np.zeros(k) if penalty is None else np.asarray(penalty, dtype=np.float64)
    cache: dict[bytes, tuple[float, FloatArray, FloatArray, FloatArray, float]] = {}

    def evaluate(theta: FloatArray) -> tuple[float, FloatArray, FloatArray, FloatArray, float]:
        key = theta.tobytes()
        if key not in cache:
            cache.clear()
            p = np.exp(theta)
            if not np.all((p > _PARAM_RANGE[0]) & (p < _PARAM_RANGE[1])):
                # far past the drift report (1e-7 .. 1e7): products of two parameters
                # would underflow to 0 and the kernels would divide by it
                cache[key] = (np.inf, np.zeros(k), np.eye(k), np.eye(k), -np.inf)
                return cache[key]
            value, grad, hess = unpack(loglik(p, 2), k)
            if not (math.isfinite(value) and np.all(np.isfinite(grad))):
                cache[key] = (np.inf, np.zeros(k), np.eye(k), hess, value)
            else:
                # negative mean log-likelihood in log-parameters
                g = -(p * grad) / n
                h = -(p[:, None] * hess * p[None, :] + np.diag(p * grad)) / n
                # penalty sum(c p^2) in log-parameters: gradient 2 c p^2, Hessian 4 c p^2
                sq = pen * p * p
                objective = -value / n + float(np.sum(sq))
                cache[key] = (objective, g + 2.0 * sq, h + np.diag(4.0 * sq), hess, value)
        return cache[key]

    minimize: Any = optimize.minimize  # scipy-stubs' overloads reject the jac=True form
    with np.errstate(all="ignore"):
        res = minimize(
            lambda th: evaluate(th)[:2],
            np.log(start),
            jac=True,
            hess=lambda th: evaluate(th)[2],
            method="trust-exact",
            options={"gtol": tol, "maxiter": max_iter},
        )
    theta = np.asarray(res.x, dtype=np.float64)
    # polish with exact Newton steps: near the optimum each one doubles the correct digits,
    # so the estimates no longer depend on the optimiser's path or stopping rule
    for _ in range(3):
        value, grad, hess, _, _ = evaluate(theta)
        try:
            step = np.linalg.solve(hess, grad) if np.all(np.linalg.eigvalsh(hess) > 0) else None
        except np.linalg.LinAlgError:
            step = None
        if step is None or not np.all(np.isfinite(step)) or np.max(np.abs(step)) > 1e-3:
            break
        candidate = theta - step
        if not evaluate(candidate)[0] <= value + 1e-14 * max(1.0, abs(value)):
            break
        theta = candidate
        if np.max(np.abs(step)) < 1e-15:
            break
    objective, grad, _, raw_hess, raw_value = evaluate(theta)
    ok = bool(res.success) or (math.isfinite(objective) and float(np.max(np.abs(grad))) <= 10 * tol)
    if not math.isfinite(raw_value):
        ok = False
    return np.exp(theta), raw_value, raw_hess, int(res.nit), "" if ok else str(res.message)


#: What a parameter is, which decides where the optimiser starts it: the ``"shape"`` of a
#: gamma or beta mixing distribution (unitless), or a ``"scale"`` in the data's units (time
#: for the purchase and dropout rates, money for spend). Every parameter is > 0 (the fit
#: runs on their logarithms).
Role: TypeAlias = Literal["shape", "scale"]

#: The fallback start multiplies each parameter of the first start by its role's factor:
#: shapes halved (a more heterogeneous population), scales doubled (slower rates), so the
#: second attempt starts in another region of the likelihood on the same side of every
#: parameter's natural value.
FALLBACK_FACTOR: dict[Role, float] = {"shape": 0.5, "scale": 2.0}


class FittedModel(Estimator, ABC):
    """Base of the CLV estimators: fitting state, covariance and ``summary()``.

    Subclasses declare ``_roles`` (each parameter's name and :data:`Role`, in the order
    of the kernels' parameter vector; ``_names`` is derived from it), ``_label`` (model
    name for messages) and implement ``_start`` (starting values from the data). The
    fallback start is derived from the roles (:data:`FALLBACK_FACTOR`). ``get_params``,
    ``set_params`` and the parameter part of ``repr`` come from
    :class:`precisemkt._estimator.Estimator` (read from the ``__init__`` signature), so
    ``sklearn.base.clone`` works.
    """

    _roles: ClassVar[tuple[tuple[str, Role], ...]]
    _names: ClassVar[tuple[str, ...]]
    _label: ClassVar[str]
    #: Positions of the parameters measured in the data's time unit (penalised after
    #: rescaling time so that the longest observation is 1, as lifetimes does).
    _time_params: ClassVar[tuple[int, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_roles" in vars(cls):
            cls._names = tuple(name for name, _ in cls._roles)

    params_: pd.Series
    standard_errors_: pd.Series
    covariance_: pd.DataFrame
    log_likelihood_: float
    aic_: float
    bic_: float
    n_customers_: int
    n_iter_: int
    time_unit_: TimeUnit | None

    #: Hint of the ConvergenceError about the data this model needs.
    _data_hint: ClassVar[str] = (
        "checking that the data have both repeat buyers and customers without repeat "
        "purchases (without them nothing shows the dropout process) and expressing time "
        "in a unit where T is of order 10-100"
    )

    def __init__(self, *, penalizer: float = 0.0, tol: float = 1e-10, max_iter: int = 200) -> None:
        self.penalizer = penalizer
        self.tol = tol
        self.max_iter = max_iter

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails: a fitted attribute read before fit gets
        # the one not-fitted error (a NotFittedError is an AttributeError, so hasattr works)
        if name.endswith("_") and not name.startswith("_"):
            check_fitted(self, name, _FIT_FIRST)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __repr__(self) -> str:
        """The non-default parameters, then the estimates once fitted.

        ``BGNBD()`` before fit; ``BGNBD() fitted on 2,357 customers (7 days): r=0.2426,
        ...`` after; ``BGNBD() with r=0.243, ...`` for a model built with ``from_params``.
        """
        text = super().__repr__()
        fitted = self.__dict__
        if "params_" not in fitted:
            return text
        shown = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        if "n_customers_" not in fitted:
            return f"{text} with {shown}"
        notes = [str(fitted["time_unit_"])] if fitted.get("time_unit_") is not None else []
        left_out = {k: v for k, v in fitted.get("n_excluded_", {}).items() if v}
        if left_out:
            notes.append("left out: " + ", ".join(f"{v:,} {k}" for k, v in left_out.items()))
        extra = f" ({'; '.join(notes)})" if notes else ""
        return f"{text} fitted on {self.n_customers_:,} customers{extra}: {shown}"

    # ------------------------------------------------------------------ fitting
    @abstractmethod
    def _start(self) -> FloatArray:
        """Data-driven starting values (``_names`` order), from the fitted ``_patterns``."""

    def _starts(self, initial_params: Mapping[str, float] | None) -> list[FloatArray]:
        """The starts tried in turn: ``initial_params`` alone, else the data-driven start
        and its fallback (each parameter times its role's :data:`FALLBACK_FACTOR`)."""
        if initial_params is None:
            base = self._start()
            return [base, base * np.array([FALLBACK_FACTOR[role] for _, role in self._roles])]
        if not isinstance(initial_params, Mapping) or set(initial_params) != set(self._names):
            raise InvalidParameterError(
                format_message(
                    "params",
                    f"be a mapping with exactly the keys {list(self._names)}",
                    repr(initial_params),
                    "Or leave it None for data-driven starting values.",
                )
            )
        return [
            np.array(
                [
                    check_interval(initial_params[k], f"params[{k!r}]", low=0, closed="neither")
                    for k in self._names
                ]
            )
        ]

    def _penalty(self, penalizer: float) -> FloatArray:
        """Per-parameter weights ``c_i`` of the penalty ``sum(c_i params_i**2)``.

        Parameters in the data's time unit are penalised in units of the longest
        observation (``max T``, the third data column of the models that have them), as
        lifetimes does, so the estimate does not depend on the time unit.
        """
        scale = np.ones(len(self._names))
        if self._time_params:
            span = float(np.max(self.__dict__["_patterns"].columns[2]))
            if span > 0:
                scale[list(self._time_params)] = 1.0 / span
        out: FloatArray = penalizer * scale * scale
        return out

    def _fit_loglik(
        self, loglik: LogLik, n_customers: float, initial_params: Mapping[str, float] | None
    ) -> None:
        """Maximise ``loglik`` (minus the penalty) and set every fitted attribute."""
        penalizer = check_interval(
            self.penalizer,
            "penalizer",
            low=0,
            high=math.inf,
            closed="left",
            hint="Use 0 for plain maximum likelihood, or a small value such as 0.01.",
        )
        tol = check_interval(self.tol, "tol", low=0, closed="neither")
        max_iter = check_int(self.max_iter, "max_iter", low=1)
        k = len(self._names)
        penalty = self._penalty(penalizer)
        messages: list[str] = []
        drifting: list[str] = []
        rising = False  # a parameter ran to infinity (what the penalizer prevents)
        for start in self._starts(initial_params):
            params, value, hess, n_iter, problem = _maximize(
                loglik, start, n_customers, k, tol, max_iter, penalty
            )
            drift = [n for n, v in zip(self._names, params, strict=True) if not 1e-7 < v < 1e7]
            if not drift and not problem:
                # observed information of the penalised objective (the likelihood's if 0)
                hess = hess - 2.0 * n_customers * np.diag(penalty)
                self._set_fitted(params, value, hess, n_customers, n_iter)
                return
            drifting += [n for n in drift if n not in drifting]
            rising = rising or any(v >= 1e7 for v in params)
            if problem and not drift and problem not in messages:
                messages.append(problem)
        if drifting:
            shown = ", ".join(n for n in self._names if n in drifting)
            messages.insert(
                0,
                f"the likelihood keeps rising as {shown} run(s) to 0 or infinity, so there "
                "is no interior maximum",
            )
        if drifting and not rising:
            advice = (
                "more customers (the penalizer pulls parameters toward 0, so it cannot stop this)"
            )
        elif penalizer == 0:
            advice = (
                "penalizer=0.01 or larger (it shrinks the estimates, so it changes them; "
                "use it when there are few customers or the data cannot pin a parameter "
                "down)"
            )
        else:
            advice = f"a penalizer larger than {penalizer:g}"
        raise ConvergenceError(
            f"The {self._label} fit did not converge: {'; '.join(messages)}. Try: "
            "initial_params near plausible values (e.g. published estimates rescaled to "
            f"your units), a larger max_iter, {advice}, or {self._data_hint}."
        )

    def _set_fitted(
        self, params: FloatArray, value: float, hess: FloatArray, n_customers: float, n_iter: int
    ) -> None:
        names = list(self._names)
        k = len(names)
        info = -hess
        try:
            np.linalg.cholesky(info)
            cov = np.linalg.inv(info)
            cov = (cov + cov.T) / 2
        except np.linalg.LinAlgError:
            warnings.warn(
                f"The {self._label} log-likelihood is not strictly concave at the optimum; "
                "standard errors are undefined (NaN). The data may not identify every "
                "parameter (e.g. no repeat buyers, or no sign of dropout).",
                ConvergenceWarning,
                stacklevel=3,
            )
            cov = np.full((k, k), np.nan)
        self.params_ = pd.Series(params, index=names, name="estimate")
        self.covariance_ = pd.DataFrame(cov, index=names, columns=names)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=names, name="std_error")
        self.log_likelihood_ = value
        self.n_customers_ = round(n_customers)
        self.aic_ = 2 * k - 2 * value
        self.bic_ = k * math.log(n_customers) - 2 * value
        self.n_iter_ = n_iter

    @classmethod
    def from_params(cls, params: Mapping[str, float], **kwargs: Any) -> Self:
        """A model with given parameters (e.g. published estimates), ready to predict.

        Only ``params_`` is set; standard errors and likelihood attributes exist after
        :meth:`fit` only.

        Parameters
        ----------
        params : mapping
            Every parameter by name (all > 0).
        **kwargs
            Constructor arguments (``penalizer``, ``tol``, ``max_iter``).

        Returns
        -------
        model
            An instance whose predictions use ``params``.

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> m = BGNBD.from_params({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426})
        >>> round(m.predict_purchases(39, 2, 30.43, 38.86), 3)
        1.226
        """
        model = cls(**kwargs)
        values = model._starts(params)[0]
        model.params_ = pd.Series(values, index=list(cls._names), name="estimate")
        return model

    # ------------------------------------------------------------------ results
    def _fitted_params(self) -> FloatArray:
        """The fitted parameters as an array; :class:`NotFittedError` before fit."""
        check_fitted(self, "params_", _FIT_FIRST)
        return self.params_.to_numpy(dtype=np.float64)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Estimates, standard errors and confidence intervals.

        The intervals are Wald intervals on the log scale, ``exp(log(p) +- z SE / p)``
        (delta method), so they stay positive like the parameters.

        Parameters
        ----------
        level : float, default 0.95
            Confidence level in (0, 1).

        Returns
        -------
        pandas.DataFrame
            Indexed by parameter name with columns ``estimate``, ``std_error``,
            ``ci_low`` and ``ci_high``. Its ``attrs`` hold ``n_customers`` and, for a
            Gamma-Gamma fit on the summary frame, ``n_excluded`` (customers left out, by
            reason).

        Examples
        --------
        >>> from precisemkt.clv import BGNBD
        >>> from precisemkt.datasets import load_cdnow
        >>> from precisemkt.profiling import rfm_summary
        >>> s = rfm_summary(load_cdnow(), freq="D", freq_multiplier=7, observation_end="1997-09-30")
        >>> m = BGNBD().fit(s)
        >>> list(m.summary().columns)
        ['estimate', 'std_error', 'ci_low', 'ci_high']
        """
        self._fitted_params()
        check_fitted(
            self,
            "standard_errors_",
            "it was built from parameters (from_params); call fit(...) to get standard errors",
        )
        lvl = check_interval(level, "level", low=0, high=1, closed="neither")
        z = float(stats.norm.ppf(0.5 + lvl / 2))
        est = self.params_
        se = self.standard_errors_
        spread = np.exp(z * se / est)
        table = pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "ci_low": est / spread,
                "ci_high": est * spread,
            }
        )
        table.attrs["n_customers"] = self.n_customers_
        if "n_excluded_" in self.__dict__:
            table.attrs["n_excluded"] = dict(self.n_excluded_)
        return table
