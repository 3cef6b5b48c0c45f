"""Every read query of the overview and the CLI, in one place.

Each function takes the process's connection, opens its own cursor, binds every value, consumes the result
fully and closes the cursor (DuckDB connections are not thread-safe; cursors are cheap). SQL text is built
only from constant fragments and `Filters.where`, which binds its values too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import pandas as pd

from lagesbild.filters import Filters
from lagesbild.protect import combine_keys, key_sql
from lagesbild.settings import TIME_ZONE

KEY = key_sql()
# The division this view's area queries follow (lagesbild.divisions; the link's `indelning`): None is the base
# division. It reaches SQL as the session variable `division`, which the view `active_areas` reads first.
_DIVISION: ContextVar[str | None] = ContextVar("division", default=None)


def use_division(division: str | None) -> None:
    """Make `active_areas` the areas of `division` for the queries this thread (this view) runs from now on."""
    _DIVISION.set(division or None)


def current_division() -> str | None:
    return _DIVISION.get()


@contextmanager
def base_division() -> Iterator[None]:
    """Inside the block `active_areas` is the base division whatever the view chose: imports place incidents
    and look areas up there."""
    token = _DIVISION.set(None)
    try:
        yield
    finally:
        _DIVISION.reset(token)


def _cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    cur = con.cursor()
    division = _DIVISION.get()
    if division is not None:
        cur.execute("SET VARIABLE division = ?", [division])
    return cur


def frame(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> pd.DataFrame:
    """Run one query on a fresh cursor and return all of its rows."""
    cur = _cursor(con)
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one query on a fresh cursor and return all rows as tuples."""
    cur = _cursor(con)
    try:
        return cur.execute(sql, params or []).fetchall()
    finally:
        cur.close()


def data_version(con: duckdb.DuckDBPyConnection) -> int:
    """The write counter in `meta`: `db.write` moves it with every commit, and every UI cache key holds it."""
    return int(rows(con, "SELECT coalesce((SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'), 0)")[0][0])


PHONE_REPORTS = "rapport"  # the source_key of the import each report from a phone is (lagesbild.observations)


def data_range(con: duckdb.DuckDBPyConnection) -> tuple[date, date] | None:
    """First and last day with incidents, or None when there are none. The last day is the files' last day: a
    report from a phone today must not move every page's period into a month no file has reached yet (which
    would leave that month "without data" for every other source and switch the comparisons off); only when
    there is nothing but phone reports do they set it."""
    first, last, last_filed = rows(
        con, "SELECT min(day), max(day), max(day) FILTER (WHERE import_id IS NULL OR import_id NOT IN"
             " (SELECT id FROM imports WHERE source_key = ?)) FROM incidents", [PHONE_REPORTS])[0]
    return None if first is None else (first, last_filed or last)


