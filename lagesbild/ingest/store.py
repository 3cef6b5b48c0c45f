"""Writing checked rows: one transaction per import, deduplicated by natural key, recorded, undoable.

Either everything of an import is committed (incidents, risk-factor links and the import record) or
nothing is: any error rolls back, and a killed process leaves only what was committed before it started.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lagesbild import db, geo, vocabulary
from lagesbild.ingest.incidents import Prepared
from lagesbild.ingest.problems import Problem
from lagesbild.ingest.values import RE2_SPACE, stockholm_times

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
    covers: tuple[date, date] | None = None  # (first day, last day) the file covers (lagesbild.coverage)
    covers_sources: list[int] = field(default_factory=list)  # the sources it covers them for
    placement: dict[str, int] = field(default_factory=dict)  # police events placed by a place name in their text

    def placement_text(self, language: str = "en") -> str:
        """How many events a place name in their text put in an area, and how many have no place."""
        if not self.placement:
            return ""
        placed, ambiguous, none = (self.placement.get(k, 0) for k in ("placed", "ambiguous", "none"))
        if language == "sv":
            return (f" {placed} händelser placerades i ett område efter ett ortnamn i texten (områdesnivå, ingen "
                    f"punkt); {ambiguous + none} saknar plats" + (f" ({ambiguous} med ortnamn i flera områden)"
                                                                 if ambiguous else "") + ".")
        return (f" {placed} events placed in an area by a place name in their text (area level, no point); "
                f"{ambiguous + none} have no place" + (f" ({ambiguous} naming places in several areas)"
                                                       if ambiguous else "") + ".")

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
                    f"{self.rows_ignored} utanför lägesbilden." + self.placement_text("sv") + (
                    f" {self.times_adjusted} klockslag justerades för sommartid (en tid som inte finns flyttades"
                    " fram en timme, en tid som finns två gånger lästes som den första)."
                    if self.times_adjusted else ""))
        head = "Dry run" if dry else f"Import {self.import_id}"
        return (f"{head}: {self.rows_read} rows read, {self.rows_stored} {'to store' if dry else 'stored'}, "
                f"{self.rows_duplicate} already "
                f"there, {self.rows_rejected} rejected, {self.rows_ignored} left out (outside the picture)."
                + self.placement_text() + (
                    f" {self.times_adjusted} clock times adjusted for daylight saving (a time that does not exist"
                    " moved forward one hour, a time that exists twice read as the first)." if self.times_adjusted
                    else ""))


# What makes two rows the same event, whatever the file looked like (migration 0006 computes the same keys
# for rows stored before):
#   with an id: `s<source>:<id>`, the id in lower case without spaces ('ABC 17' and ' abc17' are one event);
#   without:    `p:<source>:<minute>:<category>:<place>`, the minute counted from 1970 on the Stockholm wall clock
#               (after the daylight-saving rule), the place the 10 m square of the SWEREF 99 TM point, whatever
#               system the file used, or `a<area id>` (a-1 for none) for a row without a point. The squares'
#               edges lie on half metres (`floor((x + 2.5) / 10)`), so a point given in whole metres and the same
#               point read back from WGS84 fall in the same square.
NATURAL_KEY = (
    "CASE WHEN id_key IS NOT NULL AND id_key <> '' THEN 's' || source_id || ':' || id_key"
    " ELSE 'p:' || source_id || ':' || (epoch_us(local_time) // 60000000) || ':' || category_id || ':'"
    " || CASE WHEN x IS NOT NULL THEN CAST(floor((x + 2.5) / 10) AS BIGINT) || ':'"
    " || CAST(floor((y + 2.5) / 10) AS BIGINT) ELSE 'a' || coalesce(area_id, -1) END END"
)


def _id_keys(external: pd.Series) -> pa.Array:
    """The external ids as compared: without any space (as str.isspace has it), in lower case."""
    ids = pa.array(external.astype("string"), pa.string())
    return pc.utf8_lower(pc.replace_substring_regex(ids, RE2_SPACE, ""))


def _incident_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The stored columns (UTC instant, local calendar fields, grid cells) plus `row` and `id_key`, and how
    many clock times the daylight-saving rule moved."""
    aware, adjusted = stockholm_times(frame["local_time"])
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
    rows = pd.DataFrame({
        "row": frame["row"].to_numpy(),
        "source_id": frame["source_id"].to_numpy(np.int16),
        "external_id": frame["external_id"].astype("string"),
        "id_key": pd.array(_id_keys(frame["external_id"]), dtype="string"),
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
        "precision": pd.array(frame["precision"].astype(str), dtype="string"),
        "risk_mask": frame["risk_mask"].to_numpy(np.uint64),
        "description": frame["description"].astype("string") if "description" in frame else pd.array(
            [None] * len(frame), dtype="string"),
    })
    return rows, adjusted


