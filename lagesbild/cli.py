"""The command line: `python -m lagesbild COMMAND`. Every command takes `--db PATH` (or `LAGESBILD_DB`).

Exit codes scripts can trust: 0 success, 1 the command failed, 2 wrong usage, 3 the database cannot be used
(missing, in use by another process, or written by a newer release).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import duckdb

from lagesbild import __version__, db, queries
from lagesbild.settings import Settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE = 0, 1, 2, 3


class CliError(Exception):
    """A failure to report in one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", type=Path, metavar="PATH",
                        help="database file (default: $LAGESBILD_DB or data/lagesbild.duckdb)")


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lagesbild",
                                     description="Lägesbild: the local situation picture for crime prevention.")
    parser.add_argument("--version", action="version", version=f"lagesbild {__version__}")
    _db_option(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="build the synthetic Sölvesborg demo database")
    _db_option(demo)
    demo.add_argument("--seed", type=int, default=1083, help="random seed (default 1083)")
    demo.add_argument("--incidents", type=_positive, metavar="N",
                      help="exactly N incidents (for benchmarks, up to 10,000,000); default about 4,000 a year")
    demo.add_argument("--end", type=_iso_date, metavar="YYYY-MM-DD",
                      help="last day of data (default: the end of last month)")
    demo.add_argument("--force", action="store_true", help="replace an existing database")

    info = commands.add_parser("info", help="schema version, row counts, date range, latest import")
    _db_option(info)
    info.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    bench = commands.add_parser("bench", help="time the core queries against naive pandas; prints one JSON line")
    _db_option(bench)
    bench.add_argument("--incidents", type=_positive, default=1_000_000, metavar="N",
                       help="incidents in the scaled database (default 1,000,000)")
    bench.add_argument("--repeat", type=_positive, default=5, help="timed runs per query (default 5)")
    bench.add_argument("--rebuild", action="store_true", help="rebuild the scaled database even if present")
    return parser


def _db_path(args: argparse.Namespace) -> Path:
    return args.db or Settings.from_env().db_path


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise CliError(f"no database at {path}; create the demo with `python -m lagesbild demo`", EXIT_DATABASE)
    try:
        return db.connect(path)
    except db.SchemaError as exc:
        raise CliError(str(exc), EXIT_DATABASE) from exc
    except duckdb.IOException as exc:
        raise CliError(f"cannot open {path}: {exc} (is the app or another command using it?)",
                       EXIT_DATABASE) from exc


def cmd_demo(args: argparse.Namespace) -> int:
    from lagesbild.demo import build_demo

    path = _db_path(args)
    try:
        summary = build_demo(path, seed=args.seed, incidents=args.incidents, end=args.end, overwrite=args.force)
    except FileExistsError:
        raise CliError(f"{path} already exists; add --force to replace it") from None
    print(f"demo database written to {summary.path}: {summary.areas} areas, {summary.incidents:,} incidents "
          f"({summary.start} to {summary.end}), {summary.interventions} interventions, seed {summary.seed}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    path = _db_path(args)
    con = _open(path)
    try:
        found = queries.data_range(con)
        latest = queries.latest_import(con)
        info = {
            "database": str(path),
            "schema_version": db.schema_version(con),
            "municipality": queries.municipality_name(con),
            "synthetic": queries.is_synthetic(con),
            "rows": queries.table_counts(con),
            "first_day": found[0].isoformat() if found else None,
            "last_day": found[1].isoformat() if found else None,
            "population": queries.population(con),
            "latest_import": None if latest is None else {
                "id": int(latest["id"]), "file": latest["file_name"], "kind": latest["kind"],
                "by": latest["imported_by"], "at": latest["imported_at"].isoformat(),
                "rows_stored": int(latest["rows_stored"]), "status": latest["status"],
            },
        }
    finally:
        con.close()
    if args.json:
        print(json.dumps(info, ensure_ascii=False))
        return EXIT_OK
    print(f"database        {info['database']}")
    print(f"schema version  {info['schema_version']}")
    print(f"municipality    {info['municipality'] or '(not set)'}{' (synthetic demo data)' if info['synthetic'] else ''}")
    print(f"date range      {info['first_day'] or '-'} to {info['last_day'] or '-'}")
    print(f"population      {info['population']:,}")
    for table, count in info["rows"].items():
        print(f"  {table:<22}{count:>12,}")
    latest = info["latest_import"]
    if latest:
        print(f"latest import   #{latest['id']} {latest['kind']} '{latest['file']}' by {latest['by']} "
              f"at {latest['at']} ({latest['rows_stored']:,} rows, {latest['status']})")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from lagesbild import bench

    result = bench.run(incidents=args.incidents, repeat=args.repeat, path=args.db, rebuild=args.rebuild)
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


COMMANDS = {"demo": cmd_demo, "info": cmd_info, "bench": cmd_bench}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
