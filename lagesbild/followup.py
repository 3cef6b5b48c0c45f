"""Did it work? Follow-up of an intervention against comparison areas, with displacement and honest uncertainty.

What is counted: the intervention's targeted incidents (its categories, else its risk factors, else all) on its
targeted weekdays and hours (a night that runs past midnight belongs to the evening it began, as in every
count), in three places: the target (its own geometry, else its areas), a buffer (a ring around the target, or
the adjacent areas) and the comparison (the rest of the municipality, or chosen areas).

When: "after" is the intervention's own period, from its start to its end (or to the last day with data),
optionally cut to a number of days. "Before" is the same dates a year earlier (so a summer effort is compared
with the summer before), or for periods longer than a year the equal period just before the start. A "before"
that starts before the data do is shortened to the first day with data, and the result says so; a period where
a source has a gap (`lagesbild.coverage`) gives no verdict at all.

The estimate is the ratio of ratios (target after/before against comparison after/before: a difference in
differences on the log scale). Its 95 % interval allows for overdispersion: the dispersion is the Pearson
chi-square of the target's monthly share of the two places around its share in each period, over its degrees
of freedom (a quasi-Poisson scale, floored at 1), and the critical value comes from the t distribution with
those degrees of freedom. With fewer than 10 target incidents in either period (or none), an exact conditional
test is used instead (the target's share of its own before + after count, Clopper–Pearson, on counts divided
by the dispersion), so 40 → 0 is a significant drop and 0 → 25 a significant rise.

Safeguards: regression to the mean — when the "before" period was unusually high against the same dates in up
to four earlier years (a one-sided test at 5 %, scaled by the comparison's level and the dispersion), the
result says so and the verdict is judged against that multi-year baseline instead; contamination — other
interventions on the same problem in the target, buffer or comparison during either period are listed; the
weighted displacement quotient (Bowers & Johnson 2003) is given only when the target fell.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from scipy import stats
from shapely.ops import unary_union

from lagesbild import charts, coverage, formatting, geo, queries, register
from lagesbild.filters import Filters, shift_years
from lagesbild.protect import KEY_SPACE, Disclosure, combine_keys
from lagesbild.stats import compare_counts

DEFAULT_RING_M = 500.0
MIN_EVENTS = 20          # target before + after below this: too few to say anything
MIN_AFTER_DAYS = 30
MIN_BEFORE_DAYS = 30     # a "before" shortened below this gives no comparison
EXACT_BELOW = 10         # a target count under this in either period: the exact conditional test
EARLIER_YEARS = 4        # the multi-year baseline for the regression-to-the-mean check
HIGH_BEFORE_Z = 1.645    # one-sided 5 %: "before" unusually high against the multi-year baseline
PLACES = ("target", "buffer", "comparison")


@dataclass(frozen=True)
class Options:
    days: int | None = None               # this many days after the start; None: the intervention's own period
    buffer: str = "ring"                  # 'ring' or 'adjacent' (areas touching the target)
    ring_m: float = DEFAULT_RING_M
    comparison: tuple[str, ...] = ()      # area codes; empty: the rest of the municipality


@dataclass(frozen=True)
class Effect:
    """The ratio of ratios with its 95 % interval and how it was computed."""

    relative: float
    low: float
    high: float
    method: str                            # 'exact' (conditional, Clopper–Pearson) or 'quasi-poisson'
    dispersion: float = 1.0

    @property
    def verdict(self) -> str:
        return "minskning" if self.high < 1 else "ökning" if self.low > 1 else "ingen skillnad"


@dataclass
class Facts:
    """Every count a verdict is judged on: per place (before, after), the same places in the earlier years'
    windows, and per month the target and comparison counts. Exact for staff; moved for viewers."""

    counts: Mapping[str, tuple[float, float]]
    earlier: Mapping[str, Sequence[float]] = field(default_factory=dict)
    months: pd.DataFrame = field(default_factory=pd.DataFrame)   # month, after (bool), target, comparison
    each: Mapping[str, tuple[float, float]] = field(default_factory=dict)  # per chosen comparison area


@dataclass
class Evaluation:
    intervention_id: int
    name: str
    start: date
    before: tuple[date, date]
    after: tuple[date, date]
    targeted: str                          # which incidents count, in Swedish
    counts: Mapping[str, tuple[float, float]]  # place -> (before, after); NaN where hidden from a viewer
    rate_ratio: float | None               # target after / before
    relative: float | None                 # (target after/before) / (comparison after/before)
    relative_ci: tuple[float, float] | None
    expected_difference: float | None      # target after minus what the comparison's trend predicts
    wdq: float | None
    verdict: str  # 'minskning', 'ökning', 'ingen skillnad', 'för få', 'för tidigt', 'ingen jämförelse', 'saknar data'
    summary: str                           # the one verdict sentence, in Swedish
    displacement: str = ""                 # 'förflyttning', 'spridning av nytta', ''
    monthly: pd.DataFrame = field(default_factory=pd.DataFrame)
    keys: dict[str, tuple[int, int]] = field(default_factory=dict)  # cell keys of `counts` (lagesbild.protect)
    monthly_keys: pd.DataFrame = field(default_factory=pd.DataFrame)
    length: int = 0
    complete: bool = True                  # False: "before" was shortened to the first day with data
    protected: bool = False                # counts moved and small ones hidden (NaN) for a viewer
    hidden_label: str = "<5"
    method: str = ""                       # how the interval was computed, in Swedish
    dispersion: float = 1.0
    warnings: list[str] = field(default_factory=list)       # safeguards that fired, in Swedish
    contamination: list[str] = field(default_factory=list)  # other interventions that may have played a part
    baseline: dict[str, Any] | None = None  # the multi-year baseline when "before" was unusually high
    facts: Facts | None = None
    earlier_keys: dict[str, list[int]] = field(default_factory=dict)
    month_keys: pd.DataFrame = field(default_factory=pd.DataFrame)
    earlier_windows: list[tuple[date, date]] = field(default_factory=list)
    gap: str = ""
    each_keys: dict[str, tuple[int, int]] = field(default_factory=dict)
    per_comparison: list[dict[str, Any]] = field(default_factory=list)  # the effect against each comparison area
    finished: bool = False                 # the intervention ended before the last day with data
    whole_municipality: bool = False       # the target and buffer cover every area: nothing is left to compare

    def record(self) -> dict[str, Any]:
        """Plain values for JSON/CSV."""
        return {
            "intervention_id": self.intervention_id, "name": self.name, "start": self.start.isoformat(),
            "before": [d.isoformat() for d in self.before], "after": [d.isoformat() for d in self.after],
            "targeted": self.targeted,
            **{f"{place}_{when}": self.counts[place][i] for place in PLACES
               for i, when in enumerate(("before", "after"))},
            "rate_ratio": _round(self.rate_ratio), "relative_to_comparison": _round(self.relative),
            "relative_ci_low": _round(self.relative_ci[0]) if self.relative_ci else None,
            "relative_ci_high": _round(self.relative_ci[1]) if self.relative_ci else None,
            "interval_method": self.method or None, "dispersion": _round(self.dispersion),
            "difference_from_expected": _round(self.expected_difference, 1), "wdq": _round(self.wdq),
            "verdict": self.verdict, "displacement": self.displacement or None, "summary": self.summary,
            "before_shortened": not self.complete, "warnings": list(self.warnings),
            "contamination": list(self.contamination),
            "baseline_relative": _round(self.baseline["relative"]) if self.baseline else None,
            "per_comparison_area": [{"area": c["name"], "relative": _round(c["relative"]), "verdict": c["verdict"]}
                                    for c in self.per_comparison],
        }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or not math.isfinite(value) else round(float(value), digits)


def _shape(geojson: str, cache: dict[str, Any] | None) -> Any:
    """A stored (WGS84) GeoJSON geometry in SWEREF 99 TM, transformed once per `cache` (one plan's follow-ups)."""
    if cache is None:
        return geo.shapes([geojson]).iloc[0]
    if geojson not in cache:
        cache[geojson] = geo.shapes([geojson]).iloc[0]
    return cache[geojson]


def _places(con: duckdb.DuckDBPyConnection, item: dict[str, Any], options: Options, shared: _Shared
            ) -> dict[str, Any]:
    """Target, buffer and comparison as SWEREF geometries, plus the area ids they consist of."""
    cache = shared.shapes
    areas = shared.frame(con, "SELECT id, code, geojson FROM active_areas")
    shapes = {row.id: _shape(row.geojson, cache) for row in areas.itertuples()}
    code_to_id = dict(zip(areas["code"], areas["id"], strict=True))
    own = item["geojson"] if isinstance(item["geojson"], str) and item["geojson"] else None
    target_ids = [code_to_id[c] for c in item["area_codes"] if c in code_to_id]
    target = _shape(own, cache) if own else unary_union([shapes[i] for i in target_ids])
    if options.buffer == "adjacent" and not own:
        near = [i for i, shape in shapes.items() if i not in target_ids and shape.buffer(1).intersects(target)]
        buffer = unary_union([shapes[i] for i in near]) if near else shapely.Polygon()
    else:
        buffer = target.buffer(options.ring_m).difference(target)
    if options.comparison:
        chosen = [code_to_id[c] for c in options.comparison if c in code_to_id]
        comparison = unary_union([shapes[i] for i in chosen]).difference(target).difference(buffer)
    else:
        comparison = unary_union(list(shapes.values())).difference(target).difference(buffer)
    every_area = shared.frame(con, "SELECT code, name FROM areas")
    names = dict(zip(every_area["code"], every_area["name"], strict=True))
    each = {names[c]: int(code_to_id[c]) for c in options.comparison if c in code_to_id} if len(
        options.comparison) > 1 else {}
    comparison_ids = ([code_to_id[c] for c in options.comparison if c in code_to_id] if options.comparison
                      else list(code_to_id.values()))
    return {"target": target, "buffer": buffer, "comparison": comparison, "each": each,
            "area_ids": {int(i) for i in code_to_id.values()}, "comparison_ids": {int(i) for i in comparison_ids}}


def _targeted(con: duckdb.DuckDBPyConnection, item: dict[str, Any]) -> tuple[Filters, str]:
    """What the intervention aims at, as filters (categories, else risk factors; weekdays; hours) and in Swedish."""
    number = item["id"]
    categories = queries.rows(con, "SELECT c.code, c.label FROM intervention_categories ic JOIN categories c"
                                   " ON c.id = ic.category_id WHERE ic.intervention_id = ? ORDER BY c.label",
                              [number])
    factors = [] if categories else queries.rows(
        con, "SELECT r.code, r.label FROM intervention_risk_factors ir JOIN risk_factors r"
             " ON r.id = ir.risk_factor_id WHERE ir.intervention_id = ? ORDER BY r.label", [number])
    given: Any = item.get("weekdays")  # a list or an array from the row: never tested for truth
    weekdays = tuple(sorted(int(d) for d in (given if given is not None else [])))
    first: Any = item.get("hour_from")
    last: Any = item.get("hour_to")
    hours = (0, 23) if any(h is None or h != h for h in (first, last)) else (int(first), int(last))
    spec = Filters(start=date(2000, 1, 1), end=date(2000, 1, 1), categories=tuple(c for c, _ in categories),
                   risk_factors=tuple(r for r, _ in factors), weekdays=weekdays, hour_from=hours[0],
                   hour_to=hours[1])
    if categories:
        text = ", ".join(label for _, label in categories)
    elif factors:
        text = "händelser med riskfaktor " + ", ".join(label.lower() for _, label in factors)
    else:
        text = "alla händelser"
    when = register.timing(weekdays, *hours)
    return spec, text + (f", {when}" if when else "")


def _windows(start: date, end: date, first: date) -> tuple[tuple[date, date], list[tuple[date, date]], bool]:
    """"Before" for an "after" from `start` to `end`, the earlier years' windows, and whether "before" had
    to be shortened to begin on `first`, the first day with data."""
    length = (end - start).days + 1
    if length <= 365:
        before = (shift_years(start, -1), shift_years(end, -1))
        earlier = [(shift_years(start, -k), shift_years(end, -k)) for k in range(2, EARLIER_YEARS + 2)]
    else:
        before = (start - timedelta(days=length), start - timedelta(days=1))
        earlier = []
    shortened = before[0] < first
    if shortened:
        before = (first, before[1])
    return before, [w for w in earlier if w[0] >= first], shortened


@dataclass
class _Prepared:
    """One intervention with everything known before its incidents are counted."""

    item: dict[str, Any]
    start: date
    last: date
    length: int
    before: tuple[date, date]
    after: tuple[date, date]
    earlier: list[tuple[date, date]]
    shortened: bool
    spec: Filters
    targeted: str
    places: dict[str, Any]
    gap: str
    windows: dict[str, tuple[date, date]]
    shared: _Shared


@dataclass(frozen=True)
class _Shared:
    """What every follow-up of one database reads alike: the data's range, the coverage table, the sources."""

    data_range: tuple[date, date] | None
    coverage_table: pd.DataFrame
    sources: tuple[str, ...]
    shapes: dict[str, Any] = field(default_factory=dict)   # GeoJSON -> SWEREF geometry, transformed once
    answers: dict[str, pd.DataFrame] = field(default_factory=dict)

    def frame(self, con: duckdb.DuckDBPyConnection, sql: str) -> pd.DataFrame:
        """A query without parameters that every follow-up asks alike, answered once per plan (or follow-up)."""
        if sql not in self.answers:
            self.answers[sql] = queries.frame(con, sql)
        return self.answers[sql]


def _shared(con: duckdb.DuckDBPyConnection, coverage_table: pd.DataFrame | None) -> _Shared:
    table = coverage.monthly(con) if coverage_table is None else coverage_table
    sources = tuple(code for (code,) in queries.rows(
        con, "SELECT DISTINCT s.code FROM incidents i JOIN sources s ON s.id = i.source_id WHERE i.x IS NOT NULL"))
    return _Shared(queries.data_range(con), table, sources)


def _prepare(con: duckdb.DuckDBPyConnection, intervention_id: int, options: Options, today: date | None,
             shared: _Shared) -> _Prepared:
    """The intervention, its periods, what it targets, its places and whether a source has a gap."""
    found = queries.frame(
        con,
        "SELECT iv.id, iv.name, iv.start_date, iv.end_date, iv.geojson, iv.weekdays, iv.hour_from, iv.hour_to,"
        " t.area_codes FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id"
        " WHERE iv.id = ?",
        [intervention_id])
    if found.empty:
        raise KeyError(f"no intervention with id {intervention_id}")
    item = found.iloc[0].to_dict()
    item["area_codes"] = list(item["area_codes"]) if item["area_codes"] is not None else []
    start = pd.Timestamp(item["start_date"]).date()
    first, last = shared.data_range or (start, start)
    last = min(last, today or last)
    end = last if pd.isna(item["end_date"]) else min(pd.Timestamp(item["end_date"]).date(), last)
    if options.days:   # a chosen number of days after the start, also past the end (did the effect last?)
        end = min(last, start + timedelta(days=options.days - 1))
    length = (end - start).days + 1
    after = (start, end if length > 0 else start)
    before, earlier, shortened = _windows(start, after[1], first)
    spec, targeted = _targeted(con, item)
    places = _places(con, item, options, shared)

    table, sources = shared.coverage_table, shared.sources
    gap = coverage.comparison_gap(table, [before, after], sources) if length > 0 and before[1] >= before[0] else ""
    earlier = [w for w in earlier if not coverage.comparison_gap(table, [w], sources)]

    windows = {"before": before, "after": after} | {f"earlier{k}": w for k, w in enumerate(earlier)}
    return _Prepared(item, start, last, length, after=after, before=before, earlier=earlier, shortened=shortened,
                     spec=spec, targeted=targeted, places=places, gap=gap, windows=windows, shared=shared)


def evaluate(con: duckdb.DuckDBPyConnection, intervention_id: int, options: Options | None = None,
             today: date | None = None, coverage_table: pd.DataFrame | None = None) -> Evaluation:
    """Follow up one intervention (`coverage_table`: `coverage.monthly(con)` when the caller has it)."""
    ready = _prepare(con, intervention_id, options or Options(), today, _shared(con, coverage_table))
    return _finish(con, ready, _tallied(con, ready.spec, ready.windows, ready.places))


def evaluate_all(con: duckdb.DuckDBPyConnection, intervention_ids: list[int], options: Options | None = None,
                 today: date | None = None, coverage_table: pd.DataFrame | None = None) -> dict[int, Evaluation]:
    """Follow up many interventions at once (the Åtgärdsplan): the same results as `evaluate` on each, with
    the incidents counted in one pass shared by all of them (and a small second one for points near a
    boundary) instead of two passes each. See `_plan_counts`."""
    options = options or Options()
    shared = _shared(con, coverage_table)
    ready = {number: _prepare(con, number, options, today, shared) for number in intervention_ids}
    if not ready:
        return {}
    counted = _plan_counts(con, ready)
    if counted is None:   # incidents outside every area: counted one intervention at a time, as `evaluate` does
        return {number: _finish(con, prepared, _tallied(con, prepared.spec, prepared.windows, prepared.places))
                for number, prepared in ready.items()}
    parts, points = counted
    return {number: _finish(con, prepared, _combined(parts.get(number), points.get(number), prepared.places,
                                                     list(prepared.windows)))
            for number, prepared in ready.items()}


def _finish(con: duckdb.DuckDBPyConnection, ready: _Prepared, groups: pd.DataFrame) -> Evaluation:
    """The evaluation from the counted incidents: counts, months, per comparison area, contamination, verdict."""
    item, before, after, earlier, places = ready.item, ready.before, ready.after, ready.earlier, ready.places
    totals = groups.groupby(["place", "window"])[["n", "key"]].sum()

    def tally(place: str, name: str) -> tuple[int, int]:
        if (place, name) not in totals.index:
            return 0, 0
        found = totals.loc[(place, name)]
        return int(found["n"]), combine_keys([found["key"]])

    counts = {p: (tally(p, "before")[0], tally(p, "after")[0]) for p in PLACES}
    count_keys = {p: (tally(p, "before")[1], tally(p, "after")[1]) for p in PLACES}
    names = [f"earlier{k}" for k in range(len(earlier))]
    earlier_counts = {p: [tally(p, n)[0] for n in names] for p in PLACES}
    earlier_keys = {p: [tally(p, n)[1] for n in names] for p in PLACES}

    shown_months = groups[groups["window"].isin(["before", "after"])]
    monthly, monthly_keys = _chart_months(shown_months, before, after)
    months, month_keys = _month_table(shown_months)

    each, each_keys = {}, {}
    for label, area_id in places["each"].items():
        inside = groups[(groups["place"] == "comparison") & (groups["area_id"] == area_id)]
        pairs = [inside[inside["window"] == name] for name in ("before", "after")]
        each[label] = (int(pairs[0]["n"].sum()), int(pairs[1]["n"].sum()))
        each_keys[label] = (combine_keys(pairs[0]["key"]), combine_keys(pairs[1]["key"]))
    facts = Facts(counts, earlier_counts, months, each)
    evaluation = Evaluation(int(item["id"]), item["name"], ready.start, before, after, ready.targeted, counts, None,
                            None, None, None, None, "", "", monthly=monthly, keys=count_keys,
                            monthly_keys=monthly_keys, length=ready.length, complete=not ready.shortened,
                            facts=facts, earlier_keys=earlier_keys, month_keys=month_keys, earlier_windows=earlier,
                            gap=ready.gap, each_keys=each_keys, whole_municipality=places["comparison"].area < 1.0,
                            finished=not pd.isna(item["end_date"]) and pd.Timestamp(item["end_date"]).date()
                            < ready.last)
    evaluation.contamination = _contamination(con, item, places, before, after, ready.shared)
    return _judge(evaluation, facts)


def judge(facts: Facts, before: tuple[date, date], after: tuple[date, date], *, name: str = "Insatsen",
          complete: bool = True) -> Evaluation:
    """Judge counts alone — the path `evaluate` takes once it has counted — for simulations and tests."""
    evaluation = Evaluation(0, name, after[0], before, after, "", facts.counts, None, None, None, None, None, "", "",
                            length=(after[1] - after[0]).days + 1, complete=complete, facts=facts)
    return _judge(evaluation, facts)


SQUARE_COLUMNS = ["place", "window", "month", "area_id", "n", "key"]


def _tallied(con: duckdb.DuckDBPyConnection, spec: Filters, windows: dict[str, tuple[date, date]],
             places: dict[str, Any]) -> pd.DataFrame:
    """The targeted incidents counted by place, window, month and area: columns place, window, month, area_id,
    n and key (their cell keys summed, lagesbild.protect).

    Counted in SQL by 250 m square first, so that only squares cut by a boundary bring their points into
    Python: a square wholly inside the target, the buffer or the comparison belongs to it as a whole. Each
    incident counts on the day its night began (Filters.day_sql), in the first window that holds that day."""
    where, params = spec.where(include_period=False)
    day, day_params = spec.day_sql()
    first, last = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    which = "CASE " + " ".join("WHEN d BETWEEN ? AND ? THEN ?" for _ in windows) + " END"
    which_params = [value for name, (low, high) in windows.items() for value in (low, high, name)]
    inner = ("SELECT " + day + " AS d, i.cell_250, i.area_id, i.cell_key, i.x, i.y FROM incidents i"
             " WHERE i.day BETWEEN ? AND ? AND i.x IS NOT NULL AND " + where)
    inner_params = [*day_params, first, last + timedelta(days=1) if spec.wraps else last, *params]
    windowed = "SELECT *, " + which + " AS w FROM (" + inner + ") WHERE d BETWEEN ? AND ?"
    windowed_params = [*which_params, *inner_params, first, last]
    squares = queries.frame(
        con, "SELECT cell_250 AS cell, w AS window, date_trunc('month', d) AS month, area_id, count(*) AS n,"
             " CAST(sum(cell_key) % " + str(KEY_SPACE) + " AS BIGINT) AS key FROM (" + windowed + ")"
             " WHERE w IS NOT NULL GROUP BY ALL", windowed_params)
    parts, cut = _classified(squares, places)
    points = None
    if cut:
        points = queries.frame(con, "SELECT w AS window, date_trunc('month', d) AS month, area_id, cell_key, x, y"
                                    " FROM (" + windowed + ") WHERE w IS NOT NULL AND list_contains(?, cell_250)",
                               [*windowed_params, cut])
    return _combined(parts, points, places)


def _classified(squares: pd.DataFrame, places: dict[str, Any]) -> tuple[pd.DataFrame | None, list[int]]:
    """Which counted squares (cell, window, month, area_id, n, key) belong wholly to a place, and which squares
    must be placed point by point: (the squares' rows that are placed, None when none were counted; the cut
    cells)."""
    if squares.empty:
        return None, []
    cells = squares["cell"].unique()
    east, north = geo.cell_corner(cells)
    boxes = shapely.box(east, north, east + 250, north + 250)
    # A square wholly inside the target or the buffer belongs to it; one that does not touch either belongs to
    # the comparison exactly when its incidents' area (point in area, fixed at import) is a comparison area.
    # Only squares a target or buffer boundary cuts — and incidents whose area is not one of this division's —
    # bring their points into Python.
    state = np.full(len(cells), "cut", dtype=object)
    near = shapely.union(places["target"], places["buffer"])
    shapely.prepare(near)
    state[~shapely.intersects(near, boxes)] = "away"
    for name in ("target", "buffer"):
        if not places[name].is_empty:
            shapely.prepare(places[name])
            state[(state == "cut") & shapely.contains(places[name], boxes)] = name
    squares = squares.assign(state=squares["cell"].map(dict(zip(cells.tolist(), state.tolist(), strict=True))))
    area = squares["area_id"]
    known = area.isin(list(places["area_ids"]))
    squares["place"] = np.where(squares["state"].isin(["target", "buffer"]), squares["state"],
                                np.where((squares["state"] == "away") & area.isin(list(places["comparison_ids"])),
                                         "comparison", ""))
    pointwise = (squares["state"] == "cut") | ((squares["state"] == "away") & ~known)
    cut = sorted({int(c) for c in squares.loc[pointwise, "cell"]})
    return squares[(squares["place"] != "") & ~pointwise], cut


def _combined(parts: pd.DataFrame | None, points: pd.DataFrame | None, places: dict[str, Any],
              windows: list[str] | None = None) -> pd.DataFrame:
    """The placed squares and the points of the cut squares (window, month, area_id, cell_key, x, y — or wi,
    the index of the window in `windows`), each point in the first place that holds it, summed by place,
    window, month and area (every later use sums n and key within those, so the sums are the same numbers on
    a few thousand rows instead of one per square or point)."""
    if parts is None:
        return pd.DataFrame(columns=SQUARE_COLUMNS)
    found = [parts[SQUARE_COLUMNS]]
    if points is not None and len(points):
        x, y = points["x"].to_numpy(float), points["y"].to_numpy(float)
        nowhere = len(PLACES)
        place = np.full(len(points), nowhere, dtype=np.int8)
        for index, name in enumerate(PLACES):  # in this order: a point belongs to the first that holds it
            open_ = np.flatnonzero(place == nowhere)
            if not places[name].is_empty and len(open_):
                place[open_[shapely.contains_xy(places[name], x[open_], y[open_])]] = index
        keep = place != nowhere
        if windows is not None:
            found.append(_summed_points(points, place, keep, windows))
            return _dated(pd.concat(found, ignore_index=True))
        window = "window"
        chosen = pd.DataFrame({"place": place[keep], window: points[window].to_numpy()[keep],
                               "month": points["month"].to_numpy()[keep],
                               "area_id": points["area_id"].array[keep],
                               "key": points["cell_key"].to_numpy(np.int64)[keep]})
        summed = chosen.groupby(["place", window, "month", "area_id"], dropna=False, sort=False).agg(
            n=("key", "size"), key=("key", "sum")).reset_index()
        summed["place"] = np.asarray(PLACES, dtype=object)[summed["place"].to_numpy(int)]
        found.append(summed.astype({"n": np.int64})[SQUARE_COLUMNS])
    together = pd.concat(found, ignore_index=True)
    if windows is None:   # one row per square: summed once here rather than in every later sum
        together = together.groupby(["place", "window", "month", "area_id"], dropna=False, sort=False)[
            ["n", "key"]].sum().reset_index()
    return _dated(together)


def _dated(groups: pd.DataFrame) -> pd.DataFrame:
    groups["month"] = pd.to_datetime(groups["month"])
    return groups


def _summed_points(points: pd.DataFrame, place: np.ndarray, keep: np.ndarray, windows: list[str]) -> pd.DataFrame:
    """The placed points (wi, month, area_id, cell_key) summed by place, window, month and area, in numpy."""
    month = points["month"].to_numpy()[keep]
    area = points["area_id"].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
    months, month_at = np.unique(month, return_inverse=True)
    areas, area_at = np.unique(area, return_inverse=True)   # NaN (no area) sorts last, as one value
    code = ((place[keep].astype(np.int64) * len(windows) + points["wi"].to_numpy(np.int64)[keep]) * len(months)
            + month_at.ravel()) * len(areas) + area_at.ravel()
    codes, at = np.unique(code, return_inverse=True)
    at = at.ravel()
    rest, area_index = np.divmod(codes, len(areas))
    rest, month_index = np.divmod(rest, len(months))
    place_index, window_index = np.divmod(rest, len(windows))
    keys = points["cell_key"].to_numpy(np.int64)[keep]
    return pd.DataFrame({
        "place": np.asarray(PLACES, dtype=object)[place_index],
        "window": np.asarray(windows, dtype=object)[window_index],
        "month": months[month_index],
        "area_id": pd.array(areas[area_index], dtype="Float64").astype(points["area_id"].dtype),
        "n": np.bincount(at, minlength=len(codes)).astype(np.int64),
        "key": np.bincount(at, weights=keys, minlength=len(codes)).astype(np.int64),  # exact below 2**53
    })


TARGET, BUFFER, AWAY, CUT = 0, 1, 2, 3   # a 250 m square's state against one intervention's places
STATE_PLACES = np.array(["target", "buffer", "", ""], dtype=object)


def _square_states(cells: np.ndarray, places: dict[str, Any]) -> np.ndarray:
    """Each 250 m square's state against the target and buffer, as `_classified` decides it."""
    east, north = geo.cell_corner(cells)
    boxes = shapely.box(east, north, east + 250, north + 250)
    state = np.full(len(cells), CUT, dtype=np.int8)
    near = shapely.union(places["target"], places["buffer"])
    shapely.prepare(near)
    state[~shapely.intersects(near, boxes)] = AWAY
    for name, code in (("target", TARGET), ("buffer", BUFFER)):
        if not places[name].is_empty:
            shapely.prepare(places[name])
            state[(state == CUT) & shapely.contains(places[name], boxes)] = code
    return state


def _plan_targets(con: duckdb.DuckDBPyConnection, ready: dict[int, _Prepared]) -> tuple[str, list[Any], int]:
    """What each intervention targets and its windows as one small table (one row per intervention and
    targeted category: every category when it targets risk factors or everything), to join the incidents
    with: its SQL, parameters and the number of window slots."""
    categories = dict(queries.rows(con, "SELECT code, id FROM categories"))
    factors = dict(queries.rows(con, "SELECT code, id FROM risk_factors"))
    slots = max(len(p.windows) for p in ready.values())
    columns: dict[str, list[Any]] = {name: [] for name in (
        "k", "cat", "by_risk", "risk", "wraps", "has_hours", "hour_from", "hour_to", "weekdays")}
    bounds: list[list[date | None]] = [[] for _ in range(2 * slots)]
    for number, prepared in ready.items():
        spec = prepared.spec
        chosen = [categories[c] for c in spec.categories if c in categories] if spec.categories else list(
            categories.values())
        risk = sum(1 << (factors[r] - 1) for r in set(spec.risk_factors) if r in factors)
        windows = list(prepared.windows.values())
        for category in chosen:
            for name, value in (("k", number), ("cat", category), ("risk", risk), ("wraps", spec.wraps),
                                ("by_risk", not spec.categories and bool(spec.risk_factors)),
                                ("has_hours", (spec.hour_from, spec.hour_to) != (0, 23)),
                                ("hour_from", spec.hour_from), ("hour_to", spec.hour_to),
                                ("weekdays", sorted(spec.weekdays))):
                columns[name].append(value)
            for slot in range(slots):
                low, high = windows[slot] if slot < len(windows) else (None, None)
                bounds[2 * slot].append(low)
                bounds[2 * slot + 1].append(high)
    kinds = {"k": "INTEGER", "cat": "SMALLINT", "by_risk": "BOOLEAN", "risk": "UBIGINT", "wraps": "BOOLEAN",
             "has_hours": "BOOLEAN", "hour_from": "INTEGER", "hour_to": "INTEGER", "weekdays": "INTEGER[]"}
    sql = "SELECT " + ", ".join(
        ["unnest(?::" + kinds[name] + "[]) AS " + name for name in columns]
        + ["unnest(?::DATE[]) AS " + ("lo" if j % 2 == 0 else "hi") + str(j // 2) for j in range(2 * slots)])
    return sql, [*columns.values(), *bounds], slots


def _windowed_by(slots: int, rows: str) -> str:
    """`rows` (an intervention's target columns from `_plan_targets` beside an incident's day, hour, weekday
    and risk_mask) kept where the intervention targets the incident, by the rules of `Filters.where` and
    `Filters.day_sql`, with the day it counts on (d) and the index of the first of the intervention's windows
    that holds it (wi), as `_tallied` counts them."""
    night = "r.wraps AND r.hour <= r.hour_to"
    inner = ("SELECT r.*, CASE WHEN " + night + " THEN r.day - 1 ELSE r.day END AS d FROM (" + rows + ") r"
             " WHERE (NOT r.by_risk OR (r.risk_mask & r.risk) <> 0)"
             " AND (len(r.weekdays) = 0 OR list_contains(r.weekdays, CASE WHEN " + night
             + " THEN (r.weekday + 5) % 7 + 1 ELSE r.weekday END))"
             " AND (NOT r.has_hours OR CASE WHEN r.hour_from <= r.hour_to"
             " THEN r.hour >= r.hour_from AND r.hour <= r.hour_to ELSE r.hour >= r.hour_from OR r.hour <= r.hour_to"
             " END)")
    which = "CASE " + " ".join("WHEN d BETWEEN lo" + str(j) + " AND hi" + str(j) + " THEN " + str(j)
                               for j in range(slots)) + " END"
    return "SELECT *, " + which + " AS wi FROM (" + inner + ")"


def _segments(ready: dict[int, _Prepared]) -> tuple[date, date, list[date]] | None:
    """The first and last day any window holds, and the days on which a stretch begins within which every
    intervention's window and the calendar month stay the same — or None when some intervention's nights
    wrap past midnight (then the day an incident counts on depends on its hour, and days are kept apart)."""
    if any(p.spec.wraps for p in ready.values()):
        return None
    first = min(w[0] for p in ready.values() for w in p.windows.values())
    last = max(w[1] for p in ready.values() for w in p.windows.values())
    starts = {first} | {low for p in ready.values() for low, _ in p.windows.values()} | {
        high + timedelta(days=1) for p in ready.values() for _, high in p.windows.values()}
    starts |= {m.date() for m in pd.date_range(first, last, freq="MS")}
    return first, last, sorted(d for d in starts if first <= d <= last)


def _plan_counts(con: duckdb.DuckDBPyConnection, ready: dict[int, _Prepared]
                 ) -> tuple[dict[int, pd.DataFrame], dict[int, pd.DataFrame]] | None:
    """Every intervention's targeted incidents counted by place, window, month and area, as `_tallied` does.

    Each 250 m square gets a state per intervention (inside the target, inside the buffer, away from both,
    or cut by a boundary); squares with the same states for every intervention form a class (about a hundred).
    One pass sums the incidents by category, class, area and stretch of days in which no window or month
    changes, spreads those sums to the interventions that target them and sums them again by place, window,
    month and area; a second pass brings the points of each intervention's cut squares into Python for
    point-in-polygon. Per intervention: the summed rows (columns of `_tallied`) and the points (wi, month,
    area_id, cell_key, x, y). None when some incident's area is not one of the division's: `_tallied` then
    places its whole square point by point, which is left to `_tallied` itself."""
    area_ids = sorted(next(iter(ready.values())).places["area_ids"])
    found = queries.frame(con, "SELECT i.cell_250 AS cell, bool_or(a.id IS NULL) AS unknown FROM incidents i"
                               " LEFT JOIN (SELECT unnest(?::INTEGER[]) AS id) a ON a.id = i.area_id"
                               " WHERE i.x IS NOT NULL AND i.cell_250 IS NOT NULL GROUP BY i.cell_250", [area_ids])
    if found["unknown"].any():
        return None
    numbers = list(ready)
    cells = found["cell"].to_numpy(np.int64)
    states = np.stack([_square_states(cells, ready[number].places) for number in numbers], axis=1)
    kinds, of_cell = np.unique(states, axis=0, return_inverse=True)
    of_cell = np.asarray(of_cell).ravel()

    targets, target_params, slots = _plan_targets(con, ready)
    hours = any(p.spec.wraps or (p.spec.hour_from, p.spec.hour_to) != (0, 23) for p in ready.values())
    weekdays = any(p.spec.weekdays for p in ready.values())
    factors = dict(queries.rows(con, "SELECT code, id FROM risk_factors"))
    risk_bits = sum({1 << (factors[r] - 1) for p in ready.values() if not p.spec.categories
                     for r in p.spec.risk_factors if r in factors})
    first = min(w[0] for p in ready.values() for w in p.windows.values())
    last = max(w[1] for p in ready.values() for w in p.windows.values()) + timedelta(days=1)
    segments = _segments(ready)
    if segments is None:
        day, day_join, day_params = "i.day", "", []
    else:
        begins = pd.DatetimeIndex(segments[2])
        every = pd.date_range(segments[0], segments[1], freq="D")
        which = np.searchsorted(begins.values, every.values, side="right") - 1
        day = "g.start"
        day_join = " JOIN (SELECT unnest(?::DATE[]) AS day, unnest(?::DATE[]) AS start) g ON g.day = i.day"
        day_params = [[d.date() for d in every], [begins[w].date() for w in which]]
    # Grouped only by what some intervention's targeting asks about (hours, weekdays, risk factors).
    grouped = ["i.category_id", "c.class", "i.area_id", day + " AS day"] + (["i.hour"] if hours else []) + (
        ["i.weekday"] if weekdays else []) + (["(i.risk_mask & ?::UBIGINT) AS risk_mask"] if risk_bits else [])
    constant = ([] if hours else ["NULL::TINYINT AS hour"]) + ([] if weekdays else ["NULL::TINYINT AS weekday"]) + (
        [] if risk_bits else ["CAST(0 AS UBIGINT) AS risk_mask"])
    base = ("SELECT *" + "".join(", " + column for column in constant) + " FROM (SELECT " + ", ".join(grouped)
            + ", count(*) AS n, sum(i.cell_key) AS key FROM incidents i JOIN (SELECT unnest(?::BIGINT[]) AS cell,"
            " unnest(?::INTEGER[]) AS class) c ON c.cell = i.cell_250" + day_join
            + " WHERE i.x IS NOT NULL AND i.day BETWEEN ? AND ? GROUP BY ALL)")
    base_params = [*([risk_bits] if risk_bits else []), cells.tolist(), of_cell.tolist(), *day_params, first, last]
    whole_class, whole_k = np.nonzero(kinds != CUT)
    class_states = "SELECT unnest(?::INTEGER[]) AS k, unnest(?::INTEGER[]) AS class, unnest(?::TINYINT[]) AS state"
    class_params = [np.asarray(numbers)[whole_k].tolist(), whole_class.tolist(), kinds[whole_class, whole_k].tolist()]
    rows = ("SELECT t.*, b.class, s.state, b.area_id, b.day, b.hour, b.weekday, b.risk_mask, b.n, b.key"
            " FROM (" + base + ") b JOIN (" + targets + ") t ON b.category_id = t.cat"
            " JOIN (" + class_states + ") s ON s.class = b.class AND s.k = t.k")
    summed = queries.frame(
        con, "SELECT k, wi, state, date_trunc('month', d) AS month, area_id, CAST(sum(n) AS BIGINT) AS n,"
             " CAST(sum(key) % " + str(KEY_SPACE) + " AS BIGINT) AS key FROM (" + _windowed_by(slots, rows) + ")"
             " WHERE wi IS NOT NULL GROUP BY ALL", [*base_params, *target_params, *class_params])
    parts: dict[int, pd.DataFrame] = {number: pd.DataFrame(columns=SQUARE_COLUMNS) for number in numbers}
    for number, part in summed.groupby("k", sort=False):
        prepared = ready[int(number)]
        state = part["state"].to_numpy(int)
        comparison = part["area_id"].isin(list(prepared.places["comparison_ids"])).to_numpy()
        place = np.where((state == AWAY) & comparison, "comparison", STATE_PLACES[state])
        names = np.asarray(list(prepared.windows), dtype=object)
        keep = place != ""
        parts[int(number)] = pd.DataFrame({
            "place": place[keep], "window": names[part["wi"].to_numpy(int)[keep]],
            "month": part["month"].to_numpy()[keep], "area_id": part["area_id"].array[keep],
            "n": part["n"].to_numpy(np.int64)[keep], "key": part["key"].to_numpy(np.int64)[keep]})

    cut_cell, cut_k = np.nonzero(states == CUT)
    if not len(cut_cell):
        return parts, {}
    cut = "SELECT unnest(?::INTEGER[]) AS k, unnest(?::BIGINT[]) AS cell"
    point_rows = ("SELECT t.*, i.area_id, i.cell_key, i.x, i.y, i.day, i.hour, i.weekday, i.risk_mask"
                  " FROM incidents i JOIN (" + cut + ") q ON q.cell = i.cell_250"
                  " JOIN (" + targets + ") t ON t.k = q.k AND t.cat = i.category_id"
                  " WHERE i.x IS NOT NULL AND i.day BETWEEN ? AND ?")
    found = queries.frame(con, "SELECT k, wi, date_trunc('month', d) AS month, area_id, cell_key, x, y FROM ("
                               + _windowed_by(slots, point_rows) + ") WHERE wi IS NOT NULL",
                          [np.asarray(numbers)[cut_k].tolist(), cells[cut_cell].tolist(), *target_params,
                           first, last])
    points = {int(number): rows for number, rows in found.groupby("k", sort=False)}
    return parts, points


def _chart_months(groups: pd.DataFrame, before: tuple[date, date], after: tuple[date, date]
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per month of "before" and "after" and place: counts and cell keys; months between the two periods are
    NaN, so the lines break there instead of joining a summer to the next summer."""
    if groups.empty:
        return pd.DataFrame(), pd.DataFrame()
    grouped = groups.groupby(["month", "place"])
    counts = grouped["n"].sum().unstack(fill_value=0)
    keys = (grouped["key"].sum() % KEY_SPACE).unstack(fill_value=0)
    months = pd.date_range(pd.Timestamp(before[0]).to_period("M").to_timestamp(),
                           pd.Timestamp(after[1]).to_period("M").to_timestamp(), freq="MS")
    inside = [(pd.Timestamp(before[0]).to_period("M").to_timestamp() <= m <= pd.Timestamp(before[1]))
              or (pd.Timestamp(after[0]).to_period("M").to_timestamp() <= m <= pd.Timestamp(after[1]))
              for m in months]
    counts = counts.reindex(months, fill_value=0).astype(float)
    counts[~np.asarray(inside)] = np.nan
    keys = keys.reindex(months, fill_value=0)
    return (counts.rename_axis("month").reset_index(), keys.rename_axis("month").reset_index())


def _month_table(groups: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per month of "before" and "after": target and comparison counts (and their cell keys)."""
    columns = ["month", "after", "target", "comparison"]
    if groups.empty:
        return pd.DataFrame(columns=columns), pd.DataFrame(columns=columns)
    groups = groups.assign(after=groups["window"] == "after")
    grouped = groups.groupby(["month", "after", "place"])
    counts = grouped["n"].sum().unstack(fill_value=0).reindex(columns=["target", "comparison"], fill_value=0)
    keys = (grouped["key"].sum() % KEY_SPACE).unstack(fill_value=0).reindex(columns=["target", "comparison"],
                                                                             fill_value=0)
    return counts.reset_index()[columns], keys.reset_index()[columns]


def dispersion(target: np.ndarray, comparison: np.ndarray, after: np.ndarray) -> tuple[float, int]:
    """Quasi-Poisson scale of the difference-in-differences model (place + month + place × period) and its
    degrees of freedom. Given each month's total, the target's count is binomial with one share per period;
    the Pearson chi-square around those shares over (months − 2) is the scale, floored at 1."""
    target, comparison, after = (np.asarray(a, dtype=float) for a in (target, comparison, after))
    total = target + comparison
    used = total > 0
    target, total, after = target[used], total[used], after[used].astype(bool)
    df = int(used.sum()) - 2
    if df < 1:
        return 1.0, 0
    chi = 0.0
    for period in (False, True):
        share = target[after == period].sum() / total[after == period].sum() if total[after == period].sum() else 0
        if 0 < share < 1:
            expected = total[after == period] * share
            chi += float((((target[after == period] - expected) ** 2) / (expected * (1 - share))).sum())
    return max(1.0, chi / df), df


def effect(tb: float, ta: float, cb: float, ca: float, scale: float = 1.0, df: int = 0) -> Effect | None:
    """The ratio of ratios (ta/tb)/(ca/cb) and its 95 % interval, allowing for a dispersion `scale` estimated
    on `df` degrees of freedom. None when the comparison has no incidents in one of the periods."""
    if not cb or not ca or tb + ta == 0:
        return None
    k = ca / cb                                   # the comparison's change
    if min(tb, ta) < EXACT_BELOW:
        # Exact conditional: given n = tb + ta, ta is binomial with share p = r·k / (1 + r·k) under ratio r.
        a, b = ta / scale, tb / scale
        low_p = stats.beta.ppf(0.025, a, b + 1) if a > 0 else 0.0
        high_p = stats.beta.ppf(0.975, a + 1, b) if b > 0 else 1.0
        low = low_p / (1 - low_p) / k
        high = math.inf if high_p >= 1 else high_p / (1 - high_p) / k
        relative = (ta / tb) / k if tb else math.inf
        return Effect(relative, low, high, "exact", scale)
    relative = (ta / tb) / k
    se = math.sqrt(scale * (1 / ta + 1 / tb + 1 / ca + 1 / cb))
    critical = stats.t.ppf(0.975, df) if scale > 1 and df >= 1 else 1.959964
    return Effect(relative, relative * math.exp(-critical * se), relative * math.exp(critical * se), "quasi-poisson",
                  scale)


def as_shown(evaluation: Evaluation, shown: Disclosure) -> Evaluation:
    """The follow-up as a viewer may see it: every count moved by its cell key, small ones hidden, and the
    ratios, interval, WDQ and verdict recomputed from moved counts — never from the exact ones, from which
    a ratio next to a shown count would give back a hidden number."""
    if not shown.viewer or evaluation.facts is None:
        return evaluation
    facts = evaluation.facts
    moved = {place: _floats(shown.moved(facts.counts[place], evaluation.keys[place])) for place in PLACES}
    earlier = {place: [float(v) for v in shown.moved(facts.earlier[place], evaluation.earlier_keys[place])]
               for place in PLACES}
    each = {label: _floats(shown.moved(pair, evaluation.each_keys[label])) for label, pair in facts.each.items()}
    months = facts.months.copy()
    for place in ("target", "comparison"):
        if len(months):
            months[place] = shown.moved(months[place], evaluation.month_keys[place])
    judged = Evaluation(**{**evaluation.__dict__, "warnings": [], "protected": True,
                           "hidden_label": shown.hidden_label})
    judged = _judge(judged, Facts(moved, earlier, months, each))
    judged.counts = {place: (shown.count(b, evaluation.keys[place][0]), shown.count(a, evaluation.keys[place][1]))
                     for place, (b, a) in evaluation.counts.items()}
    judged.facts = None
    monthly = evaluation.monthly.copy()
    for place in PLACE_LABELS:
        if place in monthly:
            monthly[place] = shown.counts(monthly[place], evaluation.monthly_keys[place])
    judged.monthly = monthly
    if judged.baseline:
        judged.baseline = {**judged.baseline, "target": "–", "comparison": "–"}
    hidden = any(math.isnan(value) for pair in judged.counts.values() for value in pair)
    if hidden:
        judged.rate_ratio = judged.relative = judged.relative_ci = judged.expected_difference = judged.wdq = None
        judged.displacement = ""
        if judged.verdict in ("minskning", "ökning", "ingen skillnad", "för få"):
            judged.summary = (f"{_verdict_sentence(judged.verdict)} Några av talen är för små för att visas "
                              "(”<5”), därför visas ingen förändring i procent.")
    return judged


def _floats(pair: Any) -> tuple[float, float]:
    before, after = (float(v) for v in pair)
    return before, after


def _verdict_sentence(verdict: str) -> str:
    return {"minskning": "Säker minskning mot jämförelseområdena.",
            "ökning": "Ökning mot jämförelseområdena, mer än slumpen förklarar.",
            "ingen skillnad": "Ingen säker skillnad mot jämförelseområdena.",
            "för få": "För få händelser för att säga något säkert."}[verdict]


def _interval(result: Effect) -> str:
    high = "obegränsat" if not math.isfinite(result.high) else formatting.percent(100 * (result.high - 1))
    return f"95 % intervall {formatting.percent(100 * (result.low - 1))} till {high}"


def _change(relative: float) -> str:
    return "–" if not math.isfinite(relative) else formatting.percent(100 * (relative - 1))


def _judge(evaluation: Evaluation, facts: Facts) -> Evaluation:
    """Verdict, numbers and the one summary sentence from the counts in `facts` (exact or moved)."""
    e = evaluation
    (tb, ta), (bb, ba), (cb, ca) = (facts.counts[p] for p in PLACES)
    e.rate_ratio = ta / tb if tb else None
    e.relative = e.relative_ci = e.expected_difference = e.wdq = e.baseline = None
    e.displacement, e.method, e.dispersion, e.per_comparison = "", "", 1.0, []
    e.expected_difference = ta - tb * (ca / cb) if cb else None
    notes: list[str] = list(e.warnings)
    if not e.complete:
        notes.append(f"Perioden före är förkortad: den börjar {formatting.day(e.before[0])}, första dagen med "
                     "data, i stället för ett helt år före.")
    name = e.name
    before_days = (e.before[1] - e.before[0]).days + 1
    if e.length <= 0:
        e.verdict, e.summary = "för tidigt", f"{name} har inte startat ännu, eller det finns inga data efter starten."
    elif e.length < MIN_AFTER_DAYS and not e.finished:
        e.verdict, e.summary = "för tidigt", (f"{name} startade för nyligen: det finns bara {e.length} dagar med "
                                              "data efter starten.")
    elif e.gap:
        e.verdict = "saknar data"
        e.summary = f"Ingen bedömning: {e.gap}, så perioderna före och efter går inte att jämföra."
    elif not e.complete and before_days < MIN_BEFORE_DAYS:
        e.verdict = "för få"
        e.summary = (f"Det finns bara {max(before_days, 0)} dagar med data före starten: för lite att jämföra med.")
    elif cb + ca == 0:
        e.verdict = "ingen jämförelse"
        e.summary = ("Det finns inget jämförelseområde: insatsen omfattar hela kommunen. Välj jämförelseområden "
                     "eller jämför med andra kommuner." if e.whole_municipality else
                     "Jämförelseområdet har inga händelser av det slag insatsen riktar sig mot under perioderna, "
                     "så det finns inget att jämföra med. Välj andra jämförelseområden eller en längre period.")
    elif tb + ta < MIN_EVENTS or not cb or not ca:
        e.verdict = "för få"
        e.summary = (f"För få händelser för att säga något säkert ({formatting.number(tb)} före och "
                     f"{formatting.number(ta)} efter i insatsområdet). "
                     + ("Välj fler dagar efter starten för att få fler händelser att jämföra." if e.finished
                        else "Följ upp igen när mer tid har gått."))
    else:
        months = facts.months
        scale, df = dispersion(months["target"], months["comparison"], months["after"]) if len(months) else (1.0, 0)
        result = cast(Effect, effect(tb, ta, cb, ca, scale, df))   # both periods have comparison incidents here
        e.relative, e.relative_ci = result.relative, (result.low, result.high)
        e.method, e.dispersion = result.method, result.dispersion
        judged = result
        baseline: dict[str, Any] = {}
        earlier = _against_earlier(facts, scale)
        high_before = earlier is not None and earlier[2] >= HIGH_BEFORE_Z
        disagree = earlier is not None and result.verdict != "ingen skillnad" and earlier[0].verdict != result.verdict
        if earlier is not None and (high_before or disagree):
            judged, typical, _ = earlier
            years = len(facts.earlier["target"])
            e.baseline = baseline = {"relative": judged.relative, "low": judged.low, "high": judged.high, "years": years,
                                     "typical": typical}
        if high_before:
            notes.append(f"Perioden före var ovanligt hög: {formatting.number(tb)} händelser mot i genomsnitt "
                         f"{formatting.number(baseline['typical'], 0)} samma tid de {baseline['years']} åren "
                         "innan. En minskning efteråt kan då delvis vara en återgång till det vanliga (regression "
                         "mot medelvärdet), så bedömningen görs mot snittet för de tidigare åren.")
        e.verdict = "ingen skillnad" if disagree and not high_before else judged.verdict
        if earlier is None and e.verdict == "minskning":
            notes.append("Det finns inga tidigare år med data för samma tid, så det går inte att pröva om perioden "
                         "före var ovanligt hög. Valdes platsen efter ett dåligt år kan minskningen delvis vara en "
                         "återgång till det vanliga (regression mot medelvärdet).")
        if high_before:
            e.summary = (f"{VERDICT_LABELS[e.verdict]}: {_change(judged.relative)} mot snittet för de "
                         f"{baseline['years']} tidigare åren, jämfört med jämförelseområdena ({_interval(judged)}). "
                         f"Mot året före: {_change(result.relative)}.")
        elif disagree:
            e.summary = (f"Ingen säker skillnad: mot perioden före {_change(result.relative)} ({_interval(result)}), "
                         f"men mot snittet för de {baseline['years']} åren innan {_change(judged.relative)} "
                         f"({_interval(judged)}). Förändringen håller inte mot flera års nivå.")
        elif e.verdict == "minskning":
            e.summary = (f"Säker minskning: {_change(result.relative)} i insatsområdet jämfört med "
                         f"jämförelseområdena ({_interval(result)}); {formatting.number(abs(e.expected_difference or 0), 0)} "
                         "färre händelser än jämförelseområdenas utveckling ger anledning att vänta.")
        elif e.verdict == "ökning":
            e.summary = (f"Ökning: {_change(result.relative)} i insatsområdet jämfört med jämförelseområdena "
                         f"({_interval(result)}), mer än slumpen förklarar.")
        else:
            e.summary = (f"Ingen säker skillnad mot jämförelseområdena ({_change(result.relative)}, "
                         f"{_interval(result)}: kan vara slump); insatsen kan inte sägas ha fungerat eller inte "
                         "fungerat ännu.")
        for label, (each_b, each_a) in facts.each.items():
            against = effect(tb, ta, each_b, each_a, scale, df)
            e.per_comparison.append({"name": label, "relative": against.relative if against else None,
                                     "low": against.low if against else None,
                                     "high": against.high if against else None,
                                     "verdict": against.verdict if against else "för få"})
        if len({c["verdict"] for c in e.per_comparison} | {result.verdict}) > 1:
            notes.append("Resultatet skiljer sig mellan jämförelseområdena (se tabellen): det beror på vilket "
                         "område man jämför med, så tolka det försiktigt.")
        if e.verdict == "minskning" and ca and cb and (ta / ca - tb / cb) != 0:
            e.wdq = (ba / ca - bb / cb) / (ta / ca - tb / cb)   # only when the target fell
            buffer_change = compare_counts(int(round(ba)), int(round(bb)), exposure_ratio=ca / cb)
            if bb + ba >= MIN_EVENTS // 2:
                if e.wdq < -0.1 and buffer_change.verdict == "ökning":
                    e.displacement = "förflyttning"
                    e.summary += (f" Men händelserna i närområdet ökade (förflyttningstal {formatting.number(e.wdq, 2)}): tecken "
                                  "på förflyttning" + (", större än vinsten." if e.wdq < -1 else "."))
                elif e.wdq > 0.1 and buffer_change.verdict == "minskning":
                    e.displacement = "spridning av nytta"
                    e.summary += f" Även närområdet minskade (förflyttningstal {formatting.number(e.wdq, 2)}): nyttan spred sig."
    if e.contamination and e.verdict not in ("för tidigt", "saknar data"):
        notes.append(f"Andra insatser mot samma problem under perioderna, {'; '.join(e.contamination)}. De kan "
                     "ha påverkat resultatet: i insatsområdet kan de ha bidragit till förändringen, i "
                     "jämförelseområdet kan de dölja den.")
    e.warnings = notes
    return e


def _against_earlier(facts: Facts, scale: float) -> tuple[Effect, float, float] | None:
    """The effect against the same dates in the earlier years (the multi-year baseline), the target's typical
    count at the comparison's present level, and how unusually high "before" was against it (a z score,
    allowing for the dispersion). None without earlier years or counts."""
    years = len(facts.earlier.get("target", []))
    (tb, ta), (cb, ca) = facts.counts["target"], facts.counts["comparison"]
    earlier_t, earlier_c = sum(facts.earlier.get("target", [])), sum(facts.earlier.get("comparison", []))
    if not years or not tb or not cb or not earlier_t or not earlier_c:
        return None
    typical = earlier_t / years * (cb / (earlier_c / years))     # the target's usual level at this level overall
    z = math.log(tb / typical) / math.sqrt(scale * (1 / tb + 1 / earlier_t + 1 / cb + 1 / earlier_c))
    against = effect(earlier_t, ta, earlier_c, ca, scale, 0)
    return (against, earlier_t / years, z) if against else None


def _contamination(con: duckdb.DuckDBPyConnection, item: dict[str, Any], places: dict[str, Any],
                   before: tuple[date, date], after: tuple[date, date], shared: _Shared) -> list[str]:
    """Other interventions on the same problem (a shared category or risk factor) whose place meets the target,
    buffer or comparison and whose period meets "before" or "after": 'Namn (jämförelseområdet, efter)'."""
    cache = shared.shapes
    every = shared.frame(
        con,
        "SELECT iv.id, iv.name, iv.start_date, iv.end_date, iv.geojson, t.area_shapes AS shapes,"
        " t.category_codes AS categories, t.risk_factor_codes AS risk_factors"
        " FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id"
        " ORDER BY iv.start_date, iv.name")
    mine = every[every["id"] == item["id"]].iloc[0]
    own = (mine["categories"], mine["risk_factors"])
    starts = pd.to_datetime(every["start_date"]).dt.date
    ends = pd.to_datetime(every["end_date"]).dt.date.where(every["end_date"].notna(), after[1])
    others = every[(every["id"] != item["id"]) & (starts <= after[1]) & (ends >= before[0])]
    found: dict[str, list[str]] = {p: [] for p in PLACES}
    for other in others.itertuples():
        same = set(other.categories) & set(own[0]) or set(other.risk_factors) & set(own[1])
        if not same:
            continue
        if isinstance(other.geojson, str) and other.geojson:
            shape = _shape(other.geojson, cache)
        elif len(other.shapes):
            shape = unary_union([_shape(g, cache) for g in other.shapes])
        else:
            continue
        first, last = pd.Timestamp(other.start_date).date(), (
            after[1] if pd.isna(other.end_date) else pd.Timestamp(other.end_date).date())
        when = [label for label, (low, high) in (("före", before), ("efter", after)) if first <= high and last >= low]
        for place in PLACES:
            if (when and not places[place].is_empty and shape.intersects(places[place])
                    and shape.intersection(places[place]).area > 1.0):  # more than touching
                found[place].append(f"{other.name} ({' och '.join(when)})")
    return [f"i {CONTAMINATION_PLACES[p]}: {', '.join(names)}" for p, names in found.items() if names]


CONTAMINATION_PLACES = {"target": "insatsområdet", "buffer": "närområdet", "comparison": "jämförelseområdet"}


VERDICT_LABELS = {"minskning": "Säker minskning", "ökning": "Ökning", "ingen skillnad": "Ingen säker skillnad",
                  "för få": "För få händelser", "för tidigt": "För tidigt", "ingen jämförelse": "Ingen jämförelse",
                  "saknar data": "Saknar data"}
SPREAD_HELP = ("Förflyttningstalet (på engelska weighted displacement quotient, WDQ, efter Bowers och Johnson) "
               "räknas bara när insatsområdet minskade. Det jämför förändringen i närområdet med förändringen i "
               "insatsområdet, båda mot jämförelseområdet: under 0 tyder på att brottsligheten flyttade till "
               "närområdet, över 0 på att nyttan spred sig dit.")
PLACE_LABELS = {"target": "Insatsområdet", "buffer": "Närområdet", "comparison": "Jämförelseområdet"}


def table(evaluation: Evaluation) -> pd.DataFrame:
    """Counts before and after per place and each place's change per day (the periods may differ in length), as
    a Swedish table with numbers as numbers (NaN, written "<5", where a viewer's count is hidden)."""
    e = evaluation
    before_days = max((e.before[1] - e.before[0]).days + 1, 1)
    after_days = max((e.after[1] - e.after[0]).days + 1, 1)
    rows = []
    for place, label in PLACE_LABELS.items():
        before, after = e.counts[place]
        change = math.nan
        if before == before and after == after and before:
            change = 100 * ((after / after_days) / (before / before_days) - 1)
        rows.append({"Plats": label, "Före": float(before), "Efter": float(after), "Förändring per dag": change})
    return formatting.with_formats(pd.DataFrame(rows), {
        "Före": formatting.count_format(e.hidden_label), "Efter": formatting.count_format(e.hidden_label),
        "Förändring per dag": formatting.CHANGE_FORMAT})


def comparisons(evaluation: Evaluation) -> pd.DataFrame:
    """The comparisons the verdict rests on: the intervention area against the comparison areas (together and
    one by one) or against earlier years, each with its change, verdict and 95 % interval."""
    e = evaluation
    rows = []

    def add(label: str, relative: float | None, low: float, high: float, verdict: str | None) -> None:
        if relative is None:
            rows.append({"Jämförelse": label, "Förändring": math.nan, "Bedömning": "för få händelser",
                         "95 % intervall": "–"})
            return
        rows.append({"Jämförelse": label,
                     "Förändring": 100 * (relative - 1) if math.isfinite(relative) else math.nan,
                     "Bedömning": formatting.VERDICTS.get(verdict or "", verdict or "–"),
                     "95 % intervall": _interval(Effect(relative, low, high, "")).removeprefix("95 % intervall ")})

    if e.relative is not None and e.relative_ci is not None:
        add("Insatsområdet mot jämförelseområdet", e.relative, *e.relative_ci, None if e.baseline else e.verdict)
    for each in e.per_comparison:
        add(f"Insatsområdet mot {each['name']}", each["relative"], each["low"], each["high"], each["verdict"])
    if e.baseline:
        add(f"Insatsområdet mot snittet för {e.baseline['years']} tidigare år", e.baseline["relative"],
            e.baseline["low"], e.baseline["high"], e.verdict)
    frame = pd.DataFrame(rows, columns=["Jämförelse", "Förändring", "Bedömning", "95 % intervall"])
    return formatting.with_formats(frame, {"Förändring": formatting.CHANGE_FORMAT})


def verdict_text(evaluation: Evaluation) -> str:
    """The verdict sentence with its label first, never twice ("Säker minskning: −72 % …")."""
    label = VERDICT_LABELS[evaluation.verdict]
    return evaluation.summary if evaluation.summary.startswith(label) else f"{label}. {evaluation.summary}"


def method_text(evaluation: Evaluation) -> str:
    """How the interval was computed, in one Swedish sentence ('' when there is none)."""
    if evaluation.method == "exact":
        return ("Intervallet kommer från ett exakt test, eftersom antalen är små"
                + (f" (och tar hänsyn till att talen varierar {formatting.number(evaluation.dispersion, 1)} gånger "
                   "mer än slumpen ger)." if evaluation.dispersion > 1 else ")."))
    if evaluation.method == "quasi-poisson":
        if evaluation.dispersion > 1:
            return (f"Månadstalen varierar {formatting.number(evaluation.dispersion, 1)} gånger mer än ren slump "
                    "ger (överspridning); intervallet är breddat för det.")
        return "Månadstalen varierar inte mer än slumpen ger; intervallet bygger på det."
    return ""


def chart(evaluation: Evaluation) -> go.Figure:
    """Monthly targeted incidents per place, with the start marked."""
    figure = go.Figure()
    colours = {"target": "#b2182b", "buffer": "#ef8a62", "comparison": "#969696"}
    for place, label in PLACE_LABELS.items():
        if not evaluation.monthly.empty and place in evaluation.monthly:
            figure.add_scatter(x=evaluation.monthly["month"], y=evaluation.monthly[place], mode="lines+markers",
                               name=label, line={"color": colours[place]},
                               customdata=charts.month_labels(evaluation.monthly["month"]),
                               hovertemplate=f"%{{customdata}}: %{{y}} ({label.lower()})<extra></extra>",
                               yaxis="y2" if place == "comparison" else "y")
    for label, (low, high) in (("Före", evaluation.before), ("Efter", evaluation.after)):
        if high >= low:
            figure.add_vrect(x0=pd.Timestamp(low), x1=pd.Timestamp(high), fillcolor="#bdbdbd" if label == "Före"
                             else "#fdd49e", opacity=0.25, line_width=0, layer="below", annotation_text=label,
                             annotation_position="top left")
    figure.add_vline(x=pd.Timestamp(evaluation.start).timestamp() * 1000, line_dash="dash", line_color="#333")
    figure.add_annotation(x=pd.Timestamp(evaluation.start), y=0, yref="paper", yanchor="bottom", text="Start",
                          showarrow=False,
                          xanchor="left")
    figure.update_layout(height=340, margin={"l": 10, "r": 10, "t": 20, "b": 10},
                         yaxis={"title": "Insats- och närområdet"},
                         yaxis2={"title": "Jämförelseområdet", "overlaying": "y", "side": "right"},
                         legend={"orientation": "h", "y": -0.2}, separators=", ")
    shown = [pd.Timestamp(d) for d in (*evaluation.before, *evaluation.after)]
    if not evaluation.monthly.empty:
        shown += [pd.Timestamp(evaluation.monthly["month"].min()), pd.Timestamp(evaluation.monthly["month"].max())]
    charts.swedish_date_axis(figure, min(shown), max(shown))
    return figure
