"""The map: grid squares, areas, incidents and interventions as pydeck layers, plus the same numbers as tables.

Everything is aggregated on the server before it reaches the browser: at most a few thousand squares and
areas, so the payload stays well under a megabyte whatever the number of incidents. Viewers get counts passed
through `lagesbild.protect` (moved by their cell keys, "<5" and not coloured where small); individual points are
only built for staff, and only for small selections.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import numpy as np
import pandas as pd
import pydeck as pdk
import shapely

from lagesbild import basemap, coverage, db, decks, formatting, geo, queries
from lagesbild.protect import Disclosure
from lagesbild.view import DEFAULT_CENTRE, View

if TYPE_CHECKING:
    from lagesbild.hotspots import HotSpots

POINT_LIMIT = 2000
# A sequential palette (light yellow to dark red), readable on a blank background too.
PALETTE = [(255, 237, 160), (254, 217, 118), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38)]
HIDDEN_FILL = [160, 160, 160, 40]
STATUS_COLOURS = {"pågående": [0, 109, 44], "planerad": [49, 130, 189], "avslutad": [117, 107, 177]}
MEASURE_UNITS = {"antal": "händelser", "per1000": "per 1 000 invånare", "skadeviktat": "skadeviktat"}
ViewState = tuple[float, float, float]   # lat, lon, zoom


@dataclass
class MapData:
    deck: pdk.Deck
    legend: list[tuple[str, tuple[int, int, int]]]
    legend_title: str
    areas: pd.DataFrame       # the area table shown under the map (display strings)
    cells: pd.DataFrame       # the grid table for export (display strings)
    interventions: pd.DataFrame  # the interventions drawn on the map
    notes: list[str]
    payload_bytes: int
    view_state: ViewState = DEFAULT_CENTRE   # where the map opens: the link's position, or fitted to what is drawn
    fitted: ViewState = DEFAULT_CENTRE       # fitted to everything drawn (areas and data)
    area_views: dict[str, ViewState] | None = None   # fitted to each area, for "Zooma till"
    survey_legend: list[tuple[str, tuple[int, int, int]]] | None = None  # the "otrygghet" layer's classes
    survey_title: str = ""


def breaks(values: pd.Series, classes: int = len(PALETTE), decimals: int = 0) -> list[float]:
    """Upper bounds of colour classes: quantiles of the shown values rounded up to the shown precision
    (`decimals`), strictly increasing, so each class is a disjoint range of the values as displayed."""
    shown = values.dropna()
    shown = shown[shown > 0]
    if shown.empty:
        return [1.0]
    step = 10.0 ** -decimals
    quantiles = np.quantile(shown.to_numpy(float), np.linspace(1 / classes, 1, classes))
    return sorted({round(math.ceil(round(q / step, 6)) * step, decimals) for q in quantiles})


def colour_for(value: float, bounds: list[float], alpha: int = 190, decimals: int = 0) -> list[int]:
    """The class colour of `value` as displayed (rounded to `decimals`), so it matches the legend's ranges."""
    shown = round(float(value), decimals)
    for index, bound in enumerate(bounds):
        if shown <= bound:
            return [*PALETTE[min(index + len(PALETTE) - len(bounds), len(PALETTE) - 1)], alpha]
    return [*PALETTE[-1], alpha]


def legend_entries(bounds: list[float], lowest: float, decimals: int) -> list[tuple[str, tuple[int, int, int]]]:
    """Disjoint legend ranges: the first from the lowest shown value (at least one step: a count of 0 is not
    coloured), each next from one display step above the previous bound (counts: "1–2", "3–4", "5–9")."""
    step = 10.0 ** -decimals
    low = max(step, math.floor(round(lowest / step, 6)) * step) if lowest == lowest else step
    entries = []
    offset = len(PALETTE) - len(bounds)
    for index, bound in enumerate(bounds):
        low = min(low, bound)
        text = (formatting.number(bound, decimals) if round(low, decimals) == round(bound, decimals)
                else f"{formatting.number(low, decimals)}–{formatting.number(bound, decimals)}")
        entries.append((text, PALETTE[index + offset]))
        low = round(bound + step, decimals)
    return entries


def _lowest(values: pd.Series) -> float:
    shown = values.dropna()
    shown = shown[shown > 0]
    return float(shown.min()) if len(shown) else 1.0


