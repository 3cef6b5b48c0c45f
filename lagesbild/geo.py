"""Coordinates in one place: WGS84 (EPSG:4326) <-> SWEREF 99 TM (EPSG:3006), and SCB's statistical grid.

SCB's 250 m and 1 km squares are aligned to SWEREF 99 TM. A square is named here by its lower-left corner,
packed into one integer: easting * 10**7 + northing (e.g. 478000 * 10**7 + 6210000), which is the same digit
string as SCB's `Rutid` for the square.

Geometry leaves this module as GeoSeries/GeoDataFrames that carry their CRS (`shapes`, `area_frame`,
`squares`); geopandas is imported only when one is asked for, so modules that never draw or measure a shape
(the register, the exports) do not load it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Transformer

WGS84 = "EPSG:4326"
SWEREF99TM = "EPSG:3006"
CELL_FACTOR = 10_000_000


@cache
def _transformer(source: str, target: str) -> Transformer:
    return Transformer.from_crs(source, target, always_xy=True)


def to_sweref(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 lon/lat in degrees to SWEREF 99 TM easting/northing in metres."""
    x, y = _transformer(WGS84, SWEREF99TM).transform(np.asarray(lon, float), np.asarray(lat, float))
    return np.asarray(x), np.asarray(y)


def to_wgs84(x: ArrayLike, y: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """SWEREF 99 TM easting/northing in metres to WGS84 lon/lat in degrees."""
    lon, lat = _transformer(SWEREF99TM, WGS84).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(lon), np.asarray(lat)


def cell_id(x: ArrayLike, y: ArrayLike, size: int) -> np.ndarray:
    """Id of the SCB square of `size` metres (250 or 1000) that holds each SWEREF 99 TM point."""
    east = np.floor(np.asarray(x, float) / size).astype(np.int64) * size
    north = np.floor(np.asarray(y, float) / size).astype(np.int64) * size
    return east * CELL_FACTOR + north


def cell_corner(cell: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Lower-left SWEREF 99 TM corner of each square id."""
    cell = np.asarray(cell, np.int64)
    return cell // CELL_FACTOR, cell % CELL_FACTOR

RT90 = "EPSG:3021"  # RT 90 2.5 gon V, the older national grid
SYSTEMS = {"wgs84": WGS84, "sweref": SWEREF99TM, "rt90": RT90}


def transform(x: ArrayLike, y: ArrayLike, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Transform coordinates between any two CRSs given as 'EPSG:nnnn' (x = easting/longitude first)."""
    if source == target:
        return np.asarray(x, float), np.asarray(y, float)
    tx, ty = _transformer(source, target).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(tx), np.asarray(ty)


# Below this many polygons a bounding-box sweep with `shapely.contains_xy` beats an STRtree, whose cost is
# dominated by making a Point object per incident. Measured on 1M points (2 shared cores, one run each):
# 18 polygons 0.21 s vs 1.77 s, 64: 0.52 vs 2.66, 300: 1.34 vs 2.10, 1 300 (Stockholm's DeSO): 7.01 vs 2.34.
TREE_FROM = 400


def assign_to_polygons(polygons: list[Any], x: ArrayLike, y: ArrayLike, *, tree_from: int = TREE_FROM) -> np.ndarray:
    """Position in `polygons` of the first polygon holding each point (same CRS as x/y); -1 where none does.

    A point on a boundary belongs to no polygon (`contains`), the same in both strategies.
    """
    import shapely

    x = np.asarray(x, float)
    y = np.asarray(y, float)
    result = np.full(len(x), -1, np.int64)
    if len(polygons) >= tree_from:
        points, held_by = shapely.STRtree(polygons).query(shapely.points(x, y), predicate="within")
        order = np.lexsort((held_by, points))  # per point, the lowest polygon position first
        points, held_by = points[order], held_by[order]
        first = np.r_[True, points[1:] != points[:-1]] if len(points) else np.zeros(0, bool)
        result[points[first]] = held_by[first]
        return result
    for position, geometry in enumerate(polygons):
        minx, miny, maxx, maxy = geometry.bounds
        candidates = np.flatnonzero((result < 0) & (x >= minx) & (x <= maxx) & (y >= miny) & (y <= maxy))
        if len(candidates):
            shapely.prepare(geometry)
            hit = shapely.contains_xy(geometry, x[candidates], y[candidates])
            result[candidates[hit]] = position
    return result


def shapes(geojson: Iterable[str], crs: str = SWEREF99TM, index: Any = None) -> Any:
    """Stored GeoJSON texts (WGS84 lon/lat, as the database keeps them) as a GeoSeries in `crs` (default
    SWEREF 99 TM, in metres, for areas, buffers and distances)."""
    import geopandas as gpd
    import shapely

    return gpd.GeoSeries(shapely.from_geojson(list(geojson)), crs=WGS84, index=index).to_crs(crs)


def sweref_geometries(geojson: Iterable[str]) -> list[Any]:
    """Stored GeoJSON texts as plain shapely geometries in SWEREF 99 TM: `shapes` without loading geopandas, for
    the import path (an incident import never needs it)."""
    import shapely

    def to_metres(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(to_sweref(xy[:, 0], xy[:, 1]))

    return [shapely.transform(shapely.from_geojson(text), to_metres) for text in geojson]


def area_frame(frame: Any, crs: str = SWEREF99TM) -> Any:
    """A frame with a `geojson` column (as stored) as a GeoDataFrame in `crs`, the text column dropped."""
    import geopandas as gpd

    return gpd.GeoDataFrame(frame.drop(columns="geojson"), geometry=shapes(frame["geojson"], crs, frame.index),
                            crs=crs)


def squares(cells: ArrayLike, size: int, crs: str = WGS84) -> Any:
    """SCB squares of `size` metres as a GeoDataFrame (column `cell`) in `crs`; each ring starts at the
    lower-left corner and runs counter-clockwise."""
    import geopandas as gpd
    import shapely

    cells = np.asarray(cells, np.int64)
    east, north = cell_corner(cells)
    rings = np.stack([np.stack([east, east + size, east + size, east, east], axis=1),
                      np.stack([north, north, north + size, north + size, north], axis=1)], axis=2)
    polygons = shapely.polygons(rings.astype(float)) if len(cells) else []
    return gpd.GeoDataFrame({"cell": cells}, geometry=gpd.GeoSeries(polygons, crs=SWEREF99TM)).to_crs(crs)
