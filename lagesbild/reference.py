"""The municipality against similar municipalities and the country, from imported reference statistics.

BRÅ's guidance asks the lägesbild to compare reported crime per 100 000 inhabitants with similar
municipalities and the country. "Similar" is SKR's kommungruppsindelning 2023 (nine groups, A1 … C9; shipped in
`lagesbild/data/kommuner.csv`); the figures are what `lagesbild.ingest.reference` stored (BRÅ, Kolada). These
are public aggregates per municipality: nothing here needs disclosure control.

Per year: the municipality's own rate; the group's middle half (first to third quartile) and median over the
group's municipalities that have a figure (the municipality itself included, as in SKR's groups); and the
country: all reported crimes in the municipalities over all their inhabitants × 100 000 when counts exist for
(nearly) every municipality, the population being Kolada's for that year or else the one BRÅ's own rate implies
(count / rate × 100 000); otherwise the median of the municipalities' rates when (nearly) every municipality has
one; otherwise none. `Comparison.country_method` says which. Crimes BRÅ places in no municipality are not in the
sum, so the country figure is somewhat below BRÅ's national total per 100 000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import pandas as pd
import plotly.graph_objects as go

from lagesbild.formatting import number
from lagesbild.ingest.reference import COUNT, PER_100K, POPULATION, TOTAL, municipalities

SKR_GROUPS = {
    "A1": "Storstäder",
    "A2": "Pendlingskommun nära storstad",
    "B3": "Större stad",
    "B4": "Pendlingskommun nära större stad",
    "B5": "Lågpendlingskommun nära större stad",
    "C6": "Mindre stad/tätort",
    "C7": "Pendlingskommun nära mindre stad/tätort",
    "C8": "Landsbygdskommun",
    "C9": "Landsbygdskommun med besöksnäring",
}
SKR_SOURCE = "SKR, Kommungruppsindelning 2023"
TABLE_COLUMNS = ["year", "own", "group_q1", "group_median", "group_q3", "country", "group_size"]
COUNTRY_COVERAGE = 0.95    # figures for at least this share of municipalities, or no country figure at all:
                           # sum / sum with counts, else the median of the rates (a file of one group is not Sweden)
MIN_GROUP = 4              # fewer of the group with figures in a year: no quartiles (a "middle half" of 3 is noise)
REPORTING_CAVEAT = ("Anmälda brott visar också hur mycket som anmäls och registreras: skillnader kan bero på "
                    "anmälningsbenägenhet, polisens arbete och var brotten registreras, inte bara på hur många brott "
                    "som begås.")
OWN_COLOUR, GROUP_COLOUR, COUNTRY_COLOUR = "#b2182b", "rgba(33, 102, 172, 0.25)", "#404040"


@dataclass(frozen=True)
class Comparison:
    """The municipality's rate per year against its SKR group and the country, with a plain Swedish note."""

    measure: str            # Swedish, e.g. "Anmälda brott per 100 000 invånare"
    source: str             # e.g. "Brå, Anmälda brott i kommunerna 2021"
    group_name: str         # e.g. "Pendlingskommun nära mindre stad/tätort (SKR C7)"
    table: pd.DataFrame     # one row per year: TABLE_COLUMNS
    note: str               # where the municipality lies against group and country, what is missing, the caveat
    municipality: str = ""  # the municipality's short name, e.g. "Sölvesborg"
    country_method: str = ""  # how "riket" was computed, one Swedish phrase per year that has it


def group_name(code: str) -> str:
    """'Pendlingskommun nära större stad (SKR B4)' for a municipality code."""
    group = municipalities()[code].skr_group
    return f"{SKR_GROUPS[group]} (SKR {group})"


