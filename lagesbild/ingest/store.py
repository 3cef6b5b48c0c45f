"""Writing checked rows: one transaction per import, deduplicated by natural key, recorded, undoable.

Either everything of an import is committed (incidents, risk-factor links and the import record) or
nothing is: any error rolls back, and a killed process leaves only what was committed before it started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd

from lagesbild import db, geo, vocabulary
from lagesbild.ingest.incidents import Prepared
from lagesbild.ingest.problems import Problem
from lagesbild.ingest.values import stockholm_times

transaction = db.write  # the one door for writes; the name stays for the import modules


@dataclass
class ImportResult:
    """What an import did (or, for a dry run or a refused file, would have done)."""

    import_id: int | None
    status: str  # stored, refused, dry-run
    file_name: str
    kind: str
    rows_read: int = 0
    rows_stored: int = 0
    rows_duplicate: int = 0
    rows_rejected: int = 0
    rows_ignored: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)
    refusal: Problem | None = None
    headers: list[str] = field(default_factory=list)   # the file's columns (tables), for the mapping step
    mapping: dict[str, str | None] = field(default_factory=dict)
    new_categories: dict[str, str] = field(default_factory=dict)  # label -> code, added with this import
    times_adjusted: int = 0  # wall-clock times in the daylight-saving gap or fold (see values.stockholm_times)
    covers: tuple | None = None          # (first day, last day) the file covers (lagesbild.coverage)
    covers_sources: list[int] = field(default_factory=list)  # the sources it covers them for

    def refuse_if_rows_rejected(self, on_error: str) -> bool:
        """With on_error 'reject', any rejected row refuses the whole file; True when it did."""
        if self.rows_rejected and on_error == "reject":
            self.status = "refused"
            self.refusal = Problem(self.file_name, None, None, None, "rejected_rows", str(self.rows_rejected))
            return True
        return False

    def summary(self, language: str = "en") -> str:
        """One line for the CLI and logs (English) or the UI (Swedish)."""
        if self.status == "refused":
            reason = self.refusal.message(language) if self.refusal else ""
            return ("Refused, nothing stored: " if language == "en" else "Avvisad, inget sparades: ") + reason
        dry = self.status == "dry-run"
        if language == "sv":
            head = "Provläsning" if dry else f"Import {self.import_id}"
            return (f"{head}: {self.rows_read} rader lästa, {self.rows_stored} "
                    f"{'skulle sparas' if dry else 'sparade'}, "
                    f"{self.rows_duplicate} fanns redan, {self.rows_rejected} med fel, "
                    f"{self.rows_ignored} utanför lägesbilden." + (
                    f" {self.times_adjusted} klockslag justerades för sommartid (en tid som inte finns flyttades"
                    " fram en timme, en tid som finns två gånger lästes som den första)."
                    if self.times_adjusted else ""))
        head = "Dry run" if dry else f"Import {self.import_id}"
        return (f"{head}: {self.rows_read} rows read, {self.rows_stored} {'to store' if dry else 'stored'}, "
                f"{self.rows_duplicate} already "
                f"there, {self.rows_rejected} rejected, {self.rows_ignored} left out (outside the picture)." + (
                    f" {self.times_adjusted} clock times adjusted for daylight saving (a time that does not exist"
                    " moved forward one hour, a time that exists twice read as the first)." if self.times_adjusted
                    else ""))


def _incident_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The stored columns: UTC instant, local calendar fields, grid cells."""
    aware, _ = stockholm_times(frame["local_time"])
    wall = aware.tz_localize(None)
    has_time = frame["has_time"].to_numpy(bool)
    pointed = frame["precision"].isin(["exact", "street"]).to_numpy() & frame["x"].notna().to_numpy()
    x = frame["x"].to_numpy(float)
    y = frame["y"].to_numpy(float)
    cell_250 = pd.array(geo.cell_id(np.nan_to_num(x), np.nan_to_num(y), 250), "Int64")
    cell_1k = pd.array(geo.cell_id(np.nan_to_num(x), np.nan_to_num(y), 1000), "Int64")
    cell_250[~pointed] = pd.NA
    cell_1k[~pointed] = pd.NA
    hour = pd.array(wall.hour, "Int8")
    hour[~has_time] = pd.NA
    area = pd.array(frame["area_id"].to_numpy(np.int64), "Int64")
    area[frame["area_id"].to_numpy() < 0] = pd.NA
    return pd.DataFrame({
        "row": frame["row"].to_numpy(),
        "source_id": frame["source_id"].to_numpy(np.int16),
        "external_id": frame["external_id"].astype("string"),
        "occurred_at": aware.tz_convert("UTC"),
        "local_time": wall,
        "day": wall.normalize(),
        "hour": hour,
        "weekday": (wall.day_of_week + 1).astype("int8"),
        "category_id": frame["category_id"].to_numpy(np.int16),
        "area_id": area,
        "lon": frame["lon"].to_numpy(float), "lat": frame["lat"].to_numpy(float),
        "x": np.where(pointed, x, np.nan), "y": np.where(pointed, y, np.nan),
        "cell_250": cell_250, "cell_1k": cell_1k,
        "precision": frame["precision"].astype(str),
        "risk_mask": frame["risk_mask"].to_numpy(np.uint64),
        "natural_key": frame["natural_key"].astype(str),
        "description": frame["description"].astype("string") if "description" in frame else None,
    })


