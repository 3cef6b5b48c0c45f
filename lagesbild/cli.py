"""The command line: `python -m lagesbild COMMAND`. Every command takes `--db PATH` (or `LAGESBILD_DB`).

Exit codes scripts can trust: 0 success, 1 the command failed (an import refused), 2 wrong usage, 3 the
database cannot be used (missing, in use by another process, or written by a newer release), 4 an import
stored its valid rows but rejected some.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np

from lagesbild import __version__, coverage, db, queries
from lagesbild.settings import Settings

if TYPE_CHECKING:
    from lagesbild.filters import Filters

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_DATABASE, EXIT_PARTIAL = 0, 1, 2, 3, 4
SHOWN_PROBLEMS = 20


class CliError(Exception):
    """A failure to report in one line, with the exit code to use."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def _db_option(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: a --db given before the command must survive the subcommand's own (absent) --db.
    parser.add_argument("--db", type=Path, metavar="PATH", default=argparse.SUPPRESS,
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
    demo.set_defaults(func=cmd_demo)
    demo.add_argument("--seed", type=int, default=1083, help="random seed (default 1083)")
    demo.add_argument("--incidents", type=_positive, metavar="N",
                      help="exactly N incidents (for benchmarks, up to 10,000,000); default about 4,000 a year")
    demo.add_argument("--end", type=_iso_date, metavar="YYYY-MM-DD",
                      help="last day of data (default: the end of last month)")
    demo.add_argument("--force", action="store_true", help="replace an existing database")

    info = commands.add_parser("info", help="schema version, row counts, date range, latest import")
    _db_option(info)
    info.set_defaults(func=cmd_info)
    info.add_argument("--json", action="store_true", help="print one JSON object instead of text")

    init = commands.add_parser("init", help="create an empty database for a municipality")
    _db_option(init)
    init.set_defaults(func=cmd_init)
    init.add_argument("--kommun", "--municipality-code", dest="municipality_code", metavar="KOD",
                      help="SCB code, e.g. 2081; the name and outline come from the shipped list of all 290 (left "
                           "out: the municipality is chosen in the app, on Kom igång)")
    init.add_argument("--name", "--municipality-name", dest="municipality_name", metavar="NAMN",
                      help="the name, when not the shipped one (e.g. Sölvesborg)")
    init.add_argument("--whole-municipality", action="store_true",
                      help="one area, the municipality's outline (no DeSO/RegSO or own districts yet)")

    imp = commands.add_parser("import", help="import a CSV/TXT/Excel/police JSON/boundary/population file, or "
                              "BRÅ/Kolada figures per municipality")
    _db_option(imp)
    imp.set_defaults(func=cmd_import)
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--kind", choices=["incidents", "interventions", "areas", "population"],
                     help="what the file holds (default: detected)")
    imp.add_argument("--dry-run", action="store_true", help="check and count, store nothing")
    imp.add_argument("--on-error", choices=["skip", "reject"], default="skip",
                     help="skip: store the valid rows (default); reject: refuse the whole file")
    imp.add_argument("--source", metavar="CODE", help="source of rows without a source column, e.g. polisen")
    imp.add_argument("--map", action="append", default=[], metavar="FIELD=HEADER",
                     help="use HEADER for FIELD (date, time, category, area, lat, lon, north, east, ...)")
    imp.add_argument("--map-category", action="append", default=[], metavar="VALUE=CODE",
                     help="map a category value onto a category code; VALUE=- leaves such rows out, "
                          "VALUE=+ adds it as a new category")
    imp.add_argument("--map-risk-factor", action="append", default=[], metavar="VALUE=CODE",
                     help="map a risk-factor value onto a risk-factor code")
    imp.add_argument("--crs", metavar="EPSG:NNNN", help="CRS of a boundary file that does not state one")
    imp.add_argument("--division", metavar="NAME", help="name of the area division (boundary files)")
    imp.add_argument("--year", type=int, help="the year of a population table that has none, or of reference "
                     "statistics (BRÅ's table, Kolada's index) whose file name says none")
    imp.add_argument("--by", default=None, help="who imports (default: the user name)")
    imp.add_argument("--rejected-csv", type=Path, metavar="PATH", help="write rejected rows (Excel CSV) here")
    imp.add_argument("--background", action="store_true",
                     help="the file is a GeoPackage of the municipality's own background layers (roads, water, "
                          "buildings) in SWEREF 99 TM, drawn beneath the map")

    rename = commands.add_parser("rename-area", help="give an area a name people recognise (logged)")
    _db_option(rename)
    rename.set_defaults(func=cmd_rename_area)
    rename.add_argument("code", metavar="CODE", nargs="?", help="the area's code, e.g. 2081C1140")
    rename.add_argument("name", metavar="NAME", nargs="?", help="the new name, e.g. \"Tjärna Ängar\"")
    rename.add_argument("--file", type=Path, metavar="CSV", help="rename many at once: a CSV with the columns "
                        "kod;namn (all or none are renamed)")
    rename.add_argument("--division", metavar="NAME", help="the division the area belongs to (default: the base "
                        "division, e.g. DeSO; RegSO or Egna distrikt for grouped areas)")
    rename.add_argument("--by", default=None, help="who renames (default: the user name)")

    listing = commands.add_parser("imports", help="list the imports")
    _db_option(listing)
    listing.set_defaults(func=cmd_imports)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")

    undo = commands.add_parser("undo", help="remove exactly what one import stored (kept, so it can be restored)")
    _db_option(undo)
    undo.set_defaults(func=cmd_undo)
    undo.add_argument("import_id", type=int, metavar="IMPORT_ID")
    undo.add_argument("--by", default=None, help="who undoes (default: the user name)")
    undo.add_argument("--yes", action="store_true",
                      help="undo even when later data depend on the import (the warnings say what they lose)")
    undo.add_argument("--restore", action="store_true", help="restore the undone import instead")

    restore = commands.add_parser("restore", help="bring an undone import back exactly as it was stored")
    _db_option(restore)
    restore.set_defaults(func=cmd_restore)
    restore.add_argument("import_id", type=int, metavar="IMPORT_ID")
    restore.add_argument("--by", default=None, help="who restores (default: the user name)")

    bench = commands.add_parser("bench", help="time the core queries against naive pandas; prints one JSON line")
    _db_option(bench)
    bench.set_defaults(func=cmd_bench)
    bench.add_argument("--incidents", type=_positive, default=1_000_000, metavar="N",
                       help="incidents in the scaled database (default 1,000,000)")
    bench.add_argument("--repeat", type=_positive, default=5, help="timed runs per query (default 5)")
    bench.add_argument("--rebuild", action="store_true", help="rebuild the scaled database even if present")
    bench.add_argument("--import-rows", type=int, default=1_000_000, metavar="N",
                       help="also time importing an N-row CSV end to end (default 1,000,000; 0 skips)")
    bench.add_argument("--no-readers", action="store_true",
                       help="skip the readers-and-writer run (4 reader processes, alone and with a writer)")

    prio = commands.add_parser("priorities", help="rank the areas: need against coverage, with reasons")
    _db_option(prio)
    prio.set_defaults(func=cmd_priorities)
    _filter_options(prio)
    prio.add_argument("--format", choices=["json", "csv"], default="json")

    repeat = commands.add_parser("concentration", help="repeat places: share of incidents at the top 1 %% and "
                                                      "5 %% of squares, against chance")
    _db_option(repeat)
    repeat.set_defaults(func=cmd_concentration)
    _filter_options(repeat)
    repeat.add_argument("--format", choices=["json", "csv"], default="json")

    hot = commands.add_parser("hotspots", help="hot and cold squares for the filters: an exact test of each square's"
                              " 3x3 window against an even spread, Benjamini-Hochberg corrected; hot neighbourhoods"
                              " as cluster outlines")
    _db_option(hot)
    hot.set_defaults(func=cmd_hotspots)
    _filter_options(hot)
    hot.add_argument("--format", choices=["json", "geojson"], default="json")
    hot.add_argument("--size", type=int, choices=[250, 1000], help="square size (default: 250 m, 1 km if sparse)")

    evaluate = commands.add_parser("evaluate", help="follow up interventions against comparison areas")
    _db_option(evaluate)
    evaluate.set_defaults(func=cmd_evaluate)
    evaluate.add_argument("--intervention", type=int, metavar="ID", help="one intervention (default: all started)")
    evaluate.add_argument("--days", type=_positive, default=None,
                          help="days after the start to follow up (default: the intervention's own period, from its"
                               " start to its end or to the last day with data)")
    evaluate.add_argument("--buffer", choices=["ring", "adjacent"], default="ring",
                          help="the buffer: a ring around the target (default) or the adjacent areas")
    evaluate.add_argument("--ring-m", type=float, default=500.0, help="ring width in metres (default 500)")
    evaluate.add_argument("--comparison", metavar="CODES", help="comparison area codes (default: all the rest)")
    evaluate.add_argument("--format", choices=["json", "csv"], default="json")

    pub = commands.add_parser("publish", help="publish the lägesbild as it is now: a frozen version with a permanent"
                                              " link (?version=N) that keeps showing these data after new imports")
    _db_option(pub)
    pub.set_defaults(func=cmd_publish)
    pub.add_argument("--title", required=True, help="the version's title")
    pub.add_argument("--text-file", type=Path, metavar="FILE", help="the analyst's comment (plain UTF-8 text)")
    pub.add_argument("--role", choices=["staff", "coordinator"], default="staff",
                     help="the role shown as publisher (never a name; default staff)")
    pub.add_argument("--no-report", action="store_true",
                     help="do not store the protected Word and PDF report with the version")
    _filter_options(pub)

    versions = commands.add_parser("published", help="list the published versions of the lägesbild")
    _db_option(versions)
    versions.set_defaults(func=cmd_published)
    versions.add_argument("--json", action="store_true", help="one JSON object per line")

    report = commands.add_parser("report", help="the lägesbild for the municipal board as Word or PDF: mapping, "
                                 "sources, prioritised problems, action plan with follow-up, method; protected "
                                 "numbers unless --internal")
    _db_option(report)
    report.set_defaults(func=cmd_report)
    _filter_options(report)
    report.add_argument("--link", metavar="URL_OR_QUERY",
                        help="take the filters from a shared link (the options above override its values)")
    report.add_argument("--format", choices=["docx", "pdf"], help="default: from the --out file's suffix")
    report.add_argument("--out", type=Path, required=True, metavar="FILE", help="where to write the report")
    report.add_argument("--internal", action="store_true",
                        help="exact numbers for staff, marked INTERN on every page (default: the protected "
                             "version a council member's link shows)")

    hasher = commands.add_parser("hash-password", help="print a salted PBKDF2 hash (600 000 iterations) for a "
                                                       "local account in secrets.toml")
    hasher.set_defaults(func=cmd_hash_password)
    hasher.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    places = commands.add_parser("places", help="replace the municipality's own place names (CSV namn;område) "
                                 "that place police events by their text at import")
    _db_option(places)
    places.set_defaults(func=cmd_places)
    places.add_argument("file", type=Path, metavar="FILE")
    return parser


