"""Hot spots that keep their promise: an exact test of each SCB square with its neighbours, corrected for many tests.

Every square of the municipality takes part, including the empty ones (a heat map of only the squares with
incidents always shows "something"). For each square the incidents in it and its (up to) eight neighbours are
compared with what a uniform spread of the same N incidents over the municipality's M squares gives: the window
count is then Binomial(N, k/M) for a window of k squares, so its tail probability is exact whatever the density.
Gi*'s normal approximation is not used for the decision: on sparse counts (most 250 m squares empty) it called a
quarter of pattern-free maps "hot" and made empty squares next to a busy one hot too.

- Hot: only squares holding incidents are tested, with the p-value conditional on the square holding any (the
  selection is then paid for), and Benjamini-Hochberg over those squares.
- Cold: only windows whose expected count is large enough that an empty window could be significant are tested
  (Tarone's rule at the most lenient level), then Benjamini-Hochberg over them.
- A square is hot or cold at 90, 95 or 99 % when its corrected p-value (q) allows it; Gi* z stays as a
  descriptive score. Comparing with the previous period of equal length tells new, persistent and fading hot
  spots apart, and touching hot squares are merged into cluster outlines (WGS84) for the map.

`simulate_null` runs the test on pattern-free maps so the false-alarm rate can be checked and quoted.
"""

from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.stats import binom, false_discovery_control
from shapely.ops import unary_union

from lagesbild import geo, queries
from lagesbild.filters import Filters
from lagesbild.protect import combine_keys

if TYPE_CHECKING:
    from libpysal.weights import W

# A cluster as GeoJSON-like data for pydeck and JSON: its squares, level, trend, number and outline (values of
# several kinds, the outline nested lists).
Cluster = dict[str, Any]

LEVELS = (0.99, 0.95, 0.90)
MIN_INCIDENTS = 30        # below this many located incidents no hot-spot analysis is attempted
MIN_PER_CELL = 0.05       # mean incidents per square below this: use 1 km squares instead of 250 m
TOO_FEW = "för få händelser för en säker analys"
BASELINE = ("Het och kall mäts mot en jämn fördelning över kommunens rutor, inte mot var människor bor eller "
            "mot rutans egen historik.")


@dataclass
class HotSpots:
    size: int                  # square size used (250 or 1000)
    cells: pd.DataFrame        # cell, x, y, lon, lat, count, z, p, q, level, kind ('hot'/'cold'/''), trend
    message: str               # '' or a Swedish explanation why there is no analysis
    incidents: int
    key: int = 0               # the cell key of those incidents (lagesbild.protect)
    clusters: list[Cluster] = field(default_factory=list)  # touching hot squares: squares, level, trend, geometry
    baseline: str = BASELINE   # what "hot" is measured against, in Swedish

    @property
    def hot(self) -> pd.DataFrame:
        return self.cells[self.cells["kind"] == "hot"]

    def cluster_geojson(self) -> dict[str, Any]:
        """The cluster outlines as a GeoJSON FeatureCollection (lon/lat)."""
        return {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": c["geometry"], "properties": {k: v for k, v in c.items()
                                                                          if k != "geometry"}}
            for c in self.clusters]}


@dataclass(frozen=True)
class Grid:
    """The squares of one size over the municipality, with their Gi* weights and 3 × 3 windows."""

    cells: pd.DataFrame
    weights: W | None
    windows: sparse.csr_matrix


_GRIDS: dict[tuple[str, int], Grid] = {}   # (the areas' fingerprint, size) -> Grid; areas seldom change
_GRIDS_KEPT = 8


def grid(con: duckdb.DuckDBPyConnection, size: int) -> Grid:
    """`universe` with its weights, built once per set of area outlines and size (the weights of 20 000 squares
    take longer to build than the counts take to query)."""
    shapes = queries.area_shapes(con)
    key = (hashlib.sha256("\x00".join(shapes["geojson"]).encode()).hexdigest(), size)
    found = _GRIDS.get(key)
    if found is None:
        cells = universe(con, size, shapes)
        weights = neighbours(cells["x"].to_numpy(), cells["y"].to_numpy(), size) if len(cells) >= 9 else None
        found = Grid(cells, weights, windows(weights) if weights is not None else sparse.csr_matrix((0, 0)))
        if len(_GRIDS) >= _GRIDS_KEPT:
            _GRIDS.pop(next(iter(_GRIDS)))
        _GRIDS[key] = found
    return found


