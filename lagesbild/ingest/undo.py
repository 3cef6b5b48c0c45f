"""Undo and restore of an import: what an undo removes is kept, so the import can come back exactly.

Undo moves every row the import stored into the `undone_*` holding tables (insert by name, then delete),
and restore moves them back: same ids, same natural keys, every column. Data stored later that depend on the
import (incidents placed in its areas, population figures, edits of its interventions) are named by
`consequences` before the undo happens, in Swedish for the upload page and in English for the CLI; what
they lose is held too and given back by restore.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from lagesbild import db, formatting, queries
from lagesbild.ingest.store import refresh_population

# (live table, condition selecting the rows an undo of import ? moves): the order is the order of undo;
# restore goes backwards. Table names and conditions are constants, the import id is bound.
_INCIDENTS = [
    ("incident_risk_factors", "incident_id IN (SELECT id FROM incidents WHERE import_id = ?)"),
    ("incidents", "import_id = ?"),
]
_INTERVENTIONS = [
    ("intervention_areas", "intervention_id IN (SELECT id FROM interventions WHERE import_id = ?)"),
    ("intervention_risk_factors", "intervention_id IN (SELECT id FROM interventions WHERE import_id = ?)"),
    ("intervention_categories", "intervention_id IN (SELECT id FROM interventions WHERE import_id = ?)"),
    ("interventions", "import_id = ?"),
]
_AREAS = [  # other imports' links and population figures for the areas go with them
    ("intervention_areas", "area_id IN (SELECT id FROM areas WHERE import_id = ?)"),
    ("area_population", "area_id IN (SELECT id FROM areas WHERE import_id = ?)"),
    ("areas", "import_id = ?"),
]
_POPULATION = [("area_population", "import_id = ?")]
MOVES = {
    "incidents": _INCIDENTS,
    "interventions": _INTERVENTIONS,
    "areas": _AREAS,
    "population": _POPULATION,
    "reference": [("reference_statistics", "import_id = ?")],
    "survey": [("safety_surveys", "import_id = ?")],
    "demo": [("safety_surveys", "import_id = ?"), *_INCIDENTS, *_INTERVENTIONS, *_AREAS],
}
HELD_TABLES = sorted({table for moves in MOVES.values() for table, _ in moves})


class UndoRefusedError(Exception):
    """An undo or restore that cannot be done, with the reason in Swedish (`sv`) and English (`en`)."""

    def __init__(self, sv: str, en: str) -> None:
        super().__init__(en)
        self.sv, self.en = sv, en


@dataclass(frozen=True)
class Consequence:
    """What undoing an import means for data stored after it, said before it happens."""

    sv: str
    en: str


def _import(cur: duckdb.DuckDBPyConnection, import_id: int) -> tuple[str, str, str]:
    found = cur.execute("SELECT kind, status, file_name FROM imports WHERE id = ?", [import_id]).fetchall()
    if not found:
        raise UndoRefusedError(f"Det finns ingen import {import_id} att ångra eller återställa.",
                               f"There is no import {import_id} to undo or restore.")
    return found[0]


def _sv(count: int, one: str, many: str) -> str:
    return f"{formatting.number(count)} {one if count == 1 else many}"


def _en(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def consequences(con: duckdb.DuckDBPyConnection, import_id: int) -> list[Consequence]:
    """What undoing `import_id` does to data that depend on it (empty when nothing else is touched)."""
    cur = con.cursor()
    try:
        kind, status, _ = _import(cur, import_id)
        if status != "stored":
            return []
        found = []
        if kind in ("areas", "demo"):
            incidents, areas = cur.execute(
                "SELECT count(*), count(DISTINCT area_id) FROM incidents WHERE import_id <> ? AND area_id IN"
                " (SELECT id FROM areas WHERE import_id = ?)", [import_id, import_id]).fetchall()[0]
            if incidents:
                found.append(Consequence(
                    f"{_sv(incidents, 'händelse', 'händelser')} i {_sv(areas, 'område', 'områden')} förlorar sitt "
                    "område (de räknas inte längre per område)",
                    f"{_en(incidents, 'incident')} in {_en(areas, 'area')} "
                    + ("loses its area" if incidents == 1 else "lose their area") + " (no longer counted per area)"))
            interventions, areas = cur.execute(
                "SELECT count(DISTINCT ia.intervention_id), count(DISTINCT ia.area_id) FROM intervention_areas ia"
                " JOIN interventions iv ON iv.id = ia.intervention_id WHERE iv.import_id IS DISTINCT FROM ?"
                " AND ia.area_id IN (SELECT id FROM areas WHERE import_id = ?)", [import_id, import_id]).fetchall()[0]
            if interventions:
                found.append(Consequence(
                    f"{_sv(interventions, 'insats', 'insatser')} förlorar sin koppling till "
                    f"{_sv(areas, 'område', 'områden')}",
                    f"{_en(interventions, 'intervention')} lose their link to {_en(areas, 'area')}"))
            imports = cur.execute(
                "SELECT count(DISTINCT import_id) FROM area_population WHERE import_id <> ? AND area_id IN"
                " (SELECT id FROM areas WHERE import_id = ?)", [import_id, import_id]).fetchall()[0][0]
            if imports:
                found.append(Consequence(
                    f"befolkningssiffrorna från {_sv(imports, 'senare import', 'senare importer')} för områdena "
                    "tas bort",
                    f"the population figures of {_en(imports, 'later import')} for these areas are removed"))
        if kind == "population":
            areas = cur.execute("SELECT count(DISTINCT area_id) FROM area_population WHERE import_id = ?",
                                [import_id]).fetchall()[0][0]
            if areas:
                found.append(Consequence(
                    f"befolkningen i {_sv(areas, 'område', 'områden')} går tillbaka till en tidigare uppgift (eller "
                    "den områdena skapades med), och brott per invånare räknas om",
                    f"the population of {_en(areas, 'area')} goes back to an earlier figure (or the one the areas were "
                    "created with), and rates per inhabitant change"))
        if kind in ("interventions", "demo"):
            edited = cur.execute(
                "SELECT count(DISTINCT l.intervention_id) FROM intervention_log l JOIN interventions iv"
                " ON iv.id = l.intervention_id WHERE iv.import_id = ? AND l.action <> 'importerad'",
                [import_id]).fetchall()[0][0]
            if edited:
                found.append(Consequence(
                    f"{_sv(edited, 'insats', 'insatser')} har ändrats efter importen; ändringarna försvinner med dem",
                    f"{_en(edited, 'intervention')} were edited after the import; the edits go with them"))
        return found
    finally:
        cur.close()


def undo_import(con: duckdb.DuckDBPyConnection, import_id: int, *, undone_by: str) -> dict[str, int]:
    """Move exactly what import `import_id` stored out of the live tables; returns counts per table."""
    with db.write(con) as cur:
        kind, status, file_name = _import(cur, import_id)
        if status != "stored":
            raise UndoRefusedError(
                f"Importen {import_id} ({file_name}) kan inte ångras: den är {queries.STATUS_LABELS.get(status, status)}.",
                f"Import {import_id} ({file_name}) cannot be undone: its status is '{status}'.")
        if kind == "divisions":  # a grouping is replaced whole by the next file of its kind (lagesbild.divisions)
            raise UndoRefusedError(
                f"Importen {import_id} ({file_name}) är en gruppering av DeSO-områden och ångras genom att en ny "
                "tabell läses in i dess ställe; ett områdes namn ändras under Ladda upp › Områdesnamn.",
                f"Import {import_id} ({file_name}) groups DeSO areas; importing another table replaces it. "
                "Rename an area with `rename-area`.")
        if kind in ("areas", "demo"):  # incidents of other imports lose their area; restore gives it back
            where = "import_id <> ? AND area_id IN (SELECT id FROM areas WHERE import_id = ?)"
            cur.execute("INSERT INTO undone_incident_areas SELECT ?, id, area_id FROM incidents WHERE " + where,
                        [import_id, import_id, import_id])
            cur.execute("UPDATE incidents SET area_id = NULL WHERE " + where, [import_id, import_id])
        removed: dict[str, int] = {}
        for table, condition in MOVES.get(kind, []):
            moved = _move(cur, table, "undone_" + table, condition, import_id, hold=True)
            if moved or table in ("incidents", "areas", "interventions", "incident_risk_factors"):
                removed[table] = removed.get(table, 0) + moved
        if kind in ("population", "areas", "demo"):
            refresh_population(cur)
        cur.execute("UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
                    [datetime.now(UTC), undone_by, import_id])
        return _removed_in_order(kind, removed)


def _removed_in_order(kind: str, removed: dict[str, int]) -> dict[str, int]:
    wanted = {"incidents": ("incident_risk_factors", "incidents"), "population": ("area_population",),
              "interventions": ("interventions",), "areas": ("area_population", "areas")}
    keep = wanted.get(kind)
    return {t: n for t, n in removed.items() if keep is None or t in keep}


def _move(cur: duckdb.DuckDBPyConnection, source: str, target: str, condition: str, import_id: int,
          *, hold: bool) -> int:
    """Move the rows of `source` matching `condition` into `target` by column name; returns how many."""
    if hold:
        cur.execute("INSERT INTO " + target + " BY NAME SELECT *, ? AS held_for FROM " + source  # allow-listed
                    + " WHERE " + condition, [import_id, *[import_id] * condition.count("?")])
        deleted: int = cur.execute("DELETE FROM " + source + " WHERE " + condition,
                                   [import_id] * condition.count("?")).fetchall()[0][0]
        return deleted
    cur.execute("INSERT INTO " + target + " BY NAME SELECT * EXCLUDE (held_for) FROM " + source
                + " WHERE held_for = ?", [import_id])
    restored: int = cur.execute("DELETE FROM " + source + " WHERE held_for = ?", [import_id]).fetchall()[0][0]
    return restored


def restore_import(con: duckdb.DuckDBPyConnection, import_id: int, *, restored_by: str) -> dict[str, int]:
    """Bring an undone import back exactly as it was stored; returns counts per table."""
    with db.write(con) as cur:
        kind, status, file_name = _import(cur, import_id)
        if status != "undone":
            raise UndoRefusedError(
                f"Importen {import_id} ({file_name}) är inte ångrad och kan inte återställas.",
                f"Import {import_id} ({file_name}) is not undone, so there is nothing to restore.")
        _refuse_clashes(cur, import_id)
        restored: dict[str, int] = {}
        for table in reversed(dict.fromkeys(t for t, _ in MOVES.get(kind, []))):
            moved = _move(cur, "undone_" + table, table, "", import_id, hold=False)
            restored[table] = restored.get(table, 0) + moved
        cur.execute("UPDATE incidents SET area_id = u.area_id FROM undone_incident_areas u"
                    " WHERE u.held_for = ? AND incidents.id = u.incident_id", [import_id])
        cur.execute("UPDATE undone_incidents SET area_id = u.area_id FROM undone_incident_areas u"
                    " WHERE u.held_for = ? AND undone_incidents.id = u.incident_id", [import_id])
        cur.execute("DELETE FROM undone_incident_areas WHERE held_for = ?", [import_id])
        _refuse_dangling(cur, import_id)
        if kind in ("population", "areas", "demo"):
            refresh_population(cur)
        cur.execute("UPDATE imports SET status = 'stored', restored_at = ?, restored_by = ? WHERE id = ?",
                    [datetime.now(UTC), restored_by, import_id])
        return _removed_in_order(kind, {t: n for t, n in restored.items() if n or t in (
            "incidents", "areas", "interventions", "incident_risk_factors")})


def _refuse_clashes(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Refuse a restore whose rows were stored again meanwhile (a later import of the same file)."""
    incidents = cur.execute(
        "SELECT count(*), min(i.import_id) FROM undone_incidents u JOIN incidents i ON i.natural_key = u.natural_key"
        " OR i.id = u.id WHERE u.held_for = ?", [import_id]).fetchall()[0]
    areas = cur.execute(
        "SELECT count(*), min(a.import_id) FROM undone_areas u JOIN areas a ON (a.division = u.division"
        " AND a.code = u.code) OR a.id = u.id WHERE u.held_for = ?", [import_id]).fetchall()[0]
    interventions = cur.execute(
        "SELECT count(*), min(i.import_id) FROM undone_interventions u JOIN interventions i ON i.id = u.id"
        " WHERE u.held_for = ?", [import_id]).fetchall()[0]
    for (count, other), sv, en in ((incidents, "händelser", "incidents"), (areas, "områden", "areas"),
                                   (interventions, "insatser", "interventions")):
        if count:
            later = f" (import {other})" if other is not None else ""
            raise UndoRefusedError(
                f"Importen kan inte återställas: {formatting.number(count)} av dess {sv} finns redan igen{later}; "
                "ångra den först.",
                f"The import cannot be restored: {count:,} of its {en} are stored again{later}; undo that first.")


def _refuse_dangling(cur: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Refuse a restore whose rows would point at areas that are themselves undone."""
    missing = cur.execute(
        "SELECT count(*) FROM (SELECT area_id FROM incidents WHERE import_id = ? UNION ALL SELECT ia.area_id"
        " FROM intervention_areas ia JOIN interventions iv ON iv.id = ia.intervention_id WHERE iv.import_id = ?"
        " UNION ALL SELECT area_id FROM area_population WHERE import_id = ?) r"
        " WHERE r.area_id IS NOT NULL AND r.area_id NOT IN (SELECT id FROM areas)",
        [import_id] * 3).fetchall()[0][0]
    if missing:
        listed = ", ".join(str(row[0]) for row in cur.execute(
            "SELECT DISTINCT held_for FROM undone_areas ORDER BY held_for").fetchall())
        raise UndoRefusedError(
            f"Importen kan inte återställas: den hör till områden som är ångrade (import {listed}); "
            "återställ dem först.",
            f"The import cannot be restored: it refers to areas that are undone (import {listed}); "
            "restore those first.")
