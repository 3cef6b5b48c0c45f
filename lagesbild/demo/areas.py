"""Turn the demo's localities and districts into a tessellation of the municipality (SWEREF 99 TM)."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import MultiPoint, Point, Polygon
from shapely.ops import unary_union

from lagesbild import geo
from lagesbild.demo import places


def outline_sweref() -> Polygon:
    """The municipality outline in SWEREF 99 TM."""
    lon, lat = zip(*places.OUTLINE, strict=True)
    x, y = geo.to_sweref(lon, lat)
    return Polygon(zip(x, y, strict=True))


def _point(lon: float, lat: float) -> Point:
    x, y = geo.to_sweref([lon], [lat])
    return Point(float(x[0]), float(y[0]))


def _split_by_seeds(region: Any, seeds: list[Point]) -> list[Any]:
    """Split `region` between seeds: each seed gets the part nearest to it (a clipped Voronoi cell)."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region.buffer(5000))
    parts = []
    for seed in seeds:
        cell = next(c for c in shapely.get_parts(cells) if c.contains(seed))
        parts.append(cell.intersection(region))
    return parts


def build_areas() -> gpd.GeoDataFrame:
    """All demo areas as a GeoDataFrame in EPSG:3006 with code, name and population."""
    outline = outline_sweref()
    rows = []
    taken = []

    town_core = _point(*places.TOWN_CENTRE).buffer(places.TOWN_RADIUS_M).intersection(outline)
    seeds = [_point(d.lon, d.lat) for d in places.DISTRICTS]
    for district, part in zip(places.DISTRICTS, _split_by_seeds(town_core, seeds), strict=True):
        rows.append((district.code, district.name, district.population, district.risk, part))
    taken.append(town_core)

    for loc in places.LOCALITIES:
        core = _point(loc.lon, loc.lat).buffer(loc.radius_m).intersection(outline)
        core = core.difference(unary_union(taken))
        rows.append((loc.code, loc.name, loc.population, loc.risk, core))
        taken.append(core)

    rest = outline.difference(unary_union(taken))
    seeds = [_point(d.lon, d.lat) for d in places.COUNTRYSIDE]
    for district, part in zip(places.COUNTRYSIDE, _split_by_seeds(rest, seeds), strict=True):
        rows.append((district.code, district.name, district.population, district.risk, part))

    frame = gpd.GeoDataFrame(
        rows, columns=["code", "name", "population", "risk", "geometry"], geometry="geometry", crs=geo.SWEREF99TM
    )
    frame["geometry"] = frame.geometry.make_valid()
    return frame
