"""A year of the six safety hosts' reports from their phones, for the synthetic Sölvesborg (issue 15).

Patterns an analyst should find: litter and graffiti around the town centre, reported mostly in the afternoon and
after weekends; broken lighting reported again and again at the same three places until it is mended; insecurity
at the station on weekend nights, with few reported crimes there to match; young people gathering at two schools
in the evening. Each report is an incident of source "Trygghetsvärdar" (of the demo's import, so undoing the demo
takes it too) with its `street_reports` row: the host, the organisation, the seriousness and a client token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, timedelta

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd

from lagesbild import geo
from lagesbild.demo import places
from lagesbild.protect import seeded_keys
from lagesbild.settings import TIME_ZONE
from lagesbild.vocabulary import CATEGORIES, RISK_FACTORS, SOURCES, risk_bit

HOSTS = tuple(f"trygghetsvard{n}" for n in range(1, 7))
ORGANISATION = "Trygghetsvärdar"
_CATEGORY_ID = {c.code: c.id for c in CATEGORIES}
_RISK_ID = {r.code: r.id for r in RISK_FACTORS}
_SOURCE_ID = {s.code: s.id for s in SOURCES}

# Hours the hosts are out (afternoon and evening, late on weekends) and the share of reports per hour.
AFTERNOON = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 6, 8, 9, 9, 8, 7, 5, 3, 1, 0, 0], float)
NIGHT = np.array([6, 4, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 6, 9, 9], float)
EVENING = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 7, 9, 9, 7, 4, 1, 0], float)
# Broken lamps that the hosts report until the technical department mends them (day of the year it is mended).
LAMPS = (
    places.Spot("lampa_gangstraket", "Gångstråket vid stationen", 14.5821, 56.0466),
    places.Spot("lampa_parken", "Parken vid Falkvik", 14.5995, 56.0568),
    places.Spot("lampa_busshallplats", "Busshållplatsen i västra Sölvesborg", 14.5672, 56.0492),
)
LAMP_MENDED_AFTER = (120, 200, 300)


@dataclass(frozen=True)
class Pattern:
    code: str
    per_week: float
    categories: dict[str, float]
    hours: np.ndarray
    centre: tuple[float, float]   # lon, lat
    sigma_m: float
    risks: dict[str, float]
    seriousness: tuple[float, float, float]
    weekend: float = 1.0          # how much more likely on Friday and Saturday
    summer: float = 1.0           # how much more likely June–August


PATTERNS = (
    Pattern("centrum_skrap", 7.0, {"nedskrapning": 0.6, "klotter": 0.3, "skadegorelse": 0.1}, AFTERNOON,
            (places.SQUARE.lon, places.SQUARE.lat), 220.0, {"nedskrapning_klotter": 0.9, "alkoholservering": 0.2},
            (0.6, 0.35, 0.05), weekend=1.3, summer=1.6),
    Pattern("stationen_natt", 3.0, {"otrygghet": 0.8, "ordningsstorning": 0.2}, NIGHT,
            (places.STATION.lon, places.STATION.lat), 60.0,
            {"kollektivtrafiknod": 1.0, "samlingsplats_unga": 0.5, "bristande_belysning": 0.3},
            (0.2, 0.5, 0.3), weekend=3.0),
    Pattern("skolor_kvall", 2.0, {"ordningsstorning": 0.5, "otrygghet": 0.3, "skadegorelse": 0.2}, EVENING,
            (places.SCHOOLS[0].lon, places.SCHOOLS[0].lat), 90.0, {"samlingsplats_unga": 1.0, "alkohol_unga": 0.3},
            (0.4, 0.45, 0.15), weekend=1.5),
    Pattern("skolor_kvall_norra", 1.5, {"ordningsstorning": 0.5, "otrygghet": 0.3, "skadegorelse": 0.2}, EVENING,
            (places.SCHOOLS[1].lon, places.SCHOOLS[1].lat), 90.0, {"samlingsplats_unga": 1.0},
            (0.4, 0.45, 0.15), weekend=1.5),
)


def _times(rng: np.random.Generator, days: pd.DatetimeIndex, pattern: Pattern) -> pd.DatetimeIndex:
    weight = np.where(days.day_of_week.isin([4, 5]), pattern.weekend, 1.0)
    weight = weight * np.where(days.month.isin([6, 7, 8]), pattern.summer, 1.0)
    expected = pattern.per_week * len(days) / 7
    count = int(rng.poisson(expected))
    chosen = days[rng.choice(len(days), size=count, p=weight / weight.sum())]
    hours = rng.choice(24, size=count, p=pattern.hours / pattern.hours.sum())
    minutes = rng.integers(0, 60, size=count)
    return chosen + pd.to_timedelta(hours, "h") + pd.to_timedelta(minutes, "m")


def _lamp_times(rng: np.random.Generator, days: pd.DatetimeIndex, mended_after: int) -> pd.DatetimeIndex:
    dark = days[: mended_after]
    dark = dark[(dark.month <= 3) | (dark.month >= 9) | (rng.random(len(dark)) < 0.5)]  # dark evenings matter
    count = int(rng.poisson(len(dark) / 9))
    chosen = dark[rng.choice(len(dark), size=min(count, len(dark)), replace=False)]
    hours = rng.choice(24, size=len(chosen), p=EVENING / EVENING.sum())
    return chosen + pd.to_timedelta(hours, "h") + pd.to_timedelta(rng.integers(0, 60, len(chosen)), "m")


def generate(end: date, seed: int) -> pd.DataFrame:
    """The year's reports up to `end`: local time, lon/lat, category, risk mask, seriousness, host."""
    rng = np.random.default_rng([seed, 15])
    days = pd.date_range(end - timedelta(days=364), end, freq="D")
    parts = []
    for pattern in PATTERNS:
        when = _times(rng, days, pattern)
        cx, cy = geo.to_sweref(np.array([pattern.centre[0]]), np.array([pattern.centre[1]]))
        n = len(when)
        risks = np.zeros(n, np.uint64)
        for code, share in pattern.risks.items():
            risks |= np.where(rng.random(n) < share, risk_bit(_RISK_ID[code]), np.uint64(0)).astype(np.uint64)
        parts.append(pd.DataFrame({
            "local_time": when, "x": cx[0] + rng.normal(0, pattern.sigma_m, n),
            "y": cy[0] + rng.normal(0, pattern.sigma_m, n),
            "category": rng.choice(list(pattern.categories), size=n, p=list(pattern.categories.values())),
            "risk_mask": risks, "seriousness": rng.choice([1, 2, 3], size=n, p=pattern.seriousness)}))
    for lamp, mended in zip(LAMPS, LAMP_MENDED_AFTER, strict=True):
        when = _lamp_times(rng, days, mended)
        lx, ly = geo.to_sweref(np.array([lamp.lon]), np.array([lamp.lat]))
        n = len(when)
        parts.append(pd.DataFrame({
            "local_time": when, "x": lx[0] + rng.normal(0, 8, n), "y": ly[0] + rng.normal(0, 8, n),
            "category": rng.choice(["otrygghet", "skadegorelse"], size=n, p=[0.7, 0.3]),
            "risk_mask": np.full(n, risk_bit(_RISK_ID["bristande_belysning"]), np.uint64),
            "seriousness": rng.choice([1, 2, 3], size=n, p=[0.3, 0.5, 0.2])}))
    frame = pd.concat(parts, ignore_index=True).sort_values("local_time", kind="stable").reset_index(drop=True)
    frame["host"] = rng.choice(HOSTS, size=len(frame))
    return frame


