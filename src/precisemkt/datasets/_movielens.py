"""MovieLens 100k, fetched from a package registry (never shipped with precisemkt)."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd

__all__ = ["load_movielens_100k"]

#: The wheel that carries MovieLens 100k as an example data set, and the member read.
RECBOLE = "recbole==1.2.1"
MEMBER = "recbole/dataset_example/ml-100k/ml-100k.inter"


def _cache_dir(cache_dir: str | os.PathLike[str] | None) -> Path:
    if cache_dir is not None:
        return Path(cache_dir)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "precisemkt"


def load_movielens_100k(cache_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """MovieLens 100k ratings (943 users, 1,682 movies, 100,000 ratings).

    The GroupLens licence forbids redistributing MovieLens, so precisemkt does not ship
    it: the first call runs ``pip download --no-deps recbole==1.2.1`` into ``cache_dir``
    (default ``$XDG_CACHE_HOME/precisemkt`` or ``~/.cache/precisemkt``) and reads
    ``recbole/dataset_example/ml-100k/ml-100k.inter`` from the wheel; later calls read the
    cached wheel. Cite Harper & Konstan (2015) when you publish results on it.

    Parameters
    ----------
    cache_dir : path, optional
        Where the wheel is kept.

    Returns
    -------
    DataFrame
        ``user_id``, ``item_id`` (ints), ``rating`` (1-5) and ``timestamp`` (Unix seconds).

    Raises
    ------
    OSError
        The wheel is not cached and could not be downloaded (no network or no pip).
    """
    folder = _cache_dir(cache_dir)
    wheels = sorted(folder.glob("recbole-1.2.1-*.whl"))
    if not wheels:
        folder.mkdir(parents=True, exist_ok=True)
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "-q",
            "-d",
            str(folder),
            RECBOLE,
        ]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            raise OSError(f"could not run pip to fetch {RECBOLE}: {exc}") from exc
        wheels = sorted(folder.glob("recbole-1.2.1-*.whl"))
        if done.returncode != 0 or not wheels:
            raise OSError(
                f"pip download {RECBOLE} failed (exit {done.returncode}): "
                f"{done.stderr.strip()[-300:]}"
            )
    with zipfile.ZipFile(wheels[0]) as wheel, wheel.open(MEMBER) as handle:
        frame = pd.read_csv(handle, sep="\t")
    frame.columns = ["user_id", "item_id", "rating", "timestamp"]
    return frame.astype({"user_id": "int64", "item_id": "int64", "rating": "int64"})
