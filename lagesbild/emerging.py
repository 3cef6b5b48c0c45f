"""Emerging hot spots: how each SCB grid square's hot-spot status has developed over ten or more time slices.

The period is cut into equal slices counted back from its last day (months when at least ten whole months fit,
else weeks; a remainder at the start is left out and said so). In every slice each square's 3×3 window (the
square and its eight neighbours) is tested exactly: given the slice's N located incidents spread evenly over the
M squares of the municipality, the window's count is Binomial(N, k/M) for a window of k squares, and the square
is hot when its upper tail survives Benjamini–Hochberg at 5 % among the squares that hold incidents in the
period (cold likewise, from the lower tail). An exact test matters: on sparse squares a normal approximation
finds hot spots in pattern-free data. A Mann–Kendall test (Kendall's tau of the window count against time)
tells whether the square has grown or faded. Each square is then named the way Esri's Emerging Hot Spot
Analysis names it (new, consecutive, intensifying, …). Hot means hot against the area of the municipality:
where many people live there are more incidents, so a residential square can be "hot" by population alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pydeck as pdk
from scipy import sparse
from scipy.stats import binom, false_discovery_control, kendalltau

from lagesbild import formatting, geo, queries
from lagesbild.filters import Filters
from lagesbild.hotspots import grid, neighbours
from lagesbild.hotspots import windows as window_sums
from lagesbild.protect import Disclosure, combine_keys

ALPHA = 0.05              # false-discovery rate of the hot/cold tests in each slice, and the trend test's level
MIN_SLICES = 10           # fewer slices than this cannot tell a pattern from chance
MOST = 0.9                # "in ninety percent of the slices" (Esri's threshold)
MIN_INCIDENTS = 30        # below this many located incidents no analysis is attempted
MIN_PER_CELL = 0.05       # mean incidents per 250 m square and slice below this: use 1 km squares instead

PATTERNS: dict[str, tuple[str, str]] = {
    "new": ("ny", "Het i den sista tidsperioden och aldrig tidigare."),
    "consecutive": ("sammanhängande", "Het i en obruten följd av de senaste tidsperioderna (minst två) men aldrig "
                                      "före den; het i färre än 90 % av perioderna."),
    "intensifying": ("tilltagande", "Het i minst 90 % av tidsperioderna, också den sista, och antalet ökar "
                                    "säkert över tid."),
    "persistent": ("ihållande", "Het i minst 90 % av tidsperioderna utan säker ökning eller minskning."),
    "diminishing": ("avtagande", "Het i minst 90 % av tidsperioderna, också den sista, men antalet minskar "
                                 "säkert över tid."),
    "sporadic": ("sporadisk", "Het i den sista tidsperioden och av och till tidigare (färre än 90 % av "
                              "perioderna), aldrig kall."),
    "oscillating": ("pendlande", "Het i den sista tidsperioden men säkert kall i någon tidigare; het i färre än "
                                 "90 % av perioderna."),
    "historical": ("historisk", "Het i minst 90 % av tidsperioderna men inte i den sista."),
}
COLOURS: dict[str, tuple[int, int, int]] = {
    "new": (230, 0, 0), "consecutive": (189, 109, 94), "intensifying": (128, 0, 0), "persistent": (240, 59, 32),
    "diminishing": (253, 141, 60), "sporadic": (253, 208, 162), "oscillating": (197, 27, 138),
    "historical": (140, 140, 140),
}
TOO_FEW = "För få händelser med plats för en säker analys av framväxande hot spots."
TOO_SHORT = ("Perioden är för kort för framväxande hot spots: analysen behöver minst tio tidsperioder, alltså minst "
             "tio veckor (70 dagar). Välj en längre period.")


@dataclass
class EmergingHotSpots:
    size: int                  # square size used (250 or 1000)
    cells: pd.DataFrame        # squares with incidents: cell, x, y, lon, lat, count, pattern, hot_slices,
    #                            cold_slices, tau, p (pattern '' when none; tau and p NaN when never hot)
    slices: str                # Swedish description of the time slices ('' when there are none)
    message: str               # '' or a Swedish explanation why there is no analysis
    incidents: int = 0         # located incidents in the slices
    key: int = 0               # the cell key of those incidents (lagesbild.protect)
    notes: list[str] = field(default_factory=list)

    @property
    def patterned(self) -> pd.DataFrame:
        """The squares that have a pattern."""
        return self.cells[self.cells["pattern"] != ""] if len(self.cells) else self.cells


def shift_months(day: date, months: int) -> date:
    """`day` moved by whole months; a day that does not exist in the target month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month + 1, candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def time_slices(start: date, end: date) -> tuple[str, list[tuple[date, date]]]:
    """Equal slices counted back from `end`: ('month', …) when ten whole months fit, else ('week', …).

    Slices are returned oldest first; the list is empty when not even ten weeks fit."""
    after = end + timedelta(days=1)
    months = [after]
    while shift_months(after, -len(months)) >= start:
        months.append(shift_months(after, -len(months)))
    if len(months) - 1 >= MIN_SLICES:
        bounds, unit = months, "month"
    else:
        weeks = (after - start).days // 7
        bounds, unit = [after - timedelta(days=7 * i) for i in range(weeks + 1)], "week"
    if len(bounds) - 1 < MIN_SLICES:
        return unit, []
    return unit, [(bounds[i + 1], bounds[i] - timedelta(days=1)) for i in reversed(range(len(bounds) - 1))]


