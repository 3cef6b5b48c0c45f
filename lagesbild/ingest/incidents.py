"""Turning a table of incidents into rows ready to store, and a list of problems for every row that is not.

Work is vectorised over columns (pandas), with a per-value fallback only for the odd value, so a
million-row export is checked in seconds. Every row ends up in exactly one of three places: ready to store,
rejected (with at least one problem naming row, column, value and reason), or left out on purpose (a
category outside the situation picture), and the counts of the three add up to the rows read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from lagesbild import formatting, geo, vocabulary
from lagesbild.ingest import guard
from lagesbild.ingest.columns import FIELD_LABELS, INCIDENT_FIELDS, guess_mapping, signature
from lagesbild.ingest.context import Context
from lagesbild.ingest.limits import EARLIEST_DATE
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.tables import Table
from lagesbild.ingest.values import MISSING, RE2_SPACE, classify_pairs, normalise, parse_datetime

COORDINATE_PAIRS = (("lon", "lat"), ("east", "north"), ("x", "y"))
_SPLIT = re.compile(r"\s*[,;|/]\s*")


@dataclass
class Prepared:
    """The outcome of checking a file, before anything is written."""

    kind: str
    file_name: str
    rows_read: int
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)
    ignored: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)
    mapping: dict[str, str | None] = field(default_factory=dict)
    source_key: str | None = None
    table: Table | None = None
    covers: tuple[date, date] | None = None                       # (first, last day) of the file as a whole
    covers_sources: list[int] = field(default_factory=list)       # sources it covers, stored rows or not
    placement: dict[str, int] = field(default_factory=dict)       # police events: placed/ambiguous/none by name

    @property
    def rows_ignored(self) -> int:
        return sum(self.ignored.values())


class _Rows:
    """Collects row problems while the columns are checked."""

    def __init__(self, table: Table, frame: pd.DataFrame) -> None:
        self.table = table
        self.numbers = np.asarray(table.row_numbers)
        self.bad = np.zeros(len(frame), bool)
        self.problems: list[Problem] = []

    def flag(self, where: np.ndarray, column: str | None, values: pd.Series | None, code: str,
             detail: str = "") -> None:
        for index in np.flatnonzero(where):
            value = None if values is None else str(values.iloc[index])
            self.problems.append(Problem(self.table.file_name, int(self.numbers[index]), column, value, code,
                                         detail))
        self.bad |= where


def _map_unique(values: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`values.map(function)`, calling `function` once per distinct value (exports repeat their values)."""
    codes, distinct = pd.factorize(values)
    if (codes < 0).any():  # a missing value: no table cell is one, but map() knows what to do with it
        return values.map({value: function(value) for value in values.unique()})
    mapped = np.empty(len(distinct), dtype=object)
    mapped[:] = [function(value) for value in distinct]
    return pd.Series(mapped[codes], index=values.index)


def _missing(values: pd.Series) -> np.ndarray:
    missing: np.ndarray = values.str.strip().str.lower().isin(MISSING).to_numpy()
    return missing


def parse_datetimes(dates: pd.Series, times: pd.Series | None
                    ) -> tuple[pd.Series, np.ndarray, np.ndarray, np.ndarray]:
    """Local times, whether each has a time of day, which values could not be read, and which lie before
    EARLIEST_DATE (left as NaT: pandas cannot hold the year 1, and no such date is real)."""
    text = dates.str.strip()
    if times is not None:
        clock = times.str.strip().str.replace(".", ":", regex=False)
        has_clock = ~_missing(times)
        no_time_in_date = ~text.str.contains(r"\d[ T]\d", regex=True).to_numpy()
        join = has_clock & no_time_in_date
        text = text.where(~join, text + " " + clock)
    has_time = text.str.contains(r"\d[ T]\d", regex=True).to_numpy()
    parsed = pd.to_datetime(text, format="%Y-%m-%d %H:%M", errors="coerce")
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        todo = parsed.isna()
        if todo.any():
            parsed[todo] = pd.to_datetime(text[todo], format=form, errors="coerce")
    bad = np.zeros(len(text), bool)
    early = np.zeros(len(text), bool)
    for index in np.flatnonzero(parsed.isna().to_numpy() & ~_missing(dates)):
        try:
            value, known = parse_datetime(text.iloc[index])
        except (ValueError, OverflowError):
            bad[index] = True
            continue
        if value.date() < EARLIEST_DATE:
            early[index] = True
            continue
        parsed.iloc[index] = value
        has_time[index] = known
    return parsed, has_time, bad, early


