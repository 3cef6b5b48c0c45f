"""The overview's numbers add up, and viewers never see a small count."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lagesbild import formatting, overview, queries
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from tests import synthetic

YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))


@pytest.fixture
def town(tmp_path):
    """The synthetic municipality with two years of incidents of several groups in every area, and one area with
    only two assaults in the last two days."""
    con = synthetic.make(tmp_path / "o.duckdb")
    rng = np.random.default_rng(3)
    before = YEAR.previous_year()
    for category in ("misshandel", "stold", "skadegorelse", "narkotika", "klotter"):
        for period, n in ((YEAR, 150), (before, 120)):
            synthetic.add(con, *synthetic.uniform(rng, n, "SW"), synthetic.random_days(rng, n, period.start, period.end),
                          category=category)
            synthetic.add(con, *synthetic.uniform(rng, n, "NE"), synthetic.random_days(rng, n, period.start, period.end),
                          category=category)
    synthetic.add(con, *synthetic.uniform(rng, 2, "NW"), [date(2026, 10, 30), date(2026, 10, 31)],
                  category="misshandel")
    yield con
    con.close()


def test_totals_add_up(town):
    totals = queries.totals(town, YEAR)
    direct = town.execute("SELECT count(*) FROM incidents WHERE day BETWEEN ? AND ?",
                          [YEAR.start, YEAR.end]).fetchall()[0][0]
    assert totals.count == direct == sum(totals.by_group.values()) == 5 * 300 + 2
    assert totals.by_group["Våld"] == 302 and totals.by_group["Tillgrepp"] == 300
    monthly = queries.monthly_by_group(town, YEAR)
    assert monthly["count"].sum() == direct
    assert len(monthly["month"].unique()) == 12


def test_area_rates_cover_every_incident_with_an_area(town):
    synthetic.add(town, [synthetic.ORIGIN[0] - 500], [synthetic.ORIGIN[1]], date(2026, 5, 1))  # outside every area
    town.execute("UPDATE incidents SET area_id = NULL, precision = 'municipality' WHERE area_id = 0")
    areas = queries.area_rates(town, YEAR)
    with_area = town.execute("SELECT count(*) FROM incidents WHERE area_id IS NOT NULL AND day BETWEEN ? AND ?",
                             [YEAR.start, YEAR.end]).fetchall()[0][0]
    assert areas["count"].sum() == with_area == queries.totals(town, YEAR).count - 1
    assert areas.set_index("code")["count"].to_dict() == {"SW": 750, "SE": 0, "NW": 2, "NE": 750}
    assert (areas["rate"] == areas["count"] * 1000 / areas["population"]).all()
    assert areas["previous"].sum() == 2 * 5 * 120


def test_key_figures_compare_with_a_year_earlier(town):
    kpis = overview.key_figures(town, YEAR, STAFF)
    assert [k.label for k in kpis] == ["Händelser", "Per 1 000 invånare", "Skadeviktat", "Våld"]
    assert kpis[0].value.replace("\u00a0", " ") == "1 502"
    assert all("(" in k.delta for k in (kpis[0], kpis[1], kpis[3]))  # every change carries its verdict


def test_viewers_see_small_counts_suppressed(town):
    narrow = Filters(start=date(2026, 10, 30), end=date(2026, 10, 31), categories=("misshandel", "ran"))
    counts = queries.area_rates(town, narrow).set_index("code")["count"]
    assert counts["NW"] == 2, "the test needs an area with a small count"
    numbers = overview.top_areas(town, narrow, Disclosure(viewer=True))
    assert numbers["Händelser"].isna().any()  # hidden counts are missing numbers, never a small value
    table = formatting.as_text(numbers)  # as the reader sees it
    hidden = table[table["Händelser"] == "<5"]
    assert "NW" in hidden["Område"].tolist()
    assert (hidden["Per 1 000 inv."] == "–").all() and (hidden["Mot året innan"] == "–").all()
    assert not numbers["Händelser"].isin(range(1, 5)).any()
    staff = overview.top_areas(town, narrow, STAFF)
    assert not staff["Händelser"].isna().any()
    assert staff.set_index("Område").at["NW", "Händelser"] == 2


def test_running_interventions_on_a_day(demo_con):
    running = queries.running_interventions(demo_con, date(2026, 10, 31))
    assert "Trygghetsvärdar i centrum fredag och lördag kväll" in running["name"].tolist()
    assert "Röjning av vegetation vid Mjällby skola" not in running["name"].tolist()  # finished 2024
    assert "Ny belysning i Falkviks centrum" not in running["name"].tolist()  # planned
    sspf = running.loc[running["name"].str.startswith("SSPF"), "areas"].iloc[0]
    assert sspf == "Hela kommunen"


def test_build_gives_everything_the_page_draws(demo_con):
    view = overview.build(demo_con, YEAR, today=date(2026, 11, 24), shown=Disclosure(viewer=True))
    assert len(view.kpis) == 4
    assert len([t for t in view.trend.data if t.type == "bar"]) == 6  # one bar series per category group
    assert 0 < len(view.top_areas) <= overview.TOP_AREAS
    assert not view.interventions.empty
    assert set(view.sources["Källa"]) >= {"Polisen", "Felanmälan", "Trygghetsvärdar"}
    assert view.population == demo_con.execute("SELECT sum(population) FROM areas").fetchall()[0][0]
    assert isinstance(view.top_areas, pd.DataFrame)