def describe_slices(unit: str, slices: list[tuple[date, date]], start: date) -> str:
    """'24 månader: 1 november 2024 – 31 oktober 2026' (with the days left out at the start, if any)."""
    if not slices:
        return ""
    name = "månader" if unit == "month" else "veckor"
    text = f"{len(slices)} {name}: {formatting.period(slices[0][0], slices[-1][1])}"
    left_out = (slices[0][0] - start).days
    if left_out:
        text += f" (de första {left_out} dagarna av perioden ryms inte i en hel tidsperiod och ingår inte)"
    return text


def window_matrix(x: np.ndarray, y: np.ndarray, size: int) -> sparse.csr_matrix:
    """Sparse 0/1 matrix summing each square with its (up to) eight touching neighbours: the 3×3 window."""
    return window_sums(neighbours(np.asarray(x, float), np.asarray(y, float), size))


def hot_and_cold(counts: np.ndarray, window: sparse.csr_matrix, tested: np.ndarray,
                 alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Per square (rows) and slice (columns): hot and cold by the exact window test, BH over the tested squares.

    `counts` is squares × slices; `tested` marks the squares that take part (those holding incidents)."""
    counts = np.asarray(counts, float)
    squares, slices = counts.shape
    windows = window @ counts
    share = np.asarray(window.sum(axis=1)).ravel() / squares
    hot = np.zeros(counts.shape, bool)
    cold = np.zeros(counts.shape, bool)
    chosen = np.flatnonzero(tested)
    for t in range(slices):
        total = int(counts[:, t].sum())
        if total == 0 or len(chosen) == 0:
            continue
        w, k = windows[chosen, t], share[chosen]
        upper = binom.sf(w - 1, total, k)      # P(X >= w)
        lower = binom.cdf(w, total, k)         # P(X <= w)
        hot[chosen, t] = false_discovery_control(upper) <= alpha
        cold[chosen, t] = false_discovery_control(lower) <= alpha
    return hot, cold


def trend(windows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mann–Kendall trend of each row over time: Kendall's tau against the slice number and its two-sided p."""
    windows = np.asarray(windows, float)
    if windows.size == 0:
        return np.zeros(len(windows)), np.ones(len(windows))
    time = np.broadcast_to(np.arange(windows.shape[1], dtype=float), windows.shape)
    with np.errstate(all="ignore"):
        found = kendalltau(time, windows, axis=1)
    tau = np.nan_to_num(np.atleast_1d(found.statistic), nan=0.0)
    p = np.nan_to_num(np.atleast_1d(found.pvalue), nan=1.0)  # a constant series has no trend
    return tau, p


def classify(hot: np.ndarray, cold: np.ndarray, tau: float, p: float, alpha: float = ALPHA) -> str:
    """The Esri pattern code of one square from its hot and cold slices (oldest first) and its trend; '' if none."""
    hot, cold = np.asarray(hot, bool), np.asarray(cold, bool)
    n = len(hot)
    if not hot.any():
        return ""
    most = hot.sum() >= MOST * n
    if not hot[-1]:
        return "historical" if most else ""
    if most:
        if p <= alpha and tau > 0:
            return "intensifying"
        if p <= alpha and tau < 0:
            return "diminishing"
        return "persistent"
    if hot.sum() == 1:
        return "new"
    run = n - np.flatnonzero(~hot)[-1] - 1  # length of the final run of hot slices
    if run == hot.sum():
        return "consecutive"
    return "oscillating" if cold[:-run].any() else "sporadic"


def score(counts: np.ndarray, window: sparse.csr_matrix) -> pd.DataFrame:
    """Pattern, hot and cold slices and trend of every square (rows of `counts`, squares × slices, oldest first).

    Only squares that hold incidents in some slice are tested and can get a pattern; tau and p (the trend of the
    window count) are NaN for squares never hot, since no pattern asks for them."""
    counts = np.asarray(counts, float)
    tested = counts.sum(axis=1) > 0
    hot, cold = hot_and_cold(counts, window, tested)
    # Only a square that was hot at some time needs its trend; the others keep NaN (and the scan stays fast).
    asked = hot.any(axis=1)
    tau, p = np.full(len(counts), np.nan), np.full(len(counts), np.nan)
    if asked.any():
        tau[asked], p[asked] = trend((window @ counts)[asked])
    patterns = [classify(h, c, t, q) if use else "" for h, c, t, q, use in zip(hot, cold, tau, p, tested,
                                                                                strict=True)]
    return pd.DataFrame({"pattern": patterns, "hot_slices": hot.sum(axis=1), "cold_slices": cold.sum(axis=1),
                         "tau": tau, "p": p, "tested": tested})


def analyse(con: duckdb.DuckDBPyConnection, filters: Filters, size: int | None = None) -> EmergingHotSpots:
    """Emerging hot spots for the filtered incidents over filters.start..filters.end, square by square."""
    unit, slices = time_slices(filters.start, filters.end)
    if not slices:
        return EmergingHotSpots(size or 250, pd.DataFrame(), "", TOO_SHORT)
    description = describe_slices(unit, slices, filters.start)
    sliced = replace(filters, start=slices[0][0], end=slices[-1][1])
    chosen = size or 250
    overall = queries.grid_cells(con, sliced, chosen)
    total, key = int(overall["count"].sum()), combine_keys(overall["ckey"])
    if total < MIN_INCIDENTS:
        return EmergingHotSpots(chosen, pd.DataFrame(), description, TOO_FEW, total, key)
    cells = grid(con, chosen).cells
    if size is None and total / max(len(cells), 1) / len(slices) < MIN_PER_CELL:
        chosen = 1000
        cells = grid(con, chosen).cells
    per_slice = [queries.grid_cells(con, replace(filters, start=s, end=e), chosen) for s, e in slices]
    cells = _with_incident_squares(cells, per_slice, chosen)
    position = pd.Series(np.arange(len(cells)), index=cells["cell"].to_numpy())
    counts = np.zeros((len(cells), len(slices)))
    for t, found in enumerate(per_slice):
        counts[position[found["cell"]].to_numpy(), t] = found["count"].to_numpy()
    scored = score(counts, window_matrix(cells["x"].to_numpy(), cells["y"].to_numpy(), chosen))
    frame = cells.reset_index(drop=True).assign(count=counts.sum(axis=1).astype(int))
    frame = pd.concat([frame, scored], axis=1)
    frame = frame[frame["tested"]].drop(columns=["tested"]).reset_index(drop=True)
    frame["lon"], frame["lat"] = geo.to_wgs84(frame["x"].to_numpy(), frame["y"].to_numpy())
    empty = sum(1 for found in per_slice if found["count"].sum() == 0)
    notes = [f"{empty} av {len(slices)} tidsperioder saknar händelser med plats. En period utan data är inte en "
             "period utan brott: kontrollera att data finns för hela perioden."] if empty else []
    return EmergingHotSpots(chosen, frame, description, "", total, key, notes)


def _with_incident_squares(cells: pd.DataFrame, per_slice: list[pd.DataFrame], size: int) -> pd.DataFrame:
    """The municipality's squares plus any square holding incidents whose centre lies outside its areas (coast)."""
    seen = pd.concat([found["cell"] for found in per_slice]).drop_duplicates()
    extra = seen[~seen.isin(cells["cell"])].to_numpy(np.int64)
    east, north = geo.cell_corner(extra)
    more = pd.DataFrame({"cell": extra, "x": east + size / 2, "y": north + size / 2})
    return pd.concat([cells, more], ignore_index=True) if len(more) else cells.reset_index(drop=True)


def name(code: str) -> str:
    """The Swedish name of a pattern code ('' stays '')."""
    return PATTERNS[code][0] if code else ""


def summary(found: EmergingHotSpots) -> pd.DataFrame:
    """Squares per pattern with its explanation, in the order of PATTERNS (patterns that occur only)."""
    counted = found.patterned["pattern"].value_counts() if len(found.cells) else pd.Series(dtype=int)
    present = [code for code in PATTERNS if counted.get(code, 0)]
    return pd.DataFrame({
        "Mönster": [PATTERNS[code][0].capitalize() for code in present],
        "Rutor": [int(counted[code]) for code in present],
        "Förklaring": [PATTERNS[code][1] for code in present],
    })


def square_table(found: EmergingHotSpots, shown: Disclosure) -> pd.DataFrame:
    """The squares with a pattern as a Swedish table. Viewers get pattern and position, no per-square counts."""
    order = {code: i for i, code in enumerate(PATTERNS)}
    chosen = found.patterned
    if len(chosen):
        chosen = chosen.assign(_order=chosen["pattern"].map(order)).sort_values(
            ["_order", "hot_slices", "cell"], ascending=[True, False, True])
    table = pd.DataFrame({
        "Ruta (SCB)": [str(c) for c in chosen["cell"]] if len(chosen) else [],
        "Mönster": [name(code) for code in chosen["pattern"]] if len(chosen) else [],
        "Heta perioder": [int(h) for h in chosen["hot_slices"]] if len(chosen) else [],
        "Trend (Kendalls tau)": [float(t) for t in chosen["tau"]] if len(chosen) else [],
        "Trend, p": [float(p) for p in chosen["p"]] if len(chosen) else [],
        "Händelser": [int(c) for c in chosen["count"]] if len(chosen) else [],
    })
    formatting.with_formats(table, {"Trend (Kendalls tau)": formatting.NumberFormat(2),
                                    "Trend, p": formatting.NumberFormat(3)})
    return table.drop(columns=["Händelser"]) if shown.viewer else table


def deck(found: EmergingHotSpots, shapes: pd.DataFrame | None = None, height: int = 380) -> pdk.Deck:
    """The squares with a pattern as a small map, coloured by pattern, with the pattern named on hover, over the
    area outlines (`shapes`: name, geojson, centroids) and the product's own base layer, fitted to both in a map
    `height` pixels high (the Prioritering page draws it 380 px high)."""
    from lagesbild.maps import _rings, framed

    chosen = found.patterned
    data = []
    corners = np.empty((0, 2))
    if len(chosen):
        east, north = geo.cell_corner(chosen["cell"].to_numpy(np.int64))
        lon, lat = geo.to_wgs84(east, north)
        corners = np.stack([lon, lat], axis=1)
        data = [{"position": [round(float(a), 5), round(float(b), 5)], "fill": [*COLOURS[code], 210],
                 "tooltip": f"{PATTERNS[code][0].capitalize()}\n{PATTERNS[code][1]}"}
                for a, b, code in zip(lon, lat, chosen["pattern"], strict=True)]
    layer = pdk.Layer("GridCellLayer", data, id="framvaxande", get_position="position", get_fill_color="fill",
                      cell_size=found.size, extruded=False, pickable=True)
    layers = [layer]
    shapes = shapes if shapes is not None else pd.DataFrame(columns=["name", "geojson"])
    if len(shapes):
        outlines = [{"polygon": ring, "tooltip": str(name)} for name, text in
                    zip(shapes["name"], shapes["geojson"], strict=True) for ring in _rings(text)]
        layers.insert(0, pdk.Layer("PolygonLayer", outlines, id="omraden", get_polygon="polygon", filled=False,
                                   stroked=True, get_line_color=[40, 40, 40, 160], line_width_min_pixels=1,
                                   pickable=True))
    return framed(layers, shapes, [corners], height=height)
