"""The import pipeline: read a file, work out what it holds, check every row, store atomically, undo.

`import_bytes` is the single entry point for the CLI and the upload page. A refused file raises nothing and
stores nothing: its `ImportResult` has status 'refused' and names the reason; a crash rolls back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import duckdb

from lagesbild import db, queries
from lagesbild.ingest import guard, police, reference
from lagesbild.ingest.columns import INCIDENT_FIELDS, guess_mapping, signature
from lagesbild.ingest.context import Context, load_context
from lagesbild.ingest.incidents import Prepared, prepare_incidents
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.store import ImportResult, store_incidents
from lagesbild.ingest.tables import Table, read_csv, read_xlsx
from lagesbild.ingest.undo import Consequence, UndoRefusedError, consequences, restore_import, undo_import
from lagesbild.ingest.values import normalise

if TYPE_CHECKING:  # loaded on use at run time (geopandas, the register): see import_bytes
    from lagesbild.ingest import interventions, keytable, survey
    from lagesbild.ingest.areas import PreparedPopulation

LOG = logging.getLogger(__name__)
KINDS = ("incidents", "interventions", "areas", "population")
TABLE_SUFFIXES = {".csv", ".txt", ".tsv", ".xlsx"}
BOUNDARY_SUFFIXES = {".geojson", ".gpkg", ".zip", ".shp"}
ON_ERROR = ("skip", "reject")

NEW_CATEGORY = "+"  # a value choice that adds the value as a new category

__all__ = ["ImportOptions", "ImportResult", "import_bytes", "import_path", "read_table", "undo_import", "add_category",
           "Context", "load_context", "FileRefusedError", "Problem", "Prepared", "restore_import", "consequences",
           "Consequence", "UndoRefusedError", "NEW_CATEGORY"]


@dataclass(frozen=True)
class ImportOptions:
    """What the coordinator chose for one file."""

    kind: str | None = None            # None: detect
    source: str | None = None          # default source for rows without one
    mapping: dict[str, str | None] | None = None  # field -> header, overriding what was recognised
    on_error: str = "skip"             # skip: store the valid rows; reject: refuse the file
    dry_run: bool = False
    imported_by: str = "cli"
    crs: str | None = None             # for boundary files without a CRS
    division: str | None = None        # name of the area division being imported
    year: int | None = None            # population year when the table has no year columns
    remember_mapping: bool = True
    store_free_text: bool = False      # keep description columns (only when the municipality has decided so)
    # Unknown values mapped on purpose, saved only with the import they were made for:
    # {"category" | "risk_factor": {value: code, None (leave such rows out) or NEW_CATEGORY}}.
    choices: dict[str, dict[str, str | None]] | None = None


class _Store(TypedDict):
    """What every store function is told about the import besides its rows."""

    sha256: str
    imported_by: str
    dry_run: bool


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_table(data: bytes, file_name: str) -> Table:
    """A CSV/TXT or Excel file as a table."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".xlsx" or data[:4] == b"PK\x03\x04" and suffix not in BOUNDARY_SUFFIXES:
        return read_xlsx(data, file_name)
    if suffix == ".xls":
        raise FileRefusedError(Problem(file_name, None, None, None, "unknown_format",
                                  "det gamla Excel-formatet .xls; spara filen som .xlsx eller CSV"))
    return read_csv(data, file_name)


def detect_kind(data: bytes, file_name: str) -> str:
    """incidents, areas or population, from the file's name and content."""
    suffix = Path(file_name).suffix.lower()
    if suffix in BOUNDARY_SUFFIXES:
        if suffix == ".shp":
            raise FileRefusedError(Problem(file_name, None, None, None, "unknown_format",
                                      "en ensam .shp-fil; packa .shp, .shx, .dbf och .prj i en zip-fil"))
        return "areas"
    if suffix == ".json" or data.lstrip()[:1] in (b"[", b"{"):
        return "json"
    if suffix in TABLE_SUFFIXES or suffix == ".xls" or not suffix:
        return "table"
    raise FileRefusedError(Problem(file_name, None, None, None, "unknown_format", suffix or "okänd filtyp"))