def store_incidents(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, sha256: str, imported_by: str,
                    on_error: str = "skip", dry_run: bool = False) -> ImportResult:
    """Store the checked rows in one transaction (or, for a dry run, only count what would happen)."""
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, prepared.kind,
                          rows_read=prepared.rows_read, rows_rejected=len(prepared.rejected_rows),
                          rows_ignored=prepared.rows_ignored, problems=prepared.problems,
                          ignored=prepared.ignored, unknown=prepared.unknown)
    if result.refuse_if_rows_rejected(on_error):
        return result
    rows = _incident_rows(prepared.frame)
    result.times_adjusted = stockholm_times(prepared.frame["local_time"])[1]
    result.covers, result.covers_sources = _covers(prepared, rows)
    with transaction(con, dry_run=dry_run) as cur:
        cur.register("staged", rows)
        fresh = cur.execute(
            "SELECT s.* FROM (SELECT *, row_number() OVER (PARTITION BY natural_key ORDER BY row) AS copy"
            " FROM staged) s WHERE s.copy = 1"
            " AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.natural_key = s.natural_key) ORDER BY s.row"
        ).df()
        result.rows_stored = len(fresh)
        result.rows_duplicate = len(rows) - len(fresh)
        if dry_run:
            return result
        import_id = next_import_id(cur)
        first_id = next_free_id(cur, "incidents")
        fresh.insert(0, "id", np.arange(first_id, first_id + len(fresh), dtype=np.int64))
        fresh["import_id"] = import_id
        cur.register("fresh", fresh)
        cur.execute(
            "INSERT INTO incidents (id, source_id, external_id, occurred_at, local_time, day, hour, weekday,"
            " category_id, area_id, lon, lat, x, y, cell_250, cell_1k, precision, risk_mask, import_id,"
            " natural_key, description)"
            " SELECT id, source_id, external_id, occurred_at, local_time, CAST(day AS DATE), hour, weekday,"
            " category_id, area_id, lon, lat, x, y, cell_250, cell_1k, CAST(precision AS location_precision),"
            " risk_mask, import_id, natural_key, description FROM fresh ORDER BY occurred_at"
        )
        _insert_links(cur, fresh)
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by,
                      source_key=prepared.source_key)
    return result


def _covers(prepared: Prepared, rows: pd.DataFrame) -> tuple[tuple | None, list[int]]:
    """The days the file covers: its own rows' (duplicates too: a file sent again still proves its period),
    widened by what the reader knows of the file as a whole (`prepared.covers`, e.g. a police snapshot's
    publication times over all municipalities)."""
    days = [d for d in (rows["day"].min(), rows["day"].max()) if len(rows) and pd.notna(d)]
    days = [pd.Timestamp(d).date() for d in days] + [d for d in (prepared.covers or ()) if d is not None]
    sources = sorted({int(s) for s in rows["source_id"].unique()} | set(prepared.covers_sources)) if len(
        rows) else sorted(prepared.covers_sources)
    return ((min(days), max(days)) if days else None), sources


def next_import_id(cur: duckdb.DuckDBPyConnection) -> int:
    return cur.execute("SELECT coalesce(max(id), 0) + 1 FROM imports").fetchall()[0][0]


_HELD_IDS = {"incidents": "undone_incidents", "areas": "undone_areas", "interventions": "undone_interventions"}


def next_free_id(cur: duckdb.DuckDBPyConnection, table: str) -> int:
    """The next free id of incidents, areas or interventions, never one an undone import holds for restore."""
    held = _HELD_IDS[table]  # constant table names from the allow-list
    return cur.execute("SELECT coalesce(greatest((SELECT max(id) FROM " + table + "), (SELECT max(id) FROM "
                       + held + ")), 0) + 1").fetchall()[0][0]


def record_import(cur: duckdb.DuckDBPyConnection, import_id: int, result: ImportResult, *, sha256: str,
                  imported_by: str, source_key: str | None = None) -> None:
    """Record the import: the last step of every import, inside its write (which commits it)."""
    covers = result.covers or (None, None)
    cur.execute(
        "INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, rows_read, rows_stored,"
        " rows_rejected, rows_duplicate, rows_ignored, status, source_key, covers_from, covers_to, covers_sources)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'stored', ?, ?, ?, ?)",
        [import_id, result.file_name, sha256, result.kind, imported_by, datetime.now(UTC), result.rows_read,
         result.rows_stored, result.rows_rejected, result.rows_duplicate, result.rows_ignored, source_key,
         covers[0], covers[1], list(result.covers_sources) or None],
    )
    result.import_id = import_id


def _insert_links(cur: duckdb.DuckDBPyConnection, fresh: pd.DataFrame) -> None:
    ids = fresh["id"].to_numpy()
    masks = fresh["risk_mask"].to_numpy(np.uint64)
    factor_ids = [r[0] for r in cur.execute("SELECT id FROM risk_factors").fetchall()]
    parts = [pd.DataFrame({"incident_id": ids[(masks & np.uint64(1 << (f - 1))) != 0], "risk_factor_id": f})
             for f in factor_ids]
    links = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["incident_id", "risk_factor_id"])
    if len(links):
        cur.register("links", links)
        cur.execute("INSERT INTO incident_risk_factors SELECT incident_id, risk_factor_id FROM links")


def refresh_population(cur: duckdb.DuckDBPyConnection) -> None:
    """Set each area's population to its latest imported year, or back to what it was created with."""
    cur.execute(
        "UPDATE areas SET population = coalesce((SELECT p.population FROM area_population p"
        " WHERE p.area_id = areas.id ORDER BY p.year DESC, p.import_id DESC LIMIT 1), base_population)"
    )


def install_vocabulary_if_empty(cur: duckdb.DuckDBPyConnection) -> None:
    """A database made with `init` gets the standard vocabularies."""
    if cur.execute("SELECT count(*) FROM categories").fetchall()[0][0] == 0:
        vocabulary.install(cur)
