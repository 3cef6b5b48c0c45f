"""Reference statistics: BRÅ's reported crimes per municipality and Kolada key figures, as public aggregates.

These files describe all 290 municipalities, one number each per year and measure; they are stored in
`reference_statistics` (migration 0012) for comparing the municipality with similar municipalities and the
country (`lagesbild.reference`), never as incidents. Recognised:

- BRÅ "Anmälda brott i kommunerna" as a table (`name;numCrimes;crimesRelative`, or `Kommun;Antal;Per 100 000
  inv.`) or as the same records in JSON: a count and a rate per 100 000 inhabitants;
- the raw export of BRÅ's statistics database (SOL): Latin-1, a page header (`Anmälda brott;Brottsförebyggande
  rådet`, `;År;`, `;2021;`, `;/100&nbsp;000&nbsp;inv;`) that repeats, also inside a municipality's block, a
  `"<Name> kommun;;"` row followed by one row per crime category, `..` for a missing value;
- Kolada via juvahem's `index.json` (population per municipality) and `communes/<code>.json` (N07540 reported
  crimes per 100 000, N01951 population, each with its period).

Names become codes through `lagesbild/data/kommuner.csv` (every written form seen: "Sölvesborgs kommun",
"Sölvesborg kommun", "Malung–Sälens kommun" with an en dash). A name that matches no municipality refuses the
whole file, naming file, row and column: a table of municipalities with one unknown is the wrong table.

Rules, the same for every format:
- a missing value (`..`) is left out and counted; a file with no value at all is refused;
- the same municipality twice in one file (the SOL export has Heby twice): the first value is kept; a later
  block with only missing values adds nothing (counted), a later different value is reported as a problem;
- importing figures that are already stored: the same values count as duplicates and nothing new is stored;
  different values for the same municipality, year, measure and unit refuse the file, naming the import that
  holds them (undo it first). One value per municipality, year, measure and unit is live at a time.
"""

from __future__ import annotations

import csv
import functools
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from lagesbild import db
from lagesbild.ingest import guard
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.store import ImportResult, next_import_id, record_import
from lagesbild.ingest.tables import Table, decode
from lagesbild.ingest.values import normalise, parse_number

KOMMUNER_CSV = Path(__file__).resolve().parent.parent / "data" / "kommuner.csv"
PER_100K, COUNT = "per 100 000 inv", "antal"
TOTAL = "anmalda_brott_totalt"
TOTAL_LABEL = "Anmälda brott totalt"
POPULATION = "folkmangd"
POPULATION_LABEL = "Folkmängd"
_DASHES = str.maketrans({c: "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"})
_YEAR_IN_NAME = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
_SOL_FIRST = "anmälda brott;brottsförebyggande rådet"
# Headers of BRÅ's table, as the derived file and BRÅ's own download write them (normalised).
_NAME_HEADERS = {"name", "kommun", "namn", "region"}
_COUNT_HEADERS = {"numcrimes", "antal", "anmälda brott", "antal anmälda brott"}
_RATE_HEADERS = {"crimesrelative", "per 100 000 inv.", "per 100 000 inv", "per 100 000 invånare",
                 "anmälda brott per 100 000 inv.", "anmälda brott per 100 000 invånare"}
_TOTAL_LABELS = {"samtliga brott", "totalt", "anmälda brott totalt", "samtliga anmälda brott",
                 "totalt antal anmälda brott"}
# Names in use that none of the regular forms gives: official irregular forms, and Malung-Sälen's name before
# 2009, which BRÅ's JSON still uses ("Malung kommun").
_EXTRA_NAMES = {"falu kommun": "2080", "region gotland": "0980", "stockholms stad": "0180",
                "göteborgs stad": "1480", "malmö stad": "1280", "malung kommun": "2023", "malung": "2023"}


@dataclass(frozen=True)
class Municipality:
    """One of Sweden's 290 municipalities, from `lagesbild/data/kommuner.csv`."""

    code: str
    name: str         # "Sölvesborgs kommun"
    short_name: str   # "Sölvesborg"
    county: str
    skr_group: str    # SKR kommungrupp 2023, A1 … C9


@functools.cache
def municipalities() -> dict[str, Municipality]:
    """Code -> municipality, all 290."""
    with KOMMUNER_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    return {row["code"]: Municipality(row["code"], row["name"], row["short_name"], row["county"],
                                      row["skr_group"]) for row in rows}


