"""Put MathJax inside the docs site, so its maths renders offline (no CDN).

Fetches the ``mathjax`` 3.2.2 package from the npm registry (``npm pack``, or the registry's
tarball URL when npm is not installed), checks it against the registry's published
sha512 integrity, and unpacks its ``es5/`` folder (the loader, the TeX/MathML input, the
CommonHTML output and its fonts) into ``docs/javascripts/vendor/mathjax/``, which
``mkdocs.yml`` loads. The folder is not committed (see ``.gitignore``); CI and Read the
Docs run this script before ``mkdocs build``. A second run does nothing.
"""

from __future__ import annotations

import base64
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

VERSION = "3.2.2"
INTEGRITY = (
    "sha512-"
    "Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
)
TARBALL = f"https://registry.npmjs.org/mathjax/-/mathjax-{VERSION}.tgz"
DEST = Path(__file__).resolve().parents[1] / "javascripts" / "vendor" / "mathjax"


def fetch(folder: Path) -> Path:
    """The package tarball in ``folder``: npm pack, else a plain download from the registry."""
    if shutil.which("npm"):
        subprocess.run(
            ["npm", "pack", f"mathjax@{VERSION}", "--silent"],
            cwd=folder,
            check=True,
            capture_output=True,
            timeout=300,
        )
        return folder / f"mathjax-{VERSION}.tgz"
    target = folder / f"mathjax-{VERSION}.tgz"
    with urllib.request.urlopen(TARBALL, timeout=120) as response:
        target.write_bytes(response.read())
    return target


def main() -> int:
    if (DEST / "tex-mml-chtml.js").is_file():
        print(f"MathJax {VERSION} already in {DEST}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        tarball = fetch(Path(tmp))
        digest = base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
        if f"sha512-{digest}" != INTEGRITY:
            print(f"mathjax-{VERSION}.tgz does not match the registry's integrity", file=sys.stderr)
            return 1
        staging = Path(tmp) / "out"
        with tarfile.open(tarball) as archive:
            members = [m for m in archive.getmembers() if m.name.startswith("package/es5/")]
            archive.extractall(staging, members=members, filter="data")
        DEST.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(DEST, ignore_errors=True)
        shutil.move(str(staging / "package" / "es5"), DEST)
    print(f"MathJax {VERSION} unpacked into {DEST}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