def write(cur: duckdb.DuckDBPyConnection, areas: gpd.GeoDataFrame, end: date, seed: int) -> int:
    """Store the year's reports as incidents of the demo import (id 1) with their `street_reports` rows."""
    frame = generate(end, seed)
    n = len(frame)
    local = pd.DatetimeIndex(frame["local_time"])
    aware = local.tz_localize(TIME_ZONE, ambiguous=np.zeros(n, bool), nonexistent="shift_forward")
    x, y = frame["x"].to_numpy(), frame["y"].to_numpy()
    position = geo.assign_to_polygons(list(areas.geometry), x, y)
    area_ids = areas["id"].to_numpy()
    lon, lat = geo.to_wgs84(x, y)
    first = int(cur.execute("SELECT coalesce(max(id), 0) + 1 FROM incidents").fetchall()[0][0])
    ids = np.arange(first, first + n, dtype=np.int64)
    numbers = np.arange(1, n + 1, dtype=np.int64)
    incidents = pd.DataFrame({
        "id": ids, "source_id": np.int16(_SOURCE_ID["trygghetsvardar"]), "occurred_at": aware.tz_convert("UTC"),
        "local_time": aware.tz_localize(None), "day": aware.tz_localize(None).normalize(),
        "hour": aware.hour.astype("int8"), "weekday": (aware.day_of_week + 1).astype("int8"),
        "category_id": frame["category"].map(_CATEGORY_ID).astype("int16"),
        "area_id": pd.array(np.where(position >= 0, area_ids[np.clip(position, 0, None)], -1), "Int64"),
        "lon": lon, "lat": lat, "x": x, "y": y, "cell_250": geo.cell_id(x, y, 250), "cell_1k": geo.cell_id(x, y, 1000),
        "risk_mask": frame["risk_mask"].to_numpy(np.uint64), "natural_key": [f"rapport:demo-{k}" for k in numbers],
        "cell_key": seeded_keys(pd.Series(ids), 2024)})
    incidents.loc[incidents["area_id"] < 0, "area_id"] = pd.NA
    cur.register("staged_reports", incidents)
    cur.execute("INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
                " area_id, lon, lat, x, y, cell_250, cell_1k, precision, risk_mask, import_id, natural_key, cell_key)"
                " SELECT id, source_id, occurred_at, local_time, CAST(day AS DATE), hour, weekday, category_id,"
                " area_id, lon, lat, x, y, cell_250, cell_1k, 'exact', risk_mask, 1, natural_key, cell_key"
                " FROM staged_reports ORDER BY occurred_at")
    cur.execute("INSERT INTO incident_risk_factors SELECT s.id, f.id FROM staged_reports s JOIN risk_factors f"
                " ON (s.risk_mask & (CAST(1 AS UBIGINT) << (f.id - 1))) <> 0 ORDER BY s.id, f.id")
    cur.unregister("staged_reports")
    created = (aware + pd.to_timedelta(np.random.default_rng([seed, 16]).integers(2, 40, n), "m")).tz_convert(UTC)
    reports = pd.DataFrame({"id": numbers, "client_token": [f"demo-{k}" for k in numbers], "incident_id": ids,
                            "import_id": 1, "author": frame["host"], "organisation": ORGANISATION,
                            "seriousness": frame["seriousness"].astype("int8"), "created_at": created})
    cur.register("staged_street", reports)
    cur.execute("INSERT INTO street_reports SELECT id, client_token, incident_id, import_id, author, organisation,"
                " seriousness, created_at FROM staged_street")
    cur.execute("INSERT INTO street_report_log SELECT id, id, created_at, author, 'skapad', '{\"demo\": true}'"
                " FROM staged_street")
    cur.unregister("staged_street")
    cur.execute("SELECT setval('street_report_ids', ?), setval('street_report_log_ids', ?)", [n, n]).fetchall()
    # the demo import holds them: its counts and sources say so (the import history and the undo add up)
    cur.execute("UPDATE imports SET rows_read = rows_read + ?, rows_stored = rows_stored + ?,"
                " covers_sources = list_sort(list_distinct(list_append(covers_sources, ?))) WHERE id = 1",
                [n, n, _SOURCE_ID["trygghetsvardar"]])
    return n