def _coordinates(frame: pd.DataFrame, mapping: dict[str, str | None]) -> tuple[pd.Series, pd.Series, str] | None:
    for first, second in COORDINATE_PAIRS:
        one, other = mapping.get(first), mapping.get(second)
        if one and other:
            return frame[one], frame[other], f"{one}/{other}"
    column = mapping.get("coordinates")
    if column:
        parts = frame[column].str.replace(";", ",", regex=False).str.split(",", n=1, expand=True)
        if parts.shape[1] == 2:
            return parts[0].fillna(""), parts[1].fillna(""), column
    return None


def _numbers(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Numbers with decimal comma or point; (values, unreadable mask). Missing values are NaN and not bad."""
    # Every space removed (what Python's `\s` matches, in RE2 spelled out), decimal comma read as a point.
    text = pa.array(values, pa.string())
    cleaned = pc.replace_substring(pc.replace_substring_regex(text, RE2_SPACE, ""), ",", ".")
    numbers = pd.to_numeric(pd.Series(pd.array(cleaned, dtype="string")), errors="coerce").to_numpy(float)
    bad = np.isnan(numbers) & ~_missing(values)
    return numbers, bad


def prepare_incidents(table: Table, ctx: Context, mapping: dict[str, str | None] | None = None,
                      source: str | None = None) -> Prepared:
    """Check every row of an incident table; raise FileRefusedError for problems that stop the whole file."""
    name = table.file_name
    mapping = {**guess_mapping(table.headers, INCIDENT_FIELDS), **(mapping or {})}
    for chosen in mapping.values():
        if chosen and chosen not in table.headers:
            raise FileRefusedError(Problem(name, None, chosen, None, "missing_column", chosen))
    date_column, category_column = mapping.get("date"), mapping.get("category")
    if not date_column:
        raise FileRefusedError(Problem(name, None, None, None, "missing_column", FIELD_LABELS["date"]))
    if not category_column:
        raise FileRefusedError(Problem(name, None, None, None, "missing_column", FIELD_LABELS["category"]))
    if not (_has_coordinates(mapping) or mapping.get("area")):
        raise FileRefusedError(Problem(name, None, None, None, "missing_column", "koordinater eller område"))
    guard.check(table, skip_name_check={h for f, h in mapping.items()
                                        if h and f in ("category", "area", "source", "risk_factors", "place")})
    if not table.row_count:
        raise FileRefusedError(Problem(name, None, None, None, "no_rows"))

    frame = table.frame()
    rows = _Rows(table, frame)
    if table.short_rows:
        short = dict(table.short_rows)
        rows.flag(np.isin(rows.numbers, list(short)), None, None, "short_row",
                  str(min(short.values())))
    for number, found in table.long_rows or []:
        rows.flag(rows.numbers == number, None, None, "long_row", str(found))

    source_id = _sources(frame, mapping, source, ctx, rows)
    local, has_time, bad_date, too_early = parse_datetimes(frame[mapping["date"]],
                                                frame[mapping["time"]] if mapping.get("time") else None)
    date_column = mapping["date"]
    rows.flag(_missing(frame[date_column]), date_column, frame[date_column], "missing_value")
    rows.flag(bad_date, date_column, frame[date_column], "bad_date")
    future = (local > pd.Timestamp(datetime.now())).fillna(False).to_numpy()
    rows.flag(future, date_column, frame[date_column], "future_date")
    early = (local < pd.Timestamp(EARLIEST_DATE)).fillna(False).to_numpy() | too_early
    rows.flag(early, date_column, frame[date_column], "date_too_early", EARLIEST_DATE.isoformat())

    unknown: dict[str, dict[str, int]] = {}
    category_id, ignored_mask, ignored = _categories(frame[category_column], ctx, rows, category_column, unknown)
    risk_mask = _risk_masks(frame, mapping.get("risk_factors"), ctx, rows, unknown)
    place = _places(frame, mapping, ctx, rows)

    keep = ~rows.bad & ~ignored_mask
    external = frame[mapping["external_id"]].str.strip() if mapping.get("external_id") else pd.Series(
        [""] * len(frame), dtype="string")
    out = pd.DataFrame({
        "row": rows.numbers,
        "source_id": source_id,
        "external_id": external.where(external != "", None),
        "local_time": local,
        "has_time": has_time,
        "category_id": category_id,
        "area_id": place["area_id"],
        "lon": place["lon"], "lat": place["lat"], "x": place["x"], "y": place["y"],
        "precision": place["precision"],
        "risk_mask": risk_mask,
    })
    if ctx.store_free_text and mapping.get("description"):
        out["description"] = frame[mapping["description"]].where(frame[mapping["description"]] != "", None)
    else:
        out["description"] = None
    out = out[keep].reset_index(drop=True)
    return Prepared(
        kind="incidents", file_name=name, rows_read=len(frame), frame=out, problems=rows.problems,
        rejected_rows=set(rows.numbers[rows.bad].tolist()), ignored=ignored, unknown=unknown,
        mapping=mapping, source_key=signature(table.headers), table=table,
    )


def _has_coordinates(mapping: dict[str, str | None]) -> bool:
    return bool(mapping.get("coordinates")) or any(mapping.get(a) and mapping.get(b) for a, b in COORDINATE_PAIRS)


def _sources(frame: pd.DataFrame, mapping: dict[str, str | None], source: str | None, ctx: Context,
             rows: _Rows) -> np.ndarray:
    name = rows.table.file_name
    default = None
    if source is not None:
        default = ctx.sources.get(normalise(source))
        if default is None:
            raise FileRefusedError(Problem(name, None, None, source, "unknown_source", source))
    if not mapping.get("source"):
        if default is None:
            raise FileRefusedError(Problem(name, None, None, None, "no_source"))
        return np.full(len(frame), default, np.int16)
    column = frame[mapping["source"]]
    ids = _map_unique(column, lambda v: ctx.sources.get(normalise(v), -1) if v.strip() else (default or -1))
    numbers = ids.to_numpy(np.int64)
    rows.flag(numbers < 0, mapping["source"], column, "unknown_source", "")
    sources: np.ndarray = numbers.astype(np.int16)
    return sources


def _categories(values: pd.Series, ctx: Context, rows: _Rows, column: str,
                unknown: dict[str, dict[str, int]]) -> tuple[np.ndarray, np.ndarray, dict[str, int]]:
    known = _map_unique(values, lambda v: normalise(v) in ctx.categories).to_numpy(bool)
    ids = _map_unique(values, lambda v: ctx.categories.get(normalise(v))).to_numpy(object)
    ignored_mask = known & pd.isna(ids)
    rows.flag(_missing(values), column, values, "missing_value")
    unknown_mask = ~known & ~_missing(values)
    rows.flag(unknown_mask, column, values, "unknown_category")
    if unknown_mask.any():
        unknown["category"] = values[unknown_mask].value_counts().to_dict()
    ignored = {}
    if ignored_mask.any():
        for value, count in values[ignored_mask & ~rows.bad].value_counts().items():
            ignored[vocabulary.left_out_reason(str(value))] = int(count)
    filled = np.where(pd.isna(ids), 0, ids).astype(np.int16)
    return filled, ignored_mask, ignored


def _risk_masks(frame: pd.DataFrame, column: str | None, ctx: Context, rows: _Rows,
                unknown: dict[str, dict[str, int]]) -> np.ndarray:
    if not column:
        return np.zeros(len(frame), np.uint64)
    values = frame[column]
    codes, distinct = pd.factorize(values)  # each distinct text split once, in order of first appearance
    if (codes < 0).any():
        raise ValueError("a table cell is never missing")
    per_text = np.zeros(len(distinct), np.uint64)
    unknown_in = np.zeros(len(distinct), bool)
    parts_missing: list[tuple[int, list[str]]] = []
    for number, text in enumerate(distinct):
        mask, missing = 0, []
        for part in _SPLIT.split(text.strip()) if text.strip() else []:
            factor = ctx.risk_factors.get(normalise(part))
            if factor is None:
                missing.append(part)
            else:
                mask |= int(vocabulary.risk_bit(factor))
        per_text[number] = mask
        if missing:
            unknown_in[number] = True
            parts_missing.append((number, missing))
    masks: np.ndarray = per_text[codes]
    bad = unknown_in[codes]
    found_unknown: dict[str, int] = {}
    if parts_missing:
        times = np.bincount(codes, minlength=len(distinct))
        for number, missing in parts_missing:  # first seen first, as when counting row by row
            for part in missing:
                found_unknown[part] = found_unknown.get(part, 0) + int(times[number])
    rows.flag(bad, column, values, "unknown_risk_factor")
    if found_unknown:
        unknown["risk_factor"] = found_unknown
    return masks


def _places(frame: pd.DataFrame, mapping: dict[str, str | None], ctx: Context, rows: _Rows
            ) -> dict[str, np.ndarray]:
    n = len(frame)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    area_id = np.full(n, -1, np.int64)
    precision = np.full(n, "", dtype=object)
    located = np.zeros(n, bool)
    where = formatting.municipality(ctx.municipality_name)

    pair = _coordinates(frame, mapping)
    if pair is not None:
        first, second, label = pair
        a, bad_a = _numbers(first)
        b, bad_b = _numbers(second)
        given = ~np.isnan(a) & ~np.isnan(b)
        shown = first + " " + second
        rows.flag(bad_a | bad_b, label, shown, "bad_number")
        system, east, north = classify_pairs(a, b)
        rows.flag(given & (system == ""), label, shown, "coordinates_outside_sweden")
        for name, crs in geo.SYSTEMS.items():
            chosen = given & (system == name)
            if chosen.any():
                x[chosen], y[chosen] = geo.transform(east[chosen], north[chosen], crs, geo.SWEREF99TM)
        ok = given & (system != "")
        if ok.any():
            lon[ok], lat[ok] = geo.to_wgs84(x[ok], y[ok])
            if ctx.shapes:
                area_id[ok] = ctx.locate(x[ok], y[ok])
                rows.flag(ok & (area_id < 0), label, shown, "outside_municipality", where)
            precision[ok] = "exact"
            located |= ok
    area_column = mapping.get("area") or mapping.get("place")  # a place text may name an area
    if area_column:
        column = frame[area_column]
        lookup = ctx.area_lookup()
        found = _map_unique(column, lambda v: lookup.get(normalise(v), -1)).to_numpy(np.int64)
        use = ~located & ~_missing(column)
        if mapping.get("area"):
            rows.flag(use & (found < 0), area_column, column, "unknown_area")
        area_id[use & (found >= 0)] = found[use & (found >= 0)]
        precision[use & (found >= 0)] = "area"
        located |= use & (found >= 0)
        if mapping.get("area"):
            located |= use & (found < 0)  # already flagged as an unknown area
    rows.flag(~located, None, None, "no_place")
    return {"lon": lon, "lat": lat, "x": x, "y": y, "area_id": area_id, "precision": precision}
