"""The lägesbild report's content, built from the same core functions the pages use (so every number agrees with
the app), as a `Report` of headings, text, tables and figures. No Streamlit, no layout.

Lag (2023:196) 4 § asks for a kartläggning of crime — its extent and consequences — other relevant information
and an analysis; BRÅ's guidance adds the sources used and missing, a comparison with similar municipalities and
the country, patterns by place, season, weekday and hour, and problems prioritised with reasons. The chapters
follow that order. Every count passes the `Disclosure` given: a protected report (`Disclosure(viewer=True)`)
holds only moved counts and "<5", as a council member's link shows them.

Each section says what is missing instead of failing when the database has no data for it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from lagesbild import (
    __version__,
    concentration,
    coverage,
    emerging,
    followup,
    formatting,
    geo,
    maps,
    overview,
    patterns,
    priorities,
    protect,
    queries,
    reference,
    register,
)
from lagesbild import view as view_module
from lagesbild.filters import Filters, shift_years
from lagesbild.protect import Disclosure, combine_keys
from lagesbild.report import figures
from lagesbild.report.model import Bullets, Heading, Image, Paragraph, Report, Table
from lagesbild.report.references import ReferenceComparison, reference_comparison

CHAPTERS = ("Sammanfattning", "Kartläggning", "Källor", "Analys och prioriterade problem",
            "Åtgärdsplan med uppföljning", "Metod och förbehåll", "Datum och dataversion")
MAPPING_SECTIONS = ("Omfattning", "Utveckling över tid", "Var", "När", "Riskfaktorer", "Upplevd trygghet",
                    "Jämförelse med liknande kommuner och riket")
CAUSES = "Orsaksanalys (fylls i av analytikern)"
NO_REFERENCE = "Ingen referensstatistik importerad"
TREND_YEARS = 3             # 'Utveckling över tid' looks this many years back from the period's end
TOP_RANKED = 10
SIGNAL_CRIMES = {"skadegorelse", "klotter", "nedskrapning", "ordningsstorning"}  # signalbrott: signal disorder
NO_INCIDENTS = ("Det finns inga händelser för perioden och filtren. Kartläggningen saknar underlag här: importera "
                "händelser (Ladda upp data) eller välj en annan period.")

# BRÅ's list of sources for a lägesbild: (code in the database or '', name, what is lost without it)
RECOMMENDED_SOURCES = (
    ("polisen", "Polisen: anmälda brott och händelser",
     "utan Polisens uppgifter saknas den anmälda brottsligheten, och med bara polisen.se-händelser syns ett urval"),
    ("trygghetsvardar", "Trygghetsvärdarnas observationer",
     "ordningsstörningar, samlingar och otrygga platser som aldrig polisanmäls syns inte"),
    ("skola", "Skolornas rapporter", "skadegörelse, hot och våld i och kring skolor syns bara om de polisanmälts"),
    ("socialtjanst", "Socialtjänstens iakttagelser (utan personuppgifter)",
     "tidiga signaler om unga i riskzon och ANDTS saknas"),
    ("felanmalan", "Kommunens felanmälan (skadegörelse, klotter, nedskräpning)",
     "det mesta klottret och mycket skadegörelse anmäls aldrig till Polisen; kostnaderna syns inte"),
    ("trygghetsvandring", "Trygghetsvandringar", "platser som upplevs otrygga utan att brott anmäls syns inte"),
    ("medborgardialog", "Medborgardialog och enkäter", "invånarnas egen bild av problemen saknas"),
    ("", "Räddningstjänstens insatser vid brand", "anlagda bränder som inte polisanmäls syns inte"),
    ("", "Tekniska förvaltningens kostnader för skadegörelse och klotter",
     "konsekvenserna i kronor kan inte anges"),
    ("", "Trygghetsmätning (Polisen), NTU (BRÅ) eller egen enkät",
     "upplevd otrygghet per område saknas; den kan vara hög där få brott anmäls"),
)


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def _ordinal(position: int) -> str:
    return f"{position}:{'a' if position in (1, 2) else 'e'}"


class _Context:
    """What several chapters share, computed once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, filters: Filters, shown: Disclosure, today: date) -> None:
        self.con, self.filters, self.shown, self.today = con, filters, shown, today
        self.name = queries.municipality_name(con)
        self.table = coverage.monthly(con)
        self.data_range = queries.data_range(con)
        self.population = queries.population(con, filters.end.year)
        now = queries.totals(con, filters)
        self.count = shown.count(now.count, now.key)
        self.exact_count = now.count
        self.gap = overview.comparison_gap(con, filters, self.table)
        self.police = coverage.police_sample(con, filters.sources)
        self.areas = queries.area_shapes(con)
        self._ranking: priorities.Ranking | None = None
        self.categories = pd.DataFrame()
        self.evaluations: dict[int, followup.Evaluation] = {}
        self.listing = pd.DataFrame()
        self.reference: ReferenceComparison | None = None
        self.sources_used: list[str] = []
        self.sources_missing: list[str] = []
        self.peak = ""
        self.kpis: list[overview.Kpi] = []

    @property
    def empty(self) -> bool:
        return self.exact_count == 0

    @property
    def ranking(self) -> priorities.Ranking:
        """The Prioritering page's ranking (and its hot-spot analysis, which the map section shows too)."""
        if self._ranking is None:
            self._ranking = priorities.rank(self.con, self.filters, shown=self.shown, coverage_table=self.table)
        return self._ranking


