"""Privacy suite: check_anonymity, optimal global recoding and Mondrian.

* ``check_anonymity`` on ``make_people`` tables with 8 quasi-identifiers (age, zip code,
  sex, education, marital status, occupation, income band, spend band; 1M rows, about
  955k classes), k only and with l/t of ``purchase_category``; pycanon 1.3.6 runs the
  same check (k only at 1M rows; k, l, entropy l and t at 20k rows, since it loops over
  classes in Python: at 1M rows that check would take far longer and is not run).
* Optimal full-domain generalisation of Adult (`load_adult()`, 8 QIs, ARX's
  hierarchies): against anjana 1.2.3's greedy k-anonymity (k = 5, 5 % suppression) and
  against a plain exhaustive search over all 6,480 lattice nodes (numpy), which must find
  the same minimum GCP (checked here). GCPs go into the table's notes.
* Mondrian at k = 10 on Adult and on 1M x 6 quasi-identifiers.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._harness import Case
from precisemkt.datasets import load_adult, make_people
from precisemkt.privacy import Hierarchy, anonymize, check_anonymity

SUITE = "privacy"

ADULT_QIS = [
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
]
PEOPLE_QIS = [
    "age",
    "zip_code",
    "sex",
    "education",
    "marital_status",
    "occupation",
    "income_band",
    "spend_band",
]
SPEND_BANDS = [0, 100, 200, 300, 400, 500, 600, 800, 1000, 1500, 2000, 3000, 5000, np.inf]
README_GCP = {5: 0.298, 10: 0.360}


def _quiet(func: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


def _adult() -> tuple[pd.DataFrame, dict[str, Hierarchy]]:
    df, hierarchies = load_adult()
    hier = {q: hierarchies[q] for q in ADULT_QIS}
    return df, hier


def _exhaustive_gcp(
    df: pd.DataFrame, hier: dict[str, Hierarchy], k: int, max_suppression: float
) -> float:
    """Minimum GCP over every lattice node, one np.unique per node (the plain way)."""
    n, q = len(df), len(ADULT_QIS)
    codes, ncp = [], []
    for col in ADULT_QIS:
        b = hier[col]._bind(df[col], col)
        codes.append([b.row_codes(level) for level in range(b.n_levels)])
        ncp.append([b.ncp[level][b.row_codes(level)] for level in range(b.n_levels)])
    best = np.inf
    for node in itertools.product(*[range(len(c)) for c in codes]):
        key = np.zeros(n, dtype=np.int64)
        for j, level in enumerate(node):
            key = key * (int(codes[j][level].max()) + 1) + codes[j][level]
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        out = counts[inverse] < k
        if out.sum() > max_suppression * n:
            continue
        row = sum(ncp[j][level] for j, level in enumerate(node))
        best = min(best, float((row[~out].sum() + out.sum() * q) / (n * q)))
    return best


def _anjana_gcp(
    df: pd.DataFrame, hier: dict[str, Hierarchy], k: int, supp: float
) -> tuple[Any, float]:
    """Run anjana's k_anonymity and measure the GCP of its output the same way."""
    from anjana.anonymity import k_anonymity

    data = df.astype(str).astype(object)
    tables = {q: hier[q].table() for q in ADULT_QIS}
    levels = {q: {i: t[i].to_numpy(dtype=object) for i in t.columns} for q, t in tables.items()}
    # anjana 1.2.3 predates pandas' string dtype: keep object columns while it runs
    with pd.option_context("future.infer_string", False):
        out = _quiet(k_anonymity, data, [], ADULT_QIS, k, supp * 100, levels)
    n, total = len(df), 0.0
    for q in ADULT_QIS:
        table = tables[q]
        values = set(out[q])
        level = next(lv for lv in table.columns if values <= set(table[lv]))
        leaves = table[level].value_counts()
        ncp = np.where(leaves.to_numpy() > 1, leaves.to_numpy() / len(table), 0.0)
        total += float(out[q].map(pd.Series(ncp, index=leaves.index)).sum()) + (n - len(out))
    return out, total / (n * len(ADULT_QIS))


def _pycanon_full(data: pd.DataFrame, qis: list[str], sensitive: str) -> None:
    from pycanon import anonymity as pa

    _quiet(pa.k_anonymity, data, qis)
    _quiet(pa.l_diversity, data, qis, [sensitive])
    _quiet(pa.entropy_l_diversity, data, qis, [sensitive])
    _quiet(pa.t_closeness, data, qis, [sensitive])


def _pycanon_k(data: pd.DataFrame, qis: list[str]) -> None:
    from pycanon import anonymity as pa

    _quiet(pa.k_anonymity, data, qis)


