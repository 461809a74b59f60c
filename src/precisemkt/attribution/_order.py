"""Choosing the Markov order by out-of-sample prediction of conversion."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from precisemkt._results import Selection
from precisemkt._typing import FloatArray, IntArray, SeedLike
from precisemkt._validation import check_bool, check_int, check_random_state, format_message
from precisemkt.attribution import _kernels as K
from precisemkt.attribution._markov import check_order
from precisemkt.attribution._paths import Journeys, parse_paths, weighted_counts
from precisemkt.errors import ValidationError

__all__ = ["MarkovOrderSelection", "choose_markov_order"]

#: Predicted probabilities are kept inside [_EPS, 1 - _EPS] so one surprise costs at
#: most -log(_EPS) instead of infinity.
_EPS = 1e-9


@dataclasses.dataclass(frozen=True, slots=True)
class MarkovOrderSelection(Selection):
    """Cross-validated scores of Markov chains of order 1 to ``max_order``.

    The library's one "choose a setting" shape (:class:`~precisemkt._results.Selection`,
    as ``choose_k`` returns): ``parameter`` is ``"order"``, ``best`` the chosen order,
    ``criterion`` ``"log_loss"`` and ``scores`` the table; ``best_order`` is kept as an
    alias of ``best``.

    Attributes
    ----------
    parameter : str
        ``"order"``.
    best : int
        The order with the lowest held-out log loss (also ``best_order``).
    criterion : str
        ``"log_loss"``, the column of ``scores`` minimised.
    scores : pandas.DataFrame
        Indexed by order: ``log_loss`` (mean held-out log loss per journey, lower is
        better), ``log_loss_se`` (its standard error over folds) and ``n_states`` (the
        number of states fitted on all journeys).

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import choose_markov_order
    >>> paths = pd.DataFrame({"path": ["a > b", "c > b", "a", "c"],
    ...                       "conversions": [40, 4, 10, 10], "nulls": [60, 96, 90, 90]})
    >>> sel = choose_markov_order(paths, max_order=2, random_state=0)
    >>> sel.parameter, sel.best, sel.best_order
    ('order', 2, 2)
    >>> list(sel.to_frame().columns)
    ['log_loss', 'log_loss_se', 'n_states']
    """

    @property
    def best_order(self) -> int:
        """The chosen order (alias of ``best``, kept for compatibility)."""
        return self.best


def _suffix_keys(tokens: IntArray, offsets: IntArray, order: int, base: int) -> IntArray:
    """The key of each path's last state at this order (its last ``order`` channels)."""
    keys, window_offsets = K.window_keys(tokens, offsets, order, base)
    last: IntArray = keys[window_offsets[1:] - 1]
    return last


def _fold_counts(
    journeys: Journeys, n_folds: int, rng: np.random.Generator
) -> tuple[IntArray, IntArray]:
    """Deal every journey to a fold at random: per-path counts of shape (n_folds, paths)."""
    probabilities = np.full(n_folds, 1.0 / n_folds)
    conv = rng.multinomial(journeys.conversions.astype(np.int64), probabilities).T
    nulls = rng.multinomial(journeys.nulls.astype(np.int64), probabilities).T
    return conv, nulls


def _predict(
    keys: list[IntArray], lengths: IntArray, train_conv: FloatArray, train_null: FloatArray
) -> FloatArray:
    """Conversion probability of each path from its last state, shrunk to lower orders.

    At order ``k`` a state with ``a`` conversions and ``b`` nulls in training predicts
    ``(a + p_parent) / (a + b + 1)``, where ``p_parent`` is the prediction at order
    ``k - 1`` (the overall rate below order 1): a state never seen falls back to its
    suffix, one seen often speaks for itself. A path shorter than ``k - 1`` is the same
    state (the whole path) as at the order before, so its prediction is not shrunk twice.
    """
    n_conv, n_all = train_conv.sum(), train_conv.sum() + train_null.sum()
    prediction = np.full(lengths.size, n_conv / n_all if n_all > 0 else 0.0)
    for order, key in enumerate(keys, start=1):
        unique, inverse = np.unique(key, return_inverse=True)
        a = weighted_counts(inverse, train_conv, unique.size)[inverse]
        b = weighted_counts(inverse, train_null, unique.size)[inverse]
        update = lengths >= order - 1
        prediction = np.where(update, (a + prediction) / (a + b + 1.0), prediction)
    return prediction


