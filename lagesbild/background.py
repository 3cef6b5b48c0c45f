"""The municipality's own background layers (roads, water, buildings) from a GeoPackage, beneath the map's data.

`import_file` reads every layer of a GeoPackage in SWEREF 99 TM (EPSG:3006; WGS84 is accepted as it is),
simplifies it (`TOLERANCE_M`), keeps only the geometry (no attributes: no uploaded text reaches the browser),
reprojects it to WGS84 and stores it in `background_layers`, replacing a layer of the same name. Everything is
checked before anything is written: a file that is not a GeoPackage, a layer without geometry, another CRS, a
place outside Sweden or more than `MAX_BYTES` after simplifying is refused with a message naming the file, the
layer and the reason, and the database is left as it was.

The kind (road, water, building, other) is guessed from the layer's name and decides its colour.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pydeck as pdk
import shapely

from lagesbild import db

TOLERANCE_M = 3.0
MAX_BYTES = 3_000_000          # all layers together, as sent to the browser with every map
SWEDEN = (10.0, 55.0, 25.0, 69.5)
ACCEPTED_EPSG = {3006: "SWEREF 99 TM", 4326: "WGS84"}
KIND_WORDS = {
    "vatten": ("vatten", "water", "sjö", "sjo", "hav", "å_", "vattendrag", "lake", "river"),
    "vag": ("väg", "vag", "road", "gata", "street", "gc", "järnväg", "jarnvag", "rail"),
    "byggnad": ("byggnad", "building", "hus", "bygg"),
}
STYLE: dict[str, dict[str, Any]] = {
    "vatten": {"get_fill_color": [170, 205, 230, 255], "get_line_color": [120, 170, 210, 255],
               "line_width_min_pixels": 1},
    "vag": {"get_fill_color": [200, 200, 200, 255], "get_line_color": [150, 150, 150, 255],
            "line_width_min_pixels": 1},
    "byggnad": {"get_fill_color": [218, 212, 204, 255], "get_line_color": [200, 194, 186, 255],
                "line_width_min_pixels": 0},
    "ovrigt": {"get_fill_color": [225, 225, 215, 200], "get_line_color": [170, 170, 160, 255],
               "line_width_min_pixels": 1},
}
KIND_SWEDISH = {"vag": "vägar", "vatten": "vatten", "byggnad": "byggnader", "ovrigt": "övrigt"}
KIND_NAMES = {"vag": "roads", "vatten": "water", "byggnad": "buildings", "ovrigt": "other"}
DRAW_ORDER = ("ovrigt", "vatten", "byggnad", "vag")


class BackgroundError(ValueError):
    """A background file that cannot be used: the message (English, for the CLI) and `swedish` (for the upload
    page) name the file, the layer and the reason."""

    def __init__(self, message: str, swedish: str) -> None:
        super().__init__(message)
        self.swedish = swedish


@dataclass(frozen=True)
class BackgroundLayer:
    name: str
    kind: str
    geometry_type: str
    features: int
    geojson: str


def kind_of(name: str) -> str:
    lowered = name.lower()
    for kind, words in KIND_WORDS.items():
        if any(word in lowered for word in words):
            return kind
    return "ovrigt"


def read_bytes(data: bytes, file_name: str, max_bytes: int = MAX_BYTES) -> list[BackgroundLayer]:
    """`read` for an uploaded file's bytes (written to a temporary file under its own name)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(file_name).name
        path.write_bytes(data)
        return read(path, max_bytes)