def _cell_corners(cells: pd.Series) -> list[list[float]]:
    """WGS84 lower-left corner of each SCB square (to a metre)."""
    east, north = geo.cell_corner(cells.to_numpy(np.int64))
    lon, lat = geo.to_wgs84(east, north)
    corners: list[list[float]] = np.round(np.stack([lon, lat], axis=1), 5).tolist()
    return corners


@functools.lru_cache(maxsize=4096)
def _rings(geojson: str) -> list[list[list[float]]]:
    """The outer rings of a stored shape, rounded to 6 decimals (10 cm), for a deck layer. Remembered per shape
    text: the same few dozen areas and interventions are drawn on every map build, and parsing them was a third
    of the build's Python. The lists are shared between builds, so callers must not change them."""
    shape = shapely.from_geojson(geojson)
    return [np.round(np.asarray(part.exterior.coords), 6).tolist() for part in shapely.get_parts(shape)
            if part.geom_type == "Polygon"]


def area_values(con: duckdb.DuckDBPyConnection, view: View, shown: Disclosure) -> pd.DataFrame:
    """Areas with count, harm, rate per 1,000 and per km², and the value of the chosen measure (as shown)."""
    from lagesbild.overview import shown_area_rates

    rates = shown_area_rates(con, view.filters, shown)
    shapes = queries.area_shapes(con)[["code", "geojson", "centroid_lon", "centroid_lat"]]
    frame = rates.merge(shapes, on="code")
    frame["per_km2"] = frame["count"] / frame["area_km2"]
    if view.measure == "per1000":
        frame["value"] = frame["rate"].where(frame["population"] > 0, frame["per_km2"])
    elif view.measure == "skadeviktat":
        frame["value"] = frame["harm"]
    else:
        frame["value"] = frame["count"].astype(float)
    return frame


def shown_cells(con: duckdb.DuckDBPyConnection, view: View, shown: Disclosure) -> pd.DataFrame:
    """Grid squares with their count and harm as the person may see them (NaN: hidden)."""
    if "rutor" not in view.layers:
        return pd.DataFrame({"cell": pd.Series(dtype="int64"), "count": pd.Series(dtype=float),
                             "harm": pd.Series(dtype=float)})
    cells = queries.grid_cells(con, view.filters, view.grid)
    exact = cells["count"].to_numpy()
    cells["count"] = shown.frame(cells)
    cells["harm"] = shown.harm(cells["harm"], exact, cells["count"], cells["ckey"])
    return cells.drop(columns=["ckey"])