def build(con: duckdb.DuckDBPyConnection, filters: Filters, *, shown: Disclosure, today: date,
          link: str = "") -> Report:
    """The whole report for `filters` as `shown` lets its reader see it (`link`: the view's link, said at the end)."""
    context = _Context(con, filters, shown, today)
    body = Report(title="", subtitle="", internal=not shown.viewer, made=today)
    for chapter in (_mapping, _sources, _analysis, _plan, _method):
        chapter(context, body)
    report = Report(
        title=f"Lägesbild – {formatting.municipality(context.name)}",
        subtitle=(f"Kartläggning och analys av brottsligheten enligt lag (2023:196) om kommuners ansvar för "
                  f"brottsförebyggande arbete. Period: {formatting.period(filters.start, filters.end)}."),
        internal=not shown.viewer, made=today)
    _summary(context, report)
    report.add(*body.blocks)
    _version(context, report, link)
    return report


# --- Sammanfattning -------------------------------------------------------------------------------------------

def _summary(c: _Context, report: Report) -> None:
    report.add(Heading("Sammanfattning"))
    if queries.is_synthetic(c.con):
        report.add(Paragraph("Demodata: alla händelser, områden och insatser i denna lägesbild är syntetiska och "
                             "beskriver inte verkliga förhållanden.", "missing"))
    if c.data_range is None:
        report.add(Paragraph("Databasen innehåller ännu inga händelser. Lägesbilden kan inte beskriva "
                             "brottsligheten förrän händelser har importerats; avsnitten nedan säger vad som "
                             "saknas.", "missing"))
    items = []
    if not c.empty:
        kpi = {k.label: k for k in c.kpis}
        change = f", {kpi['Händelser'].delta} mot samma period ett år tidigare" if kpi["Händelser"].delta else ""
        items.append(f"Under perioden {formatting.period(c.filters.start, c.filters.end)} registrerades "
                     f"{kpi['Händelser'].value} händelser ({kpi['Per 1 000 invånare'].value} per 1 000 invånare)"
                     f"{change}. Våld: {kpi['Våld'].value}.")
        if c.gap:
            items.append(f"Ingen jämförelse med året innan: {c.gap}.")
        if len(c.categories):
            top = c.categories.head(3)
            items.append("Vanligast: " + ", ".join(f"{r.label.lower()} ({r.shown_text})" for r in top.itertuples())
                         + ".")
            rising = c.categories[c.categories["rising"]]
            if len(rising):
                items.append("Säker ökning mot året innan: " + ", ".join(rising["label"].str.lower()) + ".")
        if c.peak:
            items.append(c.peak)
    elif c.data_range is not None:
        items.append(NO_INCIDENTS)
    if not c.empty and len(c.ranking.table) and (c.ranking.table["rank"] > 0).any():
        ranked = c.ranking.table[c.ranking.table["rank"] > 0].head(3)
        items.append("Högst prioriterade områden (behov mot täckning): "
                     + "; ".join(f"{int(r.rank)}. {r.name}" for r in ranked.itertuples()) + ".")
    if len(c.listing):
        verdicts = pd.Series([e.verdict for e in c.evaluations.values()]).value_counts()
        said = ", ".join(f"{followup.VERDICT_LABELS[v].lower()} {n}" for v, n in verdicts.items())
        running = int((c.listing["status"] == "pågående").sum())
        items.append(f"Insatser: {len(c.listing)} registrerade, {running} pågående. Uppföljning: {said}.")
    else:
        items.append("Inga insatser är registrerade, så det finns ingen åtgärdsplan att följa upp.")
    if c.sources_missing:
        items.append(f"Källor som används: {', '.join(c.sources_used) or 'inga'}. Saknas: "
                     f"{', '.join(c.sources_missing[:4])}"
                     f"{' m.fl.' if len(c.sources_missing) > 4 else ''} (se Källor).")
    report.add(Bullets(tuple(items)))


# --- Kartläggning ---------------------------------------------------------------------------------------------

def _mapping(c: _Context, report: Report) -> None:
    report.add(Heading("Kartläggning"))
    report.add(Paragraph("Kartläggningen beskriver brottsligheten och otryggheten i kommunen: omfattning, "
                         "utveckling, var och när det sker, vilka riskfaktorer som hänger ihop med händelserna och "
                         "hur kommunen ligger till mot liknande kommuner och riket."))
    for section in (_extent, _over_time, _where, _when, _risk_factors, _perceived_safety, _comparison):
        section(c, report)


