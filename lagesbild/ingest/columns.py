"""Recognising columns by their headers: Swedish and English synonyms for every field the importer knows.

The result is a mapping field -> header that the coordinator can correct in the UI; a corrected mapping is
remembered per source, keyed by a signature of the file's headers.
"""

from __future__ import annotations

import hashlib
import re

from lagesbild.ingest.values import normalise

INCIDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("datum", "date", "händelsedatum", "brottsdatum", "dag", "datum och tid", "datum/tid", "datetime",
             "tidpunkt", "occurred_at", "inträffade", "inträffad", "starttid", "från datum", "anmälningsdatum"),
    "time": ("tid", "klockslag", "klockan", "kl", "time", "kl.", "tid på dygnet", "klocka"),
    "category": ("brottstyp", "händelsetyp", "kategori", "typ", "category", "type", "brott", "händelse",
                 "brottskategori", "event type", "incident type"),
    "area": ("område", "omrade", "area", "stadsdel", "deso", "regso", "områdeskod", "områdesnamn", "district",
             "ort", "tätort", "kommundel", "area_code", "område kod"),
    "lat": ("lat", "latitud", "latitude", "wgs84 lat", "lat wgs84"),
    "lon": ("lon", "lng", "long", "longitud", "longitude", "wgs84 lon", "lon wgs84"),
    "north": ("n", "north", "nord", "northing", "sweref n", "sweref99 n", "n sweref", "y sweref", "nordkoordinat"),
    "east": ("e", "east", "öst", "ost", "easting", "sweref e", "sweref99 e", "e sweref", "x sweref",
             "östkoordinat"),
    "x": ("x", "x-koordinat", "x koordinat"),
    "y": ("y", "y-koordinat", "y koordinat"),
    "coordinates": ("koordinater", "koordinat", "coordinates", "gps", "position", "latlon", "lat,lon"),
    "risk_factors": ("riskfaktorer", "riskfaktor", "risk factors", "risk factor", "risk_factors", "faktorer"),
    "source": ("källa", "kalla", "source", "datakälla", "rapportör"),
    "external_id": ("id", "ärende", "ärendenummer", "händelse-id", "händelseid", "diarienummer", "external_id",
                    "löpnummer", "nr", "ärendenr", "händelsenummer", "incident id"),
    "description": ("beskrivning", "sammanfattning", "fritext", "kommentar", "description", "summary",
                    "notering", "anteckning", "text"),
    "place": ("plats", "adress", "gata", "location", "place", "platsbeskrivning", "gatuadress"),
}

FIELD_LABELS = {
    "date": "datum", "time": "klockslag", "category": "kategori", "area": "område", "lat": "latitud",
    "lon": "longitud", "north": "nordkoordinat (N)", "east": "östkoordinat (E)", "x": "x", "y": "y",
    "coordinates": "koordinater i en kolumn", "risk_factors": "riskfaktorer", "source": "källa",
    "external_id": "id", "description": "beskrivning (fritext)", "place": "plats (fritext)",
}

POPULATION_FIELDS: dict[str, tuple[str, ...]] = {
    "area": ("deso", "regso", "område", "omrade", "områdeskod", "area", "region", "kod", "code", "desokod",
             "regsokod", "area_code", "områdesnamn", "namn", "name"),
    "population": ("total", "totalt", "folkmängd", "befolkning", "population", "invånare", "antal invånare",
                   "antal", "summa", "folkmangd"),
    "year": ("år", "ar", "year", "period"),
}

# Headers that name people: a file with such a column is refused whatever its values.
PERSON_HEADERS = {
    "namn", "förnamn", "efternamn", "fullständigt namn", "personnamn", "name", "first name", "last name",
    "surname", "full name", "anmälare", "målsägande", "misstänkt", "gärningsperson", "kontaktperson", "vittne",
    "elev", "elevens namn", "personnummer", "pnr", "personnr", "person", "ssn", "samordningsnummer",
}

_UNIT = re.compile(r"\s*[\(\[].*?[\)\]]\s*")


def header_key(header: str) -> str:
    """How a header is compared: normalised, units in brackets removed, '_' as space."""
    return normalise(_UNIT.sub(" ", header).replace("_", " "))


def guess_mapping(headers: list[str], fields: dict[str, tuple[str, ...]]) -> dict[str, str | None]:
    """Field -> header for every field whose synonym matches a header (first match wins)."""
    keys = {header: header_key(header) for header in headers}
    mapping: dict[str, str | None] = {}
    taken: set[str] = set()
    for field, synonyms in fields.items():
        wanted = [header_key(s) for s in synonyms]
        found = next((h for w in wanted for h, k in keys.items() if k == w and h not in taken), None)
        mapping[field] = found
        if found:
            taken.add(found)
    return mapping


def signature(headers: list[str]) -> str:
    """A stable key for "files like this one": the sorted, normalised headers, hashed."""
    joined = "\x1f".join(sorted(header_key(h) for h in headers))
    return hashlib.sha256(joined.encode()).hexdigest()[:24]


def person_headers(headers: list[str]) -> list[str]:
    """Headers that name people."""
    return [h for h in headers if header_key(h) in PERSON_HEADERS]
