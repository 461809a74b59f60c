"""Exceptions and warnings raised by precisemkt.

Every error precisemkt raises on purpose is a :class:`PrecisemktError`, so one
``except PrecisemktError`` catches them all, and each also derives from the
built-in exception a caller would expect (``ValueError`` for bad data, and so on)::

    PrecisemktError
    ├── ValidationError(PrecisemktError, ValueError)
    │       bad data: missing column, NaN, negative amount, recency > T, duplicate ids …
    ├── InvalidParameterError(PrecisemktError, ValueError, TypeError)
    │       bad argument value or type
    ├── NotFittedError(PrecisemktError, ValueError, AttributeError)
    │       a fitted attribute or prediction was asked of an unfitted estimator
    ├── ConvergenceError(PrecisemktError, RuntimeError)
    │       an optimiser failed; the message says what to try
    └── PrivacyError(PrecisemktError)
            a requested privacy guarantee cannot be met

    ConvergenceWarning(UserWarning)     a fit finished but its result is doubtful
    DataQualityWarning(UserWarning)     the data are usable but suspicious

Messages follow one template: ``"<what> must <rule>; got <value>. <hint>"``.

Examples
--------
>>> from precisemkt.errors import ValidationError
>>> try:
...     raise ValidationError("column 'amount' must be non-negative; got -3.0. Drop refunds.")
... except ValueError as exc:
...     print(type(exc).__name__)
ValidationError
"""

from __future__ import annotations

__all__ = [
    "ConvergenceError",
    "ConvergenceWarning",
    "DataQualityWarning",
    "InvalidParameterError",
    "NotFittedError",
    "PrecisemktError",
    "PrivacyError",
    "ValidationError",
]


class PrecisemktError(Exception):
    """Base class of every exception precisemkt raises on purpose."""


class ValidationError(PrecisemktError, ValueError):
    """Input data break a rule: a missing column, NaN, a negative amount, recency > T …"""


class InvalidParameterError(PrecisemktError, ValueError, TypeError):
    """An argument has a value or type the function does not accept."""


class NotFittedError(PrecisemktError, ValueError, AttributeError):
    """A fitted attribute or a prediction was requested before ``fit``."""


class ConvergenceError(PrecisemktError, RuntimeError):
    """An optimiser did not converge; the message says what to try."""


class PrivacyError(PrecisemktError):
    """A requested privacy guarantee cannot be met on this data."""


class ConvergenceWarning(UserWarning):
    """A fit finished, but its optimum is doubtful (flat likelihood, boundary, …)."""


class DataQualityWarning(UserWarning):
    """The data can be used, but something about them looks wrong."""
