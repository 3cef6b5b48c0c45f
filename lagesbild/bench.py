"""The benchmark: the core queries on a scaled demo database, against the same work done naively in pandas.

Both sides run in the same process and the same run, and the result is reported as medians and ratios
(pandas time / DuckDB time), never as absolute limits: machines are shared and noisy. Each query's answer is
checked against the pandas answer, so a fast wrong query cannot pass as a win.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import numpy as np
import pandas as pd

from lagesbild import coverage, db, maps, queries
from lagesbild.demo import build_demo
from lagesbild.filters import Filters, preset_period
from lagesbild.maps import MapData
from lagesbild.protect import KEY_SPACE, Disclosure
from lagesbild.settings import PROJECT_ROOT
from lagesbild.view import View

T = TypeVar("T")
BENCH_END = date(2026, 10, 31)  # fixed, so a benchmark database can be reused across runs and days
BENCH_SEED = 20231


def bench_path(incidents: int) -> Path:
    """Where the scaled database for `incidents` lives (reused when present)."""
    return PROJECT_ROOT / "data" / f"bench_{incidents}.duckdb"


def ensure_database(path: Path, incidents: int, rebuild: bool = False) -> float:
    """Build the scaled demo at `path` unless a matching one exists; return seconds spent building."""
    if path.exists() and not rebuild:
        con = db.connect(path)
        try:
            stored = queries.rows(con, "SELECT count(*) FROM incidents")[0][0]
        finally:
            con.close()
        if stored == incidents:
            return 0.0
    began = time.perf_counter()
    build_demo(path, seed=BENCH_SEED, incidents=incidents, end=BENCH_END, overwrite=True)
    return time.perf_counter() - began


def _timed(work: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median milliseconds of `repeat` runs of `work`, after one warm-up run, and its last result."""
    result = work()
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        result = work()
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times), result


def bench_filters() -> Filters:
    """A realistic view: last 12 months, violence and vandalism, evenings and nights."""
    start, end = preset_period("12m", BENCH_END)
    return Filters(start=start, end=end, categories=("misshandel", "skadegorelse", "olaga_hot", "klotter"),
                   hour_from=18, hour_to=5)


