"""Reports from the street: a safety host or a partner (the *rapportör* role) reports what they saw.

A report says what (a category and observed risk factors), where (a point picked on the map, or a whole area),
when (now by default), how serious (1–3) and for which organisation (the account's). It is stored as one incident
of its own import (kind 'incidents', source_key 'rapport', the organisation's source), so it is on every page from
the next rerun, staff see it exactly and viewers protected like everything else, and the import history traces
it. `street_reports` keeps the author, the organisation, the seriousness and the draft's client token: sending
the same draft again (after a dropped connection) finds the token and stores nothing new. The author may edit or
delete a report for `EDIT_WINDOW`; each change is logged (`street_report_log`), and a deleted report's incident
is moved out by the import undo, so the coordinator can still restore it.

No names and no identities: the one free text (a short note) passes the personal-data guard before anything is
written. Nothing here imports Streamlit.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from lagesbild import basemap, db, formatting, geo, queries, vocabulary
from lagesbild.ingest import guard, undo
from lagesbild.ingest.store import next_free_id, next_import_id
from lagesbild.settings import TIME_ZONE

EDIT_WINDOW = timedelta(hours=24)
OLDEST = timedelta(days=30)  # a report is about something seen lately; older things come by file
NOTE_MAX = 200
SOURCE_KEY = queries.PHONE_REPORTS  # the source_key of the import each report is
SERIOUSNESS = {1: "Låg", 2: "Medel", 3: "Hög"}
MAX_PICK_CELLS = 1600   # squares offered for picking in one area (the payload of the phone's map)
FINEST_PICK_M = 25
PICK_MAP_HEIGHT = 340
EXACT_UP_TO_M = 50      # a pick this fine is a point ('exact'); coarser is 'street'
STREET_UP_TO_M = 250    # ... up to SCB's finest square; a coarser pick (a rural area's big squares) keeps its area only
COARSEST_POSITION_M = 250  # a phone position less certain than this is not used: the map is better
_ZONE = ZoneInfo(TIME_ZONE)


class ReportError(ValueError):
    """A report that cannot be stored or changed; `reasons` say why in Swedish, for the form."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Report:
    """What the form holds: codes from the vocabulary, a point (lon/lat) or an area code, a local time."""

    category: str
    occurred_at: datetime                     # aware, or naive on the Stockholm wall clock
    seriousness: int
    lon: float | None = None
    lat: float | None = None
    area_code: str | None = None
    risk_factors: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""
    pick_m: int = FINEST_PICK_M               # the size of the square the point was picked in


@dataclass(frozen=True)
class Receipt:
    number: int
    incident_id: int
    created_at: datetime
    again: bool = False                        # the draft had been stored already: nothing new was stored

    def text(self) -> str:
        """The receipt in Swedish, with the time on the Stockholm clock."""
        clock = self.created_at.astimezone(_ZONE).strftime("%H:%M")
        return f"Tack! Rapport nr {self.number} sparad kl. {clock}."


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=_ZONE) if moment.tzinfo is None else moment


