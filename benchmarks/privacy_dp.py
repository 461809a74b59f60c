"""Benchmark suite ``privacy_dp``: exact differential-privacy noise against OpenDP.

* 10^6 exact discrete Laplace draws (scale 2) and discrete Gaussian draws (sigma 2) from
  the OS CSPRNG: ``precisemkt.privacy._samplers`` (Canonne, Kamath & Steinke 2020,
  vectorised with int64) against OpenDP's ``make_laplace`` / ``make_gaussian`` on an
  integer vector (the same exact algorithms, in Rust, from the OS CSPRNG).
* 1,000 single count releases: ``laplace_count`` against OpenDP's scalar ``make_laplace``.
* A segment table (count, sum, mean per group, 100,000 customers, 5 public groups):
  ``noisy_group_stats`` (no rival: OpenDP has no one-call equivalent).

Quick mode uses 10^5 draws and 10,000 customers.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case
from precisemkt.privacy import laplace_count, noisy_group_stats
from precisemkt.privacy._samplers import Randomness, discrete_gaussian, discrete_laplace

SUITE = "privacy_dp"


def _opendp() -> Any:
    try:
        import opendp.prelude as dp
    except ImportError:  # pragma: no cover - a peer, installed with the dev extra
        return None
    dp.enable_features("contrib")
    return dp


def cases(quick: bool) -> list[Case]:
    n = 100_000 if quick else 1_000_000
    dp = _opendp()
    zeros = [0] * n
    rng = np.random.default_rng(0)
    people = pd.DataFrame(
        {
            "segment": rng.choice(list("ABCDE"), 10_000 if quick else 100_000),
            "spend": rng.gamma(2.0, 50.0, 10_000 if quick else 100_000),
        }
    )
    rival_laplace = rival_gauss = rival_count = None
    if dp is not None:
        vec = dp.vector_domain(dp.atom_domain(T=int))
        lap = dp.m.make_laplace(vec, dp.l1_distance(T=int), scale=2.0)
        gau = dp.m.make_gaussian(vec, dp.l2_distance(T=int), scale=2.0)
        one = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale=1.0)

        def rival_laplace() -> Any:
            return lap(zeros)

        def rival_gauss() -> Any:
            return gau(zeros)

        def rival_count() -> Any:
            return [one(1000) for _ in range(1000)]

    return [
        Case(
            "discrete Laplace draws, scale 2 (CSPRNG)",
            f"{n:,} draws",
            lambda: discrete_laplace(Randomness(None), 1, 2, n),
            rival=rival_laplace,
            rival_name="OpenDP 0.16 make_laplace",
            repeats=3,
            rival_repeats=1,
        ),
        Case(
            "discrete Gaussian draws, sigma 2 (CSPRNG)",
            f"{n:,} draws",
            lambda: discrete_gaussian(Randomness(None), Fraction(4), n),
            rival=rival_gauss,
            rival_name="OpenDP 0.16 make_gaussian",
            repeats=3,
            rival_repeats=1,
        ),
        Case(
            "laplace_count, one release per call",
            "1,000 releases",
            lambda: [laplace_count(1000, epsilon=1.0) for _ in range(1000)],
            rival=rival_count,
            rival_name="OpenDP 0.16 make_laplace (scalar)",
            repeats=3,
        ),
        Case(
            "noisy_group_stats, 5 public segments",
            f"{len(people):,} customers",
            lambda: noisy_group_stats(
                people, "segment", "spend", lower=0, upper=1000, epsilon=1.0, keys=list("ABCDE")
            ),
            repeats=3,
        ),
    ]
