"""Nights counted as nights: "Friday and Saturday 22–04" is Friday 22:00 to Saturday 04:00 and Saturday 22:00 to
Sunday 04:00 (issue 11): an early hour belongs to the night that began the evening before, for the weekday and for
the period alike."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from lagesbild import queries
from lagesbild.filters import Filters

YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
VIOLENCE = ("misshandel", "ran", "olaga_hot")


def hand_count(con, filters: Filters) -> int:
    """The same question answered in pandas from each incident's wall-clock time."""
    frame = con.execute(
        "SELECT i.local_time, c.code FROM incidents i JOIN categories c ON c.id = i.category_id").df()
    time = pd.to_datetime(frame["local_time"])
    hour = time.dt.hour
    in_hours = (hour >= filters.hour_from) | (hour <= filters.hour_to)
    night = (time - pd.to_timedelta((hour <= filters.hour_to).astype(int), unit="D")).dt.date
    weekday = pd.Series([d.isoweekday() for d in night], index=frame.index)
    chosen = (in_hours & frame["code"].isin(filters.categories) & weekday.isin(filters.weekdays)
              & (night >= filters.start) & (night <= filters.end))
    return int(chosen.sum())


def test_friday_and_saturday_nights_equal_a_hand_count(demo_con):
    nights = Filters(start=YEAR.start, end=YEAR.end, categories=VIOLENCE, weekdays=(5, 6), hour_from=22, hour_to=4)
    expected = hand_count(demo_con, nights)
    assert queries.totals(demo_con, nights).count == expected
    calendar = demo_con.execute(
        "SELECT count(*) FROM incidents i JOIN categories c ON c.id = i.category_id WHERE list_contains(?, c.code)"
        " AND i.weekday IN (5, 6) AND (i.hour >= 22 OR i.hour <= 4) AND i.day BETWEEN ? AND ?",
        [list(VIOLENCE), YEAR.start, YEAR.end]).fetchall()[0][0]
    assert expected != calendar, "the demo must show the difference the issue found (141 against 172)"
    areas = queries.area_rates(demo_con, nights)["count"].sum()
    placeless = hand_count_without_area(demo_con, nights)
    assert areas + placeless == expected  # the map, the ranking and the overview count the same nights


def hand_count_without_area(con, filters: Filters) -> int:
    where, params = filters.where()
    return con.execute("SELECT count(*) FROM incidents i WHERE i.area_id IS NULL AND " + where,
                       params).fetchall()[0][0]


def test_an_early_hour_belongs_to_the_night_before(demo_con):
    """Saturday 02:00 is Friday night; Friday 02:00 is Thursday night; a night that begins on the period's last day
    runs past it; the first morning of the period belongs to the night before it."""
    fridays = Filters(start=YEAR.start, end=YEAR.end, weekdays=(5,), hour_from=22, hour_to=4)
    where, params = fridays.where()
    found = demo_con.execute("SELECT weekday, hour, day FROM incidents i WHERE " + where, params).fetchall()
    assert found
    assert {(w, h >= 22) for w, h, _ in found} <= {(5, True), (6, False)}
    assert all(YEAR.start <= (d if h >= 22 else d - timedelta(days=1)) <= YEAR.end for _, h, d in found)


def test_hours_that_do_not_wrap_keep_the_calendar_day(demo_con):
    afternoons = Filters(start=YEAR.start, end=YEAR.end, weekdays=(5,), hour_from=12, hour_to=17)
    assert afternoons.day_sql() == ("i.day", [])
    where, params = afternoons.where()
    weekdays = {w for (w,) in demo_con.execute("SELECT DISTINCT weekday FROM incidents i WHERE " + where,
                                                params).fetchall()}
    assert weekdays == {5}
