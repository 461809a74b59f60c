"""Thompson sampling for Bernoulli arms."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._estimator import Estimator
from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import (
    as_float_array,
    check_int,
    check_interval,
    check_random_state,
    format_message,
)
from precisemkt.errors import ValidationError
from precisemkt.experiments._bayes import _check_prior, _Family, _result

__all__ = ["ThompsonSampler"]


class ThompsonSampler(Estimator):
    """Thompson sampling (Thompson 1933) for Bernoulli arms with Beta posteriors.

    Each call to :meth:`select` draws a rate from every arm's posterior and picks the arm
    with the highest draw, so arm ``j`` is chosen with probability ``P(arm j is best)``
    (computed exactly by :meth:`allocation_probabilities`). ``min_share`` reserves a floor
    of traffic for every arm: with probability ``k · min_share`` the arm is picked
    uniformly, which gives the allocation ``min_share + (1 - k·min_share) P(best)``.

    Parameters
    ----------
    n_arms : int
    prior : (float, float), default (1, 1)
    min_share : float, default 0
        Minimum share of traffic per arm, in ``[0, 1 / n_arms]``.
    random_state : int, numpy.random.Generator or None

    Attributes
    ----------
    successes_, trials_ : ndarray
        Totals per arm seen by :meth:`update`.

    Examples
    --------
    >>> ts = ThompsonSampler(2, random_state=0).update([5, 12], [100, 100])
    >>> ts.allocation_probabilities().round(3).tolist()
    [0.041, 0.959]
    >>> ts.select(5).tolist()
    [1, 1, 1, 1, 1]
    """

    def __init__(
        self,
        n_arms: int,
        *,
        prior: tuple[float, float] = (1.0, 1.0),
        min_share: float = 0.0,
        random_state: SeedLike = None,
    ) -> None:
        self.n_arms = n_arms
        self.prior = prior
        self.min_share = min_share
        self.random_state = random_state

    def _check(self) -> tuple[int, float, float, float]:
        k = check_int(self.n_arms, "n_arms", low=2)
        a, b = _check_prior(self.prior)
        share = check_interval(
            self.min_share, "min_share", low=0.0, high=1.0 / k, hint=f"Use at most 1/{k}."
        )
        return k, a, b, share

    def _state(self) -> tuple[FloatArray, FloatArray]:
        """Totals seen so far; before the first :meth:`update`, zeros (the prior alone).

        Not a "fitted" check: a sampler without data allocates by its prior. Reading the
        state does not store it, so ``n_arms`` may change until the first update.
        """
        k = self._check()[0]
        if "successes_" not in self.__dict__:
            return np.zeros(k), np.zeros(k)
        return self.successes_, self.trials_

    def update(self, successes: Any, trials: Any) -> ThompsonSampler:
        """Add new conversions and visitors per arm (arrays of length ``n_arms``).

        Examples
        --------
        >>> ThompsonSampler(2).update([1, 0], [3, 2]).trials_.tolist()
        [3.0, 2.0]
        """
        s_tot, n_tot = self._state()
        k = self.n_arms
        s = as_float_array(successes, "successes", ndim=None).ravel()
        n = as_float_array(trials, "trials", ndim=None).ravel()
        if s.shape != (k,) or n.shape != (k,):
            raise ValidationError(
                format_message(
                    "successes and trials",
                    f"have {k} entries (one per arm)",
                    f"{s.size} and {n.size}",
                    "",
                )
            )
        if np.any(s < 0) or np.any(s > n):
            raise ValidationError(
                format_message(
                    "successes",
                    "lie in [0, trials] in every arm",
                    f"successes={s.tolist()}, trials={n.tolist()}",
                    "Pass new conversions and visitors per arm; did you swap the two?",
                )
            )
        self.successes_ = s_tot + s
        self.trials_ = n_tot + n
        return self

    def allocation_probabilities(self) -> FloatArray:
        """Probability that :meth:`select` picks each arm (exact, no Monte Carlo).

        Examples
        --------
        >>> ThompsonSampler(3).allocation_probabilities().round(4).tolist()
        [0.3333, 0.3333, 0.3333]
        """
        k, a, b, share = self._check()
        s, n = self._state()
        best = _result(_Family("beta", a + s, b + n - s)).prob_best
        return np.asarray(share + (1.0 - k * share) * best, dtype=np.float64)

    def select(self, size: int = 1) -> IntArray:
        """Choose arms for the next ``size`` units by Thompson sampling.

        Examples
        --------
        >>> ThompsonSampler(2, random_state=1).select(3).shape
        (3,)
        """
        k, a, b, share = self._check()
        size = check_int(size, "size", low=1)
        s, n = self._state()
        if "rng_" not in self.__dict__:  # one random stream for the sampler's life
            self.rng_ = check_random_state(self.random_state)
        draws = self.rng_.beta(a + s, b + n - s, size=(size, k))
        chosen = draws.argmax(axis=1)
        explore = self.rng_.random(size) < k * share
        uniform = self.rng_.integers(0, k, size)
        return np.asarray(np.where(explore, uniform, chosen), dtype=np.int64)

    def summary(self) -> pd.DataFrame:
        """Per-arm totals, posterior mean and allocation probability.

        Examples
        --------
        >>> ThompsonSampler(2).update([1, 2], [10, 10]).summary().shape
        (2, 4)
        """
        _, a, b, _ = self._check()
        s, n = self._state()
        return pd.DataFrame(
            {
                "successes": s,
                "trials": n,
                "posterior_mean": (a + s) / (a + b + n),
                "allocation": self.allocation_probabilities(),
            }
        )