FILTER_OPTIONS = ("period", "fran", "till", "kategori", "riskfaktor", "matchning", "kalla", "omrade", "veckodag",
                  "timmar")


def _filter_options(parser: argparse.ArgumentParser) -> None:
    """The link's filter parameters as options: --kategori misshandel,ran --timmar 22-4 …"""
    from lagesbild.view import PARAMETERS

    group = parser.add_argument_group("filters (as in a shared link; see the README)")
    for name in FILTER_OPTIONS:
        parameter = PARAMETERS[name]
        group.add_argument(f"--{name}", metavar="VALUE",
                           help=f"{parameter.meaning}, e.g. {parameter.example}".replace("`", "").replace("%", "%%"))


def _link_params(text: str | None) -> dict[str, str]:
    """A shared link's (or its query string's) parameters, the last value of each."""
    from urllib.parse import parse_qsl, urlsplit

    if not text:
        return {}
    query = urlsplit(text).query if "://" in text or text.startswith("/") else text.lstrip("?")
    return dict(parse_qsl(query, keep_blank_values=True))


def _filters(args: argparse.Namespace, con: duckdb.DuckDBPyConnection) -> Filters:
    from lagesbild import view

    params = _link_params(getattr(args, "link", None))
    params |= {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name) is not None}
    vocabulary = view.Vocabulary(*(frozenset(row[0] for row in queries.rows(con, "SELECT code FROM " + table))
                                   for table in ("categories", "risk_factors", "sources", "areas")))
    found = queries.data_range(con)
    anchor = min(found[1], date.today()) if found else date.today()
    chosen = view.from_query(params, vocabulary, anchor)
    for notice in chosen.notices:
        print("warning: " + notice, file=sys.stderr)
    return chosen.filters


