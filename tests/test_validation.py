"""Every validator's error path, with its message pinned word for word."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from precisemkt import _validation as v
from precisemkt.errors import InvalidParameterError, ValidationError


def pinned(message: str) -> str:
    """A regex that matches exactly ``message``."""
    return "^" + re.escape(message) + "$"


def test_format_message_template() -> None:
    assert (
        v.format_message("x", "be positive", "-1", "Use 1.") == "x must be positive; got -1. Use 1."
    )
    assert v.format_message("x", "be positive", "-1", "") == "x must be positive; got -1."


def test_require_frame() -> None:
    with pytest.raises(
        InvalidParameterError,
        match=pinned(
            "transactions must be a pandas DataFrame; got list. Build one with "
            "pandas.DataFrame(...) or read it with pandas.read_csv."
        ),
    ):
        v.require_frame([1, 2], "transactions")


def test_require_columns() -> None:
    frame = pd.DataFrame({"customer_id": [1], "amount": [2.0]})
    v.require_columns(frame, ["customer_id", "amount"])
    with pytest.raises(
        ValidationError,
        match=pinned(
            "transactions column(s) 'timestamp' must be present; got columns ['customer_id', "
            "'amount']. Pass the right name with the matching *_col argument or rename the column."
        ),
    ):
        v.require_columns(frame, ["customer_id", "timestamp"], name="transactions")


def test_as_float_array_ok_and_copies() -> None:
    source = np.array([1.0, 2.0])
    out = v.as_float_array(source, "x")
    out[0] = 99.0
    assert source[0] == 1.0
    assert v.as_float_array(3, "x").tolist() == [3.0]
    assert v.as_float_array(pd.Series([1, 2]), "x").dtype == np.float64


def test_as_float_array_errors() -> None:
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x must contain numbers; got ['a', 'b']. Convert text with pandas.to_numeric and "
            "drop unparsable entries first."
        ),
    ):
        v.as_float_array(["a", "b"], "x")
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x must be 1-dimensional; got an array of shape (2, 2). Reshape or select the column "
            "you mean."
        ),
    ):
        v.as_float_array(np.ones((2, 2)), "x")
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x must not contain NaN; got 2 NaN value(s) (first at position 1). Drop or impute "
            "missing values first."
        ),
    ):
        v.as_float_array([1.0, np.nan, np.nan], "x")
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x must be finite; got 1 infinite value(s) (first at position 1). Remove "
            "infinite values first."
        ),
    ):
        v.as_float_array([1.0, np.inf], "x")
    assert np.isnan(v.as_float_array([np.nan], "x", allow_nan=True)).all()


def test_as_int_array() -> None:
    assert v.as_int_array([1.0, 2.0], "n").dtype == np.int64
    with pytest.raises(
        ValidationError,
        match=pinned(
            "n must contain whole numbers; got 1 fractional value(s) (first: 1.5 at position 1). "
            "Round or "
            "count the values before passing them."
        ),
    ):
        v.as_int_array([1.0, 1.5], "n")


def test_check_whole_names_ids_and_takes_the_error_class() -> None:
    v.check_whole(np.array([0.0, 2.0]), "weights", low=0, ids=["C1", "C2"])
    with pytest.raises(
        ValidationError,
        match=pinned(
            "weights must contain whole numbers >= 0; got 1 invalid value(s) (first: customer "
            "'C2', value -1.0). Round or count the values before passing them."
        ),
    ):
        v.check_whole(np.array([2.0, -1.0]), "weights", low=0, ids=pd.Index(["C1", "C2"]))
    # NaN and infinity are not whole numbers; arguments raise InvalidParameterError
    with pytest.raises(
        InvalidParameterError,
        match=pinned(
            "n must contain whole numbers; got 2 invalid value(s) (first: nan at position 1). "
            "Pass counts."
        ),
    ):
        v.check_whole(
            np.array([1.0, np.nan, np.inf]), "n", hint="Pass counts.", error=InvalidParameterError
        )


def test_check_finite() -> None:
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x must be finite (no NaN or inf); got 2 non-finite value(s). "
            "Drop or impute them first."
        ),
    ):
        v.check_finite(np.array([np.nan, np.inf, 1.0]), "x")


def test_check_non_negative() -> None:
    v.check_non_negative(np.array([0.0, 1.0]), "amount")
    with pytest.raises(
        ValidationError,
        match=pinned(
            "amount must be non-negative; got 1 negative value(s) (first: customer 'C2', value "
            "-3.0). Remove refunds/returns or take absolute values if the sign is an "
            "artefact."
        ),
    ):
        v.check_non_negative(np.array([1.0, -3.0]), "amount", ids=["C1", "C2"])
    with pytest.raises(ValidationError, match=r"\(first: position 0, value"):
        v.check_non_negative(np.array([-1.0]), "amount")


def test_check_same_length() -> None:
    assert v.check_same_length(a=[1], b=[2]) == 1
    with pytest.raises(
        ValidationError,
        match=pinned(
            "a, b must have the same length; got lengths a=1, b=2. Pass columns of one table, "
            "aligned row by row."
        ),
    ):
        v.check_same_length(a=[1], b=[1, 2])


def test_check_same_length_broadcast() -> None:
    assert v.check_same_length(broadcast=True, x=[1, 2, 3], t=[10]) == 3
    assert v.check_same_length(broadcast=True, x=[1], t=[10]) == 1
    with pytest.raises(
        ValidationError,
        match=pinned(
            "x, t must be scalars or arrays of one common length; got lengths x=3, t=2. "
            "Pass one entry per row (or a scalar shared by all)."
        ),
    ):
        v.check_same_length(broadcast=True, x=[1, 2, 3], t=[1, 2])


def test_check_type() -> None:
    v.check_type("x", "sep", str)
    with pytest.raises(
        InvalidParameterError, match=pinned("sep must be of type str; got 3 (int). Pass a string.")
    ):
        v.check_type(3, "sep", str, "Pass a string.")
    with pytest.raises(
        InvalidParameterError, match=pinned("k must be of type int or float; got 'a' (str).")
    ):
        v.check_type("a", "k", (int, float))


def test_check_bool() -> None:
    assert v.check_bool(np.bool_(True), "flag") is True
    with pytest.raises(InvalidParameterError, match=pinned("flag must be True or False; got 1.")):
        v.check_bool(1, "flag")


def test_check_int() -> None:
    assert v.check_int(np.int64(3), "bins", low=2) == 3
    with pytest.raises(
        InvalidParameterError, match=pinned("bins must be an integer; got 2.5 (float).")
    ):
        v.check_int(2.5, "bins")
    with pytest.raises(
        InvalidParameterError, match=pinned("bins must be an integer; got True (bool). Use 5.")
    ):
        v.check_int(True, "bins", hint="Use 5.")
    with pytest.raises(
        InvalidParameterError, match=pinned("bins must be an integer in [2, 10]; got 11.")
    ):
        v.check_int(11, "bins", low=2, high=10)


@pytest.mark.parametrize(
    ("closed", "value", "shown"),
    [
        ("both", 1.5, "[0, 1]"),
        ("left", 1.0, "[0, 1)"),
        ("right", 0.0, "(0, 1]"),
        ("neither", 0.0, "(0, 1)"),
    ],
)
def test_check_interval_bounds(closed: str, value: float, shown: str) -> None:
    with pytest.raises(
        InvalidParameterError,
        match=pinned(f"alpha must be in {shown}; got {value!r}. Use e.g. 0.05."),
    ):
        v.check_interval(value, "alpha", low=0, high=1, closed=closed, hint="Use e.g. 0.05.")


def test_check_interval_ok_nan_and_type() -> None:
    assert v.check_interval(0.05, "alpha", low=0, high=1, closed="neither") == 0.05
    with pytest.raises(InvalidParameterError, match=pinned("alpha must be in [0, 1]; got nan.")):
        v.check_interval(float("nan"), "alpha", low=0, high=1)
    with pytest.raises(
        InvalidParameterError, match=pinned("alpha must be a real number; got '0.05' (str).")
    ):
        v.check_interval("0.05", "alpha")
    with pytest.raises(InvalidParameterError, match=pinned("rate must be in [0, inf]; got -1.")):
        v.check_interval(-1, "rate", low=0)


def test_check_options() -> None:
    assert v.check_options("z", "method", ("z", "chisq")) == "z"
    with pytest.raises(
        InvalidParameterError,
        match=pinned("method must be one of 'z', 'chisq'; got 't'. Check the spelling."),
    ):
        v.check_options("t", "method", ("z", "chisq"))
    with pytest.raises(InvalidParameterError, match="must be one of"):
        v.check_options(["unhashable"], "method", {"z"})


def test_check_random_state() -> None:
    a = v.check_random_state(7).random(3)
    b = v.check_random_state(7).random(3)
    assert np.array_equal(a, b)
    gen = np.random.default_rng(1)
    assert v.check_random_state(gen) is gen
    assert isinstance(v.check_random_state(None), np.random.Generator)
    with pytest.raises(
        InvalidParameterError,
        match=pinned(
            "random_state must be None, a non-negative int or a numpy.random.Generator; got "
            "'seed' (str). Pass an integer seed for reproducible results."
        ),
    ):
        v.check_random_state("seed")  # type: ignore[arg-type]
    with pytest.raises(
        InvalidParameterError, match=pinned("random_state must be a non-negative integer; got -1.")
    ):
        v.check_random_state(-1)


def test_offenders_of_an_nd_array_are_named_by_index() -> None:
    with pytest.raises(ValidationError, match=r"first at index \(1, 0\)\)"):
        v.as_float_array([[1.0, 2.0], [np.nan, 3.0]], "x", ndim=2)
    with pytest.raises(ValidationError, match=r"first at index \(0, 1\)\)"):
        v.as_float_array([[1.0, np.inf]], "x", ndim=2)
    with pytest.raises(ValidationError, match=r"first: 0\.5 at index \(1, 1\)\)"):
        v.check_whole(np.array([[1.0, 2.0], [3.0, 0.5]]), "n")
