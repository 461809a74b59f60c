"""Privacy plots draw on the given axes (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pytest

from precisemkt.datasets import make_people
from precisemkt.errors import InvalidParameterError
from precisemkt.plotting import plot_class_sizes, plot_information_loss
from precisemkt.privacy import anonymize, check_anonymity


def test_class_size_plot_marks_k() -> None:
    people = make_people(500, random_state=0)
    rep = check_anonymity(
        people, ["age", "sex"], identifiers="customer_id", insensitive="annual_spend"
    )
    fig, ax = plt.subplots()
    assert plot_class_sizes(rep, k=5, ax=ax) is ax
    assert ax.get_legend().get_texts()[0].get_text() == "k = 5"
    plt.close(fig)
    ax2 = plot_class_sizes(rep)
    plt.close(ax2.figure)


def test_information_loss_plot_one_line_per_method() -> None:
    people, hier = make_people(500, random_state=1, return_hierarchies=True)
    qis = ["age", "sex", "education"]
    results = [
        anonymize(
            people,
            qis,
            k=k,
            method=m,
            hierarchies=hier if m == "global" else None,
            identifiers="customer_id",
            insensitive="annual_spend",
        )
        for k in (2, 5)
        for m in ("mondrian", "global")
    ]
    ax = plot_information_loss(results)
    assert len(ax.get_lines()) == 2
    plt.close(ax.figure)
    ax = plot_information_loss(results, metric="discernibility")
    assert ax.get_yscale() == "log"
    plt.close(ax.figure)
    with pytest.raises(InvalidParameterError, match="results must hold at least one"):
        plot_information_loss([])