def build(con: duckdb.DuckDBPyConnection, view: View, shown: Disclosure) -> MapData:
    """The map and its tables for a view: the data over the product's own base layer (`lagesbild.basemap`),
    opened where the link says, else fitted to everything drawn."""
    notes: list[str] = []
    if coverage.police_sample(con, view.filters.sources):
        notes.append(coverage.POLICE_SAMPLE_NOTE)
    label = shown.hidden_label
    layers = []
    drawn_points: list[np.ndarray] = []

    areas = area_values(con, view, shown)
    from lagesbild.overview import population_note, unplaced_note
    notes.extend(n for n in (unplaced_note(con, view.filters, shown),
                             population_note(con, view.filters) if view.measure == "per1000" else "") if n)
    hidden_areas = areas["count"].isna()
    cells = shown_cells(con, view, shown)
    hidden_cells = cells["count"].isna()
    decimals = 1 if view.measure == "per1000" else 0

    if "rutor" in view.layers and not cells.empty:
        value = cells["harm"] if view.measure == "skadeviktat" else cells["count"].astype(float)
        bounds = breaks(value[~hidden_cells])
        unit = "skadeviktat" if view.measure == "skadeviktat" else "händelser"
        if view.measure == "per1000":
            notes.append("Rutorna visar antal händelser: invånare per ruta finns inte i databasen.")
        corners = _cell_corners(cells["cell"])
        drawn_points.append(np.asarray(corners))
        data = [{
            "position": corner,
            "fill": HIDDEN_FILL if hidden else colour_for(v, bounds),
            "tooltip": f"Ruta {view.grid} m\n{label if hidden else formatting.number(v, 0)} {unit}",
        } for corner, v, hidden in zip(corners, value, hidden_cells, strict=True)]
        # GridCellLayer: one corner and a size per square keeps the payload small at any number of incidents.
        layers.append(pdk.Layer("GridCellLayer", data, id="rutor", get_position="position", get_fill_color="fill",
                                cell_size=view.grid, extruded=False, pickable=True))
        legend_values, legend_title, legend_low = bounds, f"Rutor: {unit}", _lowest(value[~hidden_cells])
    else:
        legend_values, legend_title, legend_low = None, "", 1.0

    area_bounds = breaks(areas["value"][~hidden_areas], decimals=decimals)
    area_rows = []
    area_views: dict[str, ViewState] = {}
    for row, hidden in zip(areas.itertuples(), hidden_areas, strict=True):
        if view.measure == "per1000" and not (row.population and row.population > 0):
            value_text = f"{formatting.number(row.value, 1)} per km²"
        else:
            value_text = f"{formatting.number(row.value, decimals)} {MEASURE_UNITS[view.measure]}"
        tooltip = f"{row.name}\n" + (f"{label} händelser" if hidden else value_text)
        rings = _rings(row.geojson)
        box = basemap.bounds_of([np.asarray(ring) for ring in rings])
        if box is not None:
            area_views[row.code] = basemap.fit(box)
        for ring in rings:
            area_rows.append({
                "polygon": ring, "code": row.code, "tooltip": tooltip,
                "fill": [0, 0, 0, 0] if ("rutor" in view.layers or "otrygghet" in view.layers or hidden
                                         or not row.value > 0)
                else colour_for(row.value, area_bounds, 150, decimals),
            })
    if "omraden" in view.layers or "rutor" not in view.layers:
        # The areas beneath the squares, so that hovering a square names the square (and elsewhere the area), and
        # their outlines again above the squares, unpickable, so that the eye keeps them.
        layers.insert(0, pdk.Layer("PolygonLayer", area_rows, id="omraden", get_polygon="polygon",
                                   get_fill_color="fill", get_line_color=[40, 40, 40, 200],
                                   line_width_min_pixels=1.2, pickable=True, stroked=True, filled=True,
                                   auto_highlight=True))
        if "rutor" in view.layers and not cells.empty:
            layers.append(pdk.Layer("PolygonLayer", [{"polygon": row["polygon"]} for row in area_rows],
                                    id="omradesgranser", get_polygon="polygon", get_line_color=[40, 40, 40, 200],
                                    line_width_min_pixels=1.2, stroked=True, filled=False, pickable=False))
        if legend_values is None:
            legend_values, legend_title = area_bounds, f"Områden: {MEASURE_UNITS[view.measure]}"
            legend_low = _lowest(areas["value"][~hidden_areas])

    survey_legend: list[tuple[str, tuple[int, int, int]]] | None = None
    survey_title = ""
    if "otrygghet" in view.layers:
        # Beneath squares and points, above the (then unfilled) areas, whose click still opens the profile.
        survey_layers, survey_legend, survey_title, survey_note = survey_layer(con, areas, shown)
        below = 1 if layers and getattr(layers[0], "id", "") == "omraden" else 0
        layers[below:below] = survey_layers
        notes.append(survey_note)
        if "rutor" not in view.layers and survey_legend:  # the survey is what colours the areas
            legend_values, legend_title = None, ""

    drawn = pd.DataFrame(columns=["Insats", "Status", "Period", "Mot"])
    if "insatser" in view.layers:
        drawn_layers, drawn = _intervention_layer(con, view, areas)
        layers.extend(drawn_layers)

    if "punkter" in view.layers:
        if shown.viewer:
            notes.append("Enskilda händelser visas bara för inloggad personal.")
        else:
            points = queries.incident_points(con, view.filters, POINT_LIMIT)
            if len(points) > POINT_LIMIT:
                notes.append(f"Fler än {formatting.number(POINT_LIMIT)} händelser: smalna av filtren för att se "
                             "enskilda händelser.")
            elif not points.empty:
                data = [{"position": [round(lo, 6), round(la, 6)],
                         "tooltip": f"{cat}\n{pd.Timestamp(t):%Y-%m-%d %H:%M}\n{src}"}
                        for lo, la, t, cat, src in points.itertuples(index=False)]
                drawn_points.append(np.asarray([d["position"] for d in data]))
                layers.append(pdk.Layer("ScatterplotLayer", data, id="punkter", get_position="position",
                                        get_fill_color=[20, 20, 120, 200], get_radius=25, radius_min_pixels=2.5,
                                        get_line_color=[255, 255, 255, 220], line_width_min_pixels=0.5,
                                        stroked=True, pickable=True))

    # What is drawn: every area and all data (squares are drawn from their lower-left corner: add one square).
    data_box = basemap.bounds_of(drawn_points)
    if data_box is not None:
        pad = view.grid / 111_000
        data_box = (data_box[0], data_box[1], data_box[2] + pad * 1.8, data_box[3] + pad)
    extent = basemap.union(basemap.bounds_of([np.asarray(r["polygon"]) for r in area_rows]), data_box)
    from lagesbild import background

    base = basemap.build(db.get_meta(con, "municipality_code"), extent, areas[["name", "geojson"]],
                         background.deck_layers(con))
    # Nothing drawn yet (a new database): the municipality itself.
    shown_box = extent or base.bounds
    fitted = basemap.fit(shown_box) if shown_box is not None else DEFAULT_CENTRE
    if view.centre != DEFAULT_CENTRE:
        view_state: ViewState = view.centre
    elif view.filters.areas and len(view.filters.areas) == 1 and view.filters.areas[0] in area_views:
        view_state = area_views[view.filters.areas[0]]
    else:
        view_state = fitted

    deck = decks.deck([*base.below, *layers, *base.labels], view_state)
    entries = legend_entries(legend_values or [1.0], legend_low, decimals if "rutor" not in view.layers else 0)
    if legend_values is None and survey_legend:
        entries, legend_title, survey_legend = survey_legend, survey_title, None
    return MapData(
        deck=deck,
        legend=entries,
        legend_title=legend_title,
        areas=area_table(areas, hidden_areas, label, view.measure),
        cells=cell_table(cells, hidden_cells, label, view.grid),
        interventions=drawn,
        notes=notes,
        payload_bytes=len(deck.to_json()),
        view_state=view_state,
        fitted=fitted,
        area_views=area_views,
        survey_legend=survey_legend,
        survey_title=survey_title,
    )


