"""Build the synthetic Sölvesborg demo database (seeded and reproducible).

`build_demo` writes a complete database to a temporary file beside the target and moves it into place only
when it is finished, so a crash never leaves a half-built database where the app looks for one.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from lagesbild import db, geo, vocabulary
from lagesbild.demo import areas as demo_areas
from lagesbild.demo import est as demo_est
from lagesbild.demo import incidents as demo_incidents
from lagesbild.demo import interventions as demo_interventions
from lagesbild.demo import places
from lagesbild.demo import street as demo_street
from lagesbild.demo import survey as demo_survey
from lagesbild.ingest.store import align_sequences
from lagesbild.protect import seeded_keys

DEFAULT_SEED = 1083
INCIDENT_COLUMNS = ("id, source_id, external_id, occurred_at, local_time, day, hour, weekday, category_id, area_id,"
                    " lon, lat, x, y, cell_250, cell_1k, precision, risk_mask, import_id, natural_key, cell_key")
YEARS = 5


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    seed: int
    start: date
    end: date
    areas: int
    incidents: int
    interventions: int
    street_reports: int = 0    # reports from the safety hosts' phones, stored as incidents too


def default_end(today: date | None = None) -> date:
    """The last day of the month before `today`: the demo always ends with a complete month."""
    today = today or date.today()
    return today.replace(day=1) - timedelta(days=1)


def build_demo(
    path: Path | str,
    *,
    seed: int = DEFAULT_SEED,
    incidents: int | None = None,
    end: date | None = None,
    overwrite: bool = False,
) -> DemoSummary:
    """Write the demo database to `path`; `incidents` fixes the number of incidents (for benchmarks)."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; pass overwrite=True (CLI: --force) to replace it")
    end = end or default_end()
    start = date(end.year - YEARS, 1, 1)
    rng = np.random.default_rng(seed)

    area_frame = demo_areas.build_areas()
    area_frame["id"] = np.arange(1, len(area_frame) + 1)
    outline = demo_areas.outline_sweref()
    incident_frame = demo_incidents.generate(area_frame, outline, start, end, rng, total=incidents)

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".building")
    for leftover in (partial, partial.with_name(partial.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = db.connect(partial)
    try:
        with db.write(con) as cur:
            vocabulary.install(cur)
            fingerprint = hashlib.sha256(f"demo:{seed}:{start}:{end}:{incidents}".encode()).hexdigest()
            cur.execute(
                "INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, rows_read,"
                " rows_stored, status, note, covers_from, covers_to, covers_sources)"
                " VALUES (1, ?, ?, 'demo', 'lagesbild demo', ?, ?, ?, 'stored', ?, ?, ?, ?)",
                [f"syntetisk demo (frö {seed})", fingerprint, datetime.now(UTC),
                 len(incident_frame), len(incident_frame), "Syntetiska data för demonstration",
                 incident_frame["day"].min(), incident_frame["day"].max(),
                 sorted(int(s) for s in incident_frame["source_id"].unique())],
            )
            _write_areas(cur, area_frame)
            _write_incidents(cur, incident_frame)
            count = _write_interventions(cur, area_frame, end)
            reports = demo_street.write(cur, area_frame, end, seed)  # a year of safety-host reports (issue 15)
            demo_est.write(cur, end, seed)
            demo_survey.write(cur, area_frame, end, seed)  # two years of trygghetsmätning (issue 15)
            align_sequences(cur)  # the demo chose its ids itself: the next import's come after them
            for key, value in {
                "synthetic": "1",
                "municipality_code": places.MUNICIPALITY_CODE,
                "municipality_name": places.MUNICIPALITY_NAME,
                "division": places.DIVISION,
                "demo_seed": str(seed),
                "demo_end": end.isoformat(),
            }.items():
                db.set_meta(cur, key, value)
        checkpoint = con.cursor()
        checkpoint.execute("CHECKPOINT")
        checkpoint.close()
    finally:
        con.close()
    os.replace(partial, path)
    return DemoSummary(path, seed, start, end, len(area_frame), len(incident_frame), count, reports)


def _write_areas(cur: duckdb.DuckDBPyConnection, area_frame: gpd.GeoDataFrame) -> None:
    wgs = area_frame.to_crs(geo.WGS84)
    centroids = area_frame.geometry.representative_point()
    lon, lat = geo.to_wgs84(centroids.x.to_numpy(), centroids.y.to_numpy())
    rows = [
        [int(row.id), row.code, row.name, "district", places.DIVISION, int(row.population),
         float(row.geometry.area / 1e6), shapely.to_geojson(shapely.set_precision(geom, 1e-6)),
         float(lo), float(la), 1, int(row.population)]
        for row, geom, lo, la in zip(area_frame.itertuples(), wgs.geometry, lon, lat, strict=True)
    ]
    cur.executemany(
        "INSERT INTO areas (id, code, name, kind, division, population, area_km2, geojson, centroid_lon,"
        " centroid_lat, import_id, base_population) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


def _write_incidents(cur: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    staged = frame.drop(columns=["process"])
    staged["cell_key"] = seeded_keys(staged["id"], 2023)  # reproducible, like the rest of the demo
    cur.register("staged_incidents", staged)
    cur.execute(
        "INSERT INTO incidents (" + INCIDENT_COLUMNS + ") SELECT id, source_id, external_id, occurred_at,"
        " local_time, CAST(day AS DATE), hour, weekday, category_id, area_id, lon, lat, x, y, cell_250, cell_1k,"
        " CAST(precision AS location_precision), risk_mask, 1, 'demo:' || id, cell_key FROM staged_incidents"
        " ORDER BY occurred_at"
    )
    cur.unregister("staged_incidents")
    ids = frame["id"].to_numpy()
    masks = frame["risk_mask"].to_numpy(np.uint64)
    links = []
    for factor in vocabulary.RISK_FACTORS:
        tagged = ids[vocabulary.has_risk(masks, factor.id)]
        links.append(pd.DataFrame({"incident_id": tagged, "risk_factor_id": np.int16(factor.id)}))
    link_frame = pd.concat(links, ignore_index=True).sort_values(["incident_id", "risk_factor_id"])
    cur.register("staged_links", link_frame)
    cur.execute("INSERT INTO incident_risk_factors SELECT incident_id, risk_factor_id FROM staged_links")
    cur.unregister("staged_links")


def _write_interventions(cur: duckdb.DuckDBPyConnection, area_frame: gpd.GeoDataFrame, end: date) -> int:
    area_id = dict(zip(area_frame["code"], area_frame["id"], strict=True))
    category_id = {c.code: c.id for c in vocabulary.CATEGORIES}
    risk_id = {r.code: r.id for r in vocabulary.RISK_FACTORS}
    for number, item in enumerate(demo_interventions.INTERVENTIONS, start=1):
        start = demo_interventions.dated(item.start, end.year)
        stop = demo_interventions.dated(item.end, end.year)
        if start is None:
            raise ValueError(f"demo intervention {item.name!r} has no start")
        geojson = None
        if item.spot is not None:
            x, y = geo.to_sweref(np.array([item.spot.lon]), np.array([item.spot.lat]))
            ring = shapely.Point(float(x[0]), float(y[0])).buffer(item.spot_radius_m, quad_segs=8)
            rx, ry = geo.to_wgs84(*np.asarray(ring.exterior.coords).T)
            geojson = shapely.to_geojson(shapely.set_precision(shapely.Polygon(zip(rx, ry, strict=True)), 1e-6))
        dose_value, dose_unit = item.dose if item.dose else (None, None)
        cur.execute(
            "INSERT INTO interventions (id, name, kind, status, start_date, end_date, responsible, dose_value,"
            " dose_unit, cost_sek, problem, geojson, weekdays, hour_from, hour_to, import_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
            [number, item.name, item.kind, demo_interventions.status(start, stop, end), start, stop,
             list(item.responsible), dose_value, dose_unit, item.cost_sek, item.problem, geojson,
             list(item.weekdays), *(item.hours or (None, None))],
        )
        codes = list(area_id) if item.areas == demo_interventions.EVERYWHERE else item.areas
        cur.executemany("INSERT INTO intervention_areas VALUES (?, ?)", [[number, int(area_id[c])] for c in codes])
        if item.risk_factors:
            cur.executemany("INSERT INTO intervention_risk_factors VALUES (?, ?)",
                            [[number, risk_id[c]] for c in item.risk_factors])
        if item.categories:
            cur.executemany("INSERT INTO intervention_categories VALUES (?, ?)",
                            [[number, category_id[c]] for c in item.categories])
    return len(demo_interventions.INTERVENTIONS)
