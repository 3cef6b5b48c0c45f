"""The overview's numbers add up, and viewers never see a small count."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lagesbild import overview, queries
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure

YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))


def test_totals_add_up(demo_con):
    totals = queries.totals(demo_con, YEAR)
    direct = demo_con.execute("SELECT count(*) FROM incidents WHERE day BETWEEN ? AND ?",
                              [YEAR.start, YEAR.end]).fetchall()[0][0]
    assert totals.count == direct == sum(totals.by_group.values())
    monthly = queries.monthly_by_group(demo_con, YEAR)
    assert monthly["count"].sum() == direct
    assert len(monthly["month"].unique()) == 12


def test_area_rates_cover_every_incident_with_an_area(demo_con):
    areas = queries.area_rates(demo_con, YEAR)
    with_area = demo_con.execute("SELECT count(*) FROM incidents WHERE area_id IS NOT NULL AND day BETWEEN ? AND ?",
                                 [YEAR.start, YEAR.end]).fetchall()[0][0]
    assert areas["count"].sum() == with_area
    assert (areas["rate"] == areas["count"] * 1000 / areas["population"]).all()
    before = YEAR.previous_year()
    assert areas["previous"].sum() == demo_con.execute(
        "SELECT count(*) FROM incidents WHERE area_id IS NOT NULL AND day BETWEEN ? AND ?",
        [before.start, before.end]).fetchall()[0][0]


def test_key_figures_compare_with_a_year_earlier(demo_con):
    kpis = overview.key_figures(demo_con, YEAR, STAFF)
    assert [k.label for k in kpis] == ["Händelser", "Per 1 000 invånare", "Skadeviktat", "Våld"]
    assert all("(" in k.delta for k in (kpis[0], kpis[1], kpis[3]))  # every change carries its verdict


def test_viewers_see_small_counts_suppressed(demo_con):
    narrow = Filters(start=date(2026, 10, 30), end=date(2026, 10, 31), categories=("misshandel", "ran"))
    counts = queries.area_rates(demo_con, narrow)
    small = counts[(counts["count"] > 0) & (counts["count"] < 5) & (counts["population"] > 0)]
    assert not small.empty, "the test needs an area with a small count"
    table = overview.top_areas(demo_con, narrow, Disclosure(viewer=True))
    hidden = table[table["Händelser"] == "<5"]
    assert not hidden.empty
    assert (hidden["Per 1 000 inv."] == "–").all() and (hidden["Mot året innan"] == "–").all()
    assert not table["Händelser"].isin([str(n) for n in range(1, 5)]).any()
    staff = overview.top_areas(demo_con, narrow, STAFF)
    assert "<5" not in staff["Händelser"].tolist()


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