def universe(con: duckdb.DuckDBPyConnection, size: int, shapes: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every square of `size` metres whose centre lies in the municipality's areas: cell, x, y (centre)."""
    shapes = queries.area_shapes(con) if shapes is None else shapes
    polygons = list(geo.shapes(shapes["geojson"]))
    if not polygons:
        return pd.DataFrame(columns=["cell", "x", "y"])
    outline = unary_union(polygons)
    minx, miny, maxx, maxy = outline.bounds
    xs = np.arange(np.floor(minx / size) * size, maxx, size) + size / 2
    ys = np.arange(np.floor(miny / size) * size, maxy, size) + size / 2
    gx, gy = (axis.ravel() for axis in np.meshgrid(xs, ys))
    shapely.prepare(outline)
    inside = shapely.contains_xy(outline, gx, gy)
    return pd.DataFrame({"cell": geo.cell_id(gx[inside], gy[inside], size), "x": gx[inside], "y": gy[inside]})


def neighbours(x: np.ndarray, y: np.ndarray, size: int) -> W:
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


def windows(w: W) -> sparse.csr_matrix:
    """The 3 × 3 windows as a sparse 0/1 matrix: row i marks square i and its neighbours."""
    matrix = w.sparse.tocsr().astype(float)
    matrix.data[:] = 1.0
    return (matrix + sparse.identity(matrix.shape[0], format="csr")).tocsr()


def gi_star(counts: np.ndarray, w: W) -> NDArray[np.float64]:
    """Gi* z-scores (Getis and Ord 1995, binary weights including the square itself), via PySAL's esda."""
    from esda import G_Local

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = G_Local(counts.astype(float), w, transform="B", star=True, permutations=0)
    return np.nan_to_num(np.asarray(result.Zs, dtype=np.float64))


def tarone(smallest: NDArray[np.float64], alpha: float) -> NDArray[np.bool_]:
    """Which tests can reach significance at all: Tarone's rule (the smallest K with at most K tests whose
    smallest attainable p-value is ≤ alpha/K). Tests that could never be significant only dilute the others."""
    ordered = np.sort(smallest)
    k = np.arange(1, len(smallest) + 1)
    reachable = np.searchsorted(ordered, alpha / k, side="right")
    fits = np.flatnonzero(reachable <= k)
    if not len(fits):
        return np.zeros(len(smallest), bool)
    return smallest <= alpha / int(k[fits[0]])


@dataclass
class WindowTests:
    p_hot: np.ndarray      # P(window ≥ its count | the square holds incidents); 1 where not tested
    q_hot: np.ndarray
    hot_tested: np.ndarray
    p_cold: np.ndarray     # P(window ≤ its count); 1 where not tested
    q_cold: np.ndarray
    cold_tested: np.ndarray


def window_tests(counts: np.ndarray, window: sparse.csr_matrix) -> WindowTests:
    """Exact window tests under a uniform spread of the N incidents over the M squares, FDR-corrected."""
    counts = np.asarray(counts, np.int64)
    m, n = len(counts), int(counts.sum())
    k = np.asarray(window.sum(axis=1)).ravel()
    s = np.rint(window @ counts).astype(np.int64)
    hot_tested = counts > 0
    p_hot = np.ones(m)
    p_cold = np.ones(m)
    if m > 1 and n > 0:
        # Only squares holding incidents are tested for hot, so each p-value is conditional on that:
        # P(S ≥ s | c ≥ 1) = (P(S ≥ s) − P(c = 0)·P(S ≥ s | c = 0)) / P(c ≥ 1), where given c = 0 the other
        # k − 1 squares of the window share the N incidents with the remaining M − 1 squares.
        empty = binom.pmf(0, n, 1 / m)
        upper = binom.sf(s - 1, n, k / m)
        upper_if_empty = binom.sf(s - 1, n, (k - 1) / (m - 1))
        conditional = np.clip((upper - empty * upper_if_empty) / (1 - empty), 0.0, 1.0)
        p_hot = np.where(hot_tested, conditional, 1.0)
        p_cold = binom.cdf(s, n, k / m)
        cold_tested = tarone(binom.pmf(0, n, k / m), 1 - min(LEVELS))
    else:
        cold_tested = np.zeros(m, bool)
    p_cold = np.where(cold_tested, p_cold, 1.0)
    q_hot, q_cold = np.ones(m), np.ones(m)
    q_hot[hot_tested] = false_discovery_control(p_hot[hot_tested])
    q_cold[cold_tested] = false_discovery_control(p_cold[cold_tested])
    return WindowTests(p_hot, q_hot, hot_tested, p_cold, q_cold, cold_tested)


def _level(q: np.ndarray) -> np.ndarray:
    level = np.zeros(len(q))
    for confidence in sorted(LEVELS):
        level[q <= 1 - confidence + 1e-12] = confidence
    return level


def score(cells: pd.DataFrame, counts: pd.DataFrame, size: int, describe: bool = True,
          grid_: Grid | None = None) -> pd.DataFrame:
    """Every square of `cells` (cell, x, y) with its count, Gi* z (descriptive; 0 without `describe`), p, q,
    level and kind from the exact window tests, and whether it was tested for hot and for cold (`grid_`: the
    cached weights of these same cells, else built here)."""
    frame = cells.merge(counts[["cell", "count"]], on="cell", how="left").fillna({"count": 0})
    frame["count"] = frame["count"].astype(int)
    frame["z"], frame["p"], frame["q"], frame["level"], frame["kind"] = 0.0, 1.0, 1.0, 0.0, ""
    frame["hot_tested"], frame["cold_tested"] = False, False
    if frame["count"].sum() == 0 or len(frame) < 9:
        return frame
    if grid_ is not None and grid_.weights is not None:
        w, window = grid_.weights, grid_.windows
    else:
        w = neighbours(frame["x"].to_numpy(), frame["y"].to_numpy(), size)
        window = windows(w)
    values = frame["count"].to_numpy()
    tests = window_tests(values, window)
    if describe:
        frame["z"] = gi_star(values, w)
    hot_level, cold_level = _level(tests.q_hot), _level(tests.q_cold)
    is_hot = hot_level > 0
    is_cold = (cold_level > 0) & ~is_hot
    use_cold = is_cold | (~tests.hot_tested & tests.cold_tested)
    frame["p"] = np.where(use_cold, tests.p_cold, tests.p_hot)
    frame["q"] = np.where(use_cold, tests.q_cold, tests.q_hot)
    frame["level"] = np.where(is_hot, hot_level, np.where(is_cold, cold_level, 0.0))
    frame["kind"] = np.where(is_hot, "hot", np.where(is_cold, "cold", ""))
    frame["hot_tested"], frame["cold_tested"] = tests.hot_tested, tests.cold_tested
    return frame


def clusters_of(frame: pd.DataFrame, size: int) -> list[Cluster]:
    """Touching hot squares (edge or corner) merged into one outline each, in WGS84 lon/lat, biggest first."""
    hot = frame[frame["kind"] == "hot"]
    if hot.empty:
        return []
    x, y = hot["x"].to_numpy(), hot["y"].to_numpy()
    touching = (np.abs(x[:, None] - x[None, :]) <= size * 1.01) & (np.abs(y[:, None] - y[None, :]) <= size * 1.01)
    _, label = connected_components(sparse.csr_matrix(touching), directed=False)
    found = []
    trends = hot["trend"].to_numpy() if "trend" in hot else np.full(len(hot), "")
    for group in np.unique(label):
        members = label == group
        half = size / 2
        squares = [shapely.box(a - half, b - half, a + half, b + half) for a, b in zip(x[members], y[members],
                                                                                       strict=True)]
        outline = shapely.transform(unary_union(squares), lambda xy: np.round(np.column_stack(
            geo.to_wgs84(xy[:, 0], xy[:, 1])), 6))
        shared = {t for t in trends[members] if t}
        found.append({"squares": int(members.sum()), "level": float(hot["level"].to_numpy()[members].max()),
                      "trend": shared.pop() if len(shared) == 1 else ("blandad" if shared else ""),
                      "geometry": shapely.geometry.mapping(outline)})
    found.sort(key=lambda c: (-c["squares"], -c["level"]))
    for number, cluster in enumerate(found, start=1):
        cluster["cluster"] = number
    return [_as_lists(c) for c in found]


def _as_lists(cluster: Cluster) -> Cluster:
    """GeoJSON with lists (not tuples), so the outline goes to JSON and pydeck as it is."""
    def listed(value: object) -> object:
        return [listed(v) for v in value] if isinstance(value, list | tuple) else value
    geometry = cluster["geometry"]
    return {**cluster, "geometry": {"type": geometry["type"], "coordinates": listed(geometry["coordinates"])}}


def analyse(con: duckdb.DuckDBPyConnection, filters: Filters, size: int | None = None) -> HotSpots:
    """Hot and cold squares for the filters, with the trend against the previous period of equal length."""
    chosen = size or 250
    counts = queries.grid_cells(con, filters, chosen)
    total = int(counts["count"].sum())
    key = combine_keys(counts["ckey"])
    if total < MIN_INCIDENTS:
        return HotSpots(chosen, pd.DataFrame(), TOO_FEW, total, key)
    squares = grid(con, chosen)
    if size is None and total / max(len(squares.cells), 1) < MIN_PER_CELL:
        chosen = 1000
        counts = queries.grid_cells(con, filters, chosen)
        squares = grid(con, chosen)
    cells = squares.cells
    frame = score(cells, counts, chosen, grid_=squares)
    before = score(cells, queries.grid_cells(con, filters.previous_period(), chosen), chosen, describe=False,
                   grid_=squares)
    was_hot = before["kind"].to_numpy() == "hot"
    is_hot = frame["kind"].to_numpy() == "hot"
    frame["trend"] = np.select([is_hot & was_hot, is_hot & ~was_hot, ~is_hot & was_hot],
                               ["ihållande", "ny", "avtagande"], "")
    lon, lat = geo.to_wgs84(frame["x"].to_numpy(), frame["y"].to_numpy())
    frame["lon"], frame["lat"] = lon, lat
    return HotSpots(chosen, frame, "", total, key, clusters_of(frame, chosen))


def simulate_null(density: float, runs: int, seed: int, side: int = 50, size: int = 250) -> dict[str, float]:
    """How often pattern-free maps show hot or cold squares: `runs` maps of side × side squares with
    round(density · side²) incidents placed uniformly at random (seeded). Returns the share of maps with at least
    one square hot at 95 % (nominal: at most 0.05), the mean number of such squares, and the same for cold."""
    rng = np.random.default_rng(seed)
    centres = (np.arange(side) + 0.5) * size
    x, y = np.meshgrid(centres, centres)
    x, y = x.ravel(), y.ravel()
    window = windows(neighbours(x, y, size))
    n = int(round(density * side * side))
    any_hot = any_cold = hot_squares = 0
    for _ in range(runs):
        counts = np.bincount(rng.integers(0, side * side, n), minlength=side * side)
        tests = window_tests(counts, window)
        hot = tests.q_hot <= 0.05 + 1e-12
        any_hot += bool(hot.any())
        hot_squares += int(hot.sum())
        any_cold += bool((tests.q_cold <= 0.05 + 1e-12).any())
    return {"density": density, "squares": side * side, "incidents": n, "runs": runs,
            "any_hot": any_hot / runs, "mean_hot": hot_squares / runs, "any_cold": any_cold / runs}
