"""The ``precisemkt`` command.

``precisemkt report ORDERS --out DIR`` turns an orders file into a marketing report
(``DIR/report.html``) and a scored customer table (``DIR/customers.csv``);
``precisemkt report --demo --out DIR`` does it on the bundled CDNOW data.
``precisemkt --version`` prints the version; ``precisemkt datasets list`` lists the bundled
datasets and ``precisemkt datasets export NAME --out FILE.csv`` writes one to CSV
(``--out -`` writes to standard output).
``precisemkt warmup`` compiles every numba kernel once (each domain's quickstart on tiny
data) so that numba's on-disk cache is filled, e.g. when building an image or a CI cache;
``--domains clv,basket`` picks domains.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from textwrap import shorten

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
    export.add_argument("--out", required=True, help="CSV file to write ('-': standard output)")
    export.add_argument(
        "--parents", action="store_true", help="create the output's missing folders"
    )

    report = commands.add_parser(
        "report",
        help="marketing report and scored customer table from an orders file",
        description=(
            "Read ORDERS (CSV, Parquet or Excel by extension; '-' reads CSV from standard "
            "input), find its customer, date and amount columns, and write DIR/report.html "
            "and DIR/customers.csv (and customers.parquet when pyarrow is installed)."
        ),
    )
    report.add_argument("orders", nargs="?", help="orders file, or '-' for CSV on stdin")
    report.add_argument("--demo", action="store_true", help="use the bundled CDNOW data")
    report.add_argument("--out", default="report", help="output folder (default: report)")
    report.add_argument("--parents", action="store_true", help="create missing parent folders")
    report.add_argument("--customer-col", help="customer id column (default: detected)")
    report.add_argument("--date-col", help="order date column (default: detected)")
    report.add_argument("--amount-col", help="order value column (default: detected)")
    report.add_argument("--order-col", help="order id column (default: detected if present)")
    report.add_argument("--channel-col", help="sales channel column (default: detected)")
    report.add_argument("--observation-end", help="end of the observation window (a date)")
    report.add_argument("--holdout-days", type=int, help="holdout period for the CLV model check")
    report.add_argument("--currency", default="USD", help="currency label (default: USD)")
    report.add_argument(
        "--horizon-months", type=int, default=12, help="CLV horizon in months (default: 12)"
    )
    report.add_argument("--actions", help="CSV file with your action rules")
    report.add_argument("--quiet", action="store_true", help="no progress bar or messages")

    from precisemkt._warmup import DOMAINS

    warm = commands.add_parser(
        "warmup",
        help="compile every numba kernel once (fills the on-disk cache)",
        description=(
            "Run each domain's quickstart on tiny synthetic data so that numba compiles its "
            "kernels and writes them to its on-disk cache (NUMBA_CACHE_DIR, by default the "
            "package's __pycache__ folders); later processes load them instead of compiling. "
            "Prints the kernels compiled and the time taken."
        ),
    )
    warm.add_argument(
        "--domains",
        default=",".join(DOMAINS),
        help=f"comma-separated domains (default all: {','.join(DOMAINS)})",
    )
    return parser


def _error(message: str) -> int:
    print(f"precisemkt: error: {message}", file=sys.stderr)
    return 2


def _export(args: argparse.Namespace) -> int:
    available = _datasets()
    if args.name not in available:
        return _error(
            f"dataset name must be one of {', '.join(available)}; got {args.name!r}. "
            "Run 'precisemkt datasets list'."
        )
    if args.out == "-":
        frame = available[args.name][1]()
        frame.to_csv(sys.stdout, index=False)
        return 0
    out = Path(args.out)
    if not out.parent.is_dir():
        if not args.parents:
            return _error(
                f"--out's folder must exist; got {str(out.parent)!r}. Create it, or add "
                "--parents to create it."
            )
        out.parent.mkdir(parents=True, exist_ok=True)
    frame = available[args.name][1]()
    frame.to_csv(out, index=False)
    print(f"wrote {len(frame):,} rows to {out}")
    return 0


def _write_outputs(folder: Path, files: dict[str, bytes]) -> None:
    """Write every file to a temporary name first; move them into place at the end."""
    temps: list[tuple[str, Path]] = []
    umask = os.umask(0)
    os.umask(umask)
    try:
        for name, content in files.items():
            handle, part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
            with os.fdopen(handle, "wb") as out:
                out.write(content)
            os.chmod(part, 0o666 & ~umask)  # mkstemp creates 0600; use the usual mode
            temps.append((name, Path(part)))
        for name, path in temps:
            os.replace(path, folder / name)
    finally:
        for _, path in temps:
            path.unlink(missing_ok=True)


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    """The frame (with its index) as CSV: pyarrow's writer when installed (10x faster)."""
    if importlib.util.find_spec("pyarrow") is None:
        buffer = io.StringIO()
        frame.to_csv(buffer)
        return buffer.getvalue().encode("utf-8")
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    flat = frame.reset_index()
    for column in flat.columns:
        if isinstance(flat[column].dtype, pd.CategoricalDtype):
            flat[column] = flat[column].astype(str).where(flat[column].notna(), None)
    table = pa.Table.from_pandas(flat, preserve_index=False)  # times keep their precision
    sink = pa.BufferOutputStream()
    pa_csv.write_csv(table, sink)
    return bytes(sink.getvalue().to_pybytes())