def remembered_mapping(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, str | None] | None:
    """The mapping the coordinator confirmed for files with these headers, if any."""
    found = queries.rows(con, "SELECT mapping FROM column_mappings WHERE source_key = ?", [key])
    mapping: dict[str, str | None] | None = json.loads(found[0][0]) if found else None
    return mapping


def remember_mapping(con: duckdb.DuckDBPyConnection, key: str, kind: str, mapping: dict[str, str | None],
                     by: str) -> None:
    """Remember a confirmed mapping for the next file from the same source."""
    with db.write(con) as cur:
        cur.execute("INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?, ?, ?)",
                    [key, kind, json.dumps(mapping, ensure_ascii=False), datetime.now(UTC), by])


_VOCABULARIES = {"category": "categories", "risk_factor": "risk_factors", "source": "sources"}


def add_alias(con: duckdb.DuckDBPyConnection, kind: str, alias: str, target_code: str | None, by: str) -> None:
    """Map a value seen in files onto a vocabulary code on purpose (None: leave such rows out)."""
    guard.check_text(alias, "Värdet", "The value")
    table = _VOCABULARIES[kind]
    with db.write(con) as cur:
        if target_code is not None and not cur.execute(
                "SELECT 1 FROM " + table + " WHERE code = ?", [target_code]).fetchall():  # table from the allow-list
            raise ValueError(f"no {kind} with code {target_code!r}")
        cur.execute("INSERT OR REPLACE INTO value_aliases VALUES (?, ?, ?, ?, ?)",
                    [kind, normalise(alias), target_code, by, datetime.now(UTC)])


def add_category(con: duckdb.DuckDBPyConnection, label: str, by: str, group: str = "Övrigt",
                 harm_weight: float = 1.0) -> str:
    """Add a new category on purpose (and map the label onto it); returns its code."""
    guard.check_text(label, "Kategorin", "The category")
    plain = unicodedata.normalize("NFKD", label.strip().lower()).encode("ascii", "ignore").decode()
    code = re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "kategori"
    with db.write(con) as cur:
        taken = {row[0] for row in cur.execute("SELECT code FROM categories").fetchall()}
        base, number = code, 2
        while code in taken:
            code, number = f"{base}_{number}", number + 1
        cur.execute("INSERT INTO categories VALUES (nextval('category_ids'), ?, ?, ?, ?)",
                    [code, label.strip(), group, harm_weight])
        add_alias(con, "category", label, code, by)
    return code


def _save_choices(con: duckdb.DuckDBPyConnection, cur: duckdb.DuckDBPyConnection, ctx: Context,
                  choices: dict[str, dict[str, str | None]] | None, by: str) -> dict[str, str]:
    """Save the coordinator's value choices inside the import's write and let `ctx` see them at once."""
    added: dict[str, str] = {}
    for kind, values in (choices or {}).items():
        if kind not in ("category", "risk_factor"):
            raise ValueError(f"choices are for category or risk_factor values, not {kind!r}")
        lookup = ctx.categories if kind == "category" else ctx.risk_factors
        for value, code in values.items():
            if kind == "category" and code == NEW_CATEGORY:
                code = added[value] = add_category(con, value, by)
                number = cur.execute("SELECT id FROM categories WHERE code = ?", [code]).fetchall()[0][0]
                lookup[normalise(code)] = number
                ctx.category_codes[number] = code
            else:
                add_alias(con, kind, value, code, by)
            lookup[normalise(value)] = None if code is None else lookup[normalise(code)]
    return added