def _category_table(c: _Context) -> pd.DataFrame:
    """Per category: shown count now and a year earlier, the change (none across a data gap), harm weight."""
    now = queries.area_breakdown(c.con, c.filters, "", "category")
    before = queries.area_breakdown(c.con, c.filters.previous_year(), "", "category")
    weights = dict(queries.rows(c.con, "SELECT label, harm_weight FROM categories"))
    codes = dict(queries.rows(c.con, "SELECT label, code FROM categories"))
    frame = now[["label", "total", "total_key"]].merge(
        before[["label", "total", "total_key"]].rename(columns={"total": "previous", "total_key": "previous_key"}),
        on="label", how="left").fillna({"previous": 0, "previous_key": 0})
    frame["count"] = c.shown.counts(frame["total"], frame["total_key"])
    frame["before"] = c.shown.counts(frame["previous"], frame["previous_key"].astype("int64"))
    exposure = c.filters.days / c.filters.previous_year().days
    frame["change"] = [None if c.gap else c.shown.change(a, b, exposure_ratio=exposure)
                       for a, b in zip(frame["count"], frame["before"], strict=True)]
    frame["rising"] = [ch is not None and ch.verdict == "ökning" for ch in frame["change"]]
    frame["harm_weight"] = frame["label"].map(weights).astype(float)
    frame["code"] = frame["label"].map(codes)
    frame["shown_text"] = [c.shown.text(v) for v in frame["count"]]
    # ordered by the shown count (an order by exact counts would tell a viewer which way the noise went)
    return frame.sort_values(["count", "label"], ascending=[False, True], na_position="last").reset_index(drop=True)


def _extent(c: _Context, report: Report) -> None:
    report.add(Heading("Omfattning", 2))
    if c.empty:
        report.add(Paragraph(NO_INCIDENTS, "missing"))
        return
    c.kpis = overview.key_figures(c.con, c.filters, c.shown, c.table)
    report.add(Table(pd.DataFrame({
        "Nyckeltal": [k.label for k in c.kpis], "Värde": [k.value for k in c.kpis],
        "Mot samma period ett år tidigare": [k.delta or "–" for k in c.kpis]}),
        f"Perioden {formatting.period(c.filters.start, c.filters.end)}. Invånare: {formatting.number(c.population)}."))
    if c.gap:
        report.add(Paragraph(f"Ingen jämförelse med året innan: {c.gap}.", "note"))
    c.categories = _category_table(c)
    shown_total = float(np.nansum(c.categories["count"]))
    report.add(Table(pd.DataFrame({
        "Kategori": c.categories["label"],
        "Händelser": c.categories["shown_text"],
        "Andel": [c.shown.derived(100 * v / shown_total if shown_total else None, 0) + " %"
                  if v == v else "–" for v in c.categories["count"]],
        "Året innan": [c.shown.text(v) for v in c.categories["before"]],
        "Förändring": ["–" if ch is None else formatting.change(ch) for ch in c.categories["change"]],
        "Skadevikt": [formatting.number(w, 1) for w in c.categories["harm_weight"]],
    }), "Händelser per kategori. Skadevikten anger hur allvarlig kategorin räknas (misshandel väger mer än "
        "nedskräpning) och används som mått på konsekvenser."))
    report.add(Paragraph("Konsekvenser: det skadeviktade måttet väger varje händelse efter kategorins "
                         "allvar. Kostnader (t.ex. för sanering av klotter) och följder för utsatta personer finns "
                         "inte i underlaget och behöver beskrivas av verksamheterna.", "note"))


def _long_filters(c: _Context) -> Filters:
    first = shift_years(c.filters.end, -TREND_YEARS).replace(day=1)
    if c.data_range:
        first = max(first, c.data_range[0].replace(day=1))
    return replace(c.filters, start=min(first, c.filters.start))


def _over_time(c: _Context, report: Report) -> None:
    report.add(Heading("Utveckling över tid", 2))
    if c.data_range is None:
        report.add(Paragraph("Ingen utveckling kan visas: databasen har inga händelser.", "missing"))
        return
    span = _long_filters(c)
    monthly = overview.monthly_by_group(c.con, span, c.shown)
    states = coverage.month_states(c.table, span.start, span.end, span.sources)
    missing = list(pd.to_datetime(states.loc[states["state"] == "missing", "month"]))
    if monthly.empty:
        report.add(Paragraph("Inga händelser för filtren under de senaste åren.", "missing"))
        return
    report.add(Image(figures.monthly_trend(monthly, missing),
                     f"Händelser per månad och kategorigrupp, {formatting.period(span.start, span.end)}. Grå fält: "
                     "månader då ingen vald källa har data (inte noll händelser)."
                     + (" Staplar under 5 visas inte." if monthly["count"].isna().any() else "")))
    counts = queries.monthly_counts(c.con, span)
    counts["year"] = pd.to_datetime(counts["month"]).dt.year
    yearly = counts.groupby("year").agg(count=("count", "sum"), ckey=("ckey", combine_keys))
    present = states[states["state"] != "missing"].assign(year=lambda f: pd.to_datetime(f["month"]).dt.year)
    months_with_data = present.groupby("year").size()
    shown_counts = c.shown.counts(yearly["count"], yearly["ckey"])
    rows = []
    for position, (year, value) in enumerate(zip(yearly.index, shown_counts, strict=True)):
        months = int(months_with_data.get(year, 0))
        change = "–"
        if position and months == 12 and int(months_with_data.get(year - 1, 0)) == 12:
            found = c.shown.change(value, shown_counts[position - 1])
            change = "–" if found is None else formatting.change(found)
        rows.append({"År": str(year), "Händelser": c.shown.text(value), "Månader med data": str(months),
                     "Mot året innan": change})
    report.add(Table(pd.DataFrame(rows), "Händelser per kalenderår inom filtren. Förändring visas bara mellan hela "
                                         "år där de valda källorna levererat alla månader."))