def choose_markov_order(
    paths: pd.DataFrame,
    *,
    max_order: int = 4,
    n_folds: int = 5,
    collapse_repeats: bool = True,
    random_state: SeedLike = None,
    path_col: str = "path",
    conversions_col: str = "conversions",
    nulls_col: str = "nulls",
    sep: str = ">",
) -> MarkovOrderSelection:
    """Pick the Markov order that best predicts conversion on held-out journeys.

    In a chain of order ``k`` a journey that ends after its last state ``s`` converts
    with probability ``P(s -> CONVERSION) / (P(s -> CONVERSION) + P(s -> NULL))``: the
    conversion rate of the training journeys whose last ``k`` channels match. Journeys
    are dealt at random into ``n_folds`` folds; each fold is predicted from the others
    and scored by log loss. Rare states are shrunk towards their shorter suffix (a
    pseudo-count of one journey), so a state never seen in training borrows the
    lower-order estimate instead of failing. Higher orders win only when the extra
    history predicts conversion better out of sample.

    Parameters
    ----------
    paths : pandas.DataFrame
        One row per path or journey with whole conversion and null counts.
    max_order : int, default 4
        Highest order tried (orders 1 to ``max_order``).
    n_folds : int, default 5
        Number of cross-validation folds (>= 2).
    collapse_repeats : bool, default True
        Merge consecutive repeats of a channel first, as in :func:`markov_attribution`.
    random_state : int, Generator or None
        Seed of the fold assignment.
    path_col, conversions_col, nulls_col : str
        Column names (``nulls_col`` used when present).
    sep : str, default ">"
        Separator between channels in path strings.

    Returns
    -------
    MarkovOrderSelection
        The shared :class:`~precisemkt._results.Selection` shape: ``best`` (alias
        ``best_order``) and the score table.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.attribution import choose_markov_order
    >>> paths = pd.DataFrame({"path": ["a > b", "c > b"], "conversions": [30, 3],
    ...                       "nulls": [70, 97]})
    >>> choose_markov_order(paths, max_order=3, random_state=1).scores.index.tolist()
    [1, 2, 3]
    """
    journeys = parse_paths(
        paths,
        path_col=path_col,
        conversions_col=conversions_col,
        nulls_col=nulls_col,
        value_col=None,
        sep=sep,
    )
    top = check_order(max_order, len(journeys.channels))
    folds = check_int(n_folds, "n_folds", low=2, hint="Use e.g. n_folds=5.")
    collapse = check_bool(collapse_repeats, "collapse_repeats")
    if not journeys.whole_counts:
        raise ValidationError(
            format_message(
                "conversions and nulls",
                "be whole numbers to deal journeys into folds",
                "fractional counts",
                "Pass counts of journeys.",
            )
        )
    rng = check_random_state(random_state)
    tokens, offsets = journeys.tokens, journeys.offsets
    if collapse:
        tokens, offsets = K.collapse_repeats(tokens, offsets)
    base = len(journeys.channels) + 1
    lengths = np.diff(offsets)
    keys = [_suffix_keys(tokens, offsets, k, base) for k in range(1, top + 1)]
    fold_conv, fold_null = _fold_counts(journeys, folds, rng)
    losses = np.zeros((folds, top))
    for f in range(folds):
        train_conv = journeys.conversions - fold_conv[f]
        train_null = journeys.nulls - fold_null[f]
        held = fold_conv[f].sum() + fold_null[f].sum()
        for k in range(1, top + 1):
            p = np.clip(_predict(keys[:k], lengths, train_conv, train_null), _EPS, 1.0 - _EPS)
            loss = -(fold_conv[f] * np.log(p) + fold_null[f] * np.log1p(-p)).sum()
            losses[f, k - 1] = loss / held if held > 0 else 0.0
    window_counts = [
        np.unique(K.window_keys(tokens, offsets, k, base)[0]).size for k in range(1, top + 1)
    ]
    scores = pd.DataFrame(
        {
            "log_loss": losses.mean(axis=0),
            "log_loss_se": losses.std(axis=0, ddof=1) / np.sqrt(folds),
            "n_states": window_counts,
        },
        index=pd.Index(np.arange(1, top + 1), name="order"),
    )
    return MarkovOrderSelection(
        parameter="order",
        best=int(np.argmin(losses.mean(axis=0))) + 1,
        criterion="log_loss",
        scores=scores,
    )