# The DuckDB side: the same SQL shapes the app runs.
def grid_duckdb(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return queries.frame(
        con,
        "SELECT i.cell_250 AS cell, count(*) AS count, sum(c.harm_weight) AS harm FROM incidents i"
        " JOIN categories c ON c.id = i.category_id WHERE i.cell_250 IS NOT NULL AND " + where
        + " GROUP BY ALL ORDER BY cell",
        params,
    )


def hour_weekday_duckdb(con: duckdb.DuckDBPyConnection, filters: Filters) -> pd.DataFrame:
    where, params = filters.where()
    return queries.frame(
        con,
        "SELECT i.weekday, i.hour, count(*) AS count FROM incidents i WHERE " + where
        + " GROUP BY ALL ORDER BY weekday, hour",
        params,
    )


# The naive pandas side: load the columns once, then mask and group.
def load_pandas(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    return {
        "incidents": queries.frame(
            con, "SELECT day, hour, weekday, category_id, area_id, cell_250, risk_mask FROM incidents"),
        "categories": queries.frame(con, "SELECT id, code, harm_weight FROM categories"),
        "areas": queries.frame(con, "SELECT id, code, name, population FROM areas"),
    }


def _night_day(frame: pd.DataFrame, filters: Filters) -> pd.Series:
    """The day each incident counts on (the night's first day when the hours wrap), as `Filters.day_sql`."""
    if not filters.wraps:
        return frame["day"]
    return frame["day"] - pd.to_timedelta((frame["hour"] <= filters.hour_to).astype(int), unit="D")


def _mask(tables: dict[str, pd.DataFrame], filters: Filters, *, period: bool = True) -> np.ndarray:
    frame = tables["incidents"]
    keep = np.ones(len(frame), bool)
    if period:
        day = _night_day(frame, filters)
        keep &= (day >= pd.Timestamp(filters.start)) & (day <= pd.Timestamp(filters.end))
    if filters.categories:
        cats = tables["categories"]
        keep &= frame["category_id"].isin(cats.loc[cats["code"].isin(filters.categories), "id"]).to_numpy()
    if (filters.hour_from, filters.hour_to) != (0, 23):
        hour = frame["hour"]
        if filters.hour_from <= filters.hour_to:
            keep &= ((hour >= filters.hour_from) & (hour <= filters.hour_to)).to_numpy()
        else:
            keep &= ((hour >= filters.hour_from) | (hour <= filters.hour_to)).to_numpy()
    return keep


def grid_pandas(tables: dict[str, pd.DataFrame], filters: Filters) -> pd.DataFrame:
    frame = tables["incidents"]
    chosen = frame[_mask(tables, filters) & frame["cell_250"].notna().to_numpy()]
    weights = tables["categories"].set_index("id")["harm_weight"]
    chosen = chosen.assign(harm=chosen["category_id"].map(weights))
    out = chosen.groupby("cell_250").agg(count=("harm", "size"), harm=("harm", "sum")).reset_index()
    return out.rename(columns={"cell_250": "cell"}).sort_values("cell").reset_index(drop=True)


def area_rates_pandas(tables: dict[str, pd.DataFrame], filters: Filters) -> pd.DataFrame:
    frame = tables["incidents"]
    base = _mask(tables, filters, period=False)
    before = filters.previous_year()
    day = _night_day(frame, filters)
    now = base & ((day >= pd.Timestamp(filters.start)) & (day <= pd.Timestamp(filters.end))).to_numpy()
    then = base & ((day >= pd.Timestamp(before.start)) & (day <= pd.Timestamp(before.end))).to_numpy()
    counts = frame[now].groupby("area_id").size().rename("count")
    previous = frame[then].groupby("area_id").size().rename("previous")
    areas = tables["areas"].set_index("id").join(counts).join(previous).fillna({"count": 0, "previous": 0})
    areas["rate"] = areas["count"] * 1000.0 / areas["population"]
    return areas.reset_index()


def hour_weekday_pandas(tables: dict[str, pd.DataFrame], filters: Filters) -> pd.DataFrame:
    frame = tables["incidents"]
    out = frame[_mask(tables, filters)].groupby(["weekday", "hour"]).size().rename("count").reset_index()
    return out.sort_values(["weekday", "hour"]).reset_index(drop=True)


def population_years(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The small table of inhabitants per area and year (code, year, population), read once by each peer."""
    return queries.frame(con, "SELECT a.code, y.year, y.population FROM population_years y"
                              " JOIN active_areas a ON a.id = y.area_id")


def of_year(areas: pd.DataFrame, years: pd.DataFrame, year: int) -> pd.DataFrame:
    """`areas` with the population of `year` (the nearest earlier year, else the earliest later one, else the
    area's own figure) and that year, as `queries.area_rates` takes them (a small table: pandas for both peers)."""
    out = areas[["code", "name", "population", "area_km2"]].copy()
    out["population_year"] = np.nan
    if not years.empty:
        ranked = years.assign(before=years["year"] <= year,
                              order=np.where(years["year"] <= year, years["year"], -years["year"]))
        best = ranked.sort_values(["before", "order"]).groupby("code").tail(1).set_index("code")
        chosen = out["code"].map(best["population"])
        out["population"] = chosen.where(chosen.notna(), out["population"])
        out["population_year"] = out["code"].map(best["year"])
    return out[["code", "name", "population", "area_km2", "population_year"]]


# The fair peers for the whole map build: the incidents loaded once, as a careful pandas or Polars user would
# hold them (codes as categoricals, days as dates, the small tables beside them), then the same aggregates that
# `maps.build` asks DuckDB for — the grid, the area rates, the police-sample flag — and the same Python after
# them (protection, the deck, the tables), so that the ratio is the one a page feels.
PEER_UNSUPPORTED = "the peers implement the bench's filters (period, categories, sources, areas, hours) only"


def _peer_filters(filters: Filters) -> None:
    if filters.risk_factors or filters.weekdays:
        raise NotImplementedError(PEER_UNSUPPORTED)


class PandasPeer:
    """The incidents in pandas with categoricals (category, area and source codes) and days preloaded."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        categories = queries.frame(con, "SELECT id, code, harm_weight FROM categories ORDER BY id")
        sources = queries.frame(con, "SELECT id, code FROM sources ORDER BY id")
        every_area = queries.frame(con, "SELECT id, code FROM areas ORDER BY id")
        # The active division in the order the app shows it (Swedish collation), loaded once like the rest.
        self.areas = queries.frame(
            con, "SELECT code, name, population, area_km2 FROM active_areas ORDER BY name COLLATE sv")
        self.years = population_years(con)
        raw = queries.frame(con, "SELECT day, hour, category_id, source_id, area_id, cell_250, cell_1k, cell_key,"
                                 " import_id FROM incidents")

        def coded(ids: pd.Series, table: pd.DataFrame) -> pd.Categorical:
            position = pd.Index(table["id"]).get_indexer(ids.astype("float64").to_numpy())
            return pd.Categorical.from_codes(position, categories=table["code"].tolist())

        self.incidents = pd.DataFrame({
            "day": raw["day"].to_numpy("datetime64[D]"),
            "hour": raw["hour"].astype("float64").to_numpy(),   # NaN where the hour is unknown
            "category": coded(raw["category_id"], categories),
            "source": coded(raw["source_id"], sources),
            "area": coded(raw["area_id"], every_area),
            "cell_250": raw["cell_250"], "cell_1k": raw["cell_1k"],
            "cell_key": raw["cell_key"].to_numpy(np.int64),
            "import_id": raw["import_id"].to_numpy(np.int64),
        })
        self.harm_weight = categories["harm_weight"].to_numpy(float)   # by category code position
        police = queries.frame(con, "SELECT id FROM imports WHERE source_key = 'polisen-json'")
        self.police_imports = police["id"].to_numpy(np.int64)

    def _mask(self, filters: Filters, *, period: bool = True) -> np.ndarray:
        frame = self.incidents
        keep = np.ones(len(frame), bool)
        if period:
            day = self._day(filters)
            keep &= (day >= np.datetime64(filters.start)) & (day <= np.datetime64(filters.end))
        for column, codes in (("category", filters.categories), ("source", filters.sources),
                              ("area", filters.areas)):
            if codes:
                keep &= frame[column].isin(codes).to_numpy()
        if (filters.hour_from, filters.hour_to) != (0, 23):
            hour = frame["hour"].to_numpy()
            if filters.hour_from <= filters.hour_to:
                keep &= (hour >= filters.hour_from) & (hour <= filters.hour_to)
            else:
                keep &= (hour >= filters.hour_from) | (hour <= filters.hour_to)
        return keep

    def _day(self, filters: Filters) -> Any:
        day = self.incidents["day"].to_numpy()
        if not filters.wraps:
            return day
        return day - (self.incidents["hour"].to_numpy() <= filters.hour_to).astype("timedelta64[D]")

    def grid_cells(self, filters: Filters, size: int) -> pd.DataFrame:
        _peer_filters(filters)
        column = {250: "cell_250", 1000: "cell_1k"}[size]
        frame = self.incidents
        chosen = frame.loc[self._mask(filters) & frame[column].notna().to_numpy(), [column, "category", "cell_key"]]
        chosen = chosen.assign(harm=self.harm_weight[chosen["category"].cat.codes.to_numpy()])
        out = chosen.groupby(column, sort=True).agg(count=("harm", "size"), harm=("harm", "sum"),
                                                    ckey=("cell_key", "sum"))
        out["ckey"] = (out["ckey"] % KEY_SPACE).astype(np.int32)
        return out.rename_axis("cell").reset_index().astype({"cell": np.int64, "count": np.int64})

    def area_rates(self, filters: Filters) -> pd.DataFrame:
        _peer_filters(filters)
        frame = self.incidents
        base = self._mask(filters, period=False)
        day = self._day(filters)
        before = filters.previous_year()
        now = base & (day >= np.datetime64(filters.start)) & (day <= np.datetime64(filters.end))
        then = base & (day >= np.datetime64(before.start)) & (day <= np.datetime64(before.end))
        harm = self.harm_weight[frame["category"].cat.codes.to_numpy()]
        present = frame.loc[now, ["area", "cell_key"]].assign(harm=harm[now]).groupby("area", observed=False).agg(
            count=("harm", "size"), harm=("harm", "sum"), ckey=("cell_key", "sum"))
        past = frame.loc[then, ["area", "cell_key"]].groupby("area", observed=False).agg(
            previous=("cell_key", "size"), previous_key=("cell_key", "sum"))
        counts = present.join(past)
        out = of_year(self.areas, self.years, filters.end.year).join(counts, on="code")
        out["ckey"] = (out["ckey"] % KEY_SPACE).astype(np.int32)
        out["previous_key"] = (out["previous_key"] % KEY_SPACE).astype(np.int32)
        out = out[["code", "name", "population", "area_km2", "population_year", "count", "harm", "previous", "ckey",
                   "previous_key"]]
        out["rate"] = (out["count"] * 1000.0 / out["population"]).where(out["population"] > 0)
        return out.reset_index(drop=True)

    def police_sample(self, sources: tuple[str, ...] = ()) -> bool:
        frame = self.incidents
        keep = frame["import_id"].isin(self.police_imports).to_numpy().copy()
        if sources:
            keep &= frame["source"].isin(sources).to_numpy()
        return bool(keep.any())


class PolarsPeer:
    """The same frames in Polars (Enum codes, dates), the same aggregates as Polars expressions."""

    def __init__(self, con: duckdb.DuckDBPyConnection, polars: Any) -> None:
        pl = self.pl = polars
        categories = queries.frame(con, "SELECT id, code, harm_weight FROM categories ORDER BY id")
        sources = queries.frame(con, "SELECT id, code FROM sources ORDER BY id")
        every_area = queries.frame(con, "SELECT id, code FROM areas ORDER BY id")
        self.area_table = queries.frame(
            con, "SELECT code, name, population, area_km2 FROM active_areas ORDER BY name COLLATE sv")
        self.years = population_years(con)
        raw = pl.from_pandas(queries.frame(
            con, "SELECT day, hour, category_id, source_id, area_id, cell_250, cell_1k, cell_key, import_id"
                 " FROM incidents"))

        def coded(column: str, table: pd.DataFrame) -> Any:
            kind = pl.Enum(table["code"].tolist())
            return pl.col(column).replace_strict(table["id"].tolist(), table["code"].tolist(),
                                                 default=None).cast(kind)

        self.incidents = raw.select(
            pl.col("day").cast(pl.Date), pl.col("hour"),
            coded("category_id", categories).alias("category"), coded("source_id", sources).alias("source"),
            coded("area_id", every_area).alias("area"), pl.col("cell_250"), pl.col("cell_1k"),
            pl.col("cell_key").cast(pl.Int64), pl.col("import_id")).rechunk()
        self.kinds = {"category": categories["code"].tolist(), "source": sources["code"].tolist(),
                      "area": every_area["code"].tolist()}
        self.harm_weight = categories["harm_weight"].astype(float).tolist()   # by position in the Enum
        police = queries.frame(con, "SELECT id FROM imports WHERE source_key = 'polisen-json'")
        self.police_imports = police["id"].tolist()

    def _is_in(self, column: str, codes: tuple[str, ...]) -> Any:
        """Enum codes compared as Enum values (no cast of the column to strings)."""
        pl = self.pl
        known = [c for c in codes if c in self.kinds[column]]
        return pl.col(column).is_in(pl.lit(pl.Series(known, dtype=pl.Enum(self.kinds[column]))).implode())

    def _day(self, filters: Filters) -> Any:
        pl = self.pl
        if not filters.wraps:
            return pl.col("day")
        return pl.when(pl.col("hour") <= filters.hour_to).then(pl.col("day") - pl.duration(days=1)).otherwise(
            pl.col("day"))

    def _conditions(self, filters: Filters, *, period: bool = True) -> Any:
        pl = self.pl
        keep = pl.lit(True)
        if period:
            keep = keep & self._day(filters).is_between(filters.start, filters.end)
        for column, codes in (("category", filters.categories), ("source", filters.sources),
                              ("area", filters.areas)):
            if codes:
                keep = keep & self._is_in(column, codes)
        if (filters.hour_from, filters.hour_to) != (0, 23):
            hour = pl.col("hour")
            if filters.hour_from <= filters.hour_to:
                keep = keep & hour.is_between(filters.hour_from, filters.hour_to)
            else:
                keep = keep & ((hour >= filters.hour_from) | (hour <= filters.hour_to))
        return keep

    def _harm(self) -> Any:
        pl = self.pl
        return pl.col("category").to_physical().replace_strict(
            list(range(len(self.harm_weight))), self.harm_weight, return_dtype=pl.Float64)

    def grid_cells(self, filters: Filters, size: int) -> pd.DataFrame:
        _peer_filters(filters)
        pl = self.pl
        column = {250: "cell_250", 1000: "cell_1k"}[size]
        out = (self.incidents.lazy()
               .filter(self._conditions(filters) & pl.col(column).is_not_null())
               .group_by(column).agg(pl.len().alias("count"), self._harm().sum().alias("harm"),
                                     (pl.col("cell_key").sum() % KEY_SPACE).cast(pl.Int32).alias("ckey"))
               .sort(column).rename({column: "cell"}).collect())
        return out.to_pandas().astype({"cell": np.int64, "count": np.int64})

    def area_rates(self, filters: Filters) -> pd.DataFrame:
        _peer_filters(filters)
        pl = self.pl
        before = filters.previous_year()
        day = self._day(filters)
        now = day.is_between(filters.start, filters.end)
        then = day.is_between(before.start, before.end)
        counts = (self.incidents.lazy()
                  .filter(self._conditions(filters, period=False) & pl.col("area").is_not_null() & (now | then))
                  .group_by("area")
                  .agg(now.sum().cast(pl.Int64).alias("count"),
                       self._harm().filter(now).sum().alias("harm"),
                       then.sum().cast(pl.Int64).alias("previous"),
                       (pl.col("cell_key").filter(now).sum() % KEY_SPACE).cast(pl.Int32).alias("ckey"),
                       (pl.col("cell_key").filter(then).sum() % KEY_SPACE).cast(pl.Int32).alias("previous_key"))
                  .collect().with_columns(pl.col("area").cast(pl.String).alias("code")).drop("area"))
        areas = pl.from_pandas(of_year(self.area_table, self.years, filters.end.year))
        out = areas.join(counts, on="code", how="left", maintain_order="left").with_columns(
            pl.col("count", "previous").fill_null(0), pl.col("harm").fill_null(0.0),
            pl.col("ckey", "previous_key").fill_null(0))
        out = out.with_columns(pl.when(pl.col("population") > 0)
                               .then(pl.col("count") * 1000.0 / pl.col("population")).alias("rate"))
        return out.to_pandas()

    def police_sample(self, sources: tuple[str, ...] = ()) -> bool:
        pl = self.pl
        keep = pl.col("import_id").is_in(self.police_imports)
        if sources:
            keep = keep & self._is_in("source", sources)
        return bool(self.incidents.select(keep.any()).item())


Peer = PandasPeer | PolarsPeer


def peer_build(peer: Peer, con: duckdb.DuckDBPyConnection, view: View, shown: Disclosure) -> MapData:
    """`maps.build` with the incident aggregates answered by `peer` instead of DuckDB (the small tables — area
    shapes, interventions — are still read from the database, as on our side)."""
    from unittest import mock

    with mock.patch.object(queries, "grid_cells", lambda _con, filters, size: peer.grid_cells(filters, size)), \
            mock.patch.object(queries, "area_rates", lambda _con, filters: peer.area_rates(filters)), \
            mock.patch.object(coverage, "police_sample", lambda _con, sources=(): peer.police_sample(sources)):
        return maps.build(con, view, shown)


def check_same(name: str, con: duckdb.DuckDBPyConnection, peer: Peer, view: View, ours: MapData,
               theirs: MapData) -> None:
    """Raise when `peer` computed other numbers than DuckDB: the aggregates and the map's tables must be equal."""
    filters = view.filters
    try:
        pd.testing.assert_frame_equal(queries.grid_cells(con, filters, view.grid),
                                      peer.grid_cells(filters, view.grid), check_dtype=False)
        pd.testing.assert_frame_equal(queries.area_rates(con, filters), peer.area_rates(filters),
                                      check_dtype=False)
        assert coverage.police_sample(con, filters.sources) == peer.police_sample(filters.sources)
        for table in ("areas", "cells"):
            pd.testing.assert_frame_equal(getattr(ours, table), getattr(theirs, table))
    except AssertionError as differ:
        raise AssertionError(f"bench: the {name} peer's map build differs from ours: {differ}") from differ


def whole_build(con: duckdb.DuckDBPyConnection, filters: Filters, repeat: int) -> dict[str, Any]:
    """The whole map build (viewer) by DuckDB, pandas with categoricals and Polars, each peer checked equal."""
    view = View(filters=filters)
    shown = Disclosure(viewer=True)
    ours_ms, ours = _timed(lambda: maps.build(con, view, shown), repeat)
    result: dict[str, Any] = {"duckdb_ms": round(ours_ms, 1)}
    peers: list[tuple[str, Callable[[], Peer]]] = [("pandas", lambda: PandasPeer(con))]
    try:
        import polars
    except ImportError:
        print("bench: polars is not installed; the Polars peer is skipped", file=sys.stderr)
        result["polars"] = None
    else:
        peers.append(("polars", lambda: PolarsPeer(con, polars)))
    for name, make in peers:
        began = time.perf_counter()
        peer = make()
        load_ms = (time.perf_counter() - began) * 1000
        peer_ms, theirs = _timed(partial(peer_build, peer, con, view, shown), repeat)
        check_same(name, con, peer, view, ours, theirs)
        result[name] = {"load_ms": round(load_ms, 1), "build_ms": round(peer_ms, 1),
                        "ratio": round(peer_ms / ours_ms, 2) if ours_ms else None, "same": True}
        del peer
    return result



def action_plan(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The Åtgärdsplan cold (coverage table included, as on the page's first open): every intervention's
    follow-up counted together, against the same follow-ups one by one; the two must agree."""
    from lagesbild import followup

    numbers = [number for (number,) in queries.rows(con, "SELECT id FROM interventions ORDER BY id")]
    began = time.perf_counter()
    together = followup.evaluate_all(con, numbers)
    plan_s = time.perf_counter() - began
    began = time.perf_counter()
    table = coverage.monthly(con)
    alone = {number: followup.evaluate(con, number, coverage_table=table) for number in numbers}
    alone_s = time.perf_counter() - began
    for number in numbers:
        if together[number].record() != alone[number].record():
            raise AssertionError(f"bench: the Åtgärdsplan's follow-up of intervention {number} differs from its own")
    return {"interventions": len(numbers), "plan_s": round(plan_s, 2), "one_by_one_s": round(alone_s, 2),
            "ratio": round(alone_s / plan_s, 2) if plan_s else None, "same": True}

def import_csv_path(rows: int) -> Path:
    """A Swedish-Excel-style CSV of about `rows` synthetic incidents, each with a place (made once, reused)."""
    path = PROJECT_ROOT / "data" / f"bench_import_{rows}.csv"
    if path.exists():
        return path
    from lagesbild.demo import areas as demo_areas
    from lagesbild.demo import incidents as demo_incidents
    from lagesbild.vocabulary import CATEGORIES, RISK_FACTORS, SOURCES, risk_bit

    shapes = demo_areas.build_areas()
    shapes["id"] = np.arange(1, len(shapes) + 1)
    start, end = preset_period("12m", BENCH_END)
    frame = demo_incidents.generate(shapes, demo_areas.outline_sweref(), start, end,
                                    np.random.default_rng(BENCH_SEED), total=rows)
    frame = frame[frame["x"].notna() | frame["area_id"].notna()].reset_index(drop=True)  # a place to check
    area_code = dict(zip(shapes["id"], shapes["code"], strict=True))
    label = {c.id: c.label for c in CATEGORIES}
    source = {s.id: s.label for s in SOURCES}
    first_risk = {0: ""} | {int(risk_bit(r.id)): r.label for r in RISK_FACTORS}
    masks = frame["risk_mask"].to_numpy(np.uint64)
    lowest = (masks & (~masks + np.uint64(1))).astype(np.int64)  # one tag per row keeps the file simple
    table = pd.DataFrame({
        "Datum": frame["local_time"].dt.strftime("%Y-%m-%d"),
        "Tid": frame["local_time"].dt.strftime("%H:%M"),
        "Brottstyp": frame["category_id"].map(label),
        "N": frame["y"].round(1), "E": frame["x"].round(1),
        "Område": frame["area_id"].map(area_code).where(frame["x"].isna(), ""),
        "Riskfaktorer": pd.Series(lowest).map(first_risk).fillna(""),
        "Källa": frame["source_id"].map(source),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(path, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    return path


def import_run(rows: int) -> dict[str, Any]:
    """Time importing a `rows`-row CSV end to end into a copy of the demo, against plain pandas.read_csv."""
    import shutil
    import tempfile

    from lagesbild.ingest import import_bytes

    csv_path = import_csv_path(rows)
    base = PROJECT_ROOT / "data" / "bench_import_base.duckdb"
    if not base.exists():
        build_demo(base, seed=BENCH_SEED, end=BENCH_END)
    began = time.perf_counter()
    pd.read_csv(csv_path, sep=";", decimal=",", encoding="utf-8-sig", dtype=str)
    read_s = time.perf_counter() - began
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "import.duckdb"
        shutil.copy(base, target)
        con = db.connect(target)
        try:
            data = csv_path.read_bytes()
            began = time.perf_counter()
            result = import_bytes(con, data, csv_path.name)
            import_s = time.perf_counter() - began
        finally:
            con.close()
    return {
        "rows": result.rows_read,
        "stored": result.rows_stored,
        "rejected": result.rows_rejected,
        "seconds": round(import_s, 2),
        "rows_per_s": round(result.rows_read / import_s),
        "pandas_read_csv_s": round(read_s, 2),
        "ratio_to_read_csv": round(import_s / read_s, 2),
    }


def run(incidents: int = 1_000_000, repeat: int = 5, path: Path | None = None, rebuild: bool = False,
        import_rows: int = 1_000_000, readers: bool = True) -> dict[str, Any]:
    """Run the benchmark and return its result as one dict (the CLI prints it as one JSON line)."""
    load_at_start = [round(x, 2) for x in os.getloadavg()]
    path = path or bench_path(incidents)
    build_s = ensure_database(path, incidents, rebuild)
    filters = bench_filters()
    con = db.connect(path)
    try:
        began = time.perf_counter()
        tables = load_pandas(con)
        load_ms = (time.perf_counter() - began) * 1000
        pairs = {
            "grid_250": (lambda: grid_duckdb(con, filters), lambda: grid_pandas(tables, filters)),
            "area_rates": (lambda: queries.area_rates(con, filters), lambda: area_rates_pandas(tables, filters)),
            "hour_weekday": (lambda: hour_weekday_duckdb(con, filters),
                             lambda: hour_weekday_pandas(tables, filters)),
        }
        results = {}

        map_view = View(filters=filters)
        map_ms, shown = _timed(lambda: maps.build(con, map_view, Disclosure(viewer=True)), repeat)
        staff_map_ms, _ = _timed(lambda: maps.build(con, map_view, Disclosure(viewer=False)), repeat)
        # What protection costs: the map's grid query with the cell keys summed, against the same query without.
        keyed_ms, _ = _timed(lambda: queries.grid_cells(con, filters, 250), repeat)
        plain_ms, _ = _timed(lambda: grid_duckdb(con, filters), repeat)
        from lagesbild import hotspots, priorities

        year = Filters(start=filters.start, end=filters.end)
        hot_ms, _ = _timed(lambda: hotspots.analyse(con, year), repeat)
        rank_ms, ranked = _timed(lambda: priorities.rank(con, year), repeat)
        whole = whole_build(con, filters, repeat)
        plan = action_plan(con)
        for name, (duck, naive) in pairs.items():
            duck_ms, duck_out = _timed(duck, repeat)
            pandas_ms, pandas_out = _timed(naive, repeat)
            results[name] = {
                "duckdb_ms": round(duck_ms, 2),
                "pandas_ms": round(pandas_ms, 2),
                "ratio": round(pandas_ms / duck_ms, 2) if duck_ms else None,
                "agree": _agree(duck_out, pandas_out),
            }
    finally:
        con.close()
    return {
        "bench": "lagesbild",
        "incidents": incidents,
        "repeat": repeat,
        "build_s": round(build_s, 1),
        "db_mb": round(path.stat().st_size / 2**20, 1),
        "pandas_load_ms": round(load_ms, 1),
        "pandas_frame_mb": round(tables["incidents"].memory_usage(deep=True).sum() / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "queries": results,
        "map_build_ms": round(map_ms, 2),
        "whole_build": whole,
        "atgardsplan": plan,
        "protection": {
            "map_build_viewer_ms": round(map_ms, 2),
            "map_build_staff_ms": round(staff_map_ms, 2),
            "viewer_to_staff": round(map_ms / staff_map_ms, 2) if staff_map_ms else None,
            "grid_with_cell_keys_ms": round(keyed_ms, 2),
            "grid_without_ms": round(plain_ms, 2),
            "with_to_without": round(keyed_ms / plain_ms, 2) if plain_ms else None,
        },
        "map_payload_kb": round(shown.payload_bytes / 1024, 1),
        "hotspots_ms": round(hot_ms, 1),
        "ranking_ms": round(rank_ms, 1),
        "ranking_areas": len(ranked.table),
        "import_csv": import_run(import_rows) if import_rows else None,
        "readers_writer": readers_writer(path, filters) if readers else None,
        "load_average_start": load_at_start,
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _reader_loop(master: str, filters: Filters, seconds: float, queue: Any, ready: Any, start: Any) -> None:
    """One reader process: the overview's totals and the map's grid on the current snapshot, again and again,
    moving to a new snapshot when one is published; reports its query latencies (ms) and snapshots seen."""
    from lagesbild import snapshots

    master_path = Path(master)
    latencies, seen, errors = [], set(), 0
    con, path = snapshots.reader(master_path)
    ready.put(True)
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        newest = snapshots.current(master_path)
        if newest is not None and newest != path:
            con.close()
            con, path = snapshots.reader(master_path)
        seen.add(path.name)
        began = time.perf_counter()
        try:
            queries.totals(con, filters)
            queries.grid_cells(con, filters, 250)
        except duckdb.Error:
            errors += 1
        latencies.append((time.perf_counter() - began) * 1000)
    con.close()
    queue.put({"latencies": latencies, "snapshots": len(seen), "errors": errors})


def readers_writer(path: Path, filters: Filters, readers: int = 4, seconds: float = 6.0) -> dict[str, Any]:
    """N reader processes on published snapshots, first alone, then while one writer writes and publishes
    again and again: reads per second, the 95th-percentile read, how long a write and its publication take."""
    import multiprocessing

    from lagesbild import snapshots

    snapshots.publish(path)
    context = multiprocessing.get_context("spawn")

    def phase(write: bool) -> dict[str, Any]:
        queue, ready, start = context.Queue(), context.Queue(), context.Event()
        workers = [context.Process(target=_reader_loop, args=(str(path), filters, seconds, queue, ready, start))
                   for _ in range(readers)]
        for worker in workers:
            worker.start()
        for _ in workers:   # every reader has started and opened its snapshot: all begin at once
            ready.get(timeout=300)
        writes: list[float] = []
        con, _ = snapshots.reader(path)
        start.set()
        if write:
            deadline = time.perf_counter() + seconds
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                with db.write(con) as cur:
                    db.set_meta(cur, "bench_tick", str(len(writes)))
                writes.append((time.perf_counter() - began) * 1000)
        con.close()
        reports = [queue.get(timeout=seconds + 120) for _ in workers]
        for worker in workers:
            worker.join(timeout=60)
        latencies = [ms for report in reports for ms in report["latencies"]]
        return {
            "reads_per_s": round(len(latencies) / seconds, 1),
            "read_p50_ms": round(float(np.percentile(latencies, 50)), 1) if latencies else None,
            "read_p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
            "read_errors": sum(report["errors"] for report in reports),
            "snapshots_seen_per_reader": max(report["snapshots"] for report in reports),
            "writes": len(writes),
            "write_and_publish_ms": round(statistics.median(writes), 1) if writes else None,
        }

    alone, busy = phase(False), phase(True)
    return {"readers": readers, "seconds": seconds, "alone": alone, "with_writer": busy,
            "reads_with_to_without": round(busy["reads_per_s"] / alone["reads_per_s"], 2)
            if alone["reads_per_s"] else None}


def _agree(duck: pd.DataFrame, naive: pd.DataFrame) -> bool:
    """Whether both sides found the same counts (the sums and the number of groups)."""
    return int(duck["count"].sum()) == int(naive["count"].sum()) and len(duck) == len(naive)
