"""An area's profile: its counts and rate against the municipality, trend, top categories and risk factors,
and the interventions running there."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from lagesbild import charts, coverage, expected, formatting, queries
from lagesbild.filters import Filters
from lagesbild.overview import shown_area_rates
from lagesbild.protect import Disclosure


@dataclass
class Profile:
    name: str
    facts: list[str]
    trend: go.Figure
    categories: pd.DataFrame
    risk_factors: pd.DataFrame
    interventions: pd.DataFrame
    band_note: str = ""


def _shares(frame: pd.DataFrame, area_total: float, all_total: float, shown: Disclosure) -> pd.DataFrame:
    """The top categories (or risk factors) in the area against the municipality, counts as shown."""
    frame = frame.assign(area=shown.frame(frame, "area", "area_key"), total=shown.frame(frame, "total", "total_key"))
    top = frame[frame["area"].isna() | (frame["area"] > 0)].sort_values("area", ascending=False).head(8)

    def share(part: float, whole: float) -> float:
        if part != part or not whole or whole != whole:
            return math.nan
        return 100 * part / whole

    return formatting.with_formats(pd.DataFrame({
        "": top["label"],
        "I området": top["area"].to_numpy(dtype=float),
        "Andel i området": [share(c, area_total) for c in top["area"]],
        "Andel i kommunen": [share(t, all_total) for t in top["total"]],
    }), {"I området": formatting.count_format(shown.hidden_label), "Andel i området": formatting.SHARE_FORMAT,
         "Andel i kommunen": formatting.SHARE_FORMAT})


def build(con: duckdb.DuckDBPyConnection, filters: Filters, area_code: str, *, today: date,
          shown: Disclosure, coverage_table: pd.DataFrame | None = None) -> Profile:
    """The profile of one area under the current filters (every count as `shown` allows; no change against the
    year before and a break in the trend line where data are missing)."""
    table = coverage.monthly(con) if coverage_table is None else coverage_table
    gap = coverage.between(table, filters, filters.previous_year())
    rates = shown_area_rates(con, filters, shown)
    row = rates[rates["code"] == area_code].iloc[0]
    population = queries.population(con, filters.end.year)
    totals = queries.totals(con, filters)
    total = shown.count(totals.count, totals.key)
    exposure = filters.days / filters.previous_year().days
    change = shown.change(row["count"], row["previous"], exposure_ratio=exposure)
    municipal_rate = total * 1000 / population if population else None
    facts = []
    if row["count"] != row["count"]:
        facts.append(f"{shown.hidden_label} händelser under perioden.")
    else:
        compared = (f" (ingen jämförelse med samma period året innan: {gap})" if gap
                    else f", {formatting.change(change)} mot samma period året innan" if change is not None
                    else " (för få händelser året innan för en jämförelse)")
        facts.append(f"{formatting.number(row['count'])} händelser under perioden{compared}.")
        if row["population"]:
            facts.append(f"{formatting.number(row['rate'], 1)} per 1 000 invånare, mot "
                         f"{shown.derived(municipal_rate, 1)} i hela kommunen.")
    year = f" ({int(row['population_year'])})" if pd.notna(row.get("population_year")) else ""
    facts.append(f"{formatting.number(row['population'])} invånare{year}, {formatting.number(row['area_km2'], 1)} km².")

    area_filters = Filters(**{**filters.__dict__, "areas": (area_code,)})
    monthly = queries.monthly_counts(con, area_filters)
    monthly = coverage.on_months(monthly.assign(count=shown.frame(monthly)),
                                 coverage.month_states(table, filters.start, filters.end, filters.sources))
    trend = go.Figure()
    if not monthly.empty:
        trend.add_scatter(x=monthly["month"], y=monthly["count"], mode="lines+markers",
                          name=formatting.plain_html(row["name"]),
                          customdata=charts.month_labels(monthly["month"]),
                          hovertemplate="%{customdata}: %{y}<extra></extra>")
        charts.swedish_date_axis(trend, monthly["month"].min(), monthly["month"].max())
    band = expected.for_period(con, area_filters, shown, coverage_table=table)
    charts.expected_band_by_month(trend, band)
    trend.update_layout(height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="Händelser per månad",
                        separators=", ")

    categories = _shares(queries.area_breakdown(con, filters, area_code, "category"), row["count"], total, shown)
    risks = _shares(queries.area_breakdown(con, filters, area_code, "risk"), row["count"], total, shown)
    running = queries.running_interventions(con, today)
    codes = queries.interventions_in(con, today, today)
    here = codes.loc[codes["area_codes"].map(lambda c: area_code in list(c) if c is not None else False)
                     .astype(bool), "id"]  # an empty object mask would select columns, not rows
    running = running[running["id"].isin(here)]
    return Profile(row["name"], facts, trend, categories.rename(columns={"": "Kategori"}),
                   risks.rename(columns={"": "Riskfaktor"}),
                   running[["name", "kind", "start_date"]].rename(
                       columns={"name": "Insats", "kind": "Typ", "start_date": "Sedan"}).assign(
                       Sedan=[formatting.day(d) for d in pd.to_datetime(running["start_date"]).dt.date]),
                   expected.caption(band))
