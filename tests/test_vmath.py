"""Special-function differences of :mod:`precisemkt._vmath` against 40-digit mpmath.

``lgamma_ratio(z, q) = lgamma(z+q) - lgamma(z)`` and ``digamma_diff(z, q) = digamma(z+q) -
digamma(z)`` switch at ``z = 50`` from the difference of two values to Stirling's series
differenced term by term; both branches, the switch and huge ``z`` (where the plain
difference keeps only a few digits) are checked.
"""

from __future__ import annotations

import mpmath as mp
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from precisemkt._vmath import digamma_diff, lgamma_ratio


@settings(max_examples=200)
@given(z=st.floats(1e-3, 1e12), q=st.floats(1e-3, 200.0))
@example(z=49.999, q=0.1)
@example(z=50.0, q=0.1)
@example(z=6e6, q=2.7)
@example(z=1e12, q=0.01)
def test_gamma_differences_against_mpmath(z: float, q: float) -> None:
    with mp.workdps(40):
        zz, qq = mp.mpf(z), mp.mpf(q)
        lg = float(mp.loggamma(zz + qq) - mp.loggamma(zz))
        dg = float(mp.digamma(zz + qq) - mp.digamma(zz))
    # below z = 50 the plain differences of lgamma (glibc) and digamma (series, 1e-15
    # relative) are used, so the bound there is their rounding relative to the terms
    assert lgamma_ratio(z, q) == pytest.approx(lg, rel=1e-13, abs=1e-13)
    assert digamma_diff(z, q) == pytest.approx(dg, rel=1e-12, abs=1e-14)