def _area_frame(c: _Context) -> Any:
    values = maps.area_values(c.con, view_module.View(filters=c.filters, measure="per1000"), c.shown)
    frame = geo.area_frame(values)
    frame["value"] = frame["value"].astype(float)
    return frame


def _where(c: _Context, report: Report) -> None:
    report.add(Heading("Var", 2))
    if c.areas.empty:
        report.add(Paragraph("Inga områden finns i databasen: importera områdesgränser (t.ex. SCB:s DeSO) med "
                             "befolkning för att visa var händelserna sker.", "missing"))
    elif not c.empty:
        import shapely

        frame = _area_frame(c)
        outline = shapely.union_all(list(frame.geometry))
        report.add(Image(figures.area_map(frame, "value", [outline], "Per 1 000 inv. (per km² utan invånare)",
                                          c.shown.hidden_label),
                         "Händelser per 1 000 invånare och område under perioden (områden utan invånare: per km²), "
                         "med kommungränsen. De fem högsta är namngivna.", 14))
        report.add(Table(overview.top_areas(c.con, c.filters, c.shown, c.table),
                         "Områden med högst andel händelser per 1 000 invånare."))
    if c.empty:
        report.add(Paragraph(NO_INCIDENTS, "missing"))
        return
    found = c.ranking.hot
    if found.message:
        located = c.shown.text(c.shown.count(found.incidents, found.key))
        report.add(Paragraph(f"Hot spots: {found.message} ({located} händelser med plats).", "note"))
    else:
        hot = maps.hotspot_table(found, c.shown)
        report.add(Paragraph(
            f"Hot spots: {len(hot)} rutor om {found.size} m där fler händelser samlas än slumpen förklarar (exakt "
            f"test av varje ruta med grannar, rättat för många samtidiga test), i {len(found.clusters)} "
            f"sammanhängande områden. {found.baseline}"))
        if len(hot):
            report.add(Table(hot.head(10), "De tio starkaste heta rutorna (SCB:s rutnät)."))
    repeat = concentration.analyse(c.con, c.filters)
    shown_table = concentration.display_table(repeat, c.shown)
    if len(shown_table):
        report.add(Table(shown_table.head(8), "Upprepade platser: andelen händelser på de mest drabbade rutorna."))
        report.add(Paragraph(" ".join(concentration.notes(repeat, c.shown)), "note"))


def _when(c: _Context, report: Report) -> None:
    report.add(Heading("När", 2))
    if c.empty:
        report.add(Paragraph(NO_INCIDENTS, "missing"))
        return
    by_hour = queries.hour_weekday(c.con, c.filters)
    by_hour = by_hour.assign(count=c.shown.frame(by_hour)).drop(columns=["ckey"])
    if len(by_hour):
        report.add(Image(figures.hour_weekday(by_hour, c.shown.hidden_label),
                         "Händelser per veckodag och timme under perioden (rutor med "
                         f"”{c.shown.hidden_label}” visas inte)."))
        ordered = by_hour.dropna(subset=["count"]).sort_values("count", ascending=False).head(3)
        if len(ordered):
            when = [f"{formatting.WEEKDAYS[int(r.weekday) - 1]} kl. {int(r.hour):02d}–{(int(r.hour) + 1) % 24:02d}"
                    for r in ordered.itertuples()]
            c.peak = f"Flest händelser: {', '.join(when)}."
            night = by_hour[(by_hour["hour"] >= 22) | (by_hour["hour"] < 4)]["count"]
            total = float(np.nansum(by_hour["count"]))
            share = float(np.nansum(night)) / total if total else math.nan
            report.add(Paragraph(f"{c.peak} Natten kl. 22–04 har {formatting.number(100 * share, 0)} % av "
                                 "händelserna med klockslag (av de värden som visas)."))
    else:
        report.add(Paragraph("Händelserna saknar klockslag; mönster över dygnet kan inte visas.", "missing"))
    months = patterns.calendar_months(c.con, c.filters, c.shown, c.table)
    if months["years"].sum() > 0:
        report.add(Image(figures.year_wheel(months), "Årshjulet: genomsnittligt antal händelser per kalendermånad "
                                                    "över alla år med data (månader utan data räknas inte)."))
        top = months.dropna(subset=["average"]).sort_values("average", ascending=False).head(3)
        if len(top):
            report.add(Paragraph("Flest händelser i genomsnitt: "
                                 + ", ".join(formatting.MONTHS[int(m) - 1] for m in top["month"]) + "."))
    for note in patterns.coverage_notes(c.con, c.filters, c.table):
        report.add(Paragraph(note, "note"))


