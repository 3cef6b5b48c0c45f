"""Interventions from a CSV or Excel file (an action plan kept in a spreadsheet), checked like the form.

Areas, risk factors and categories may be given by code or Swedish name, several per cell separated by
comma or semicolon. An intervention already in the register (same name and start) is a duplicate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import duckdb

from lagesbild import queries, register
from lagesbild.ingest import guard
from lagesbild.ingest.columns import guess_mapping
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.store import ImportResult, next_import_id, record_import, transaction
from lagesbild.ingest.tables import Table
from lagesbild.ingest.values import normalise, parse_date, parse_number

FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("namn", "insats", "insatsens namn", "name", "åtgärd"),
    "kind": ("typ", "typ av insats", "kind", "insatstyp"),
    "areas": ("område", "områden", "omrade", "omraden", "areas", "area", "plats"),
    "start": ("start", "startdatum", "från", "fran", "start_date", "börjar"),
    "end": ("slut", "slutdatum", "till", "end_date", "slutar"),
    "responsible": ("ansvariga", "ansvarig", "aktörer", "responsible"),
    "risk_factors": ("riskfaktorer", "riskfaktor", "risk factors"),
    "categories": ("kategorier", "kategori", "brottstyper", "brottstyp", "categories"),
    "status": ("status",),
    "dose_value": ("omfattning", "dos", "dose", "timmar"),
    "dose_unit": ("enhet", "unit"),
    "cost_sek": ("kostnad", "cost", "kostnad kr", "budget"),
    "problem": ("problem", "problemet", "syfte"),
    "weekdays": ("veckodagar", "veckodag", "dagar", "weekdays"),
    "hours": ("klockslag", "tider", "tid på dygnet", "timmar på dygnet", "hours"),
}
_WEEKDAYS = {name: number for number, names in enumerate(
    (("mån", "måndag", "mandag", "mon"), ("tis", "tisdag", "tue"), ("ons", "onsdag", "wed"),
     ("tor", "tors", "torsdag", "thu"), ("fre", "fredag", "fri"), ("lör", "lördag", "lordag", "sat"),
     ("sön", "söndag", "sondag", "sun")), start=1) for name in names} | {str(n): n for n in range(1, 8)}
_HOURS = re.compile(r"^(?:kl\.?\s*)?(\d{1,2})(?:[:.]00)?\s*[-–]\s*(\d{1,2})(?:[:.]00)?$")
_SPLIT = re.compile(r"\s*[,;]\s*")


def looks_like_interventions(headers: list[str]) -> bool:
    mapping = guess_mapping(headers, FIELDS)
    return bool(mapping.get("name") and mapping.get("start") and (mapping.get("kind") or mapping.get("areas")))


@dataclass
class PreparedInterventions:
    file_name: str
    items: list[tuple[int, register.Intervention]]
    rows_read: int
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)


def prepare_interventions(table: Table, con: duckdb.DuckDBPyConnection) -> PreparedInterventions:
    mapping = guess_mapping(table.headers, FIELDS)
    for required, label in (("name", "namn"), ("start", "start")):
        if not mapping.get(required):
            raise FileRefusedError(Problem(table.file_name, None, None, None, "missing_column", label))
    places = {h for f in ("areas", "risk_factors", "categories") if (h := mapping.get(f))}
    guard.check(table, skip_name_check=places, known_headers={h for h in mapping.values() if h})
    lookups = {
        "areas": _lookup(con, "SELECT code, name FROM active_areas"),
        "risk_factors": _lookup(con, "SELECT code, label FROM risk_factors"),
        "categories": _lookup(con, "SELECT code, label FROM categories"),
    }
    prepared = PreparedInterventions(table.file_name, [], len(table.rows))
    index = {h: i for i, h in enumerate(table.headers)}

    def cell(row: list[str], field_name: str) -> str:
        header = mapping.get(field_name)
        return row[index[header]].strip() if header else ""

    for number, row in zip(table.row_numbers, table.rows, strict=True):
        found: list[Problem] = []

        def bad(field_name: str, code: str, found: list[Problem] = found, number: int = number,
                row: list[str] = row) -> None:
            found.append(Problem(table.file_name, number, mapping.get(field_name), cell(row, field_name), code))

        try:
            start = parse_date(cell(row, "start"))
        except ValueError:
            bad("start", "bad_date")
            start = None
        end = None
        if cell(row, "end"):
            try:
                end = parse_date(cell(row, "end"))
            except ValueError:
                bad("end", "bad_date")
        chosen = {}
        for field_name, lookup in lookups.items():
            codes = []
            for part in _SPLIT.split(cell(row, field_name)) if cell(row, field_name) else []:
                code = lookup.get(normalise(part))
                if code is None:
                    bad(field_name, "unknown_area" if field_name == "areas" else
                        "unknown_risk_factor" if field_name == "risk_factors" else "unknown_category")
                else:
                    codes.append(code)
            chosen[field_name] = codes
        numbers = {}
        for field_name in ("dose_value", "cost_sek"):
            try:
                numbers[field_name] = parse_number(cell(row, field_name))
            except ValueError:
                bad(field_name, "bad_number")
                numbers[field_name] = None
        try:
            weekdays = parse_weekdays(cell(row, "weekdays"))
        except ValueError:
            bad("weekdays", "bad_weekdays")
            weekdays = []
        try:
            hours = parse_hours(cell(row, "hours"))
        except ValueError:
            bad("hours", "bad_hours")
            hours = (None, None)
        if found or start is None:
            prepared.problems.extend(found)
            prepared.rejected_rows.add(number)
            continue
        status = normalise(cell(row, "status")) or register.status_on(start, end)
        item = register.Intervention(
            name=cell(row, "name"), kind=cell(row, "kind") or "Övrigt", start=start, end=end,
            area_codes=chosen["areas"], responsible=[r for r in _SPLIT.split(cell(row, "responsible").lower()) if r],
            risk_factors=chosen["risk_factors"], categories=chosen["categories"], status=status,
            dose_value=numbers["dose_value"], dose_unit=cell(row, "dose_unit") or None,
            cost_sek=numbers["cost_sek"], problem=cell(row, "problem") or None, weekdays=weekdays,
            hour_from=hours[0], hour_to=hours[1])
        errors = register.problems(con, item)
        if errors:
            prepared.problems.append(Problem(table.file_name, number, None, item.name, "invalid_intervention",
                                             " ".join(errors)))
            prepared.rejected_rows.add(number)
            continue
        prepared.items.append((number, item))
    return prepared


def parse_weekdays(text: str) -> list[int]:
    """'fre, lör', 'fredag–söndag', '5;6' -> ISO weekdays; '' -> [] (every day)."""
    days: list[int] = []
    for part in _SPLIT.split(text.strip().lower()) if text.strip() else []:
        ends = [p.strip() for p in re.split(r"\s*[-–]\s*", part)]
        if len(ends) > 2 or any(e not in _WEEKDAYS for e in ends):
            raise ValueError(part)
        first, last = _WEEKDAYS[ends[0]], _WEEKDAYS[ends[-1]]
        days += [(first - 1 + k) % 7 + 1 for k in range((last - first) % 7 + 1)]
    return sorted(set(days))


def parse_hours(text: str) -> tuple[int | None, int | None]:
    """'21–03' (from 21:00 until 03:00) -> (21, 2), the first and last whole hour; '' -> the whole day."""
    if not text.strip():
        return None, None
    found = _HOURS.match(text.strip().lower())
    if not found or not all(0 <= int(h) <= 24 for h in found.groups()) or found.group(1) == found.group(2):
        raise ValueError(text)
    return int(found.group(1)) % 24, (int(found.group(2)) - 1) % 24


def _lookup(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, str]:
    found = {}
    for code, label in queries.rows(con, sql):
        found[normalise(code)] = code
        found[normalise(label)] = code
    return found


def store_interventions(con: duckdb.DuckDBPyConnection, prepared: PreparedInterventions, *, sha256: str,
                        imported_by: str, on_error: str = "skip", dry_run: bool = False) -> ImportResult:
    """Add the interventions in one transaction; one already registered (name and start) is a duplicate."""
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "interventions",
                          rows_read=prepared.rows_read, rows_rejected=len(prepared.rejected_rows),
                          problems=prepared.problems)
    if result.refuse_if_rows_rejected(on_error):
        return result
    with transaction(con, dry_run=dry_run) as cur:
        existing = {(n, d) for n, d in cur.execute("SELECT lower(name), start_date FROM interventions").fetchall()}
        fresh, seen = [], set()
        for _, item in prepared.items:
            key = (item.name.lower(), item.start)
            if key not in existing and key not in seen:
                fresh.append(item)
                seen.add(key)
        result.rows_stored = len(fresh)
        result.rows_duplicate = len(prepared.items) - len(fresh)
        if dry_run:
            return result
        import_id = next_import_id(cur)
        for item in fresh:
            register.insert(cur, item, imported_by, import_id)
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result
