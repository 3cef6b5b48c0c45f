"""The whole view as data, and its shareable link: filters, measure, map layers and map position.

`View` is what a council member's link carries. `to_query` writes only what differs from the defaults, with
readable Swedish parameter names; `from_query` reads a link back, ignoring (and reporting) any value it does
not know, so an old or mistyped link opens the nearest sensible view instead of an error.

| parameter | example | meaning |
|---|---|---|
| `sida` | `karta`, `tid`, `prio` | which page the link opens (links always use the start page URL) |
| `period` | `12m`, `30d`, `ar`, `forra_aret` | a period preset, counted back from the last day with data |
| `fran`, `till` | `2026-01-01` | a fixed period instead of a preset |
| `kategori` | `misshandel,ran` | category codes |
| `riskfaktor` | `bristande_belysning` | risk-factor codes |
| `matchning` | `alla` | incidents with all the risk factors (default: any of them, `nagon`) |
| `kalla` | `polisen` | source codes |
| `omrade` | `SBG-C` | area codes |
| `veckodag` | `fre,lor` | weekdays: man, tis, ons, tor, fre, lor, son |
| `timmar` | `22-4` | hours from–to, inclusive; wraps past midnight |
| `matt` | `antal`, `per1000`, `skadeviktat` | what the colours and numbers show |
| `lager` | `rutor,omraden,insatser` | map layers: rutor, omraden, punkter, insatser |
| `ruta` | `250`, `1000` | grid square size in metres |
| `karta` | `56.05,14.6,12` | map centre latitude, longitude and zoom |
| `dygn` | `06` | the heat map's rows begin at 06, so a night (00–05) lies on the evening's weekday |
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from lagesbild.filters import PERIOD_PRESETS, Filters, preset_period

WEEKDAY_CODES = ("man", "tis", "ons", "tor", "fre", "lor", "son")
WEEKDAY_LABELS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MEASURES = {"antal": "Antal händelser", "per1000": "Per 1 000 invånare", "skadeviktat": "Skadeviktat"}
LAYERS = {"rutor": "Rutor (250 m / 1 km)", "omraden": "Områden", "punkter": "Enskilda händelser",
          "insatser": "Insatser"}
GRIDS = (250, 1000)
PAGES = ("oversikt", "karta", "tid", "prio", "insatser", "uppfoljning", "atgardsplan")
DEFAULT_LAYERS = ("rutor", "omraden", "insatser")
DEFAULT_CENTRE = (56.075, 14.655, 10.6)
DAY_STARTS = {0: "00", 6: "06"}  # the hour the heat map's day begins at, as the link writes it


@dataclass(frozen=True)
class Vocabulary:
    """The codes a link may use (from the database)."""

    categories: frozenset[str] = frozenset()
    risk_factors: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    areas: frozenset[str] = frozenset()


@dataclass(frozen=True)
class View:
    """Everything a shared link reproduces."""

    filters: Filters
    preset: str | None = "12m"  # None: the fixed period in `filters`
    measure: str = "antal"
    layers: tuple[str, ...] = DEFAULT_LAYERS
    grid: int = 250
    centre: tuple[float, float, float] = DEFAULT_CENTRE
    page: str = "oversikt"
    day_start: int = 0
    notices: tuple[str, ...] = field(default=(), compare=False)


def default_view(anchor: date) -> View:
    start, end = preset_period("12m", anchor)
    return View(filters=Filters(start=start, end=end))


def _codes(values: tuple[str, ...]) -> str:
    return ",".join(values)


def to_query(view: View) -> dict[str, str]:
    """The link's query parameters: only what differs from a fresh view."""
    f = view.filters
    query: dict[str, str] = {}
    if view.page != "oversikt":
        query["sida"] = view.page
    if view.preset:
        if view.preset != "12m":
            query["period"] = view.preset
    else:
        query["fran"], query["till"] = f.start.isoformat(), f.end.isoformat()
    for key, values in (("kategori", f.categories), ("riskfaktor", f.risk_factors), ("kalla", f.sources),
                        ("omrade", f.areas)):
        if values:
            query[key] = _codes(values)
    if f.risk_factors and f.risk_match == "all":
        query["matchning"] = "alla"
    if f.weekdays:
        query["veckodag"] = ",".join(WEEKDAY_CODES[d - 1] for d in f.weekdays)
    if (f.hour_from, f.hour_to) != (0, 23):
        query["timmar"] = f"{f.hour_from}-{f.hour_to}"
    if view.measure != "antal":
        query["matt"] = view.measure
    if tuple(view.layers) != DEFAULT_LAYERS:
        query["lager"] = ",".join(view.layers) or "inga"
    if view.grid != 250:
        query["ruta"] = str(view.grid)
    if view.centre != DEFAULT_CENTRE:
        lat, lon, zoom = view.centre
        query["karta"] = f"{lat:.4f},{lon:.4f},{zoom:.1f}"
    if view.day_start:
        query["dygn"] = DAY_STARTS[view.day_start]
    return query


