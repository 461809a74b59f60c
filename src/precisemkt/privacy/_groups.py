"""Differentially private tables: counts, sums and means per group, and histograms.

A segment table (customers per segment, their spend), a cohort retention table (active
customers per cohort and period) or a histogram is a vector of counts and sums, one per
group. One person touches at most ``L`` groups, so the vector's L1 sensitivity is bounded
and every cell gets discrete Laplace noise of the matching scale (exact, from the OS
CSPRNG, as in :func:`~precisemkt.privacy.laplace_count`).

Group keys are either **public** (``keys=``: declared in advance, every key is released,
absent ones with a noisy zero) or **selected** privately: only groups whose noisy count
reaches a threshold ``tau`` are released, which costs a ``delta`` — the probability that
a group holding a single person's records shows up at all (Korolova et al. 2009; Wilson
et al. 2020). With discrete Laplace noise of scale ``b`` (``p = exp(-1/b)``),
``P(Z >= m) = p^m / (1 + p)``, so for a person in at most ``L`` groups with at most ``c``
records per group the smallest integer ``tau`` with

    max(p^(tau - c), L p^(tau - 1)) / (1 + p) <= delta        (c = L for row counts)
    L p^(tau - 1) / (1 + p) <= delta                          (c = 1, distinct people)

bounds that probability by ``delta``; the released values are then (epsilon, delta)-DP.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from precisemkt._results import ResultMixin
from precisemkt._validation import (
    as_float_array,
    check_int,
    check_interval,
    format_message,
    require_columns,
    require_frame,
    show_value,
)
from precisemkt.errors import InvalidParameterError, ValidationError
from precisemkt.privacy._budget import PrivacyBudget, charge, check_epsilon
from precisemkt.privacy._dp import MAX_UNITS, laplace_noise, make_grid, randomness
from precisemkt.privacy._requirement import factorize_column
from precisemkt.privacy._samplers import Randomness

__all__ = [
    "GroupRelease",
    "noisy_counts",
    "noisy_group_stats",
    "noisy_histogram",
    "selection_threshold",
]


@dataclass(frozen=True, slots=True)
class GroupRelease(ResultMixin):
    """A differentially private table: one row per released group.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by the group keys; ``count`` (noisy, an integer), and for
        :func:`noisy_group_stats` ``sum`` (on the grid) and ``mean`` (``sum / count``
        clamped to the bounds, NaN when the noisy count is not positive).
    epsilon, delta : float
        The guarantee of the whole table.
    threshold : int or None
        The noisy count a group needed to be released (None when keys were public).
    count_scale, sum_scale : float or None
        Discrete Laplace scale of the count and sum noise (output units).
    max_contributions : int
        The most groups (rows) one person contributes to after bounding.
    grid_step : float or None
        The grid of the sums.
    insecure : bool
        True when the noise came from ``insecure_seed``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.privacy import noisy_counts
    >>> df = pd.DataFrame({"segment": ["A"] * 50 + ["B"] * 30})
    >>> rel = noisy_counts(df, "segment", epsilon=1.0, keys=["A", "B", "C"],
    ...                    insecure_seed=0)
    >>> rel.table.index.tolist(), rel.threshold
    (['A', 'B', 'C'], None)
    """

    table: pd.DataFrame
    epsilon: float
    delta: float
    threshold: int | None
    count_scale: float
    sum_scale: float | None
    max_contributions: int
    grid_step: float | None
    insecure: bool

    def to_frame(self) -> pd.DataFrame:
        """The released table (same as ``table``).

        Examples
        --------
        >>> import numpy as np
        >>> from precisemkt.privacy import noisy_histogram
        >>> noisy_histogram(np.arange(100), bins=[0, 50, 100], epsilon=1.0,
        ...                 insecure_seed=1).to_frame().shape
        (2, 1)
        """
        return self.table


def selection_threshold(epsilon: float, delta: float, groups: int, per_group: int) -> int:
    """Smallest noisy count ``tau`` that keeps a one-person group hidden with prob. 1 - delta.

    Discrete Laplace noise of scale ``b = groups / epsilon`` (L1 sensitivity ``groups``:
    one person in at most ``groups`` groups) and at most ``per_group`` of their records
    in one group (1 for distinct-people counts, ``groups`` for row counts); see the module
    notes for the formula.

    Examples
    --------
    >>> from precisemkt.privacy._groups import selection_threshold
    >>> selection_threshold(1.0, 1e-6, 1, 1)
    15
    """
    p = math.exp(-epsilon / groups)
    log_p = -epsilon / groups
    target = math.log(delta) + math.log1p(p)

    def log_bound(tau: int) -> float:
        many = math.log(groups) + (tau - 1) * log_p
        return max((tau - per_group) * log_p, many) if per_group > 1 else many

    # closed form of each term, then a few exact steps against rounding
    tau = max(
        per_group + 1,
        math.ceil((target - math.log(groups)) / log_p) + 1,
        math.ceil(target / log_p) + per_group if per_group > 1 else 0,
    )
    for _ in range(64):
        if log_bound(tau) <= target:
            break
        tau += 1
    for _ in range(64):
        if tau <= per_group + 1 or log_bound(tau - 1) > target:
            break
        tau -= 1
    return int(tau)


def _keys_of(by: Hashable | Sequence[Hashable]) -> list[Hashable]:
    if isinstance(by, str) or not isinstance(by, Sequence):
        return [by]
    out = list(by)
    if not out:
        raise InvalidParameterError(
            format_message("by", "name at least one column", "an empty list", "")
        )
    return out


def _public_index(keys: object, by: list[Hashable]) -> pd.Index:
    try:
        if isinstance(keys, pd.Index):
            index = keys.copy()
        elif len(by) == 1:
            index = pd.Index(list(keys), name=by[0])  # type: ignore[call-overload]
        else:
            index = pd.MultiIndex.from_tuples(list(keys), names=by)  # type: ignore[call-overload]
        if index.nlevels != len(by):
            raise ValueError
    except (TypeError, ValueError):
        raise InvalidParameterError(
            format_message(
                "keys",
                f"list the public groups (tuples of {len(by)} values for {len(by)} columns)",
                f"{type(keys).__name__} {show_value(keys)}",
                "Pass e.g. keys=['A', 'B'] or keys=[('Jan', 0), ('Jan', 1)].",
            )
        ) from None
    if index.has_duplicates:
        raise InvalidParameterError(
            format_message(
                "keys",
                "not repeat a group",
                f"{show_value(index[index.duplicated()][0])} twice",
                "",
            )
        )
    index.names = by
    return index


def _bound_rows(
    frame: pd.DataFrame, user_col: Hashable | None, max_rows: int, rand: Randomness
) -> pd.DataFrame:
    """Keep at most ``max_rows`` rows per person, chosen at random (values never read)."""
    if user_col is None:
        return frame
    n = len(frame)
    if n == 0:
        return frame
    # a random order (random 62-bit keys from the noise source), then the first max_rows
    # rows of every person: the choice depends on nothing but the person's row count
    perm = np.argsort(rand.below(np.full(n, 1 << 62, dtype=np.int64)), kind="stable")
    shuffled = frame.iloc[perm]
    rank = shuffled.groupby(shuffled[user_col], sort=False, observed=True).cumcount().to_numpy()
    return shuffled.iloc[np.flatnonzero(rank < max_rows)]


def _select(
    frame: pd.DataFrame, by: list[Hashable], keys: object
) -> tuple[pd.DataFrame, pd.Index | None]:
    if keys is None:
        return frame, None
    index = _public_index(keys, by)
    row_keys = pd.MultiIndex.from_frame(frame[by]) if len(by) > 1 else pd.Index(frame[by[0]])
    return frame.iloc[np.flatnonzero(row_keys.isin(index))], index


def _validate_table(
    df: object,
    by: Hashable | Sequence[Hashable],
    extra: list[Hashable],
    user_col: Hashable | None,
) -> tuple[pd.DataFrame, list[Hashable]]:
    frame = require_frame(df, "df")
    if frame.columns.duplicated().any():
        raise ValidationError(
            format_message(
                "df columns",
                "have unique names",
                f"{show_value(frame.columns[frame.columns.duplicated()][0])} more than once",
                "Rename or drop the duplicate columns first.",
            )
        )
    cols = _keys_of(by)
    for col in cols + extra:
        if not isinstance(col, Hashable):
            raise InvalidParameterError(
                format_message("by", "name columns", type(col).__name__, "")
            )
    require_columns(frame, [c for c in cols + extra if c is not None], name="df")  # type: ignore[misc]
    for col in cols + extra:
        factorize_column(frame[col], col, use_na_sentinel=True)
    if user_col is not None and frame[user_col].isna().any():
        raise ValidationError(
            format_message(
                f"column {show_value(user_col)}",
                "have no missing values",
                f"{int(frame[user_col].isna().sum())} missing",
                "Every row must belong to a person to bound their contribution.",
            )
        )
    for col in cols:
        if frame[col].isna().any():
            raise ValidationError(
                format_message(
                    f"group column {show_value(col)}",
                    "have no missing values",
                    f"{int(frame[col].isna().sum())} missing",
                    "Label them (e.g. 'unknown') so they form a group of their own.",
                )
            )
    return frame, cols


def _check_delta(delta: object, keys: object) -> float:
    dlt = check_interval(delta, "delta", low=0.0, high=1.0, closed="left")
    if keys is None and dlt == 0:
        raise InvalidParameterError(
            format_message(
                "delta",
                "be positive when the group keys are selected from the data (keys=None)",
                "0.0",
                "Declare the public keys with keys=[...], or pass e.g. delta=1e-6.",
            )
        )
    return dlt


def _group_sizes(frame: pd.DataFrame, by: list[Hashable], index: pd.Index | None) -> pd.Series:
    counts = frame.groupby(by, sort=True, dropna=False, observed=True).size()
    if index is not None:
        counts = counts.reindex(index, fill_value=0)
    return counts


def noisy_counts(
    df: pd.DataFrame,
    by: Hashable | Sequence[Hashable],
    *,
    epsilon: float,
    keys: object = None,
    delta: float = 0.0,
    user_col: Hashable | None = None,
    max_groups_per_user: int = 1,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> GroupRelease:
    """Noisy number of people (or rows) per group: a segment or cohort retention table.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person, or an event log with ``user_col``.
    by : column name or list of column names
        The group columns (segment; cohort and period; ...).
    epsilon : float
        Privacy cost of the whole table.
    keys : sequence, pandas.Index or None
        Public group keys (tuples for several columns): exactly these groups are released.
        None: groups are selected from the data by a noisy threshold (needs ``delta``).
    delta : float, default 0.0
        Probability budget of the threshold (keys=None only).
    user_col : column name, optional
        The person column of an event log: a group then counts distinct people, and each
        person is kept in at most ``max_groups_per_user`` groups (chosen at random,
        without looking at the data). Without it every row is one person.
    max_groups_per_user : int, default 1
        ``L``: the count vector's L1 sensitivity and the noise scale ``L / epsilon``.
    budget : PrivacyBudget, optional
        Charged ``(epsilon, delta)`` before the release.
    insecure_seed : int, optional
        Reproducible noise for tests only.

    Returns
    -------
    GroupRelease

    Examples
    --------
    A cohort retention table: customers active per cohort and month, each customer
    counted in at most 6 months.

    >>> import pandas as pd
    >>> from precisemkt.privacy import noisy_counts
    >>> events = pd.DataFrame({"customer_id": [1, 1, 2, 3, 3, 3] * 20,
    ...                        "cohort": ["Jan"] * 120,
    ...                        "month": [0, 1, 0, 0, 1, 2] * 20})
    >>> rel = noisy_counts(events, ["cohort", "month"], epsilon=1.0,
    ...                    keys=[("Jan", m) for m in range(3)], user_col="customer_id",
    ...                    max_groups_per_user=3, insecure_seed=0)
    >>> rel.count_scale
    3.0
    """
    frame, cols = _validate_table(df, by, [] if user_col is None else [user_col], user_col)
    epsilon = check_epsilon(epsilon)
    dlt = _check_delta(delta, keys)
    limit = check_int(max_groups_per_user, "max_groups_per_user", low=1, high=MAX_UNITS)
    rand = randomness(insecure_seed)
    frame, index = _select(frame, cols, keys)
    charge(
        budget,
        label="noisy_counts",
        mechanism="discrete_laplace",
        epsilon=epsilon,
        delta=dlt if keys is None else 0.0,
    )
    if user_col is not None:
        frame = frame.drop_duplicates([*cols, user_col])
        frame = _bound_rows(frame, user_col, limit, rand)
    elif limit != 1:
        raise InvalidParameterError(
            format_message(
                "max_groups_per_user",
                "be 1 without user_col (each row is one person)",
                str(limit),
                "Pass user_col= for an event log.",
            )
        )
    sizes = _group_sizes(frame, cols, index)
    noisy = sizes.to_numpy(dtype=np.int64) + laplace_noise(rand, limit, epsilon, len(sizes))
    table = pd.DataFrame({"count": noisy}, index=sizes.index)
    threshold = None
    if keys is None:
        threshold = selection_threshold(epsilon, dlt, limit, 1)
        table = table[table["count"] >= threshold]
    return GroupRelease(
        table,
        epsilon,
        dlt if keys is None else 0.0,
        threshold,
        limit / epsilon,
        None,
        limit,
        None,
        rand.insecure,
    )


def noisy_group_stats(
    df: pd.DataFrame,
    by: Hashable | Sequence[Hashable],
    value_col: Hashable,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    keys: object = None,
    delta: float = 0.0,
    grid_step: float | None = None,
    user_col: Hashable | None = None,
    max_rows_per_user: int = 1,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> GroupRelease:
    """Noisy count, sum and mean of a value per group (e.g. spend per segment).

    Half of ``epsilon`` goes to the counts (and the group selection), half to the sums;
    values are clamped to ``[lower, upper]`` and rounded to ``grid_step`` as in
    :func:`~precisemkt.privacy.laplace_sum`. Each person contributes at most
    ``max_rows_per_user`` rows (chosen at random, without looking at the values), so the
    counts' L1 sensitivity is ``N = max_rows_per_user`` and the sums' is
    ``N * max(|lower|, |upper|)``. The mean is ``sum / count`` (post-processing, clamped
    to the bounds).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per person, or an event log with ``user_col``.
    by : column name or list of column names
        The group columns.
    value_col : column name
        The value to sum and average (no NaN; infinite values are clamped).
    lower, upper : float
        Clamping bounds, chosen without looking at the data.
    epsilon : float
        Privacy cost of the whole table.
    keys, delta : see :func:`noisy_counts`
    grid_step : float, optional
        Resolution of the sums (default as in :func:`~precisemkt.privacy.laplace_sum`).
    user_col : column name, optional
        The person column of an event log.
    max_rows_per_user : int, default 1
        The most rows of one person that enter the table (1 without ``user_col``).
    budget : PrivacyBudget, optional
        Charged ``(epsilon, delta)`` before the release.
    insecure_seed : int, optional
        Reproducible noise for tests only.

    Returns
    -------
    GroupRelease

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from precisemkt.privacy import noisy_group_stats
    >>> rng = np.random.default_rng(0)
    >>> people = pd.DataFrame({"segment": rng.choice(["loyal", "new"], 2000),
    ...                        "spend": rng.gamma(2.0, 50.0, 2000)})
    >>> rel = noisy_group_stats(people, "segment", "spend", lower=0, upper=1000,
    ...                         epsilon=1.0, delta=1e-6, insecure_seed=3)
    >>> sorted(rel.table.columns), rel.grid_step
    (['count', 'mean', 'sum'], 0.1)
    """
    extra = [value_col] + ([] if user_col is None else [user_col])
    frame, cols = _validate_table(df, by, extra, user_col)
    if value_col in cols:
        raise InvalidParameterError(
            format_message("value_col", "not be a group column", show_value(value_col), "")
        )
    values = as_float_array(
        frame[value_col].to_numpy(), f"column {show_value(value_col)}", allow_inf=True
    )
    grid = make_grid(lower, upper, grid_step)
    epsilon = check_epsilon(epsilon)
    dlt = _check_delta(delta, keys)
    limit = check_int(max_rows_per_user, "max_rows_per_user", low=1, high=MAX_UNITS)
    if user_col is None and limit != 1:
        raise InvalidParameterError(
            format_message(
                "max_rows_per_user",
                "be 1 without user_col (each row is one person)",
                str(limit),
                "Pass user_col= for an event log.",
            )
        )
    if limit * grid.max_abs > MAX_UNITS:
        raise InvalidParameterError(
            format_message(
                "max_rows_per_user * bound / grid_step",
                f"be at most {MAX_UNITS:,}",
                f"{limit * grid.max_abs:,}",
                "Use a coarser grid_step or fewer rows per user.",
            )
        )
    rand = randomness(insecure_seed)
    work = frame[cols].copy()
    work["__units"] = grid.units(values)
    if user_col is not None:
        work["__user"] = frame[user_col].to_numpy()
    work, index = _select(work, cols, keys)
    charge(
        budget,
        label="noisy_group_stats",
        mechanism="discrete_laplace",
        epsilon=epsilon,
        delta=dlt if keys is None else 0.0,
    )
    if user_col is not None:
        work = _bound_rows(work, "__user", limit, rand)
    grouped = work.groupby(cols, sort=True, dropna=False, observed=True)["__units"]
    sizes = grouped.size()
    sums = grouped.sum()
    if index is not None:
        sizes = sizes.reindex(index, fill_value=0)
        sums = sums.reindex(index, fill_value=0)
    half = epsilon / 2.0
    m = len(sizes)
    counts = sizes.to_numpy(dtype=np.int64) + laplace_noise(rand, limit, half, m)
    total = sums.to_numpy(dtype=np.int64) + laplace_noise(rand, limit * grid.max_abs, half, m)
    table = pd.DataFrame({"count": counts, "sum": total * grid.step}, index=sizes.index)
    threshold = None
    if keys is None:
        threshold = selection_threshold(half, dlt, limit, limit)
        table = table[table["count"] >= threshold]
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(
            table["count"].to_numpy() > 0,
            np.clip(
                table["sum"].to_numpy() / table["count"].to_numpy(),
                grid.lower * grid.step,
                grid.upper * grid.step,
            ),
            np.nan,
        )
    table["mean"] = mean
    return GroupRelease(
        table,
        epsilon,
        dlt if keys is None else 0.0,
        threshold,
        limit / half,
        limit * grid.max_abs * grid.step / half,
        limit,
        grid.step,
        rand.insecure,
    )


def noisy_histogram(
    values: object,
    *,
    bins: object,
    epsilon: float,
    budget: PrivacyBudget | None = None,
    insecure_seed: int | None = None,
) -> GroupRelease:
    """Noisy counts of values per bin (public bin edges; epsilon-DP).

    Values are clamped into ``[bins[0], bins[-1]]`` (so every record counts once) and
    counted per half-open bin ``[e_i, e_{i+1})`` (the last bin is closed); every count gets
    discrete Laplace noise of scale ``1 / epsilon``.

    Parameters
    ----------
    values : array-like of float
        One value per person (no NaN).
    bins : array-like of float
        Increasing, finite bin edges, chosen without looking at the data.
    epsilon : float
        Privacy cost.
    budget : PrivacyBudget, optional
        Charged before the release.
    insecure_seed : int, optional
        Reproducible noise for tests only.

    Returns
    -------
    GroupRelease

    Examples
    --------
    >>> import numpy as np
    >>> from precisemkt.privacy import noisy_histogram
    >>> rel = noisy_histogram(np.linspace(0, 99, 1000), bins=[0, 25, 50, 100],
    ...                       epsilon=0.5, insecure_seed=2)
    >>> len(rel.table), rel.count_scale
    (3, 2.0)
    """
    x = as_float_array(values, "values", allow_inf=True)
    edges = as_float_array(bins, "bins")
    if edges.size < 2 or not np.all(np.diff(edges) > 0):
        raise InvalidParameterError(
            format_message(
                "bins", "be at least two increasing finite edges", show_value(edges.tolist()), ""
            )
        )
    epsilon = check_epsilon(epsilon)
    rand = randomness(insecure_seed)
    charge(budget, label="noisy_histogram", mechanism="discrete_laplace", epsilon=epsilon)
    clamped = np.clip(x, edges[0], edges[-1])
    which = np.clip(np.searchsorted(edges, clamped, side="right") - 1, 0, edges.size - 2)
    exact = np.bincount(which, minlength=edges.size - 1).astype(np.int64)
    noisy = exact + laplace_noise(rand, 1, epsilon, exact.size)
    index = pd.IntervalIndex.from_breaks(edges, closed="left", name="bin")
    table = pd.DataFrame({"count": noisy}, index=index)
    return GroupRelease(table, epsilon, 0.0, None, 1.0 / epsilon, None, 1, None, rand.insecure)