def _risk_factors(c: _Context, report: Report) -> None:
    report.add(Heading("Riskfaktorer", 2))
    if c.empty:
        report.add(Paragraph(NO_INCIDENTS, "missing"))
        return
    tagged = queries.area_breakdown(c.con, replace(c.filters, risk_factors=()), "", "risk")
    if tagged.empty:
        report.add(Paragraph("Inga händelser är kopplade till någon riskfaktor. Riskfaktorer kan anges vid import "
                             "(kolumnen riskfaktorer) eller av trygghetsvärdar och skolor.", "missing"))
        return
    every = queries.totals(c.con, replace(c.filters, risk_factors=()))
    base = c.shown.count(every.count, every.key)
    tagged["shown"] = c.shown.counts(tagged["total"], tagged["total_key"])
    tagged = tagged.sort_values(["shown", "label"], ascending=[False, True], na_position="last")
    report.add(Table(pd.DataFrame({
        "Riskfaktor": tagged["label"],
        "Händelser med riskfaktorn": [c.shown.text(v) for v in tagged["shown"]],
        "Andel av alla händelser": [c.shown.derived(100 * v / base if base else None, 0) + " %" if v == v else "–"
                                    for v in tagged["shown"]],
    }), "Händelser kopplade till varje riskfaktor (en händelse kan ha flera), utan filtrets riskfaktorval."))
    lifts = priorities.lift_table(c.con, c.filters, c.shown)
    lifts = lifts[(lifts["area_tagged"] >= priorities.MIN_LIFT_COUNT) & (lifts["low"] > 1)]
    if len(lifts):
        lifts = lifts.sort_values("low", ascending=False).head(10)
        report.add(Table(pd.DataFrame({
            "Område": lifts["name"], "Riskfaktor": lifts["label"],
            "Andel i området": [formatting.percent(100 * v, 0, signed=False) for v in lifts["share_area"]],
            "Andel i resten av kommunen": [formatting.percent(100 * v, 0, signed=False) for v in lifts["share_rest"]],
            "Gånger vanligare (minst)": [formatting.number(v, 1) for v in lifts["low"]],
        }), "Riskfaktorer som är säkert vanligare i ett område än i resten av kommunen (nedre gränsen i ett "
            "exakt 95 %-intervall över 1)."))
    else:
        report.add(Paragraph("Ingen riskfaktor är säkert vanligare i något område än i resten av kommunen.", "note"))


def _perceived_safety(c: _Context, report: Report) -> None:
    """The trygghetsmätning beside the reported crime: the latest survey per indicator for the municipality,
    and the insecurity share per area with respondents, small samples flagged and hidden values kept hidden."""
    from lagesbild import safety

    report.add(Heading("Upplevd trygghet", 2))
    if not safety.has_surveys(c.con):
        report.add(Paragraph("Ingen trygghetsmätning är importerad: avsnittet om upplevd trygghet kräver en "
                             "enkät per område och år (polisens trygghetsmätning eller kommunens egen) med antal "
                             "svarande. Ladda upp den på sidan Ladda upp (se docs/exempel_trygghetsmatning.csv).",
                             "missing"))
        return
    report.add(Paragraph("Enkätsvar om hur invånarna upplever sin omgivning kompletterar de anmälda brotten: "
                         "otryggheten kan vara hög där få brott anmäls. " + safety.SMALL_RULE))
    whole = safety.municipality_latest(c.con, c.shown)
    if whole:
        report.add(Table(safety.latest_table(whole, with_place=True),
                         "Senaste mätningen per indikator för hela kommunen, jämfört med mätningen före."))
    values, indicator = safety.map_values(c.con, c.shown)
    if values.empty:
        return
    frame = values.sort_values("value", ascending=False, na_position="last")
    found = safety.latest(safety.raw_values(c.con).pipe(
        lambda f: f[(f["indicator"] == indicator) & f["area_code"].notna()]), c.shown)
    by_place = {item.place: item for item in found}
    rows = [by_place[name] for name in frame["area_name"] if name in by_place]
    report.add(Table(safety.latest_table(rows, with_place=True).drop(columns=["Indikator"]),
                     f"{indicator} per område, senaste mätningen, högst först."))
    readable = frame[~frame["small"] & ~frame["hidden"]]
    if not readable.empty:
        top = readable.iloc[0]
        report.add(Paragraph(
            f"Högst andel bland områden med minst {safety.MIN_RESPONDENTS} svar: {top['area_name']}, "
            f"{formatting.number(top['value'], 0)} % ({formatting.number(top['low'], 0)}–"
            f"{formatting.number(top['high'], 0)} %, {formatting.number(top['respondents'])} svarande, "
            f"{int(top['year'])}). Jämför med områdets anmälda händelser ovan innan slutsatser dras.", "note"))