# The rows of `staged` to store: the first (by row) of each natural key in the file, unless an incident has it.
_KEYED = "(SELECT *, " + NATURAL_KEY + " AS natural_key FROM staged)"
_FRESH = (
    "SELECT * FROM " + _KEYED + " s WHERE row IN (SELECT min(row) FROM " + _KEYED + " GROUP BY natural_key)"
    " AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.natural_key = s.natural_key)"
)
_STORED_COLUMNS = ("source_id, external_id, occurred_at, local_time, day, hour, weekday, category_id, area_id, lon,"
                   " lat, x, y, cell_250, cell_1k, precision, risk_mask, import_id, natural_key, description")


def store_incidents(con: duckdb.DuckDBPyConnection, prepared: Prepared, *, sha256: str, imported_by: str,
                    on_error: str = "skip", dry_run: bool = False) -> ImportResult:
    """Store the checked rows in one transaction (or, for a dry run, only count what would happen).

    The checked frame is registered as Arrow; SQL computes the natural keys and picks the rows to store (the
    first of each key, none stored already) once, and one `INSERT … SELECT` stores them, ids given in the
    file's row order from the incidents' sequence, rows laid out by time.
    """
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, prepared.kind,
                          rows_read=prepared.rows_read, rows_rejected=len(prepared.rejected_rows),
                          rows_ignored=prepared.rows_ignored, problems=prepared.problems,
                          ignored=prepared.ignored, unknown=prepared.unknown, placement=prepared.placement)
    if result.refuse_if_rows_rejected(on_error):
        return result
    rows, result.times_adjusted = _incident_rows(prepared.frame)
    result.covers, result.covers_sources = _covers(prepared, rows)
    with transaction(con, dry_run=dry_run) as cur:
        cur.register("staged", pa.Table.from_pandas(rows, preserve_index=False))
        try:
            cur.execute("CREATE OR REPLACE TEMP TABLE fresh_incidents AS " + _FRESH).fetchall()
        finally:
            cur.unregister("staged")
        try:
            fresh = cur.execute("SELECT count(*) FROM fresh_incidents").fetchall()[0][0]
            result.rows_stored = fresh
            result.rows_duplicate = len(rows) - fresh
            if dry_run:
                return result
            import_id = next_import_id(cur)
            first_id = next_free_id(cur, "incidents", fresh)
            cur.execute(
                "INSERT INTO incidents (id, " + _STORED_COLUMNS + ") SELECT id, " + _STORED_COLUMNS + " FROM"
                " (SELECT ? + row_number() OVER (ORDER BY row) - 1 AS id, source_id, external_id, occurred_at,"
                " local_time, CAST(day AS DATE) AS day, hour, weekday, category_id, area_id, lon, lat, x, y,"
                " cell_250, cell_1k, CAST(precision AS location_precision) AS precision, risk_mask,"
                " ? AS import_id, natural_key, description FROM fresh_incidents) ORDER BY occurred_at",
                [first_id, import_id]).fetchall()
        finally:
            cur.execute("DROP TABLE IF EXISTS fresh_incidents").fetchall()
        cur.execute(
            "INSERT INTO incident_risk_factors SELECT i.id, f.id FROM incidents i JOIN (SELECT id, "
            + vocabulary.RISK_BIT_SQL + " AS bit FROM risk_factors) f ON (i.risk_mask & f.bit) <> 0 WHERE i.import_id = ?"
            " ORDER BY f.id, i.id", [import_id]).fetchall()
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by,
                      source_key=prepared.source_key)
    return result


