"""Divisions a person recognises: DeSO named after their RegSO, areas renamed by hand, and DeSO grouped into
larger areas (RegSO from SCB's key table, the municipality's own districts from a mapping table).

The base division (meta 'division', the first boundary file) holds the areas incidents are placed in. A
grouping division is a set of rows in `division_members` (DeSO code -> group name); its areas are rows of
`areas` built from the DeSO areas present: geometry dissolved in SWEREF 99 TM, population summed. `area_members`
links each group to its DeSO, so a grouped area's incidents are its DeSO areas' incidents (view `area_parts`).
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import duckdb
import numpy as np
import shapely

from lagesbild import db, geo, queries
from lagesbild.ingest import guard

REGSO = "RegSO"
OWN = "Egna distrikt"
GROUPINGS = (REGSO, OWN)
KINDS = {REGSO: "RegSO", OWN: "district"}


class RenameError(ValueError):
    """A rename that cannot be done, with the reason in Swedish (`sv`) and English (`en`)."""

    def __init__(self, sv: str, en: str) -> None:
        super().__init__(en)
        self.sv, self.en = sv, en


def base_division(con: duckdb.DuckDBPyConnection) -> str | None:
    """The division incidents are placed in (the first boundary file's)."""
    found = queries.rows(con, "SELECT value FROM meta WHERE key = 'division'")
    return str(found[0][0]) if found else None


def available(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """Each division with areas and its number of areas, the base division first."""
    base = base_division(con)
    found = queries.rows(con, "SELECT division, count(*) FROM areas GROUP BY division"
                              " ORDER BY division = ? DESC, division", [base or ""])
    return [(str(d), int(n)) for d, n in found]


def deso_names(members: list[tuple[str, str]]) -> dict[str, str]:
    """DeSO code -> display name from (DeSO code, RegSO name) pairs: the RegSO name, with the DeSO code after it
    where several DeSO share the RegSO ("Tjärna Ängar" alone, "Mjälga-Centrum (2081C1090)" when shared)."""
    shared = Counter(name for _, name in members)
    return {code: name if shared[name] == 1 else f"{name} ({code})" for code, name in members}


def apply_names(cur: duckdb.DuckDBPyConnection) -> int:
    """Name the DeSO areas after their RegSO (the key table's names), except areas renamed by hand; returns how
    many names changed."""
    members = [(str(c), str(n)) for c, n in cur.execute(
        "SELECT member_code, group_name FROM division_members WHERE division = ? ORDER BY member_code",
        [REGSO]).fetchall()]
    names = deso_names(members)
    if not names:
        return 0
    codes, values = list(names), list(names.values())
    changed = cur.execute(
        "SELECT count(*) FROM areas a JOIN (SELECT unnest(?::VARCHAR[]) AS code, unnest(?::VARCHAR[]) AS name) n"
        " ON n.code = a.code WHERE a.kind = 'DeSO' AND a.name <> n.name"
        " AND NOT EXISTS (SELECT 1 FROM area_renames r WHERE r.division = a.division AND r.code = a.code)",
        [codes, values]).fetchall()[0][0]
    cur.execute(
        "UPDATE areas SET name = n.name FROM (SELECT unnest(?::VARCHAR[]) AS code, unnest(?::VARCHAR[]) AS name) n"
        " WHERE n.code = areas.code AND areas.kind = 'DeSO'"
        " AND NOT EXISTS (SELECT 1 FROM area_renames r WHERE r.division = areas.division AND r.code = areas.code)",
        [codes, values])
    return int(changed)


def rebuild(cur: duckdb.DuckDBPyConnection, division: str, import_id: int | None = None) -> int:
    """Build (again) the grouped areas of `division` from its members and the base division's DeSO areas;
    returns the number of grouped areas. An area keeps its id (and its links) while its group exists."""
    base = cur.execute("SELECT value FROM meta WHERE key = 'division'").fetchall()
    parts = cur.execute(
        "SELECT m.group_name, a.id, a.population, a.geojson FROM division_members m"
        " JOIN areas a ON a.code = m.member_code AND a.division = ?"
        " WHERE m.division = ? ORDER BY m.group_name, a.code",
        [base[0][0] if base else "", division]).fetchall()
    groups: dict[str, list[tuple[int, int | None, str]]] = {}
    for name, area_id, population, shape in parts:
        groups.setdefault(str(name), []).append((int(area_id), population, str(shape)))
    existing = {str(code): int(i) for code, i in cur.execute(
        "SELECT code, id FROM areas WHERE division = ?", [division]).fetchall()}
    gone = [i for code, i in existing.items() if code not in groups]
    cur.execute("DELETE FROM area_members WHERE group_id IN (SELECT id FROM areas WHERE division = ?)", [division])
    if gone:
        cur.execute("DELETE FROM intervention_areas WHERE list_contains(?, area_id)", [gone])
        cur.execute("UPDATE incidents SET area_id = NULL, precision = 'municipality'"  # placed by name on it
                    " WHERE list_contains(?, area_id)", [gone])
        cur.execute("DELETE FROM area_population WHERE list_contains(?, area_id)", [gone])
        cur.execute("DELETE FROM areas WHERE list_contains(?, id)", [gone])
    kind = KINDS.get(division, "custom")
    for name, members in groups.items():
        shapes = [shapely.from_geojson(shape) for _, _, shape in members]
        metric = shapely.union_all([_to_sweref(s) for s in shapes])
        point = metric.representative_point()
        lon, lat = geo.to_wgs84(np.array([point.x]), np.array([point.y]))
        shape_wgs = shapely.set_precision(_to_wgs84(metric), 1e-6)
        known = [p for _, p, _ in members if p is not None]
        population = int(sum(known)) if known else None
        values = [population, float(metric.area / 1e6), shapely.to_geojson(shape_wgs), float(lon[0]), float(lat[0])]
        if name in existing:
            area_id = existing[name]
            cur.execute("UPDATE areas SET population = ?, base_population = ?, area_km2 = ?, geojson = ?,"
                        " centroid_lon = ?, centroid_lat = ? WHERE id = ?",
                        [values[0], values[0], *values[1:], area_id])
        else:
            area_id = int(cur.execute("SELECT nextval('area_ids')").fetchall()[0][0])
            cur.execute("INSERT INTO areas (id, code, name, kind, division, population, area_km2, geojson,"
                        " centroid_lon, centroid_lat, import_id, base_population)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [area_id, name, name, kind, division, values[0], *values[1:], import_id, values[0]])
        cur.execute("INSERT INTO area_members SELECT ?, unnest(?::INTEGER[])", [area_id, [m for m, _, _ in members]])
    return len(groups)


def rebuild_all(cur: duckdb.DuckDBPyConnection) -> None:
    """Names and every grouping division again, after the DeSO areas or the groupings changed."""
    apply_names(cur)
    for (division,) in cur.execute("SELECT DISTINCT division FROM division_members ORDER BY 1").fetchall():
        rebuild(cur, str(division))


def _to_sweref(shape: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(shape, lambda xy: np.column_stack(geo.to_sweref(xy[:, 0], xy[:, 1])))


def _to_wgs84(shape: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(shape, lambda xy: np.column_stack(geo.to_wgs84(xy[:, 0], xy[:, 1])))


def rename_area(con: duckdb.DuckDBPyConnection, code: str, new_name: str, renamed_by: str,
                division: str | None = None) -> str:
    """Rename an area (of `division`, or of the base division), logged in `area_renames`; returns the old name.
    A name holding personal data, an empty name or an unknown code is refused and nothing changes."""
    name = " ".join(new_name.split())
    if not name:
        raise RenameError("Det nya namnet är tomt.", "The new name is empty.")
    if len(name) > 80:
        raise RenameError("Namnet är längre än 80 tecken.", "The name is longer than 80 characters.")
    reason = guard.value_reason(name, guard.TEXT)
    if reason:
        error = guard.PersonalDataError("Namnet", "The name", reason)
        raise RenameError(error.message("sv"), error.message("en"))
    chosen = division or base_division(con)
    with db.write(con) as cur:
        found = cur.execute("SELECT id, name FROM areas WHERE code = ? AND division = ?",
                            [code, chosen or ""]).fetchall()
        if not found:
            raise RenameError(f"Inget område med koden {code} i indelningen {chosen}.",
                              f"No area with code {code} in division {chosen}.")
        old = str(found[0][1])
        if old == name:
            return old
        cur.execute("UPDATE areas SET name = ? WHERE id = ?", [name, found[0][0]])
        cur.execute("INSERT INTO area_renames (division, code, old_name, new_name, renamed_by, renamed_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)", [chosen, code, old, name, renamed_by, datetime.now(UTC)])
    return old


def members(con: duckdb.DuckDBPyConnection, division: str) -> dict[str, str]:
    """DeSO code -> group name of a grouping division."""
    return {str(c): str(g) for c, g in queries.rows(
        con, "SELECT member_code, group_name FROM division_members WHERE division = ?", [division])}


def set_grouping(con: duckdb.DuckDBPyConnection, division: str, grouping: dict[str, str]) -> int:
    """Replace a grouping division's members (DeSO code -> group name; an empty name leaves the DeSO out) and
    build its areas again; returns the number of grouped areas. A group name holding personal data, or a code
    that is not one of the base division's areas, is refused and nothing changes."""
    chosen = {code: " ".join(name.split()) for code, name in grouping.items() if name and name.strip()}
    for name in set(chosen.values()):
        if len(name) > 80:
            raise RenameError(f"Namnet ”{name[:40]}…” är längre än 80 tecken.", "A name is longer than 80 characters.")
        reason = guard.value_reason(name, guard.TEXT)
        if reason:
            error = guard.PersonalDataError(f"Namnet ”{name}”", "A group's name", reason)
            raise RenameError(error.message("sv"), error.message("en"))
    with db.write(con) as cur:
        base = cur.execute("SELECT value FROM meta WHERE key = 'division'").fetchall()
        known = {str(c) for (c,) in cur.execute("SELECT code FROM areas WHERE division = ?",
                                                [base[0][0] if base else ""]).fetchall()}
        unknown = sorted(set(chosen) - known)
        if unknown:
            raise RenameError(f"Okänt område: {unknown[0]}.", f"Unknown area: {unknown[0]}.")
        cur.execute("DELETE FROM division_members WHERE division = ?", [division])
        if chosen:
            cur.execute("INSERT INTO division_members SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), NULL",
                        [division, list(chosen), list(chosen.values())])
        return rebuild(cur, division)


def rename_areas(con: duckdb.DuckDBPyConnection, names: dict[str, str], renamed_by: str,
                 division: str | None = None) -> int:
    """Rename several areas in one write: all of them, or (when one is refused) none; returns how many."""
    with db.write(con):  # the renames below join this write
        for code, name in names.items():
            rename_area(con, code, name, renamed_by, division)
    return len(names)