def _db_path(args: argparse.Namespace) -> Path:
    return getattr(args, "db", None) or _settings().db_path


def _open(path: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise CliError(f"no database at {path}; create the demo with `python -m lagesbild demo`", EXIT_DATABASE)
    from lagesbild import snapshots

    # Every command reads the published snapshot (so it works while the app runs); a write it makes goes to the
    # master under the write lock and publishes a new snapshot (lagesbild.snapshots).
    try:
        return snapshots.reader(path)[0]
    except db.SchemaError as exc:
        raise CliError(str(exc), EXIT_DATABASE) from exc
    except snapshots.BusyError as exc:
        raise CliError(f"{exc}; try again when it has finished", EXIT_DATABASE) from exc
    except duckdb.IOException as exc:
        raise CliError(f"cannot open {path}: {exc}", EXIT_DATABASE) from exc


def cmd_demo(args: argparse.Namespace) -> int:
    from lagesbild import snapshots
    from lagesbild.demo import build_demo

    path = _db_path(args)
    try:
        with snapshots.locked(path):   # readers (a running app) move to the new demo when it is published
            summary = build_demo(path, seed=args.seed, incidents=args.incidents, end=args.end, overwrite=args.force)
            snapshots.publish_locked(path)
    except FileExistsError:
        raise CliError(f"{path} already exists; add --force to replace it") from None
    print(f"demo database written to {summary.path}: {summary.areas} areas, {summary.incidents:,} incidents "
          f"and {summary.street_reports:,} reports from the street ({summary.start} to {summary.end}), "
          f"{summary.interventions} interventions, seed {summary.seed}")
    return EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    path = _db_path(args)
    con = _open(path)
    try:
        found = queries.data_range(con)
        latest = queries.latest_import(con)
        gaps = coverage.gaps_by_source(coverage.monthly(con))
        sample = coverage.police_sample(con)
        info: dict[str, Any] = {
            "database": str(path),
            "schema_version": db.schema_version(con),
            "municipality": queries.municipality_name(con),
            "synthetic": queries.is_synthetic(con),
            "rows": queries.table_counts(con),
            "first_day": found[0].isoformat() if found else None,
            "last_day": found[1].isoformat() if found else None,
            "population": queries.population(con),
            "gaps": gaps,
            "police_sample": sample,
            "note": coverage.POLICE_SAMPLE_NOTE_EN if sample else None,
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
    for label, months in info["gaps"].items():
        print(f"gap             {label}: no data for {months}")
    if info["note"]:
        print(f"note            {info['note']}")
    for table, count in info["rows"].items():
        print(f"  {table:<22}{count:>12,}")
    latest = info["latest_import"]
    if latest:
        print(f"latest import   #{latest['id']} {latest['kind']} '{latest['file']}' by {latest['by']} "
              f"at {latest['at']} ({latest['rows_stored']:,} rows, {latest['status']})")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from lagesbild import bench

    result = bench.run(incidents=args.incidents, repeat=args.repeat, path=getattr(args, "db", None),
                       rebuild=args.rebuild, import_rows=args.import_rows, readers=not args.no_readers)
    print(json.dumps(result, ensure_ascii=False))
    return EXIT_OK


def _user(given: str | None) -> str:
    import getpass

    try:
        return given or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def cmd_init(args: argparse.Namespace) -> int:
    from lagesbild import setup, snapshots, vocabulary

    path = _db_path(args)
    if path.exists():
        raise CliError(f"{path} already exists")
    if args.municipality_code is None:
        if args.whole_municipality or args.municipality_name:
            raise CliError("--whole-municipality and --name need --kommun", EXIT_USAGE)
        path.parent.mkdir(parents=True, exist_ok=True)
        with snapshots.writing(path) as con, db.write(con) as cur:
            vocabulary.install(cur)
        print(f"empty database written to {path}; choose the municipality in the app (Kom igång)")
        return EXIT_OK
    try:
        choice = setup.resolve(args.municipality_code, args.municipality_name)
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    if args.whole_municipality and not setup.has_outline(choice.code):
        raise CliError(f"no shipped outline for {choice.code}", EXIT_USAGE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with snapshots.writing(path) as con:
        with db.write(con) as cur:
            vocabulary.install(cur)
            setup.set_municipality(cur, choice)
        if args.whole_municipality:
            from lagesbild.ingest import ImportOptions, import_bytes

            result = import_bytes(con, setup.outline_geojson(choice.code, choice.name), setup.OUTLINE_FILE,
                                  ImportOptions(kind="areas", imported_by="init"))
            if result.status != "stored":
                raise CliError(result.summary("en"))
    print(f"empty database for {choice.name} ({choice.code}) written to {path}"
          + (" with the municipality's outline as its one area" if args.whole_municipality else ""))
    return EXIT_OK


def _pairs(items: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"{what} must look like KEY=VALUE, not {item!r}", EXIT_USAGE)
        pairs[key.strip()] = value.strip()
    return pairs


def cmd_import(args: argparse.Namespace) -> int:
    from lagesbild import exports
    from lagesbild.ingest import ImportOptions, import_bytes

    if not args.file.is_file():
        raise CliError(f"no file at {args.file}")
    if args.background:
        return _import_background(args)
    # Value choices are saved with the import they are made for: a dry run or a refused file keeps none.
    choices = {kind: {value: None if code == "-" else code
                      for value, code in _pairs(items, f"--map-{kind.replace('_', '-')}").items()}
               for kind, items in (("category", args.map_category), ("risk_factor", args.map_risk_factor)) if items}
    mapping: dict[str, str | None] = {**_pairs(args.map, "--map")}
    con = _open(_db_path(args))
    by = _user(args.by)
    try:
        options = ImportOptions(kind=args.kind, source=args.source, mapping=mapping or None,
                                on_error=args.on_error, dry_run=args.dry_run, imported_by=by, crs=args.crs,
                                division=args.division, year=args.year,
                                store_free_text=_settings().store_free_text, choices=choices or None)
        result = import_bytes(con, args.file.read_bytes(), args.file.name, options)
    finally:
        con.close()
    for value, code in result.new_categories.items():
        print(f"new category {code!r} for {value!r}" + (" (not kept: dry run)" if args.dry_run else ""))
    print(result.summary("en"))
    for reason, count in sorted(result.ignored.items(), key=lambda item: -item[1]):
        print(f"  left out: {count} x {reason}")
    for kind, values in result.unknown.items():
        listed = ", ".join(f"{v!r} ({n})" for v, n in sorted(values.items(), key=lambda item: -item[1])[:10])
        print(f"  unknown {kind.replace('_', ' ')} values: {listed}; map them with --map-{kind.replace('_', '-')}")
    row_problems = [p for p in result.problems if p is not result.refusal]
    for problem in row_problems[:SHOWN_PROBLEMS]:
        print("  " + problem.message("en"), file=sys.stderr)
    if len(row_problems) > SHOWN_PROBLEMS:
        print(f"  … and {len(row_problems) - SHOWN_PROBLEMS} more problems", file=sys.stderr)
    if args.rejected_csv and row_problems:
        from lagesbild.ingest import read_table

        table = None
        try:
            table = read_table(args.file.read_bytes(), args.file.name)
        except Exception:  # noqa: BLE001 - the export falls back to row numbers and reasons only
            table = None
        args.rejected_csv.write_bytes(exports.excel_csv(exports.rejected_rows(table, row_problems)))
        print(f"  rejected rows written to {args.rejected_csv}")
    if result.status == "refused":
        return EXIT_FAILED
    return EXIT_PARTIAL if result.rows_rejected else EXIT_OK


def _import_background(args: argparse.Namespace) -> int:
    from lagesbild import background

    con = _open(_db_path(args))
    try:
        if args.dry_run:
            layers = background.read(args.file)
        else:
            layers = background.import_file(con, args.file, _user(args.by))
    except background.BackgroundError as exc:
        raise CliError(f"{exc}; nothing stored") from None
    finally:
        con.close()
    for layer in layers:
        print(f"background layer {layer.name!r}: {layer.features:,} {layer.geometry_type} features as "
              f"{background.KIND_NAMES[layer.kind]}, {len(layer.geojson) / 1e6:.2f} MB"
              + (" (not kept: dry run)" if args.dry_run else ""))
    return EXIT_OK


def cmd_places(args: argparse.Namespace) -> int:
    from lagesbild import gazetteer
    from lagesbild.ingest.problems import FileRefusedError

    if not args.file.is_file():
        raise CliError(f"no file at {args.file}")
    con = _open(_db_path(args))
    try:
        stored = gazetteer.replace_place_names(con, args.file.read_bytes(), args.file.name)
    except FileRefusedError as exc:
        print("Refused, nothing stored: " + exc.problem.message("en"))
        return EXIT_FAILED
    finally:
        con.close()
    print(f"{stored} place names stored; they place police events imported from now on")
    return EXIT_OK


def cmd_imports(args: argparse.Namespace) -> int:
    con = _open(_db_path(args))
    try:
        listed = queries.frame(con, "SELECT id, kind, file_name, imported_by, imported_at, rows_read, rows_stored,"
                                    " rows_duplicate, rows_rejected, rows_ignored, status FROM imports ORDER BY id")
    finally:
        con.close()
    for row in listed.itertuples(index=False):
        if args.json:
            record = row._asdict() | {"imported_at": row.imported_at.isoformat()}
            print(json.dumps({k: (int(v) if hasattr(v, "item") else v) for k, v in record.items()},
                             ensure_ascii=False))
        else:
            print(f"#{row.id:<4} {row.status:<8} {row.kind:<10} {row.imported_at:%Y-%m-%d %H:%M} {row.imported_by:<12} "
                  f"read {row.rows_read:>8,} stored {row.rows_stored:>8,} dup {row.rows_duplicate:>6,} "
                  f"rejected {row.rows_rejected:>6,}  {row.file_name}")
    return EXIT_OK


def cmd_rename_area(args: argparse.Namespace) -> int:
    from lagesbild import divisions

    if (args.file is None) == (args.code is None or args.name is None):
        raise CliError("give CODE and NAME, or --file with the columns kod;namn", EXIT_USAGE)
    names = {args.code: args.name} if args.file is None else _rename_file(args.file)
    con = _open(_db_path(args))
    try:
        renamed = divisions.rename_areas(con, names, _user(args.by), args.division)
    except divisions.RenameError as exc:
        raise CliError(exc.en) from exc
    finally:
        con.close()
    print(f"{renamed} area(s) renamed: " + ", ".join(f"{code} -> {' '.join(name.split())!r}"
                                                    for code, name in names.items()))
    return EXIT_OK


def _rename_file(path: Path) -> dict[str, str]:
    """Code -> new name from a CSV with the columns kod (or code) and namn (or name)."""
    from lagesbild.ingest import FileRefusedError, read_table

    if not path.is_file():
        raise CliError(f"no file at {path}")
    try:
        table = read_table(path.read_bytes(), path.name)
    except FileRefusedError as exc:
        raise CliError(exc.problem.message("en")) from exc
    keys = {h.strip().lower(): i for i, h in enumerate(table.headers)}
    code_at, name_at = keys.get("kod", keys.get("code")), keys.get("namn", keys.get("name"))
    if code_at is None or name_at is None:
        raise CliError(f"{path.name}: the columns kod and namn are missing (found: {', '.join(table.headers)})")
    names: dict[str, str] = {}
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        code = row[code_at].strip() if code_at < len(row) else ""
        if not code:
            raise CliError(f"{path.name}, row {number}, column {table.headers[code_at]}: the code is missing")
        names[code] = row[name_at] if name_at < len(row) else ""
    return names


def cmd_undo(args: argparse.Namespace) -> int:
    from lagesbild.ingest import UndoRefusedError, consequences, undo_import

    if args.restore:
        return cmd_restore(args)
    con = _open(_db_path(args))
    try:
        warnings = consequences(con, args.import_id)
        for warning in warnings:
            print(f"warning: undoing import {args.import_id}: {warning.en}", file=sys.stderr)
        if warnings and not args.yes:
            raise CliError(f"import {args.import_id} not undone: later data depend on it (see the warnings); "
                           "run again with --yes to undo it anyway (`restore` brings it back)")
        removed = undo_import(con, args.import_id, undone_by=_user(args.by))
    except UndoRefusedError as exc:
        raise CliError(exc.en) from exc
    finally:
        con.close()
    print(f"import {args.import_id} undone: " + ", ".join(f"{n:,} {t}" for t, n in removed.items())
          + f" (kept: `restore {args.import_id}` brings it back)")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from lagesbild.ingest import UndoRefusedError, restore_import

    con = _open(_db_path(args))
    try:
        restored = restore_import(con, args.import_id, restored_by=_user(args.by))
    except UndoRefusedError as exc:
        raise CliError(exc.en) from exc
    finally:
        con.close()
    print(f"import {args.import_id} restored: " + ", ".join(f"{n:,} {t}" for t, n in restored.items()))
    return EXIT_OK


def cmd_hash_password(args: argparse.Namespace) -> int:
    import getpass

    from lagesbild import auth

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    try:
        print(auth.hash_password(password))
    except ValueError as exc:
        raise CliError(str(exc), EXIT_USAGE) from exc
    return EXIT_OK


def _print_records(output: str, envelope: dict[str, Any], records: list[dict[str, Any]], empty_header: str) -> None:
    """Records as one JSON object (`envelope` plus the records under its last key) or as CSV (lists joined)."""
    import csv

    if output == "json":
        print(json.dumps({**envelope, list(envelope)[-1]: records}, ensure_ascii=False))
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else [empty_header])
    writer.writeheader()
    for record in records:
        writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in record.items()})


