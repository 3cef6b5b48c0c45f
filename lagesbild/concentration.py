"""Repeat places: the law of crime concentration, measured on the municipality's 250 m squares.

Research finds that a small share of places holds a large share of crime (Weisburd 2015). For the filtered
incidents with a place (exact or street precision, so with a 250 m square) this module gives, per category and
for all together, the share of incidents at the most affected 1 % and 5 % of squares and the share of squares
that holds half of the incidents. The denominator is every square of the municipality (`hotspots.universe`),
empty ones included: counting only squares with incidents would make any handful of incidents look concentrated.

A few incidents are always concentrated (ten incidents can fill at most ten squares), so each share is set
against what chance gives: the mean share at the top if the same number of incidents fell at random, evenly,
over the same squares (a seeded simulation, so the same input always gives the same number).

Incidents without a place (area or municipality precision) cannot be placed in a square and are left out;
their number is reported. Viewers see protected counts only, and no shares for a category whose shown count is
hidden or below `MIN_SHOWN`: a share of a tiny count gives the count away (1 of 1 is 100 %).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lagesbild import formatting, hotspots, queries
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure, combine_keys, key_sql

SIZE = 250
TOP = (0.01, 0.05)          # the shares of squares at the top that are measured
MIN_SHOWN = 20              # viewers see no shares for fewer incidents with a place than this
SIMULATIONS = 200           # random spreads behind each chance expectation
SEED = 20151                # fixed, so the chance expectation is the same on every run
ALL = "Alla kategorier"
WITHHELD = "–"

COLUMNS = ("Kategori", "Händelser med plats", "Andel på topp 1 % av rutorna", "Andel på topp 5 %",
           "Väntat av slumpen (5 %)", "Rutor med hälften")


@dataclass(frozen=True)
class Concentration:
    """Concentration per category (first row: all categories) and what was left out."""

    table: pd.DataFrame        # code, category, located, key, top1, top5, chance1, chance5, half, chance_half,
                               # top1_count, top1_key, top5_count, top5_key
    squares: int               # squares in the denominator
    without_place: int         # filtered incidents without a square (left out)
    without_place_key: int     # their cell key (lagesbild.protect)
    size: int = SIZE


_CELLS = ("SELECT c.code, c.label, i.cell_250 AS cell, count(*) AS count, " + key_sql() + " AS ckey"
          " FROM incidents i JOIN categories c ON c.id = i.category_id WHERE i.cell_250 IS NOT NULL AND ")
_WITHOUT = "SELECT count(*), " + key_sql() + " FROM incidents i WHERE i.cell_250 IS NULL AND "


def measure(counts: np.ndarray, squares: int) -> tuple[float, float, float]:
    """Shares of the incidents at the top 1 % and 5 % of `squares`, and the share of squares holding half."""
    counts = np.sort(np.asarray(counts, dtype=float))[::-1]
    total = counts.sum()
    if total <= 0 or squares <= 0:
        return math.nan, math.nan, math.nan
    cumulative = np.cumsum(counts)
    shares = [float(cumulative[min(top_squares(share, squares), len(counts)) - 1] / total) for share in TOP]
    half = int(np.searchsorted(cumulative, total / 2.0)) + 1
    return shares[0], shares[1], half / squares


def top_squares(share: float, squares: int) -> int:
    """How many squares make up the top `share` of `squares` (at least one)."""
    return max(1, math.ceil(share * squares - 1e-9))


@lru_cache(maxsize=512)
def chance(incidents: int, squares: int) -> tuple[float, float, float]:
    """The mean of `measure` when `incidents` fall at random, evenly, over `squares` (seeded simulation)."""
    if incidents <= 0 or squares <= 0:
        return math.nan, math.nan, math.nan
    rng = np.random.default_rng([SEED, incidents, squares])
    spread = rng.multinomial(incidents, np.full(squares, 1.0 / squares), size=SIMULATIONS)
    found = np.array([measure(row[row > 0], squares) for row in spread])
    top1, top5, half = (float(v) for v in found.mean(axis=0))
    return top1, top5, half


def _tops(counts: np.ndarray, keys: np.ndarray, squares: int) -> dict[str, int]:
    """The incidents in the top 1 % and 5 % of squares with their cell keys, so viewers get moved shares."""
    order = np.argsort(-counts, kind="stable")
    found = {}
    for name, share in zip(("top1", "top5"), TOP, strict=True):
        chosen = order[:top_squares(share, squares)]
        found[name + "_count"] = int(counts[chosen].sum())
        found[name + "_key"] = combine_keys(keys[chosen])
    return found


def analyse(con: duckdb.DuckDBPyConnection, filters: Filters) -> Concentration:
    """The concentration of the filtered incidents with a place, per category and for all together."""
    where, params = filters.where()
    cells = queries.frame(con, _CELLS + where + " GROUP BY ALL", params)
    count, key = queries.rows(con, _WITHOUT + where, params)[0]
    # Fixed by the areas alone, so that the denominator says nothing about the filtered incidents; without
    # areas, the squares with incidents are all there is to count.
    squares = len(hotspots.grid(con, SIZE).cells) or int(cells["cell"].nunique())
    records = []
    together = cells.groupby("cell").agg(count=("count", "sum"), ckey=("ckey", "sum")).reset_index()
    groups = [(None, ALL, together)]
    for (code, label), part in cells.groupby(["code", "label"], sort=False):
        groups.append((code, label, part))
    for code, label, part in groups:
        counts = part["count"].to_numpy()
        located = int(counts.sum())
        top1, top5, half = measure(counts, squares)
        chance1, chance5, chance_half = chance(located, squares)
        records.append({"code": code, "category": label, "located": located, "key": combine_keys(part["ckey"]),
                        "top1": top1, "top5": top5, "chance1": chance1, "chance5": chance5, "half": half,
                        "chance_half": chance_half, **_tops(counts, part["ckey"].to_numpy(), squares)})
    table = pd.DataFrame(records, columns=["code", "category", "located", "key", "top1", "top5", "chance1",
                                           "chance5", "half", "chance_half", "top1_count", "top1_key",
                                           "top5_count", "top5_key"])
    if len(table) > 1:
        rest = table.iloc[1:].sort_values(["located", "category"], ascending=[False, True])
        table = pd.concat([table.iloc[:1], rest], ignore_index=True)
    return Concentration(table, squares, int(count), int(key))


def _as_shown(row: Any, shown: Disclosure, squares: int) -> tuple[float, list[float] | None]:
    """A row's shown count and its shares (top 1 %, top 5 %, chance at 5 %, squares with half, chance of that),
    or None where a viewer may not see them. For viewers the shares come from moved counts and the chance from
    the moved total: an exact share or an exact chance expectation would pin the exact count down."""
    count = shown.count(row.located, row.key)
    if row.located <= 0 or math.isnan(count) or (shown.viewer and count < MIN_SHOWN):
        return count, None
    if not shown.viewer:
        return count, [row.top1, row.top5, row.chance5, row.half, row.chance_half]
    total = float(shown.moved([row.located], [row.key])[0])
    tops = [min(1.0, float(shown.moved([c], [k])[0]) / total)
            for c, k in ((row.top1_count, row.top1_key), (row.top5_count, row.top5_key))]
    _, chance5, chance_half = chance(int(total), squares)
    return count, [*tops, chance5, row.half, chance_half]


def display_table(found: Concentration, shown: Disclosure) -> pd.DataFrame:
    """A Swedish table with numbers as numbers, shares in percent; for viewers protected counts (NaN, written
    "<5", where hidden) and no share (NaN, written '–') where a count is hidden or small."""
    rows, order = [], []
    for position, row in enumerate(found.table.itertuples()):
        count, shares = _as_shown(row, shown, found.squares)
        values = [round(100.0 * v, 1) for v in shares[:4]] if shares else [math.nan] * 4
        rows.append([row.category, float(count), *values])
        # ordered by the count as shown: an order by exact counts would tell a viewer which way the noise went
        order.append((position > 0, -(0.0 if math.isnan(count) else count), row.category))
    table = pd.DataFrame([rows[i] for i in sorted(range(len(rows)), key=order.__getitem__)], columns=list(COLUMNS))
    share = formatting.NumberFormat(1, WITHHELD, formatting.PERCENT_UNIT)
    return formatting.with_formats(table.astype({name: float for name in COLUMNS[1:]}), {
        COLUMNS[1]: formatting.count_format(shown.hidden_label), **{name: share for name in COLUMNS[2:]}})


def notes(found: Concentration, shown: Disclosure) -> list[str]:
    """Swedish sentences that say what the numbers mean and what was left out."""
    said = [f"Nämnaren är alla kommunens {formatting.number(found.squares)} rutor om {found.size} m, även rutor "
            "utan händelser. Andelarna är i procent. ”Väntat av slumpen” är andelen på topp 5 % om lika många "
            "händelser hade fallit slumpmässigt över rutorna: ligger andelen långt över den är koncentrationen "
            "mer än slump."]
    if found.without_place:
        left_out = shown.text(shown.count(found.without_place, found.without_place_key))
        said.append(f"{left_out} händelser utan plats (bara område eller kommun) är inte med.")
    if not found.table.empty:
        _, shares = _as_shown(next(found.table.itertuples()), shown, found.squares)
        if shares:
            said.append(f"Hälften av händelserna sker på {formatting.number(100 * shares[3], 1)} % av rutorna "
                        f"(slumpen skulle ge {formatting.number(100 * shares[4], 1)} %).")
    if shown.viewer:
        said.append(f"Andelar visas inte (”{WITHHELD}”) för kategorier med färre än {MIN_SHOWN} händelser med "
                    "plats: andelar av små tal avslöjar talen.")
    return said


_RECORD_NAMES = {"top1": "share_at_top_1pct", "top5": "share_at_top_5pct", "chance1": "chance_at_top_1pct",
                 "chance5": "chance_at_top_5pct", "half": "squares_share_with_half", "chance_half": "chance_squares_share_with_half"}


def export_records(found: Concentration) -> list[dict[str, object]]:
    """Exact records for staff (the CLI's JSON and CSV): shares as fractions, code None for all categories."""
    records = []
    for row in found.table.itertuples():
        value = {name: getattr(row, column) for column, name in _RECORD_NAMES.items()}
        code = row.code if isinstance(row.code, str) else None
        records.append({"category_code": code, "category": row.category, "incidents_with_place": int(row.located),
                        "squares": found.squares, "without_place": found.without_place if code is None else None,
                        **{k: None if math.isnan(v) else round(float(v), 4) for k, v in value.items()}})
    return records