def prepare_table(table: Table, con: duckdb.DuckDBPyConnection, ctx: Context, options: ImportOptions
                  ) -> Prepared | PreparedPopulation | interventions.PreparedInterventions:
    """Check a table as incidents or population (whichever it is, or what `options.kind` says)."""
    from lagesbild.ingest import interventions  # imported on use: see import_bytes
    from lagesbild.ingest.areas import looks_like_population, prepare_population

    kind = options.kind
    if kind is None:
        recognised = guess_mapping(table.headers, INCIDENT_FIELDS)
        if interventions.looks_like_interventions(table.headers):
            kind = "interventions"
        elif recognised.get("date") and recognised.get("category"):
            kind = "incidents"
        elif looks_like_population(table):
            kind = "population"
        elif any(word in normalise(" ".join(table.headers)) for word in ("anmälda brott", "numcrimes", "brott per")):
            raise FileRefusedError(Problem(
                table.file_name, None, None, None, "unsupported_table",
                "en sammanställning av anmälda brott per kommun (BRÅ-statistik); Lägesbild läser enskilda händelser"))
        else:
            raise FileRefusedError(Problem(
                table.file_name, None, None, None, "unknown_kind",
                "inga kolumner för datum och kategori (händelser) eller för område och befolkning; rubriker: "
                + ", ".join(table.headers[:8])))
    if kind == "incidents":
        mapping = options.mapping or remembered_mapping(con, signature(table.headers))
        return prepare_incidents(table, ctx, mapping, options.source)
    if kind == "population":
        return prepare_population(table, ctx, options.year)
    return interventions.prepare_interventions(table, con)


def import_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                 options: ImportOptions | None = None, today: date | None = None) -> ImportResult:
    """Import one file. Never raises for bad input: a refused file comes back with status 'refused'.

    The whole import is one write: the value choices and the remembered column mapping are saved with the
    rows, and a dry run or a refused file leaves nothing of either. Areas are looked up in the base division,
    whichever division the view that uploads shows (lagesbild.divisions).
    """
    with queries.base_division():
        return _import_bytes(con, data, file_name, options, today)


