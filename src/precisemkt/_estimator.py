"""scikit-learn's estimator protocol, without importing scikit-learn.

Every estimator derives from :class:`Estimator`: ``__init__`` only stores its keyword
parameters under their own names; :meth:`Estimator.get_params` reads them back from the
``__init__`` signature, :meth:`Estimator.set_params` changes them, ``repr`` shows the ones
that differ from their defaults, so ``sklearn.base.clone``, pipelines and grid searches work.
:func:`check_fitted` is the one "not fitted" check.
"""

from __future__ import annotations

import inspect
from typing import Any, Self

import numpy as np

from precisemkt._validation import format_message
from precisemkt.errors import InvalidParameterError, NotFittedError

__all__ = ["Estimator", "check_fitted"]


def _same(a: Any, b: Any) -> bool:
    if a is b:
        return True
    try:
        equal = a == b
        return bool(equal) if np.ndim(equal) == 0 else False
    except (TypeError, ValueError):
        return False


class Estimator:
    """Base class giving ``get_params``, ``set_params`` and a parameter ``repr``.

    Examples
    --------
    >>> class Model(Estimator):
    ...     def __init__(self, n: int = 3, *, tol: float = 1e-4) -> None:
    ...         self.n = n
    ...         self.tol = tol
    >>> m = Model(tol=0.1)
    >>> m
    Model(tol=0.1)
    >>> m.set_params(n=5).get_params()
    {'n': 5, 'tol': 0.1}
    """

    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [
            p.name
            for p in signature.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters by name (``deep`` is accepted for scikit-learn).

        Examples
        --------
        >>> class M(Estimator):
        ...     def __init__(self, a: int = 1) -> None:
        ...         self.a = a
        >>> M(2).get_params()
        {'a': 2}
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set parameters by name and return the estimator.

        Examples
        --------
        >>> class M(Estimator):
        ...     def __init__(self, a: int = 1) -> None:
        ...         self.a = a
        >>> M().set_params(a=4).a
        4
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise InvalidParameterError(
                    format_message(
                        "set_params argument",
                        f"be one of {valid} (the parameters of {type(self).__name__})",
                        repr(name),
                        "Check the spelling.",
                    )
                )
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = inspect.signature(type(self).__init__).parameters
        shown = [
            f"{name}={value!r}"
            for name, value in self.get_params().items()
            if defaults[name].default is inspect.Parameter.empty
            or not _same(value, defaults[name].default)
        ]
        return f"{type(self).__name__}({', '.join(shown)})"


def check_fitted(estimator: object, attribute: str, hint: str = "call fit(...) first") -> None:
    """Raise :class:`NotFittedError` unless ``estimator`` has the fitted ``attribute``.

    Examples
    --------
    >>> class M(Estimator):
    ...     pass
    >>> try:
    ...     check_fitted(M(), "params_")
    ... except NotFittedError as exc:
    ...     print(exc)
    M is not fitted yet (it has no params_); call fit(...) first.
    """
    if attribute not in getattr(estimator, "__dict__", {}):
        raise NotFittedError(
            f"{type(estimator).__name__} is not fitted yet (it has no {attribute}); {hint}."
        )
