"""The map's own base layer: sea, the municipality and its neighbours, and names, with no tile server.

On many municipal networks the browser may not fetch map tiles, and the map was coloured shapes on white. The
product therefore carries SCB's boundaries of all 290 municipalities (`lagesbild/data/kommuner.geojson`, about
230 KB, derived by `scripts/derive_basemap.py`; source and licence in `lagesbild/data/README.md`) and draws,
beneath the data: the sea as the background colour, every municipality near the data in light grey, the own
municipality in white with a darker outline; and above the data: the municipalities' names (at a point inside
each) and the areas' names (at a point inside each area's polygon).

Locality names: no source with coordinates for localities (*tätorter*) was found in the shared real data (the
postal list has names without places), so the names drawn are the municipalities' and the areas' own; in the
demo and for most divisions the areas are the localities and districts.

The own municipality is the database's `municipality_code` when given and known; otherwise the municipality
holding most of the areas' centroids. Everything here is derived on the fly from the shipped file, so any of the
290 works without a build step.
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
from shapely.geometry.base import BaseGeometry

DATA_FILE = Path(__file__).resolve().parent / "data" / "kommuner.geojson"
SEA = [201, 225, 240, 255]
LAND = [239, 238, 232, 255]
OWN_LAND = [255, 255, 255, 255]
NEIGHBOUR_LINE = [165, 165, 165, 255]
OWN_LINE = [70, 70, 70, 255]
NAME_COLOUR = [95, 95, 95, 255]
AREA_NAME_COLOUR = [30, 30, 30, 255]
LABEL_HALO = [255, 255, 255, 170]
CONTEXT_MARGIN = 0.6     # how far beyond the drawn extent neighbours are drawn, as a share of its size
BASE_LAYER_IDS = ("hav", "kommuner", "egen_kommun")
LABEL_LAYER_IDS = ("kommunnamn", "omradesnamn")
# The viewport the first view is fitted to: the Karta page's map is 560 px high, and in the wide layout at least
# about 840 px wide on a 1280 px laptop screen with the sidebar open (wider screens show more around it).
VIEWPORT = (840, 560)

Bounds = tuple[float, float, float, float]   # west, south, east, north (lon/lat)


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    shape: BaseGeometry
    label: tuple[float, float]   # lon, lat of a point inside the shape


@functools.lru_cache(maxsize=1)
def municipalities() -> dict[str, Municipality]:
    """The 290 municipalities of the shipped file, by SCB code."""
    raw = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    found: dict[str, Municipality] = {}
    for feature in raw["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        point = shape.representative_point()
        code = str(feature["properties"]["KnKod"])
        found[code] = Municipality(code, str(feature["properties"]["KnNamn"]), shape,
                                   (round(point.x, 5), round(point.y, 5)))
    return found


def own_code(shapes: pd.DataFrame | None, hint: str | None = None) -> str | None:
    """The municipality the map is about: `hint` (the database's code) when known, else the one holding most of
    the areas' centroids (None without areas or outside Sweden)."""
    known = municipalities()
    if hint and hint in known:
        return hint
    if shapes is None or shapes.empty:
        return None
    points = shapely.points(shapes["centroid_lon"].to_numpy(float), shapes["centroid_lat"].to_numpy(float))
    votes = {code: int(shapely.contains(m.shape, points).sum()) for code, m in known.items()}
    best = max(votes, key=lambda code: votes[code])
    return best if votes[best] else None


def bounds_of(frames: list[np.ndarray]) -> Bounds | None:
    """The bounding box of arrays of (lon, lat) pairs (None when all are empty)."""
    parts = [np.asarray(f, dtype=float).reshape(-1, 2) for f in frames if len(f)]
    if not parts:
        return None
    every = np.concatenate(parts)
    every = every[np.isfinite(every).all(axis=1)]
    if not len(every):
        return None
    return (float(every[:, 0].min()), float(every[:, 1].min()), float(every[:, 0].max()), float(every[:, 1].max()))


def union(*boxes: Bounds | None) -> Bounds | None:
    given = [b for b in boxes if b is not None]
    if not given:
        return None
    return (min(b[0] for b in given), min(b[1] for b in given), max(b[2] for b in given), max(b[3] for b in given))


def _mercator_y(lat: float) -> float:
    """Web-Mercator y of a latitude, 0 at the top of the world and 1 at the bottom."""
    rad = math.radians(max(min(lat, 85.0), -85.0))
    return (1 - math.log(math.tan(rad) + 1 / math.cos(rad)) / math.pi) / 2


def fit(bounds: Bounds, width: int = VIEWPORT[0], height: int = VIEWPORT[1], padding: float = 0.05,
        min_zoom: float = 5.0, max_zoom: float = 15.0) -> tuple[float, float, float]:
    """(lat, lon, zoom) showing all of `bounds` in a viewport of `width` × `height` pixels, with `padding` (a share
    of each side) left free. deck.gl's world is 512 px wide at zoom 0."""
    west, south, east, north = bounds
    x0, x1 = (west + 180) / 360, (east + 180) / 360
    y0, y1 = _mercator_y(north), _mercator_y(south)
    usable_w, usable_h = width * (1 - 2 * padding), height * (1 - 2 * padding)
    zooms = []
    if x1 - x0 > 1e-9:
        zooms.append(math.log2(usable_w / ((x1 - x0) * 512)))
    if y1 - y0 > 1e-9:
        zooms.append(math.log2(usable_h / ((y1 - y0) * 512)))
    zoom = min(zooms) if zooms else max_zoom
    zoom = max(min_zoom, min(max_zoom, math.floor(zoom * 4) / 4))  # quarter steps: the slider's
    y_mid = (y0 + y1) / 2
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * y_mid))))
    return (round(lat, 4), round((west + east) / 2, 4), zoom)


