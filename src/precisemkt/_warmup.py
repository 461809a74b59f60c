"""Compile the numba kernels ahead of time: each domain's quickstart on tiny synthetic data.

``precisemkt warmup`` (and the foundation benchmark's cold-start rows) run these pipelines.
A first run on a new machine compiles every kernel it touches; running the pipelines once
fills numba's on-disk cache (``NUMBA_CACHE_DIR``, by default ``__pycache__`` next to the
kernels), so later processes load the machine code instead of compiling it. Like the CLI,
this module sits above the domains and may import all of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

__all__ = ["DOMAINS", "KernelCompile", "WarmupResult", "record_compiles", "warmup"]


class KernelCompile(NamedTuple):
    """One kernel specialisation compiled by numba (times in seconds)."""

    kernel: str
    signature: str
    seconds: float
    self_seconds: float


class WarmupResult(NamedTuple):
    """What :func:`warmup` did for one domain."""

    domain: str
    seconds: float
    compiles: list[KernelCompile]


def _transactions(n: int = 300) -> pd.DataFrame:
    from precisemkt.datasets import make_transactions

    return make_transactions(
        n, freq="W", periods=52, acquisition_periods=8, spend=(6.25, 3.74, 15.44), random_state=0
    ).transactions


def _profiling() -> None:
    from precisemkt import profiling

    tx = _transactions()
    profiling.rfm_summary(tx, freq="W")
    profiling.profile_customers(tx)
    profiling.cohort_table(tx)
    profiling.data_quality_report(tx)


def _segmentation() -> None:
    from precisemkt import profiling, segmentation

    summary = profiling.rfm_summary(_transactions(), freq="W")
    scores = segmentation.rfm_scores(summary)
    segmentation.rfm_segments(scores)
    segmentation.value_tiers(summary["monetary_value"])
    features = np.log1p(summary[["frequency", "recency", "monetary_value"]].to_numpy())
    segmentation.KMeans(3, random_state=0).fit(features)


def _clv() -> None:
    from precisemkt import clv, profiling

    tx = _transactions()
    summary = profiling.rfm_summary(tx, freq="W")
    profiling.profile_customers(tx)
    model = clv.BGNBD().fit(summary)
    spend = clv.GammaGamma().fit(summary)
    clv.customer_lifetime_value(model, spend, summary, horizon=12, freq="W")


def _attribution() -> None:
    from precisemkt import attribution
    from precisemkt.datasets import make_journeys

    events = make_journeys(300, channels=4, random_state=0).events
    paths = attribution.paths_from_events(events, value_col="value")
    attribution.compare_models(paths)
    attribution.markov_attribution(paths, order=2)


def _experiments() -> None:
    from precisemkt import experiments as ex

    rng = np.random.default_rng(0)
    a, b = rng.gamma(2.0, 5.0, 200), rng.gamma(2.0, 5.2, 200)
    ex.proportions_test([148, 163], [1481, 1470])
    ex.bayes_proportions([148, 163], [1481, 1470])
    ex.means_test(a, b)
    ex.mann_whitney(a, b)
    ex.bootstrap_test(a, b, n_resamples=50, random_state=0)
    arm = np.where(rng.random(200) < 0.5, "control", "treatment")
    ex.cuped(a + rng.normal(0, 1, 200), a, arm)


def _privacy() -> None:
    from precisemkt import privacy
    from precisemkt.datasets import make_people

    people, hierarchies = make_people(300, random_state=0, return_hierarchies=True)
    qis = ["age", "zip_code", "sex"]
    roles: dict[str, Any] = {
        "identifiers": ["customer_id"],
        "insensitive": [c for c in people.columns if c not in {*qis, "customer_id"}],
    }
    hier: dict[Hashable, privacy.Hierarchy] = {name: h for name, h in hierarchies.items()}
    privacy.check_anonymity(people, qis, **roles)
    privacy.anonymize(
        people,
        qis,
        k=3,
        hierarchies=hier,
        max_suppression=0.05,
        **roles,
    )


def _basket() -> None:
    from precisemkt import basket
    from precisemkt.datasets import make_baskets

    orders = make_baskets(300, 30, random_state=0).orders
    baskets = basket.baskets_from_orders(orders)
    itemsets = basket.frequent_itemsets(baskets, min_support=0.05, max_len=3)
    basket.association_rules(itemsets, min_threshold=0.3)


def _recommend() -> None:
    from precisemkt import recommend
    from precisemkt.datasets import make_interactions

    orders = make_interactions(n_users=60, n_items=20, random_state=0).interactions
    for model in (recommend.ItemKNN(k=10), recommend.EASE(), recommend.ALS(factors=4)):
        model.fit(orders).recommend(orders["user_id"].iloc[:3], n=3)


#: Domain -> its quickstart pipeline on tiny synthetic data.
DOMAINS: dict[str, Callable[[], None]] = {
    "profiling": _profiling,
    "segmentation": _segmentation,
    "clv": _clv,
    "attribution": _attribution,
    "experiments": _experiments,
    "privacy": _privacy,
    "basket": _basket,
    "recommend": _recommend,
}


#: Compilations of numba's own overloads (module ``numba.…``) are not recorded: their time
#: counts towards the kernel that needed them.
_NUMBA = "numba."


def _kernel_name(dispatcher: Any) -> str:
    func = dispatcher.py_func
    return f"{func.__module__}.{func.__qualname__}"


@contextmanager
def record_compiles() -> Iterator[list[KernelCompile]]:
    """Collect every numba compilation inside the block, in order of completion.

    ``seconds`` includes the kernels compiled while compiling this one (its callees);
    ``self_seconds`` does not.

    Examples
    --------
    >>> from precisemkt._numba import njit
    >>> @njit()
    ... def twice(x):
    ...     return 2 * x
    >>> with record_compiles() as compiled:
    ...     _ = twice(1.5)
    >>> [(c.kernel.rsplit(".", 1)[-1], c.signature) for c in compiled]
    [('twice', '(float64)')]
    """
    from numba.core import event

    out: list[KernelCompile] = []
    stack: list[list[float]] = []  # [start, seconds of nested precisemkt compiles]

    class _Listener(event.Listener):
        def on_start(self, ev: Any) -> None:
            stack.append([time.perf_counter(), 0.0])

        def on_end(self, ev: Any) -> None:
            start, nested = stack.pop()
            seconds = time.perf_counter() - start
            name = _kernel_name(ev.data["dispatcher"])
            if name.startswith(_NUMBA):
                return  # numba's own overloads count as part of the kernel that needs them
            if stack:
                stack[-1][1] += seconds
            args = ", ".join(str(a) for a in ev.data["args"])
            out.append(KernelCompile(name, f"({args})", seconds, seconds - nested))

    with event.install_listener("numba:compile", _Listener()):
        yield out


def warmup(domains: Sequence[str] | None = None) -> list[WarmupResult]:
    """Run each domain's quickstart once on tiny data so that its kernels are compiled.

    Parameters
    ----------
    domains : sequence of str, optional
        Names from :data:`DOMAINS`; default all of them.

    Returns
    -------
    list of WarmupResult
        Per domain, the wall time and the kernels compiled (none when all were cached).
    """
    import warnings

    from precisemkt._validation import check_options

    names = list(DOMAINS) if domains is None else list(domains)
    for name in names:
        check_options(name, "domains", tuple(DOMAINS))
    results = []
    for name in names:
        start = time.perf_counter()
        with record_compiles() as compiled, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tiny data: small-sample warnings are expected
            DOMAINS[name]()
        results.append(WarmupResult(name, time.perf_counter() - start, compiled))
    return results