SMALL_MARK = [25, 25, 25, 235]
SHARE_BOUNDS = [9.0, 14.0, 19.0, 29.0, 39.0, 100.0]   # fixed classes: two years' maps stay comparable
SHARE_LABELS = ["0–9", "10–14", "15–19", "20–29", "30–39", "40–100"]


def survey_layer(con: duckdb.DuckDBPyConnection, areas: pd.DataFrame, shown: Disclosure
                 ) -> tuple[list[pdk.Layer], list[tuple[str, tuple[int, int, int]]], str, str]:
    """The "Otrygghet (enkät)" layer: each drawn area coloured by the insecurity share of its latest survey
    (`lagesbild.safety.map_values`), the respondents in the tooltip, a value from fewer than 30 answers drawn
    pale and marked "⚠ för få svar" under its name, and a value hidden from a viewer grey. The classes are
    fixed (`SHARE_BOUNDS`), so two years' maps can be compared. Returns the layers, the legend (with the
    small-sample mark), its title and a note saying what is drawn."""
    from lagesbild import safety

    values, indicator = safety.map_values(con, shown)
    if values.empty:
        return [], [], "", ("Lagret Otrygghet (enkät) är tomt: ingen trygghetsmätning med andelar per område är "
                            "importerad (Ladda upp, se docs/exempel_trygghetsmatning.csv).")
    drawn = areas.merge(values, left_on="code", right_on="area_code", how="inner", suffixes=("", "_survey"))
    bounds = SHARE_BOUNDS
    rows: list[dict[str, Any]] = []
    rings: list[dict[str, Any]] = []
    for row in drawn.itertuples():
        survey = values[values["area_code"] == row.code].iloc[0]
        text = f"{row.name}\n" + safety.tooltip(survey)
        if survey["hidden"]:
            fill = HIDDEN_FILL
        elif survey["small"]:
            fill = [*colour_for(float(survey["value"]), bounds, 70)[:3], 70]
        else:
            fill = colour_for(float(survey["value"]), bounds, 170)
        for ring in _rings(row.geojson):
            rows.append({"polygon": ring, "fill": fill, "tooltip": text, "code": row.code})
        if survey["small"] and not survey["hidden"]:
            rings.append({"position": [round(float(row.centroid_lon), 6), round(float(row.centroid_lat), 6)],
                          "tooltip": text, "code": row.code})
    layers = [pdk.Layer("PolygonLayer", rows, id="otrygghet", get_polygon="polygon", get_fill_color="fill",
                        get_line_color=[60, 60, 60, 220], line_width_min_pixels=1.5, stroked=True, filled=True,
                        pickable=True)]
    if rings:
        # A text mark just under the area's name (which sits on the same point): "⚠ för få svar".
        layers.append(pdk.Layer("TextLayer", [{**r, "text": f"{safety.WARNING} {safety.SMALL}"} for r in rings],
                                id="otrygghet_fa_svar", get_position="position", get_text="text", get_size=12,
                                get_color=SMALL_MARK, size_units='"pixels"', character_set='"auto"',
                                font_family='"Arial, Helvetica, sans-serif"', font_weight=700, background=True,
                                get_background_color=[255, 255, 255, 225], background_padding=[3, 1],
                                get_pixel_offset=[0, 16], get_text_anchor='"middle"',
                                get_alignment_baseline='"center"', pickable=True))
    years = sorted({int(y) for y in drawn["year"]})
    year_text = "–".join(str(y) for y in (years[0], years[-1]) if y) if len(years) > 1 else str(years[0])
    small_count = int((drawn["small"] & ~drawn["hidden"]).sum())
    note = (f"Otrygghet (enkät): {indicator}, senaste mätningen per område ({year_text}): andelen av de svarande som "
            "svarat så, i procent (inte svarsfrekvensen). "
            f"Områden med färre än {safety.MIN_RESPONDENTS} svar ritas bleka och märks ”⚠ för få svar” ({small_count} st): "
            "siffran är för osäker att jämföra. Antal svarande står i rutan som visas när du pekar på ett område.")
    entries = [(text, colour) for text, colour in zip(SHARE_LABELS, PALETTE, strict=True)]
    entries.append((f"{safety.WARNING} {safety.SMALL} (<{safety.MIN_RESPONDENTS}, blekt)", (245, 245, 245)))
    return layers, entries, f"Otrygghet (enkät): {indicator}, % av de svarande", note


