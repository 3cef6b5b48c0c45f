"""The start page's content as plain data: key figures against a year earlier, trend, top areas, interventions.

Tables come out with Swedish column names and with small counts already suppressed for viewers, so the
page only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from lagesbild import charts, formatting, privacy, queries
from lagesbild.filters import Filters
from lagesbild.stats import Change, compare_counts

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


def _delta(change: Change) -> str | None:
    return None if change.percent is None else formatting.change(change)


def _colour(change: Change) -> str:
    return "inverse" if change.verdict in ("ökning", "minskning") else "off"


def key_figures(con: duckdb.DuckDBPyConnection, filters: Filters) -> list[Kpi]:
    """Count, rate, harm-weighted sum and violence for the period against the same period a year earlier."""
    now = queries.totals(con, filters)
    before = queries.totals(con, filters.previous_year())
    exposure = filters.days / filters.previous_year().days
    inhabitants = queries.population(con)
    all_change = compare_counts(now.count, before.count, exposure_ratio=exposure)
    violence = compare_counts(now.by_group.get("Våld", 0), before.by_group.get("Våld", 0), exposure_ratio=exposure)
    harm_pct = (now.harm / before.harm - 1) * 100 if before.harm else None
    rate = now.count * 1000 / inhabitants if inhabitants else None
    return [
        Kpi("Händelser", formatting.number(now.count), _delta(all_change),
            f"Alla händelser som matchar filtren. Samma period ett år tidigare: {formatting.number(before.count)}.",
            _colour(all_change)),
        Kpi("Per 1 000 invånare", formatting.number(rate, 1), _delta(all_change),
            f"Händelser under perioden per 1 000 invånare ({formatting.number(inhabitants)} invånare).",
            _colour(all_change)),
        Kpi("Skadeviktat", formatting.number(now.harm), None if harm_pct is None else formatting.percent(harm_pct),
            "Varje händelse vägs efter hur allvarlig kategorin är (misshandel väger mer än nedskräpning)."),
        Kpi("Våld", formatting.number(now.by_group.get("Våld", 0)), _delta(violence),
            "Misshandel, rån och olaga hot.", _colour(violence)),
    ]


def top_areas(con: duckdb.DuckDBPyConnection, filters: Filters, *, threshold: int, viewer: bool) -> pd.DataFrame:
    """The areas with the highest rate per 1,000 inhabitants, as a display table."""
    areas = queries.area_rates(con, filters)
    areas = areas[areas["population"] > 0].sort_values(["rate", "count"], ascending=False).head(TOP_AREAS)
    exposure = filters.days / filters.previous_year().days
    changes = [compare_counts(int(c), int(p), exposure_ratio=exposure)
               for c, p in zip(areas["count"], areas["previous"], strict=True)]
    hidden = privacy.is_suppressed(areas["count"], threshold) if viewer else pd.Series(False, index=areas.index)
    label = privacy.suppressed_label(threshold)
    return pd.DataFrame({
        "Område": areas["name"].to_numpy(),
        "Händelser": [label if h else formatting.number(c) for c, h in zip(areas["count"], hidden, strict=True)],
        "Invånare": [formatting.number(p) for p in areas["population"]],
        "Per 1 000 inv.": ["–" if h else formatting.number(r, 1)
                           for r, h in zip(areas["rate"], hidden, strict=True)],
        "Mot året innan": ["–" if h else formatting.change(ch) for ch, h in zip(changes, hidden, strict=True)],
    })


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


def sources_table(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Where the data come from: source, count and date range, as a display table."""
    found = queries.sources_overview(con)
    return pd.DataFrame({
        "Källa": found["label"],
        "Händelser": [formatting.number(c) for c in found["count"]],
        "Från": [formatting.day(d) for d in pd.to_datetime(found["first_day"]).dt.date],
        "Till": [formatting.day(d) for d in pd.to_datetime(found["last_day"]).dt.date],
    })


def build(con: duckdb.DuckDBPyConnection, filters: Filters, *, today: date, threshold: int,
          viewer: bool) -> Overview:
    """Everything the overview page shows."""
    return Overview(
        filters=filters,
        kpis=key_figures(con, filters),
        trend=charts.monthly_trend(queries.monthly_by_group(con, filters)),
        top_areas=top_areas(con, filters, threshold=threshold, viewer=viewer),
        interventions=interventions_table(con, today),
        sources=sources_table(con),
        data_range=queries.data_range(con),
        population=queries.population(con),
    )
