"""Filters → SQL: a table of cases run against a tiny hand-made database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lagesbild import vocabulary
from lagesbild.filters import Filters, preset_period, shift_years

# id, local day, hour, weekday, category, source, area, risk factor ids
ROWS = [
    (1, date(2025, 1, 3), 23, 5, "misshandel", "polisen", "A", (5,)),
    (2, date(2025, 1, 4), 2, 6, "misshandel", "polisen", "A", (5, 9)),
    (3, date(2025, 6, 10), 16, 2, "klotter", "felanmalan", "B", (3,)),
    (4, date(2025, 6, 11), 12, 3, "stold", "polisen", "B", ()),
    (5, date(2024, 1, 3), 22, 3, "misshandel", "trygghetsvardar", "A", (1,)),
    (6, date(2025, 12, 31), 0, 3, "skadegorelse", "skola", None, (1, 5)),
]


@pytest.fixture
def tiny(empty_con):
    cur = empty_con.cursor()
    vocabulary.install(cur)
    for number, code in enumerate(("A", "B"), start=1):
        cur.execute("INSERT INTO areas (id, code, name, kind, division, population, geojson, centroid_lon,"
                    " centroid_lat) VALUES (?, ?, ?, 'district', 'test', 100, '{}', 0, 0)", [number, code, code])
    categories = {c.code: c.id for c in vocabulary.CATEGORIES}
    sources = {s.code: s.id for s in vocabulary.SOURCES}
    for rid, day, hour, weekday, category, source, area, risks in ROWS:
        mask = sum(1 << (r - 1) for r in risks)
        cur.execute(
            "INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
            " area_id, precision, risk_mask, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?,"
            " (SELECT id FROM areas WHERE code = ?), 'area', ?, 1)",
            [rid, sources[source], datetime(day.year, day.month, day.day, hour, tzinfo=UTC),
             datetime(day.year, day.month, day.day, hour), day, hour, weekday, categories[category], area, mask])
    cur.close()
    return empty_con


YEAR_2025 = {"start": date(2025, 1, 1), "end": date(2025, 12, 31)}
CASES = [
    ("whole year", {}, {1, 2, 3, 4, 6}),
    ("one category", {"categories": ("misshandel",)}, {1, 2}),
    ("two categories", {"categories": ("misshandel", "klotter")}, {1, 2, 3}),
    ("source", {"sources": ("polisen",)}, {1, 2, 4}),
    ("area", {"areas": ("B",)}, {3, 4}),
    ("risk any", {"risk_factors": ("alkoholservering", "bristande_belysning")}, {1, 2, 6}),
    ("risk all", {"risk_factors": ("alkoholservering", "alkohol_unga"), "risk_match": "all"}, {2}),
    ("risk all with an unknown code", {"risk_factors": ("alkoholservering", "okand"), "risk_match": "all"}, set()),
    ("unknown category", {"categories": ("finns_inte",)}, set()),
    ("weekend", {"weekdays": (6, 7)}, {2}),
    ("afternoon", {"hour_from": 12, "hour_to": 17}, {3, 4}),
    ("night wraps midnight", {"hour_from": 22, "hour_to": 3}, {1, 2, 6}),
    ("everything combined", {"categories": ("misshandel",), "hour_from": 22, "hour_to": 3,
                             "risk_factors": ("alkohol_unga",)}, {2}),
]


@pytest.mark.parametrize(("name", "changes", "expected"), CASES, ids=[c[0] for c in CASES])
def test_filter_selects_expected_rows(tiny, name, changes, expected):
    where, params = Filters(**YEAR_2025, **changes).where()
    found = {row[0] for row in tiny.execute("SELECT i.id FROM incidents i WHERE " + where, params).fetchall()}
    assert found == expected


def test_values_are_bound_never_written_into_sql(tiny):
    hostile = "x'); DROP TABLE incidents; --"
    where, params = Filters(**YEAR_2025, categories=(hostile,), areas=(hostile,)).where()
    assert hostile not in where
    before = tiny.execute("SELECT count(*) FROM incidents").fetchall()
    assert tiny.execute("SELECT i.id FROM incidents i WHERE " + where, params).fetchall() == []  # matched as text
    assert tiny.execute("SELECT count(*) FROM incidents").fetchall() == before != [(0,)]


def test_previous_year_and_period():
    filters = Filters(start=date(2024, 2, 29), end=date(2024, 3, 31))
    assert filters.previous_year().start == date(2023, 2, 28)
    before = filters.previous_period()
    assert before.end == date(2024, 2, 28) and before.days == filters.days


@pytest.mark.parametrize(("preset", "expected"), [
    ("12m", (date(2025, 11, 1), date(2026, 10, 31))),
    ("30d", (date(2026, 10, 2), date(2026, 10, 31))),
    ("ar", (date(2026, 1, 1), date(2026, 10, 31))),
    ("forra_aret", (date(2024, 11, 1), date(2025, 10, 31))),
])
def test_period_presets(preset, expected):
    assert preset_period(preset, date(2026, 10, 31)) == expected


def test_invalid_filters_are_refused():
    with pytest.raises(ValueError, match="before it starts"):
        Filters(start=date(2025, 2, 1), end=date(2025, 1, 1))
    with pytest.raises(ValueError):
        Filters(**YEAR_2025, hour_from=25)
    with pytest.raises(ValueError):
        Filters(**YEAR_2025, weekdays=(0,))
    with pytest.raises(ValueError):
        Filters(**YEAR_2025, risk_match="some")
    with pytest.raises(ValueError):
        preset_period("nonsense", date(2025, 1, 1))


def test_filters_are_hashable_cache_keys():
    assert hash(Filters(**YEAR_2025)) == hash(Filters(**YEAR_2025))
    assert shift_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