def view_bounds(lat: float, lon: float, zoom: float, width: int = VIEWPORT[0],
                height: int = VIEWPORT[1]) -> Bounds:
    """The lon/lat box a viewport of `width` × `height` shows at (lat, lon, zoom)."""
    world = 512 * 2 ** zoom
    x = (lon + 180) / 360
    y = _mercator_y(lat)
    dx, dy = width / 2 / world, height / 2 / world

    def lat_of(yy: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy))))

    return (x - dx) * 360 - 180, lat_of(y + dy), (x + dx) * 360 - 180, lat_of(y - dy)


def _rings(shape: BaseGeometry) -> list[list[list[float]]]:
    return [np.round(np.asarray(part.exterior.coords), 5).tolist() for part in shapely.get_parts(shape)
            if part.geom_type == "Polygon"]


def _near(extent: Bounds) -> list[Municipality]:
    west, south, east, north = extent
    dx, dy = max(east - west, 0.05) * CONTEXT_MARGIN, max(north - south, 0.03) * CONTEXT_MARGIN
    box = shapely.box(west - dx, south - dy, east + dx, north + dy)
    return [m for m in municipalities().values() if m.shape.intersects(box)]


@dataclass(frozen=True)
class BaseMap:
    """The layers drawn beneath the data (`below`) and above it (`labels`), and the own municipality's box."""

    below: list[pdk.Layer]
    labels: list[pdk.Layer]
    code: str | None
    bounds: Bounds | None


def build(code: str | None, extent: Bounds | None, areas: pd.DataFrame | None = None,
          background: list[pdk.Layer] | None = None) -> BaseMap:
    """The base layer around `extent` (what the map draws) for municipality `code`, with area names from
    `areas` (name, geojson) and the municipality's own background layers (roads, water …) between land and data."""
    own = municipalities().get(code or "")
    box = union(extent, own.shape.bounds if own else None)
    below: list[pdk.Layer] = []
    labels: list[pdk.Layer] = []
    if box is not None:
        west, south, east, north = box
        # The sea: a wide rectangle in the background colour (the canvas itself is transparent).
        sea = [[west - 8, south - 5], [east + 8, south - 5], [east + 8, north + 5], [west - 8, north + 5]]
        below.append(pdk.Layer("PolygonLayer", [{"polygon": sea}], id="hav", get_polygon="polygon",
                               get_fill_color=SEA, stroked=False, filled=True, pickable=False))
        near = _near(box)
        others = [{"polygon": ring} for m in near if m is not own for ring in _rings(m.shape)]
        below.append(pdk.Layer("PolygonLayer", others, id="kommuner", get_polygon="polygon", get_fill_color=LAND,
                               get_line_color=NEIGHBOUR_LINE, line_width_min_pixels=1, stroked=True, filled=True,
                               pickable=False))
        if own is not None:
            below.append(pdk.Layer("PolygonLayer", [{"polygon": ring} for ring in _rings(own.shape)],
                                   id="egen_kommun", get_polygon="polygon", get_fill_color=OWN_LAND,
                                   get_line_color=OWN_LINE, line_width_min_pixels=2, stroked=True, filled=True,
                                   pickable=False))
        below.extend(background or [])
        # The own municipality's name only where it has no areas to name (the page says which it is).
        named = [m for m in near if m is not own or areas is None or areas.empty]
        names = [{"position": list(m.label), "text": m.name, "size": 15 if m is own else 13, "priority": 1000,
                  "colour": OWN_LINE if m is own else NAME_COLOUR} for m in named]
        labels.append(_text_layer("kommunnamn", names))
    if areas is not None and not areas.empty:
        area_names = []
        for name, text in zip(areas["name"], areas["geojson"], strict=True):
            shape = shapely.from_geojson(text)
            point = shape.representative_point()
            area_names.append({"position": [round(point.x, 5), round(point.y, 5)], "text": str(name), "size": 12,
                               "colour": AREA_NAME_COLOUR, "priority": min(int(shape.area * 1e5), 999)})
        labels.append(_text_layer("omradesnamn", area_names))
    return BaseMap(below=below, labels=labels, code=own.code if own else None,
                   bounds=own.shape.bounds if own else None)


def _text_layer(layer_id: str, rows: list[dict[str, Any]]) -> pdk.Layer:
    """Names as a TextLayer, in the browser's own sans-serif (no font is downloaded), its character set taken
    from the names ("auto") so that å, ä and ö are drawn. (pydeck reads a bare string as a JavaScript expression: plain
    string values are therefore given in double quotes.)"""
    return pdk.Layer("TextLayer", rows, id=layer_id, get_position="position", get_text="text", get_size="size",
                     get_color="colour", size_units='"pixels"', character_set='"auto"',
                     font_family='"Arial, Helvetica, sans-serif"', font_weight=600,
                     background=True, get_background_color=LABEL_HALO, background_padding=[3, 1],
                     get_text_anchor='"middle"', get_alignment_baseline='"center"', pickable=False,
                     # Names that would overlap are left out, the larger area's first (as a tile map does).
                     extensions=[{"@@type": "CollisionFilterExtension"}], collision_enabled=True,
                     get_collision_priority="priority", collision_test_props={"sizeScale": 2.0})
