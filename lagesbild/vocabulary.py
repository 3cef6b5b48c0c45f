"""The standard vocabularies every database starts with: sources, categories and risk factors.

Labels are Swedish (they are shown in the UI); codes are stable ASCII identifiers used in URLs and files.
Harm weights are a starting point loosely following typical penal value (an assault weighs far more than
littering); a municipality may change them in the `categories` table.

`POLICE_TYPES` is the one table of the Swedish Police's event types (the `type` field of polisen.se/api/events):
each onto a category or left out of the situation picture with a Swedish reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple, TypeVar

import duckdb
import numpy as np

# Risk factors are numbered 1..63 and bit (id - 1) of `incidents.risk_mask` says an incident has the factor
# (a mirror of `incident_risk_factors` that a filter can test without a join). These are the only places that
# know the numbering: the same bit in SQL (over `risk_factors.id`) and in Python.
RISK_BIT_SQL = "(CAST(1 AS UBIGINT) << (id - 1))"


def risk_bit(risk_factor_id: int) -> np.uint64:
    """The bit of `incidents.risk_mask` that stands for a risk factor."""
    if not 1 <= risk_factor_id <= 63:
        raise ValueError(f"risk factor ids are 1..63, not {risk_factor_id}")
    return np.uint64(1) << np.uint64(risk_factor_id - 1)


def has_risk(masks: np.ndarray, risk_factor_id: int) -> np.ndarray:
    """Which of the risk masks carry the risk factor (a boolean array)."""
    found: np.ndarray = (np.asarray(masks, np.uint64) & risk_bit(risk_factor_id)) != 0
    return found


class Source(NamedTuple):
    id: int
    code: str
    label: str
    description: str


class Category(NamedTuple):
    id: int
    code: str
    label: str
    group: str
    harm_weight: float


class RiskFactor(NamedTuple):
    id: int
    code: str
    label: str
    domain: str


SOURCES = (
    Source(1, "polisen", "Polisen", "Anmälda brott och händelser från Polisen"),
    Source(2, "trygghetsvardar", "Trygghetsvärdar", "Trygghetsvärdarnas observationer"),
    Source(3, "skola", "Skola", "Rapporter från skolorna"),
    Source(4, "socialtjanst", "Socialtjänsten", "Orosanmälningar och iakttagelser, utan personuppgifter"),
    Source(5, "felanmalan", "Felanmälan", "Kommunens felanmälan: skadegörelse, klotter, nedskräpning"),
    Source(6, "trygghetsvandring", "Trygghetsvandring", "Platser som pekats ut vid trygghetsvandringar"),
    Source(7, "medborgardialog", "Medborgardialog", "Synpunkter från medborgardialoger och enkäter"),
)

CATEGORIES = (
    Category(1, "misshandel", "Misshandel", "Våld", 10.0),
    Category(2, "ran", "Rån", "Våld", 15.0),
    Category(3, "olaga_hot", "Olaga hot", "Våld", 5.0),
    Category(4, "inbrott", "Inbrott", "Tillgrepp", 6.0),
    Category(5, "stold", "Stöld", "Tillgrepp", 2.0),
    Category(6, "cykelstold", "Cykelstöld", "Tillgrepp", 1.0),
    Category(7, "fordonsbrott", "Stöld ur eller av fordon", "Tillgrepp", 2.0),
    Category(8, "skadegorelse", "Skadegörelse", "Skadegörelse", 2.0),
    Category(9, "klotter", "Klotter", "Skadegörelse", 1.0),
    Category(10, "brand", "Anlagd brand", "Skadegörelse", 6.0),
    Category(11, "narkotika", "Narkotikabrott", "ANDTS", 4.0),
    Category(12, "ordningsstorning", "Ordningsstörning", "Ordning och miljö", 1.0),
    Category(13, "nedskrapning", "Nedskräpning", "Ordning och miljö", 0.5),
    Category(14, "otrygghet", "Upplevd otrygghet", "Otrygghet", 0.5),
    Category(15, "skjutning", "Skjutning eller sprängning", "Våld", 20.0),
    # Added with migration 0008 (police event types reviewed): an existing database gets them from there.
    Category(16, "brand_ovrig", "Brand", "Skadegörelse", 2.0),
    Category(17, "mord_drap", "Mord eller dråp", "Våld", 25.0),
    Category(18, "vapenbrott", "Vapenbrott", "Vapen", 4.0),
    Category(19, "rattfylleri", "Rattfylleri", "ANDTS", 3.0),
    Category(20, "alkohol", "Alkoholbrott", "ANDTS", 1.0),
    Category(21, "sexualbrott", "Sexualbrott", "Våld", 8.0),
)

RISK_FACTORS = (
    RiskFactor(1, "bristande_belysning", "Bristande belysning", "place"),
    RiskFactor(2, "skymd_sikt", "Skymd sikt och igenvuxen vegetation", "place"),
    RiskFactor(3, "nedskrapning_klotter", "Nedskräpning och klotter i miljön", "place"),
    RiskFactor(4, "samlingsplats_unga", "Samlingsplats för unga utan vuxennärvaro", "place"),
    RiskFactor(5, "alkoholservering", "Alkoholservering och krogmiljö", "place"),
    RiskFactor(6, "kollektivtrafiknod", "Kollektivtrafiknod", "place"),
    RiskFactor(7, "tomma_lokaler", "Tomma lokaler och säsongsstängda hus", "place"),
    RiskFactor(8, "oppen_narkotikahandel", "Öppen narkotikahandel", "ANDTS"),
    RiskFactor(9, "alkohol_unga", "Alkohol bland unga", "ANDTS"),
    RiskFactor(10, "spel", "Spel om pengar", "ANDTS"),
    RiskFactor(11, "skolfranvaro", "Skolfrånvaro och skolmisslyckande", "school"),
    RiskFactor(12, "kriminella_kamrater", "Kriminella kamrater", "peers"),
    RiskFactor(13, "bristande_tillsyn", "Bristande föräldratillsyn", "family"),
    RiskFactor(14, "tidig_debut", "Tidig normbrytande debut", "individual"),
    RiskFactor(15, "svag_sammanhallning", "Svag social sammanhållning i grannskapet", "community"),
    # Added with migration 0019 (the EST weekly round's checklist maps onto them): an existing database gets
    # them from there.
    RiskFactor(16, "skadegorelse_miljo", "Skadegörelse i miljön", "place"),
    RiskFactor(17, "brander_miljo", "Bränder i miljön (containrar, fordon, byggnader)", "place"),
    RiskFactor(18, "upplevd_otrygghet", "Upplevd otrygghet på platsen", "community"),
)

DOMAIN_LABELS = {
    "individual": "Individ",
    "family": "Familj",
    "school": "Skola",
    "peers": "Kamrater",
    "community": "Närsamhälle",
    "place": "Plats (situationell)",
    "ANDTS": "ANDTS",
}


def install(cur: duckdb.DuckDBPyConnection) -> None:
    """Insert the standard vocabularies (keeps rows that already exist, inside the caller's transaction)."""
    cur.executemany("INSERT OR IGNORE INTO sources VALUES (?, ?, ?, ?)", [list(s) for s in SOURCES])
    cur.executemany("INSERT OR IGNORE INTO categories VALUES (?, ?, ?, ?, ?)", [list(c) for c in CATEGORIES])
    cur.executemany("INSERT OR IGNORE INTO risk_factors VALUES (?, ?, ?, ?)", [list(r) for r in RISK_FACTORS])


Vocable = TypeVar("Vocable", Category, RiskFactor)


def by_code(items: Sequence[Vocable]) -> dict[str, Vocable]:
    """Index a vocabulary by its code."""
    return {item.code: item for item in items}


class PoliceType(NamedTuple):
    category: str | None  # a category code, or None: outside the situation picture (utanför lägesbilden)
    reason: str           # Swedish, shown to users: why it is left out, or what the mapping rests on


LEFT_OUT = "utanför lägesbilden"
_TRAFFIC = "trafiksäkerhet, inte brott eller ordning"
_SUMMARY = "en sammanfattning av flera händelser i länet, inte en egen händelse – räknas som utelämnad"
_POLICE_WORK = "speglar var polisen har kontrollerat, inte läget på platsen"
_NOT_PLACE = "brottet säger inget om platsen där det registreras (sker oftast på distans, per telefon eller nätet)"

# Every type seen in the real files (tests/test_police_types.py reads them and fails on a type missing here).
# One place of truth: STANDARD_CATEGORY_ALIASES, the import report and the README table are derived from it.
POLICE_TYPES: dict[str, PoliceType] = {
    "Alkohollagen": PoliceType("alkohol", "langning och alkohol bland unga: en ANDTS-fråga"),
    "Anträffad död": PoliceType(None, "dödsfall som polisen utreder rutinmässigt, oftast inte brott"),
    "Anträffat gods": PoliceType(None, "upphittade saker, inte brott eller ordning"),
    "Arbetsplatsolycka": PoliceType(None, "olycka på en arbetsplats: arbetsmiljö, inte brott eller ordning"),
    "Bedrägeri": PoliceType(None, _NOT_PLACE),
    "Bombhot": PoliceType("olaga_hot", "ett hot, närmast olaga hot"),
    "Brand": PoliceType("brand_ovrig", "en brand är inte anlagd förrän texten säger det (anlagd, mordbrand, "
                                       "satt eld …); då räknas den som anlagd brand"),
    "Brand automatlarm": PoliceType(None, "ett automatiskt brandlarm, oftast utan brand och utan brott"),
    "Bråk": PoliceType("ordningsstorning", ""),
    "Detonation": PoliceType("skjutning", "en smäll eller sprängning, som Explosion"),
    "Djur": PoliceType(None, "djur som rymt, skadats eller hittats, inte brott eller ordning"),
    "Efterlyst person": PoliceType(None, "en efterlysning av en person, inte en händelse på en plats"),
    "Ekobrott": PoliceType(None, "ekonomisk brottslighet (valuta, skatt), inte lokal brottslighet"),
    "Explosion": PoliceType("skjutning", ""),
    "Farligt föremål, misstänkt": PoliceType(None, "ett misstänkt farligt föremål som oftast visar sig "
                                                  "ofarligt, inte ett konstaterat brott"),
    "Fjällräddning": PoliceType(None, "räddning i fjällen, inte brott eller ordning"),
    "Fylleri": PoliceType("ordningsstorning", "berusning på allmän plats"),
    "Fylleri/LOB": PoliceType("ordningsstorning", "berusning på allmän plats (omhändertagande enligt LOB)"),
    "Förfalskningsbrott": PoliceType(None, _NOT_PLACE),
    "Försvunnen person": PoliceType(None, "en försvunnen person söks, inte brott eller ordning"),
    "Hemfridsbrott": PoliceType("ordningsstorning", "intrång i någons bostad, som olaga intrång"),
    "Hets mot folkgrupp": PoliceType("olaga_hot", "hot eller missaktning mot en folkgrupp, närmast olaga hot"),
    "Häleri": PoliceType("stold", ""),
    "Inbrott": PoliceType("inbrott", ""),
    "Inbrott, försök": PoliceType("inbrott", ""),
    "Information": PoliceType(None, "information från polisen (öppettider, vittnesefterlysningar), "
                                    "inte en händelse"),
    "Knivlagen": PoliceType("vapenbrott", ""),
    "Kontroll": PoliceType(None, _POLICE_WORK),
    "Kontroll person/fordon": PoliceType(None, _POLICE_WORK),
    "Lagen om hundar och katter": PoliceType(None, "tillsyn över hundar och katter, inte brott eller ordning"),
    "Larm Inbrott": PoliceType(None, "ett inbrottslarm som gått, inte ett konstaterat inbrott"),
    "Larm Överfall": PoliceType(None, "ett överfallslarm som gått, inte ett konstaterat brott"),
    "Luftfartslagen": PoliceType(None, "luftfart (drönare, flygplatser), inte lokal brottslighet"),
    "Miljöbrott": PoliceType(None, "miljöbrott hör till miljötillsynen (nedskräpning räknas för sig)"),
    "Missbruk av urkund": PoliceType(None, _NOT_PLACE),
    "Misshandel": PoliceType("misshandel", ""),
    "Misshandel, grov": PoliceType("misshandel", ""),
    "Mord/dråp": PoliceType("mord_drap", ""),
    "Mord/dråp, försök": PoliceType("mord_drap", "försöken räknas med, som vid rån och inbrott"),
    "Mordbrand": PoliceType("brand", "mordbrand är en anlagd brand"),
    "Motorfordon, anträffat stulet": PoliceType(None, "ett stulet fordon har hittats; stölden räknas där den "
                                                      "skedde"),
    "Motorfordon, stöld": PoliceType("fordonsbrott", ""),
    "Narkotikabrott": PoliceType("narkotika", ""),
    "Ofredande/förargelse": PoliceType("olaga_hot", ""),
    "Olaga frihetsberövande/människorov": PoliceType("misshandel", "våld mot person, närmast misshandel"),
    "Olaga hot": PoliceType("olaga_hot", ""),
    "Olaga intrång": PoliceType("ordningsstorning", ""),
    "Olovlig körning": PoliceType(None, "körning utan körkort: " + _TRAFFIC),
    "Ordningslagen": PoliceType("ordningsstorning", ""),
    "Polisinsats/kommendering": PoliceType(None, "polisens planerade insats (evenemang, besök), "
                                                 "inte en händelse"),
    "Rattfylleri": PoliceType("rattfylleri", "alkohol eller narkotika i trafiken: en ANDTS-fråga"),
    "Räddningsinsats": PoliceType(None, "räddningsinsats (drunkning, ras, olyckor), inte brott eller ordning"),
    "Rån": PoliceType("ran", ""),
    "Rån väpnat": PoliceType("ran", ""),
    "Rån övrigt": PoliceType("ran", ""),
    "Rån, försök": PoliceType("ran", ""),
    "Sabotage mot blåljusverksamhet": PoliceType("skadegorelse", ""),
    "Sammanfattning dag": PoliceType(None, _SUMMARY),
    "Sammanfattning kväll": PoliceType(None, _SUMMARY),
    "Sammanfattning kväll och natt": PoliceType(None, _SUMMARY),
    "Sammanfattning natt": PoliceType(None, _SUMMARY),
    "Sedlighetsbrott": PoliceType("sexualbrott", ""),
    "Sexualbrott": PoliceType("sexualbrott", ""),
    "Sjukdom/olycksfall": PoliceType(None, "sjukdom eller olycksfall, inte brott eller ordning"),
    "Sjölagen": PoliceType(None, "sjötrafik, inte lokal brottslighet"),
    "Skadegörelse": PoliceType("skadegorelse", ""),
    "Skottlossning": PoliceType("skjutning", ""),
    "Skottlossning, misstänkt": PoliceType("skjutning", ""),
    "Skyddslagen": PoliceType(None, "skyddsobjekt (militära områden m.m.), inte lokal brottslighet"),
    "Smällar": PoliceType("ordningsstorning", "oftast fyrverkerier"),
    "Stöld": PoliceType("stold", ""),
    "Stöld, försök": PoliceType("stold", ""),
    "Stöld/inbrott": PoliceType("inbrott", ""),
    "Trafikbrott": PoliceType(None, _TRAFFIC),
    "Trafikhinder": PoliceType(None, _TRAFFIC),
    "Trafikkontroll": PoliceType(None, "polisens trafikkontroller: " + _POLICE_WORK),
    "Trafikolycka": PoliceType(None, _TRAFFIC),
    "Trafikolycka, personskada": PoliceType(None, _TRAFFIC),
    "Trafikolycka, singel": PoliceType(None, _TRAFFIC),
    "Trafikolycka, smitning från": PoliceType(None, _TRAFFIC),
    "Trafikolycka, vilt": PoliceType(None, _TRAFFIC),
    "Uppdatering": PoliceType(None, "en uppdatering av en händelse som redan publicerats, inte en ny händelse"),
    "Utlänningslagen": PoliceType(None, "kontroll av rätten att vistas i landet: " + _POLICE_WORK),
    "Vapenlagen": PoliceType("vapenbrott", ""),
    "Varningslarm/haveri": PoliceType(None, "larm om haveri (flyg, båt), inte brott eller ordning"),
    "Våld/hot mot tjänsteman": PoliceType("olaga_hot", ""),
    "Våldtäkt": PoliceType("sexualbrott", ""),
    "Våldtäkt, försök": PoliceType("sexualbrott", ""),
    "Vållande till kroppsskada": PoliceType(None, "oaktsamhet som skadat någon, oftast i trafiken eller på "
                                                  "jobbet"),
    "Åldringsbrott": PoliceType(None, "brott mot äldre, oftast bedrägerier per telefon: " + _NOT_PLACE),
    "Övrigt": PoliceType(None, "blandade meddelanden (presstjänst, upphittade djur), ingen egen kategori"),
}

# Spellings seen in other exports that are not police types, onto category codes.
OTHER_ALIASES: dict[str, str] = {
    "misshandel grov": "misshandel", "grov misshandel": "misshandel", "väpnat rån": "ran", "hot": "olaga_hot",
    "snatteri": "stold", "bostadsinbrott": "inbrott", "stöld ur bil": "fordonsbrott", "bilstöld": "fordonsbrott",
    "skadegörelse, grov": "skadegorelse", "anlagd brand": "brand", "narkotika": "narkotika",
    "narkotikabrott, ringa": "narkotika", "störning": "ordningsstorning", "otrygghet": "otrygghet",
    "otrygg plats": "otrygghet", "skräp": "nedskrapning", "graffiti": "klotter", "sprängning": "skjutning",
}

# How event types and variants map onto the categories. None: known, and deliberately outside the situation
# picture; such rows are counted and reported as left out with their reason, never stored, never silently dropped.
STANDARD_CATEGORY_ALIASES: dict[str, str | None] = (
    {**{kind.lower(): entry.category for kind, entry in POLICE_TYPES.items()}, **OTHER_ALIASES}
)

# Words in a "Brand" event's name or summary that say the fire was set on purpose, as the police write them
# ("Misstänkt anlagd brand i tvättstuga", "Man misstänkt för mordbrand", "Ungdomar tänder eld på en container",
# "Någon har eldat i ett förråd"). "Misstänkt brand" alone is a suspected fire, not a suspected arson, and
# "allmänfarlig vårdslöshet" is carelessness: neither is a word here.
_BY_LOWER = {kind.lower(): entry for kind, entry in POLICE_TYPES.items()}

ARSON_WORDS = re.compile(
    r"\b(?:anlag(?:d|t|da)|mordbr[aä]nd\w*|brandattentat\w*|brandbomb\w*"
    r"|s(?:atte?|ätt(?:a|er|s)?) eld|t(?:änt|ände|änd(?:a|er|s)?) eld|eld(?:ar|at|ade) i"
    r"|skadegörelse genom brand)\b",
    re.IGNORECASE,
)
_DENIED = re.compile(r"\b(?:inte|ej|inget)\b", re.IGNORECASE)  # "Inget tyder på att branden är anlagd"


def is_arson(text: str) -> bool:
    """Whether a fire's name or summary says it was set on purpose (and not that it was not)."""
    for match in ARSON_WORDS.finditer(text or ""):
        sentence_so_far = re.split(r"[.!?]", text[:match.start()])[-1]
        if not _DENIED.search(sentence_so_far):
            return True
    return False


def left_out_reason(kind: str) -> str:
    """How the import report names rows of a type left out: the type, and the table's reason when it has one."""
    entry = _BY_LOWER.get(" ".join(kind.lower().split()))
    if entry is None or entry.category is not None:  # left out by the coordinator's own alias
        return f"{kind} ({LEFT_OUT})"
    return f"{kind} ({LEFT_OUT}): {entry.reason}"


def police_types_markdown() -> str:
    """The README's table of police event types, made from POLICE_TYPES (a test keeps the README equal to it)."""
    labels = {c.code: c.label for c in CATEGORIES}
    lines = ["| händelsetyp | kategori | skäl |", "|---|---|---|"]
    for kind, entry in POLICE_TYPES.items():
        target = LEFT_OUT if entry.category is None else labels[entry.category]
        lines.append(f"| {kind} | {target} | {entry.reason} |")
    return "\n".join(lines)