def cmd_priorities(args: argparse.Namespace) -> int:
    from lagesbild import priorities

    con = _open(_db_path(args))
    try:
        ranking = priorities.rank(con, _filters(args, con))
    finally:
        con.close()
    _print_records(args.format, {"hot_spot_note": ranking.hot.message or None, "notes": ranking.notes,
                                 "areas": None},
                   priorities.export_records(ranking), "rank")
    return EXIT_OK


def cmd_concentration(args: argparse.Namespace) -> int:
    from lagesbild import concentration

    con = _open(_db_path(args))
    try:
        found = concentration.analyse(con, _filters(args, con))
    finally:
        con.close()
    _print_records(args.format, {"square_m": found.size, "squares": found.squares,
                                 "without_place": found.without_place, "categories": None},
                   concentration.export_records(found), "category_code")
    return EXIT_OK


def cmd_hotspots(args: argparse.Namespace) -> int:
    from lagesbild import hotspots

    con = _open(_db_path(args))
    try:
        found = hotspots.analyse(con, _filters(args, con), args.size)
    finally:
        con.close()
    cells = found.cells[found.cells["kind"] != ""] if not found.message else found.cells
    records = [{"cell": str(r.cell), "kind": r.kind, "confidence": float(r.level), "z": round(float(r.z), 3),
                "q_value": round(float(r.q), 5), "count": int(r.count), "trend": r.trend or None,
                "lon": round(float(r.lon), 6), "lat": round(float(r.lat), 6)} for r in cells.itertuples()]
    if args.format == "json":
        print(json.dumps({"square_m": found.size, "incidents": found.incidents, "note": found.message or None,
                          "baseline": found.baseline or None, "squares": records,
                          "clusters": found.cluster_geojson()["features"]}, ensure_ascii=False, default=float))
    else:
        from lagesbild import geo

        squares = geo.squares(np.array([int(r["cell"]) for r in records], np.int64), found.size)
        features = [{"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [
                         [[round(float(a), 6), round(float(b), 6)] for a, b in polygon.exterior.coords]]},
                     "properties": {k: v for k, v in record.items() if k not in ("lon", "lat")}}
                    for record, polygon in zip(records, squares.geometry, strict=True)]
        print(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    import csv

    from lagesbild import followup

    options = followup.Options(days=args.days, buffer=args.buffer, ring_m=args.ring_m,
                               comparison=tuple(c.strip() for c in (args.comparison or "").split(",") if c.strip()))
    con = _open(_db_path(args))
    try:
        ids = [args.intervention] if args.intervention else [row[0] for row in queries.rows(
            con, "SELECT id FROM interventions WHERE start_date <= current_date ORDER BY start_date, id")]
        try:
            records = [followup.evaluate(con, number, options).record() for number in ids]
        except KeyError as exc:
            raise CliError(str(exc).strip("'")) from exc
    finally:
        con.close()
    if args.format == "json":
        print(json.dumps(records, ensure_ascii=False))
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else ["intervention_id"])
        writer.writeheader()
        for record in records:
            writer.writerow(record | {"before": "/".join(record["before"]), "after": "/".join(record["after"])})
    return EXIT_OK