def _comparison(c: _Context, report: Report) -> None:
    report.add(Heading("Jämförelse med liknande kommuner och riket", 2))
    c.reference = reference_comparison(c.con)
    if c.reference is None:
        report.add(Paragraph(f"{NO_REFERENCE}: jämförelsen med liknande kommuner (SKR:s kommungrupper) och "
                             "riket per 100 000 invånare kräver BRÅ:s statistik över anmälda brott per kommun. "
                             "Ladda upp BRÅ:s tabell ”Anmälda brott i kommunerna” (med året i filnamnet) på sidan "
                             "Ladda upp data för att fylla i avsnittet.", "missing"))
        return
    ref = c.reference
    own = ref.municipality or formatting.municipality(c.name)
    report.add(Paragraph(f"{ref.measure}: {formatting.municipality(c.name)} jämfört med liknande kommuner "
                         f"({ref.group_name}, enligt {reference.SKR_SOURCE}) och riket."))
    if ref.note:
        report.add(Paragraph(ref.note))
    if len(ref.table):
        report.add(Image(figures.comparison(ref.table, own, "Liknande kommuner"),
                         f"{own} (röd) mot den mittersta hälften av liknande kommuner (grått: första till tredje "
                         "kvartilen, median prickad) och riket (blå)."))
        report.add(Table(pd.DataFrame({
            "År": [str(int(y)) for y in ref.table["year"]],
            own: [formatting.number(v, 0) for v in ref.table["own"]],
            "Liknande kommuner, första kvartil": [formatting.number(v, 0) for v in ref.table["group_q1"]],
            "Median": [formatting.number(v, 0) for v in ref.table["group_median"]],
            "Tredje kvartil": [formatting.number(v, 0) for v in ref.table["group_q3"]],
            "Riket": [formatting.number(v, 0) for v in ref.table["country"]],
            "Kommuner i gruppen med tal": [str(int(v)) for v in ref.table["group_size"]],
        }), f"{ref.measure}. Källa: {ref.source}."))
    if ref.country_method:
        report.add(Paragraph(f"Riket: {ref.country_method}.", "note"))
    report.add(Paragraph("BRÅ:s statistik finns bara för hela kommunen, inte för områden inom den.", "note"))


# --- Källor ---------------------------------------------------------------------------------------------------

def _sources(c: _Context, report: Report) -> None:
    report.add(Heading("Källor"))
    shown_sources = overview.sources_table(c.con, c.shown, c.table)
    used_labels = set(queries.sources_overview(c.con)["label"])
    labels = dict(queries.rows(c.con, "SELECT code, label FROM sources"))
    rows = []
    for code, name, limit in RECOMMENDED_SOURCES:
        used = bool(code) and labels.get(code) in used_labels   # the rest are not stored by the app (yet)
        rows.append({"Källa": name, "Används": "ja" if used else "nej",
                     "Vad som saknas utan den": "–" if used else limit})
        (c.sources_used if used else c.sources_missing).append(labels.get(code, name) if used else name)
    rows.append({"Källa": "BRÅ: anmälda brott per kommun (jämförelse)",
                 "Används": "ja" if c.reference is not None else "nej",
                 "Vad som saknas utan den": "–" if c.reference is not None
                 else "ingen jämförelse med liknande kommuner och riket"})
    if c.reference is None:
        c.sources_missing.append("BRÅ:s statistik per kommun")
    report.add(Paragraph("Lagen och BRÅ:s vägledning kräver att lägesbilden redovisar vilka källor som använts och "
                         "vilka som saknas, och vad det begränsar."))
    report.add(Table(pd.DataFrame(rows), "Källor som används och som saknas."))
    if shown_sources.empty:
        report.add(Paragraph("Inga händelser är importerade från någon källa.", "missing"))
    else:
        report.add(Table(shown_sources, "Varifrån uppgifterna kommer: händelser per källa, första och sista "
                                        "data och månader utan data (luckor) inom källans period."))
    absent = coverage.missing(c.table, c.filters.start, c.filters.end, c.filters.sources)
    said = coverage.describe(absent)
    if not c.table.empty:
        months = len(coverage.period_months(c.filters.start, c.filters.end))
        asked = [label for source, label in dict.fromkeys(zip(c.table["source"], c.table["label"], strict=True))
                 if not c.filters.sources or source in c.filters.sources]
        report.add(Table(pd.DataFrame({
            "Källa": asked,
            "Månader med data": [f"{months - len(absent.get(label, []))} av {months}" for label in asked],
            "Saknas": [coverage.month_ranges(absent[label]) if label in absent else "–" for label in asked],
        }), "Datatäckning under perioden per källa (enligt importernas täckta perioder, annars var källan "
            "levererat): en månad utan data är inte en månad utan händelser."))
    if said or not shown_sources.empty:
        report.add(Paragraph(f"Datatäckning under perioden: {said}." if said else
                             "Datatäckning under perioden: alla källor med data har levererat varje månad.", "note"))
    if c.police:
        report.add(Paragraph(coverage.POLICE_SAMPLE_NOTE, "note"))
    imports = queries.imports_table(c.con)
    if len(imports):
        if c.shown.viewer:   # who imported which file is staff's business; months, not minutes
            imports = imports.assign(När=imports["När"].str[:7])[["Innehåll", "När", "Status"]]
        else:
            imports = imports[["Nr", "Fil", "Innehåll", "När", "Sparade", "Status"]]
        report.add(Table(imports.head(10).astype(str), "De senaste importerna."))
    else:
        report.add(Paragraph("Inga importer har gjorts.", "missing"))


