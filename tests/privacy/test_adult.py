"""The Adult benchmark of ``load_adult()`` (figures from ARX 3.9.2, as in the data's README).

The README's nodes are not listed, only their figures; the five nodes below are the ones
ARX's default "Loss" metric picks (geometric mean of per-attribute loss, gs-factor 0.5):
their suppressed-record counts and discernibility equal the README's exactly, which
identifies them. GCP is Ghinita et al.'s (categorical value covering u of |A| leaves costs
u/|A|, a single leaf 0; suppressed records cost 1), which reproduces the README's GCP of
those nodes to within 0.0013; the residue comes from age, whose table hierarchy we
measure in leaves (20/100 for a 20-year band) where the README measured the interval
width (19/99): with that age penalty all four 5%-rows match to the third decimal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from precisemkt.datasets import load_adult
from precisemkt.privacy import Hierarchy, anonymize
from tests.reference import privacy as ref

QIS = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
]

# (k, max suppression) -> (ARX's node, README suppressed, README GCP, README discernibility)
README = {
    (2, 0.00): ((0, 4, 0, 1, 3, 2, 2, 1), 0, 0.607, None),
    (2, 0.05): ((0, 3, 0, 0, 2, 1, 0, 1), 1240, 0.188, 4.50e7),
    (5, 0.05): ((0, 3, 0, 0, 1, 1, 1, 2), 1458, 0.298, 6.43e7),
    (10, 0.05): ((0, 3, 0, 1, 1, 1, 1, 2), 1484, 0.360, 6.96e7),
    (25, 0.05): ((0, 3, 0, 2, 2, 1, 1, 2), 1403, 0.436, 1.00e8),
}


@pytest.fixture(scope="module")
def adult() -> pd.DataFrame:
    return load_adult().table


@pytest.fixture(scope="module")
def hierarchies() -> dict[str, Hierarchy]:
    return {q: load_adult().hierarchies[q] for q in QIS}


@pytest.mark.slow
def test_readme_nodes_reproduce_the_published_figures(adult, hierarchies) -> None:  # type: ignore[no-untyped-def]
    codes, ncp = [], []
    for q in QIS:
        b = hierarchies[q]._bind(adult[q], q)
        codes.append([b.row_codes(level) for level in range(b.n_levels)])
        ncp.append([b.ncp[level][b.row_codes(level)] for level in range(b.n_levels)])
    for (k, supp), (node, n_supp, gcp, dm) in README.items():
        max_out = int(supp * len(adult))
        req = ref.Requirement(k)
        feasible, loss, kept = ref.evaluate_node(codes, ncp, node, None, False, req, max_out, "gcp")
        assert feasible
        assert int((~kept).sum()) == n_supp
        assert loss == pytest.approx(gcp, abs=0.0015)
        if dm is not None:
            _, disc, _ = ref.evaluate_node(
                codes, ncp, node, None, False, req, max_out, "discernibility"
            )
            assert disc == pytest.approx(dm, rel=0.005)


@pytest.mark.slow
@pytest.mark.parametrize(("k", "supp"), [(5, 0.05), (10, 0.05), (2, 0.0)])
def test_global_reaches_the_reference_optimum(adult, hierarchies, k, supp) -> None:  # type: ignore[no-untyped-def]
    """Acceptance: GCP <= README + 0.005 (ours is the GCP optimum, so it is below)."""
    res = anonymize(adult, QIS, k=k, method="global", hierarchies=hierarchies, max_suppression=supp)
    _, _, gcp, _ = README[(k, supp)]
    assert res.information_loss.gcp <= gcp + 0.005
    assert res.report.k >= k
    assert res.n_suppressed <= supp * len(adult)
    # the optimum over all 6,480 lattice nodes by plain exhaustive search (numpy, one
    # np.unique per node; benchmarks/privacy.py recomputes and checks it in --full runs)
    expected = {(5, 0.05): 0.29609, (10, 0.05): 0.36004, (2, 0.0): 0.60648}[(k, supp)]
    assert res.information_loss.gcp == pytest.approx(expected, abs=5e-6)


@pytest.mark.slow
def test_mondrian_k10_gcp(adult, hierarchies) -> None:  # type: ignore[no-untyped-def]
    """Acceptance: strict Mondrian at k = 10 reaches GCP <= 0.15 (age as numeric ranges;
    Basic Mondrian's published figure is about 0.12)."""
    hier = {q: h for q, h in hierarchies.items() if q != "age"}
    res = anonymize(adult, QIS, k=10, hierarchies=hier, random_state=0)
    assert res.information_loss.gcp <= 0.15
    assert res.report.k >= 10
    assert res.n_suppressed == 0
    assert np.isclose(res.information_loss.ncp.mean(), res.information_loss.gcp)
