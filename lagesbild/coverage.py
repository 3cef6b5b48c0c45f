"""Coverage is data: for every source and month, whether the source delivered anything.

A comparison between two periods is only fair when every source that feeds it was delivering in both. A
police snapshot from August after nothing since January moves the twelve-month window and makes the months in
between look calm, and a source that began last year makes the year before look calm. So every comparison asks
this module first and says "saknar data för jan–jul 2026 (Polisen)" instead of giving a verdict.

When does an empty month mean missing data rather than a quiet month? Best, because it is known: every import
records the days its file covers and for which sources (a police snapshot covers the days from its first to its
last publication, over all municipalities, even when none of its events is ours). For a source with such
periods, a month that no import covers and that holds none of its records is missing, however sparse the
source. For data stored without import periods the rule is statistical. For each source, its months from its
first to its last month with data are its span; outside the span it did not deliver at all. Inside the span an
empty month can be chance: a source with on average 3.7 records a month has an empty month about 2.5 % of the
time. A run of k empty months in a row is called a gap when, were the source delivering at its average rate m,
a run that long anywhere in its n months would have probability at most 1 % (Poisson, a union bound over the
n places a run can start: n·exp(−k·m) ≤ 0.01, so k·m ≥ ln(100·n)). For four years of police events (m = 3.7)
that is three empty months in a row; one or two quiet months stay zeros, six empty months are a gap.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from lagesbild import formatting, queries
from lagesbild.filters import Filters

GAP_PROBABILITY = 0.01  # a run of empty months this unlikely anywhere in the span, at the source's rate, is a gap


def monthly(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Per source and calendar month from the first to the last month with any data: columns source (code),
    label, month (Timestamp, first of the month), count, present (bool: the source delivered that month, or an
    import of it covers the month, or — for sources without import periods — the month is a plausible quiet
    one), reason ('' | 'före källans första data' | 'efter källans sista data' | 'lucka')."""
    found = queries.frame(
        con,
        "SELECT s.code AS source, s.label, date_trunc('month', i.day) AS month, count(*) AS count"
        " FROM incidents i JOIN sources s ON s.id = i.source_id GROUP BY ALL ORDER BY 1, 3")
    spans = queries.frame(
        con,
        "SELECT s.code AS source, s.label, m.covers_from, m.covers_to FROM (SELECT unnest(covers_sources) AS"
        " source_id, covers_from, covers_to FROM imports WHERE status = 'stored' AND covers_from IS NOT NULL) m"
        " JOIN sources s ON s.id = m.source_id")
    columns = ["source", "label", "month", "count", "present", "reason"]
    if found.empty and spans.empty:
        return pd.DataFrame(columns=columns)
    found["month"] = pd.to_datetime(found["month"])
    spans["first"] = pd.to_datetime(spans["covers_from"]).dt.to_period("M").dt.to_timestamp()
    spans["last"] = pd.to_datetime(spans["covers_to"]).dt.to_period("M").dt.to_timestamp()
    all_months = pd.date_range(min([*found["month"], *spans["first"]]), max([*found["month"], *spans["last"]]),
                               freq="MS")
    labels = dict(zip(found["source"], found["label"], strict=False)) | dict(
        zip(spans["source"], spans["label"], strict=False))
    parts = []
    for source in sorted(labels):
        rows = found[found["source"] == source]
        counts = rows.set_index("month")["count"].reindex(all_months, fill_value=0).to_numpy(np.int64)
        own = spans[spans["source"] == source]
        if len(own):   # the periods its imports cover: a month none of them covers is missing, however sparse
            covered = np.zeros(len(all_months), dtype=bool)
            for first, last in zip(own["first"], own["last"], strict=True):
                covered |= (all_months >= first) & (all_months <= last)
            present = covered | (counts > 0)
            seen = all_months[present]
            reason = np.where(present, "", np.where(all_months < seen.min(), "före källans första data", np.where(
                all_months > seen.max(), "efter källans sista data", "lucka"))).astype(object)
        else:          # no import periods (older data): the span of its data and the run-length rule
            first, last = rows["month"].min(), rows["month"].max()
            inside = (all_months >= first) & (all_months <= last)
            reason = np.where(all_months < first, "före källans första data",
                              np.where(all_months > last, "efter källans sista data", "")).astype(object)
            rate = counts[inside].sum() / inside.sum()
            reason[_gap_runs(counts, inside, rate)] = "lucka"
        parts.append(pd.DataFrame({"source": source, "label": labels[source], "month": all_months, "count": counts,
                                   "present": reason == "", "reason": reason}))
    return pd.concat(parts, ignore_index=True)[columns]


