"""``import precisemkt`` is lazy: it loads no subpackage, no numba, compiles nothing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import precisemkt


def test_version_is_the_single_source() -> None:
    from precisemkt._version import __version__

    assert precisemkt.__version__ == __version__


def _loaded_after(statement: str, prefixes: tuple[str, ...]) -> list[str]:
    """The modules starting with ``prefixes`` loaded by ``statement`` in a fresh interpreter."""
    code = (
        f"import sys, json\n{statement}\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.startswith({prefixes!r}))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded: list[str] = json.loads(out.stdout)
    return loaded


def test_import_loads_nothing_heavy() -> None:
    loaded = _loaded_after(
        "import precisemkt", ("numba", "precisemkt", "matplotlib", "scipy", "pandas")
    )
    assert loaded == ["precisemkt", "precisemkt._version"]


def test_subpackages_load_on_access() -> None:
    assert precisemkt.datasets.load_cdnow is not None
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        precisemkt.nope
    assert "datasets" in dir(precisemkt)


def test_plotting_import_loads_no_matplotlib() -> None:
    assert _loaded_after("import precisemkt.plotting", ("matplotlib", "numba")) == []
    import precisemkt.plotting as plotting

    assert len(plotting.__all__) == len(set(plotting.__all__)) > 0


def test_plotting_type_checking_imports_match_the_table() -> None:
    """The ``TYPE_CHECKING`` imports (for mypy) name the same functions as ``_FUNCTIONS``."""
    import ast
    import inspect

    import precisemkt.plotting as plotting

    tree = ast.parse(inspect.getsource(plotting))
    imported: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "precisemkt.plotting."
        ):
            module = (node.module or "").rsplit(".", 1)[1]
            for alias in node.names:
                assert alias.asname == alias.name  # re-exported for mypy
                imported.setdefault(module, set()).add(alias.name)
    assert imported == {module: set(names) for module, names in plotting._FUNCTIONS.items()}
    for name in plotting.__all__:
        assert getattr(plotting, name).__module__ == f"precisemkt.plotting.{plotting._HOME[name]}"
