"""The ``precisemkt`` command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from precisemkt import __version__
from precisemkt.cli import main
from precisemkt.datasets import load_cdnow


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


def test_export_to_stdout(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["datasets", "export", "donations", "--out", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("frequency,recency,n_periods,count\n")
    assert len(out.splitlines()) == 23
    assert list(tmp_path.iterdir()) == []  # no file named "-"


def test_export_refuses_a_missing_folder_unless_parents(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "a" / "b" / "d.csv"
    assert main(["datasets", "export", "donations", "--out", str(out)]) == 2
    assert "--out's folder must exist" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()
    assert main(["datasets", "export", "donations", "--out", str(out), "--parents"]) == 0
    assert pd.read_csv(out)["count"].sum() == 11104


# -- precisemkt report -----------------------------------------------------------------


@pytest.fixture(scope="module")
def full_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full CDNOW log (23,570 customers) written to CSV by the CLI itself."""
    path = tmp_path_factory.mktemp("cdnow") / "cdnow_full.csv"
    assert main(["datasets", "export", "cdnow-full", "--out", str(path)]) == 0
    return path


def test_report_on_the_full_cdnow_log(
    full_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert main(["report", str(full_csv), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert "columns: customer='customer_id', time='timestamp', amount='amount'" in err
    customers = pd.read_csv(out / "customers.csv")
    assert len(customers) == 23570
    assert customers["customer_id"].is_unique
    for column in ("segment", "lifecycle_stage", "p_alive", "clv", "value_tier", "action"):
        assert customers[column].notna().all(), column
    assert (out / "report.html").read_text().count("data:image/png;base64,") >= 7
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []


def test_report_on_differently_named_columns_from_stdin(full_csv: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(full_csv).sample(frac=0.2, random_state=1)
    frame.columns = ["Client", "Order Date", "Qty", "Sales"]
    text = frame.to_csv(index=False)
    out = tmp_path / "r"
    result = subprocess.run(
        [sys.executable, "-m", "precisemkt.cli", "report", "-", "--out", str(out)],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "customer='Client', time='Order Date', amount='Sales'" in result.stderr
    customers = pd.read_csv(out / "customers.csv")
    assert len(customers) == frame["Client"].nunique()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("customer_id,timestamp,quantity\n1,1997-01-01,2\n", "the amount column must be present"),
        (
            "customer_id,timestamp,amount\n1,yesterday,2.5\n2,tomorrow,3.0\n",
            "column 'timestamp' must hold dates",
        ),
        ("", "ORDERS must not be empty"),
        ("customer_id,timestamp,amount\n", "orders must have at least one row"),
    ],
    ids=["missing-amount", "not-dates", "empty-file", "header-only"],
)
def test_report_bad_files_give_one_error_and_write_nothing(
    content: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "orders.csv"
    source.write_text(content)
    out = tmp_path / "out"
    assert main(["report", str(source), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("precisemkt: error: ")
    assert message in err[0]
    assert not out.exists()


def test_report_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--out", str(tmp_path / "x")]) == 2
    assert "either an ORDERS file or --demo" in capsys.readouterr().err
    assert main(["report", "--demo", "--out", str(tmp_path / "a" / "b")]) == 2
    assert "--parents" in capsys.readouterr().err
    odd = tmp_path / "orders.json"
    odd.write_text("{}")
    assert main(["report", str(odd), "--out", str(tmp_path / "y")]) == 2
    assert "ORDERS must end in .csv" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


def test_report_demo(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    assert main(["report", "--demo", "--quiet", "--currency", "EUR", "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "EUR" in html
    assert len(pd.read_csv(out / "customers.csv")) == 2357
    assert oct((out / "report.html").stat().st_mode & 0o777) != oct(0o600)


def test_report_keeps_sub_second_times(tmp_path: Path) -> None:
    tx = load_cdnow().head(1500)
    rng = np.random.default_rng(0)
    tx["timestamp"] = tx["timestamp"] + pd.to_timedelta(rng.integers(0, 86_400 * 10**9, len(tx)))
    source = tmp_path / "orders.parquet"
    pytest.importorskip("pyarrow")
    tx.to_parquet(source)
    out = tmp_path / "r"
    assert main(["report", str(source), "--quiet", "--out", str(out)]) == 0
    customers = pd.read_csv(out / "customers.csv", parse_dates=["first_purchase"])
    first = tx.groupby("customer_id")["timestamp"].min()
    assert (customers.set_index("customer_id")["first_purchase"] == first).all()


def test_warmup_fills_the_cache(tmp_path: Path) -> None:
    """A first run compiles the domain's kernels into NUMBA_CACHE_DIR; a second loads them."""
    import os

    env = os.environ | {"NUMBA_CACHE_DIR": str(tmp_path), "PRECISEMKT_NUMBA_CACHE": "1"}
    command = [sys.executable, "-m", "precisemkt.cli", "warmup", "--domains", "attribution"]
    first = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    assert "attribution._kernels." in first.stdout
    compiled = int(first.stdout.split("attribution: ")[1].split()[0])
    assert compiled > 0
    assert any(tmp_path.rglob("*.nbi"))  # numba's cache index files
    second = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    assert "attribution: 0 kernel compilations" in second.stdout
    assert "attribution._kernels." not in second.stdout


def test_warmup_rejects_unknown_domains(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warmup", "--domains", "clv,nope"]) == 2
    assert "--domains must name some of profiling" in capsys.readouterr().err