def from_query(params: dict[str, str | list[str]], vocabulary: Vocabulary, anchor: date) -> View:
    """A view from a link's parameters; unknown parameters and values are ignored and listed in `notices`."""
    notices: list[str] = []
    values = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}

    def note(key: str, value: str, why: str = "okänt värde") -> None:
        notices.append(f"Länkens värde ”{value}” för ”{key}” ignorerades ({why}).")

    def codes(key: str, known: frozenset[str]) -> tuple[str, ...]:
        found = []
        for part in (values.get(key) or "").split(","):
            part = part.strip()
            if not part:
                continue
            if part in known:
                if part not in found:
                    found.append(part)
            else:
                note(key, part)
        return tuple(found)

    view = default_view(anchor)
    preset: str | None = "12m"
    start, end = view.filters.start, view.filters.end
    if "period" in values:
        if values["period"] in PERIOD_PRESETS:
            preset = values["period"]
            start, end = preset_period(preset, anchor)
        else:
            note("period", values["period"])
    if "fran" in values or "till" in values:
        try:
            fixed_start = date.fromisoformat(values.get("fran") or start.isoformat())
            fixed_end = date.fromisoformat(values.get("till") or end.isoformat())
            if fixed_end < fixed_start:
                raise ValueError
            start, end, preset = fixed_start, fixed_end, None
        except ValueError:
            note("fran/till", f"{values.get('fran', '')}–{values.get('till', '')}", "inte en giltig period")

    match = "any"
    if "matchning" in values:
        if values["matchning"] in ("alla", "nagon"):
            match = "all" if values["matchning"] == "alla" else "any"
        else:
            note("matchning", values["matchning"])
    weekdays = []
    for part in (values.get("veckodag") or "").split(","):
        if part.strip():
            if part.strip() in WEEKDAY_CODES:
                weekdays.append(WEEKDAY_CODES.index(part.strip()) + 1)
            else:
                note("veckodag", part)
    hours = (0, 23)
    if "timmar" in values:
        try:
            first, last = (int(p) for p in values["timmar"].split("-"))
            if not (0 <= first <= 23 and 0 <= last <= 23):
                raise ValueError
            hours = (first, last)
        except ValueError:
            note("timmar", values["timmar"], "ange t.ex. 22-4")

    filters = Filters(start=start, end=end, categories=codes("kategori", vocabulary.categories),
                      risk_factors=codes("riskfaktor", vocabulary.risk_factors), risk_match=match,
                      sources=codes("kalla", vocabulary.sources), areas=codes("omrade", vocabulary.areas),
                      weekdays=tuple(sorted(set(weekdays))), hour_from=hours[0], hour_to=hours[1])
    view = replace(view, filters=filters, preset=preset)

    if "matt" in values:
        if values["matt"] in MEASURES:
            view = replace(view, measure=values["matt"])
        else:
            note("matt", values["matt"])
    if "lager" in values:
        chosen = []
        for part in values["lager"].split(","):
            if part in LAYERS:
                chosen.append(part)
            elif part not in ("", "inga"):
                note("lager", part)
        view = replace(view, layers=tuple(dict.fromkeys(chosen)))
    if "ruta" in values:
        if values["ruta"] in ("250", "1000"):
            view = replace(view, grid=int(values["ruta"]))
        else:
            note("ruta", values["ruta"])
    if "karta" in values:
        try:
            lat, lon, zoom = (float(p) for p in values["karta"].split(","))
            if not (54 <= lat <= 70 and 10 <= lon <= 25 and 3 <= zoom <= 20):
                raise ValueError
            view = replace(view, centre=(lat, lon, zoom))
        except ValueError:
            note("karta", values["karta"], "ange latitud,longitud,zoom")
    if "dygn" in values:
        starts = {text: hour for hour, text in DAY_STARTS.items()}
        if values["dygn"] in starts:
            view = replace(view, day_start=starts[values["dygn"]])
        else:
            note("dygn", values["dygn"], "ange 06 eller 00")
    if "sida" in values:
        if values["sida"] in PAGES:
            view = replace(view, page=values["sida"])
        else:
            note("sida", values["sida"])
    known_keys = {"sida", "period", "fran", "till", "kategori", "riskfaktor", "matchning", "kalla", "omrade",
                  "veckodag", "timmar", "matt", "lager", "ruta", "karta", "dygn", "embed", "embed_options"}
    for key in values:
        if key not in known_keys:
            notices.append(f"Länkens parameter ”{key}” känns inte igen och ignorerades.")
    return replace(view, notices=tuple(notices))
