"""Reading path tables into the flat arrays every attribution model works on.

A path table has one row per path (or per journey): a path column such as
``"search > email > direct"`` (or a list of channel names), a count of conversions, and
optionally a count of journeys with that path that did not convert (``nulls``), the
conversion value and, for time decay, each touch's time before the journey's end.
Identical paths are merged first, so a table of a million journeys is parsed once per
distinct path.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from precisemkt._grouping import group_sequences
from precisemkt._typing import FloatArray, IntArray
from precisemkt._validation import (
    as_float_array,
    check_non_negative,
    format_message,
    require_columns,
    require_frame,
    show_value,
)
from precisemkt.attribution import _kernels as K
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "COMMON_SEPARATORS",
    "Journeys",
    "check_sep",
    "check_sep_used",
    "parse_paths",
    "row_label",
    "weighted_counts",
]


def weighted_counts(index: IntArray, weights: FloatArray, size: int) -> FloatArray:
    """``out[i] = weights[index == i].sum()`` for ``i < size`` (a typed ``np.bincount``)."""
    out: FloatArray = np.bincount(index, weights, minlength=size).astype(np.float64, copy=False)
    return out


@dataclasses.dataclass(frozen=True, slots=True)
class Journeys:
    """Paths as flat arrays: channel codes of path ``p`` are
    ``tokens[offsets[p]:offsets[p + 1]]`` and index ``channels``.

    ``conversions``, ``nulls`` and ``value`` are per path; ``lags`` (time from each touch to
    its journey's end) is aligned with ``tokens`` or ``None``. ``whole_counts`` says whether
    the counts are whole numbers (needed to resample journeys). Counts and values whose
    sums would overflow float64 (near 1e308) are stored divided by a power of two,
    ``count_scale`` and ``value_scale`` (1 otherwise): every model is unchanged by a
    common scale, and :func:`~precisemkt.attribution._result.build_result` multiplies the
    credits back.
    """

    channels: tuple[str, ...]
    tokens: IntArray
    offsets: IntArray
    conversions: FloatArray
    nulls: FloatArray
    value: FloatArray | None
    lags: FloatArray | None
    whole_counts: bool
    count_scale: float = 1.0
    value_scale: float = 1.0

    @property
    def n_paths(self) -> int:
        """Number of paths (rows after merging duplicates)."""
        return int(self.offsets.size - 1)

    @property
    def lengths(self) -> IntArray:
        """Number of touches of every path."""
        return np.diff(self.offsets)

    @property
    def owner(self) -> IntArray:
        """The path each touch belongs to."""
        return np.repeat(np.arange(self.n_paths, dtype=np.int64), self.lengths)

    def with_counts(
        self, conversions: FloatArray, nulls: FloatArray, value: FloatArray | None
    ) -> Journeys:
        """The same paths with other counts (a bootstrap replicate)."""
        return dataclasses.replace(self, conversions=conversions, nulls=nulls, value=value)

    def resample(self, rng: np.random.Generator) -> Journeys:
        """Draw as many journeys as there are, with replacement (one bootstrap replicate).

        Each (path, outcome) cell is a category of a multinomial draw, so this is the
        ordinary journey bootstrap without expanding the table to one row per journey.
        A replicate's value is its conversions times the path's mean value per conversion.
        """
        cells = np.concatenate([self.conversions, self.nulls])
        total = round(float(cells.sum()))
        draws = rng.multinomial(total, cells / cells.sum()).astype(np.float64)
        conversions, nulls = draws[: self.n_paths], draws[self.n_paths :]
        value = None
        if self.value is not None:
            per_conversion = np.divide(
                self.value,
                self.conversions,
                out=np.zeros_like(self.value),
                where=self.conversions > 0,
            )
            value = conversions * per_conversion
        return self.with_counts(conversions, nulls, value)


def check_sep(sep: object) -> str:
    """The separator with surrounding spaces trimmed; it must keep a visible character."""
    if not isinstance(sep, str):
        raise InvalidParameterError(
            format_message("sep", "be a string", f"{sep!r} ({type(sep).__name__})", "Use '>'.")
        )
    stripped = sep.strip()
    if not stripped:
        raise InvalidParameterError(
            format_message(
                "sep",
                "contain a character other than white space",
                show_value(sep),
                "Channel names are trimmed of spaces, so a separator of spaces is ambiguous; "
                "use e.g. '>'.",
            )
        )
    return stripped


#: Separators people use between channels; a path table split on another ``sep`` that
#: contains none of it but one of these was almost surely given the wrong ``sep``.
COMMON_SEPARATORS = (">", "|", ",", ";", "→")
#: Sums of counts or values larger than this are computed on data divided by a power of two.
_SCALE_ABOVE = 2.0**1000


def check_sep_used(uniques: list[object], sep: str, path_col: str) -> None:
    """Raise when no path string holds ``sep`` but some hold another common separator.

    Without this a table of ``"a > b"`` paths read with ``sep="|"`` would silently treat
    every path as one channel named ``"a > b"``.
    """
    strings = [u for u in uniques if isinstance(u, str)]
    if not strings or any(sep in u for u in strings):
        return
    for other in COMMON_SEPARATORS:
        if other == sep:
            continue
        hits = [u for u in strings if other in u]
        if hits:
            raise ValidationError(
                format_message(
                    "sep",
                    f"occur in the paths of column {path_col!r}",
                    f"sep={sep!r}, found in no path, while {len(hits)} path(s) contain "
                    f"{other!r} (e.g. {show_value(hits[0])})",
                    f"Pass sep={other!r}, or split the paths into lists of channels first.",
                )
            )


def _power_of_two_scale(values: FloatArray) -> float:
    """1, or the power of two bringing a sum that would overflow back into range."""
    total = float(np.sum(values / 2.0**64))  # cannot overflow: entries are finite
    if total * 2.0**64 < _SCALE_ABOVE:
        return 1.0
    return float(2.0 ** (np.floor(np.log2(total)) + 64 - 900))


def row_label(index: pd.Index, position: int) -> str:
    """``"row <label>"`` for the row at ``position`` (numpy scalars shown as plain values)."""
    label = index[position]
    if isinstance(label, np.generic):
        label = label.item()
    return f"row {label!r}"


def _as_tuple(item: object) -> object:
    if isinstance(item, list | np.ndarray):
        return tuple(item)
    return item


def _split_strings(uniques: list[str], sep: str) -> tuple[IntArray, list[str], IntArray]:
    """Split every path string on ``sep``: per-name codes, distinct names, names per path.

    A one-byte separator is found by a compiled scan of the UTF-8 bytes of all paths at
    once, and equal names are grouped from their bytes, without creating a Python string
    per touch; other separators split in Python.
    """
    joined = "\0".join(uniques)
    if len(sep) == 1 and ord(sep) < 128 and joined.count("\0") == len(uniques) - 1:
        buffer = np.frombuffer(joined.encode("utf-8"), np.uint8)
        starts, ends, counts = K.split_paths(buffer, ord(sep))
        codes, first = group_sequences(buffer, starts, ends)
        names = [buffer[starts[i] : ends[i]].tobytes().decode("utf-8") for i in first]
        return codes, names, counts
    counts = np.fromiter((u.count(sep) + 1 for u in uniques), np.int64, count=len(uniques))
    raw_codes, raw_names = pd.factorize(np.array(sep.join(uniques).split(sep), dtype=object))
    return np.asarray(raw_codes, dtype=np.int64), [str(n) for n in raw_names], counts


def _split_sequences(
    uniques: Sequence[object], sep: str, describe: Any
) -> tuple[list[str], IntArray]:
    """Channel names of paths given as sequences; names must be strings without ``sep``."""
    names: list[str] = []
    counts = np.empty(len(uniques), np.int64)
    for i, item in enumerate(uniques):
        if isinstance(item, str):
            parts = item.split(sep)
        elif isinstance(item, tuple):
            parts = []
            for name in item:
                if not isinstance(name, str):
                    raise ValidationError(
                        format_message(
                            f"paths column {describe[0]!r}",
                            "hold channel names as strings",
                            f"{show_value(name)} ({type(name).__name__}) in {describe[1](i)}",
                            "Convert channel identifiers with str() first.",
                        )
                    )
                if sep in name:
                    raise ValidationError(
                        format_message(
                            f"channel name {show_value(name)}",
                            f"not contain the separator {sep!r}",
                            f"it in {describe[1](i)}",
                            "Rename the channel or pass another sep=.",
                        )
                    )
                parts.append(name)
        else:
            raise ValidationError(
                format_message(
                    f"paths column {describe[0]!r}",
                    "hold strings like 'a > b' or sequences of channel names",
                    f"{show_value(item)[:80]} ({type(item).__name__}) in {describe[1](i)}",
                    "Drop rows without a path or build them with paths_from_events().",
                )
            )
        names.extend(parts)
        counts[i] = len(parts)
    return names, counts


def _tokens(
    frame: pd.DataFrame, path_col: str, sep: str
) -> tuple[IntArray, tuple[str, ...], IntArray, IntArray]:
    """Factorise the path column: per-row path code, channels, per-path tokens/offsets."""
    column = frame[path_col]
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except TypeError:
        codes, uniques = pd.factorize(column.map(_as_tuple), use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.int64)
    if (codes < 0).any():
        first = int(np.flatnonzero(codes < 0)[0])
        raise ValidationError(
            format_message(
                f"paths column {path_col!r}",
                "have a path in every row",
                f"{int((codes < 0).sum())} missing value(s) "
                f"(first: {row_label(frame.index, first)})",
                "Drop rows without touches; they cannot be attributed.",
            )
        )
    unique_list = uniques.tolist()

    def where(i: int) -> str:
        return row_label(frame.index, int(np.argmax(codes == i)))

    if pd.api.types.infer_dtype(unique_list, skipna=False) == "string":
        check_sep_used(unique_list, sep, path_col)
        raw_codes, raw_names, counts = _split_strings(unique_list, sep)
    else:
        names, counts = _split_sequences(unique_list, sep, (path_col, where))
        factorized, distinct = pd.factorize(np.array(names, dtype=object))
        raw_codes, raw_names = np.asarray(factorized, np.int64), [str(n) for n in distinct]
    offsets = np.zeros(len(unique_list) + 1, np.int64)
    np.cumsum(counts, out=offsets[1:])
    stripped = [name.strip() for name in raw_names]
    name_codes, channel_index = pd.factorize(np.array(stripped, dtype=object), sort=True)
    token_codes = np.asarray(name_codes, dtype=np.int64)[raw_codes]
    empty_code = stripped.index("") if "" in stripped else -1
    if empty_code >= 0:
        empty_code = int(name_codes[empty_code])
    if empty_code >= 0 or (counts == 0).any():
        path = (
            int(np.searchsorted(offsets, np.argmax(token_codes == empty_code), side="right") - 1)
            if empty_code >= 0
            else int(np.flatnonzero(counts == 0)[0])
        )
        raise ValidationError(
            format_message(
                f"paths column {path_col!r}",
                "hold non-empty channel names",
                f"the path {show_value(unique_list[path])} in {where(path)}",
                f"Remove empty paths and doubled separators ({sep!r}).",
            )
        )
    channels = tuple(str(c) for c in channel_index)
    return codes, channels, token_codes, offsets


def _count_column(frame: pd.DataFrame, col: str, what: str) -> FloatArray:
    values = as_float_array(frame[col], f"paths column {col!r}")
    check_non_negative(values, f"paths column {col!r} ({what})")
    return values


def _lags(frame: pd.DataFrame, col: str, lengths: IntArray) -> FloatArray:
    """Flatten the per-row lag sequences, checking each matches its path's length."""
    column = frame[col]
    try:
        sizes = np.fromiter((len(x) for x in column), np.int64, count=len(column))
    except TypeError as exc:
        raise ValidationError(
            format_message(
                f"paths column {col!r}",
                "hold one sequence of times per row (one time per touch)",
                f"a value of type {type(column.iloc[0]).__name__}",
                "Build the table with paths_from_events(), which fills it.",
            )
        ) from exc
    bad = np.flatnonzero(sizes != lengths)
    if bad.size:
        raise ValidationError(
            format_message(
                f"paths column {col!r}",
                "have one time per touch of the row's path",
                f"{bad.size} row(s) with another count "
                f"(first: {row_label(frame.index, int(bad[0]))}, "
                f"{sizes[bad[0]]} times for {lengths[bad[0]]} touches)",
                "Recompute the lags or drop the column to decay by position.",
            )
        )
    flat = as_float_array(
        np.fromiter(itertools.chain.from_iterable(column), np.float64, count=int(sizes.sum())),
        f"paths column {col!r}",
    )
    check_non_negative(flat, f"paths column {col!r} (time from touch to journey end)")
    return flat


def parse_paths(
    paths: pd.DataFrame,
    *,
    path_col: str,
    conversions_col: str,
    nulls_col: str,
    value_col: str | None,
    sep: str,
    lags_col: str | None = None,
) -> Journeys:
    """Validate a path table and return it as :class:`Journeys`.

    ``nulls_col``, ``value_col`` and ``lags_col`` are used when the frame has them. Rows
    with the same path are merged unless lags are used (each journey keeps its times).
    """
    frame = require_frame(paths, "paths")
    sep = check_sep(sep)
    require_columns(frame, [path_col, conversions_col], name="paths")
    if len(frame) == 0:
        raise ValidationError(
            format_message(
                "paths", "have at least one row", "an empty frame", "Pass at least one journey."
            )
        )
    conversions = _count_column(frame, conversions_col, "conversions")
    nulls = (
        _count_column(frame, nulls_col, "non-converting journeys")
        if nulls_col in frame.columns
        else np.zeros(len(frame))
    )
    value = None
    if value_col is not None and value_col in frame.columns:
        value = _count_column(frame, value_col, "value")
    if value is not None and ((value > 0) & (conversions == 0)).any():
        first = int(np.flatnonzero((value > 0) & (conversions == 0))[0])
        raise ValidationError(
            format_message(
                f"paths column {value_col!r}",
                f"be 0 where {conversions_col!r} is 0",
                f"value {float(value[first])!r} without conversions "
                f"in {row_label(frame.index, first)}",
                "Value is earned by conversions; check the columns are aligned.",
            )
        )
    if not ((conversions > 0).any() or (nulls > 0).any()):  # no sum: it may overflow
        raise ValidationError(
            format_message(
                f"paths columns {conversions_col!r} + {nulls_col!r}",
                "count at least one journey",
                "a total of 0",
                "Pass the counts of converting and non-converting journeys per path.",
            )
        )
    codes, channels, tokens, offsets = _tokens(frame, path_col, sep)
    whole = bool(np.all(conversions == np.round(conversions)) and np.all(nulls == np.round(nulls)))
    count_scale = _power_of_two_scale(np.concatenate([conversions, nulls]))
    value_scale = 1.0 if value is None else _power_of_two_scale(value)
    if count_scale != 1.0:
        conversions, nulls, whole = conversions / count_scale, nulls / count_scale, False
    if value is not None and value_scale != 1.0:
        value = value / value_scale
    lengths = np.diff(offsets)
    if lags_col is None or lags_col not in frame.columns:
        n_unique = offsets.size - 1
        return Journeys(
            channels=channels,
            tokens=tokens,
            offsets=offsets,
            conversions=weighted_counts(codes, conversions, n_unique),
            nulls=weighted_counts(codes, nulls, n_unique),
            value=None if value is None else weighted_counts(codes, value, n_unique),
            lags=None,
            whole_counts=whole,
            count_scale=count_scale,
            value_scale=value_scale,
        )
    row_lengths = lengths[codes]
    row_offsets = np.zeros(codes.size + 1, np.int64)
    np.cumsum(row_lengths, out=row_offsets[1:])
    within = np.arange(row_offsets[-1]) - np.repeat(row_offsets[:-1], row_lengths)
    return Journeys(
        channels=channels,
        tokens=tokens[np.repeat(offsets[codes], row_lengths) + within],
        offsets=row_offsets,
        conversions=conversions,
        nulls=nulls,
        value=value,
        lags=_lags(frame, lags_col, row_lengths),
        whole_counts=whole,
        count_scale=count_scale,
        value_scale=value_scale,
    )
