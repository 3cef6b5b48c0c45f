"""Hot spots with a statistic: Getis-Ord Gi* on SCB grid squares, corrected for many tests (Benjamini-Hochberg).

Every square of the municipality takes part, including the empty ones (a heat map of only the squares with
incidents always shows "something"). Each square's Gi* z-score compares the count in it and its eight
neighbours with the municipality as a whole; the two-sided p-values are corrected for the false-discovery rate,
and a square is hot or cold at 90, 95 or 99 % when its corrected p-value allows it. Comparing with the previous
period of equal length tells new, persistent and fading hot spots apart.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
import shapely
from scipy.stats import norm
from shapely.ops import unary_union

from lagesbild import geo, queries
from lagesbild.filters import Filters
from lagesbild.protect import combine_keys

LEVELS = (0.99, 0.95, 0.90)
MIN_INCIDENTS = 30        # below this many located incidents no hot-spot analysis is attempted
MIN_PER_CELL = 0.05       # mean incidents per square below this: use 1 km squares instead of 250 m
TOO_FEW = "för få händelser för en säker analys"


@dataclass
class HotSpots:
    size: int                  # square size used (250 or 1000)
    cells: pd.DataFrame        # cell, x, y, lon, lat, count, z, p, q, level, kind ('hot'/'cold'/''), trend
    message: str               # '' or a Swedish explanation why there is no analysis
    incidents: int
    key: int = 0               # the cell key of those incidents (lagesbild.protect)

    @property
    def hot(self) -> pd.DataFrame:
        return self.cells[self.cells["kind"] == "hot"]


def universe(con: duckdb.DuckDBPyConnection, size: int) -> pd.DataFrame:
    """Every square of `size` metres whose centre lies in the municipality's areas: cell, x, y (centre)."""
    shapes = queries.area_shapes(con)
    polygons = [shapely.transform(shapely.from_geojson(text), lambda xy: np.column_stack(
        geo.to_sweref(xy[:, 0], xy[:, 1]))) for text in shapes["geojson"]]
    if not polygons:
        return pd.DataFrame(columns=["cell", "x", "y"])
    outline = unary_union(polygons)
    minx, miny, maxx, maxy = outline.bounds
    xs = np.arange(np.floor(minx / size) * size, maxx, size) + size / 2
    ys = np.arange(np.floor(miny / size) * size, maxy, size) + size / 2
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    shapely.prepare(outline)
    inside = shapely.contains_xy(outline, gx, gy)
    return pd.DataFrame({"cell": geo.cell_id(gx[inside], gy[inside], size), "x": gx[inside], "y": gy[inside]})


def neighbours(x: np.ndarray, y: np.ndarray, size: int):
    """Binary weights: each square and its (up to) eight touching neighbours, itself included (Gi*)."""
    from libpysal.weights import W

    index = {(int(a // size), int(b // size)): i for i, (a, b) in enumerate(zip(x, y, strict=True))}
    found = {}
    for (i, j), position in index.items():
        found[position] = [index[(i + di, j + dj)] for di in (-1, 0, 1) for dj in (-1, 0, 1)
                           if (di or dj) and (i + di, j + dj) in index]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # islands (squares with no neighbour) are fine for Gi*
        return W(found, id_order=list(range(len(found))), silence_warnings=True)


def gi_star(counts: np.ndarray, w) -> np.ndarray:
    """Gi* z-scores (Getis and Ord 1995, binary weights including the square itself), via PySAL's esda."""
    from esda import G_Local

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    return np.nan_to_num(np.asarray(result.Zs, float))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """False-discovery-rate adjusted p-values (q-values), in the original order."""
    p = np.asarray(p, float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    result = np.empty(n)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def _classify(z: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    p = 2 * norm.sf(np.abs(z))
    q = benjamini_hochberg(p)
    level = np.zeros(len(z))
    for confidence in sorted(LEVELS):
        level[q <= 1 - confidence] = confidence
    kind = np.where(level > 0, np.where(z > 0, "hot", "cold"), "")
    return p, q, level, kind


def analyse(con: duckdb.DuckDBPyConnection, filters: Filters, size: int | None = None) -> HotSpots:
    """Hot and cold squares for the filters, with the trend against the previous period of equal length."""
    chosen = size or 250
    counts = queries.grid_cells(con, filters, chosen)
    total = int(counts["count"].sum())
    key = combine_keys(counts["ckey"])
    if total < MIN_INCIDENTS:
        return HotSpots(chosen, pd.DataFrame(), TOO_FEW, total, key)
    cells = universe(con, chosen)
    if size is None and total / max(len(cells), 1) < MIN_PER_CELL:
        chosen = 1000
        counts = queries.grid_cells(con, filters, chosen)
        cells = universe(con, chosen)
    frame = _scored(cells, counts, chosen)
    before = _scored(cells, queries.grid_cells(con, filters.previous_period(), chosen), chosen)
    was_hot = before["kind"].to_numpy() == "hot"
    is_hot = frame["kind"].to_numpy() == "hot"
    frame["trend"] = np.select([is_hot & was_hot, is_hot & ~was_hot, ~is_hot & was_hot],
                               ["ihållande", "ny", "avtagande"], "")
    lon, lat = geo.to_wgs84(frame["x"].to_numpy(), frame["y"].to_numpy())
    frame["lon"], frame["lat"] = lon, lat
    return HotSpots(chosen, frame, "", total, key)


def _scored(cells: pd.DataFrame, counts: pd.DataFrame, size: int) -> pd.DataFrame:
    frame = cells.merge(counts[["cell", "count"]], on="cell", how="left").fillna({"count": 0})
    frame["count"] = frame["count"].astype(int)
    if frame["count"].sum() == 0 or len(frame) < 9:
        frame["z"], frame["p"], frame["q"], frame["level"], frame["kind"] = 0.0, 1.0, 1.0, 0.0, ""
        return frame
    z = gi_star(frame["count"].to_numpy(), neighbours(frame["x"].to_numpy(), frame["y"].to_numpy(), size))
    frame["z"] = z
    frame["p"], frame["q"], frame["level"], frame["kind"] = _classify(z)
    return frame