def _intervention_layer(con: duckdb.DuckDBPyConnection, view: View, areas: pd.DataFrame) -> tuple[list[pdk.Layer], pd.DataFrame]:
    active = queries.interventions_in(con, view.filters.start, view.filters.end)
    geometry = dict(zip(areas["code"], areas["geojson"], strict=True))
    rows: list[dict[str, Any]] = []
    listed: list[dict[str, str]] = []
    for item in active.itertuples():
        codes = list(item.area_codes) if item.area_codes is not None and not isinstance(item.area_codes, float) else []
        if view.filters.areas and not set(codes) & set(view.filters.areas):
            continue
        end = formatting.day(item.end_date) if pd.notna(item.end_date) else "tills vidare"
        target = _text(item.risk_factors) or _text(item.categories) or "–"
        period = f"{formatting.day(item.start_date)} – {end}"
        tooltip = f"{item.name}\n{item.kind}, {item.status}\n{period}\nMot: {target}"
        own = item.geojson if isinstance(item.geojson, str) and item.geojson else None
        shapes = [own] if own else [geometry[c] for c in codes if c in geometry]
        if not own and len(shapes) == len(geometry) and len(geometry) > 1:
            continue  # municipality-wide work would cover the whole map; it is listed on the Insatser page
        listed.append({"Insats": item.name, "Status": item.status, "Period": period, "Mot": target})
        for shape in shapes:
            for ring in _rings(shape):
                rows.append({"polygon": ring, "line": [*STATUS_COLOURS.get(item.status, [0, 0, 0]), 230],
                             "tooltip": tooltip})
    layer = pdk.Layer("PolygonLayer", rows, id="insatser", get_polygon="polygon", get_line_color="line",
                      filled=False, stroked=True, line_width_min_pixels=2, pickable=True)
    return ([layer] if rows else []), pd.DataFrame(listed, columns=["Insats", "Status", "Period", "Mot"])


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def area_table(areas: pd.DataFrame, hidden: pd.Series, label: str, measure: str) -> pd.DataFrame:
    """The map's areas as a table (the fallback without WebGL, and the export): numbers as numbers, NaN where
    hidden (written `label` for the count, "–" for what is derived from it)."""
    concealed = np.asarray(hidden, dtype=bool)

    def shown(column: str) -> np.ndarray:
        return np.where(concealed, np.nan, pd.to_numeric(areas[column], errors="coerce").to_numpy(dtype=float))

    one = formatting.NumberFormat(1)
    return formatting.with_formats(pd.DataFrame({
        "Område": areas["name"],
        "Händelser": shown("count"),
        "Invånare": pd.to_numeric(areas["population"], errors="coerce").to_numpy(dtype=float),
        "Per 1 000 inv.": shown("rate"),
        "Per km²": shown("per_km2"),
        "Skadeviktat": shown("harm"),
    }), {"Händelser": formatting.count_format(label), "Invånare": formatting.NumberFormat(0),
         "Per 1 000 inv.": one, "Per km²": one, "Skadeviktat": one})