def _statistics(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    cur = con.cursor()
    try:
        return cur.execute(
            "SELECT municipality_code, year, measure, measure_label, unit, value, source FROM reference_statistics"
        ).df()
    finally:
        cur.close()


def _choose_measure(stats: pd.DataFrame) -> str | None:
    """The total of reported crimes when there is a rate (or count and population) for it, else the measure
    with the most rates per 100 000."""
    total = stats[stats["measure"] == TOTAL]
    if (total["unit"] == PER_100K).any() or (
            (total["unit"] == COUNT).any() and (stats["measure"] == POPULATION).any()):
        return TOTAL
    rated = stats[(stats["unit"] == PER_100K) & (stats["measure"] != POPULATION)]
    if rated.empty:
        return None
    counts = rated.groupby("measure").size()
    return str(sorted(counts.index, key=lambda m: (-counts[m], m))[0])


def rates(stats: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Per municipality and year: rate per 100 000, count and population where known, and the source.

    A rate given in the files wins; else count / population × 100 000 with Kolada's population that year.
    """
    own = stats[stats["measure"] == measure]
    keys = ["municipality_code", "year"]
    rate = own[own["unit"] == PER_100K][[*keys, "value", "source"]].rename(columns={"value": "rate"})
    count = own[own["unit"] == COUNT][[*keys, "value", "source"]].rename(
        columns={"value": "count", "source": "count_source"})
    population = stats[(stats["measure"] == POPULATION) & (stats["unit"] == COUNT)][[*keys, "value"]].rename(
        columns={"value": "population"})
    frame = rate.merge(count, on=keys, how="outer").merge(population, on=keys, how="left")
    frame["source"] = frame["source"].fillna(frame["count_source"])
    computed = frame["count"] * 100_000.0 / frame["population"].where(frame["population"] > 0)
    frame["rate"] = frame["rate"].fillna(computed)
    # The population BRÅ's own rate implies, for the country's sum / sum when Kolada has none that year.
    implied = frame["count"] * 100_000.0 / frame["rate"].where(frame["rate"] > 0)
    frame["population"] = frame["population"].fillna(implied)
    return frame[[*keys, "rate", "count", "population", "source"]]


def _country(year_rates: pd.DataFrame) -> tuple[float, str]:
    """The national rate for one year and how it was computed (Swedish), or NaN and ''."""
    counted = year_rates.dropna(subset=["count", "population"])
    counted = counted[counted["population"] > 0]
    needed = COUNTRY_COVERAGE * len(municipalities())
    if len(counted) >= needed:
        value = counted["count"].sum() * 100_000.0 / counted["population"].sum()
        return float(value), (f"samtliga anmälda brott delat med samtliga invånare i de {len(counted)} kommuner "
                              "som har siffror")
    present = year_rates["rate"].dropna()
    if len(present) >= needed:
        return float(present.median()), f"medianen av {len(present)} kommuners tal (antal saknas)"
    return math.nan, ""


def comparison(con: duckdb.DuckDBPyConnection, municipality_code: str) -> Comparison | None:
    """The comparison for one municipality (4-digit code), or None when no reference statistics are imported."""
    if municipality_code not in municipalities():
        raise ValueError(f"unknown municipality code {municipality_code!r}")
    stats = _statistics(con)
    measure = _choose_measure(stats) if not stats.empty else None
    if measure is None:
        return None
    frame = rates(stats, measure).dropna(subset=["rate"])
    group = municipalities()[municipality_code].skr_group
    members = {code for code, m in municipalities().items() if m.skr_group == group}
    rows, methods = [], []
    for year, year_rates in frame.groupby("year", sort=True):
        in_group = year_rates[year_rates["municipality_code"].isin(members)]["rate"]
        own = year_rates.loc[year_rates["municipality_code"] == municipality_code, "rate"]
        country, method = _country(year_rates)
        if method:
            methods.append(f"{year}: {method}")
        if not len(own) and not len(in_group):
            continue  # a year only other groups have figures for says nothing here
        enough = len(in_group) >= MIN_GROUP
        rows.append({"year": int(year), "own": float(own.iloc[0]) if len(own) else math.nan,
                     "group_q1": float(in_group.quantile(0.25)) if enough else math.nan,
                     "group_median": float(in_group.median()) if enough else math.nan,
                     "group_q3": float(in_group.quantile(0.75)) if enough else math.nan,
                     "country": country, "group_size": len(in_group)})
    table = pd.DataFrame(rows, columns=TABLE_COLUMNS).astype({"year": int, "group_size": int})
    label = stats.loc[stats["measure"] == measure, "measure_label"].iloc[0]
    sources = sorted(set(frame["source"].dropna()), key=lambda s: (s[-4:], s))
    place = municipalities()[municipality_code].short_name
    result = Comparison(
        measure=f"{label} per 100 000 invånare",
        source="; ".join(sources),
        group_name=f"{SKR_GROUPS[group]} (SKR {group})",
        table=table,
        note="",
        municipality=place,
        country_method="; ".join(methods),
    )
    return Comparison(result.measure, result.source, result.group_name, table,
                      _note(result, len(members)), place, result.country_method)


def _position(own: float, q1: float, q3: float) -> str:
    if own > q3:
        return "över den mittersta hälften av liknande kommuner, alltså högre än de flesta av dem"
    if own < q1:
        return "under den mittersta hälften av liknande kommuner, alltså lägre än de flesta av dem"
    return "inom den mittersta hälften av liknande kommuner"


def _against_country(own: float, country: float) -> str:
    if abs(own - country) <= 0.05 * country:
        return "ungefär som riket"
    return "högre än riket" if own > country else "lägre än riket"


def _note(c: Comparison, members: int) -> str:
    """Plain Swedish: the latest year with a comparison, against group and country; later years and gaps."""
    table = c.table
    known = table.dropna(subset=["own"])
    comparable = known.dropna(subset=["group_median"])
    group = c.group_name.replace(" (SKR ", ", SKR ").removesuffix(")")
    measure = c.measure[0].lower() + c.measure[1:]
    sentences = []
    if known.empty:
        sentences.append(f"{c.municipality} saknas i den importerade statistiken, så kommunen kan inte jämföras; "
                         "figuren visar bara liknande kommuner och riket.")
    if not comparable.empty:
        row = comparable.iloc[-1]
        year, own = int(row["year"]), float(row["own"])
        sentence = (f"År {year} hade {c.municipality} {number(own)} {measure}. Det ligger "
                    f"{_position(own, row['group_q1'], row['group_q3'])} ({group}: mittersta hälften "
                    f"{number(row['group_q1'])}–{number(row['group_q3'])}, median {number(row['group_median'])}, "
                    f"{int(row['group_size'])} av gruppens {members} kommuner har siffror)")
        if math.isnan(row["country"]):
            sentence += "; ett tal för riket kan inte räknas fram ur de importerade siffrorna."
        else:
            sentence += f" och är {_against_country(own, float(row['country']))} ({number(row['country'])})."
        sentences.append(sentence)
    elif not known.empty:
        row = known.iloc[-1]
        sentences.append(f"År {int(row['year'])} hade {c.municipality} {number(row['own'])} {measure}, men för få "
                         f"liknande kommuner ({group}) har siffror för att jämföra med.")
    later = known[known["year"] > (int(comparable.iloc[-1]["year"]) if not comparable.empty else 10_000)]
    for _, row in later.iterrows():
        sentences.append(f"För {int(row['year'])} finns kommunens eget tal ({number(row['own'])}) men bara "
                         f"{int(row['group_size'])} av gruppens {members} kommuner, för få att jämföra med.")
    if len(known) == 1:
        sentences.append(f"Bara ett år ({int(known.iloc[0]['year'])}) finns för kommunen, så utvecklingen över tid "
                         "syns inte; importera fler års statistik för att se den.")
    elif len(known) > 1:
        first, last = known.iloc[0], known.iloc[-1]
        direction = ("ökade" if last["own"] > first["own"] * 1.02 else "minskade"
                     if last["own"] < first["own"] * 0.98 else "var ungefär oförändrat")
        sentences.append(f"Från {int(first['year'])} till {int(last['year'])} {direction} kommunens tal "
                         f"({number(first['own'])} → {number(last['own'])})"
                         + ("; talen kommer från olika källor, så jämför åren med försiktighet." if ";" in c.source
                            else "."))
    sentences.append(REPORTING_CAVEAT)
    return " ".join(sentences)


def comparison_figure(c: Comparison) -> go.Figure:
    """The municipality, the middle half of its group (band) and the country; one year as dot and range bar."""
    table = c.table
    figure = go.Figure()
    hover = "%{x:,.0f}"
    band_name = "Mittersta hälften av liknande kommuner"
    if table.empty:
        figure.add_annotation(text="Inga siffror för kommunen eller liknande kommuner", showarrow=False,
                              xref="paper", yref="paper", x=0.5, y=0.5)
        figure.update_layout(height=160, xaxis={"visible": False}, yaxis={"visible": False})
    elif len(table) == 1:
        row = table.iloc[0]
        y = [str(int(row["year"]))]
        figure.add_bar(y=y, x=[row["group_q3"] - row["group_q1"]], base=[row["group_q1"]], orientation="h",
                       marker_color=GROUP_COLOUR, name=band_name, width=0.4,
                       hovertemplate=("Mittersta hälften: " + number(row["group_q1"]) + "–"
                                      + number(row["group_q3"]) + "<extra></extra>"))
        figure.add_scatter(y=y, x=[row["group_median"]], mode="markers", name="Median, liknande kommuner",
                           marker={"symbol": "line-ns-open", "size": 26, "color": "#2166ac", "line": {"width": 3}},
                           hovertemplate="Median: " + hover + "<extra></extra>")
        if not math.isnan(row["country"]):
            figure.add_scatter(y=y, x=[row["country"]], mode="markers", name="Riket",
                               marker={"symbol": "diamond", "size": 13, "color": COUNTRY_COLOUR},
                               hovertemplate="Riket: " + hover + "<extra></extra>")
        if not math.isnan(row["own"]):
            figure.add_scatter(y=y, x=[row["own"]], mode="markers", name=c.municipality or "Kommunen",
                               marker={"size": 15, "color": OWN_COLOUR},
                               hovertemplate=(c.municipality or "Kommunen") + ": " + hover + "<extra></extra>")
        figure.update_layout(height=250, xaxis={"title": c.measure, "tickformat": ",d"},
                             yaxis={"type": "category", "title": None}, barmode="overlay")
    else:
        years = table["year"].astype(int).tolist()
        figure.add_scatter(x=years, y=table["group_q1"], mode="lines", line={"width": 0}, showlegend=False,
                           hoverinfo="skip")
        figure.add_scatter(x=years, y=table["group_q3"], mode="lines", line={"width": 0}, fill="tonexty",
                           fillcolor=GROUP_COLOUR, name=band_name, hoverinfo="skip")
        figure.add_scatter(x=years, y=table["group_median"], mode="lines", name="Median, liknande kommuner",
                           line={"color": "#2166ac", "dash": "dash"},
                           hovertemplate="Median %{x}: %{y:,.0f}<extra></extra>")
        if table["country"].notna().any():
            figure.add_scatter(x=years, y=table["country"], mode="lines+markers", name="Riket",
                               line={"color": COUNTRY_COLOUR, "dash": "dot"},
                               hovertemplate="Riket %{x}: %{y:,.0f}<extra></extra>")
        figure.add_scatter(x=years, y=table["own"], mode="lines+markers", name=c.municipality or "Kommunen",
                           line={"color": OWN_COLOUR, "width": 3},
                           hovertemplate=(c.municipality or "Kommunen") + " %{x}: %{y:,.0f}<extra></extra>")
        figure.update_layout(height=360, yaxis={"title": c.measure, "tickformat": ",d"},
                             xaxis={"tickmode": "array", "tickvals": years, "title": None})
    # The legend above the plot: below it, it ran into the axis title.
    figure.update_layout(margin={"l": 10, "r": 10, "t": 40, "b": 10}, separators=", ",
                         legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "title": None})
    return figure
