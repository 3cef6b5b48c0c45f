"""Nights counted as nights: "Friday and Saturday 22–04" is Friday 22:00 to Saturday 04:00 and Saturday 22:00 to
Sunday 04:00 (issue 11): an early hour belongs to the night that began the evening before, for the weekday and for
the period alike."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from lagesbild import queries
from lagesbild.filters import Filters
from tests import synthetic

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


def test_hours_that_do_not_wrap_keep_the_calendar_day(tmp_path):
    """Friday 12–17 from a Friday: that Friday's noon and 17:00 count, on their own day (not the day before, which
    lies outside the period); 18:00, the Saturday and the Friday before the period do not."""
    con = synthetic.make(tmp_path / "n.duckdb")
    friday = date(2026, 3, 6)
    x, y = synthetic.ORIGIN[0] + 100, synthetic.ORIGIN[1] + 100
    for day, hour in ((friday, 12), (friday, 17), (friday, 18), (friday + timedelta(days=1), 13),
                      (friday - timedelta(days=7), 12)):
        synthetic.add(con, [x], [y], day, hour=hour)
    afternoons = Filters(start=friday, end=friday + timedelta(days=6), weekdays=(5,), hour_from=12, hour_to=17)
    where, params = afternoons.where()
    found = con.execute("SELECT weekday, hour, day FROM incidents i WHERE " + where, params).fetchall()
    assert sorted(found) == [(5, 12, friday), (5, 17, friday)]
    assert queries.totals(con, afternoons).count == 2
    # the queries that place each incident on the day it counts on (day_sql) place these on their own Friday
    assert queries.area_rates(con, afternoons).set_index("code")["count"].to_dict() == {"SW": 2, "SE": 0, "NW": 0,
                                                                                         "NE": 0}
    daily = queries.daily_counts(con, afternoons, afternoons.start, afternoons.end)
    assert list(zip(pd.to_datetime(daily["day"]).dt.date, daily["count"], strict=True)) == [(friday, 2)]
    con.close()


def test_the_heat_map_can_begin_the_day_at_six(tmp_path):
    """Friday 23:00 and Saturday 02:00 are one night: with "Dygnet börjar kl. 06" both lie on the Friday row, hours
    running 06…05 left to right; without it they lie on the Friday and Saturday rows."""
    from lagesbild import patterns
    from lagesbild.protect import STAFF
    from tests import synthetic

    con = synthetic.make(tmp_path / "night.duckdb")
    friday, saturday = date(2026, 3, 6), date(2026, 3, 7)
    synthetic.add(con, [synthetic.ORIGIN[0] + 100.0] * 2, [synthetic.ORIGIN[1] + 100.0] * 2, [friday, saturday])
    for day, hour in ((friday, 23), (saturday, 2)):
        con.execute("UPDATE incidents SET hour = ?, local_time = CAST(day AS TIMESTAMP) + to_hours(?) WHERE day = ?",
                    [hour, hour, day])
    period = Filters(start=date(2026, 3, 1), end=date(2026, 3, 31))

    def cells(day_start: int) -> dict[tuple[str, str], float]:
        heat = patterns.build(con, period, STAFF, day_start=day_start)[0].data[0]
        return {(row, hour): value for row, values in zip(heat.y, heat.z, strict=True)
                for hour, value in zip(heat.x, values, strict=True) if value}

    assert cells(6) == {("fre", "23"): 1, ("fre", "02"): 1}
    assert list(patterns.build(con, period, STAFF, day_start=6)[0].data[0].x)[:2] == ["06", "07"]
    assert list(patterns.build(con, period, STAFF, day_start=6)[0].data[0].x)[-1] == "05"
    assert patterns.build(con, period, STAFF, day_start=6)[0].layout.xaxis.type == "category"  # or plotly sorts 06…05 as numbers
    assert cells(0) == {("fre", "23"): 1, ("lör", "02"): 1}
    assert list(patterns.build(con, period, STAFF, day_start=0)[0].data[0].x)[0] == "00"


def test_a_sunday_night_moves_to_sunday_and_a_monday_morning_at_six_stays():
    from lagesbild import patterns

    found = pd.DataFrame({"weekday": [1, 1, 7], "hour": [5, 6, 0], "count": [1.0, 2.0, 3.0]})
    moved = patterns.night_weekdays(found, 6)
    assert moved["weekday"].tolist() == [7, 1, 6]  # Monday 05 → Sunday, Monday 06 stays, Sunday 00 → Saturday
    assert patterns.night_weekdays(found, 0) is found
