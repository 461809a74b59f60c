"""The ``precisemkt`` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from precisemkt import __version__
from precisemkt.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"precisemkt {__version__}"


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "list"]) == 0
    names = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert names == ["cdnow", "cdnow-full", "donations"]


def test_export_cdnow(tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    assert main(["datasets", "export", "cdnow", "--out", str(out)]) == 0
    frame = pd.read_csv(out)
    assert frame.shape == (6919, 4)
    assert list(frame.columns) == ["customer_id", "timestamp", "quantity", "amount"]


def test_export_unknown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["datasets", "export", "nope", "--out", str(tmp_path / "y.csv")]) == 2
    assert "dataset name must be one of cdnow, cdnow-full, donations; got 'nope'" in (
        capsys.readouterr().err
    )


def test_help_without_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "datasets" in capsys.readouterr().out


def test_module_entry_point(tmp_path: Path) -> None:
    out = tmp_path / "z.csv"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "precisemkt.cli",
            "datasets",
            "export",
            "donations",
            "--out",
            str(out),
        ],
        check=True,
        capture_output=True,
    )
    assert pd.read_csv(out)["count"].sum() == 11104