def cmd_publish(args: argparse.Namespace) -> int:
    from lagesbild import published, view

    comment = ""
    if args.text_file:
        try:
            comment = args.text_file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {args.text_file}: {exc}") from exc
    path = _db_path(args)
    con = _open(path)
    try:
        params = {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name) is not None}
        found = queries.data_range(con)
        anchor = min(found[1], date.today()) if found else date.today()
        chosen = view.from_query(params, published.vocabulary(con), anchor)
    finally:
        con.close()
    for notice in chosen.notices:
        print("warning: " + notice, file=sys.stderr)
    try:   # under the one-writer lock (lagesbild.snapshots.writing), like every write
        done = published.publish(path, title=args.title, comment=comment, view=chosen, role=args.role)
    except published.PublishError as exc:
        raise CliError(f"not published: {exc.en}") from exc
    except db.WriteError as exc:
        raise CliError(str(exc), EXIT_DATABASE) from exc
    version = done.version
    if not args.no_report:
        files = published.make_reports(path, version, threshold=_settings().suppression_threshold,
                                       link="?" + "&".join(f"{k}={v}" for k, v in version.link_query().items()))
        for stored in published.store_reports(path, version.id, files):
            print(f"report stored: {stored} ({stored.stat().st_size:,} bytes)")
    print(f"published version {version.id}: {version.title!r}, data version {version.data_version}, data to "
          f"{version.last_day or '-'}, period {version.period_start} to {version.period_end}; "
          f"{version.file_bytes / 1e6:.1f} MB frozen as a {'hard link' if version.stored_as == 'link' else 'copy'} "
          f"({done.extra_bytes / 1e6:.1f} MB more disk now) in {done.seconds:.2f} s; "
          f"link: ?{'&'.join(f'{k}={v}' for k, v in version.link_query().items())}")
    return EXIT_OK


