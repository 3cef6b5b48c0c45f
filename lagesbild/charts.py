"""Figure builders: each returns a plotly Figure; pages only draw them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lagesbild.formatting import MONTHS_SHORT, number, plain_html

GROUP_COLOURS = {
    "Våld": "#b2182b",
    "Tillgrepp": "#ef8a62",
    "Skadegörelse": "#8c6bb1",
    "ANDTS": "#1b7837",
    "Vapen": "#7f3b08",
    "Ordning och miljö": "#67a9cf",
    "Otrygghet": "#969696",
}


def _month_label(month: pd.Timestamp) -> str:
    return f"{MONTHS_SHORT[month.month - 1]} {month.year}"


MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60)


def month_labels(values: Iterable[object]) -> list[str]:
    """'maj 2025' for each date (for hover texts: plotly's own date names are English)."""
    return [_month_label(pd.Timestamp(v)) for v in values]


def swedish_date_axis(figure: go.Figure, first: object, last: object, axis: str = "xaxis",
                      most: int = 8) -> None:
    """Tick labels in Swedish on a date axis ('jan 2025', 'apr 2025', …): plotly names months in English and
    Streamlit bundles no Swedish plotly locale, so the ticks are set explicitly, at most `most` of them, on the
    first of a month every 1, 2, 3, 6, 12 … months (multiples of the step, so January stays a tick)."""
    start, end = pd.Timestamp(first), pd.Timestamp(last)
    if pd.isna(start) or pd.isna(end):
        return
    months = pd.date_range(start.to_period("M").to_timestamp(), end, freq="MS")
    if len(months) == 0:
        months = pd.DatetimeIndex([start.to_period("M").to_timestamp()])
    step = next((s for s in MONTH_STEPS if len(months) / s <= most), MONTH_STEPS[-1])
    ticks = [m for m in months if (m.year * 12 + m.month - 1) % step == 0] or [months[0]]
    figure.update_layout({axis: {"tickmode": "array", "tickvals": ticks, "ticktext": month_labels(ticks)}})


BAND_FILL = "rgba(120, 120, 120, 0.22)"
BAND_LINE = "#444444"


def expected_band(figure: go.Figure, band: pd.DataFrame, x: Sequence[object], x0: Sequence[object],
                  x1: Sequence[object]) -> None:
    """Draw an expected band (from `expected.bands`) behind a figure's data: a shaded box from low to high and a
    dotted line at the expected value for each month, and the Swedish hover text on an invisible marker.

    `x` holds each band row's position on the x axis (as the data give it), `x0` and `x1` where its box begins
    and ends (a category axis takes the category's index there)."""
    if band.empty:
        return
    for left, right, low, high, mean in zip(x0, x1, band["low"], band["high"], band["expected"], strict=True):
        figure.add_shape(type="rect", x0=left, x1=right, y0=low, y1=high, layer="below",
                         fillcolor=BAND_FILL, line={"width": 0})
        figure.add_shape(type="line", x0=left, x1=right, y0=mean, y1=mean, layer="below",
                         line={"color": BAND_LINE, "width": 1.5, "dash": "dot"})
    # Shapes do not widen the y axis; invisible points at both ends of every box do.
    figure.add_scatter(x=[*x, *x], y=[*band["low"], *band["high"]], mode="markers", showlegend=False,
                       marker={"opacity": 0}, hoverinfo="skip")
    figure.add_scatter(x=x, y=band["expected"], mode="markers", name="Förväntat", showlegend=False,
                       marker={"opacity": 0, "size": 14}, customdata=band["text"].to_numpy(),
                       hovertemplate="%{customdata}<extra></extra>")
    figure.add_scatter(x=[None], y=[None], mode="markers", name="Förväntat spann (95 %)", hoverinfo="skip",
                       marker={"symbol": "square", "size": 14, "color": BAND_FILL,
                               "line": {"color": BAND_LINE, "width": 1}})


def expected_band_by_month(figure: go.Figure, band: pd.DataFrame) -> None:
    """`expected_band` on a date axis whose points lie on the first of each month."""
    half = pd.Timedelta(days=12)
    expected_band(figure, band, list(band["month"]), [m - half for m in band["month"]],
                  [m + half for m in band["month"]])


def monthly_trend(monthly: pd.DataFrame, band: pd.DataFrame | None = None, *,
                  coverage: pd.DataFrame | None = None) -> go.Figure:
    """Stacked monthly bars per category group, from `queries.monthly_by_group`, with an optional expected band
    (from `expected.bands`) behind them.

    With `coverage` (`coverage.month_states` for the period) every month of the period gets a place: a month
    no chosen source delivered has no bar and a grey band "saknar data"; a month only some delivered is hatched."""
    figure = go.Figure()
    states = None if coverage is None or coverage.empty else coverage.set_index(pd.DatetimeIndex(coverage["month"]))
    if not monthly.empty or states is not None:
        months = (pd.DatetimeIndex(states.index) if states is not None
                  else pd.DatetimeIndex(sorted(pd.to_datetime(monthly["month"]).unique())))
        monthly = monthly.assign(month=pd.to_datetime(monthly["month"]))
        # A hidden count (NaN, "<5" for viewers) stays a gap; a month with no incidents of a group is a zero.
        table = monthly.pivot(index="month", columns="category_group", values="count")
        present = monthly.assign(n=1).pivot(index="month", columns="category_group", values="n")
        table = table.where(present.notna(), 0.0).reindex(months, fill_value=0)
        labels = [_month_label(m) for m in months]
        state = states["state"].reindex(months) if states is not None else pd.Series("full", index=months)
        table.loc[(state == "missing").to_numpy()] = np.nan  # no data is not zero crime: no bar at all
        partial = (state == "partial").to_numpy()
        lacking = ([("<br>delvis: saknar data från " + plain_html(", ".join(who)).replace("%{", "% {")) if p else ""
                    for who, p in zip(states["lacking"].reindex(months), partial, strict=True)]
                   if states is not None else [""] * len(months))
        missing = (state == "missing").to_numpy()
        for group in sorted(table.columns, key=lambda g: list(GROUP_COLOURS).index(g) if g in GROUP_COLOURS else 99):
            values = table[group].to_numpy(float)
            # plotly.js stacks the rest of a month wrongly when one segment is null, so a hidden ("<5") or missing
            # segment is drawn with no height and says what it is on hover instead of showing a number.
            said = ["saknar data" if gone else "under 5, visas inte" if v != v else number(v)
                    for v, gone in zip(values, missing, strict=True)]
            figure.add_bar(
                x=labels,
                y=np.nan_to_num(values, nan=0.0),
                name=plain_html(group),
                marker_color=GROUP_COLOURS.get(group),
                marker_pattern_shape=["/" if p else "" for p in partial],
                customdata=np.column_stack([said, lacking]),
                hovertemplate="%{x}<br>" + plain_html(group).replace("%{", "% {")
                              + ": %{customdata[0]}%{customdata[1]}<extra></extra>",
            )
        if table.columns.empty:
            figure.add_bar(x=labels, y=[None] * len(labels), showlegend=False, hoverinfo="skip")
        _missing_bands(figure, missing)
        if band is not None:
            drawn = band[band["month"].isin(months)]
            at = [months.get_loc(m) for m in drawn["month"]]
            expected_band(figure, drawn, [_month_label(m) for m in drawn["month"]], [i - 0.48 for i in at],
                          [i + 0.48 for i in at])
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


def _missing_bands(figure: go.Figure, missing: Iterable[bool]) -> None:
    """A grey band "saknar data" over each run of months without data (category positions on the x axis)."""
    start: int | None = None
    for index, gone in enumerate([*missing, False]):
        if gone and start is None:
            start = index
        elif not gone and start is not None:
            figure.add_vrect(x0=start - 0.5, x1=index - 0.5, fillcolor="#969696", opacity=0.18, line_width=0,
                             annotation_text="saknar data", annotation_position="top left")
            start = None


WEEKDAYS_SHORT = ("mån", "tis", "ons", "tor", "fre", "lör", "sön")


def hour_weekday_heatmap(counts: pd.DataFrame, hidden_label: str = "<5", day_start: int = 0) -> go.Figure:
    """Hour × weekday heat map from shown counts (weekday, hour, count; NaN = hidden, drawn blank with its label).

    With `day_start` (say 6) the hours run from it to the hour before it, left to right; the weekdays are then
    expected to be those of the day each row's 24 hours begin on (`patterns.night_weekdays`)."""
    hours = [(day_start + k) % 24 for k in range(24)]
    grid = np.zeros((7, 24))
    for weekday, hour, count in counts[["weekday", "hour", "count"]].itertuples(index=False):
        grid[int(weekday) - 1, hours.index(int(hour))] = count
    text = [[(hidden_label if np.isnan(v) else ("" if v == 0 else f"{int(v)}")) for v in row] for row in grid]
    figure = go.Figure(go.Heatmap(
        z=grid, x=[f"{h:02d}" for h in hours], y=list(WEEKDAYS_SHORT), colorscale="YlOrRd",
        text=text, texttemplate="%{text}", hovertemplate="%{y} kl. %{x}: %{text}<extra></extra>",
        zmin=0, zmax=max(1.0, float(np.nanmax(grid)) if np.isfinite(grid).any() else 1.0),
        colorbar={"title": "Antal"}))
    # "06" … "05" are categories: read as numbers, the axis would sort them back to 0…23.
    figure.update_layout(height=330, margin={"l": 10, "r": 10, "t": 10, "b": 10}, xaxis_title="Klockslag",
                         xaxis={"type": "category"}, yaxis={"autorange": "reversed"})
    return figure


def months_against_last_year(now: pd.DataFrame, before: pd.DataFrame) -> go.Figure:
    """Monthly counts of the period against the same months a year earlier (two lines)."""
    figure = go.Figure()
    if not now.empty:
        figure.add_scatter(x=[_month_label(m) for m in now["month"]], y=now["count"], mode="lines+markers",
                           name="Vald period", line={"color": "#b2182b"})
    if not before.empty:
        shifted = [m + pd.DateOffset(years=1) for m in before["month"]]
        figure.add_scatter(x=[_month_label(m) for m in shifted], y=before["count"], mode="lines+markers",
                           name="Samma månader året innan", line={"color": "#969696", "dash": "dot"})
    figure.update_layout(height=320, margin={"l": 10, "r": 10, "t": 10, "b": 10}, yaxis_title="Händelser",
                         xaxis={"type": "category"}, legend={"orientation": "h", "y": -0.2}, separators=", ")
    return figure


def year_wheel(months: pd.DataFrame) -> go.Figure:
    """Årshjul: the average number of incidents per calendar month (from `patterns.calendar_months`), polar bars."""
    figure = go.Figure(go.Barpolar(r=months["average"].to_numpy(), theta=list(MONTHS_SHORT), marker_color="#ef8a62",
                                   hovertemplate="%{theta}: %{r:.1f} i snitt<extra></extra>"))
    figure.update_layout(height=360, margin={"l": 30, "r": 30, "t": 30, "b": 30},
                         polar={"angularaxis": {"direction": "clockwise", "rotation": 90}})
    return figure


STATUS_COLOURS = {"pågående": "#1b7837", "planerad": "#3182bd", "avslutad": "#756bb1"}


def timeline(interventions: pd.DataFrame, today: pd.Timestamp) -> go.Figure:
    """A Gantt chart of interventions (from `register.listing`), coloured by status; open ends run to today."""
    figure = go.Figure()
    for status, colour in STATUS_COLOURS.items():
        chosen = interventions[interventions["status"] == status]
        if chosen.empty:
            continue
        starts = pd.to_datetime(chosen["start_date"])
        ends = pd.to_datetime(chosen["end_date"]).fillna(max(today, starts.max())) + pd.Timedelta(days=1)
        figure.add_bar(
            y=chosen["name"].map(plain_html), x=(ends - starts).dt.total_seconds() * 1000, base=starts,
            orientation="h", name=status, marker_color=colour,
            customdata=np.stack([chosen["areas"].fillna("").map(plain_html),
                                 chosen["risk_factors"].fillna("").map(plain_html), starts.dt.strftime("%Y-%m-%d"),
                                 pd.to_datetime(chosen["end_date"]).dt.strftime("%Y-%m-%d").fillna("tills vidare")],
                                axis=1),
            hovertemplate="<b>%{y}</b><br>%{customdata[2]} – %{customdata[3]}<br>Område: %{customdata[0]}"
                          "<br>Mot: %{customdata[1]}<extra></extra>")
    figure.add_vline(x=today.timestamp() * 1000, line_dash="dot", line_color="#333")
    if not interventions.empty:
        starts = pd.to_datetime(interventions["start_date"])
        ends = pd.to_datetime(interventions["end_date"]).fillna(max(today, starts.max()))
        swedish_date_axis(figure, min(starts.min(), today), max(ends.max(), today))
    figure.update_layout(barmode="overlay", height=max(260, 26 * len(interventions) + 80),
                         margin={"l": 10, "r": 10, "t": 10, "b": 10}, xaxis={"type": "date"},
                         yaxis={"autorange": "reversed"}, legend={"orientation": "h", "y": -0.1})
    return figure