def phone_reports_after(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    """The last day of a report from a phone after `day` (the files' last day), if any: said beside the period."""
    found = rows(con, "SELECT max(day) FROM incidents WHERE day > ? AND import_id IN"
                      " (SELECT id FROM imports WHERE source_key = ? AND status = 'stored')", [day, PHONE_REPORTS])
    last: date | None = found[0][0]
    return last


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True while the database holds data from the synthetic demo."""
    return bool(rows(con, "SELECT count(*) FROM imports WHERE kind = 'demo' AND status = 'stored'")[0][0] > 0)


def municipality_name(con: duckdb.DuckDBPyConnection) -> str:
    """The municipality the database describes ('' when not set)."""
    found = rows(con, "SELECT value FROM meta WHERE key = 'municipality_name'")
    return found[0][0] if found else ""


# Each active area's population for a year (bound twice): the figure of that year, else the nearest earlier year,
# else the earliest later year, else what the boundary file said (`areas.population`, no year known).
_YEAR_POPULATION = (
    "SELECT a.id, a.code, a.name, a.area_km2,"
    " coalesce(y.population, a.population) AS population, y.year AS population_year FROM active_areas a"
    " LEFT JOIN (SELECT area_id, arg_max(population, (year <= ?, CASE WHEN year <= ? THEN year ELSE -year END))"
    "  AS population, arg_max(year, (year <= ?, CASE WHEN year <= ? THEN year ELSE -year END)) AS year"
    "  FROM population_years GROUP BY area_id) y ON y.area_id = a.id"
)


def _year_params(year: int | None) -> list[Any]:
    chosen = 9999 if year is None else year
    return [chosen, chosen, chosen, chosen]


def population(con: duckdb.DuckDBPyConnection, year: int | None = None) -> int:
    """Inhabitants in the active division (the one named in meta, else all areas) in `year` (nearest earlier
    year when that one has no figure; the latest year when None)."""
    return int(rows(con, "SELECT coalesce(sum(population), 0) FROM (" + _YEAR_POPULATION + ")",
                    _year_params(year))[0][0])


def population_years(con: duckdb.DuckDBPyConnection, year: int | None = None) -> list[int]:
    """The population years the rates of `year` use (one, unless areas' figures come from different years);
    empty when the population has no year (only the boundary file's figures)."""
    found = rows(con, "SELECT DISTINCT population_year FROM (" + _YEAR_POPULATION + ") WHERE population_year"
                 " IS NOT NULL ORDER BY 1", _year_params(year))
    return [int(r[0]) for r in found]


def population_label(con: duckdb.DuckDBPyConnection, year: int | None = None) -> str:
    """'Invånare 2023' (or 'Invånare 2023–2024', or 'Invånare') for captions where a rate is shown."""
    years = population_years(con, year)
    if not years:
        return "Invånare"
    return "Invånare " + (str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}")


def unplaced(con: duckdb.DuckDBPyConnection, filters: Filters) -> tuple[int, int]:
    """(count, cell key) of the filtered incidents in no area of the active division: left out of every map and
    every ranking of areas. Police events carry only the municipality's centroid unless their text names a place;
    one placed on a whole RegSO (its name, but none of its DeSO) has no place in a DeSO view."""
    where, params = filters.where()
    count, key = rows(con, "SELECT count(*), " + KEY + " FROM incidents i WHERE " + where +
                      " AND (i.area_id IS NULL OR i.area_id NOT IN (SELECT part_id FROM active_area_parts))",
                      params)[0]
    return int(count), int(key or 0)


def coarser_placed(con: duckdb.DuckDBPyConnection, filters: Filters) -> dict[str, tuple[int, int]]:
    """Of the `unplaced` incidents, those placed on an area of another division, by that division:
    {'RegSO': (count, cell key)} — they are in the map and ranking when that division is chosen."""
    where, params = filters.where()
    return {str(d): (int(n), int(k or 0)) for d, n, k in rows(
        con, "SELECT a.division, count(*), " + KEY + " FROM incidents i JOIN areas a ON a.id = i.area_id WHERE "
        + where + " AND i.area_id NOT IN (SELECT part_id FROM active_area_parts) GROUP BY 1 ORDER BY 1", params)}


@dataclass(frozen=True)
class Totals:
    count: int
    harm: float
    by_group: dict[str, int]
    key: int = 0                                   # the cell key of all of them (see lagesbild.protect)
    group_keys: dict[str, int] | None = None
    group_harm: dict[str, float] | None = None


def totals(con: duckdb.DuckDBPyConnection, filters: Filters) -> Totals:
    """Count, harm-weighted sum and count per category group of the filtered incidents."""
    where, params = filters.where()
    grouped = rows(
        con,
        "SELECT c.category_group, count(*), sum(c.harm_weight), " + KEY + " FROM incidents i"
        " JOIN categories c ON c.id = i.category_id WHERE " + where + " GROUP BY ALL",
        params,
    )
    by_group = {group: int(count) for group, count, _, _ in grouped}
    return Totals(sum(by_group.values()), float(sum(h for _, _, h, _ in grouped)), by_group,
                  combine_keys([k for *_, k in grouped]), {g: int(k) for g, _, _, k in grouped},
                  {g: float(h) for g, _, h, _ in grouped})


def monthly_by_group(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Incidents per calendar month and category group: columns month, category_group, count."""
    where, params = filters.where()
    return frame(
        con,
        "SELECT date_trunc('month', i.day) AS month, c.category_group, count(*) AS count, " + KEY + " AS ckey"
        " FROM incidents i"
        " JOIN categories c ON c.id = i.category_id WHERE " + where + " GROUP BY ALL ORDER BY month, 2",
        params,
    )


def area_rates(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Per area: count, harm, rate per 1,000 inhabitants, and the count a year earlier.

    Columns code, name, population, area_km2, population_year, count, harm, previous, rate; the population is
    that of the period's last year (nearest earlier year when missing, see `_YEAR_POPULATION`). Incidents without
    an area (municipality precision) are not in any row: `unplaced` counts them.
    """
    where, params = filters.where(include_period=False)
    day, day_params = filters.day_sql()  # nights that wrap past midnight count on the day they began
    before = filters.previous_year()
    result = frame(
        con,
        "SELECT a.code, a.name, a.population, a.area_km2, a.population_year,"
        " count(i.id) FILTER (WHERE i.day BETWEEN ? AND ?) AS count,"
        " coalesce(sum(c.harm_weight) FILTER (WHERE i.day BETWEEN ? AND ?), 0) AS harm,"
        " count(i.id) FILTER (WHERE i.day BETWEEN ? AND ?) AS previous,"
        " " + key_sql("i.day BETWEEN ? AND ?") + " AS ckey, " + key_sql("i.day BETWEEN ? AND ?") + " AS previous_key"
        " FROM (" + _YEAR_POPULATION + ") a JOIN area_parts p ON p.area_id = a.id"
        " LEFT JOIN (SELECT i.id, " + day + " AS day, i.area_id, i.category_id, i.cell_key"
        "  FROM incidents i WHERE i.day BETWEEN ? AND ? AND " + where + ") i ON i.area_id = p.part_id"
        " LEFT JOIN categories c ON c.id = i.category_id"
        " GROUP BY a.code, a.name, a.population, a.area_km2, a.population_year ORDER BY a.name COLLATE sv",
        [filters.start, filters.end, filters.start, filters.end, before.start, before.end,
         filters.start, filters.end, before.start, before.end, *_year_params(filters.end.year), *day_params, min(before.start, filters.start),
         max(before.end, filters.end) + timedelta(days=1), *params],
    )
    result["rate"] = (result["count"] * 1000.0 / result["population"]).where(result["population"] > 0)
    return result


def running_interventions(con: duckdb.DuckDBPyConnection, on: date) -> pd.DataFrame:
    """Interventions running on `on`: name, kind, areas, start_date, end_date, responsible, dose, risk factors."""
    return frame(
        con,
        "SELECT iv.id, iv.name, iv.kind,"
        " CASE WHEN len(t.registered_area_codes) > 1 AND len(t.registered_area_codes) ="
        "  (SELECT count(*) FROM areas x WHERE x.division = t.registered_division) THEN 'Hela kommunen'"
        "  ELSE nullif(array_to_string(t.area_names, ', '), '') END AS areas,"
        " iv.start_date, iv.end_date, array_to_string(iv.responsible, ', ') AS responsible,"
        " iv.dose_value, iv.dose_unit, nullif(array_to_string(t.risk_factor_labels, ', '), '') AS risk_factors"
        " FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id"
        " WHERE iv.status = 'pågående' AND iv.start_date <= ? AND (iv.end_date IS NULL OR iv.end_date >= ?)"
        " ORDER BY iv.start_date, iv.name COLLATE sv",
        [on, on],
    )


def sources_overview(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source: label, count, first and last day."""
    return frame(
        con,
        "SELECT s.label, count(i.id) AS count, " + KEY + " AS ckey, min(i.day) AS first_day, max(i.day) AS last_day"
        " FROM sources s LEFT JOIN incidents i ON i.source_id = s.id GROUP BY ALL"
        " HAVING count(i.id) > 0 ORDER BY count DESC",
    )


def latest_import(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The most recent import as a dict, or None."""
    found = frame(con, "SELECT * FROM imports ORDER BY imported_at DESC, id DESC LIMIT 1")
    return None if found.empty else found.iloc[0].to_dict()


_TABLE_COUNTS = " UNION ALL ".join(
    "SELECT '" + name + "', count(*) FROM " + name
    for name in ("areas", "incidents", "incident_risk_factors", "categories", "risk_factors", "sources",
                 "interventions", "imports")
)


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the main tables."""
    return dict(rows(con, _TABLE_COUNTS))


STATUS_LABELS = {"stored": "sparad", "undone": "ångrad"}
KIND_LABELS = {"incidents": "händelser", "areas": "områden", "population": "befolkning", "demo": "demo",
               "reference": "jämförelsestatistik", "divisions": "områdesindelning",
               "survey": "trygghetsmätning"}


def phone_report_imports(con: duckdb.DuckDBPyConnection) -> int:
    """How many imports are single reports from a phone."""
    return int(rows(con, "SELECT count(*) FROM imports WHERE source_key = ?", [PHONE_REPORTS])[0][0])


def imports_table(con: duckdb.DuckDBPyConnection, *, phone_reports: bool = False) -> pd.DataFrame:
    """The import history as a Swedish display table, newest first; the one-report imports of reports from a phone
    (thousands a year) only when asked for."""
    found = frame(con, "SELECT id, file_name, kind, imported_by, imported_at, rows_read, rows_stored,"
                       " rows_duplicate, rows_rejected, rows_ignored, status, source_key FROM imports"
                       " WHERE ? OR source_key IS DISTINCT FROM ? ORDER BY id DESC", [phone_reports, PHONE_REPORTS])
    return pd.DataFrame({
        "Nr": found["id"],
        "Fil": found["file_name"],
        "Innehåll": [("rapport från telefon" if key == PHONE_REPORTS else KIND_LABELS.get(kind, kind))
                     for kind, key in zip(found["kind"], found["source_key"], strict=True)],
        "Av": found["imported_by"],
        "När": pd.to_datetime(found["imported_at"]).dt.tz_convert(TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "Lästa": found["rows_read"], "Sparade": found["rows_stored"], "Fanns redan": found["rows_duplicate"],
        "Med fel": found["rows_rejected"], "Utanför": found["rows_ignored"].fillna(0).astype(int),
        "Status": found["status"].map(lambda s: STATUS_LABELS.get(s, s)),
    })


_GRID_COLUMNS = {250: "cell_250", 1000: "cell_1k"}  # the only grid columns a query may name


def grid_cells(con: duckdb.DuckDBPyConnection, filters: Filters, size: int) -> pd.DataFrame:
    """Incidents per SCB grid square (exact and street precision only): columns cell, count, harm."""
    column = "i." + _GRID_COLUMNS[size]
    where, params = filters.where()
    return frame(
        con,
        "SELECT " + column + " AS cell, count(*) AS count, sum(c.harm_weight) AS harm, " + KEY + " AS ckey"
        " FROM incidents i"
        " JOIN categories c ON c.id = i.category_id WHERE " + column + " IS NOT NULL AND " + where
        + " GROUP BY ALL ORDER BY cell",
        params,
    )


def incident_points(con: duckdb.DuckDBPyConnection, filters: Filters, limit: int) -> pd.DataFrame:
    """Up to `limit` + 1 individual incidents with a point (for staff only; the caller checks the role)."""
    where, params = filters.where()
    return frame(
        con,
        "SELECT i.lon, i.lat, i.local_time, c.label AS category, s.label AS source FROM incidents i"
        " JOIN categories c ON c.id = i.category_id JOIN sources s ON s.id = i.source_id"
        " WHERE i.lon IS NOT NULL AND i.precision IN ('exact', 'street') AND " + where + " LIMIT ?",
        [*params, limit + 1],
    )


def area_shapes(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The active division's areas with their geometry: code, name, population, area_km2, geojson, centroid."""
    return frame(
        con,
        "SELECT code, name, population, area_km2, geojson, centroid_lon, centroid_lat FROM active_areas"
        " ORDER BY name COLLATE sv",
    )


def interventions_in(con: duckdb.DuckDBPyConnection, start: date, end: date) -> pd.DataFrame:
    """Interventions active at some time in [start, end]: with their areas' codes, targets and own geometry."""
    return frame(
        con,
        "SELECT iv.id, iv.name, iv.kind, iv.status::VARCHAR AS status, iv.start_date, iv.end_date, iv.geojson,"
        " t.area_codes, nullif(array_to_string(t.risk_factor_labels, ', '), '') AS risk_factors,"
        " nullif(array_to_string(t.category_labels, ', '), '') AS categories"
        " FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id WHERE iv.start_date <= ? AND (iv.end_date IS NULL OR iv.end_date >= ?)"
        " ORDER BY iv.start_date",
        [end, start],
    )


def hour_weekday(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Incidents per ISO weekday and hour (rows with an unknown hour left out): weekday, hour, count."""
    where, params = filters.where()
    return frame(con, "SELECT i.weekday, i.hour, count(*) AS count, " + KEY + " AS ckey FROM incidents i"
                      " WHERE i.hour IS NOT NULL"
                      " AND " + where + " GROUP BY ALL ORDER BY 1, 2", params)


def monthly_counts(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    """Incidents per calendar month: month, count."""
    where, params = filters.where()
    return frame(con, "SELECT date_trunc('month', i.day) AS month, count(*) AS count, " + KEY + " AS ckey"
                      " FROM incidents i WHERE "
                      + where + " GROUP BY ALL ORDER BY 1", params)


def area_breakdown(con: duckdb.DuckDBPyConnection, filters: Filters, area_code: str, by: str) -> pd.DataFrame:
    """Counts in one area and in the whole municipality, per category or per risk factor: label, area, all."""
    where, params = filters.where()
    if by == "category":
        return frame(
            con,
            "SELECT c.label, count(*) FILTER (WHERE a.code = ?) AS area, count(*) AS total,"
            " " + key_sql("a.code = ?") + " AS area_key, " + KEY + " AS total_key FROM incidents i"
            " JOIN categories c ON c.id = i.category_id LEFT JOIN areas a ON a.id = i.area_id WHERE " + where
            + " GROUP BY 1 ORDER BY 2 DESC, 3 DESC",
            [area_code, area_code, *params],
        )
    return frame(
        con,
        "SELECT r.label, count(*) FILTER (WHERE a.code = ?) AS area, count(*) AS total,"
        " " + key_sql("a.code = ?") + " AS area_key, " + KEY + " AS total_key FROM incidents i"
        " JOIN incident_risk_factors l ON l.incident_id = i.id JOIN risk_factors r ON r.id = l.risk_factor_id"
        " LEFT JOIN areas a ON a.id = i.area_id WHERE " + where + " GROUP BY 1 ORDER BY 2 DESC, 3 DESC",
        [area_code, area_code, *params],
    )


def daily_counts(con: duckdb.DuckDBPyConnection, filters: Filters, first: date, last: date) -> pd.DataFrame:
    """Incidents per day from `first` to `last` under the filters except their period: day, count, ckey.

    The day is the one an incident counts on (`Filters.day_sql`: with hours past midnight, the night's first day),
    so any span of days can be summed from these rows, its cell key too (`protect.combine_keys`)."""
    where, params = filters.where(include_period=False)
    day, day_params = filters.day_sql()
    return frame(con, "SELECT i.day, count(*) AS count, " + KEY + " AS ckey FROM (SELECT " + day + " AS day,"
                      " i.cell_key FROM incidents i WHERE i.day BETWEEN ? AND ? AND " + where + ") i"
                      " WHERE i.day BETWEEN ? AND ? GROUP BY ALL ORDER BY 1",
                 [*day_params, first, last + timedelta(days=1), *params, first, last])