def _gap_runs(counts: np.ndarray, inside: np.ndarray, rate: float) -> np.ndarray:
    """Mask of the empty months inside the span that belong to a run too long to be chance."""
    gap = np.zeros(len(counts), dtype=bool)
    needed = math.log(max(int(inside.sum()), 1) / GAP_PROBABILITY)
    run_start = None
    for index in range(len(counts) + 1):
        empty = index < len(counts) and inside[index] and counts[index] == 0
        if empty and run_start is None:
            run_start = index
        elif not empty and run_start is not None:
            if (index - run_start) * rate >= needed:
                gap[run_start:index] = True
            run_start = None
    return gap


def missing(table: pd.DataFrame, start: date, end: date, sources: tuple[str, ...] = ()) -> dict[str, list[pd.Timestamp]]:
    """Source label -> the months (Timestamps) between `start` and `end` for which that source has no data.

    Only sources that deliver anything at all are asked (and only `sources`, codes, when given). Months before
    the first or after the last month of the whole database count as missing for every source."""
    if table.empty:
        return {}
    months = pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(),
                           pd.Timestamp(end).to_period("M").to_timestamp(), freq="MS")
    present: dict[tuple[str, str], set[pd.Timestamp]] = {}   # per source, in order of first appearance
    for source, label, month, delivered in zip(table["source"], table["label"], table["month"], table["present"],
                                               strict=True):
        have = present.setdefault((source, label), set())
        if delivered:
            have.add(month)
    result: dict[str, list[pd.Timestamp]] = {}
    for (source, label), have in present.items():
        if sources and source not in sources:
            continue
        absent = [m for m in months if m not in have]
        if absent:
            result[label] = absent
    return result


def _short(month: pd.Timestamp) -> str:
    return f"{formatting.MONTHS_SHORT[month.month - 1]} {month.year}"


def month_ranges(months: list[pd.Timestamp]) -> str:
    """'jan–jul 2026', 'nov 2025–feb 2026', 'mar 2024 och jan–feb 2026' from a list of month Timestamps."""
    runs: list[list[pd.Timestamp]] = []
    for month in sorted(months):
        if runs and (month.year * 12 + month.month) - (runs[-1][-1].year * 12 + runs[-1][-1].month) == 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    texts = []
    for run in runs:
        first, last = run[0], run[-1]
        if first == last:
            texts.append(_short(first))
        elif first.year == last.year:
            texts.append(f"{formatting.MONTHS_SHORT[first.month - 1]}–{_short(last)}")
        else:
            texts.append(f"{_short(first)}–{_short(last)}")
    return _join(texts)


def _join(texts: list[str]) -> str:
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " och " + texts[-1]


def describe(absent: dict[str, list[pd.Timestamp]], every_source: int = 0) -> str:
    """One Swedish phrase: 'saknar data för feb–jul 2026 (Polisen)'; '' when nothing is missing. Sources
    missing the same months are named together ("alla källor" when they are all the `every_source` there are)."""
    if not absent:
        return ""
    by_months: dict[tuple[pd.Timestamp, ...], list[str]] = {}
    for label, months in absent.items():
        by_months.setdefault(tuple(sorted(months)), []).append(label)
    parts = []
    for shared, labels in by_months.items():
        who = "alla källor" if every_source > 1 and len(labels) == every_source else _join(labels)
        parts.append(f"{month_ranges(list(shared))} ({who})")
    return "saknar data för " + _join(parts)


