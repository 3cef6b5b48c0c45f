"""Synthetic incidents with patterns an analyst would recognise, generated vectorised and seeded.

Each `Process` is one mechanism behind incidents: the everyday background of an area, nights out around the
square, summer at the harbours, the Norje festival, vandalism near schools after school hours, a dark path that
new lighting cools down, a recent surge in Sölve. A process gives an expected number of incidents per day
(its intensity), a place, a time-of-day profile, a category mix, risk-factor tags and the reporting sources.
The total is split between processes in proportion to their expected counts, so `total` scales the whole
picture without changing its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray

from lagesbild import geo
from lagesbild.demo import places
from lagesbild.settings import TIME_ZONE
from lagesbild.vocabulary import CATEGORIES, RISK_FACTORS, SOURCES, risk_bit

Intensity = Callable[[pd.DatetimeIndex], np.ndarray]

_CATEGORY_ID = {c.code: c.id for c in CATEGORIES}
_RISK_ID = {r.code: r.id for r in RISK_FACTORS}
_SOURCE_ID = {s.code: s.id for s in SOURCES}

# Some categories are reported through their own channels whatever the process behind them.
_SOURCE_BY_CATEGORY = {
    "klotter": {"felanmalan": 0.6, "trygghetsvardar": 0.3, "polisen": 0.1},
    "nedskrapning": {"felanmalan": 0.7, "trygghetsvardar": 0.3},
    "otrygghet": {"trygghetsvandring": 0.4, "medborgardialog": 0.35, "trygghetsvardar": 0.25},
}

DAY_HOURS = np.array([1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 9, 9, 10, 11, 11, 10, 9, 7, 5, 3, 2], float)
NIGHT_HOURS = np.array([14, 12, 9, 6, 3, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 7, 10, 13], float)
EVENING_HOURS = np.array([5, 4, 2, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 10, 9, 8, 6], float)
AFTER_SCHOOL_HOURS = np.array([1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 4, 9, 12, 12, 11, 10, 8, 5, 3, 1], float)
FESTIVAL_HOURS = np.array([8, 8, 6, 4, 2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 6, 6, 7, 8, 9, 10, 10, 10, 9], float)


@dataclass(frozen=True)
class Process:
    """One mechanism that produces incidents."""

    code: str
    intensity: Intensity
    categories: Mapping[str, float]
    hours: np.ndarray
    centre: tuple[float, float] | None = None  # SWEREF 99 TM; None means uniform over `area_code`
    sigma_m: float = 300.0
    area_code: str | None = None
    risks: dict[str, float] = field(default_factory=dict)
    sources: dict[str, float] = field(default_factory=lambda: {"polisen": 1.0})
    after_midnight_next_day: bool = False


def _sweref(lon: float, lat: float) -> tuple[float, float]:
    x, y = geo.to_sweref(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def _normalised(weights: ArrayLike) -> NDArray[np.float64]:
    values = np.asarray(weights, dtype=np.float64)
    return values / float(values.mean())


def seasonal(
    per_year: float,
    start: date,
    months: list[float] | None = None,
    weekdays: list[float] | None = None,
    trend: float = 0.0,
    extra: Intensity | None = None,
) -> Intensity:
    """Intensity of `per_year` incidents a year shaped by month and weekday, growing by `trend` a year."""
    month_w = _normalised(months or [1.0] * 12)
    weekday_w = _normalised(weekdays or [1.0] * 7)

    def intensity(days: pd.DatetimeIndex) -> np.ndarray:
        years = (days - pd.Timestamp(start)).days.to_numpy() / 365.25
        rate = per_year / 365.25 * month_w[days.month - 1] * weekday_w[days.day_of_week] * (1 + trend) ** years
        return np.asarray(rate * (extra(days) if extra else 1.0), dtype=np.float64)

    return intensity


def festival_days(days: pd.DatetimeIndex) -> np.ndarray:
    """1 on the four festival days in Norje (Wednesday to the first Saturday on or after 5 June), else 0.

    The festival was not held in 2020 and 2021.
    """
    mask = np.zeros(len(days))
    for year in sorted(set(days.year)):
        if year in (2020, 2021):
            continue
        june5 = date(year, 6, 5)
        saturday = june5 + pd.Timedelta(days=(5 - june5.weekday()) % 7)
        first = pd.Timestamp(saturday) - pd.Timedelta(days=3)
        mask[(days >= first) & (days <= pd.Timestamp(saturday))] = 1.0
    return mask


def school_days(days: pd.DatetimeIndex) -> np.ndarray:
    """1 on school days (Monday–Friday outside the usual breaks), 0 otherwise."""
    week = days.isocalendar().week.to_numpy()
    doy = days.day_of_year.to_numpy()
    summer = (doy >= 163) & (doy <= 230)
    christmas = (doy >= 355) | (doy <= 7)
    breaks = np.isin(week, [8, 15, 44])
    return np.asarray((days.day_of_week < 5) & ~summer & ~christmas & ~breaks, dtype=np.float64)


def processes(areas: gpd.GeoDataFrame, start: date, end: date) -> list[Process]:
    """Every process of the demo, for incidents between `start` and `end`."""
    relight = date(end.year - 2, 3, 15)
    surge_from = pd.Timestamp(end) - pd.Timedelta(days=365)
    summer = [0.2, 0.2, 0.3, 0.5, 1.0, 3.0, 4.5, 4.0, 1.0, 0.4, 0.2, 0.2]
    dark = [1.6, 1.4, 1.2, 0.8, 0.5, 0.4, 0.4, 0.5, 0.9, 1.3, 1.6, 1.7]
    weekend_nights = [0.2, 0.2, 0.4, 0.7, 3.0, 3.5, 0.6]

    found: list[Process] = []
    rates = {"town": 115.0, "village": 80.0, "countryside": 60.0}
    mixes = {
        "town": {"inbrott": 8, "stold": 16, "cykelstold": 7, "fordonsbrott": 8, "skadegorelse": 14,
                 "klotter": 8, "misshandel": 8, "olaga_hot": 8, "narkotika": 4, "ordningsstorning": 8,
                 "nedskrapning": 6, "otrygghet": 4, "brand": 1, "ran": 1},
        "village": {"inbrott": 14, "stold": 16, "cykelstold": 3, "fordonsbrott": 10, "skadegorelse": 14,
                    "klotter": 5, "misshandel": 6, "olaga_hot": 7, "narkotika": 3, "ordningsstorning": 6,
                    "nedskrapning": 6, "otrygghet": 3, "brand": 2},
        "countryside": {"inbrott": 22, "stold": 18, "fordonsbrott": 16, "skadegorelse": 12, "misshandel": 4,
                        "olaga_hot": 6, "narkotika": 2, "ordningsstorning": 3, "nedskrapning": 10, "brand": 3},
    }
    by_area = {row.code: row for row in areas.itertuples()}
    seeds = {d.code: (d.lon, d.lat, 450.0, "town") for d in places.DISTRICTS}
    seeds |= {loc.code: (loc.lon, loc.lat, loc.radius_m * 0.45, "village") for loc in places.LOCALITIES}
    for code, area in by_area.items():
        if code in seeds:
            lon, lat, sigma, kind = seeds[code]
            centre = _sweref(lon, lat)
        else:
            centre, sigma, kind = None, 0.0, "countryside"
        found.append(
            Process(
                code=f"bakgrund_{code}",
                intensity=seasonal(area.population * rates[kind] / 1000 * area.risk, start,
                                   months=[1.1, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.1, 1.0, 1.0, 1.0, 1.1],
                                   trend=-0.01),
                categories=mixes[kind],
                hours=DAY_HOURS,
                centre=centre,
                sigma_m=sigma,
                area_code=code,
                risks={"svag_sammanhallning": 0.08, "bristande_tillsyn": 0.05, "tidig_debut": 0.05,
                       "nedskrapning_klotter": 0.05},
                sources={"polisen": 0.7, "trygghetsvardar": 0.12, "felanmalan": 0.12, "socialtjanst": 0.06},
            )
        )

    found.append(Process(
        code="natteliv_centrum",
        intensity=seasonal(430, start, months=[0.8, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.2, 1.0, 0.9, 0.9, 1.1],
                           weekdays=weekend_nights, trend=0.04),
        categories={"misshandel": 30, "ordningsstorning": 25, "olaga_hot": 12, "skadegorelse": 12,
                    "narkotika": 8, "ran": 3, "nedskrapning": 5, "otrygghet": 5},
        hours=NIGHT_HOURS,
        centre=_sweref(places.SQUARE.lon, places.SQUARE.lat),
        sigma_m=140,
        risks={"alkoholservering": 0.7, "alkohol_unga": 0.25, "oppen_narkotikahandel": 0.1,
               "kriminella_kamrater": 0.1},
        sources={"polisen": 0.75, "trygghetsvardar": 0.25},
        after_midnight_next_day=True,
    ))
    for spot in places.HARBOURS:
        found.append(Process(
            code=f"sommar_{spot.code}",
            intensity=seasonal(65, start, months=summer, weekdays=[0.8, 0.8, 0.9, 1.0, 1.3, 1.4, 1.0]),
            categories={"stold": 30, "fordonsbrott": 10, "skadegorelse": 18, "ordningsstorning": 18,
                        "nedskrapning": 12, "misshandel": 6, "narkotika": 6},
            hours=EVENING_HOURS,
            centre=_sweref(spot.lon, spot.lat),
            sigma_m=180,
            risks={"alkohol_unga": 0.35, "samlingsplats_unga": 0.3, "tomma_lokaler": 0.15},
            sources={"polisen": 0.6, "trygghetsvardar": 0.3, "felanmalan": 0.1},
        ))
    found.append(Process(
        code="festival_norje",
        intensity=lambda days: 55.0 * festival_days(days),
        categories={"stold": 35, "narkotika": 22, "misshandel": 12, "ordningsstorning": 14,
                    "nedskrapning": 10, "olaga_hot": 4, "fordonsbrott": 3},
        hours=FESTIVAL_HOURS,
        centre=_sweref(places.FESTIVAL.lon, places.FESTIVAL.lat),
        sigma_m=350,
        risks={"alkohol_unga": 0.3, "oppen_narkotikahandel": 0.3, "alkoholservering": 0.4},
        sources={"polisen": 0.85, "trygghetsvardar": 0.15},
        after_midnight_next_day=True,
    ))
    for spot in places.SCHOOLS:
        found.append(Process(
            code=f"skola_{spot.code}",
            intensity=seasonal(70, start, trend=0.02, extra=lambda days: 0.4 + 1.2 * school_days(days)),
            categories={"skadegorelse": 40, "klotter": 30, "brand": 6, "nedskrapning": 10,
                        "ordningsstorning": 8, "olaga_hot": 6},
            hours=AFTER_SCHOOL_HOURS,
            centre=_sweref(spot.lon, spot.lat),
            sigma_m=120,
            risks={"samlingsplats_unga": 0.55, "skolfranvaro": 0.3, "kriminella_kamrater": 0.25,
                   "tidig_debut": 0.2, "bristande_tillsyn": 0.15},
            sources={"skola": 0.45, "felanmalan": 0.25, "polisen": 0.2, "trygghetsvardar": 0.1},
        ))
    found.append(Process(
        code="morkt_gangstrak",
        intensity=seasonal(
            190, start, months=dark,
            extra=lambda days: np.where(days >= pd.Timestamp(relight), 0.3, 1.0),
        ),
        categories={"misshandel": 22, "ran": 12, "olaga_hot": 18, "skadegorelse": 18, "otrygghet": 20,
                    "narkotika": 10},
        hours=EVENING_HOURS,
        centre=_sweref(places.DARK_PATH.lon, places.DARK_PATH.lat),
        sigma_m=70,
        risks={"bristande_belysning": 0.8, "skymd_sikt": 0.5, "kriminella_kamrater": 0.1},
        sources={"polisen": 0.6, "trygghetsvardar": 0.25, "trygghetsvandring": 0.15},
    ))
    found.append(Process(
        code="stationen",
        intensity=seasonal(170, start, weekdays=[1.2, 1.2, 1.2, 1.2, 1.3, 0.8, 0.6], trend=0.02),
        categories={"cykelstold": 45, "stold": 25, "skadegorelse": 15, "klotter": 10, "ordningsstorning": 5},
        hours=DAY_HOURS,
        centre=_sweref(places.STATION.lon, places.STATION.lat),
        sigma_m=90,
        risks={"kollektivtrafiknod": 0.85, "nedskrapning_klotter": 0.2},
        sources={"polisen": 0.8, "felanmalan": 0.2},
    ))
    found.append(Process(
        code="fritidshus_listerlandet",
        intensity=seasonal(90, start, months=[1.8, 1.8, 1.5, 1.0, 0.5, 0.3, 0.2, 0.3, 0.6, 1.2, 1.6, 1.9],
                           trend=-0.03),
        categories={"inbrott": 70, "stold": 20, "skadegorelse": 10},
        hours=DAY_HOURS,
        area_code="LAN-L",
        risks={"tomma_lokaler": 0.8, "svag_sammanhallning": 0.2},
        sources={"polisen": 1.0},
    ))
    found.append(Process(
        code="felanmalan_tatort",
        intensity=seasonal(300, start, months=[0.7, 0.7, 0.9, 1.1, 1.3, 1.3, 1.2, 1.2, 1.0, 0.9, 0.8, 0.7]),
        categories={"klotter": 45, "nedskrapning": 40, "skadegorelse": 15},
        hours=DAY_HOURS,
        centre=_sweref(*places.TOWN_CENTRE),
        sigma_m=700,
        risks={"nedskrapning_klotter": 0.6, "samlingsplats_unga": 0.15},
        sources={"felanmalan": 1.0},
    ))
    found.append(Process(
        code="otrygghet_rapporter",
        intensity=seasonal(110, start, months=[1.4, 1.2, 1.0, 0.8, 0.7, 0.7, 0.7, 0.8, 1.0, 1.2, 1.3, 1.5]),
        categories={"otrygghet": 100},
        hours=EVENING_HOURS,
        centre=_sweref(*places.TOWN_CENTRE),
        sigma_m=900,
        risks={"bristande_belysning": 0.35, "skymd_sikt": 0.2, "samlingsplats_unga": 0.25,
               "oppen_narkotikahandel": 0.1},
        sources={"trygghetsvandring": 0.5, "medborgardialog": 0.5},
    ))
    found.append(Process(
        code="okning_solve",
        intensity=seasonal(
            14, start, months=summer,
            extra=lambda days: np.where(days >= surge_from, 6.0, 1.0),
        ),
        categories={"skadegorelse": 40, "ordningsstorning": 25, "nedskrapning": 15, "klotter": 10,
                    "misshandel": 10},
        hours=EVENING_HOURS,
        centre=_sweref(places.SOLVE_BEACH.lon, places.SOLVE_BEACH.lat),
        sigma_m=150,
        risks={"samlingsplats_unga": 0.7, "alkohol_unga": 0.5, "bristande_belysning": 0.3},
        sources={"polisen": 0.5, "trygghetsvardar": 0.3, "felanmalan": 0.2},
    ))
    return found


def _pick(rng: np.random.Generator, weights: Mapping[str, float], n: int) -> np.ndarray:
    keys = list(weights)
    p = np.array([weights[k] for k in keys], float)
    return np.array(keys, dtype=object)[rng.choice(len(keys), size=n, p=p / p.sum())]


def _locate(rng: np.random.Generator, process: Process, n: int, areas: gpd.GeoDataFrame,
            outline: shapely.Polygon) -> tuple[np.ndarray, np.ndarray]:
    """Points for `n` incidents of `process`, all inside the municipality outline (and its area, if uniform)."""
    if process.centre is None:
        region = areas.loc[areas.code == process.area_code, "geometry"].iloc[0]
    else:
        region = outline
    x = np.empty(n)
    y = np.empty(n)
    todo = np.arange(n)
    minx, miny, maxx, maxy = region.bounds
    shapely.prepare(region)
    for _ in range(50):
        if process.centre is None:
            x[todo] = rng.uniform(minx, maxx, len(todo))
            y[todo] = rng.uniform(miny, maxy, len(todo))
        else:
            x[todo] = rng.normal(process.centre[0], process.sigma_m, len(todo))
            y[todo] = rng.normal(process.centre[1], process.sigma_m, len(todo))
        todo = todo[~shapely.contains_xy(region, x[todo], y[todo])]
        if not len(todo):
            break
    if len(todo):  # vanishingly rare: fall back to the centre (or a point surely inside)
        inside = region.representative_point() if process.centre is None else shapely.Point(process.centre)
        x[todo], y[todo] = inside.x, inside.y
    return x, y


def generate(areas: gpd.GeoDataFrame, outline: shapely.Polygon, start: date, end: date,
             rng: np.random.Generator, total: int | None = None) -> pd.DataFrame:
    """All demo incidents between `start` and `end` (inclusive), sorted by time.

    With `total` the number of incidents is exactly `total`; otherwise it is Poisson around the expected count.
    """
    days = pd.date_range(start, end, freq="D")
    found = processes(areas, start, end)
    daily = [np.clip(p.intensity(days), 0, None) for p in found]
    expected = np.array([d.sum() for d in daily])
    if total is None:
        total = int(rng.poisson(expected.sum()))
    counts = rng.multinomial(total, expected / expected.sum())

    parts = []
    for process, per_day, n in zip(found, daily, counts, strict=True):
        if n == 0:
            continue
        day_index = rng.choice(len(days), size=n, p=per_day / per_day.sum())
        hour = rng.choice(24, size=n, p=process.hours / process.hours.sum())
        minute = rng.integers(0, 60, size=n)
        if process.after_midnight_next_day:
            day_index = np.minimum(day_index + (hour < 6), len(days) - 1)
        local = (days[0] + pd.to_timedelta(day_index, unit="D") + pd.to_timedelta(hour, unit="h")
                 + pd.to_timedelta(minute, unit="m"))
        x, y = _locate(rng, process, n, areas, outline)
        category = _pick(rng, process.categories, n)
        source = _pick(rng, process.sources, n)
        for code, weights in _SOURCE_BY_CATEGORY.items():
            chosen = category == code
            if chosen.any():
                source[chosen] = _pick(rng, weights, int(chosen.sum()))
        mask = np.zeros(n, np.uint64)
        for risk, probability in process.risks.items():
            tagged = rng.random(n) < probability
            mask[tagged] |= risk_bit(_RISK_ID[risk])
        parts.append(pd.DataFrame({
            "local_time": local, "x": x, "y": y, "category": category, "source": source,
            "risk_mask": mask, "process": process.code,
        }))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values("local_time", kind="stable").reset_index(drop=True)
    return _finish(frame, areas, rng)


def _finish(frame: pd.DataFrame, areas: gpd.GeoDataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Add the stored columns: time zone, calendar fields, coordinates, grid cells, area, precision."""
    n = len(frame)
    local = pd.DatetimeIndex(frame["local_time"])
    aware = local.tz_localize(TIME_ZONE, ambiguous=np.zeros(n, bool), nonexistent="shift_forward")
    wall = aware.tz_localize(None)
    position = geo.assign_to_polygons(list(areas.geometry), frame["x"].to_numpy(), frame["y"].to_numpy())
    area_ids = areas["id"].to_numpy()
    area_id = np.where(position >= 0, area_ids[np.clip(position, 0, None)], -1)

    is_police = (frame["source"] == "polisen").to_numpy()
    draw = rng.random(n)
    precision = np.where(
        is_police,
        np.where(draw < 0.82, "street", np.where(draw < 0.95, "area", "municipality")),
        np.where(draw < 0.9, "exact", "area"),
    )
    pointed = np.isin(precision, ["exact", "street"])
    x = np.where(pointed, frame["x"].to_numpy(), np.nan)
    y = np.where(pointed, frame["y"].to_numpy(), np.nan)
    lon, lat = geo.to_wgs84(x, y)
    cell_250 = pd.array(np.where(pointed, geo.cell_id(np.nan_to_num(x), np.nan_to_num(y), 250), 0), "Int64")
    cell_1k = pd.array(np.where(pointed, geo.cell_id(np.nan_to_num(x), np.nan_to_num(y), 1000), 0), "Int64")
    cell_250[~pointed] = pd.NA
    cell_1k[~pointed] = pd.NA
    area = pd.array(area_id, "Int64")
    area[(precision == "municipality") | (area_id < 0)] = pd.NA

    return pd.DataFrame({
        "id": np.arange(1, n + 1, dtype=np.int64),
        "source_id": frame["source"].map(_SOURCE_ID).astype("int16"),
        "external_id": pd.array([None] * n, "string"),
        "occurred_at": aware.tz_convert("UTC"),
        "local_time": wall,
        "day": wall.normalize(),
        "hour": wall.hour.astype("int8"),
        "weekday": (wall.day_of_week + 1).astype("int8"),
        "category_id": frame["category"].map(_CATEGORY_ID).astype("int16"),
        "area_id": area,
        "lon": lon,
        "lat": lat,
        "x": x,
        "y": y,
        "cell_250": cell_250,
        "cell_1k": cell_1k,
        "precision": precision,
        "risk_mask": frame["risk_mask"].to_numpy(np.uint64),
        "process": frame["process"].to_numpy(),
    })
