"""The start page's content as plain data: key figures against a year earlier, trend, top areas, interventions.

Tables come out with Swedish column names and every count already passed through `lagesbild.protect` (moved
by its cell key and "<5" where small, for viewers), so the page only draws them. A comparison with a year
earlier is refused, and said to be, when either period misses data from a chosen source (`lagesbild.coverage`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lagesbild import charts, coverage, expected, formatting, queries, vocabulary
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.stats import Change

TOP_AREAS = 10


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None
    help: str
    delta_colour: str = "off"  # 'inverse' (an increase in crime is red) when the change is more than chance


@dataclass(frozen=True)
class Overview:
    filters: Filters
    kpis: list[Kpi]
    trend: go.Figure
    top_areas: pd.DataFrame
    interventions: pd.DataFrame
    sources: pd.DataFrame
    data_range: tuple[date, date] | None
    population: int
    trend_note: str = ""   # says so when bars are left out because they are small (viewers) or data are missing
    comparison_note: str = ""  # 'Ingen jämförelse: saknar data för …' when a year earlier cannot be compared
    police_note: str = ""      # police events are a sample of what the police publish, not reported crime
    band_note: str = ""    # what the expected band behind the bars means, or why there is none
    place_note: str = ""   # the population year the rates use, and how many incidents have no place


def _delta(change: Change | None) -> str | None:
    return None if change is None or change.percent is None else formatting.change(change)


def _colour(change: Change | None) -> str:
    return "inverse" if change is not None and change.verdict in ("ökning", "minskning") else "off"


def _violence_help() -> str:
    """What the violence figure counts: the standard categories of the group Våld."""
    labels = [c.label.lower() for c in vocabulary.CATEGORIES if c.group == "Våld"]
    return f"{', '.join(labels[:-1])} och {labels[-1]}.".capitalize()


def _table(con: duckdb.DuckDBPyConnection, table: pd.DataFrame | None) -> pd.DataFrame:
    return coverage.monthly(con) if table is None else table


def comparison_gap(con: duckdb.DuckDBPyConnection, filters: Filters, table: pd.DataFrame | None = None) -> str:
    """What is missing for a comparison with the same period a year earlier ('' when nothing is)."""
    return coverage.between(_table(con, table), filters, filters.previous_year())


def key_figures(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure,
                coverage_table: pd.DataFrame | None = None) -> list[Kpi]:
    """Count, rate, harm-weighted sum and violence for the period against the same period a year earlier; no
    change at all when either period misses data from a chosen source (a gap is not a fall in crime)."""
    gap = comparison_gap(con, filters, coverage_table)
    now = queries.totals(con, filters)
    before = queries.totals(con, filters.previous_year())
    exposure = filters.days / filters.previous_year().days
    inhabitants = queries.population(con, filters.end.year)
    count, previous = shown.count(now.count, now.key), shown.count(before.count, before.key)
    violence_now = shown.count(now.by_group.get("Våld", 0), (now.group_keys or {}).get("Våld", 0))
    violence_before = shown.count(before.by_group.get("Våld", 0), (before.group_keys or {}).get("Våld", 0))
    all_change = shown.change(count, previous, exposure_ratio=exposure)
    violence = shown.change(violence_now, violence_before, exposure_ratio=exposure)
    harm = float(shown.harm([now.harm], [now.count], [count], [now.key])[0])
    harm_before = float(shown.harm([before.harm], [before.count], [previous], [before.key])[0])
    harm_pct = (harm / harm_before - 1) * 100 if harm_before and harm_before == harm_before else None
    rate = count * 1000 / inhabitants if inhabitants else None
    if gap:
        all_change = violence = harm_pct = None
    refused = " " + coverage.no_comparison(gap) if gap else ""
    earlier = refused or f" Samma period ett år tidigare: {shown.text(previous)}."
    return [
        Kpi("Händelser", shown.text(count), _delta(all_change), "Alla händelser som matchar filtren." + earlier,
            _colour(all_change)),
        Kpi("Per 1 000 invånare", shown.derived(rate, 1), _delta(all_change),
            f"Händelser under perioden per 1 000 invånare ({formatting.number(inhabitants)} invånare)." + refused,
            _colour(all_change)),
        Kpi("Skadeviktat", shown.derived(harm, 0),
            None if harm_pct is None or harm != harm else formatting.percent(harm_pct),
            "Varje händelse vägs efter hur allvarlig kategorin är (misshandel väger mer än nedskräpning)." + refused),
        Kpi("Våld", shown.text(violence_now), _delta(violence), _violence_help() + refused, _colour(violence)),
    ]


def unplaced_note(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure) -> str:
    """'64 händelser saknar plats …' for every page that maps or ranks areas ('' when all have a place)."""
    count, key = queries.unplaced(con, filters)
    if not count:
        return ""
    seen = shown.count(count, key)
    noun = "händelse saknar" if seen == 1 else "händelser saknar"
    note = (f"{shown.text(seen)} {noun} plats i den här indelningen (för de flesta är bara kommunen känd, som för "
            "Polisens händelser) och finns inte på kartan eller i jämförelsen mellan områden.")
    coarser = [f"{shown.text(shown.count(n, k))} är placerade på ett helt område i indelningen {division} och syns "
               f"när den väljs under Indelning" for division, (n, k) in queries.coarser_placed(con, filters).items()]
    return note + "".join(f" {c}." for c in coarser)


def population_note(con: duckdb.DuckDBPyConnection, filters: Filters) -> str:
    """Which year's population the rates per 1 000 inhabitants use ('' when the population has no year)."""
    label = queries.population_label(con, filters.end.year)
    return f"Per 1 000 invånare räknas med {label.lower()}." if label != "Invånare" else ""