# --- Analys och prioriterade problem --------------------------------------------------------------------------

def _problem_reasons(c: _Context, row: Any, position: int, running: pd.DataFrame) -> str:
    parts = []
    if position <= 3 and row.count == row.count:
        parts.append(f"vanligast ({_ordinal(position)})")
    if row.rising:
        parts.append(f"ökar ({formatting.change(row.change)})")
    if row.harm_weight >= 5:
        parts.append(f"allvarliga följder (skadevikt {formatting.number(row.harm_weight, 0)})")
    if row.code in SIGNAL_CRIMES:
        parts.append("signalbrott: påverkar tryggheten i området")
    aimed = running[running["categories"].fillna("").str.contains(str(row.label), regex=False)]
    parts.append("ingen pågående insats riktad mot detta" if aimed.empty else "1 pågående insats riktad mot detta"
                 if len(aimed) == 1 else f"{len(aimed)} pågående insatser riktade mot detta")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:] + "."


def _analysis(c: _Context, report: Report) -> None:
    report.add(Heading("Analys och prioriterade problem"))
    c.listing = register.listing(c.con)
    if c.empty:
        report.add(Paragraph(NO_INCIDENTS + " Därför kan inga problem prioriteras.", "missing"))
    else:
        report.add(Heading("Problem", 2))
        running = c.listing[c.listing["status"] == "pågående"] if len(c.listing) else pd.DataFrame(
            columns=["categories"])
        shown_rows = c.categories[c.categories["count"].notna() | c.categories["rising"]]
        chosen = shown_rows.assign(
            _weight=shown_rows["count"].fillna(0) * shown_rows["harm_weight"].fillna(1)).sort_values(
            "_weight", ascending=False).head(8)
        order = {label: i + 1 for i, label in enumerate(c.categories["label"])}
        report.add(Table(pd.DataFrame({
            "Problem (kategori)": chosen["label"], "Händelser": chosen["shown_text"],
            "Skäl": [_problem_reasons(c, row, order[row.label], running) for row in chosen.itertuples()],
        }), "Problemen ordnade efter skadeviktat antal (antal gånger skadevikt), med skälen: vanligast, ökar, "
            "allvarliga följder, signalbrott och om kommunen redan har en insats mot dem."))
        report.add(Heading("Prioriterade områden", 2))
        for note in c.ranking.notes:
            report.add(Paragraph(note, "note"))
        if len(c.ranking.table):
            table = priorities.display_table(c.ranking, c.shown).head(TOP_RANKED)
            table = table.assign(Rang=[str(r) if pd.notna(r) else "–" for r in table["Rang"]])
            report.add(Table(table[["Rang", "Område", "Poäng", "Händelser", "Mot året innan", "Varför"]],
                             "Var en ny insats gör mest nytta: behov (skadeviktad nivå, säker ökning, hot spots, "
                             "riskfaktorer) mot täckning (pågående insatser mot samma problem)."))
            report.add(Paragraph(priorities.SCORE_HELP, "note"))
        found = emerging.analyse(c.con, c.filters)
        report.add(Heading("Framväxande hot spots", 2))
        if found.message:
            report.add(Paragraph(found.message, "note"))
        else:
            counted = emerging.summary(found)
            if counted.empty:
                report.add(Paragraph("Ingen ruta visar något mönster av hot spots under perioden.", "note"))
            else:
                report.add(Table(counted.astype(str), f"Mönster per {found.size} m-ruta över tid ({found.slices})."))
    report.add(Heading(CAUSES, 2))
    report.add(Paragraph("Här beskriver analytikern orsakerna bakom de prioriterade problemen: händelsekedjor, "
                         "offer, gärningsperson och plats (problemtriangeln eller fiskbensdiagram), orsaksträd och "
                         "vilka mål insatserna ska nå. Avsnittet lämnas tomt av verktyget.", "placeholder"))
    report.add(Paragraph("[Fylls i av analytikern.]", "placeholder"))


# --- Åtgärdsplan ----------------------------------------------------------------------------------------------

