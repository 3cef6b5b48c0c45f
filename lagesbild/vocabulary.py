"""The standard vocabularies every database starts with: sources, categories and risk factors.

Labels are Swedish (they are shown in the UI); codes are stable ASCII identifiers used in URLs and files.
Harm weights are a starting point loosely following typical penal value (an assault weighs far more than
littering); a municipality may change them in the `categories` table.
"""

from __future__ import annotations

from typing import NamedTuple

import duckdb


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
    Category(11, "narkotika", "Narkotikabrott", "Narkotika", 4.0),
    Category(12, "ordningsstorning", "Ordningsstörning", "Ordning och miljö", 1.0),
    Category(13, "nedskrapning", "Nedskräpning", "Ordning och miljö", 0.5),
    Category(14, "otrygghet", "Upplevd otrygghet", "Otrygghet", 0.5),
    Category(15, "skjutning", "Skjutning eller sprängning", "Våld", 20.0),
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


def by_code(items: tuple) -> dict:
    """Index a vocabulary by its code."""
    return {item.code: item for item in items}


# How the Swedish Police's event types (and common variants in other exports) map onto the categories.
# None: known, and deliberately outside the situation picture (traffic, summaries, lost animals, …);
# such rows are counted and reported as left out, never stored and never silently dropped.
STANDARD_CATEGORY_ALIASES: dict[str, str | None] = {
    "misshandel, grov": "misshandel", "misshandel grov": "misshandel", "grov misshandel": "misshandel",
    "mord/dråp": "misshandel", "mord/dråp, försök": "misshandel", "våld/hot mot tjänsteman": "olaga_hot",
    "vållande till kroppsskada": None,
    "rån väpnat": "ran", "rån, försök": "ran", "rån övrigt": "ran", "väpnat rån": "ran",
    "ofredande/förargelse": "olaga_hot", "hot": "olaga_hot",
    "stöld, försök": "stold", "häleri": "stold", "snatteri": "stold",
    "stöld/inbrott": "inbrott", "inbrott, försök": "inbrott", "bostadsinbrott": "inbrott",
    "motorfordon, stöld": "fordonsbrott", "stöld ur bil": "fordonsbrott", "bilstöld": "fordonsbrott",
    "sabotage mot blåljusverksamhet": "skadegorelse", "skadegörelse, grov": "skadegorelse",
    "brand": "brand", "mordbrand": "brand", "anlagd brand": "brand",
    "narkotika": "narkotika", "narkotikabrott, ringa": "narkotika",
    "fylleri/lob": "ordningsstorning", "bråk": "ordningsstorning", "ordningslagen": "ordningsstorning",
    "alkohollagen": "ordningsstorning", "knivlagen": "ordningsstorning", "vapenlagen": "ordningsstorning",
    "störning": "ordningsstorning", "otrygghet": "otrygghet", "otrygg plats": "otrygghet",
    "skräp": "nedskrapning", "graffiti": "klotter",
    "trafikolycka": None, "trafikolycka, personskada": None, "trafikolycka, vilt": None,
    "trafikolycka, singel": None, "trafikolycka, smitning från": None, "trafikkontroll": None,
    "trafikbrott": None, "rattfylleri": None, "olovlig körning": None, "trafikhinder": None,
    "sammanfattning natt": None, "sammanfattning kväll och natt": None, "sammanfattning dag": None,
    "sammanfattning kväll": None, "övrigt": None, "arbetsplatsolycka": None, "försvunnen person": None,
    "djur": None, "fjällräddning": None, "räddningsinsats": None, "anträffad död": None,
    "polisinsats/kommendering": None, "information": None, "uppdatering": None, "kontroll person/fordon": None,
    "kontroll": None, "sjukdom/olycksfall": None, "anträffat gods": None, "efterlyst person": None,
    "larm inbrott": None, "larm överfall": None, "luftfartslagen": None, "sjölagen": None,
    "utlänningslagen": None, "bedrägeri": None, "missbruk av urkund": None, "förfalskningsbrott": None,
    "åldringsbrott": None, "miljöbrott": None, "skyddslagen": None, "motorfordon, anträffat stulet": None,
    "farligt föremål, misstänkt": None,
    "skottlossning": "skjutning", "skottlossning, misstänkt": "skjutning", "explosion": "skjutning",
    "sprängning": "skjutning", "smällar": "ordningsstorning", "olaga intrång": "ordningsstorning",
}
