"""Tables that group DeSO areas: SCB's DeSO→RegSO key table (kopplingstabell) and a municipality's own
district mapping (`deso;distrikt`).

SCB's key table covers the whole country (UTF-8 with BOM, `;`, empty trailing columns, a first header that is
not "Kommun" in every release, blank lines at the end); it is recognised by its content — a column of DeSO
codes beside a column headed RegSO — and only this municipality's rows are kept (by the DeSO code's first four
digits). It gives the division 'RegSO' and names the DeSO areas after their RegSO. Any other table with a
column of DeSO codes and a column headed distrikt/område/grupp gives the division 'Egna distrikt'.
A row with a code that is not DeSO, or a DeSO placed in two groups, refuses the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from lagesbild import divisions
from lagesbild.ingest import guard
from lagesbild.ingest.areas import DESO
from lagesbild.ingest.columns import header_key
from lagesbild.ingest.context import Context
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.store import ImportResult, next_import_id, record_import, transaction
from lagesbild.ingest.tables import Table

GROUP_HEADERS = {"regso": divisions.REGSO, "regsonamn": divisions.REGSO, "distrikt": divisions.OWN,
                 "eget distrikt": divisions.OWN, "område": divisions.OWN, "omrade": divisions.OWN,
                 "grupp": divisions.OWN, "stadsdel": divisions.OWN}
CODE_HEADERS = ("deso", "desokod", "deso_kod", "deso kod")


@dataclass
class PreparedGrouping:
    file_name: str
    division: str
    members: list[tuple[str, str]]  # (DeSO code, group name), this municipality's only
    rows_read: int
    ignored: dict[str, int]


def _columns(table: Table) -> tuple[str | None, str | None]:
    keys = {header_key(h): h for h in table.headers}
    code = next((keys[k] for k in CODE_HEADERS if k in keys), None)
    group = next((keys[k] for k in GROUP_HEADERS if k in keys and keys[k] != code), None)
    return code, group


def looks_like_grouping(table: Table) -> bool:
    """A column headed DeSO holding DeSO codes (some of the first rows: the rest are then refused one by one,
    naming the row) beside a RegSO or district column."""
    code, group = _columns(table)
    if code is None or group is None:
        return False
    index = table.headers.index(code)
    sample = [row[index].strip() for row in table.rows[:50] if index < len(row) and row[index].strip()]
    return any(DESO.match(value) for value in sample)


def prepare_grouping(table: Table, ctx: Context) -> PreparedGrouping:
    """This municipality's rows, checked: every code a DeSO code, every DeSO in one group, no personal data."""
    name = table.file_name
    code_header, group_header = _columns(table)
    if code_header is None or group_header is None:
        raise FileRefusedError(Problem(name, None, None, None, "missing_column", "DeSO-kod och grupp (RegSO/distrikt)"))
    if not ctx.municipality_code:
        raise FileRefusedError(Problem(name, None, None, None, "no_municipality"))
    division = GROUP_HEADERS[header_key(group_header)]
    code_at, group_at = table.headers.index(code_header), table.headers.index(group_header)
    seen: dict[str, tuple[str, int]] = {}
    members: list[tuple[str, str]] = []
    elsewhere = 0
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        code = row[code_at].strip() if code_at < len(row) else ""
        group = " ".join(row[group_at].split()) if group_at < len(row) else ""
        if not code and not group:
            continue
        if not DESO.match(code):
            raise FileRefusedError(Problem(name, number, code_header, code, "bad_deso_code"))
        if not code.startswith(ctx.municipality_code):
            if division == divisions.OWN:
                raise FileRefusedError(Problem(name, number, code_header, code, "area_code_elsewhere", code[:4]))
            elsewhere += 1
            continue
        if not group:
            raise FileRefusedError(Problem(name, number, group_header, None, "missing_value"))
        if code in seen and seen[code][0] != group:
            raise FileRefusedError(Problem(name, number, code_header, code, "deso_twice", str(seen[code][1])))
        if code not in seen:
            seen[code] = (group, number)
            members.append((code, group))
    if not members:
        raise FileRefusedError(Problem(name, None, None, None, "no_areas_here", ctx.municipality_name))
    guard.check_column(name, group_header, [g for _, g in members],
                       [seen[c][1] for c, _ in members], guard.PLACE)
    ignored = {"rader för andra kommuner": elsewhere} if elsewhere else {}
    return PreparedGrouping(name, division, members, len(table.rows), ignored)


def store_grouping(con: duckdb.DuckDBPyConnection, prepared: PreparedGrouping, *, sha256: str, imported_by: str,
                   dry_run: bool = False) -> ImportResult:
    """Replace the division's grouping with the file's, name the DeSO areas (key table) and build the grouped
    areas, in one transaction."""
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "divisions",
                          rows_read=prepared.rows_read, ignored=prepared.ignored,
                          rows_ignored=sum(prepared.ignored.values()))
    with transaction(con, dry_run=dry_run) as cur:
        before = {(str(c), str(g)) for c, g in cur.execute(
            "SELECT member_code, group_name FROM division_members WHERE division = ?",
            [prepared.division]).fetchall()}
        result.rows_stored = len(set(prepared.members) - before)
        result.rows_duplicate = len(prepared.members) - result.rows_stored
        if dry_run:
            return result
        import_id = next_import_id(cur)
        cur.execute("DELETE FROM division_members WHERE division = ?", [prepared.division])
        cur.execute("INSERT INTO division_members SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), ?",
                    [prepared.division, [c for c, _ in prepared.members], [g for _, g in prepared.members],
                     import_id])
        divisions.apply_names(cur)
        divisions.rebuild(cur, prepared.division, import_id)
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result
