"""An area's profile: its counts and rate against the municipality, trend, top categories and risk factors,
and the interventions running there."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd
import plotly.graph_objects as go

from lagesbild import formatting, privacy, queries
from lagesbild.filters import Filters
from lagesbild.stats import compare_counts


@dataclass
class Profile:
    name: str
    facts: list[str]
    trend: go.Figure
    categories: pd.DataFrame
    risk_factors: pd.DataFrame
    interventions: pd.DataFrame


def _shares(frame: pd.DataFrame, area_total: int, all_total: int, hidden_below: int | None) -> pd.DataFrame:
    top = frame[frame["area"] > 0].head(8)
    label = privacy.suppressed_label(hidden_below) if hidden_below else ""

    def cell(count: int) -> str:
        return label if hidden_below and 0 < count < hidden_below else formatting.number(count)

    return pd.DataFrame({
        "": top["label"],
        "I området": [cell(c) for c in top["area"]],
        "Andel i området": [("–" if hidden_below and 0 < c < hidden_below else
                             formatting.percent(100 * c / area_total, 0, signed=False)) if area_total else "–"
                            for c in top["area"]],
        "Andel i kommunen": [formatting.percent(100 * t / all_total, 0, signed=False) if all_total else "–"
                             for t in top["total"]],
    })


def build(con: duckdb.DuckDBPyConnection, filters: Filters, area_code: str, *, today: date, viewer: bool,
          threshold: int) -> Profile:
    """The profile of one area under the current filters."""
    rates = queries.area_rates(con, filters)
    row = rates[rates["code"] == area_code].iloc[0]
    population = queries.population(con)
    total = queries.totals(con, filters).count
    exposure = filters.days / filters.previous_year().days
    change = compare_counts(int(row["count"]), int(row["previous"]), exposure_ratio=exposure)
    hidden = viewer and 0 < row["count"] < threshold
    municipal_rate = total * 1000 / population if population else None
    facts = []
    if hidden:
        facts.append(f"{privacy.suppressed_label(threshold)} händelser under perioden.")
    else:
        facts.append(f"{formatting.number(row['count'])} händelser under perioden, "
                     f"{formatting.change(change)} mot samma period året innan.")
        if row["population"]:
            facts.append(f"{formatting.number(row['rate'], 1)} per 1 000 invånare, mot "
                         f"{formatting.number(municipal_rate, 1)} i hela kommunen.")
    facts.append(f"{formatting.number(row['population'])} invånare, {formatting.number(row['area_km2'], 1)} km².")

    area_filters = Filters(**{**filters.__dict__, "areas": (area_code,)})
    monthly = queries.monthly_counts(con, area_filters)
    trend = go.Figure()
    if not monthly.empty:
        counts = monthly["count"].astype(float)
        if viewer:
            counts = counts.where(~privacy.is_suppressed(monthly["count"], threshold))
        trend.add_scatter(x=monthly["month"], y=counts, mode="lines+markers", name=row["name"],
                          hovertemplate="%{x|%b %Y}: %{y}<extra></extra>")
    trend.update_layout(height=260, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="Händelser per månad",
                        separators=", ")

    limit = threshold if viewer else None
    categories = _shares(queries.area_breakdown(con, filters, area_code, "category"), int(row["count"]), total,
                         limit)
    risks = _shares(queries.area_breakdown(con, filters, area_code, "risk"), int(row["count"]), total, limit)
    running = queries.running_interventions(con, today)
    codes = queries.interventions_in(con, today, today)
    here = codes[codes["area_codes"].map(lambda c: area_code in list(c) if c is not None else False)]["id"]
    running = running[running["id"].isin(here)]
    return Profile(row["name"], facts, trend, categories.rename(columns={"": "Kategori"}),
                   risks.rename(columns={"": "Riskfaktor"}),
                   running[["name", "kind", "start_date"]].rename(
                       columns={"name": "Insats", "kind": "Typ", "start_date": "Sedan"}))
