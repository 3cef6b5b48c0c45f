"""A tiny synthetic municipality for planted-truth tests: a 10 km square split into four 5 km areas."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import shapely

from lagesbild import db, geo, vocabulary
from lagesbild.ingest.store import align_sequences

ORIGIN = (470_000.0, 6_200_000.0)  # SWEREF 99 TM, near Sölvesborg
QUADRANTS = {"SW": (0, 0), "SE": (1, 0), "NW": (0, 1), "NE": (1, 1)}
RISK_BIT = {r.code: 1 << (r.id - 1) for r in vocabulary.RISK_FACTORS}
CATEGORY = {c.code: c.id for c in vocabulary.CATEGORIES}


def make(path) -> object:
    """An empty synthetic municipality database (connection)."""
    con = db.connect(path)
    cur = con.cursor()
    vocabulary.install(cur)
    db.set_meta(cur, "municipality_code", "9999")
    db.set_meta(cur, "municipality_name", "Provkommun")
    db.set_meta(cur, "division", "test")
    for number, (code, (i, j)) in enumerate(QUADRANTS.items(), start=1):
        x0, y0 = ORIGIN[0] + 5000 * i, ORIGIN[1] + 5000 * j
        square = shapely.box(x0, y0, x0 + 5000, y0 + 5000)
        lon, lat = geo.to_wgs84(*np.asarray(square.exterior.coords).T)
        centre = geo.to_wgs84([x0 + 2500], [y0 + 2500])
        cur.execute("INSERT INTO areas (id, code, name, kind, division, population, area_km2, geojson, centroid_lon,"
                    " centroid_lat, base_population) VALUES (?, ?, ?, 'custom', 'test', 1000, 25, ?, ?, ?, 1000)",
                    [number, code, code, shapely.to_geojson(shapely.Polygon(zip(lon, lat, strict=True))),
                     float(centre[0][0]), float(centre[1][0])])
    cur.execute("INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, status)"
                " VALUES (1, 'synthetic', '-', 'incidents', 'test', now(), 'stored')")
    align_sequences(cur)  # rows planted with their own ids: the app's next ids come after them
    cur.close()
    return con


def add(con, x, y, days, category: str = "skadegorelse", risks: tuple[str, ...] = (), source_id: int = 1,
        hour: int = 12) -> None:
    """Insert incidents at SWEREF points (x, y) on the given days (at `hour`, noon by default)."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    n = len(x)
    days = list(days) if not isinstance(days, date) else [days] * n
    first = con.execute("SELECT coalesce(max(id), 0) + 1 FROM incidents").fetchall()[0][0]
    lon, lat = geo.to_wgs84(x, y)
    area = np.full(n, 0)
    for number, (i, j) in enumerate(QUADRANTS.values(), start=1):
        inside = ((x >= ORIGIN[0] + 5000 * i) & (x < ORIGIN[0] + 5000 * (i + 1))
                  & (y >= ORIGIN[1] + 5000 * j) & (y < ORIGIN[1] + 5000 * (j + 1)))
        area[inside] = number
    mask = sum(RISK_BIT[r] for r in risks)
    local = [datetime.combine(d, datetime.min.time()) + timedelta(hours=hour) for d in days]
    frame = pd.DataFrame({
        "id": np.arange(first, first + n), "source_id": source_id, "occurred_at": pd.to_datetime(local).tz_localize(
            "Europe/Stockholm").tz_convert("UTC"), "local_time": local, "day": [d for d in days], "hour": hour,
        "weekday": [d.isoweekday() for d in days], "category_id": CATEGORY[category], "area_id": area,
        "lon": lon, "lat": lat, "x": x, "y": y, "cell_250": geo.cell_id(x, y, 250),
        "cell_1k": geo.cell_id(x, y, 1000), "risk_mask": np.uint64(mask),
    })
    frame["natural_key"] = "t:" + frame["id"].astype(str)
    con.register("planted", frame)
    con.execute("INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
                " area_id, lon, lat, x, y, cell_250, cell_1k, precision, risk_mask, import_id, natural_key)"
                " SELECT id, source_id, occurred_at, local_time, CAST(day AS DATE), hour, weekday, category_id,"
                " area_id, lon, lat, x, y, cell_250, cell_1k, 'exact', risk_mask, 1, natural_key FROM planted")
    for code, bit in RISK_BIT.items():
        if mask & bit:
            factor = next(r.id for r in vocabulary.RISK_FACTORS if r.code == code)
            con.execute("INSERT INTO incident_risk_factors SELECT id, ? FROM planted", [factor])
    con.unregister("planted")
    align_sequences(con)


def uniform(rng, n: int, quadrant: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """n points uniformly over the municipality (or one quadrant)."""
    if quadrant:
        i, j = QUADRANTS[quadrant]
        return (rng.uniform(ORIGIN[0] + 5000 * i, ORIGIN[0] + 5000 * (i + 1), n),
                rng.uniform(ORIGIN[1] + 5000 * j, ORIGIN[1] + 5000 * (j + 1), n))
    return rng.uniform(ORIGIN[0], ORIGIN[0] + 10_000, n), rng.uniform(ORIGIN[1], ORIGIN[1] + 10_000, n)


def random_days(rng, n: int, start: date, end: date) -> list[date]:
    span = (end - start).days + 1
    return [start + timedelta(days=int(d)) for d in rng.integers(0, span, n)]


def spread(path, n: int, start: date, end: date, seed: int):
    """The synthetic municipality with `n` incidents spread evenly over its squares and the days `start`–`end`."""
    con = make(path)
    rng = np.random.default_rng(seed)
    add(con, *uniform(rng, n), random_days(rng, n, start, end))
    return con


def intervene(con, name: str, area_code: str, start: date, risks: tuple[str, ...] = (),
              categories: tuple[str, ...] = (), box: tuple[float, float, float, float] | None = None) -> int:
    """A running intervention in one area (or a SWEREF box of its own) targeting risk factors and categories."""
    number = con.execute("SELECT coalesce(max(id), 0) + 1 FROM interventions").fetchall()[0][0]
    geojson = None
    if box is not None:
        outline = shapely.box(*box)
        lon, lat = geo.to_wgs84(*np.asarray(outline.exterior.coords).T)
        geojson = shapely.to_geojson(shapely.Polygon(zip(lon, lat, strict=True)))
    con.execute("INSERT INTO interventions (id, name, kind, status, start_date, responsible, geojson) VALUES"
                " (?, ?, 'Test', 'pågående', ?, ['kommun'], ?)", [number, name, start, geojson])
    con.execute("INSERT INTO intervention_areas SELECT ?, id FROM areas WHERE code = ?", [number, area_code])
    for code in risks:
        con.execute("INSERT INTO intervention_risk_factors SELECT ?, id FROM risk_factors WHERE code = ?",
                    [number, code])
    for code in categories:
        con.execute("INSERT INTO intervention_categories SELECT ?, id FROM categories WHERE code = ?", [number, code])
    align_sequences(con)
    return number
