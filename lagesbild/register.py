"""The intervention register: create, edit, end and delete interventions, each change logged (who, when, what).

Only the coordinator calls these (the UI checks the role, the CLI is for people with server access). Each
change is one transaction that also writes its log row and marks the data as changed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import pandas as pd

from lagesbild import db, formatting, queries
from lagesbild.ingest import guard
from lagesbild.ingest.store import next_free_id
from lagesbild.settings import TIME_ZONE

STATUSES = ("planerad", "pågående", "avslutad")
ACTORS = ("kommun", "polis", "skola", "socialtjänst", "fritid", "fastighetsägare", "föreningar")


@dataclass
class Intervention:
    """What the register form edits."""

    name: str
    kind: str
    start: date
    area_codes: list[str] = field(default_factory=list)
    end: date | None = None
    responsible: list[str] = field(default_factory=list)
    risk_factors: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    status: str = "pågående"
    dose_value: float | None = None
    dose_unit: str | None = None
    cost_sek: float | None = None
    problem: str | None = None
    geojson: str | None = None
    weekdays: list[int] = field(default_factory=list)   # ISO 1 = Monday .. 7 = Sunday; empty: every day
    hour_from: int | None = None                       # inclusive; wraps past midnight when from > to
    hour_to: int | None = None                         # None (both): the whole day


def status_on(start: date, end: date | None, today: date | None = None) -> str:
    """planerad, pågående or avslutad as seen today."""
    today = today or date.today()
    if start > today:
        return "planerad"
    return "avslutad" if end is not None and end < today else "pågående"


def timing(weekdays: Sequence[int] | None, hour_from: int | None, hour_to: int | None) -> str:
    """'fredag och lördag kl. 21–04' — when an intervention works ('' for every day, the whole day)."""
    parts = []
    if weekdays is not None and 0 < len(weekdays) < 7:
        names = [formatting.WEEKDAYS[int(d) - 1] for d in sorted(weekdays)]
        parts.append(names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1])
    if hour_from is not None and hour_to is not None and hour_from == hour_from and (hour_from, hour_to) != (0, 23):
        text = f"kl. {int(hour_from):02d}–{(int(hour_to) + 1) % 24:02d}"
        parts.append(text + (" (nätter räknas till kvällen de började)" if hour_from > hour_to else ""))
    return " ".join(parts)


def _tidy(item: Intervention) -> Intervention:
    """Lists sorted and free of repeats, so that the same choices in another order are no change."""
    for name in ("area_codes", "responsible", "risk_factors", "categories", "weekdays"):
        setattr(item, name, sorted(dict.fromkeys(getattr(item, name))))
    return item


def problems(con: duckdb.DuckDBPyConnection, item: Intervention) -> list[str]:
    """What is wrong with a form, in Swedish (empty when it can be saved)."""
    _tidy(item)
    found = []
    if not item.name.strip():
        found.append("Ange ett namn på insatsen.")
    if not item.kind.strip():
        found.append("Ange vilken typ av insats det är.")
    if item.end is not None and item.end < item.start:
        found.append("Slutdatum kan inte ligga före startdatum.")
    if item.status not in STATUSES:
        found.append(f"Status ska vara en av: {', '.join(STATUSES)}.")
    if not item.area_codes and not item.geojson:
        found.append("Välj minst ett område (eller ladda upp en egen avgränsning).")
    known = {t: {r[0] for r in queries.rows(con, "SELECT code FROM " + t)}
             for t in ("areas", "risk_factors", "categories")}
    for label, chosen, table in (("område", item.area_codes, "areas"), ("riskfaktor", item.risk_factors,
                                                                          "risk_factors"),
                                 ("kategori", item.categories, "categories")):
        unknown = [c for c in chosen if c not in known[table]]
        if unknown:
            found.append(f"Okänd {label}: {', '.join(unknown)}.")
    if any(not isinstance(d, int) or not 1 <= d <= 7 for d in item.weekdays):
        found.append("Veckodagar anges som 1 (måndag) till 7 (söndag).")
    if (item.hour_from is None) != (item.hour_to is None):
        found.append("Ange både första och sista timmen, eller ingen av dem.")
    elif item.hour_from is not None and item.hour_to is not None and not (
            0 <= item.hour_from <= 23 and 0 <= item.hour_to <= 23):
        found.append("Timmarna ska ligga mellan 0 och 23.")
    for number, text in ((item.dose_value, "Omfattningen"), (item.cost_sek, "Kostnaden")):
        if number is not None and number < 0:
            found.append(f"{text} kan inte vara negativ.")
    found += guard.form_problems({"Namn": item.name, "Typ": item.kind, "Problem": item.problem,
                                  "Enhet": item.dose_unit, "Ansvariga": item.responsible, "Avgränsning": item.geojson})
    return found


def load(con: duckdb.DuckDBPyConnection, intervention_id: int) -> Intervention:
    """The intervention as the form shows it."""
    row = queries.frame(con, "SELECT iv.*, t.registered_area_codes AS area_codes, t.risk_factor_codes, t.category_codes FROM interventions iv"
                             " JOIN intervention_targets t ON t.intervention_id = iv.id WHERE iv.id = ?",
                        [intervention_id])
    if row.empty:
        raise KeyError(f"no intervention with id {intervention_id}")
    r = row.iloc[0]

    def optional(value: Any) -> Any:
        if pd.isna(value):
            return None
        return float(value) if isinstance(value, int | float) else value

    return Intervention(
        name=r["name"], kind=r["kind"], start=pd.Timestamp(r["start_date"]).date(),
        end=None if pd.isna(r["end_date"]) else pd.Timestamp(r["end_date"]).date(),
        area_codes=list(r["area_codes"]), responsible=list(r["responsible"]),
        risk_factors=list(r["risk_factor_codes"]), categories=list(r["category_codes"]), status=str(r["status"]),
        dose_value=optional(r["dose_value"]), dose_unit=optional(r["dose_unit"]), cost_sek=optional(r["cost_sek"]),
        problem=optional(r["problem"]), geojson=optional(r["geojson"]),
        weekdays=[int(d) for d in (r["weekdays"] if r["weekdays"] is not None else [])],
        hour_from=None if pd.isna(r["hour_from"]) else int(r["hour_from"]),
        hour_to=None if pd.isna(r["hour_to"]) else int(r["hour_to"]),
    )


def _write_links(cur: duckdb.DuckDBPyConnection, number: int, item: Intervention) -> None:
    for table in ("intervention_areas", "intervention_risk_factors", "intervention_categories"):
        cur.execute("DELETE FROM " + table + " WHERE intervention_id = ?", [number])  # allow-listed names
    # On the base division's areas (what the form offers), or an area of another division registered before.
    cur.execute("INSERT INTO intervention_areas SELECT DISTINCT ON (code) ?, id FROM areas WHERE list_contains(?, code)"
                " ORDER BY code, division = coalesce((SELECT value FROM meta WHERE key = 'division'), division) DESC,"
                " id", [number, item.area_codes])
    cur.execute("INSERT INTO intervention_risk_factors SELECT ?, id FROM risk_factors WHERE list_contains(?, code)",
                [number, item.risk_factors])
    cur.execute("INSERT INTO intervention_categories SELECT ?, id FROM categories WHERE list_contains(?, code)",
                [number, item.categories])


def _log(cur: duckdb.DuckDBPyConnection, number: int, by: str, action: str, changes: dict[str, Any]) -> None:
    cur.execute(
        "INSERT INTO intervention_log VALUES (nextval('intervention_log_ids'), ?, ?, ?, ?, ?)",
        [number, datetime.now(UTC), by, action, json.dumps(changes, ensure_ascii=False, default=str)])


def _values(item: Intervention) -> list[Any]:
    return [item.name.strip(), item.kind.strip(), item.status, item.start, item.end, list(item.responsible),
            item.dose_value, item.dose_unit, item.cost_sek, item.problem, item.geojson, list(item.weekdays),
            item.hour_from, item.hour_to]


def create(con: duckdb.DuckDBPyConnection, item: Intervention, by: str, import_id: int | None = None) -> int:
    """Add an intervention; returns its id."""
    errors = problems(con, item)
    if errors:
        raise ValueError(" ".join(errors))
    with db.write(con) as cur:
        number = insert(cur, item, by, import_id)
    return number


def insert(cur: duckdb.DuckDBPyConnection, item: Intervention, by: str, import_id: int | None = None) -> int:
    """Insert a checked intervention inside the caller's transaction; returns its id."""
    number = next_free_id(cur, "interventions")
    cur.execute("INSERT INTO interventions (id, name, kind, status, start_date, end_date, responsible, dose_value,"
                " dose_unit, cost_sek, problem, geojson, weekdays, hour_from, hour_to, import_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [number, *_values(item), import_id])
    _write_links(cur, number, item)
    _log(cur, number, by, "importerad" if import_id else "skapad",
         {k: [None, v] for k, v in asdict(item).items() if v not in (None, [], "")})
    return number


def update(con: duckdb.DuckDBPyConnection, number: int, item: Intervention, by: str) -> dict[str, list[Any]]:
    """Change an intervention; returns what changed ({field: [old, new]})."""
    errors = problems(con, item)
    if errors:
        raise ValueError(" ".join(errors))
    old = load(con, number)
    changes = {k: [getattr(old, k), v] for k, v in asdict(item).items() if getattr(old, k) != v}
    if not changes:
        return {}
    with db.write(con) as cur:
        cur.execute("UPDATE interventions SET name = ?, kind = ?, status = ?, start_date = ?, end_date = ?,"
                    " responsible = ?, dose_value = ?, dose_unit = ?, cost_sek = ?, problem = ?, geojson = ?,"
                    " weekdays = ?, hour_from = ?, hour_to = ? WHERE id = ?", [*_values(item), number])
        _write_links(cur, number, item)
        _log(cur, number, by, "ändrad", changes)
    return changes


def end(con: duckdb.DuckDBPyConnection, number: int, on: date, by: str) -> dict[str, list[Any]]:
    """End an intervention on a day (status avslutad)."""
    item = load(con, number)
    item.end, item.status = on, "avslutad"
    return update(con, number, item, by)


def delete(con: duckdb.DuckDBPyConnection, number: int, by: str) -> None:
    """Remove an intervention and its links (the log keeps what it was)."""
    old = load(con, number)
    with db.write(con) as cur:
        for table in ("intervention_areas", "intervention_risk_factors", "intervention_categories"):
            cur.execute("DELETE FROM " + table + " WHERE intervention_id = ?", [number])  # allow-listed names
        cur.execute("DELETE FROM interventions WHERE id = ?", [number])
        _log(cur, number, by, "borttagen", {k: [v, None] for k, v in asdict(old).items() if v not in (None, [], "")})


def history(con: duckdb.DuckDBPyConnection, number: int | None = None) -> pd.DataFrame:
    """The change log, newest first, as a Swedish table."""
    found = queries.frame(con, "SELECT l.changed_at, l.changed_by, l.action, coalesce(iv.name, '(borttagen)') AS"
                               " name, l.changes FROM intervention_log l LEFT JOIN interventions iv"
                               " ON iv.id = l.intervention_id WHERE ? IS NULL OR l.intervention_id = ?"
                               " ORDER BY l.id DESC", [number, number])
    return pd.DataFrame({
        "När": pd.to_datetime(found["changed_at"]).dt.tz_convert(TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "Vem": found["changed_by"], "Vad": found["action"], "Insats": found["name"],
        "Ändringar": [", ".join(json.loads(c)) for c in found["changes"]],
    })


def listing(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """All interventions with their areas and targets (for the register, the timeline and the action plan)."""
    found = queries.frame(
        con,
        "SELECT iv.id, iv.name, iv.kind, iv.status::VARCHAR AS status, iv.start_date, iv.end_date, iv.problem,"
        " array_to_string(iv.responsible, ', ') AS responsible,"
        " array_to_string(t.area_names, ', ') AS areas, t.area_codes,"
        " array_to_string(t.risk_factor_labels, ', ') AS risk_factors,"
        " array_to_string(t.category_labels, ', ') AS categories, iv.weekdays, iv.hour_from, iv.hour_to"
        " FROM interventions iv JOIN intervention_targets t ON t.intervention_id = iv.id"
        " ORDER BY iv.start_date, iv.name",
    )
    found["timing"] = [timing(d, None if pd.isna(f) else f, None if pd.isna(t) else t)
                       for d, f, t in zip(found["weekdays"], found["hour_from"], found["hour_to"], strict=True)]
    return found
