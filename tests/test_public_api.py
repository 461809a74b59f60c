"""Each ``__all__`` equals the names documented in ``docs/reference/*.md``.

A reference page documents a public name with a line ``::: precisemkt.<module>.<name>``;
a subpackage counts as documented in ``precisemkt.__all__`` when it has its own page.
"""

from __future__ import annotations

import importlib
import re
from collections import defaultdict

import pytest

import precisemkt
from tests.conftest import ROOT

REFERENCE = ROOT / "docs" / "reference"
LINE = re.compile(r"^::: (precisemkt(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\.([A-Za-z_][A-Za-z0-9_]*)\s*$")


def documented() -> dict[str, set[str]]:
    names: dict[str, set[str]] = defaultdict(set)
    for page in sorted(REFERENCE.glob("*.md")):
        for line in page.read_text().splitlines():
            match = LINE.match(line)
            if match:
                names[match.group(1)].add(match.group(2))
    return names


def public_modules() -> list[str]:
    return ["precisemkt"] + [
        f"precisemkt.{name}" for name in precisemkt.__all__ if name != "__version__"
    ]


@pytest.mark.parametrize("module_name", public_modules())
def test_all_equals_documented(module_name: str) -> None:
    module = importlib.import_module(module_name)
    docs = documented()[module_name]
    if module_name == "precisemkt":
        docs = docs | {name for name in precisemkt.__all__ if (REFERENCE / f"{name}.md").exists()}
    assert sorted(module.__all__) == sorted(docs)


@pytest.mark.parametrize("module_name", public_modules())
def test_all_names_exist(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name), f"{module_name}.{name} is in __all__ but missing"


def test_every_subpackage_is_listed() -> None:
    src = ROOT / "src" / "precisemkt"
    packages = {p.parent.name for p in src.glob("*/__init__.py")}
    assert packages <= set(precisemkt.__all__)
