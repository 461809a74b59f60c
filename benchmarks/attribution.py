"""Attribution suite: exact Markov, heuristics and exact Shapley against ChannelAttribution.

Data: ``make_journeys(n, channels=10, random_state=0)`` (n = 1M journeys with ``--full``,
100k with ``--quick``), turned into one row per journey with ``paths_from_events``. Both
libraries get the same frame (path, conversions, nulls, value) and parse it themselves.
ChannelAttribution 2.2.5 runs at its default simulation settings (``nsim_start=1e5``,
``max_step`` = longest path, ``conv_par=0.05``, ``nfold=10``, ``ncore=1``) with its
printing turned off. With ``--full`` the suite also writes
``results/attribution_accuracy.md``: our exact credits next to ChannelAttribution's over
several seeds, to show its simulation error.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd

from benchmarks._harness import RESULTS, Case
from precisemkt.attribution import (
    AttributionResult,
    compare_models,
    markov_attribution,
    paths_from_events,
    shapley_attribution,
)
from precisemkt.attribution._heuristic import HEURISTIC_MODELS
from precisemkt.datasets import make_journeys
from precisemkt.errors import DataQualityWarning
from tests.reference import attribution as reference

SUITE = "attribution"
ACCURACY_SEEDS = (0, 100, 200, 300)  # 100 apart: each run seeds its folds seed..seed+9


def _channel_attribution() -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        import ChannelAttribution

    return ChannelAttribution


def _silent(func: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        with contextlib.redirect_stdout(io.StringIO()):
            return func(*args, **kwargs)

    return run


def _rate_shapley(frame: pd.DataFrame) -> AttributionResult:
    """The conversion-rate game (what the reference enumerates), its caveat silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        return shapley_attribution(frame, value="conversion_rate")


def _journey_table(n: int, channels: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    events, paths, _ = make_journeys(n, channels=channels, random_state=0)
    per_journey = paths_from_events(events, value_col="value")
    return events, per_journey[["path", "conversions", "nulls", "value"]], paths


def _accuracy_table(frame: pd.DataFrame, ca: Any) -> str:
    """Markdown: exact credits vs ChannelAttribution's at its defaults over seeds."""
    markov_model = _silent(ca.markov_model)
    lines = [
        "| order | channel | exact (precisemkt) | ChannelAttribution, mean of "
        f"{len(ACCURACY_SEEDS)} seeds | its range over seeds | its largest error |",
        "|---|---|---|---|---|---|",
    ]
    for order in (1, 2, 3):
        exact = markov_attribution(frame, order=order, collapse_repeats=order == 1).conversions
        runs = pd.concat(
            [
                markov_model(
                    frame,
                    "path",
                    "conversions",
                    var_value="value",
                    var_null="nulls",
                    order=order,
                    seed=seed,
                    verbose=False,
                    flg_pro=False,
                ).set_index("channel_name")["total_conversions"]
                for seed in ACCURACY_SEEDS
            ],
            axis=1,
        ).loc[exact.index]
        worst = (runs.sub(exact, axis=0).abs().max(axis=1) / exact * 100).round(2)
        for channel in exact.index:
            lines.append(
                f"| {order} | {channel} | {exact[channel]:,.1f} | {runs.loc[channel].mean():,.1f}"
                f" | {runs.loc[channel].min():,.1f} – {runs.loc[channel].max():,.1f}"
                f" | {worst[channel]:.2f}% |"
            )
    lines += [
        "",
        f"*{len(frame):,} journeys (paths of up to "
        f"{frame['path'].str.count('>').max() + 1} touches); exact credits from "
        "`markov_attribution` (orders 2-3 with "
        "`collapse_repeats=False`, ChannelAttribution's state space); ChannelAttribution "
        f"2.2.5 `markov_model` at its defaults with seeds {', '.join(map(str, ACCURACY_SEEDS))}."
        " The largest error is the largest absolute difference over the seeds, relative to "
        "the exact credit.*",
    ]
    return "\n".join(lines) + "\n"


def cases(quick: bool) -> list[Case]:
    n = 100_000 if quick else 1_000_000
    label = f"{n:,} journeys, 10 channels"
    ca = _channel_attribution()
    events, frame, aggregated = _journey_table(n, 10)
    markov_model = _silent(ca.markov_model)
    heuristic_models = _silent(ca.heuristic_models)
    out: list[Case] = []
    for order in (1, 2, 3):
        out.append(
            Case(
                f"Markov order {order}: exact vs simulation",
                label,
                lambda order=order: markov_attribution(frame, order=order),  # type: ignore[misc]
                rival=lambda order=order: markov_model(  # type: ignore[misc]
                    frame,
                    "path",
                    "conversions",
                    var_value="value",
                    var_null="nulls",
                    order=order,
                    verbose=False,
                    flg_pro=False,
                ),
                rival_name="ChannelAttribution markov_model",
                repeats=3,
                rival_repeats=1,
                rival_warmup=False,
            )
        )
    out.append(
        Case(
            "Markov order 1 on the aggregated path table",
            f"{len(aggregated):,} distinct paths",
            lambda: markov_attribution(aggregated),
            rival=lambda: markov_model(
                aggregated,
                "path",
                "conversions",
                var_value="value",
                var_null="nulls",
                verbose=False,
                flg_pro=False,
            ),
            rival_name="ChannelAttribution markov_model",
            repeats=3,
            rival_repeats=1,
            rival_warmup=False,
        )
    )
    out.append(
        Case(
            "Heuristics: first, last, linear touch",
            label,
            lambda: compare_models(frame, models=["first_touch", "last_touch", "linear"]),
            rival=lambda: heuristic_models(
                frame, "path", "conversions", var_value="value", flg_pro=False
            ),
            rival_name="ChannelAttribution heuristic_models",
            repeats=3,
            rival_repeats=2,
            rival_warmup=False,
        )
    )
    out.append(
        Case(
            "Heuristics: all six models",
            label,
            lambda: compare_models(frame, models=list(HEURISTIC_MODELS)),
            repeats=3,
        )
    )
    for size in [n] if quick else [100_000, n]:
        _, _, wide = _journey_table(size, 20)
        out.append(
            Case(
                "Shapley exact (conversion-rate game), 20 channels",
                f"{size:,} journeys, {len(wide):,} distinct paths",
                lambda wide=wide: _rate_shapley(wide),  # type: ignore[misc]
                repeats=3,
                note="2**20 coalitions, no sampling",
            )
        )
    _, _, small = _journey_table(2_000, 10)
    out.append(
        Case(
            "Shapley exact, 10 channels",
            f"2,000 journeys, {len(small):,} distinct paths",
            lambda: _rate_shapley(small),
            rival=lambda: reference.shapley(
                [
                    ([c.strip() for c in p.split(">")], c, u, v)
                    for p, c, u, v in small.itertuples(index=False)
                ]
            ),
            rival_name="coalition enumeration (tests/reference)",
            repeats=3,
            rival_repeats=1,
            rival_warmup=False,
        )
    )
    out.append(
        Case(
            "paths_from_events",
            f"{len(events):,} events, {n:,} journeys",
            lambda: paths_from_events(events, value_col="value"),
            repeats=2,
        )
    )
    if not quick:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "attribution_accuracy.md").write_text(_accuracy_table(frame, ca))
    return out
