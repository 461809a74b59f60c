"""The privacy accountant: basic composition for (epsilon, delta), zCDP for Gaussian noise.

Releases with costs ``(eps_i, delta_i)`` compose to ``(sum eps_i, sum delta_i)`` (Dwork &
Roth 2014, Thm 3.16). Discrete Gaussian releases are charged in zero-concentrated DP:
``rho_i``-zCDP releases compose to ``(sum rho_i)``-zCDP, and ``rho``-zCDP implies
``(rho + 2 sqrt(rho ln(1/delta)), delta)``-DP for every ``delta > 0`` (Bun & Steinke 2016,
Prop. 1.3). The budget converts its zCDP part with the delta the (epsilon, delta) releases
left over, so the total it reports is one (epsilon, delta) guarantee.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._validation import check_interval, check_type, format_message
from precisemkt.errors import InvalidParameterError, PrivacyError

__all__ = ["LedgerEntry", "PrivacyBudget", "check_epsilon", "rho_for", "zcdp_epsilon"]

_TOL = 1e-12


def zcdp_epsilon(rho: float, delta: float) -> float:
    """Epsilon of ``rho``-zCDP at ``delta``: ``rho + 2 sqrt(rho ln(1/delta))`` (Bun & Steinke).

    Examples
    --------
    >>> round(zcdp_epsilon(0.5, 1e-6), 4)
    5.7565
    """
    if rho == 0:
        return 0.0
    if delta <= 0:
        return math.inf
    return rho + 2.0 * math.sqrt(rho * math.log(1.0 / delta))


def rho_for(epsilon: float, delta: float) -> float:
    """Largest ``rho`` with ``zcdp_epsilon(rho, delta) <= epsilon`` (the inverse).

    Examples
    --------
    >>> zcdp_epsilon(rho_for(1.0, 1e-6), 1e-6) <= 1.0
    True
    """
    log_term = math.log(1.0 / delta)
    root = math.sqrt(log_term + epsilon) - math.sqrt(log_term)
    return root * root * (1.0 - 1e-12)  # never above the exact inverse


def check_epsilon(epsilon: object, name: str = "epsilon") -> float:
    value = check_interval(
        epsilon,
        name,
        low=0.0,
        closed="neither",
        hint="Smaller epsilon means more noise; 0.1 to 1 is common.",
    )
    if not math.isfinite(value):
        raise InvalidParameterError(format_message(name, "be finite", "inf", ""))
    return value


@dataclass(frozen=True, slots=True)
class LedgerEntry(ResultMixin):
    """One charged release (immutable).

    Attributes
    ----------
    label : str
        What was released.
    mechanism : str
        The mechanism (``"discrete_laplace"``, ``"discrete_gaussian"``, ...).
    epsilon, delta : float
        Its (epsilon, delta) cost under basic composition (0 for zCDP releases).
    rho : float
        Its zCDP cost (0 for (epsilon, delta) releases).

    Examples
    --------
    >>> LedgerEntry("count", "discrete_laplace", 0.5, 0.0, 0.0).epsilon
    0.5
    """

    label: str
    mechanism: str
    epsilon: float
    delta: float
    rho: float


class PrivacyBudget:
    """A privacy accountant: basic composition plus zCDP for Gaussian releases.

    Every release function of :mod:`precisemkt.privacy` takes ``budget=`` and charges it
    before it computes anything; a charge that would take the total past ``(epsilon,
    delta)`` raises :class:`~precisemkt.errors.PrivacyError` and nothing is released.

    The total is ``sum eps_i + rho + 2 sqrt(rho ln(1/delta_z))`` with ``rho`` the summed
    zCDP cost and ``delta_z = delta - sum delta_i`` the delta the (epsilon, delta)
    releases left (Bun & Steinke 2016). A budget with ``delta = 0`` accepts only pure
    epsilon-DP releases.

    The ledger is a tuple of frozen :class:`LedgerEntry`; it only grows, through charges.

    Parameters
    ----------
    epsilon : float
        Total epsilon (> 0).
    delta : float, default 0.0
        Total delta in ``[0, 1)``.

    Examples
    --------
    >>> from precisemkt.privacy import PrivacyBudget, laplace_count
    >>> budget = PrivacyBudget(1.0)
    >>> _ = laplace_count(120, epsilon=0.6, budget=budget, insecure_seed=0)
    >>> round(budget.remaining_epsilon, 10)
    0.4
    >>> laplace_count(120, epsilon=0.6, budget=budget)
    Traceback (most recent call last):
    ...
    precisemkt.errors.PrivacyError: ...
    >>> budget.entries[0].mechanism
    'discrete_laplace'
    """

    __slots__ = ("_delta", "_entries", "_epsilon")

    def __init__(self, epsilon: float, delta: float = 0.0) -> None:
        self._epsilon = check_epsilon(epsilon)
        self._delta = check_interval(delta, "delta", low=0.0, high=1.0, closed="left")
        self._entries: tuple[LedgerEntry, ...] = ()

    @property
    def epsilon(self) -> float:
        """Total epsilon."""
        return self._epsilon

    @property
    def delta(self) -> float:
        """Total delta."""
        return self._delta

    @property
    def entries(self) -> tuple[LedgerEntry, ...]:
        """Every charged release, oldest first (an immutable tuple)."""
        return self._entries

    @property
    def spent_rho(self) -> float:
        """zCDP cost of the Gaussian releases so far."""
        return math.fsum(e.rho for e in self._entries)

    @property
    def spent_epsilon(self) -> float:
        """Epsilon of everything released so far (zCDP part converted, see the class)."""
        return self._totals(self._entries)[0]

    @property
    def spent_delta(self) -> float:
        """Delta of everything released so far (all of it once a zCDP release was made)."""
        return self._totals(self._entries)[1]

    @property
    def remaining_epsilon(self) -> float:
        """Epsilon left."""
        return max(self._epsilon - self.spent_epsilon, 0.0)

    @property
    def remaining_delta(self) -> float:
        """Delta left."""
        return max(self._delta - self.spent_delta, 0.0)

    def _totals(self, entries: tuple[LedgerEntry, ...]) -> tuple[float, float]:
        eps = math.fsum(e.epsilon for e in entries)
        delta = math.fsum(e.delta for e in entries)
        rho = math.fsum(e.rho for e in entries)
        if rho == 0:
            return eps, delta
        delta_z = self._delta - delta
        return eps + zcdp_epsilon(rho, delta_z), self._delta

    def spend(
        self,
        epsilon: float = 0.0,
        delta: float = 0.0,
        *,
        rho: float = 0.0,
        label: str = "query",
        mechanism: str = "custom",
    ) -> None:
        """Record a release of cost ``(epsilon, delta)`` or ``rho`` (zCDP), or refuse it.

        Raises
        ------
        PrivacyError
            The release would exceed the budget (nothing is recorded).

        Examples
        --------
        >>> b = PrivacyBudget(1.0, delta=1e-6)
        >>> b.spend(0.25, label="count of buyers")
        >>> b.spend(rho=0.005, label="mean spend", mechanism="discrete_gaussian")
        >>> round(b.spent_epsilon, 3)
        0.781
        >>> b.ledger()["rho"].tolist()
        [0.0, 0.005]
        """
        eps = check_interval(epsilon, "epsilon", low=0.0)
        dlt = check_interval(delta, "delta", low=0.0, high=1.0, closed="left")
        r = check_interval(rho, "rho", low=0.0)
        check_type(label, "label", str)
        check_type(mechanism, "mechanism", str)
        if not (math.isfinite(eps) and math.isfinite(r)) or eps + dlt + r == 0:
            raise InvalidParameterError(
                format_message(
                    "the cost of a release",
                    "be finite and positive",
                    f"epsilon={eps:g}, delta={dlt:g}, rho={r:g}",
                    "Every release costs privacy.",
                )
            )
        entry = LedgerEntry(label, mechanism, eps, dlt, r)
        new_eps, new_delta = self._totals((*self._entries, entry))
        if new_eps > self._epsilon * (1 + _TOL) or new_delta > self._delta * (1 + _TOL) + _TOL:
            hint = (
                "Gaussian (zCDP) releases need a budget with delta > 0. "
                if r > 0 and self._delta - math.fsum(e.delta for e in self._entries) - dlt <= 0
                else ""
            )
            raise PrivacyError(
                format_message(
                    f"query {label!r}",
                    "fit in the remaining budget",
                    f"epsilon={eps:g}, delta={dlt:g}, rho={r:g} with epsilon="
                    f"{self.remaining_epsilon:g}, delta={self.remaining_delta:g} left",
                    hint + "Spend less per query or create a larger budget before any release.",
                )
            )
        self._entries = (*self._entries, entry)

    def ledger(self) -> pd.DataFrame:
        """Every recorded release as a table: label, mechanism, epsilon, delta, rho.

        Examples
        --------
        >>> PrivacyBudget(1.0).ledger().shape
        (0, 5)
        """
        return pd.DataFrame(
            [(e.label, e.mechanism, e.epsilon, e.delta, e.rho) for e in self._entries],
            columns=["label", "mechanism", "epsilon", "delta", "rho"],
        )

    def __repr__(self) -> str:
        return (
            f"PrivacyBudget(epsilon={self._epsilon:g}, delta={self._delta:g}, "
            f"spent_epsilon={self.spent_epsilon:g}, spent_delta={self.spent_delta:g})"
        )


def charge(
    budget: PrivacyBudget | None,
    *,
    label: str,
    mechanism: str,
    epsilon: float = 0.0,
    delta: float = 0.0,
    rho: float = 0.0,
) -> None:
    """Charge ``budget`` (if one is given) before a release."""
    if budget is not None:
        check_type(budget, "budget", PrivacyBudget)
        budget.spend(epsilon, delta, rho=rho, label=label, mechanism=mechanism)
