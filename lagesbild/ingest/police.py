"""The Swedish Police's events JSON (polisen.se/api/events) as incidents of the municipality.

Quirks handled, all seen in real files: empty files, one-line and indented files, hours without a leading
zero, relative URLs, and from 2026 a county-level `location` with the municipality only at the end of
`name`. The incident time is read from `name` ("5 augusti 15.48, ...", year from the publish time); the
position is a centroid, so an event gets municipality precision and is never drawn as a point — unless its text
names a place of the municipality (`lagesbild.gazetteer`, matched in memory at import): then it gets that area
and precision `area`, still without a point.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from lagesbild import vocabulary
from lagesbild.ingest import guard
from lagesbild.ingest.context import Context
from lagesbild.ingest.incidents import Prepared
from lagesbild.ingest.limits import EARLIEST_DATE
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.values import normalise

MONTHS = {"januari": 1, "februari": 2, "mars": 3, "april": 4, "maj": 5, "juni": 6, "juli": 7, "augusti": 8,
          "september": 9, "oktober": 10, "november": 11, "december": 12}
_NAME_TIME = re.compile(r"^\s*(\d{1,2})\s+([a-zåäö]+)\s+(\d{1,2})[.:](\d{2})", re.IGNORECASE)
_PUBLISHED = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2}) ([+-]\d{2}):?(\d{2})$")


def looks_like_police(document: object) -> bool:
    """Whether parsed JSON is a list of police events."""
    return (isinstance(document, list) and bool(document) and isinstance(document[0], dict)
            and {"datetime", "name", "type", "location"} <= set(document[0]))


def is_geojson(data: bytes) -> bool:
    """Whether JSON bytes are a GeoJSON FeatureCollection (checked cheaply, without parsing everything)."""
    head = data[:4096].decode("utf-8-sig", errors="ignore").replace(" ", "").replace("\n", "")
    return '"type":"FeatureCollection"' in head or '"features":[' in head


def load(data: bytes, file_name: str) -> list[Any]:
    """The events in a police JSON file (FileRefusedError when it is empty or not such a file)."""
    if not data.strip():
        raise FileRefusedError(Problem(file_name, None, None, None, "empty_file"))
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise FileRefusedError(Problem(file_name, None, None, None, "not_text")) from None
    except RecursionError:  # nesting deeper than the parser's stack: no police file looks like that
        raise FileRefusedError(Problem(file_name, None, None, None, "too_deep")) from None
    except json.JSONDecodeError as exc:
        raise FileRefusedError(Problem(file_name, exc.lineno, None, None, "damaged",
                                  f"ogiltig JSON vid tecken {exc.colno}")) from None
    except ValueError as exc:  # e.g. an integer of more than 4 300 digits
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", str(exc)[:100])) from None
    if document == []:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_rows"))
    if not looks_like_police(document):
        raise FileRefusedError(Problem(file_name, None, None, None, "unknown_kind",
                                  "JSON som varken är Polisens händelser eller GeoJSON"))
    events: list[Any] = document
    return events


def published(text: str) -> datetime:
    """'2025-07-05 6:33:07 +02:00' -> aware datetime."""
    match = _PUBLISHED.match(text.strip())
    if not match:
        raise ValueError(text)
    y, mo, d, h, mi, s, oh, om = match.groups()
    return datetime.fromisoformat(f"{y}-{mo}-{d}T{int(h):02d}:{mi}:{s}{oh}:{om}")


def incident_time(name: str, publish: datetime) -> datetime:
    """Local incident time from the event's name, with the year taken from the publish time."""
    match = _NAME_TIME.match(name)
    local_publish = publish.replace(tzinfo=None)
    if not match or match.group(2).lower() not in MONTHS:
        return local_publish
    day, month = int(match.group(1)), MONTHS[match.group(2).lower()]
    year = publish.year - 1 if month > publish.month else publish.year
    try:
        return datetime(year, month, day, int(match.group(3)), int(match.group(4)))
    except ValueError:
        return local_publish


def municipality_of(event: dict[str, Any]) -> str:
    """The municipality an event belongs to: its location, or the last part of its name for county locations."""
    location = (event.get("location") or {}).get("name", "")
    if location and not location.endswith(" län"):
        return str(location)
    return str(event.get("name", "")).rsplit(",", 1)[-1].strip()


# The JSON types each field may have; null is allowed where the police leave a field out.
_TEXT = (str,)
_WHERE_FIELDS = {"location": (dict, type(None)), "location.name": (str, type(None)), "name": (str, type(None))}
_OTHER_FIELDS = {"id": (str, int, type(None)), "datetime": _TEXT, "type": _TEXT, "summary": (str, type(None)),
                 "url": (str, type(None)), "location.gps": (str, type(None))}
_JSON_TYPES = {dict: "object", list: "array", str: "string", int: "number", float: "number", bool: "boolean",
               type(None): "null"}


def _wrong_types(event: dict[str, Any], fields: Mapping[str, tuple[type, ...]]) -> list[tuple[str, object]]:
    """(field, value) of each field whose JSON type is not one the police use."""
    wrong = []
    for name, allowed in fields.items():
        parent, _, child = name.partition(".")
        value = event.get(parent)
        if child:
            if not isinstance(value, dict):
                continue
            value = value.get(child)
        if not isinstance(value, allowed) or isinstance(value, bool):
            wrong.append((name, value))
    return wrong