def read(path: Path, max_bytes: int = MAX_BYTES) -> list[BackgroundLayer]:
    """Every layer of the GeoPackage at `path`, checked, simplified and in WGS84; raises `BackgroundError`."""
    import pyogrio

    label = path.name
    if path.suffix.lower() != ".gpkg":
        raise BackgroundError(f"{label}: background layers come as a GeoPackage (.gpkg)",
                              f"{label}: bakgrundslager läses från en GeoPackage (.gpkg).")
    try:
        listed = pyogrio.list_layers(path)
    except Exception as exc:  # noqa: BLE001 - any reader failure is a file we cannot use
        raise BackgroundError(f"{label}: not a readable GeoPackage ({exc})",
                              f"{label}: filen kunde inte läsas som GeoPackage.") from None
    layers: list[BackgroundLayer] = []
    for name, geometry_kind in listed:
        name = str(name)
        if geometry_kind is None:
            raise BackgroundError(f"{label}, layer {name!r}: no geometry column (a table, not a map layer)",
                                  f"{label}, lager ”{name}”: saknar geometri (en tabell, inte ett kartlager).")
        frame = gpd.read_file(path, layer=name)
        frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
        if frame.empty:
            raise BackgroundError(f"{label}, layer {name!r}: no features with geometry",
                                  f"{label}, lager ”{name}”: inga objekt med geometri.")
        epsg = frame.crs.to_epsg() if frame.crs is not None else None
        if epsg not in ACCEPTED_EPSG:
            stated = frame.crs.name if frame.crs is not None else "no CRS"
            raise BackgroundError(f"{label}, layer {name!r}: coordinate system {stated}; expected SWEREF 99 TM "
                                  "(EPSG:3006): export the layer in SWEREF 99 TM",
                                  f"{label}, lager ”{name}”: koordinatsystemet är {stated}, inte SWEREF 99 TM "
                                  "(EPSG:3006). Exportera lagret i SWEREF 99 TM.")
        if epsg == 3006:
            frame = frame.set_geometry(shapely.simplify(frame.geometry.values, TOLERANCE_M, preserve_topology=True))
        frame = frame.to_crs(4326)
        west, south, east, north = frame.total_bounds
        if not (SWEDEN[0] <= west and east <= SWEDEN[2] and SWEDEN[1] <= south and north <= SWEDEN[3]):
            raise BackgroundError(f"{label}, layer {name!r}: the features lie outside Sweden "
                                  f"({west:.2f}, {south:.2f} to {east:.2f}, {north:.2f}); is the CRS right?",
                                  f"{label}, lager ”{name}”: objekten ligger utanför Sverige. Stämmer "
                                  "koordinatsystemet?")
        geometry = shapely.set_precision(frame.geometry.values, 1e-6)
        collection = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {}, "geometry": json.loads(shapely.to_geojson(g))}
            for g in geometry if g is not None and not g.is_empty]}
        text = json.dumps(collection, separators=(",", ":"))
        types = {t.replace("Multi", "") for t in frame.geom_type.unique()}
        geometry_type = {"LineString": "line", "Polygon": "polygon", "Point": "point"}.get(
            next(iter(types)), "mixed") if len(types) == 1 else "mixed"
        layers.append(BackgroundLayer(name, kind_of(name), geometry_type, len(collection["features"]), text))
    if not layers:
        raise BackgroundError(f"{label}: the GeoPackage has no layers", f"{label}: GeoPackage-filen har inga lager.")
    total = sum(len(layer.geojson) for layer in layers)
    if total > max_bytes:
        sizes = ", ".join(f"{layer.name} {len(layer.geojson) / 1e6:.1f} MB" for layer in layers)
        raise BackgroundError(f"{label}: {total / 1e6:.1f} MB after simplifying ({sizes}); the limit is "
                              f"{max_bytes / 1e6:.1f} MB, since the layers are sent with every map: clip them to "
                              "the municipality or leave out the largest layer (often buildings)",
                              f"{label}: {total / 1e6:.1f} MB efter förenkling, gränsen är {max_bytes / 1e6:.1f} MB "
                              "eftersom lagren skickas med varje karta. Klipp lagren till kommunen eller utelämna "
                              "det största (ofta byggnader).")
    return layers


def store(con: duckdb.DuckDBPyConnection, layers: list[BackgroundLayer], source_file: str, by: str | None) -> None:
    """Write the layers in one transaction (a layer of the same name is replaced)."""
    with db.write(con) as cur:
        for layer in layers:
            cur.execute("DELETE FROM background_layers WHERE name = ?", [layer.name])
            cur.execute("INSERT INTO background_layers (name, kind, geometry_type, features, bytes, geojson, "
                        "source_file, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [layer.name, layer.kind, layer.geometry_type, layer.features, len(layer.geojson),
                         layer.geojson, source_file, by])


def import_file(con: duckdb.DuckDBPyConnection, path: Path, by: str | None = None,
                max_bytes: int = MAX_BYTES) -> list[BackgroundLayer]:
    """Read, check and store a GeoPackage's layers; raises `BackgroundError` with the database unchanged."""
    layers = read(path, max_bytes)
    store(con, layers, path.name, by)
    return layers


def listed(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, int]]:
    """(name, kind, features, bytes) of the stored layers."""
    cur = con.cursor()
    try:
        return [tuple(row) for row in cur.execute(
            "SELECT name, kind, features, bytes FROM background_layers ORDER BY name").fetchall()]
    finally:
        cur.close()


def deck_layers(con: duckdb.DuckDBPyConnection) -> list[pdk.Layer]:
    """The stored layers as deck.gl GeoJsonLayers, water first and roads on top, none pickable."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT id, kind, bytes FROM background_layers").fetchall()
        if not rows:
            return []
        order = {kind: index for index, kind in enumerate(DRAW_ORDER)}
        found = []
        for layer_id, kind, size in sorted(rows, key=lambda r: (order.get(r[1], 0), r[0])):
            text = cur.execute("SELECT geojson FROM background_layers WHERE id = ?", [layer_id]).fetchone()
            if text:
                found.append(_layer(layer_id, kind, size, text[0]))
        return found
    finally:
        cur.close()


@functools.lru_cache(maxsize=16)
def _parsed(layer_id: int, size: int, text: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _layer(layer_id: int, kind: str, size: int, text: str) -> pdk.Layer:
    return pdk.Layer("GeoJsonLayer", _parsed(layer_id, size, text), id=f"bakgrund_{layer_id}", stroked=True,
                     filled=True, point_radius_min_pixels=2, pickable=False, **STYLE.get(kind, STYLE["ovrigt"]))
