"""The action table: which campaign suits each RFM segment × lifecycle stage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from precisemkt._validation import format_message, require_columns, require_frame
from precisemkt.errors import ValidationError

__all__ = ["DEFAULT_ACTIONS", "action_table", "suggest_actions"]

_HIGH_VALUE = "Champions|Loyal Customers|Can't Lose Them|At Risk"

#: The default rules, first match wins. ``segment`` and ``lifecycle_stage`` hold one name,
#: several names separated by ``|``, or ``*`` (any). Segments are those of
#: :func:`precisemkt.segmentation.rfm_segments`; stages those of
#: :func:`precisemkt.profiling.lifecycle_stage`.
DEFAULT_ACTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("*", "new", "Onboarding", "Welcome series and a second-purchase incentive."),
    (
        _HIGH_VALUE,
        "at_risk|lapsed",
        "Win-back (high value)",
        "Personal outreach and a strong offer: valuable customers slipping away.",
    ),
    (
        "Champions",
        "active",
        "Loyalty programme",
        "VIP perks, early access; ask for reviews and referrals. No discounts needed.",
    ),
    (
        "Loyal Customers|Potential Loyalist",
        "active",
        "Loyalty and upsell",
        "Membership invitation, recommendations of higher-value products.",
    ),
    (
        "New Customers|Promising",
        "*",
        "Nurture",
        "Recommendations from their first purchases; a reason to come back.",
    ),
    (
        "*",
        "at_risk",
        "Re-engagement reminder",
        "A reminder timed to their usual purchase rhythm, a modest incentive.",
    ),
    ("*", "lapsed", "Win-back offer", "Time-limited discount on categories they bought."),
    (
        "*",
        "churned",
        "Low-cost reactivation",
        "Newsletter only; leave out of paid campaigns unless a reactivation test pays off.",
    ),
    ("*", "*", "Keep in touch", "Regular newsletter and seasonal offers."),
)
_COLUMNS = ["segment", "lifecycle_stage", "action", "description"]


def action_table(actions: Any = None) -> pd.DataFrame:
    """The action rules as a table (the default, or yours checked and normalised).

    Parameters
    ----------
    actions : pandas.DataFrame, optional
        Rules with columns ``segment``, ``lifecycle_stage``, ``action`` and optionally
        ``description``, one rule per row, first match wins. ``segment`` and
        ``lifecycle_stage`` hold a name, several names joined by ``|``, or ``*``. Default:
        :data:`DEFAULT_ACTIONS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``lifecycle_stage``, ``action``, ``description``.

    Raises
    ------
    ValidationError
        A column is missing, a cell is empty, or no rule is a catch-all (``*``, ``*``), so
        some customers would get no action.

    Examples
    --------
    >>> from precisemkt.report import action_table
    >>> action_table().iloc[0].tolist()[:3]
    ['*', 'new', 'Onboarding']
    """
    if actions is None:
        return pd.DataFrame(list(DEFAULT_ACTIONS), columns=_COLUMNS)
    frame = require_frame(actions, "actions")
    require_columns(frame, ["segment", "lifecycle_stage", "action"], name="actions")
    table = frame.reindex(columns=_COLUMNS[:3]).copy()
    table["description"] = (
        frame["description"].astype(object).where(frame["description"].notna(), "")
        if "description" in frame
        else ""
    )
    empty = table[["segment", "lifecycle_stage", "action"]].isna().any(axis=1)
    if empty.any():
        raise ValidationError(
            format_message(
                "actions",
                "have a segment, a lifecycle_stage and an action in every row",
                f"{int(empty.sum())} incomplete row(s) "
                f"(first: row {int(np.flatnonzero(empty)[0])})",
                "Use '*' for 'any'.",
            )
        )
    table = table.astype(str).reset_index(drop=True)
    if not ((table["segment"] == "*") & (table["lifecycle_stage"] == "*")).any():
        raise ValidationError(
            format_message(
                "actions",
                "end with a catch-all rule (segment '*', lifecycle_stage '*')",
                "no such rule",
                "Add a last row '*', '*', 'Keep in touch' so every customer gets an action.",
            )
        )
    return table


def _matches(rule: str, values: Any) -> Any:
    """Which of ``values`` (a str array) a rule cell matches: ``*``, a name, or ``a|b``."""
    if rule.strip() == "*":
        return np.ones(len(values), dtype=bool)
    return np.isin(values, [name.strip() for name in rule.split("|")])


def suggest_actions(
    segment: pd.Series, lifecycle_stage: pd.Series, actions: Any = None
) -> pd.Series:
    """The first matching rule's action for each customer.

    Parameters
    ----------
    segment, lifecycle_stage : pandas.Series
        Per customer, indexed by customer id (aligned on the index).
    actions : pandas.DataFrame, optional
        The rules (see :func:`action_table`).

    Returns
    -------
    pandas.Series
        The action per customer, named ``action``, indexed like ``segment``.

    Examples
    --------
    >>> import pandas as pd
    >>> from precisemkt.report import suggest_actions
    >>> seg = pd.Series(["Champions", "Lost"], index=["a", "b"])
    >>> stage = pd.Series(["active", "churned"], index=["a", "b"])
    >>> suggest_actions(seg, stage).tolist()
    ['Loyalty programme', 'Low-cost reactivation']
    """
    table = action_table(actions)
    if not segment.index.equals(lifecycle_stage.index):
        if not segment.index.sort_values().equals(lifecycle_stage.index.sort_values()):
            raise ValidationError(
                format_message(
                    "segment and lifecycle_stage",
                    "describe the same customers",
                    f"{len(segment)} and {len(lifecycle_stage)} ids that differ",
                    "Pass Series indexed by the same customer ids.",
                )
            )
        lifecycle_stage = lifecycle_stage.reindex(segment.index)
    result = np.full(len(segment), "", dtype=object)
    open_ = np.ones(len(segment), dtype=bool)
    segments = segment.astype(str).to_numpy(dtype=object)
    stages = lifecycle_stage.astype(str).to_numpy(dtype=object)
    for rule in table.itertuples(index=False):
        hit = (
            open_
            & _matches(str(rule.segment), segments)
            & _matches(str(rule.lifecycle_stage), stages)
        )
        result[hit] = rule.action
        open_ &= ~hit
    return pd.Series(result, index=segment.index, name="action")
