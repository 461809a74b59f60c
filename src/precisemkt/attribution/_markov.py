"""Exact Markov-chain attribution (Anderl et al. 2016) of any order.

The chain has a START state, one state per channel (order 1) or per window of ``order``
consecutive channels, and two absorbing states, CONVERSION and NULL. Transition
probabilities are the observed transition counts divided by their row totals. The
probability of conversion from START, and the same probability with a channel removed
(every state that contains it redirected to NULL), are absorption probabilities: the
solutions of linear systems ``(I - Q) x = r``. They are solved to rounding error (dense
LU for small chains; BiCGSTAB to a relative residual of 1e-13 for large ones, with sparse
LU as the fallback), so there is no simulation error and the answer does not depend on a
seed.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from precisemkt._typing import BoolArray, FloatArray, IntArray, SeedLike
from precisemkt._validation import check_bool, check_int, format_message, show_value
from precisemkt.attribution import _kernels as K
from precisemkt.attribution._paths import Journeys, parse_paths, weighted_counts
from precisemkt.attribution._result import AttributionResult, build_result, run_bootstrap
from precisemkt.errors import InvalidParameterError

__all__ = ["Chain", "build_chain", "check_order", "markov_attribution", "solve_chain"]

#: Chains with at most this many transient states are solved with dense LAPACK; larger
#: ones iteratively (BiCGSTAB), since LU factors of higher-order chains fill in badly.
DENSE_LIMIT = 400
#: Relative residual the iterative solver must reach (then the sparse LU takes over).
ITERATIVE_RTOL = 1e-13
MAX_ITERATIONS = 10_000
START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"


@dataclasses.dataclass(frozen=True, slots=True)
class Chain:
    """The count-independent structure of a fitted chain.

    States are numbered 0 (START), ``1..n_states`` and ``n_states + 1`` (CONVERSION),
    ``n_states + 2`` (NULL). ``src``/``dst`` list the distinct transitions; each path's
    own transitions map onto them through ``edge_of`` with ``edge_path`` and
    ``edge_kind`` (0: weighted by all the path's journeys, 1: by its conversions, 2: by
    its nulls). ``contains[s, c]`` says whether state ``s`` includes channel ``c``.
    """

    n_states: int
    labels: tuple[str, ...]
    contains: BoolArray
    src: IntArray
    dst: IntArray
    edge_of: IntArray
    edge_path: IntArray
    edge_kind: IntArray
    last_state: IntArray

    def counts(self, journeys: Journeys) -> FloatArray:
        """Journeys along each distinct transition."""
        total = journeys.conversions + journeys.nulls
        per_kind = np.stack([total, journeys.conversions, journeys.nulls])
        weights = per_kind[self.edge_kind, self.edge_path]
        return weighted_counts(self.edge_of, weights, self.src.size)


def check_order(order: object, n_channels: int) -> int:
    """``order`` as an int in [1, ...] whose window keys fit in 63 bits."""
    k = check_int(order, "order", low=1, hint="Use order=1 (channels) up to about 4.")
    if (n_channels + 1) ** k >= 2**62:
        raise InvalidParameterError(
            format_message(
                "order",
                f"keep (channels + 1) ** order below 2**62 with {n_channels} channels",
                show_value(order),
                "Use a lower order; windows that long are rarely seen twice anyway.",
            )
        )
    return k


def unique_inverse(keys: IntArray, bound: int) -> tuple[IntArray, IntArray]:
    """``np.unique(keys, return_inverse=True)`` for keys in ``[0, bound)``.

    When ``bound`` is not much larger than the number of keys a lookup table replaces
    the sort (the distinct keys come out sorted either way).
    """
    if bound > 4 * keys.size + 65_536:
        unique, inverse = np.unique(keys, return_inverse=True)
        return unique, inverse.astype(np.int64)
    seen = np.zeros(bound, bool)
    seen[keys] = True
    rank = np.cumsum(seen) - 1
    inverse_keys: IntArray = rank[keys]
    return np.flatnonzero(seen), inverse_keys


def build_chain(journeys: Journeys, order: int, collapse_repeats: bool) -> Chain:
    """States and transitions of the order-``order`` chain of ``journeys``."""
    tokens, offsets = journeys.tokens, journeys.offsets
    if collapse_repeats:
        tokens, offsets = K.collapse_repeats(tokens, offsets)
    n_channels = len(journeys.channels)
    base = n_channels + 1
    keys, window_offsets = K.window_keys(tokens, offsets, order, base)
    unique_keys, inverse = unique_inverse(keys, base**order)
    states = inverse + 1
    n_states = int(unique_keys.size)
    src, dst, edge_path, edge_kind = K.transition_edges(states, window_offsets, n_states)
    edge_keys = src * (n_states + 3) + dst
    unique_edges, edge_of = unique_inverse(edge_keys, (n_states + 3) ** 2)
    digits = np.zeros((n_states, order), np.int64)  # least significant first
    rest = unique_keys.copy()
    for i in range(order):
        digits[:, i] = rest % base
        rest //= base
    contains = np.zeros((n_states + 1, n_channels), bool)
    rows = np.repeat(np.arange(1, n_states + 1), order)
    flat = digits.ravel()
    contains[rows[flat > 0], flat[flat > 0] - 1] = True
    names = journeys.channels
    labels = tuple(" > ".join(names[d - 1] for d in row[::-1] if d > 0) for row in digits.tolist())
    return Chain(
        n_states=n_states,
        labels=labels,
        contains=contains,
        src=unique_edges // (n_states + 3),
        dst=unique_edges % (n_states + 3),
        edge_of=edge_of,
        edge_path=edge_path,
        edge_kind=edge_kind,
        last_state=states[window_offsets[1:] - 1],
    )


@dataclasses.dataclass(frozen=True, slots=True)
class ChainSolution:
    """Absorption results: probability (and value) from START, with and without channels."""

    probability: FloatArray
    counts: FloatArray
    conversion: float
    value: float | None
    conversion_without: FloatArray
    value_without: FloatArray | None


def _iterative(system: sp.csr_array, right: FloatArray) -> FloatArray:
    """Solve a large system column by column with BiCGSTAB to a relative residual of
    ``ITERATIVE_RTOL``; a column that stalls is solved by sparse LU instead."""
    columns = []
    for b in right.T:
        x, info = spla.bicgstab(system, b, rtol=ITERATIVE_RTOL, atol=0.0, maxiter=MAX_ITERATIONS)
        residual = np.linalg.norm(system @ x - b)
        if info != 0 or not residual <= 10 * ITERATIVE_RTOL * np.linalg.norm(b):
            x = spla.splu(sp.csc_matrix(system)).solve(b)
        columns.append(x)
    return np.column_stack(columns)


def _absorb(system: sp.csr_array, right: FloatArray, keep: IntArray | None) -> FloatArray:
    """Row START (index 0) of the solution of ``system x = right`` on the ``keep`` states."""
    if keep is not None:
        system, right = system[keep][:, keep], right[keep]
    if system.shape[0] <= DENSE_LIMIT:
        solution = np.linalg.solve(system.toarray(), right)
    else:
        solution = _iterative(system, right)
    start: FloatArray = np.asarray(solution).reshape(system.shape[0], -1)[0]
    return start


def solve_chain(chain: Chain, journeys: Journeys) -> ChainSolution:
    """Solve the absorbing chain for START and for START with each channel removed."""
    n = chain.n_states + 1  # transient states: START and the channel states
    counts = chain.counts(journeys)
    out = weighted_counts(chain.src, counts, n)
    inverse_out = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    probability = counts * inverse_out[chain.src]
    moving = chain.dst < n
    q = sp.csr_array((probability[moving], (chain.src[moving], chain.dst[moving])), shape=(n, n))
    system = (sp.eye_array(n, format="csr") - q).tocsr()
    converting = chain.dst == n
    rhs = [weighted_counts(chain.src[converting], probability[converting], n)]
    if journeys.value is not None:
        earned = weighted_counts(chain.last_state, journeys.value, n)
        rhs.append(earned * inverse_out)
    right = np.column_stack(rhs)
    full = _absorb(system, right, None)
    n_channels = chain.contains.shape[1]
    without = np.empty((n_channels, right.shape[1]))
    for c in range(n_channels):
        without[c] = _absorb(system, right, np.flatnonzero(~chain.contains[:, c]))
    has_value = journeys.value is not None
    return ChainSolution(
        probability=probability,
        counts=counts,
        conversion=float(full[0]),
        value=float(full[1]) if has_value else None,
        conversion_without=without[:, 0],
        value_without=without[:, 1] if has_value else None,
    )


def removal_effects(with_all: float, without: FloatArray) -> FloatArray:
    """``1 - P(without c) / P`` (0 for every channel when ``P`` is 0)."""
    if with_all <= 0:
        return np.zeros_like(without)
    effects: FloatArray = 1.0 - without / with_all
    return effects


def _credits(effects: FloatArray, total: float) -> FloatArray:
    mass = effects.sum()
    credits: FloatArray = effects / mass * total if mass > 0 else np.zeros_like(effects)
    return credits


def _transition_frame(chain: Chain, solution: ChainSolution) -> pd.DataFrame:
    names = np.array([START, *chain.labels, CONVERSION, NULL], dtype=object)
    seen = solution.counts > 0
    return pd.DataFrame(
        {
            "from": names[chain.src[seen]],
            "to": names[chain.dst[seen]],
            "probability": solution.probability[seen],
            "count": solution.counts[seen],
        }
    )


def markov_attribution(
    paths: pd.DataFrame,
    *,
    order: int = 1,
    collapse_repeats: bool = True,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    value_col: str = "value",
    sep: str = ">",
    n_boot: int = 0,
    random_state: SeedLike = None,
    progress: bool = False,
) -> AttributionResult:
    r"""Attribute conversions and value by exact removal effects of a Markov chain.

    The chain of Anderl et al. (2016) is fitted to the paths: START, a state per channel
    (``order=1``) or per window of ``order`` consecutive channels (a path shorter than
    ``order`` is one state), CONVERSION and NULL. With ``Q`` the transitions among START
    and the channel states and ``r`` the one-step conversion probabilities, the
    probability of conversion is ``x[START]`` where ``(I - Q) x = r``. Removing channel
    ``c`` sends every state that contains it to NULL; its removal effect is
    ``1 - P(conversion without c) / P(conversion)``, and each channel's credit is its
    removal effect divided by their sum, times the total conversions. Value is
    attributed the same way with the expected conversion value (the mean value per
    conversion of the paths ending in each state) in place of the probability.

    Every system is solved exactly, so the chain reproduces ``conversions / (conversions
    + nulls)`` to rounding error at every order (ChannelAttribution estimates the same
    quantities by simulation).

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey: the path, conversions and, when present, nulls
        (non-converting journeys) and value.
    order : int, default 1
        Number of consecutive channels a state remembers.
    collapse_repeats : bool, default True
        Merge consecutive touches of one channel ("a > a > b" becomes "a > b") before
        building states. At order 1 this changes nothing but the transition matrix
        (a self-loop does not change absorption probabilities); at higher orders it
        changes the state space.
    path_col, conversions_col, nulls_col, value_col : str
        Column names; ``nulls_col`` and ``value_col`` are used when present.
    sep : str, default ">"
        Separator between channels in path strings.
    n_boot : int, default 0
        Bootstrap replicates over journeys for confidence intervals (0: none).
    random_state : int, Generator or None
        Seed of the bootstrap.
    progress : bool, default False
        Show a progress bar over bootstrap replicates.

    Returns
    -------
    AttributionResult
        Credits plus ``removal_effects``, ``value_removal_effects``,
        ``conversion_probability`` and ``transition_matrix``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import markov_attribution
    >>> paths = pd.DataFrame({"path": ["a > b", "a", "b > c"],
    ...                       "conversions": [4, 1, 2], "nulls": [6, 9, 8]})
    >>> res = markov_attribution(paths)
    >>> round(res.conversion_probability, 12) == round(7 / 30, 12)
    True
    >>> res.removal_effects.round(4).to_dict()
    {'a': 0.5714, 'b': 0.8571, 'c': 0.2857}
    """
    journeys = parse_paths(
        paths,
        path_col=path_col,
        conversions_col=conversions_col,
        nulls_col=nulls_col,
        value_col=value_col,
        sep=sep,
    )
    k = check_order(order, len(journeys.channels))
    collapse = check_bool(collapse_repeats, "collapse_repeats")
    chain = build_chain(journeys, k, collapse)

    def fit(j: Journeys) -> tuple[ChainSolution, FloatArray, FloatArray | None]:
        solution = solve_chain(chain, j)
        effects = removal_effects(solution.conversion, solution.conversion_without)
        conv = _credits(effects, float(j.conversions.sum()))
        value = None
        if (
            j.value is not None
            and solution.value is not None
            and solution.value_without is not None
        ):
            value_effects = removal_effects(solution.value, solution.value_without)
            value = _credits(value_effects, float(j.value.sum()))
        return solution, conv, value

    def credit(j: Journeys) -> FloatArray:
        _, conv, value = fit(j)
        return conv if value is None else np.concatenate([conv, value])

    solution, conv, value = fit(journeys)
    draws = run_bootstrap(
        journeys, credit, n_boot=n_boot, random_state=random_state, progress=progress
    )
    index = pd.Index(list(journeys.channels), name="channel")
    effects = removal_effects(solution.conversion, solution.conversion_without)
    value_effects = (
        None
        if solution.value is None or solution.value_without is None
        else removal_effects(solution.value, solution.value_without)
    )
    return build_result(
        "markov",
        journeys,
        conv,
        value,
        {"order": k, "collapse_repeats": collapse, "n_states": chain.n_states},
        draws=draws,
        removal_effects=pd.Series(effects, index=index, name="removal_effect"),
        value_removal_effects=None
        if value_effects is None
        else pd.Series(value_effects, index=index, name="value_removal_effect"),
        conversion_probability=solution.conversion,
        transition_matrix=_transition_frame(chain, solution),
    )