def _report(args: argparse.Namespace) -> int:
    from precisemkt.errors import PrecisemktError
    from precisemkt.report import build_report, read_orders

    say: Callable[[str], None] = (
        (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    )
    if args.demo == (args.orders is not None):
        return _error("give either an ORDERS file or --demo (not both, not neither).")
    if importlib.util.find_spec("matplotlib") is None:
        return _error("the report's figures need matplotlib; pip install 'precisemkt[plot]'.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        return _error(f"--out must be a folder; {str(out)!r} is a file.")
    if not out.exists() and not out.parent.is_dir() and not args.parents:
        return _error(
            f"--out's parent folder must exist; got {str(out.parent)!r}. Create it, or add "
            "--parents."
        )
    try:
        if args.demo:
            from precisemkt.datasets import load_cdnow

            orders = load_cdnow()
            say("demo: the bundled CDNOW sample (2,357 customers, 6,919 orders)")
        else:
            orders = read_orders(args.orders)
        actions = None
        if args.actions:
            actions = read_orders(args.actions)
        report = build_report(
            orders,
            customer_col=args.customer_col,
            time_col=args.date_col,
            amount_col=args.amount_col,
            order_col=args.order_col,
            channel_col=args.channel_col,
            observation_end=args.observation_end,
            holdout_days=args.holdout_days,
            horizon_months=args.horizon_months,
            currency=args.currency,
            actions=actions,
            progress=not args.quiet and sys.stderr.isatty(),
        )
        chosen = ", ".join(
            f"{role.removesuffix('_col')}={col!r}" for role, col in report.columns.items() if col
        )
        say(f"columns: {chosen}")
        html = report.to_html().encode("utf-8")
        files = {"report.html": html}
        files["customers.csv"] = _csv_bytes(report.customers)
        if importlib.util.find_spec("pyarrow") is not None:
            raw = io.BytesIO()
            report.customers.to_parquet(raw)
            files["customers.parquet"] = raw.getvalue()
    except PrecisemktError as exc:
        return _error(str(exc))
    out.mkdir(parents=True, exist_ok=True)
    _write_outputs(out, files)
    say(
        f"wrote {out / 'report.html'} and {', '.join(n for n in files if n != 'report.html')} "
        f"({len(report.customers):,} customers, CLV model {report.clv_model or 'none'})"
    )
    return 0


def _warmup(args: argparse.Namespace) -> int:
    from precisemkt._numba import CACHE
    from precisemkt._warmup import DOMAINS, warmup

    names = [name.strip() for name in args.domains.split(",") if name.strip()]
    unknown = [name for name in names if name not in DOMAINS]
    if unknown or not names:
        return _error(f"--domains must name some of {', '.join(DOMAINS)}; got {args.domains!r}.")
    if not CACHE:
        print("note: PRECISEMKT_NUMBA_CACHE=0 turns the on-disk cache off; nothing is kept.")
    total = 0.0
    count = 0
    for result in warmup(names):
        total += result.seconds
        count += len(result.compiles)
        print(
            f"{result.domain}: {len(result.compiles)} kernel compilations in {result.seconds:.1f} s"
        )
        for kernel in sorted(result.compiles, key=lambda c: -c.self_seconds):
            line = f"  {kernel.self_seconds:6.2f} s  {kernel.kernel.removeprefix('precisemkt.')}"
            print(line + shorten(kernel.signature, max(10, 99 - len(line)), placeholder="...)"))
    print(f"total: {count} kernel compilations in {total:.1f} s")
    return 0


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
    if args.command == "report":
        return _report(args)
    if args.command == "warmup":
        return _warmup(args)
    if args.command != "datasets" or args.action is None:
        parser.print_help()
        return 0 if args.command is None else 2
    if args.action == "list":
        available = _datasets()
        width = max(map(len, available))
        for name, (description, _) in available.items():
            print(f"{name:<{width}}  {description}")
        return 0
    return _export(args)


if __name__ == "__main__":
    sys.exit(main())