def comparison_gap(table: pd.DataFrame, periods: list[tuple[date, date]], sources: tuple[str, ...] = ()) -> str:
    """'' when every source has data in every period, else what is missing (to show instead of a verdict)."""
    absent: dict[str, list[pd.Timestamp]] = {}
    for start, end in periods:
        for label, months in missing(table, start, end, sources).items():
            absent.setdefault(label, []).extend(months)
    asked = table["source"].unique() if not sources else [s for s in table["source"].unique() if s in sources]
    return describe({label: sorted(set(months)) for label, months in absent.items()}, len(asked))


def between(table: pd.DataFrame, now: Filters, then: Filters) -> str:
    """`comparison_gap` for two filtered periods (the sources chosen in `now`): '' when the comparison is fair."""
    return comparison_gap(table, [(now.start, now.end), (then.start, then.end)], now.sources)


def no_comparison(gap: str) -> str:
    """The sentence said instead of a verdict: 'Ingen jämförelse: saknar data för feb–jul 2026 (Polisen).'"""
    return f"Ingen jämförelse: {gap}." if gap else ""


def period_months(start: date, end: date) -> pd.DatetimeIndex:
    """The first days of the calendar months from `start` to `end`."""
    return pd.date_range(pd.Timestamp(start).to_period("M").to_timestamp(),
                         pd.Timestamp(end).to_period("M").to_timestamp(), freq="MS")


def month_states(table: pd.DataFrame, start: date, end: date, sources: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per month from `start` to `end`: state 'full' (every asked source delivered), 'partial' (some did not)
    or 'missing' (none did), and `lacking`, the labels of the sources without data that month."""
    months = period_months(start, end)
    absent = missing(table, start, end, sources)
    asked = 0 if table.empty else len([s for s in table["source"].unique() if not sources or s in sources])
    lacking = [[label for label, gone in absent.items() if month in gone] for month in months]
    state = ["missing" if asked and len(labels) == asked else "partial" if labels else "full" for labels in lacking]
    return pd.DataFrame({"month": months, "state": state, "lacking": lacking})


def on_months(monthly: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """`monthly` (month, count; NaN = hidden) on every month of `states`: a month without rows counts 0 where
    data are present and NaN — a break in a line, no bar — where every asked source is missing."""
    counts = pd.Series(monthly["count"].to_numpy(dtype=float), index=pd.to_datetime(monthly["month"]))
    months = pd.DatetimeIndex(states["month"])
    shown = counts.reindex(months)
    shown[~months.isin(counts.index)] = 0.0
    shown[(states["state"] == "missing").to_numpy()] = np.nan
    return pd.DataFrame({"month": months, "count": shown.to_numpy()})


def gaps_by_source(table: pd.DataFrame) -> dict[str, str]:
    """Source label -> its gaps inside its own span ('feb–jul 2026'), for the sources that have any."""
    gaps = table[table["reason"] == "lucka"]
    return {label: month_ranges(list(rows["month"])) for label, rows in gaps.groupby("label", sort=False)}


def police_sample(con: duckdb.DuckDBPyConnection, sources: tuple[str, ...] = ()) -> bool:
    """True when the database holds events imported from polisen.se (a sample, not reported crime), among the
    sources `sources` (codes) when given."""
    chosen, params = (" AND i.source_id IN (SELECT id FROM sources WHERE list_contains(?, code))",
                      [list(sources)]) if sources else ("", [])
    return bool(queries.rows(con, "SELECT EXISTS (SELECT 1 FROM incidents i JOIN imports m ON m.id = i.import_id"
                                  " WHERE m.source_key = 'polisen-json'" + chosen + ")", params)[0][0])


# Said wherever police events are counted: they are a sample of what the police publish, not crime.
POLICE_SAMPLE_NOTE = ("Polisens händelser från polisen.se är ett urval av det Polisen väljer att publicera (i "
                      "storleksordningen en händelse per hundra anmälda brott), inte den anmälda brottsligheten.")
POLICE_SAMPLE_NOTE_EN = ("police events from polisen.se are a sample of what the police choose to publish (on the "
                         "order of one event per hundred reported crimes), not reported crime")