def _import_bytes(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str,
                  options: ImportOptions | None, today: date | None) -> ImportResult:
    # Imported on use, so that importing a light part of this package (guard, problems, tables, store) loads
    # neither geopandas (areas) nor the register (interventions imports it, and the register uses guard).
    from lagesbild.ingest import interventions, keytable, survey
    from lagesbild.ingest.areas import prepare_areas, store_areas, store_population

    options = options or ImportOptions()
    if options.on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {ON_ERROR}")
    if options.kind is not None and options.kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    digest = sha256(data)
    kind = options.kind or "incidents"
    table: Table | None = None
    store = _Store(sha256=digest, imported_by=options.imported_by, dry_run=options.dry_run)
    reading = False  # past the caller's choices: from here on only the file's content decides what happens
    try:
        guard.check_file_name(file_name)
        with db.write(con, dry_run=options.dry_run) as cur:
            ctx = load_context(con, today, store_free_text=options.store_free_text)
            added = _save_choices(con, cur, ctx, options.choices, options.imported_by)
            reading = True
            found = detect_kind(data, file_name)
            if found == "areas" or options.kind == "areas" or found == "json" and police.is_geojson(data):
                kind = "areas"
                named = Path(file_name).with_suffix(".geojson").name if found == "json" else file_name
                areas = prepare_areas(data, named, ctx, crs=options.crs, division=options.division)
                areas.file_name = file_name
                result = store_areas(con, areas, **store)
            else:
                prepared: (Prepared | PreparedPopulation | interventions.PreparedInterventions
                           | reference.PreparedReference | keytable.PreparedGrouping | survey.PreparedSurvey)
                statistics = _reference(data, file_name, found, options)
                if statistics is not None:
                    prepared = statistics
                elif found == "json":
                    prepared = police.prepare_police(police.load(data, file_name), ctx, file_name)
                else:
                    table = read_table(data, file_name)
                    if options.kind is None and reference.looks_like_bra_table(table.headers):
                        prepared = reference.prepare_bra_table(table, options.year)
                    elif options.kind is None and survey.looks_like_survey(table.headers):
                        kind = "survey"  # a refusal says so, and offers no incident column mapping
                        prepared = survey.prepare_survey(table, con, ctx)
                    elif options.kind is None and keytable.looks_like_grouping(table):
                        prepared = keytable.prepare_grouping(table, ctx)
                    else:
                        prepared = prepare_table(table, con, ctx, options)
                if isinstance(prepared, survey.PreparedSurvey):
                    kind = "survey"  # perceived safety per area and year (lagesbild.ingest.survey)
                    result = survey.store_survey(con, prepared, **store)
                elif isinstance(prepared, keytable.PreparedGrouping):
                    kind = "divisions"  # SCB's DeSO→RegSO key table or own districts (lagesbild.ingest.keytable)
                    result = keytable.store_grouping(con, prepared, **store)
                elif isinstance(prepared, reference.PreparedReference):
                    kind = "reference"  # public aggregates per municipality (lagesbild.ingest.reference)
                    result = reference.store_reference(con, prepared, on_error=options.on_error, **store)
                elif isinstance(prepared, Prepared):
                    kind = "incidents"
                    result = store_incidents(con, prepared, on_error=options.on_error, **store)
                    result.mapping = prepared.mapping
                    result.headers = prepared.table.headers if prepared.table else []
                    if (result.status == "stored" and options.remember_mapping and prepared.mapping
                            and prepared.source_key and options.mapping):
                        remember_mapping(con, prepared.source_key, "incidents", prepared.mapping, options.imported_by)
                elif isinstance(prepared, interventions.PreparedInterventions):
                    kind = "interventions"
                    result = interventions.store_interventions(con, prepared, on_error=options.on_error, **store)
                else:
                    kind = "population"
                    result = store_population(con, prepared, on_error=options.on_error, **store)
            if result.status == "refused":
                raise db.Rollback
            result.new_categories = added
        return result
    except guard.PersonalDataError as personal:
        # A category or alias chosen for this import holds personal data: nothing of the import is saved.
        problem = Problem(file_name, None, None, None, personal.code)
        return ImportResult(None, "refused", file_name, kind, refusal=problem, problems=[problem])
    except FileRefusedError as refused:
        result = ImportResult(None, "refused", file_name, kind, refusal=refused.problem,
                              problems=[refused.problem, *refused.related])
        if table is not None and kind != "survey":
            result.headers = table.headers
            result.mapping = guess_mapping(table.headers, INCIDENT_FIELDS) | (options.mapping or {})
        return result
    except (RecursionError, MemoryError, OverflowError, ValueError, TypeError, KeyError, IndexError, AttributeError,
            OSError, duckdb.Error) as exc:
        if not reading:
            raise  # a mistake in the options, not in the file
        # A file no check foresaw: refuse it like any other (the transaction has rolled back), keep the trace
        # in the log for whoever maintains the import, and never show a traceback to the coordinator.
        LOG.exception("unexpected error importing %s", file_name)
        problem = Problem(file_name, None, None, None, "unexpected", type(exc).__name__)
        return ImportResult(None, "refused", file_name, kind, refusal=problem, problems=[problem])


def _reference(data: bytes, file_name: str, found: str, options: ImportOptions) -> reference.PreparedReference | None:
    """BRÅ's SOL export or a reference JSON (BRÅ, Kolada), checked; None for any other file."""
    if options.kind is not None:
        return None
    if found == "json":
        loaded = reference.load_json(data, file_name)
        return None if loaded is None else reference.prepare_reference_json(*loaded, file_name, options.year)
    if found == "table" and reference.looks_like_sol(data):
        return reference.prepare_bra_sol(data, file_name)
    return None


def import_path(con: duckdb.DuckDBPyConnection, path: Path | str, options: ImportOptions | None = None,
                today: date | None = None) -> ImportResult:
    """Import a file from disk."""
    path = Path(path)
    return import_bytes(con, path.read_bytes(), path.name, options, today)