def _covers(prepared: Prepared, rows: pd.DataFrame) -> tuple[tuple[date, date] | None, list[int]]:
    """The days the file covers: its own rows' (duplicates too: a file sent again still proves its period),
    widened by what the reader knows of the file as a whole (`prepared.covers`, e.g. a police snapshot's
    publication times over all municipalities)."""
    days = [d for d in (rows["day"].min(), rows["day"].max()) if len(rows) and pd.notna(d)]
    days = [pd.Timestamp(d).date() for d in days] + [d for d in (prepared.covers or ()) if d is not None]
    sources = sorted({int(s) for s in rows["source_id"].unique()} | set(prepared.covers_sources)) if len(
        rows) else sorted(prepared.covers_sources)
    return ((min(days), max(days)) if days else None), sources


# Each table's ids come from its sequence (migration 0010): an id once given is never given again, so an undone
# import's held rows keep theirs for a restore. One writer at a time (db.write) makes a block of ids consecutive.
SEQUENCES = {"imports": "import_ids", "incidents": "incident_ids", "areas": "area_ids",
             "interventions": "intervention_ids", "intervention_log": "intervention_log_ids",
             "categories": "category_ids"}
_HELD_IDS = {"incidents": "undone_incidents", "areas": "undone_areas", "interventions": "undone_interventions"}


def next_import_id(cur: duckdb.DuckDBPyConnection) -> int:
    """A new import's id."""
    return next_free_id(cur, "imports")


def next_free_id(cur: duckdb.DuckDBPyConnection, table: str, count: int = 1) -> int:
    """The first of `count` new consecutive ids of `table` (see SEQUENCES), taken from its sequence.

    With `count` 0 nothing is taken and the id the next row would get is returned.
    """
    sequence = SEQUENCES[table]
    if count < 1:
        last = cur.execute("SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ?",
                           [sequence]).fetchall()[0][0]
        return int(last or 0) + 1
    first = int(cur.execute("SELECT nextval(?)", [sequence]).fetchall()[0][0])
    if count > 1:
        cur.execute("SELECT setval(?, ?)", [sequence, first + count - 1]).fetchall()
    return first


def align_sequences(cur: duckdb.DuckDBPyConnection) -> None:
    """Move every sequence past the ids in use, for writers that choose ids themselves (the demo's build).

    A sequence only moves forward: an id given once is not given again even when its row is gone.
    """
    for table, sequence in SEQUENCES.items():
        tables = [table, *([_HELD_IDS[table]] if table in _HELD_IDS else [])]
        used = ", ".join("(SELECT coalesce(max(id), 0) FROM " + t + ")" for t in tables)  # names from the table
        cur.execute("SELECT setval(?, greatest((SELECT coalesce(last_value, 0) FROM duckdb_sequences()"
                    " WHERE sequence_name = ?), " + used + "))", [sequence, sequence]).fetchall()


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


def refresh_population(cur: duckdb.DuckDBPyConnection) -> None:
    """Set each area's population to its latest imported year, or back to what it was created with."""
    cur.execute(
        "UPDATE areas SET population = coalesce((SELECT p.population FROM area_population p"
        " WHERE p.area_id = areas.id ORDER BY p.year DESC, p.import_id DESC LIMIT 1), base_population)"
    )
    # a grouped area (RegSO, own districts: lagesbild.divisions) has its parts' population summed
    cur.execute("UPDATE areas SET population = s.population FROM (SELECT m.group_id, CAST(sum(a.population) AS"
                " INTEGER) AS population FROM area_members m JOIN areas a ON a.id = m.member_id GROUP BY 1) s"
                " WHERE s.group_id = areas.id")


def install_vocabulary_if_empty(cur: duckdb.DuckDBPyConnection) -> None:
    """A database made with `init` gets the standard vocabularies."""
    if cur.execute("SELECT count(*) FROM categories").fetchall()[0][0] == 0:
        vocabulary.install(cur)
