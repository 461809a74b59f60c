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


def test_import_loads_nothing_heavy() -> None:
    code = (
        "import sys, json, precisemkt\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith(('numba', 'precisemkt', "
        "'matplotlib', 'scipy', 'pandas')))))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = json.loads(out.stdout)
    assert loaded == ["precisemkt", "precisemkt._version"]


def test_subpackages_load_on_access() -> None:
    assert precisemkt.datasets.load_cdnow is not None
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        precisemkt.nope
    assert "datasets" in dir(precisemkt)
