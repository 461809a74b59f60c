"""The test suite and the package are whole inside the repository.

A fresh clone has nothing beside it, so no file under ``src/`` or ``tests/`` may read a path
outside the clone: no ``../`` path, no climbing above the repository root, no absolute path
to a folder of this machine. Data a test needs ships as package data or under
``tests/data/``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Source text that reaches outside the clone.
OUTSIDE = {
    "a '../' path": re.compile(r"""["'][^"'\n]*\.\./"""),
    "the shared folder beside the clone": re.compile(r"""["']shared["']|shared/data"""),
    "the parent of the repository root": re.compile(r"\bROOT\.parent\b|parents\[\d+\]\.parent"),
    "an absolute path": re.compile(
        r"""["'](?:/(?:work|home|root|mnt|srv|opt|data|Users|var|usr|etc)/|[A-Za-z]:\\\\|~/)"""
    ),
}
SELF = Path(__file__).resolve()


def python_files() -> list[Path]:
    return sorted(
        p for folder in ("src", "tests") for p in (ROOT / folder).rglob("*.py") if p != SELF
    )


def test_there_are_files_to_scan() -> None:
    assert len(python_files()) > 50


@pytest.mark.parametrize(("what", "pattern"), OUTSIDE.items())
def test_no_file_reads_outside_the_repository(what: str, pattern: re.Pattern[str]) -> None:
    hits = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in python_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert not hits, f"{what} found:\n" + "\n".join(hits)


@pytest.mark.parametrize(
    ("line", "caught"),
    [
        ('ADULT = ROOT.parent / "shared" / "data"', True),
        ('pd.read_csv("../shared/data/adult/adult.csv")', True),
        ('open("/work/shared/data/adult/adult.csv")', True),
        ('Path(__file__).resolve().parents[1].parent / "x"', True),
        ('pd.read_csv(ROOT / "tests" / "data" / "golden.json")', False),
        ('resources.files("precisemkt.datasets").joinpath("data", name)', False),
    ],
)
def test_the_scan_catches_what_it_should(line: str, caught: bool) -> None:
    assert any(p.search(line) for p in OUTSIDE.values()) is caught