def _plan(c: _Context, report: Report) -> None:
    report.add(Heading("Åtgärdsplan med uppföljning"))
    listing = c.listing if len(c.listing) else register.listing(c.con)
    if listing.empty:
        report.add(Paragraph("Inga insatser är registrerade. Åtgärdsplanen (insatser, ansvariga och planerad "
                             "uppföljning) fylls i på sidan Insatser.", "missing"))
        return
    found = followup.evaluate_all(c.con, [int(n) for n in listing["id"]], followup.Options(), today=c.today,
                                  coverage_table=c.table)
    c.evaluations = {n: followup.as_shown(e, c.shown) for n, e in found.items()}
    report.add(Paragraph("Insatserna grupperade efter det problem de ska lösa, med status och senaste uppföljning "
                         "(före och efter starten i insatsområdet mot jämförelseområden)."))
    for problem, group in listing.groupby(listing["problem"].fillna("Övrigt"), sort=True):
        report.add(Heading(str(problem), 2))
        report.add(Table(pd.DataFrame({
            "Insats": group["name"], "Status": group["status"], "Start": [formatting.day(pd.Timestamp(d).date())
                                                                       for d in group["start_date"]],
            "Områden": group["areas"].fillna(""), "Riskfaktorer": group["risk_factors"].fillna(""),
            "Ansvariga": group["responsible"].fillna(""),
            "Uppföljning": [followup.VERDICT_LABELS[c.evaluations[int(n)].verdict] for n in group["id"]],
        })))
        said = [f"{c.evaluations[int(n)].name}: {followup.verdict_text(c.evaluations[int(n)])}"
                for n in group["id"] if c.evaluations[int(n)].verdict in ("minskning", "ökning", "ingen skillnad",
                                                                          "för få")]
        if said:
            report.add(Bullets(tuple(said)))
    report.add(Paragraph("Uppföljning: varje insats följs upp med skillnaden i skillnader mot jämförelseområden, "
                         "med 95 %-intervall, kontroll för överspridning, regression mot medelvärdet och luckor i "
                         "data. Planerade insatser följs upp när de har pågått minst 30 dagar.", "note"))


def _method(c: _Context, report: Report) -> None:
    report.add(Heading("Metod och förbehåll"))
    items = [
        "Förändringar mot samma period ett år tidigare prövas statistiskt; ”kan vara slump” betyder att "
        "skillnaden ryms inom normal variation. Jämförelser görs bara mellan perioder där alla valda källor "
        "levererat data (en lucka är inte en lugn period).",
        "Nivåer per område jämnas ut mot kommunens nivå (empirisk Bayes), eftersom ett litet område med få "
        "invånare annars får stora svängningar av slumpen.",
        "Hot spots prövas exakt för varje ruta med sina grannar mot en jämn fördelning över kommunens yta, "
        "rättat för många samtidiga test (falsk upptäcktsandel 5 %). Het betyder het mot ytan, inte mot "
        "befolkningen: där många bor sker fler händelser.",
        "Riskfaktorer jämförs som andel av områdets händelser mot andelen i resten av kommunen, med ett exakt "
        "intervall; filtret på en riskfaktor tas bort för den jämförelsen.",
        "Insatser följs upp som skillnad i skillnader mot jämförelseområden; brottstal varierar mer än ren slump "
        "(överspridning) och intervallen är breddade för det.",
        "Nätter räknas till dagen de började: fredag kl. 22–04 är fredag kl. 22 till lördag kl. 04.",
    ]
    if c.shown.viewer:
        items.append("Skyddade tal: " + protect.VIEWER_NOTICE + " Andelar, nivåer och förändringar räknas från de "
                     "justerade talen; rangordning och uppföljning likaså.")
    else:
        items.append("Intern version: talen är exakta. Dokumentet får inte spridas; till kommunstyrelsen och "
                     "allmänheten används den skyddade versionen, där små tal är justerade.")
    if c.police:
        items.append(coverage.POLICE_SAMPLE_NOTE + " Positionen är kommunens eller ortens mitt, inte platsen, "
                     "och många nattliga händelser publiceras bara i en sammanfattning för länet.")
    items.append("Registrerade händelser är inte all brottslighet: mörkertalet är stort för t.ex. skadegörelse, "
                 "narkotikabrott och brott i nära relationer, och fler anmälningar kan betyda större "
                 "anmälningsbenägenhet eller fler kontroller snarare än fler brott.")
    report.add(Bullets(tuple(items)))


# --- Datum och dataversion ------------------------------------------------------------------------------------

def _filter_text(c: _Context) -> str:
    query = view_module.to_query(view_module.View(filters=c.filters, preset=None))
    return ", ".join(f"{k}={v}" for k, v in query.items() if k not in ("fran", "till")) or "inga (allt)"


def _version(c: _Context, report: Report, link: str) -> None:
    report.add(Heading("Datum och dataversion"))
    latest = queries.latest_import(c.con)
    rows = [
        ("Framtagen", formatting.day(c.today)),
        ("Period", formatting.period(c.filters.start, c.filters.end)),
        ("Filter", _filter_text(c)),
        ("Data från–till", formatting.period(*c.data_range) if c.data_range else "inga händelser"),
        ("Dataversion", str(queries.data_version(c.con))),
        ("Senaste import", "ingen" if latest is None else
         f"nr {int(latest['id'])}, {formatting.day(pd.Timestamp(latest['imported_at']).date())}"),
        ("Version", "Intern (exakta tal)" if not c.shown.viewer else "Skyddad (små tal justerade)"),
        ("Program", f"Lägesbild {__version__}"),
    ]
    if link:
        rows.insert(3, ("Länk", link))
    report.add(Table(pd.DataFrame(rows, columns=["Uppgift", "Beskrivning"])))
