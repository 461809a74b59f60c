"""The exception tree is the one DESIGN.md and the errors docstring draw."""

from __future__ import annotations

import pytest

from precisemkt import errors


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (errors.ValidationError, (errors.PrecisemktError, ValueError)),
        (errors.InvalidParameterError, (errors.PrecisemktError, ValueError, TypeError)),
        (errors.NotFittedError, (errors.PrecisemktError, ValueError, AttributeError)),
        (errors.ConvergenceError, (errors.PrecisemktError, RuntimeError)),
        (errors.PrivacyError, (errors.PrecisemktError,)),
        (errors.ConvergenceWarning, (UserWarning,)),
        (errors.DataQualityWarning, (UserWarning,)),
    ],
)
def test_exception_bases(cls: type, bases: tuple[type, ...]) -> None:
    assert cls.__bases__ == bases


def test_docstring_draws_every_class() -> None:
    doc = errors.__doc__ or ""
    for name in errors.__all__:
        assert name in doc
