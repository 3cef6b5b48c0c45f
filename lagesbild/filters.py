"""Filters are data: one frozen dataclass holds the whole filter state and turns itself into bound SQL.

The same object is the cache key in the UI and (with the URL codec of the map issue) the shareable link.
Everything refers to stable codes, never to database ids, so a filter means the same thing in any database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from lagesbild.vocabulary import RISK_BIT_SQL

RISK_MATCHES = ("any", "all")
_ALIASES = {"i": "i.", "": ""}  # the only table prefixes `where` writes into SQL


def shift_years(day: date, years: int) -> date:
    """`day` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


PERIOD_PRESETS = {
    "12m": "Senaste 12 månaderna",
    "30d": "Senaste 30 dagarna",
    "ar": "I år",
    "forra_aret": "Samma period förra året",
}


def preset_period(preset: str, anchor: date) -> tuple[date, date]:
    """The period a preset means when the latest day to show is `anchor` (the last day with data)."""
    if preset == "12m":
        return shift_years(anchor, -1) + timedelta(days=1), anchor
    if preset == "30d":
        return anchor - timedelta(days=29), anchor
    if preset == "ar":
        return anchor.replace(month=1, day=1), anchor
    if preset == "forra_aret":
        start, end = preset_period("12m", anchor)
        return shift_years(start, -1), shift_years(end, -1)
    raise ValueError(f"unknown period preset {preset!r}; known: {', '.join(PERIOD_PRESETS)}")


@dataclass(frozen=True)
class Filters:
    """What the user has chosen to look at. Empty tuples mean "everything"."""

    start: date
    end: date
    categories: tuple[str, ...] = ()
    risk_factors: tuple[str, ...] = ()
    risk_match: str = "any"
    sources: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    weekdays: tuple[int, ...] = ()  # ISO 1 = Monday .. 7 = Sunday
    hour_from: int = 0
    hour_to: int = 23  # inclusive; hour_from > hour_to wraps past midnight (22–04)

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start})")
        if self.risk_match not in RISK_MATCHES:
            raise ValueError(f"risk_match must be one of {RISK_MATCHES}, not {self.risk_match!r}")
        if not (0 <= self.hour_from <= 23 and 0 <= self.hour_to <= 23):
            raise ValueError("hours must lie between 0 and 23")
        if any(not 1 <= d <= 7 for d in self.weekdays):
            raise ValueError("weekdays are numbered 1 (Monday) to 7 (Sunday)")

    @property
    def days(self) -> int:
        """Length of the period in days (both ends included)."""
        return (self.end - self.start).days + 1

    def previous_year(self) -> Filters:
        """The same filters for the same period one year earlier."""
        return replace(self, start=shift_years(self.start, -1), end=shift_years(self.end, -1))

    def previous_period(self) -> Filters:
        """The same filters for the period of equal length just before this one."""
        return replace(self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1))

    @property
    def wraps(self) -> bool:
        """Whether the hours run past midnight (22–04): then an early hour belongs to the night before."""
        return self.hour_from > self.hour_to

    def day_sql(self, alias: str = "i") -> tuple[str, list[Any]]:
        """The day an incident counts on: its calendar day, or — when the hours wrap past midnight — the day its
        night began (Friday 22–04 is Friday 22:00 to Saturday 04:00, so Saturday 02:00 counts on Friday)."""
        col = _ALIASES[alias]
        if not self.wraps:
            return f"{col}day", []
        return f"(CASE WHEN {col}hour <= ? THEN {col}day - 1 ELSE {col}day END)", [self.hour_to]

    def weekday_sql(self, alias: str = "i") -> tuple[str, list[Any]]:
        """The ISO weekday an incident counts on, by the same rule as `day_sql`."""
        col = _ALIASES[alias]
        if not self.wraps:
            return f"{col}weekday", []
        return f"(CASE WHEN {col}hour <= ? THEN ({col}weekday + 5) % 7 + 1 ELSE {col}weekday END)", [self.hour_to]

    def where(self, *, alias: str = "i", include_period: bool = True) -> tuple[str, list[Any]]:
        """A SQL condition on the incidents table (aliased `alias`) and its bound parameters."""
        if alias not in _ALIASES:
            raise ValueError(f"alias must be one of {_ALIASES}")
        clauses: list[str] = []
        params: list[Any] = []
        col = _ALIASES[alias]
        if include_period:
            clauses.append(f"{col}day BETWEEN ? AND ?")  # the calendar day first: cheap, and prunes by zone maps
            params += [self.start, self.end + timedelta(days=1) if self.wraps else self.end]
            if self.wraps:
                night, night_params = self.day_sql(alias)
                clauses.append(f"{night} BETWEEN ? AND ?")
                params += [*night_params, self.start, self.end]
        if self.categories:
            clauses.append(f"{col}category_id IN (SELECT id FROM categories WHERE list_contains(?, code))")
            params.append(list(self.categories))
        if self.sources:
            clauses.append(f"{col}source_id IN (SELECT id FROM sources WHERE list_contains(?, code))")
            params.append(list(self.sources))
        if self.areas:
            # a grouped area (RegSO, own districts) stands for its DeSO parts (lagesbild.divisions)
            clauses.append(f"{col}area_id IN (SELECT p.part_id FROM area_parts p JOIN areas a ON a.id = p.area_id"
                           " WHERE list_contains(?, a.code))")
            params.append(list(self.areas))
        if self.risk_factors:
            mask = ("(SELECT coalesce(bit_or(" + RISK_BIT_SQL + "), CAST(0 AS UBIGINT))"
                    " FROM risk_factors WHERE list_contains(?, code))")
            if self.risk_match == "all":
                # A code unknown to this database can never be matched by every incident.
                clauses.append(f"({col}risk_mask & {mask}) = {mask}"
                               " AND (SELECT count(*) FROM risk_factors WHERE list_contains(?, code)) = ?")
                params += [list(self.risk_factors)] * 3 + [len(set(self.risk_factors))]
            else:
                clauses.append(f"({col}risk_mask & {mask}) <> 0")
                params.append(list(self.risk_factors))
        if self.weekdays:
            weekday, weekday_params = self.weekday_sql(alias)
            clauses.append(f"list_contains(?, {weekday})")
            params += [sorted(self.weekdays), *weekday_params]
        if (self.hour_from, self.hour_to) != (0, 23):
            joiner = "AND" if self.hour_from <= self.hour_to else "OR"
            clauses.append(f"({col}hour >= ? {joiner} {col}hour <= ?)")
            params += [self.hour_from, self.hour_to]
        return (" AND ".join(clauses) or "TRUE"), params
