"""Figure builders: each returns a plotly Figure; pages only draw them."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from lagesbild.formatting import MONTHS_SHORT

GROUP_COLOURS = {
    "Våld": "#b2182b",
    "Tillgrepp": "#ef8a62",
    "Skadegörelse": "#8c6bb1",
    "Narkotika": "#1b7837",
    "Ordning och miljö": "#67a9cf",
    "Otrygghet": "#969696",
}


def _month_label(month: pd.Timestamp) -> str:
    return f"{MONTHS_SHORT[month.month - 1]} {month.year}"


def monthly_trend(monthly: pd.DataFrame) -> go.Figure:
    """Stacked monthly bars per category group, from `queries.monthly_by_group`."""
    figure = go.Figure()
    if not monthly.empty:
        months = pd.DatetimeIndex(sorted(monthly["month"].unique()))
        table = monthly.pivot_table(index="month", columns="category_group", values="count", fill_value=0)
        table = table.reindex(months, fill_value=0)
        for group in sorted(table.columns, key=lambda g: list(GROUP_COLOURS).index(g) if g in GROUP_COLOURS else 99):
            figure.add_bar(
                x=[_month_label(m) for m in months],
                y=table[group].to_numpy(),
                name=group,
                marker_color=GROUP_COLOURS.get(group),
                hovertemplate="%{x}<br>" + group + ": %{y}<extra></extra>",
            )
    figure.update_layout(
        barmode="stack",
        height=360,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        legend={"orientation": "h", "y": -0.15, "title": None},
        yaxis_title="Antal händelser",
        xaxis={"type": "category"},
        separators=", ",
    )
    return figure
