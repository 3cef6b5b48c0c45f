"""The report's figures and map as PNG images, drawn offline with matplotlib (no pyplot: a `Figure` per call is
safe in the app's threads; no map tiles: only the areas and the municipality's outline).

Every function takes counts as they may be shown (NaN where hidden from a viewer) and never looks anything up.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from lagesbild import formatting
from lagesbild.charts import GROUP_COLOURS, WEEKDAYS_SHORT

DPI = 150
HIDDEN_COLOUR = "#d9d9d9"
MISSING_COLOUR = "#f0f0f0"
PALETTE = ["#ffeda0", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]  # the app's map palette


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return buffer.getvalue()


def monthly_trend(monthly: pd.DataFrame, missing: list[pd.Timestamp] | None = None) -> bytes:
    """Stacked bars per month and category group (columns month, category_group, count; NaN: not drawn) with
    months without data shaded."""
    figure = Figure(figsize=(8, 3.4))
    ax = figure.add_subplot()
    months = sorted(pd.to_datetime(monthly["month"]).unique()) if len(monthly) else []
    missing = missing or []
    every = sorted(set(months) | {pd.Timestamp(m) for m in missing})
    position = {m: i for i, m in enumerate(every)}
    bottom = np.zeros(len(every))
    for group, rows in monthly.groupby("category_group", sort=True):
        values = np.zeros(len(every))
        for month, count in zip(pd.to_datetime(rows["month"]), rows["count"], strict=True):
            values[position[month]] = 0.0 if count != count else float(count)
        ax.bar(range(len(every)), values, bottom=bottom, label=str(group),
               color=GROUP_COLOURS.get(str(group), "#888888"), width=0.8)
        bottom += values
    for month in missing:
        ax.axvspan(position[pd.Timestamp(month)] - 0.5, position[pd.Timestamp(month)] + 0.5, color=MISSING_COLOUR,
                   zorder=0)
    step = max(1, math.ceil(len(every) / 12))
    ax.set_xticks(range(0, len(every), step),
                  [f"{formatting.MONTHS_SHORT[m.month - 1]} {m.year % 100:02d}" for m in every[::step]],
                  rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("Händelser per månad")
    ax.spines[["top", "right"]].set_visible(False)
    if len(monthly):
        ax.legend(fontsize=7, ncols=3, frameon=False, loc="upper left", bbox_to_anchor=(0, 1.18))
    return _png(figure)


def hour_weekday(counts: pd.DataFrame, hidden_label: str) -> bytes:
    """The weekday × hour heat map (columns weekday 1–7, hour, count; NaN: hidden, marked `hidden_label`)."""
    grid = np.zeros((7, 24))
    hidden = np.zeros((7, 24), dtype=bool)
    for weekday, hour, count in zip(counts["weekday"], counts["hour"], counts["count"], strict=True):
        if count != count:
            hidden[int(weekday) - 1, int(hour)] = True
        else:
            grid[int(weekday) - 1, int(hour)] = float(count)
    figure = Figure(figsize=(8, 3.0))
    ax = figure.add_subplot()
    image = ax.imshow(np.where(hidden, np.nan, grid), aspect="auto", cmap="YlOrRd", interpolation="nearest")
    image.set_cmap(image.cmap.with_extremes(bad=HIDDEN_COLOUR))
    for row, column in zip(*np.nonzero(hidden), strict=True):
        ax.text(column, row, hidden_label, ha="center", va="center", fontsize=5, color="#555555")
    ax.set_yticks(range(7), list(WEEKDAYS_SHORT))
    ax.set_xticks(range(0, 24, 2), [f"{h:02d}" for h in range(0, 24, 2)], fontsize=8)
    ax.set_xlabel("Klockslag (timme)")
    figure.colorbar(image, ax=ax, label="Händelser", fraction=0.03)
    return _png(figure)


def year_wheel(months: pd.DataFrame) -> bytes:
    """The yearly cycle: average incidents per calendar month (columns month 1–12, average; NaN: not drawn)."""
    figure = Figure(figsize=(8, 2.6))
    ax = figure.add_subplot()
    values = [0.0 if v != v else float(v) for v in months["average"]]
    ax.bar(range(12), values, color="#3182bd")
    ax.set_xticks(range(12), list(formatting.MONTHS_SHORT))
    ax.set_ylabel("Snitt per år")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def area_map(areas: object, value: str, outline: object, label: str, hidden_label: str) -> bytes:
    """The areas coloured by `value` in six classes (hidden ones grey), the municipality's outline drawn over them
    and the five highest areas named. `areas` and `outline` are GeoDataFrames/GeoSeries in SWEREF 99 TM."""
    import geopandas as gpd

    frame: gpd.GeoDataFrame = areas
    figure = Figure(figsize=(7, 7))
    ax = figure.add_subplot()
    shown = frame[frame[value].notna()]
    hidden = frame[frame[value].isna()]
    handles = []
    if len(shown):
        top = float(shown[value].max())
        bounds = sorted({0.0, *np.quantile(shown[value], np.linspace(0, 1, len(PALETTE) + 1))[1:-1], top + 1e-9})
        colours = PALETTE[-(len(bounds) - 1):] if len(bounds) > 1 else PALETTE[:1]
        cmap, norm = ListedColormap(colours), BoundaryNorm(bounds, len(colours))
        shown.plot(ax=ax, column=value, cmap=cmap, norm=norm, edgecolor="#666666", linewidth=0.4)
        handles = [Patch(facecolor=c, edgecolor="#666666",
                         label=f"{formatting.number(a, 1)}–{formatting.number(b, 1)}")
                   for c, a, b in zip(colours, bounds[:-1], bounds[1:], strict=True)]
        for row in shown.sort_values(value, ascending=False).head(5).itertuples():
            point = row.geometry.representative_point()
            ax.annotate(str(row.name), (point.x, point.y), fontsize=7, ha="center",
                        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.7})
    if len(hidden):
        hidden.plot(ax=ax, color=HIDDEN_COLOUR, edgecolor="#666666", linewidth=0.4)
        handles.append(Patch(facecolor=HIDDEN_COLOUR, edgecolor="#666666", label=f"{hidden_label} (visas inte)"))
    gpd.GeoSeries(outline).boundary.plot(ax=ax, color="#222222", linewidth=1.4)
    if handles:
        ax.legend(handles=handles, title=label, fontsize=7, title_fontsize=8, loc="lower right", frameon=True)
    ax.set_axis_off()
    ax.set_aspect("equal")
    return _png(figure)


def comparison(table: pd.DataFrame, own_label: str, group_label: str) -> bytes:
    """Own municipality against the group's middle half (Q1–Q3, median dotted) and the country, per year
    (columns year, own, group_q1, group_median, group_q3, country)."""
    figure = Figure(figsize=(8, 3.2))
    ax = figure.add_subplot()
    years = table["year"].astype(int).to_numpy()
    ax.fill_between(years, table["group_q1"].astype(float), table["group_q3"].astype(float), color="#bdbdbd",
                    alpha=0.6, label=f"{group_label}: mittersta hälften")
    ax.plot(years, table["group_median"].astype(float), linestyle=":", color="#555555", label="Gruppens median")
    ax.plot(years, table["country"].astype(float), color="#3182bd", marker="s", label="Riket")
    ax.plot(years, table["own"].astype(float), color="#bd0026", marker="o", linewidth=2, label=own_label)
    ax.set_xticks(years, [str(y) for y in years])
    ax.set_ylabel("Per 100 000 invånare")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return _png(figure)