def name_key(text: str) -> str:
    """How municipality names are compared: NFC, lower case, single spaces, any dash as '-'."""
    return normalise(unicodedata.normalize("NFC", text).translate(_DASHES))


@functools.cache
def name_index() -> dict[str, str]:
    """Every written form of a municipality's name -> its code ("sölvesborgs kommun", "sölvesborg", …)."""
    forms: dict[str, set[str]] = {}
    for m in municipalities().values():
        short = name_key(m.short_name)
        full = name_key(m.name)
        genitive = short if short.endswith(("s", "x", "z")) else short + "s"
        for form in (full, full.removesuffix(" kommun"), short, short + " kommun", genitive, genitive + " kommun"):
            forms.setdefault(form, set()).add(m.code)
    index = {form: next(iter(codes)) for form, codes in forms.items() if len(codes) == 1}
    return index | _EXTRA_NAMES


def code_for(name: str) -> str | None:
    """The municipality code for a name in any of its written forms, or None."""
    return name_index().get(name_key(name))


@dataclass(frozen=True)
class Value:
    """One figure read from a file, with where it stood."""

    row: int
    column: str
    code: str
    year: int
    measure: str
    label: str
    unit: str
    value: float | None   # None: missing in the file ('..')
    source: str


@dataclass
class PreparedReference:
    """What a reference file holds, checked: the figures to store and what was left out."""

    file_name: str
    kind_label: str
    values: list[Value] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    rejected_rows: set[int] = field(default_factory=set)
    ignored: dict[str, int] = field(default_factory=dict)


# Recognising the files ---------------------------------------------------------------------------------------

def looks_like_sol(data: bytes) -> bool:
    """BRÅ's SOL export: its first line is the page header."""
    line = data[:300].split(b"\n", 1)[0]
    try:
        first = line.decode("utf-8-sig")
    except UnicodeDecodeError:
        first = line.decode("cp1252", errors="replace")
    return normalise(first.rstrip("\r;")) == _SOL_FIRST


def looks_like_bra_table(headers: list[str]) -> bool:
    """A table of municipalities with reported crimes (count and/or rate)."""
    found = {normalise(h) for h in headers}
    return bool(found & _NAME_HEADERS) and bool(found & (_COUNT_HEADERS | _RATE_HEADERS))


def reference_json_kind(document: object) -> str | None:
    """'bra' (records with name and numCrimes), 'kolada_index' or 'kolada_commune', else None."""
    if isinstance(document, list) and document and all(isinstance(r, dict) for r in document[:5]):
        keys = {normalise(k) for k in document[0]}
        if keys & _NAME_HEADERS and keys & (_COUNT_HEADERS | _RATE_HEADERS):
            return "bra"
    if isinstance(document, dict):
        if isinstance(document.get("communes"), list) and "count" in document:
            return "kolada_index"
        if "kommunkod" in document and isinstance(document.get("safety") or document.get("population"), dict):
            return "kolada_commune"
    return None


def file_year(file_name: str, year: int | None) -> int | None:
    """The year the coordinator gave, else a year written in the file name ("anmalda_brott_2021.csv")."""
    if year is not None:
        return year
    found = _YEAR_IN_NAME.findall(Path(file_name).stem)
    return int(found[-1]) if len(set(found)) == 1 else None


def _need_year(file_name: str, year: int | None) -> int:
    found = file_year(file_name, year)
    if found is None:
        raise FileRefusedError(Problem(file_name, None, None, None, "missing_year"))
    return found