def cell_table(cells: pd.DataFrame, hidden: pd.Series, label: str, size: int) -> pd.DataFrame:
    """The grid squares as a table (for export): SCB square id, corner coordinates, count (NaN where hidden)."""
    east, north = geo.cell_corner(cells["cell"].to_numpy(np.int64))  # empty arrays for no squares
    return formatting.with_formats(pd.DataFrame({
        "Ruta (SCB)": [str(c) for c in cells["cell"]],
        "Storlek (m)": size,
        "Öst (SWEREF 99 TM)": list(east),
        "Nord (SWEREF 99 TM)": list(north),
        "Händelser": np.where(np.asarray(hidden, dtype=bool), np.nan,
                              pd.to_numeric(cells["count"]).to_numpy(dtype=float)),
    }), {"Händelser": formatting.count_format(label)})


HOT_COLOURS = {("hot", 0.99): [178, 24, 43], ("hot", 0.95): [239, 138, 98], ("hot", 0.9): [253, 219, 199],
               ("cold", 0.99): [33, 102, 172], ("cold", 0.95): [103, 169, 207], ("cold", 0.9): [209, 229, 240]}
KIND_LABELS = {"hot": "het", "cold": "kall"}
GI_LABEL = "Styrka (z)"  # the Getis-Ord Gi* score, named in plain Swedish; GI_HELP says what it is
GI_HELP = ("Hur mycket fler händelser rutan och dess grannar har än en jämn fördelning ger, i standardavvikelser "
           "(Getis-Ord Gi*, z-värde). Över 2 är ovanligt mycket; om rutan är het avgörs av ett exakt test.")
CLUSTER_LINE = [103, 0, 13, 255]  # dark red


