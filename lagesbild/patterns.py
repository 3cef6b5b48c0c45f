"""When incidents happen: hour × weekday, months against last year and the yearly cycle (årshjul), as shown.

Every count passes `lagesbild.protect` first: for viewers a small cell is a "<5" in the heat map and a gap in
the lines, and the årshjul averages a calendar month's protected count over all its years, never the small
count of a single month.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lagesbild import charts, coverage, queries
from lagesbild.filters import Filters
from lagesbild.protect import KEY_SPACE, Disclosure


def _shown_monthly(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure) -> pd.DataFrame:
    monthly = queries.monthly_counts(con, filters)
    return monthly.assign(count=shown.frame(monthly)).drop(columns=["ckey"])


def calendar_months(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure,
                    coverage_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per calendar month (1–12): the shown count over every year with data up to the period's end, the number
    of those years (a month no chosen source delivered is not a year of that month), and the average per year
    (NaN where the count is hidden)."""
    found = queries.data_range(con)
    every = Filters(**{**filters.__dict__, "start": found[0] if found else filters.start, "end": filters.end})
    monthly = queries.monthly_counts(con, every) if found else pd.DataFrame(columns=["month", "count", "ckey"])
    month_of_year = pd.to_datetime(monthly["month"]).dt.month
    summed = pd.DataFrame({"m": month_of_year, "count": monthly["count"].astype("int64"),
                           "ckey": monthly["ckey"].astype("int64")}).groupby("m").sum()
    summed = summed.reindex(range(1, 13), fill_value=0)
    counts = shown.counts(summed["count"], summed["ckey"] % KEY_SPACE)
    years = np.zeros(12)
    if found and found[0] <= filters.end:
        table = coverage.monthly(con) if coverage_table is None else coverage_table
        states = coverage.month_states(table, found[0], min(found[1], filters.end), filters.sources)
        delivered = states.loc[states["state"] != "missing", "month"]
        years = np.bincount(pd.DatetimeIndex(delivered).month - 1, minlength=12).astype(float)
    average = np.divide(counts, years, out=np.full(12, np.nan), where=years > 0)
    return pd.DataFrame({"month": range(1, 13), "count": counts, "years": years, "average": average})


DAY_STARTS = (0, 6)  # the hour a heat map row begins at: midnight, or 06 so that a night stays on one row


def night_weekdays(by_hour: pd.DataFrame, day_start: int) -> pd.DataFrame:
    """Counts per weekday and hour with the hours before `day_start` moved to the weekday before: the night that
    began the evening before (Friday 22–04 lies on the Friday row). Each cell keeps its own incidents, and so its
    protected count; only its row changes."""
    if not day_start:
        return by_hour
    early = by_hour["hour"] < day_start
    return by_hour.assign(weekday=np.where(early, (by_hour["weekday"] - 2) % 7 + 1, by_hour["weekday"]))


HIDDEN_NOTE = ("Värden under 5 visas inte för den som inte är inloggad: de är tomma rutor med ”<5” i "
               "diagrammet över veckodagar, luckor i linjerna och saknade staplar i årshjulet.")


def build(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure,
          coverage_table: pd.DataFrame | None = None, day_start: int = 0) -> tuple[go.Figure, go.Figure, go.Figure, str]:
    """Hour × weekday (rows beginning at `day_start`), months against last year, the årshjul for the filters, and
    a note when values are hidden. Months without data are breaks in the lines, not zeros (`coverage_notes` says
    so)."""
    if day_start not in DAY_STARTS:
        raise ValueError(f"day_start must be one of {DAY_STARTS}")
    table = coverage.monthly(con) if coverage_table is None else coverage_table
    by_hour = queries.hour_weekday(con, filters)
    by_hour = night_weekdays(by_hour.assign(count=shown.frame(by_hour)).drop(columns=["ckey"]), day_start)
    earlier = filters.previous_year()
    now, before = _shown_monthly(con, filters, shown), _shown_monthly(con, earlier, shown)
    months = calendar_months(con, filters, shown, table)
    hidden = any(frame["count"].isna().any() for frame in (by_hour, now, before, months))
    now = coverage.on_months(now, coverage.month_states(table, filters.start, filters.end, filters.sources))
    before = coverage.on_months(before, coverage.month_states(table, earlier.start, earlier.end, filters.sources))
    return (charts.hour_weekday_heatmap(by_hour, shown.hidden_label, day_start),
            charts.months_against_last_year(now, before),
            charts.year_wheel(months), HIDDEN_NOTE if hidden else "")


NIGHT_SUMMARY_NOTE = ("Många av nattens händelser publicerar Polisen bara i en sammanfattning för länet "
                      "(”Sammanfattning natt”), som inte räknas här: nätterna ser därför lugnare ut än de är.")


def coverage_notes(con: duckdb.DuckDBPyConnection, filters: Filters,
                   coverage_table: pd.DataFrame | None = None) -> list[str]:
    """What the page says about the data behind its lines: months without data, and police events as a sample."""
    table = coverage.monthly(con) if coverage_table is None else coverage_table
    gap = coverage.between(table, filters, filters.previous_year())
    notes = [f"Avbrott i linjerna och ingen jämförelse där data saknas: {gap}." if gap else ""]
    if coverage.police_sample(con, filters.sources):
        notes.append(coverage.POLICE_SAMPLE_NOTE + " " + NIGHT_SUMMARY_NOTE)
    return [note for note in notes if note]