def cmd_published(args: argparse.Namespace) -> int:
    from lagesbild import published

    con = _open(_db_path(args))
    try:
        found = published.versions(con)
    finally:
        con.close()
    for version in reversed(found):
        if args.json:
            print(json.dumps({"id": version.id, "title": version.title, "published_at": version.published_at.isoformat(),
                              "role": version.role, "data_version": version.data_version,
                              "first_day": version.first_day and version.first_day.isoformat(),
                              "last_day": version.last_day and version.last_day.isoformat(),
                              "period": [version.period_start.isoformat(), version.period_end.isoformat()],
                              "view": version.query, "file_bytes": version.file_bytes,
                              "stored_as": version.stored_as}, ensure_ascii=False))
        else:
            print(f"#{version.id:<4} {version.published_at:%Y-%m-%d %H:%M} {version.role:<12} data to "
                  f"{version.last_day or '-'}  period {version.period_start} to {version.period_end}  "
                  f"{version.title}")
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    import time

    from lagesbild import report, view
    from lagesbild.protect import Disclosure

    fmt = args.format or args.out.suffix.lower().lstrip(".")
    if fmt not in report.FORMATS:
        raise CliError(f"cannot tell the format from {args.out.name!r}; add --format docx or --format pdf", EXIT_USAGE)
    shown = Disclosure(viewer=not args.internal, threshold=_settings().suppression_threshold)
    started = time.perf_counter()
    con = _open(_db_path(args))
    try:
        filters = _filters(args, con)
        link = "?" + "&".join(f"{k}={v}" for k, v in view.to_query(view.View(filters=filters, preset=None)).items())
        made = report.build(con, filters, shown=shown, today=date.today(), link=link)
    finally:
        con.close()
    content = report.layout(made, fmt)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(content)
    print(f"{'internal' if args.internal else 'protected'} report ({fmt}, {len(content):,} bytes, "
          f"{time.perf_counter() - started:.1f} s) written to {args.out}")
    return EXIT_OK


def _settings() -> Settings:
    """The settings from the environment; a bad value there is the caller's to fix (exit 2), not a crash."""
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise CliError(f"bad setting in the environment: {exc}", EXIT_USAGE) from exc


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit code. Only argparse (exit 2) and `CliError` say what went wrong in one
    line: any other exception is a bug and keeps its traceback, never dressed up as wrong usage."""
    args = build_parser().parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    return code