def shown_area_rates(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure) -> pd.DataFrame:
    """`queries.area_rates` with count, previous, harm and rate as the person may see them (NaN: hidden)."""
    areas = queries.area_rates(con, filters)
    exact = areas["count"].to_numpy()
    areas["count"] = shown.frame(areas, "count", "ckey")
    areas["previous"] = shown.frame(areas, "previous", "previous_key")
    areas["harm"] = shown.harm(areas["harm"], exact, areas["count"], areas["ckey"])
    areas["rate"] = (areas["count"] * 1000.0 / areas["population"]).where(areas["population"] > 0)
    return areas.drop(columns=["ckey", "previous_key"])


def top_areas(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure,
              coverage_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """The areas with the highest rate per 1,000 inhabitants, as a display table ("–" against the year before
    when either period misses data)."""
    gap = comparison_gap(con, filters, coverage_table)
    areas = shown_area_rates(con, filters, shown)
    # Areas with any incidents, highest shown rate first; hidden counts ("<5") after them, in name order.
    areas = areas[(areas["population"] > 0) & (areas["count"].isna() | (areas["count"] > 0))]
    areas = areas.sort_values(["rate", "count"], ascending=False, na_position="last").head(TOP_AREAS)
    exposure = filters.days / filters.previous_year().days
    changes = [None if gap else shown.change(c, p, exposure_ratio=exposure)
               for c, p in zip(areas["count"], areas["previous"], strict=True)]
    percents, verdicts = zip(*[formatting.change_parts(ch) for ch in changes], strict=True) if changes else ((), ())
    return formatting.with_formats(pd.DataFrame({
        "Område": areas["name"].to_numpy(),
        "Händelser": areas["count"].to_numpy(dtype=float),
        "Invånare": areas["population"].to_numpy(dtype=float),
        "Per 1 000 inv.": areas["rate"].to_numpy(dtype=float),
        "Mot året innan": np.asarray(percents, dtype=float),
        "Bedömning": list(verdicts),
    }), {"Händelser": formatting.count_format(shown.hidden_label), "Invånare": formatting.NumberFormat(0),
         "Per 1 000 inv.": formatting.NumberFormat(1), "Mot året innan": formatting.CHANGE_FORMAT})


def interventions_table(con: duckdb.DuckDBPyConnection, on: date) -> pd.DataFrame:
    """Interventions running on `on`, as a display table."""
    running = queries.running_interventions(con, on)
    dose = [f"{formatting.number(v, 0)} {u}" if pd.notna(v) and u else ""
            for v, u in zip(running["dose_value"], running["dose_unit"], strict=True)]
    return pd.DataFrame({
        "Insats": running["name"],
        "Typ": running["kind"],
        "Område": running["areas"].fillna(""),
        "Sedan": [formatting.day(d) for d in pd.to_datetime(running["start_date"]).dt.date],
        "Till": [formatting.day(d) if pd.notna(d) else "tills vidare"
                 for d in pd.to_datetime(running["end_date"]).dt.date],
        "Ansvariga": running["responsible"],
        "Omfattning": dose,
        "Riskfaktorer": running["risk_factors"].fillna(""),
    })


def sources_table(con: duckdb.DuckDBPyConnection, shown: Disclosure,
                  coverage_table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Where the data come from: source, count, date range and the months missing inside it, as a display table.

    Viewers see months, not days: the first and last day of a small source would date single incidents. The
    gaps are named by month only, never with a count."""
    found = queries.sources_overview(con)
    when = formatting.month if shown.viewer else formatting.day
    gaps = coverage.gaps_by_source(_table(con, coverage_table))
    return formatting.with_formats(pd.DataFrame({
        "Källa": found["label"],
        "Händelser": shown.frame(found).to_numpy(dtype=float),
        "Från": [when(d) for d in pd.to_datetime(found["first_day"]).dt.date],
        "Till": [when(d) for d in pd.to_datetime(found["last_day"]).dt.date],
        "Luckor": [gaps.get(label, "–") for label in found["label"]],
    }), {"Händelser": formatting.count_format(shown.hidden_label)})


def monthly_by_group(con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure) -> pd.DataFrame:
    """Shown counts per month and category group (NaN where hidden: a gap in the chart, not a number)."""
    monthly = queries.monthly_by_group(con, filters)
    monthly["count"] = shown.frame(monthly)
    return monthly.drop(columns=["ckey"])


MISSING_MONTHS_NOTE = ("Grå fält: månader då ingen av de valda källorna har data (ingen stapel, inte noll "
                       "händelser).")
PARTIAL_MONTHS_NOTE = "Randiga staplar: någon av de valda källorna saknar data den månaden."


def build(con: duckdb.DuckDBPyConnection, filters: Filters, *, today: date, shown: Disclosure,
          coverage_table: pd.DataFrame | None = None) -> Overview:
    """Everything the overview page shows (`coverage_table`: `coverage.monthly`, computed here when not given)."""
    table = _table(con, coverage_table)
    monthly = monthly_by_group(con, filters, shown)
    band = expected.for_period(con, filters, shown, shown_parts=max(1, monthly["category_group"].nunique()),
                               coverage_table=table)
    states = coverage.month_states(table, filters.start, filters.end, filters.sources)
    gap = comparison_gap(con, filters, table)
    notes = ["Staplar med färre än 5 händelser i en grupp och månad visas inte." if monthly["count"].isna().any()
             else "", MISSING_MONTHS_NOTE if (states["state"] == "missing").any() else "",
             PARTIAL_MONTHS_NOTE if (states["state"] == "partial").any() else ""]
    return Overview(
        filters=filters,
        kpis=key_figures(con, filters, shown, table),
        trend=charts.monthly_trend(monthly, band=band, coverage=states),
        top_areas=top_areas(con, filters, shown, table),
        interventions=interventions_table(con, today),
        sources=sources_table(con, shown, table),
        data_range=queries.data_range(con),
        population=queries.population(con, filters.end.year),
        place_note=" ".join(n for n in (population_note(con, filters), unplaced_note(con, filters, shown)) if n),
        trend_note=" ".join(note for note in notes if note),
        comparison_note=(f"Ingen jämförelse med samma period ett år tidigare (nyckeltal och områden): {gap}."
                         if gap else ""),
        police_note=coverage.POLICE_SAMPLE_NOTE if coverage.police_sample(con, filters.sources) else "",
        band_note=expected.caption(band),
    )