def _measure(label: str) -> tuple[str, str]:
    """(code, Swedish label) of a crime category label: the total, or a slug of the label."""
    if normalise(label) in _TOTAL_LABELS:
        return TOTAL, TOTAL_LABEL
    plain = unicodedata.normalize("NFKD", label.lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "okand", " ".join(label.split())


# Reading ----------------------------------------------------------------------------------------------------

def _code_or_unknown(name: str, file_name: str, row: int, column: str, unknown: list[Problem]) -> str:
    code = code_for(name)
    if code is None:
        unknown.append(Problem(file_name, row, column, name, "unknown_municipality"))
        return ""
    return code


def _refuse_unknown(file_name: str, unknown: list[Problem]) -> None:
    if unknown:
        first = unknown[0]
        code = "unknown_municipality" if len(unknown) == 1 else "unknown_municipalities"
        raise FileRefusedError(Problem(first.file, first.row, first.column, first.value, code,
                                       str(len(unknown) - 1)), unknown[1:10])


def _number(prepared: PreparedReference, text: object, row: int, column: str) -> float | None:
    """A figure, None when missing; a wrong one is a problem and rejects the row."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        number: float | None = float(text)
    else:
        try:
            number = parse_number(None if text is None else str(text))
        except ValueError:
            prepared.problems.append(Problem(prepared.file_name, row, column, str(text), "bad_number"))
            prepared.rejected_rows.add(row)
            return None
    if number is not None and (number < 0 or number != number):
        prepared.problems.append(Problem(prepared.file_name, row, column, str(text), "bad_number"))
        prepared.rejected_rows.add(row)
        return None
    return number


def prepare_bra_sol(data: bytes, file_name: str) -> PreparedReference:
    """BRÅ's SOL export: page headers skipped wherever they stand, blocks per municipality."""
    text, _encoding = decode(data, file_name)
    text = text.replace("&nbsp;", "\u00a0")  # the HTML entity in the unit line would split it at its ';'
    prepared = PreparedReference(file_name, "BRÅ, statistikdatabasen (SOL)")
    lines = [(number, line.rstrip("\r").split(";")) for number, line in enumerate(text.split("\n"), start=1)]
    year: int | None = None
    unit: str | None = None
    current: tuple[str, int] | None = None   # (code, row of the municipality's line)
    blocks = 0
    unknown: list[Problem] = []
    cells: list[tuple[int, str, str]] = []   # (row, label, value) for the guard
    pending: list[tuple[int, str, str, str]] = []  # (row, code, label, value)
    for number, fields in lines:
        first = fields[0].strip()
        second = fields[1].strip() if len(fields) > 1 else ""
        if not "".join(fields).strip():
            continue
        if normalise(";".join(fields[:2])) == _SOL_FIRST:
            continue
        if not first:  # the page header's second to fourth lines: ';År;', ';2021;', ';/100 000 inv;'
            cleaned = normalise(second)
            if re.fullmatch(r"\d{4}", cleaned):
                if year is not None and int(cleaned) != year:
                    raise FileRefusedError(Problem(file_name, number, "År", second, "several_years",
                                                   f"{year}, {cleaned}"))
                year = int(cleaned)
            elif "100 000" in cleaned:
                unit = PER_100K
            elif cleaned == "antal":
                unit = COUNT
            continue
        cells.append((number, first, second))
        if not second and (name_key(first).endswith(" kommun") or code_for(first) or current is None):
            current = (_code_or_unknown(first, file_name, number, "kommun", unknown), number)  # "Heby kommun;;"
            blocks += 1
            continue
        if current is None:
            raise FileRefusedError(Problem(file_name, number, None, first, "value_before_municipality"))
        pending.append((number, current[0], first, second))
    guard.check(Table(file_name, ["kommun", "värde"], [[c[1], c[2]] for c in cells], [c[0] for c in cells]),
                skip_name_check={"kommun"}, known_headers={"kommun"})
    _refuse_unknown(file_name, unknown)
    if year is None or unit is None:
        raise FileRefusedError(Problem(file_name, None, None, None, "missing_sol_header"))
    source = f"Brå, statistikdatabasen (SOL), anmälda brott {year}"
    prepared.rows_read = blocks
    for number, code, label, raw in pending:
        measure, measure_label = _measure(label)
        prepared.values.append(Value(number, label, code, year, measure, measure_label, unit,
                                     _number(prepared, raw, number, label), source))
    return prepared


def _source_bra(year: int) -> str:
    return f"Brå, Anmälda brott i kommunerna {year}"


def _bra_records(prepared: PreparedReference, records: list[tuple[int, dict[str, Any]]], year: int) -> None:
    """Rows of BRÅ's table (count and/or rate per municipality), as dicts header -> cell."""
    if not records:
        raise FileRefusedError(Problem(prepared.file_name, None, None, None, "no_rows"))
    unknown: list[Problem] = []
    keys = list(records[0][1])
    name_col = next(k for k in keys if normalise(k) in _NAME_HEADERS)
    count_col = next((k for k in keys if normalise(k) in _COUNT_HEADERS), None)
    rate_col = next((k for k in keys if normalise(k) in _RATE_HEADERS), None)
    source = _source_bra(year)
    for number, record in records:
        name = str(record.get(name_col) or "").strip()
        if not name:
            prepared.problems.append(Problem(prepared.file_name, number, name_col, None, "missing_value"))
            prepared.rejected_rows.add(number)
            continue
        code = _code_or_unknown(name, prepared.file_name, number, name_col, unknown)
        for column, unit in ((count_col, COUNT), (rate_col, PER_100K)):
            if column is not None:
                prepared.values.append(Value(number, column, code, year, TOTAL, TOTAL_LABEL, unit,
                                             _number(prepared, record.get(column), number, column), source))
    _refuse_unknown(prepared.file_name, unknown)
    prepared.rows_read = len(records)


def prepare_bra_table(table: Table, year: int | None) -> PreparedReference:
    """BRÅ's "Anmälda brott i kommunerna" as a CSV or Excel table."""
    names = {h for h in table.headers if normalise(h) in _NAME_HEADERS}
    guard.check(table, skip_name_check=names, known_headers=names)  # "name" holds municipalities, not people
    prepared = PreparedReference(table.file_name, "BRÅ, Anmälda brott i kommunerna")
    found = _need_year(table.file_name, year)
    records = [(number, dict(zip(table.headers, row, strict=False)))
               for number, row in zip(table.row_numbers, table.rows, strict=True)]
    _bra_records(prepared, records, found)
    return prepared


def prepare_reference_json(document: Any, kind: str, file_name: str, year: int | None) -> PreparedReference:
    """BRÅ's records in JSON, or Kolada's index / one commune's file."""
    if kind == "bra":
        guard.check_records(file_name, document, {k: guard.PLACE for k in document[0]})
        prepared = PreparedReference(file_name, "BRÅ, Anmälda brott i kommunerna")
        _bra_records(prepared, list(enumerate(document, start=1)), _need_year(file_name, year))
        return prepared
    if kind == "kolada_index":
        communes = document["communes"]
        guard.check_records(file_name, communes, {"name": guard.PLACE, "kommunkod": guard.PLACE})
        prepared = PreparedReference(file_name, "Kolada (index)")
        found = _need_year(file_name, year)
        unknown: list[Problem] = []
        for number, commune in enumerate(communes, start=1):
            code = _kolada_code(commune, file_name, number, unknown)
            prepared.values.append(Value(number, "population_total", code, found, POPULATION, POPULATION_LABEL,
                                         COUNT, _number(prepared, commune.get("population_total"), number,
                                                        "population_total"), f"Kolada N01951 {found}"))
        _refuse_unknown(file_name, unknown)
        prepared.rows_read = len(communes)
        return prepared
    guard.check_records(file_name, [document], {"name": guard.PLACE, "kommunkod": guard.PLACE})
    prepared = PreparedReference(file_name, "Kolada (kommun)")
    unknown = []
    code = _kolada_code(document, file_name, 1, unknown)
    _refuse_unknown(file_name, unknown)
    for path, measure, label, unit in (("safety.reported_crime_per_100k", TOTAL, TOTAL_LABEL, PER_100K),
                                       ("population.total", POPULATION, POPULATION_LABEL, COUNT)):
        group, key = path.split(".")
        figure = (document.get(group) or {}).get(key)
        if not isinstance(figure, dict):
            continue
        provenance = figure.get("provenance") or {}
        period = provenance.get("period")
        if not isinstance(period, int):
            prepared.problems.append(Problem(file_name, 1, path + ".provenance.period", str(period),
                                             "missing_period"))
            prepared.rejected_rows.add(1)
            continue
        kpi_id = re.fullmatch(r"kolada:(N\d{5})", str(provenance.get("source", "")))
        kpi = "Kolada" + (" " + kpi_id.group(1) if kpi_id else "")
        prepared.values.append(Value(1, path, code, period, measure, label, unit,
                                     _number(prepared, figure.get("value"), 1, path), f"{kpi} {period}"))
    prepared.rows_read = 1
    return prepared


def _kolada_code(commune: dict[str, Any], file_name: str, number: int, unknown: list[Problem]) -> str:
    code = str(commune.get("kommunkod", "")).strip().zfill(4)
    if code not in municipalities():
        unknown.append(Problem(file_name, number, "kommunkod", str(commune.get("kommunkod")),
                               "unknown_municipality"))
    return code


def load_json(data: bytes, file_name: str) -> tuple[Any, str] | None:
    """The JSON document and its reference kind, or None when it is not reference statistics."""
    try:
        document = json.loads(decode(data, file_name)[0])
    except (ValueError, RecursionError):
        return None
    kind = reference_json_kind(document)
    return None if kind is None else (document, kind)


# Storing ----------------------------------------------------------------------------------------------------

def _deduplicate(prepared: PreparedReference) -> pa.Table:
    """The values to store: missing ones and repeats within the file taken out, each counted or reported."""
    kept: dict[tuple[str, int, str, str], Value] = {}
    for value in prepared.values:
        if value.row in prepared.rejected_rows or not value.code:
            continue
        key = (value.code, value.year, value.measure, value.unit)
        if value.value is None:
            reason = "saknat värde (..)" if key not in kept else "kommunen en gång till, utan värde"
            prepared.ignored[reason] = prepared.ignored.get(reason, 0) + 1
            continue
        first = kept.get(key)
        if first is None:
            kept[key] = value
        elif first.value != value.value:
            prepared.problems.append(Problem(prepared.file_name, value.row, value.column, f"{value.value:g}",
                                             "duplicate_municipality", str(first.row)))
    values = list(kept.values())
    return pa.table({
        "municipality_code": pa.array([v.code for v in values], pa.string()),
        "year": pa.array([v.year for v in values], pa.int32()),
        "measure": pa.array([v.measure for v in values], pa.string()),
        "measure_label": pa.array([v.label for v in values], pa.string()),
        "unit": pa.array([v.unit for v in values], pa.string()),
        "value": pa.array([v.value for v in values], pa.float64()),
        "source": pa.array([v.source for v in values], pa.string()),
    })


def store_reference(con: duckdb.DuckDBPyConnection, prepared: PreparedReference, *, sha256: str, imported_by: str,
                    on_error: str = "skip", dry_run: bool = False) -> ImportResult:
    """Store the figures in one write; refuse a file that contradicts figures already stored."""
    frame = _deduplicate(prepared)
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "reference",
                          rows_read=prepared.rows_read, rows_rejected=len(prepared.rejected_rows),
                          problems=prepared.problems, ignored=dict(prepared.ignored))
    result.rows_ignored = sum(prepared.ignored.values())
    if result.refuse_if_rows_rejected(on_error):
        return result
    if frame.num_rows == 0 and not prepared.rejected_rows:
        raise FileRefusedError(Problem(prepared.file_name, None, None, None, "no_reference_values"))
    with db.write(con, dry_run=dry_run) as cur:
        cur.register("staged_reference", frame)
        try:
            cur.execute("CREATE OR REPLACE TEMP TABLE staged_ref AS SELECT * FROM staged_reference").fetchall()
        finally:
            cur.unregister("staged_reference")
        try:
            clash = cur.execute(
                "SELECT r.import_id, i.file_name, count(*), min(r.municipality_code), min(s.year)"
                " FROM staged_ref s JOIN reference_statistics r USING (municipality_code, year, measure, unit)"
                " JOIN imports i ON i.id = r.import_id WHERE r.value <> s.value"
                " GROUP BY r.import_id, i.file_name ORDER BY r.import_id LIMIT 1").fetchall()
            if clash:
                other, name, count, code, year = clash[0]
                raise FileRefusedError(Problem(prepared.file_name, None, None, f"{code} {year}", "reference_conflict",
                                               f"import {other} ({name}): {count}"))
            fresh = cur.execute(
                "SELECT count(*) FROM staged_ref s WHERE NOT EXISTS (SELECT 1 FROM reference_statistics r WHERE"
                " r.municipality_code = s.municipality_code AND r.year = s.year AND r.measure = s.measure"
                " AND r.unit = s.unit)").fetchall()[0][0]
            result.rows_stored, result.rows_duplicate = int(fresh), frame.num_rows - int(fresh)
            if dry_run:
                return result
            import_id = next_import_id(cur)
            cur.execute(
                "INSERT INTO reference_statistics SELECT s.municipality_code, s.year, s.measure, s.measure_label,"
                " s.unit, s.value, s.source, ? FROM staged_ref s WHERE NOT EXISTS (SELECT 1 FROM"
                " reference_statistics r WHERE r.municipality_code = s.municipality_code AND r.year = s.year"
                " AND r.measure = s.measure AND r.unit = s.unit)", [import_id]).fetchall()
        finally:
            cur.execute("DROP TABLE IF EXISTS staged_ref").fetchall()
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result