def cases(quick: bool) -> list[Case]:
    big = 100_000 if quick else 1_000_000
    small = 2_000 if quick else 20_000
    people = make_people(big, random_state=0)
    people["spend_band"] = pd.cut(people["annual_spend"], SPEND_BANDS, labels=False)
    people = people.drop(columns=["customer_id", "annual_spend"])  # identifiers never leave
    sample = people.iloc[:small].reset_index(drop=True)
    n_classes = check_anonymity(people, PEOPLE_QIS).n_classes
    out = [
        Case(
            f"check_anonymity, 8 QIs, k only ({n_classes:,} classes)",
            f"{big:,} rows",
            lambda: check_anonymity(people, PEOPLE_QIS),
            rival=lambda: _pycanon_k(people, PEOPLE_QIS),
            rival_name="pycanon 1.3.6",
            repeats=3,
            rival_repeats=1,
            rival_warmup=False,
        ),
        Case(
            "check_anonymity, 8 QIs + sensitive (k, l, entropy l, t)",
            f"{big:,} rows",
            lambda: check_anonymity(people, PEOPLE_QIS, sensitive="purchase_category"),
            repeats=3,
            note="pycanon not run at this size",
        ),
        Case(
            "check_anonymity, 8 QIs + sensitive (k, l, entropy l, t)",
            f"{small:,} rows",
            lambda: check_anonymity(sample, PEOPLE_QIS, sensitive="purchase_category"),
            rival=lambda: _pycanon_full(sample, PEOPLE_QIS, "purchase_category"),
            rival_name="pycanon 1.3.6",
            repeats=3,
            rival_repeats=1,
            rival_warmup=False,
        ),
    ]

    adult, hier = _adult()
    adult_mondrian = {q: h for q, h in hier.items() if q != "age"}
    results = {}
    for k in (5, 10):
        res = anonymize(
            adult, ADULT_QIS, k=k, method="global", hierarchies=hier, max_suppression=0.05
        )
        results[k] = res.information_loss.gcp
    mondrian = anonymize(
        adult, ADULT_QIS, k=10, hierarchies=adult_mondrian, random_state=0
    ).information_loss.gcp

    def glob(k: int, supp: float) -> Any:
        return anonymize(
            adult, ADULT_QIS, k=k, method="global", hierarchies=hier, max_suppression=supp
        )

    note5 = f"GCP {results[5]:.4f}; ARX reference 0.298"
    if not quick:
        _, anjana_gcp = _anjana_gcp(adult, hier, 5, 0.05)
        note5 += f"; anjana GCP {anjana_gcp:.4f}"
    out.append(
        Case(
            "anonymize global, Adult, k=5, 5% suppression",
            "30,162 x 8 QIs",
            lambda: glob(5, 0.05),
            rival=None if quick else lambda: _anjana_gcp(adult, hier, 5, 0.05),
            rival_name=None if quick else "anjana 1.2.3 (greedy)",
            repeats=5,
            rival_repeats=1,
            rival_warmup=False,
            note=note5,
        )
    )
    note10 = f"GCP {results[10]:.4f}; ARX reference 0.360"
    if not quick:
        plain = _exhaustive_gcp(adult, hier, 10, 0.05)
        if abs(plain - results[10]) > 1e-9:
            raise AssertionError(f"bounded search {results[10]} != exhaustive {plain}")
        note10 += f"; exhaustive search agrees ({plain:.4f})"
    out.append(
        Case(
            "anonymize global, Adult, k=10, 5% suppression",
            "30,162 x 8 QIs",
            lambda: glob(10, 0.05),
            rival=None if quick else lambda: _exhaustive_gcp(adult, hier, 10, 0.05),
            rival_name=None if quick else "plain exhaustive search (numpy)",
            repeats=5,
            rival_repeats=1,
            rival_warmup=False,
            note=note10,
        )
    )
    zero = glob(2, 0.0).information_loss.gcp
    out.append(
        Case(
            "anonymize global, Adult, k=2, no suppression",
            "30,162 x 8 QIs",
            lambda: glob(2, 0.0),
            repeats=5,
            note=f"GCP {zero:.4f}; ARX reference 0.607",
        )
    )
    out.append(
        Case(
            "anonymize mondrian, Adult, k=10",
            "30,162 x 8 QIs",
            lambda: anonymize(adult, ADULT_QIS, k=10, hierarchies=adult_mondrian, random_state=0),
            repeats=5,
            note=f"GCP {mondrian:.4f}; Basic Mondrian reported ~0.12",
        )
    )
    hier6 = {
        q: h
        for q, h in make_people(10, random_state=0, return_hierarchies=True)[1].items()
        if q != "age"
    }
    qis6 = PEOPLE_QIS[:6]
    out.append(
        Case(
            "anonymize mondrian, 6 QIs, k=10",
            f"{big:,} rows",
            lambda: anonymize(people, qis6, k=10, hierarchies=hier6, random_state=0),
            repeats=3,
        )
    )
    return out
