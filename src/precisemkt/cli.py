"""The ``precisemkt`` command.

``precisemkt --version`` prints the version; ``precisemkt datasets list`` lists the bundled
datasets and ``precisemkt datasets export NAME --out FILE.csv`` writes one to CSV.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from precisemkt._version import __version__

__all__ = ["main"]


def _datasets() -> dict[str, tuple[str, Callable[[], pd.DataFrame]]]:
    from precisemkt import datasets

    return {
        "cdnow": (
            "CDNOW sample: 2,357 customers, 6,919 purchase records (1997-01 to 1998-06)",
            datasets.load_cdnow,
        ),
        "cdnow-full": (
            "CDNOW full log: 23,570 customers, 69,659 purchase records",
            lambda: datasets.load_cdnow(sample=False),
        ),
        "donations": (
            "Donation patterns for BG/BB: 11,104 donors over 6 years, 22 rows with counts",
            datasets.load_donations,
        ),
    }


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="precisemkt", description="Fast, provably correct marketing analytics."
    )
    parser.add_argument("--version", action="version", version=f"precisemkt {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    data = commands.add_parser("datasets", help="list or export the bundled datasets")
    actions = data.add_subparsers(dest="action", metavar="ACTION")
    actions.add_parser("list", help="list the bundled datasets")
    export = actions.add_parser("export", help="write a bundled dataset to a CSV file")
    export.add_argument("name", help="dataset name (see 'precisemkt datasets list')")
    export.add_argument("--out", required=True, type=Path, help="CSV file to write")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Examples
    --------
    >>> main(["datasets", "list"])  # doctest: +ELLIPSIS
    cdnow ...
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command != "datasets" or args.action is None:
        parser.print_help()
        return 0 if args.command is None else 2
    available = _datasets()
    if args.action == "list":
        width = max(map(len, available))
        for name, (description, _) in available.items():
            print(f"{name:<{width}}  {description}")
        return 0
    if args.name not in available:
        print(
            f"precisemkt: dataset name must be one of {', '.join(available)}; got "
            f"{args.name!r}. Run 'precisemkt datasets list'.",
            file=sys.stderr,
        )
        return 2
    frame = available[args.name][1]()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(args.out, index=False)
    print(f"wrote {len(frame):,} rows to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
