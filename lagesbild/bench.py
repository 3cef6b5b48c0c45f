"""The benchmark: the core queries on a scaled demo database, against the same work done naively in pandas.

Both sides run in the same process and the same run, and the result is reported as medians and ratios
(pandas time / DuckDB time), never as absolute limits: machines are shared and noisy. Each query's answer is
checked against the pandas answer, so a fast wrong query cannot pass as a win.
"""

from __future__ import annotations

import os
import resource
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from lagesbild import db, queries
from lagesbild.demo import build_demo
from lagesbild.filters import Filters, preset_period
from lagesbild.protect import Disclosure
from lagesbild.settings import PROJECT_ROOT

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


def _timed(work: Callable[[], object], repeat: int) -> tuple[float, object]:
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


def import_run(rows: int) -> dict:
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
        import_rows: int = 1_000_000, readers: bool = True) -> dict:
    """Run the benchmark and return its result as one dict (the CLI prints it as one JSON line)."""
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
        from lagesbild import maps
        from lagesbild.view import View

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
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def _reader_loop(master: str, filters: Filters, seconds: float, queue, ready, start) -> None:
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


def readers_writer(path: Path, filters: Filters, readers: int = 4, seconds: float = 6.0) -> dict:
    """N reader processes on published snapshots, first alone, then while one writer writes and publishes
    again and again: reads per second, the 95th-percentile read, how long a write and its publication take."""
    import multiprocessing

    from lagesbild import snapshots

    snapshots.publish(path)
    context = multiprocessing.get_context("spawn")

    def phase(write: bool) -> dict:
        queue, ready, start = context.Queue(), context.Queue(), context.Event()
        workers = [context.Process(target=_reader_loop, args=(str(path), filters, seconds, queue, ready, start))
                   for _ in range(readers)]
        for worker in workers:
            worker.start()
        for _ in workers:   # every reader has started and opened its snapshot: all begin at once
            ready.get(timeout=300)
        writes = []
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