def _cluster_rows(clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """PolygonLayer rows for the hot-spot clusters (outer ring and holes, lon/lat), one per polygon part."""
    rows: list[dict[str, Any]] = []
    for cluster in clusters:
        geometry = cluster["geometry"]
        parts = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        squares = cluster["squares"]
        tip = (f"Hot spot {cluster['cluster']}\n{squares} {'ruta' if squares == 1 else 'rutor'} "
               f"i ett sammanhang ({int(round(cluster['level'] * 100))} %)\n{cluster['trend'] or 'som förut'}")
        rows.extend({"polygon": rings, "tooltip": tip} for rings in parts)
    return rows


def _marked(found: HotSpots, cold: bool) -> pd.DataFrame:
    """The squares to draw: hot ones, and cold ones only when asked for (against an even spread over the
    municipality's squares, most of the countryside is cold simply because few people live there)."""
    if found.cells.empty:
        return found.cells
    return found.cells[(found.cells["kind"] == "hot") | ((found.cells["kind"] == "cold") & cold)]


def cold_note(found: HotSpots) -> str:
    """How many cold squares there are, and what 'cold' means here, in Swedish ('' when there are none)."""
    cold = 0 if found.cells.empty else int((found.cells["kind"] == "cold").sum())
    if not cold:
        return ""
    return (f"{formatting.number(cold)} rutor är kalla: färre händelser än en jämn fördelning över kommunen ger, "
            "oftast för att få bor där. De visas bara om du väljer det.")


def hotspot_deck(found: HotSpots, shapes: pd.DataFrame, ranking: pd.DataFrame | None = None, *, cold: bool = False,
                 code: str | None = None, height: int = 480) -> pdk.Deck:
    """Hot squares (and cold ones when asked for) at 90/95/99 %, over the areas shaded by their place in the
    ranking, with each hot neighbourhood outlined."""
    significant = _marked(found, cold)
    corners = _cell_corners(significant["cell"])
    data = [{
        "position": corner,
        "fill": [*HOT_COLOURS[(kind, round(level, 2))], 200],
        "tooltip": f"{KIND_LABELS[kind].capitalize()} ruta ({int(level * 100)} %)\n{trend or 'som förut'}",
    } for corner, kind, level, trend in zip(corners, significant["kind"], significant["level"],
                                             significant["trend"], strict=True)]
    place = {} if ranking is None else dict(zip(ranking["code"], ranking["rank"], strict=True))
    count = max(len(place), 1)
    outlines: list[dict[str, Any]] = []
    for code, name, text in zip(shapes["code"], shapes["name"], shapes["geojson"], strict=True):
        rank = place.get(code) or 0  # 0: not ranked (too few incidents to show)
        shade = [106, 81, 163, int(150 * (1 - (rank - 1) / count))] if rank else [0, 0, 0, 0]
        tip = f"{name}\n" + (f"Plats {rank} i prioriteringen" if rank else "Ingår inte i rangordningen")
        outlines.extend({"polygon": ring, "fill": shade, "tooltip": tip} for ring in _rings(text))
    layers = [
        pdk.Layer("PolygonLayer", outlines, id="omraden", get_polygon="polygon", get_fill_color="fill", filled=True,
                  stroked=True, get_line_color=[40, 40, 40, 200], line_width_min_pixels=1, pickable=True),
        pdk.Layer("GridCellLayer", data, id="hotspots", get_position="position", get_fill_color="fill",
                  cell_size=found.size, extruded=False, pickable=True),
    ]
    clusters = _cluster_rows(found.clusters)
    if clusters:
        # One outline per hot neighbourhood: touching hot squares read as one place, not as a scatter of squares.
        layers.append(pdk.Layer("PolygonLayer", clusters, id="kluster", get_polygon="polygon", filled=False,
                                stroked=True, get_line_color=CLUSTER_LINE, line_width_min_pixels=2.5,
                                pickable=True))
    return framed(layers, shapes, [np.asarray(corners)], code, height)


def framed(layers: list[pdk.Layer], shapes: pd.DataFrame, data: list[np.ndarray] | None = None,
           code: str | None = None, height: int = basemap.VIEWPORT[1]) -> pdk.Deck:
    """A small map's deck: `layers` over the base layer of the areas' municipality (`code`, else found from the
    areas), opened fitted to the areas and `data` (lon/lat pairs) in a map `height` pixels high."""
    rings = [np.asarray(ring) for text in shapes["geojson"] for ring in _rings(text)] if len(shapes) else []
    extent = basemap.union(basemap.bounds_of(rings), basemap.bounds_of(data or []))
    known = shapes if {"centroid_lon", "centroid_lat"} <= set(shapes.columns) else None
    base = basemap.build(basemap.own_code(known, code), extent,
                         shapes[["name", "geojson"]] if len(shapes) else None)
    box = extent or base.bounds
    view_state = basemap.fit(box, height=height) if box is not None else DEFAULT_CENTRE
    return decks.deck([*base.below, *layers, *base.labels], view_state)


def hotspot_legend(cold: bool = False) -> list[tuple[str, tuple[int, int, int]]]:
    """The hot-spot map's legend: the classes drawn (our own words and colours only)."""
    kinds = ("hot", "cold") if cold else ("hot",)
    entries = [(f"{KIND_LABELS[kind].capitalize()} ruta, {int(level * 100)} %", tuple(HOT_COLOURS[(kind, level)]))
               for kind in kinds for level in (0.99, 0.95, 0.9)]
    entries.append(("Hot spot-område (sammanhängande heta rutor)", tuple(CLUSTER_LINE[:3])))
    entries.append(("Område: mörkare = högre i prioriteringen", (106, 81, 163)))
    return entries  # type: ignore[return-value]


def hotspot_table(found: HotSpots, shown: Disclosure, *, cold: bool = False) -> pd.DataFrame:
    """Hot squares (and cold ones when asked for), strongest first. Viewers get the class, not the z score: z is
    computed from exact counts, and a precise score next to the grid would let a small count be worked back."""
    significant = _marked(found, cold).sort_values(["level", "z"], ascending=False)
    table = pd.DataFrame({
        "Ruta (SCB)": [str(c) for c in significant["cell"]],
        "Typ": significant["kind"].map(KIND_LABELS),
        "Säkerhet": [int(level * 100) for level in significant["level"]],
        GI_LABEL: significant["z"].to_numpy(dtype=float),
        "Jämfört med föregående period": significant["trend"].replace("", "–"),
    })
    formatting.with_formats(table, {"Säkerhet": formatting.SHARE_FORMAT, GI_LABEL: formatting.NumberFormat(2)})
    return table.drop(columns=[GI_LABEL]) if shown.viewer else table