def _type_problems(file_name: str, number: int, wrong: list[tuple[str, object]]) -> list[Problem]:
    return [Problem(file_name, number, name, json.dumps(value, ensure_ascii=False, default=str)[:60], "wrong_type",
                    _JSON_TYPES.get(type(value), type(value).__name__)) for name, value in wrong]


FIRE, ARSON = "brand_ovrig", "brand"  # a "Brand" event is a fire, and an arson when its text says so


def _left_out(kind: object, ctx: Context) -> bool:
    """Whether an event type is known and outside the situation picture."""
    return isinstance(kind, str) and normalise(kind) in ctx.categories and ctx.categories[normalise(kind)] is None


def prepare_police(events: list[Any], ctx: Context, file_name: str) -> Prepared:
    """Events of this municipality as incidents; the rest counted as left out, never silently dropped."""
    if not ctx.municipality_name:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_municipality"))
    guard.check_records(file_name, events, {"id": guard.TEXT, "name": guard.PLACE, "summary": guard.TEXT,
                                            "location": guard.PLACE})
    here = normalise(ctx.municipality_name)
    police = ctx.sources.get("polisen")
    records: list[dict[str, Any]] = []
    problems: list[Problem] = []
    ignored: dict[str, int] = {}
    rejected: set[int] = set()
    unknown: dict[str, int] = {}
    placement: dict[str, int] = {}
    arson = next((cid for cid, code in ctx.category_codes.items() if code == ARSON), None)
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict):
            problems.append(Problem(file_name, number, None, str(event)[:40], "unknown_kind", "inte en händelse"))
            rejected.add(number)
            continue
        wrong = _wrong_types(event, _WHERE_FIELDS)
        if wrong:
            problems.extend(_type_problems(file_name, number, wrong))
            rejected.add(number)
            continue
        place = municipality_of(event)
        if normalise(place) != here:
            key = "händelser i andra kommuner"
            if place.endswith(" län") and _left_out(event.get("type"), ctx):  # a county's summary is no one's event
                key = vocabulary.left_out_reason(event["type"].strip())
            ignored[key] = ignored.get(key, 0) + 1
            continue
        wrong = _wrong_types(event, _OTHER_FIELDS)
        if wrong:
            problems.extend(_type_problems(file_name, number, wrong))
            rejected.add(number)
            continue
        kind = event["type"].strip()
        category = ctx.categories.get(normalise(kind), -1)
        if category is None:
            key = vocabulary.left_out_reason(kind)
            ignored[key] = ignored.get(key, 0) + 1
            continue
        if category == -1:
            problems.append(Problem(file_name, number, "type", kind, "unknown_category"))
            unknown[kind] = unknown.get(kind, 0) + 1
            rejected.add(number)
            continue
        if ctx.category_codes.get(category) == FIRE and vocabulary.is_arson(
                f"{event.get('name') or ''}. {event.get('summary') or ''}"):
            category = arson if arson is not None else category
        try:
            when = incident_time(event.get("name") or "", published(event["datetime"]))
        except (ValueError, OverflowError):
            problems.append(Problem(file_name, number, "datetime", event["datetime"], "bad_date"))
            rejected.add(number)
            continue
        if when.date() < EARLIEST_DATE or when.date() > ctx.today:
            code = "date_too_early" if when.date() < EARLIEST_DATE else "future_date"
            problems.append(Problem(file_name, number, "datetime", event["datetime"], code,
                                    EARLIEST_DATE.isoformat()))
            rejected.add(number)
            continue
        # The text is read here, in memory, for a place name; it is stored below only if the setting says so.
        area, outcome = (ctx.gazetteer.place(event.get("name"), event.get("summary")) if ctx.gazetteer
                         else (None, "none"))
        placement[outcome] = placement.get(outcome, 0) + 1
        records.append({
            "row": number, "source_id": police, "local_time": when,
            "external_id": None if event.get("id") is None else str(event["id"]),
            "has_time": True, "category_id": category, "area_id": -1 if area is None else area,
            "lon": np.nan, "lat": np.nan, "x": np.nan, "y": np.nan,
            "precision": "municipality" if area is None else "area", "risk_mask": np.uint64(0),
            "description": (event.get("summary") or None) if ctx.store_free_text else None,
        })
    frame = pd.DataFrame(records, columns=["row", "source_id", "external_id", "local_time", "has_time",
                                           "category_id", "area_id", "lon", "lat", "x", "y", "precision",
                                           "risk_mask", "description"])
    return Prepared(kind="incidents", file_name=file_name, rows_read=len(events), frame=frame, problems=problems,
                    rejected_rows=rejected, ignored=ignored, unknown={"category": unknown} if unknown else {},
                    source_key="polisen-json", covers=snapshot_period(events, ctx.today),
                    covers_sources=[police] if police else [], placement=placement)


def snapshot_period(events: list[Any], today: date) -> tuple[date, date] | None:
    """The days a police file covers: from its first to its last publication, over every event in it (other
    municipalities' too — a snapshot with none of ours still shows that nothing of ours was published)."""
    days = []
    for event in events:
        if isinstance(event, dict) and isinstance(event.get("datetime"), str):
            try:
                day = published(event["datetime"]).date()
            except (ValueError, OverflowError):
                continue
            if EARLIEST_DATE <= day <= today:
                days.append(day)
    return (min(days), max(days)) if days else None