def _rows(cur: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    return cur.execute(sql, params or []).fetchall()


def _codes(cur: duckdb.DuckDBPyConnection, table: str) -> dict[str, int]:
    sql = {"categories": "SELECT code, id FROM categories", "risk_factors": "SELECT code, id FROM risk_factors"}[table]
    return {str(code): int(number) for code, number in _rows(cur, sql)}


def _active_areas(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return cur.execute("SELECT id, code, name, geojson FROM active_areas ORDER BY name COLLATE sv").df()


def problems(con: duckdb.DuckDBPyConnection, report: Report, *, now: datetime | None = None) -> list[str]:
    """Swedish reasons the report cannot be stored (empty when it can)."""
    now = now or datetime.now(UTC)
    cur = con.cursor()
    try:
        found = _problems(cur, report, now)
    finally:
        cur.close()
    return found


def _problems(cur: duckdb.DuckDBPyConnection, report: Report, now: datetime) -> list[str]:
    found = []
    if report.category not in _codes(cur, "categories"):
        found.append("Välj vad du såg.")
    known = _codes(cur, "risk_factors")
    unknown = [code for code in report.risk_factors if code not in known]
    if unknown:
        found.append("Okända riskfaktorer: " + ", ".join(unknown) + ".")
    about_people = [label for code, label, domain in _rows(cur, "SELECT code, label, domain FROM risk_factors")
                    if code in report.risk_factors and domain not in STREET_DOMAINS]
    if about_people:
        found.append("En rapport säger vad som syns på platsen, inte något om personer: "
                     + ", ".join(about_people) + " kan inte väljas.")
    if report.seriousness not in SERIOUSNESS:
        found.append("Välj hur allvarligt det är (1–3).")
    when = _aware(report.occurred_at)
    if when > now + timedelta(minutes=5):
        found.append("Tiden ligger i framtiden.")
    elif when < now - OLDEST:
        found.append(f"En rapport gäller något du sett de senaste {OLDEST.days} dagarna; äldre uppgifter kommer "
                     "in som fil under Ladda upp data.")
    pointed = report.lon is not None and report.lat is not None
    if not pointed and not report.area_code:
        found.append("Välj var: peka på kartan eller välj ett område.")
    elif not pointed and report.area_code not in set(_active_areas(cur)["code"]):
        found.append("Okänt område.")
    if len(report.note) > NOTE_MAX:
        found.append(f"Kommentaren får vara högst {NOTE_MAX} tecken.")
    found.extend(guard.form_problems({"Kommentar": report.note}))
    return found


def _place(cur: duckdb.DuckDBPyConnection, report: Report) -> dict[str, Any]:
    """Where the report is: point, SWEREF, grid cells and area (or the area alone), as stored."""
    areas = _active_areas(cur)
    if report.lon is not None and report.lat is not None:
        x, y = geo.to_sweref(np.array([report.lon]), np.array([report.lat]))
        area_id = None
        if len(areas):
            position = geo.assign_to_polygons(geo.sweref_geometries(areas["geojson"]), x, y)
            if position[0] < 0:
                raise ReportError(["Platsen ligger utanför kommunens områden. Peka på kartan inom kommunen."])
            area_id = int(areas["id"].iloc[int(position[0])])
        if report.pick_m > STREET_UP_TO_M:  # a point a square of 300 m or more off would sit in the wrong 250 m cell
            return {"lon": None, "lat": None, "x": None, "y": None, "cell_250": None, "cell_1k": None,
                    "area_id": area_id, "precision": "area"}
        return {"lon": float(report.lon), "lat": float(report.lat), "x": float(x[0]), "y": float(y[0]),
                "cell_250": int(geo.cell_id(x, y, 250)[0]), "cell_1k": int(geo.cell_id(x, y, 1000)[0]),
                "area_id": area_id, "precision": "exact" if report.pick_m <= EXACT_UP_TO_M else "street"}
    match = areas[areas["code"] == report.area_code]
    if match.empty:
        raise ReportError(["Okänt område."])
    return {"lon": None, "lat": None, "x": None, "y": None, "cell_250": None, "cell_1k": None,
            "area_id": int(match["id"].iloc[0]), "precision": "area"}


def _incident_values(cur: duckdb.DuckDBPyConnection, report: Report, source_id: int) -> dict[str, Any]:
    when = _aware(report.occurred_at)
    wall = when.astimezone(_ZONE).replace(tzinfo=None)
    risk_ids = _codes(cur, "risk_factors")
    mask = 0
    for code in report.risk_factors:
        mask |= int(vocabulary.risk_bit(risk_ids[code]))
    return {"source_id": source_id, "occurred_at": when.astimezone(UTC), "local_time": wall, "day": wall.date(),
            "hour": wall.hour, "weekday": wall.isoweekday(), "category_id": _codes(cur, "categories")[report.category],
            **_place(cur, report), "risk_mask": mask, "description": report.note.strip() or None}


def _slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", plain).strip("_") or "organisation"


def source_for(cur: duckdb.DuckDBPyConnection, organisation: str) -> int:
    """The source of an organisation's reports (by label or code), added to `sources` when missing."""
    refused = guard.form_problems({"Organisation": organisation})
    if refused:  # the account's organisation becomes a source everyone sees: never a person's name
        raise ReportError([*refused, "Be samordnaren ändra kontots organisation."])
    code = _slug(organisation)
    found = _rows(cur, "SELECT id FROM sources WHERE lower(label) = lower(?) OR code = ? ORDER BY id LIMIT 1",
                  [organisation.strip(), code])
    if found:
        return int(found[0][0])
    number = int(_rows(cur, "SELECT coalesce(max(id), 0) + 1 FROM sources")[0][0])
    cur.execute("INSERT INTO sources VALUES (?, ?, ?, ?)",
                [number, code, organisation.strip(), f"Rapporter från {organisation.strip()} via telefon"])
    return number


def _log(cur: duckdb.DuckDBPyConnection, number: int, by: str, action: str, changes: dict[str, Any],
         at: datetime) -> None:
    log_id = int(_rows(cur, "SELECT nextval('street_report_log_ids')")[0][0])
    cur.execute("INSERT INTO street_report_log VALUES (?, ?, ?, ?, ?, ?)",
                [log_id, number, at, by, action, json.dumps(changes, ensure_ascii=False, default=str)])


def _summary(report: Report) -> dict[str, Any]:
    return {"kategori": report.category, "riskfaktorer": sorted(report.risk_factors),
            "tid": _aware(report.occurred_at).astimezone(_ZONE).isoformat(timespec="minutes"), "allvar": report.seriousness,
            "plats": [report.lon, report.lat] if report.lon is not None else report.area_code,
            "kommentar": report.note.strip()}


def _write_risk_links(cur: duckdb.DuckDBPyConnection, incident_id: int) -> None:
    cur.execute("DELETE FROM incident_risk_factors WHERE incident_id = ?", [incident_id])
    cur.execute("INSERT INTO incident_risk_factors SELECT i.id, f.id FROM incidents i JOIN (SELECT id, "
                + vocabulary.RISK_BIT_SQL + " AS bit FROM risk_factors) f ON (i.risk_mask & f.bit) <> 0"
                " WHERE i.id = ? ORDER BY f.id", [incident_id])


def submit(con: duckdb.DuckDBPyConnection, report: Report, *, author: str, organisation: str, token: str,
           now: datetime | None = None) -> Receipt:
    """Store a report as an incident of its own import; raises ReportError with Swedish reasons.

    Idempotent on `token`: a draft stored already (its first send reached the database, the answer did not reach
    the phone) gives back its first receipt, marked `again`, and stores nothing new.
    """
    try:
        return _store(con, report, author=author, organisation=organisation, token=token,
                      now=now or datetime.now(UTC))
    except _Again as again:
        return again.receipt


class _Again(Exception):  # noqa: N818 - carries the earlier receipt out of the write, which then keeps nothing
    def __init__(self, receipt: Receipt) -> None:
        super().__init__("stored already")
        self.receipt = receipt


def _store(con: duckdb.DuckDBPyConnection, report: Report, *, author: str, organisation: str, token: str,
           now: datetime) -> Receipt:
    if not token or len(token) > 100:
        raise ReportError(["Utkastet saknar sin nyckel; ladda om sidan och försök igen."])
    with db.write(con) as cur:
        earlier = _rows(cur, "SELECT id, incident_id, created_at FROM street_reports WHERE client_token = ?", [token])
        if earlier:  # the first send reached the database; its answer did not reach the phone
            number, incident_id, created = earlier[0]
            raise _Again(Receipt(int(number), int(incident_id), created, again=True))
        reasons = _problems(cur, report, now)
        if reasons:
            raise ReportError(reasons)
        values = _incident_values(cur, report, source_for(cur, organisation))
        number = int(_rows(cur, "SELECT nextval('street_report_ids')")[0][0])
        import_id = next_import_id(cur)
        incident_id = next_free_id(cur, "incidents")
        columns = ", ".join(values)
        cur.execute("INSERT INTO incidents (id, import_id, natural_key, " + columns + ") VALUES (?, ?, ?, "
                    + ", ".join("?" * len(values)) + ")",
                    [incident_id, import_id, f"{SOURCE_KEY}:{token}", *values.values()])
        _write_risk_links(cur, incident_id)
        cur.execute(
            "INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, rows_read, rows_stored,"
            " status, source_key, note, covers_from, covers_to, covers_sources)"
            " VALUES (?, ?, ?, 'incidents', ?, ?, 1, 1, 'stored', ?, ?, ?, ?, ?)",
            [import_id, f"Rapport nr {number} ({organisation})", hashlib.sha256(token.encode()).hexdigest(), author,
             now, SOURCE_KEY, "Rapport från telefon", values["day"], values["day"], [values["source_id"]]])
        cur.execute("INSERT INTO street_reports VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [number, token, incident_id, import_id, author, organisation, report.seriousness, now])
        _log(cur, number, author, "skapad", _summary(report), now)
    return Receipt(number, incident_id, now)


def _own(cur: duckdb.DuckDBPyConnection, number: int, author: str, now: datetime) -> tuple[int, int, datetime]:
    """The report's incident and import if `author` may still change it, else ReportError."""
    found = _rows(cur, "SELECT r.incident_id, r.import_id, r.created_at, r.author, i.status FROM street_reports r"
                       " JOIN imports i ON i.id = r.import_id WHERE r.id = ?", [number])
    if not found or found[0][3].lower() != author.strip().lower():
        raise ReportError([f"Rapport nr {number} finns inte bland dina rapporter."])
    incident_id, import_id, created, _, status = found[0]
    if status != "stored":
        raise ReportError([f"Rapport nr {number} är borttagen."])
    if now - created > EDIT_WINDOW:
        raise ReportError([f"Rapport nr {number} kan inte längre ändras: en rapport kan ändras eller tas bort "
                           f"i {int(EDIT_WINDOW.total_seconds() // 3600)} timmar. Kontakta samordnaren."])
    return int(incident_id), int(import_id), created


def load(con: duckdb.DuckDBPyConnection, number: int) -> Report:
    """A stored report as the form holds it (to edit it)."""
    cur = con.cursor()
    try:
        row = _rows(cur, "SELECT c.code, i.occurred_at, r.seriousness, i.lon, i.lat, a.code, i.description,"
                         " i.precision, (SELECT list(f.code ORDER BY f.id) FROM incident_risk_factors l"
                         " JOIN risk_factors f ON f.id = l.risk_factor_id WHERE l.incident_id = i.id)"
                         " FROM street_reports r JOIN incidents i ON i.id = r.incident_id"
                         " JOIN categories c ON c.id = i.category_id LEFT JOIN areas a ON a.id = i.area_id"
                         " WHERE r.id = ?", [number])
    finally:
        cur.close()
    if not row:
        raise ReportError([f"Rapport nr {number} finns inte."])
    code, when, seriousness, lon, lat, area, note, precision, factors = row[0]
    pointed = lon is not None and precision in ("exact", "street")
    return Report(code, when.astimezone(_ZONE), int(seriousness), lon if pointed else None, lat if pointed else None,
                  None if pointed else area, tuple(factors or ()), note or "",
                  FINEST_PICK_M if precision == "exact" else EXACT_UP_TO_M * 2)


def edit(con: duckdb.DuckDBPyConnection, number: int, report: Report, *, author: str,
         now: datetime | None = None) -> dict[str, list[Any]]:
    """Change a report within the edit window (its author only); returns what changed, logged as 'ändrad'."""
    now = now or datetime.now(UTC)
    before = _summary(load(con, number))
    with db.write(con) as cur:
        incident_id, import_id, _ = _own(cur, number, author, now)
        reasons = _problems(cur, report, now)
        if reasons:
            raise ReportError(reasons)
        source_id = int(_rows(cur, "SELECT source_id FROM incidents WHERE id = ?", [incident_id])[0][0])
        values = _incident_values(cur, report, source_id)
        cur.execute("UPDATE incidents SET " + ", ".join(f"{column} = ?" for column in values) + " WHERE id = ?",
                    [*values.values(), incident_id])
        _write_risk_links(cur, incident_id)
        cur.execute("UPDATE street_reports SET seriousness = ? WHERE id = ?", [report.seriousness, number])
        cur.execute("UPDATE imports SET covers_from = ?, covers_to = ? WHERE id = ?",
                    [values["day"], values["day"], import_id])
        after = _summary(report)
        changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
        if changes:
            _log(cur, number, author, "ändrad", changes, now)
    return changes


def delete(con: duckdb.DuckDBPyConnection, number: int, *, author: str, now: datetime | None = None) -> None:
    """Take a report back within the edit window (its author only): its import is undone, the log keeps it."""
    now = now or datetime.now(UTC)
    with db.write(con) as cur:
        _, import_id, _ = _own(cur, number, author, now)
        undo.undo_import(con, import_id, undone_by=author)  # joins this write
        _log(cur, number, author, "borttagen", {}, now)


def own_reports(con: duckdb.DuckDBPyConnection, author: str, *, now: datetime | None = None) -> pd.DataFrame:
    """The author's reports still open to change (the last EDIT_WINDOW), newest first, with Swedish labels."""
    now = now or datetime.now(UTC)
    return queries.frame(
        con, "SELECT r.id AS number, r.created_at, i.local_time, c.label AS category, r.seriousness,"
             " coalesce(a.name, '') AS area FROM street_reports r JOIN imports m ON m.id = r.import_id"
             " AND m.status = 'stored' JOIN incidents i ON i.id = r.incident_id"
             " JOIN categories c ON c.id = i.category_id LEFT JOIN areas a ON a.id = i.area_id"
             " WHERE lower(r.author) = lower(?) AND r.created_at > ? ORDER BY r.id DESC",
        [author.strip(), now - EDIT_WINDOW])


def history(con: duckdb.DuckDBPyConnection, number: int) -> pd.DataFrame:
    """Every change to a report: when, by whom, what."""
    return queries.frame(con, "SELECT changed_at, changed_by, action, changes FROM street_report_log"
                              " WHERE report_id = ? ORDER BY id", [number])


# Picking a point: squares over one area, each a pickable object the map's selection hands back. ------------------

@dataclass(frozen=True)
class PickGrid:
    area_code: str
    size_m: int
    cells: pd.DataFrame      # lon, lat (the square's centre) and corner_lon, corner_lat (its lower-left corner)
    view: tuple[float, float, float]  # lat, lon, zoom


def areas(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The active division's areas (code, name), in Swedish order: the form's choice of where."""
    return queries.frame(con, "SELECT code, name FROM active_areas ORDER BY name COLLATE sv")


# Risk factors one can see at a place. The others (individual, family, school, peers) describe people, which a
# report from the street must never do ("vad, var och när – aldrig vem").
STREET_DOMAINS = ("place", "ANDTS", "community")


def choices(con: duckdb.DuckDBPyConnection) -> dict[str, dict[str, str]]:
    """Code -> Swedish label of the categories and of the risk factors seen at a place, in Swedish order: the
    form's what."""
    return {"categories": dict(queries.rows(con, "SELECT code, label FROM categories ORDER BY label COLLATE sv")),
            "risk_factors": dict(queries.rows(con, "SELECT code, label FROM risk_factors WHERE list_contains(?, domain)"
                                                   " ORDER BY label COLLATE sv", [list(STREET_DOMAINS)]))}


def area_of(con: duckdb.DuckDBPyConnection, lon: float, lat: float) -> str | None:
    """The code of the active area a point lies in (None outside them all)."""
    found = queries.frame(con, "SELECT code, geojson FROM active_areas ORDER BY code")
    if found.empty:
        return None
    x, y = geo.to_sweref(np.array([lon]), np.array([lat]))
    position = int(geo.assign_to_polygons(geo.sweref_geometries(found["geojson"]), x, y)[0])
    return None if position < 0 else str(found["code"].iloc[position])


@dataclass(frozen=True)
class Position:
    """The phone's position as a report's place: the point, its area and the square it is certain to."""

    lon: float
    lat: float
    area_code: str
    pick_m: int


def locate(con: duckdb.DuckDBPyConnection, lon: float, lat: float, accuracy_m: float) -> Position:
    """The phone's position (WGS84, accuracy in metres as the browser reports it) as a place for the form.

    A position less certain than `COARSEST_POSITION_M` is refused (a phone without GPS guesses from the mobile
    network, often a kilometre off); a certain one keeps its uncertainty as the size of its square, so it is stored
    as a point ('exact') up to `EXACT_UP_TO_M` and as 'street' beyond.
    """
    values = (lon, lat, accuracy_m)
    if not all(isinstance(v, int | float) and math.isfinite(v) for v in values) or not (
            -180 <= lon <= 180 and -90 <= lat <= 90) or accuracy_m < 0:
        raise ReportError(["Telefonen gav ingen giltig position. Peka på kartan i stället."])
    if accuracy_m > COARSEST_POSITION_M:
        raise ReportError([f"Positionen är för osäker (±{formatting.number(accuracy_m)} m). Peka på kartan i "
                           "stället, eller försök igen utomhus."])
    area = area_of(con, lon, lat)
    if area is None:
        raise ReportError(["Din position ligger utanför kommunens områden. Välj område och peka på kartan."])
    pick_m = max(FINEST_PICK_M, math.ceil(accuracy_m / FINEST_PICK_M) * FINEST_PICK_M)
    return Position(round(float(lon), 6), round(float(lat), 6), area, int(pick_m))


def default_area(con: duckdb.DuckDBPyConnection, author: str) -> str | None:
    """The area the form starts on: where the author's latest report was, else the first by name. (Never the
    area with the most incidents: a rapportör sees no data, not even which area that is.)"""
    latest = queries.rows(con, "SELECT i.lon, i.lat, a.code FROM street_reports r JOIN incidents i"
                               " ON i.id = r.incident_id LEFT JOIN areas a ON a.id = i.area_id"
                               " WHERE lower(r.author) = lower(?) ORDER BY r.created_at DESC LIMIT 1", [author])
    names = areas(con)
    if latest:
        lon, lat, code = latest[0]
        found = area_of(con, lon, lat) if lon is not None and lat is not None else code
        if found in set(names["code"]):
            return str(found)
    return None if names.empty else str(names["code"].iloc[0])


def area_outline(con: duckdb.DuckDBPyConnection, area_code: str) -> str:
    """An area's outline (GeoJSON, WGS84)."""
    found = queries.frame(con, "SELECT geojson FROM active_areas WHERE code = ?", [area_code])
    if found.empty:
        raise ReportError(["Okänt område."])
    return str(found["geojson"].iloc[0])


def pick_grid(con: duckdb.DuckDBPyConnection, area_code: str, *, width_px: int = 360) -> PickGrid:
    """Squares covering an area, fine enough to point (25 m in a town district) and at most MAX_PICK_CELLS."""
    shape = geo.sweref_geometries([area_outline(con, area_code)])[0]
    west, south, east, north = shape.bounds
    size = FINEST_PICK_M
    while ((east - west) / size) * ((north - south) / size) * 0.8 > MAX_PICK_CELLS:
        size += FINEST_PICK_M
    xs = np.arange(math.floor(west / size) * size, east, size) + size / 2
    ys = np.arange(math.floor(south / size) * size, north, size) + size / 2
    cx, cy = (a.ravel() for a in np.meshgrid(xs, ys))
    inside = shapely.contains_xy(shape.buffer(size / 2), cx, cy)
    cx, cy = cx[inside], cy[inside]
    # a square at the edge is stored at its centre: offer it only when that centre lies in one of the areas (it
    # may be the neighbour's), so no tap ends in "outside the municipality" (the coast, the border)
    every = queries.frame(con, "SELECT geojson FROM active_areas")
    placed = geo.assign_to_polygons(geo.sweref_geometries(every["geojson"]), cx, cy) >= 0
    cx, cy = cx[placed], cy[placed]
    lon, lat = geo.to_wgs84(cx, cy)
    corner_lon, corner_lat = geo.to_wgs84(cx - size / 2, cy - size / 2)
    cells = pd.DataFrame({"lon": np.round(lon, 6), "lat": np.round(lat, 6), "corner_lon": np.round(corner_lon, 6),
                          "corner_lat": np.round(corner_lat, 6), "tooltip": "Välj den här platsen"})
    outer = geo.to_wgs84(np.array([west, east]), np.array([south, north]))
    view = basemap.fit((float(outer[0][0]), float(outer[1][0]), float(outer[0][1]), float(outer[1][1])),
                       width=width_px, height=PICK_MAP_HEIGHT, padding=0.02, max_zoom=18.0)
    return PickGrid(area_code, size, cells, view)


def pick_deck(con: duckdb.DuckDBPyConnection, grid: PickGrid, picked: tuple[float, float] | None) -> pdk.Deck:
    """The phone's map: the base map with area names, the area's outline, its squares to tap (layer id 'rutor')
    and the picked point."""
    from lagesbild import background, decks

    outline = area_outline(con, grid.area_code)
    shape = shapely.from_geojson(outline)
    rings = [list(p.exterior.coords) for p in getattr(shape, "geoms", [shape])]
    named = queries.frame(con, "SELECT name, geojson FROM active_areas")
    base = basemap.build(db.get_meta(con, "municipality_code"), shape.bounds, named, background.deck_layers(con))
    layers = [*base.below,
              pdk.Layer("PolygonLayer", [{"polygon": [list(c) for c in ring]} for ring in rings], id="omrade",
                        get_polygon="polygon", filled=False, stroked=True, get_line_color=[30, 60, 120, 220],
                        line_width_min_pixels=2, pickable=False),
              pdk.Layer("GridCellLayer", grid.cells.to_dict("records"), id="rutor",
                        get_position=["corner_lon", "corner_lat"], cell_size=grid.size_m, extruded=False,
                        get_fill_color=[40, 90, 160, 28], pickable=True, auto_highlight=True,
                        highlight_color=[230, 120, 20, 160]),
              *base.labels]
    view = grid.view
    if picked is not None:
        layers.append(pdk.Layer("ScatterplotLayer", [{"lon": picked[0], "lat": picked[1]}], id="vald_punkt",
                                get_position=["lon", "lat"], get_radius=max(grid.size_m / 2, 8),
                                radius_min_pixels=7, get_fill_color=[220, 40, 40, 230], stroked=True,
                                get_line_color=[255, 255, 255], line_width_min_pixels=2, pickable=False))
    return decks.deck(layers, view)
