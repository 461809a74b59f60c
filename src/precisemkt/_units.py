"""Time units that travel with the data: one vocabulary of period aliases.

Every function that takes a period (``freq``) accepts the same spellings: pandas' offset
aliases for fixed-length periods, ``"W"`` (week), ``"D"`` (day), ``"h"`` (hour),
``"min"`` (minute) and ``"s"`` (second), and nothing else. A duration measured in periods
of ``freq`` divided by ``multiplier`` is a :class:`TimeUnit` (``TimeUnit("D", 7)`` is a
week measured to the day). :func:`precisemkt.profiling.rfm_summary` writes its unit into
the frame's ``attrs`` (``attrs["time_unit"] = {"freq": "D", "multiplier": 7.0}``); models
fitted on such a frame keep it as ``time_unit_``, and functions that take an explicit
``freq`` check it against the recorded unit with :func:`resolve_time_unit`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Mapping
from typing import Any

from precisemkt._validation import check_interval, format_message, show_value
from precisemkt.errors import InvalidParameterError, ValidationError

__all__ = [
    "ATTRS_KEY",
    "PERIOD_DAYS",
    "TimeUnit",
    "check_freq",
    "resolve_time_unit",
    "time_unit_of",
]

#: The ``attrs`` key under which a frame records its time unit.
ATTRS_KEY = "time_unit"

#: Length in days of one period of each accepted alias (pandas' offset aliases).
PERIOD_DAYS: dict[str, float] = {
    "W": 7.0,
    "D": 1.0,
    "h": 1.0 / 24.0,
    "min": 1.0 / 1_440.0,
    "s": 1.0 / 86_400.0,
}

#: Spellings pandas has deprecated or that mean something else, with the alias meant.
_MEANT = {"H": "h", "T": "min", "S": "s", "d": "D", "w": "W", "m": "min", "sec": "s"}
_NAMES = {"W": "week", "D": "day", "h": "hour", "min": "minute", "s": "second"}


def check_freq(freq: Any, name: str = "freq") -> str:
    """Return ``freq`` if it is one of the accepted period aliases, otherwise raise.

    Examples
    --------
    >>> check_freq("h")
    'h'
    """
    if isinstance(freq, str) and freq in PERIOD_DAYS:
        return freq
    hint = "Use pandas' offset aliases: 'W', 'D', 'h', 'min' or 's'."
    if isinstance(freq, str) and freq in _MEANT:
        hint = f"Did you mean {_MEANT[freq]!r}? " + hint
    raise InvalidParameterError(
        format_message(name, "be one of 'W', 'D', 'h', 'min', 's'", show_value(freq), hint)
    )


@dataclasses.dataclass(frozen=True, slots=True)
class TimeUnit:
    """Durations counted in periods of ``freq``, divided by ``multiplier``.

    Examples
    --------
    >>> week = TimeUnit("D", 7)
    >>> week.days, str(week), week == TimeUnit("D", 7.0)
    (7.0, '7 days', True)
    """

    freq: str
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        check_freq(self.freq)
        mult = check_interval(self.multiplier, "freq_multiplier", low=0, closed="neither")
        object.__setattr__(self, "multiplier", mult)

    @property
    def days(self) -> float:
        """Length of one unit in days."""
        return PERIOD_DAYS[self.freq] * self.multiplier

    def to_attrs(self) -> dict[str, Any]:
        """The unit as a plain dict, for a frame's ``attrs``."""
        return {"freq": self.freq, "multiplier": self.multiplier}

    def same_length(self, other: TimeUnit) -> bool:
        """True when both units last equally long (``W`` equals ``D`` times 7)."""
        return math.isclose(self.days, other.days, rel_tol=1e-12)

    def __str__(self) -> str:
        count = self.multiplier
        word = _NAMES[self.freq]
        if count == 1:
            return word
        shown = f"{count:g}"
        return f"{shown} {word}s"


def time_unit_of(obj: Any) -> TimeUnit | None:
    """The unit recorded in a pandas object's ``attrs`` (``None`` when there is none).

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"T": [1.0]})
    >>> s.attrs["time_unit"] = {"freq": "D", "multiplier": 7.0}
    >>> time_unit_of(s)
    TimeUnit(freq='D', multiplier=7.0)
    """
    attrs = getattr(obj, "attrs", None)
    if not isinstance(attrs, Mapping) or ATTRS_KEY not in attrs:
        return None
    raw = attrs[ATTRS_KEY]
    try:
        return TimeUnit(str(raw["freq"]), float(raw.get("multiplier", 1.0)))
    except (KeyError, TypeError, AttributeError, InvalidParameterError) as exc:
        raise ValidationError(
            format_message(
                f"attrs[{ATTRS_KEY!r}]",
                "be a dict with a period alias 'freq' and a positive 'multiplier'",
                show_value(raw),
                "Rebuild the frame with precisemkt.profiling.rfm_summary or drop the entry.",
            )
        ) from exc


def resolve_time_unit(
    recorded: TimeUnit | None,
    freq: Any,
    multiplier: Any = 1,
    *,
    name: str = "freq",
    default: TimeUnit | None = None,
) -> TimeUnit | None:
    """The unit to use: the recorded one, checked against an explicit ``freq``.

    ``freq=None`` means "use the recorded unit" (or ``default`` when nothing is recorded).
    An explicit ``freq`` (with ``multiplier``) that lasts a different time than the
    recorded unit raises :class:`ValidationError`.

    Examples
    --------
    >>> resolve_time_unit(TimeUnit("D", 7), "W")
    TimeUnit(freq='W', multiplier=1.0)
    >>> resolve_time_unit(None, None, default=TimeUnit("D"))
    TimeUnit(freq='D', multiplier=1.0)
    """
    if freq is None:
        return recorded if recorded is not None else default
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real):
        raise InvalidParameterError(
            format_message("freq_multiplier", "be a positive number", show_value(multiplier), "")
        )
    explicit = TimeUnit(check_freq(freq, name), float(multiplier))
    if recorded is not None and not explicit.same_length(recorded):
        raise ValidationError(
            format_message(
                name,
                f"agree with the data's time unit ({recorded}, recorded by rfm_summary)",
                f"{name}={freq!r}"
                + (f" × {multiplier:g}" if multiplier != 1 else "")
                + f" ({explicit})",
                f"Drop {name} to use the recorded unit, or rebuild the summary in the unit "
                "you mean.",
            )
        )
    return explicit
