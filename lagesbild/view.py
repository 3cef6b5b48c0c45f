"""The whole view as data, and its shareable link: filters, measure, map layers and map position.

`View` is what a council member's link carries. Its parameters are declared once, in `PARAMETERS` (name, how it
is read and written, the README's example and meaning, the sidebar's Swedish label and help), as datasette
declares its settings: `to_query`, `from_query`, the sidebar widgets, the CLI's filter options and the README
table (`parameters_markdown`, checked by a test) all come from that one table.

`to_query` writes only what differs from the defaults, with readable Swedish parameter names; `from_query`
reads a link back, ignoring (and reporting) any value it does not know, so an old or mistyped link opens the
nearest sensible view instead of an error.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lagesbild.filters import PERIOD_PRESETS, Filters, preset_period

WEEKDAY_CODES = ("man", "tis", "ons", "tor", "fre", "lor", "son")
WEEKDAY_LABELS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
MEASURES = {"antal": "Antal händelser", "per1000": "Per 1 000 invånare", "skadeviktat": "Skadeviktat"}
LAYERS = {"rutor": "Rutor (250 m / 1 km)", "omraden": "Områden", "punkter": "Enskilda händelser",
          "insatser": "Insatser", "otrygghet": "Otrygghet (enkät)"}
GRIDS = (250, 1000)
PAGES = ("oversikt", "karta", "tid", "prio", "insatser", "uppfoljning", "atgardsplan", "publicerat")
SURROUNDINGS = {"ring": "ring", "angransande": "adjacent"}  # the link's word -> followup.Options.buffer
FOLLOWUP_DAYS = (30, 1460)
RING_WIDTHS = (100, 2000)
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
    interventions: frozenset[str] = frozenset()   # intervention ids, as the link writes them
    divisions: frozenset[str] = frozenset()       # the divisions with areas (lagesbild.divisions), by name


@dataclass(frozen=True)
class FollowupChoice:
    """What the Uppföljning page follows up and how (`followup.Options` without the derived parts)."""

    intervention: int | None = None   # None: the page's first intervention
    days: int | None = None           # None: the intervention's own period
    buffer: str = "ring"              # "ring" or "adjacent"
    ring_m: int = 500
    comparison: tuple[str, ...] = ()  # area codes; empty: the rest of the municipality


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
    followup: FollowupChoice = FollowupChoice()
    version: int | None = None  # a published version (lagesbild.published): the whole app reads its frozen data
    division: str | None = None  # the division areas are shown in (lagesbild.divisions); None: the base division
    notices: tuple[str, ...] = field(default=(), compare=False)


def default_view(anchor: date) -> View:
    start, end = preset_period("12m", anchor)
    return View(filters=Filters(start=start, end=end))


class LinkValueError(ValueError):
    """A link value a parameter cannot use at all (the notice gives the parameter's `why`)."""


Reader = Callable[[str, Vocabulary], tuple[Any, tuple[str, ...]]]


@dataclass(frozen=True)
class Parameter:
    """One link parameter, declared once."""

    name: str
    example: str                           # the README's example column
    meaning: str                           # the README's meaning column (and the CLI option's help)
    write: Callable[[View], str | None]    # its value in the link, None when the view has the default
    read: Reader                           # (value, parts it did not know); raises LinkValueError when unusable
    label: str = ""                        # the Swedish label of its widget
    help: str | None = None                # the Swedish help of its widget
    why: str = "okänt värde"               # said in the notice when a value is rejected


def _one_of(options: dict[str, Any]) -> Reader:
    """A reader for a value from a fixed list (`options` maps the link's text to the view's value)."""
    def read(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
        if text not in options:
            raise LinkValueError(text)
        return options[text], ()
    return read


def _known_codes(kind: str) -> Reader:
    """A reader for comma-separated codes that must be in the database's vocabulary of `kind`."""
    def read(text: str, vocabulary: Vocabulary) -> tuple[Any, tuple[str, ...]]:
        known: frozenset[str] = getattr(vocabulary, kind)
        parts = [part.strip() for part in text.split(",") if part.strip()]
        return tuple(dict.fromkeys(p for p in parts if p in known)), tuple(p for p in parts if p not in known)
    return read


def _read_day(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    if not text:   # `fran=` alone: the period's own first day
        return None, ()
    try:
        return date.fromisoformat(text), ()
    except ValueError:
        raise LinkValueError(text) from None


def _read_weekdays(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    found = {WEEKDAY_CODES.index(p) + 1 for p in parts if p in WEEKDAY_CODES}
    return tuple(sorted(found)), tuple(p for p in parts if p not in WEEKDAY_CODES)


def _read_hours(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    try:
        first, last = (int(p) for p in text.split("-"))
    except ValueError:
        raise LinkValueError(text) from None
    if not (0 <= first <= 23 and 0 <= last <= 23):
        raise LinkValueError(text)
    return (first, last), ()


def _read_layers(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    parts = text.split(",")
    unknown = tuple(p for p in parts if p not in LAYERS and p not in ("", "inga"))
    return tuple(dict.fromkeys(p for p in parts if p in LAYERS)), unknown


def _read_centre(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    try:
        lat, lon, zoom = (float(p) for p in text.split(","))
    except ValueError:
        raise LinkValueError(text) from None
    if not (54 <= lat <= 70 and 10 <= lon <= 25 and 3 <= zoom <= 20):
        raise LinkValueError(text)
    return (lat, lon, zoom), ()


def _read_intervention(text: str, vocabulary: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    if text.strip() not in vocabulary.interventions:
        raise LinkValueError(text)
    return int(text), ()


def _read_version(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    if not text.isdigit() or int(text) < 1:
        raise LinkValueError(text)
    return int(text), ()


def _whole_number(low: int, high: int, step: int = 1) -> Reader:
    """A reader for a whole number in low..high on the widget's steps."""
    def read(text: str, _: Vocabulary) -> tuple[Any, tuple[str, ...]]:
        try:
            number = int(text)
        except ValueError:
            raise LinkValueError(text) from None
        if not (low <= number <= high and (number - low) % step == 0):
            raise LinkValueError(text)
        return number, ()
    return read


def division_slug(name: str) -> str:
    """A division's name as the link writes it: `RegSO` -> `regso`, `Egna distrikt` -> `egna_distrikt`."""
    plain = name.lower().translate(str.maketrans("åäöé", "aaoe"))
    return "_".join("".join(ch if ch.isalnum() else " " for ch in plain).split())


def _read_division(text: str, vocabulary: Vocabulary) -> tuple[Any, tuple[str, ...]]:
    found = {division_slug(name): name for name in vocabulary.divisions}
    if text not in found:
        raise LinkValueError(text)
    return found[text], ()


def _followup(view: View, write: Callable[[FollowupChoice], str | None]) -> str | None:
    """A follow-up option's value, written only by the Uppföljning page (whose widgets hold it)."""
    return write(view.followup) if view.page == "uppfoljning" else None


def _fixed(view: View, day: date) -> str | None:
    return day.isoformat() if view.preset is None else None


def _centre(view: View) -> str | None:
    if view.centre == DEFAULT_CENTRE:
        return None
    lat, lon, zoom = view.centre
    # One decimal of zoom, two where the map's zoom control has quarter steps (12.25), so the link is exact.
    return f"{lat:.4f},{lon:.4f}," + (f"{zoom:.1f}" if round(zoom * 10) == zoom * 10 else f"{zoom:.2f}")


PARAMETERS: dict[str, Parameter] = {p.name: p for p in (
    Parameter("sida", "`karta`, `tid`, `prio`, `insatser`, `uppfoljning`, `atgardsplan`, `publicerat`",
              "the page to open (default: the overview)",
              lambda v: v.page if v.page != "oversikt" else None, _one_of({p: p for p in PAGES})),
    Parameter("period", "`12m` (default), `30d`, `ar`, `forra_aret`",
              "a period preset, counted back from the last day with data",
              lambda v: v.preset if v.preset not in (None, "12m") else None,
              _one_of({p: p for p in PERIOD_PRESETS}), label="Period"),
    Parameter("fran", "`2026-01-01`", "first day of a fixed period instead of a preset",
              lambda v: _fixed(v, v.filters.start), _read_day, why="inte en giltig period"),
    Parameter("till", "`2026-06-30`", "last day of a fixed period (inclusive)",
              lambda v: _fixed(v, v.filters.end), _read_day, why="inte en giltig period"),
    Parameter("kategori", "`misshandel,ran`", "category codes",
              lambda v: ",".join(v.filters.categories) or None, _known_codes("categories"), label="Kategori"),
    Parameter("riskfaktor", "`bristande_belysning,alkohol_unga`", "risk-factor codes",
              lambda v: ",".join(v.filters.risk_factors) or None, _known_codes("risk_factors"),
              label="Riskfaktor", help="Händelser som polisen eller kommunen kopplat till riskfaktorn."),
    Parameter("kalla", "`polisen`", "source codes",
              lambda v: ",".join(v.filters.sources) or None, _known_codes("sources"), label="Källa"),
    Parameter("indelning", "`regso`, `egna_distrikt`",
              "the area division every area table, map and ranking shows (default: the areas incidents are placed "
              "in, e.g. DeSO); `regso` after SCB's key table, `egna_distrikt` after a `deso;distrikt` mapping",
              lambda v: division_slug(v.division) if v.division else None, _read_division, label="Indelning",
              help="Vilka områden tabeller, karta och prioritering visar: DeSO, RegSO eller kommunens egna "
                   "distrikt.", why="ingen sådan indelning finns"),
    Parameter("omrade", "`SBG-C`", "area codes (one area also centres the map on it)",
              lambda v: ",".join(v.filters.areas) or None, _known_codes("areas"), label="Område"),
    Parameter("matchning", "`alla`", "incidents with all the chosen risk factors (default: any of them, `nagon`)",
              lambda v: "alla" if v.filters.risk_factors and v.filters.risk_match == "all" else None,
              _one_of({"alla": "all", "nagon": "any"}), label="Händelser med"),
    Parameter("veckodag", "`fre,lor`", "weekdays: `man`, `tis`, `ons`, `tor`, `fre`, `lor`, `son`",
              lambda v: ",".join(WEEKDAY_CODES[d - 1] for d in v.filters.weekdays) or None, _read_weekdays,
              label="Veckodag"),
    Parameter("timmar", "`22-4`",
              "hours from–to, inclusive; wraps past midnight, and then an early hour counts on the night before",
              lambda v: None if (v.filters.hour_from, v.filters.hour_to) == (0, 23)
              else f"{v.filters.hour_from}-{v.filters.hour_to}", _read_hours,
              help="Natten räknas till dagen den började: fredag 22–04 är fredag kl. 22 till lördag kl. 04, "
                   "både för veckodag och period.", why="ange t.ex. 22-4"),
    Parameter("matt", "`antal` (default), `per1000`, `skadeviktat`", "the measure",
              lambda v: v.measure if v.measure != "antal" else None, _one_of({m: m for m in MEASURES}),
              label="Visa"),
    Parameter("lager", "`rutor,omraden,insatser` (default), `punkter`, `otrygghet`", "map layers (`inga`: none)",
              lambda v: None if tuple(v.layers) == DEFAULT_LAYERS else ",".join(v.layers) or "inga", _read_layers,
              label="Lager"),
    Parameter("ruta", "`250` (default), `1000`", "grid square size in metres",
              lambda v: str(v.grid) if v.grid != 250 else None, _one_of({str(g): g for g in GRIDS}),
              label="Rutstorlek"),
    Parameter("karta", "`56.0500,14.5800,13.0`", "map centre (latitude, longitude) and zoom",
              _centre, _read_centre, why="ange latitud,longitud,zoom"),
    Parameter("insats", "`12`", "Uppföljning: the intervention followed up (its number in the register)",
              lambda v: _followup(v, lambda f: None if f.intervention is None else str(f.intervention)),
              _read_intervention, label="Insats", why="ingen sådan insats finns"),
    Parameter("dagar", "`365`", "Uppföljning: days after the start instead of the intervention's own period",
              lambda v: _followup(v, lambda f: None if f.days is None else str(f.days)),
              _whole_number(*FOLLOWUP_DAYS, step=15), label="Dagar efter starten",
              why=f"ange {FOLLOWUP_DAYS[0]}–{FOLLOWUP_DAYS[1]} dagar i steg om 15"),
    Parameter("naromrade", "`ring` (default), `angransande`",
              "Uppföljning: where displacement is looked for, a ring around the area or the adjacent areas",
              lambda v: _followup(v, lambda f: None if f.buffer == "ring" else "angransande"),
              _one_of(SURROUNDINGS), label="Närområde"),
    Parameter("ringbredd", "`500` (default)", "Uppföljning: the ring's width in metres",
              lambda v: _followup(v, lambda f: None if f.ring_m == 500 else str(f.ring_m)),
              _whole_number(*RING_WIDTHS, step=100), label="Ringens bredd (m)",
              why=f"ange {RING_WIDTHS[0]}–{RING_WIDTHS[1]} meter i steg om 100"),
    Parameter("jamforelse", "`SBG-C,SBG-N`", "Uppföljning: comparison areas (default: the rest of the municipality)",
              lambda v: _followup(v, lambda f: ",".join(f.comparison) or None), _known_codes("areas"),
              label="Jämförelseområden (tomt = resten av kommunen)"),
    Parameter("dygn", "`06`",
              "the time patterns' heat map begins each day at 06 (default: `00`), so a night lies on one row",
              lambda v: DAY_STARTS[v.day_start] if v.day_start else None,
              _one_of({text: hour for hour, text in DAY_STARTS.items()}), label="Dygnet börjar kl. 06",
              help="Timmarna 00–05 räknas till kvällen före, så att en natt ligger i en följd på en rad: "
                   "fredag kl. 22–04 på fredagens rad.", why="ange 06 eller 00"),
    Parameter("version", "`3`",
              "a published version of the lägesbild: every page reads the data frozen when it was published "
              "(alone, it opens the view it was published with)",
              lambda v: str(v.version) if v.version else None, _read_version, why="inte ett versionsnummer"),
)}
STREAMLIT_PARAMETERS = ("embed", "embed_options")  # Streamlit's own: not ours to report


def parameters_markdown() -> str:
    """The README's table of link parameters."""
    lines = ["| parameter | example | meaning |", "|---|---|---|"]
    lines += [f"| `{p.name}` | {p.example} | {p.meaning} |" for p in PARAMETERS.values()]
    return "\n".join(lines)


def to_query(view: View) -> dict[str, str]:
    """The link's query parameters: only what differs from a fresh view."""
    return {p.name: text for p in PARAMETERS.values() if (text := p.write(view)) is not None}


def from_query(params: Mapping[str, str | list[str]], vocabulary: Vocabulary, anchor: date) -> View:
    """A view from a link's parameters; unknown parameters and values are ignored and listed in `notices`."""
    notices: list[str] = []
    values = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}

    def note(key: str, value: str, why: str = "okänt värde") -> None:
        notices.append(f"Länkens värde ”{value}” för ”{key}” ignorerades ({why}).")

    given: dict[str, Any] = {}
    for key, text in values.items():
        if key not in PARAMETERS:
            if key not in STREAMLIT_PARAMETERS:
                notices.append(f"Länkens parameter ”{key}” känns inte igen och ignorerades.")
            continue
        try:
            given[key], unknown = PARAMETERS[key].read(text, vocabulary)
        except LinkValueError:
            note(key, text, PARAMETERS[key].why)
            continue
        for part in unknown:
            note(key, part)

    preset: str | None = given.get("period", "12m")
    start, end = preset_period(given.get("period", "12m"), anchor)
    asked = [key for key in ("fran", "till") if key in values]
    if asked and all(key in given for key in asked):   # a day already rejected leaves the preset in place
        fixed_start, fixed_end = given.get("fran") or start, given.get("till") or end
        if fixed_end < fixed_start:
            note("fran/till", f"{values.get('fran', '')}–{values.get('till', '')}", "inte en giltig period")
        else:
            start, end, preset = fixed_start, fixed_end, None
    hour_from, hour_to = given.get("timmar", (0, 23))
    risk_factors = given.get("riskfaktor", ())
    filters = Filters(start=start, end=end, categories=given.get("kategori", ()), risk_factors=risk_factors,
                      risk_match=given.get("matchning", "any"), sources=given.get("kalla", ()),
                      areas=given.get("omrade", ()), weekdays=given.get("veckodag", ()), hour_from=hour_from,
                      hour_to=hour_to)
    return View(filters=filters, preset=preset, measure=given.get("matt", "antal"),
                layers=given.get("lager", DEFAULT_LAYERS), grid=given.get("ruta", 250),
                centre=given.get("karta", DEFAULT_CENTRE), page=given.get("sida", "oversikt"),
                day_start=given.get("dygn", 0),
                followup=FollowupChoice(intervention=given.get("insats"), days=given.get("dagar"),
                                        buffer=given.get("naromrade", "ring"), ring_m=given.get("ringbredd", 500),
                                        comparison=given.get("jamforelse", ())),
                version=given.get("version"), division=given.get("indelning"), notices=tuple(notices))
