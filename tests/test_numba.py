"""The single numba wrapper: lazy compilation, disk cache on by default, env opt-out."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from precisemkt._numba import float_bits, float_from_bits, njit


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("0", False), ("off", False)])
def test_cache_env_opt_out(value: str, expected: bool) -> None:
    code = "from precisemkt._numba import CACHE; print(CACHE)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env={"PRECISEMKT_NUMBA_CACHE": value, "PATH": "", "PYTHONPATH": ":".join(sys.path)},
    )
    assert out.stdout.strip() == str(expected)


def test_compiles_lazily_and_runs() -> None:
    @njit()
    def total(x: np.ndarray) -> float:
        s = 0.0
        for v in x:
            s += v
        return s

    assert total.signatures == []  # type: ignore[attr-defined]  # nothing compiled yet
    assert total(np.arange(4.0)) == 6.0
    assert len(total.signatures) == 1  # type: ignore[attr-defined]


def test_float_bit_casts_round_trip() -> None:
    @njit()
    def casts(v: float) -> tuple[int, float]:
        return float_bits(v), float_from_bits(float_bits(v))

    for v in (1.0, -2.5, 5e-324, np.inf, 1e308):
        bits, back = casts(v)
        assert bits == int(np.float64(v).view(np.int64))
        assert back == v
    assert casts(1.0)[0] == 0x3FF0000000000000
