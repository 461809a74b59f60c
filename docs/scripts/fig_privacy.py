"""Figures for docs/privacy.md: class sizes before/after, information loss against k.

Also runs ``examples/privacy.py`` and stores its output for the page's worked example.
"""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from precisemkt.datasets import make_people
from precisemkt.plotting import plot_class_sizes, plot_information_loss
from precisemkt.privacy import anonymize, check_anonymity

OUT = Path(__file__).resolve().parents[1] / "figures"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "privacy.py"
QIS = ["age", "zip_code", "sex", "education", "marital_status", "occupation"]


def main() -> None:
    OUT.mkdir(exist_ok=True)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    (OUT / "privacy_example.txt").write_text(buffer.getvalue())
    people, hier = make_people(5000, random_state=0, return_hierarchies=True)
    people = people.drop(columns=["customer_id", "annual_spend"])  # never released
    mondrian_hier = {q: h for q, h in hier.items() if q != "age"}

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    plot_class_sizes(check_anonymity(people, QIS), k=5, ax=axes[0])
    axes[0].set_title("raw table: " + axes[0].get_title())
    res = anonymize(people, QIS, k=5, hierarchies=mondrian_hier, random_state=0)
    plot_class_sizes(res.report, k=5, ax=axes[1])
    axes[1].set_title("Mondrian, k = 5: " + axes[1].get_title())
    fig.tight_layout()
    fig.savefig(OUT / "privacy_class_sizes.png", dpi=110)
    plt.close(fig)

    results = []
    for k in (2, 5, 10, 25, 50):
        results.append(anonymize(people, QIS, k=k, hierarchies=mondrian_hier, random_state=0))
        results.append(
            anonymize(people, QIS, k=k, method="global", hierarchies=hier, max_suppression=0.05)
        )
        results.append(
            anonymize(
                people,
                QIS,
                k=k,
                l=3,
                sensitive="purchase_category",
                hierarchies=mondrian_hier,
                random_state=0,
            )
        )
    fig, ax = plt.subplots(figsize=(6, 3.5))
    plot_information_loss(results, ax=ax)
    ax.set_title("make_people(5000): information loss against k")
    fig.tight_layout()
    fig.savefig(OUT / "privacy_loss_vs_k.png", dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
