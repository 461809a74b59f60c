"""Figures for docs/basket.md: rule scatter, rule graph, co-occurrence heat map.

Also runs ``examples/basket.py`` and stores its output for the page's worked example.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.basket import association_rules, baskets_from_orders, frequent_itemsets
from precisemkt.datasets import load_online_retail, make_baskets
from precisemkt.plotting import plot_cooccurrence, plot_rule_graph, plot_rules

OUT = Path(__file__).resolve().parents[1] / "figures"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "basket.py"


def main() -> None:
    OUT.mkdir(exist_ok=True)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    (OUT / "basket_example.txt").write_text(buffer.getvalue())
    baskets = baskets_from_orders(load_online_retail())

    # independent items with three planted rules: by chance alone, rare pairs reach lifts
    # far above the planted ones; the corrected test keeps only the planted rules
    sim = make_baskets(20_000, 400, mean_basket_size=4.0, n_rules=3, random_state=4)
    pairs = association_rules(
        frequent_itemsets(baskets_from_orders(sim.orders), min_support=0.0005, max_len=2),
        min_threshold=0.0,
    )
    fig, ax = plt.subplots(figsize=(7, 4))
    sig = pairs["significant"].to_numpy()
    ax.scatter(pairs["count"][~sig], pairs["lift"][~sig], s=6, color="0.6", label="not significant")
    ax.scatter(
        pairs["count"][sig],
        pairs["lift"][sig],
        s=30,
        color="tab:red",
        label="significant (Holm 5%)",
    )
    ax.axhline(1, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("baskets holding both items")
    ax.set_ylabel("lift")
    ax.set_title(f"{len(pairs):,} pair rules on independent items plus 3 planted rules")
    ax.legend()
    fig.tight_layout()
    fig.savefig(OUT / "basket_chance.png", dpi=110)
    plt.close(fig)

    rules = association_rules(
        frequent_itemsets(baskets, min_support=0.02, max_len=3),
        min_threshold=0.6,
        significant_only=True,
        prune_redundant=True,
    )
    tested = association_rules(
        frequent_itemsets(baskets, min_support=0.02, max_len=3), min_threshold=0.3
    )
    ax = plot_rules(tested)
    ax.figure.tight_layout()
    ax.figure.savefig(OUT / "basket_rules.png", dpi=110)
    plt.close(ax.figure)

    ax = plot_rule_graph(rules, top=12, by="lift")
    ax.figure.tight_layout()
    ax.figure.savefig(OUT / "basket_graph.png", dpi=110)
    plt.close(ax.figure)

    ax = plot_cooccurrence(baskets, top=20, scale="lift")
    ax.figure.tight_layout()
    ax.figure.savefig(OUT / "basket_cooccurrence.png", dpi=110)
    plt.close(ax.figure)


if __name__ == "__main__":
    main()
