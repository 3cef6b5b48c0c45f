"""Perceived safety surveys (trygghetsmätning): one value per indicator, area and year, with its respondents.

A table is recognised by its columns: an indicator (`indikator`, `fråga`, `mått`), an area (`område`,
`områdeskod`), a year (`år`), a value (`värde`, `andel`, `andel (%)`, `index`) and the number who answered
(`svarande`, `antal svar`, `n`). An optional `enhet` column says `andel` (per cent) or `index`; without it an
indicator whose name holds "index" is an index and any other a share in per cent.

Areas are matched on the municipality's own areas (base division) by code or name, then by the municipality's
place names (`place_names`, when a name points at one area), all compared normalised (lower case, single
spaces, å/ä/ö kept). A row for the whole municipality (its name or code, "Hela kommunen", "Totalt") is kept
with no area. Any row that does not fit — an area that matches nothing, a share outside 0–100, respondents
that are not a whole number — refuses the whole file, naming file, row, column and value: a survey with one
area that matches nothing is a survey of other areas, and a half-imported survey would mislead.

Stored values are never overwritten: the same values again count as duplicates; a different value for the
same indicator, area and year refuses the file and names the import that holds it (undo it first).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from lagesbild import db
from lagesbild.ingest import guard
from lagesbild.ingest.columns import header_key
from lagesbild.ingest.context import Context
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.reference import code_for
from lagesbild.ingest.store import ImportResult, next_import_id, record_import
from lagesbild.ingest.tables import Table
from lagesbild.ingest.values import is_missing, normalise, parse_number

SHARE, INDEX = "andel", "index"
HEADERS: dict[str, tuple[str, ...]] = {
    "indicator": ("indikator", "fråga", "fraga", "mått", "matt", "indicator"),
    "area": ("område", "omrade", "områdeskod", "omradeskod", "områdesnamn", "omradesnamn", "område kod",
             "område namn", "area", "deso", "stadsdel"),
    "year": ("år", "ar", "mätår", "year", "undersökningsår"),
    "value": ("värde", "varde", "andel", "andel %", "andel (%)", "procent", "index", "value"),
    "respondents": ("svarande", "antal svarande", "antal svar", "svar", "respondenter", "n", "respondents"),
    "unit": ("enhet", "unit"),
}
WHOLE_MUNICIPALITY = {"hela kommunen", "kommunen", "kommun", "totalt", "kommunen totalt", "samtliga områden",
                      "alla områden", "hela"}
MAX_RESPONDENTS = 1_000_000


@dataclass(frozen=True)
class SurveyValue:
    row: int
    indicator_key: str
    indicator: str
    area_id: int | None
    year: int
    unit: str
    value: float
    respondents: int | None


@dataclass
class PreparedSurvey:
    file_name: str
    values: list[SurveyValue]
    rows_read: int
    ignored: dict[str, int] = field(default_factory=dict)


def _columns(headers: list[str]) -> dict[str, str]:
    """Field -> header, for every field some header names (first match wins; one header one field)."""
    keys = {header: header_key(header) for header in headers}
    found: dict[str, str] = {}
    for name, synonyms in HEADERS.items():
        for header, key in keys.items():
            if key in synonyms and header not in found.values():
                found[name] = header
                break
    return found


def looks_like_survey(headers: list[str]) -> bool:
    """An indicator, a value and a respondents column: a survey table, whatever else it holds."""
    found = _columns(headers)
    return all(name in found for name in ("indicator", "value", "respondents"))


def _whole_municipality(text: str, ctx: Context) -> bool:
    key = normalise(text)
    if key in WHOLE_MUNICIPALITY or (ctx.municipality_code and key == ctx.municipality_code):
        return True
    return bool(ctx.municipality_code) and code_for(text) == ctx.municipality_code


def area_matcher(con: duckdb.DuckDBPyConnection, ctx: Context) -> dict[str, int]:
    """Normalised area code, area name or place name -> area id (a place name only when it names one area)."""
    lookup: dict[str, int] = {}
    places: dict[str, set[int]] = {}
    for name, area_id in con.execute("SELECT name, area_id FROM place_names").fetchall():
        places.setdefault(normalise(str(name)), set()).add(int(area_id))
    active = {int(i) for i in ctx.areas["id"]}
    for key, ids in places.items():
        if len(ids) == 1 and next(iter(ids)) in active:
            lookup[key] = next(iter(ids))
    return lookup | {k: int(v) for k, v in ctx.area_lookup().items()}


def _at(row: list[str], index: int) -> str:
    return row[index].strip() if index < len(row) else ""


def prepare_survey(table: Table, con: duckdb.DuckDBPyConnection, ctx: Context) -> PreparedSurvey:
    """Every row checked; the first problem refuses the file (the others are listed with it)."""
    name = table.file_name
    columns = _columns(table.headers)
    for needed, label in (("indicator", "indikator"), ("area", "område"), ("year", "år"), ("value", "värde"),
                          ("respondents", "antal svarande")):
        if needed not in columns:
            raise FileRefusedError(Problem(name, None, None, None, "missing_column", label))
    if not table.rows:
        raise FileRefusedError(Problem(name, None, None, None, "no_rows"))
    at = {field_name: table.headers.index(header) for field_name, header in columns.items()}
    areas = area_matcher(con, ctx)
    problems: list[Problem] = []
    values: list[SurveyValue] = []
    seen: dict[tuple[str, int | None, int], tuple[int, float, int | None, list[str]]] = {}
    unread = [i for i, header in enumerate(table.headers) if header not in columns.values()]
    duplicates = 0

    def cell(row: list[str], field_name: str) -> str:
        index = at.get(field_name)
        return row[index].strip() if index is not None and index < len(row) else ""

    for number, row in zip(table.row_numbers, table.rows, strict=True):
        if not any(c.strip() for c in row):
            continue
        before = len(problems)
        indicator = " ".join(cell(row, "indicator").split())
        area_text = " ".join(cell(row, "area").split())
        for field_name, text in (("indicator", indicator), ("area", area_text)):
            if not text:
                problems.append(Problem(name, number, columns[field_name], None, "missing_value"))
        area_id: int | None = None
        if area_text:
            if _whole_municipality(area_text, ctx):
                area_id = None
            elif normalise(area_text) in areas:
                area_id = areas[normalise(area_text)]
            else:
                problems.append(Problem(name, number, columns["area"], area_text, "unknown_survey_area",
                                        ctx.municipality_name or "kommunen"))
        year_text = cell(row, "year")
        year = 0
        try:
            parsed_year = parse_number(year_text) if year_text else None
        except ValueError:
            parsed_year = None
        if parsed_year is None or parsed_year != int(parsed_year) or not 1950 <= parsed_year <= ctx.today.year:
            problems.append(Problem(name, number, columns["year"], year_text or None, "bad_survey_year",
                                    str(ctx.today.year)))
        else:
            year = int(parsed_year)
        unit_text = normalise(cell(row, "unit"))
        if unit_text in ("", "%", "procent", "andel", "andel %", "share"):
            unit = INDEX if not unit_text and "index" in normalise(indicator) else SHARE
        elif unit_text == INDEX:
            unit = INDEX
        else:
            problems.append(Problem(name, number, columns["unit"], cell(row, "unit"), "bad_survey_unit"))
            unit = SHARE
        value_text = cell(row, "value").rstrip("%").strip()
        value: float | None = None
        try:
            value = parse_number(value_text) if value_text else None
        except ValueError:
            problems.append(Problem(name, number, columns["value"], value_text, "bad_number"))
        else:
            if value is None:
                problems.append(Problem(name, number, columns["value"], None, "missing_value"))
            elif unit == SHARE and not 0 <= value <= 100:
                problems.append(Problem(name, number, columns["value"], value_text, "bad_share"))
        respondents_text = cell(row, "respondents")
        respondents: int | None = None
        if respondents_text and not is_missing(respondents_text):
            try:
                counted = parse_number(respondents_text)
            except ValueError:
                counted = -1.0
            if counted is None or counted < 0 or counted != int(counted) or counted > MAX_RESPONDENTS:
                problems.append(Problem(name, number, columns["respondents"], respondents_text, "bad_respondents"))
            else:
                respondents = int(counted)
        if len(problems) > before or value is None:
            continue
        key = (normalise(indicator), area_id, year)
        if key in seen:
            first_row, first_value, first_n, first_cells = seen[key]
            if (first_value, first_n) != (value, respondents):
                # an export split by a column the app does not read (Kön, Ålder) repeats every key: name it
                split = [i for i in unread if _at(first_cells, i) != _at(row, i)]
                if split:
                    problems.append(Problem(name, number, table.headers[split[0]], _at(row, split[0]) or None,
                                            "survey_split", str(first_row)))
                else:
                    problems.append(Problem(name, number, columns["value"], value_text, "survey_twice",
                                            str(first_row)))
            else:
                duplicates += 1
            continue
        seen[key] = (number, value, respondents, row)
        values.append(SurveyValue(number, normalise(indicator), indicator, area_id, year, unit, value, respondents))
    if problems:
        raise FileRefusedError(problems[0], problems[1:])
    if not values:
        raise FileRefusedError(Problem(name, None, None, None, "no_rows"))
    shares = [v for v in values if v.unit == "andel"]
    if shares and all(v.value <= 1 for v in shares) and any(v.value > 0 for v in shares):
        # 0,25 stored as 0,25 % would be a quiet error a hundredfold: a survey where every share is at most 1 %
        # is not a survey of insecurity
        first = next(v for v in shares if v.value > 0)
        raise FileRefusedError(Problem(name, first.row, columns["value"], None, "shares_as_fractions"))
    guard.check_column(name, columns["indicator"], [v.indicator for v in values], [v.row for v in values],
                       guard.PLACE)
    for first in {v.indicator_key: v for v in reversed(values)}.values():  # each indicator once, its first row
        # an indicator is typed by a person and shown to everyone: read as the form guard reads typed text
        reason = guard.value_reason(first.indicator, guard.FORM)
        if reason:
            raise FileRefusedError(Problem(name, first.row, columns["indicator"], None, reason))
    ignored = {"rader som upprepar en tidigare rad": duplicates} if duplicates else {}
    return PreparedSurvey(name, values, len(table.rows), ignored)


def store_survey(con: duckdb.DuckDBPyConnection, prepared: PreparedSurvey, *, sha256: str, imported_by: str,
                 dry_run: bool = False) -> ImportResult:
    """Store the values in one write; refuse a file that contradicts values already stored."""
    values = prepared.values
    frame = pa.table({
        "row_number": pa.array([v.row for v in values], pa.int32()),
        "indicator_key": pa.array([v.indicator_key for v in values], pa.string()),
        "indicator": pa.array([v.indicator for v in values], pa.string()),
        "area_id": pa.array([v.area_id for v in values], pa.int32()),
        "year": pa.array([v.year for v in values], pa.int32()),
        "unit": pa.array([v.unit for v in values], pa.string()),
        "value": pa.array([v.value for v in values], pa.float64()),
        "respondents": pa.array([v.respondents for v in values], pa.int32()),
    })
    ignored = sum(prepared.ignored.values())
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "survey",
                          rows_read=prepared.rows_read, ignored=dict(prepared.ignored), rows_ignored=ignored)
    same = ("s.indicator_key = r.indicator_key AND s.year = r.year"
            " AND s.area_id IS NOT DISTINCT FROM r.area_id")
    with db.write(con, dry_run=dry_run) as cur:
        cur.register("staged_survey_rows", frame)
        try:
            cur.execute("CREATE OR REPLACE TEMP TABLE staged_survey AS SELECT * FROM staged_survey_rows").fetchall()
        finally:
            cur.unregister("staged_survey_rows")
        try:
            clash = cur.execute(
                "SELECT r.import_id, i.file_name, s.row_number, s.indicator, s.year FROM staged_survey s"
                " JOIN safety_surveys r ON " + same + " JOIN imports i ON i.id = r.import_id"
                " WHERE r.value <> s.value OR r.unit <> s.unit OR r.respondents IS DISTINCT FROM s.respondents"
                " ORDER BY s.row_number LIMIT 1").fetchall()
            if clash:
                other, other_name, row, indicator, year = clash[0]
                raise FileRefusedError(Problem(prepared.file_name, int(row), None, f"{indicator} {year}",
                                               "survey_conflict", f"import {other} ({other_name})"))
            fresh = int(cur.execute(
                "SELECT count(*) FROM staged_survey s WHERE NOT EXISTS (SELECT 1 FROM safety_surveys r WHERE "
                + same + ")").fetchall()[0][0])
            result.rows_stored, result.rows_duplicate = fresh, len(values) - fresh
            if dry_run:
                return result
            import_id = next_import_id(cur)
            cur.execute(
                "INSERT INTO safety_surveys SELECT s.indicator_key, s.indicator, s.area_id, s.year, s.unit, s.value,"
                " s.respondents, ?, s.row_number FROM staged_survey s WHERE NOT EXISTS (SELECT 1 FROM"
                " safety_surveys r WHERE " + same + ")", [import_id]).fetchall()
        finally:
            cur.execute("DROP TABLE IF EXISTS staged_survey").fetchall()
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result
