"""An adversary with a viewer's access tries to recover exact small counts, by every route issue 9 found.

Each attack is replayed on the demo with the same filters a viewer can put in a link. A protected view must
never show a count from 1 to 4, and a subtraction of two views must never pin down a hidden count: over many
attacks whose true answer is 1–4, the adversary's best guess (the difference of what is shown) must be wrong
most of the time, and the values consistent with what is shown must always be more than one.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from lagesbild import followup, formatting, maps, overview, patterns, priorities, profile, protect, queries
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from lagesbild.view import View

VIEWER = Disclosure(viewer=True)
YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
SPREAD = 2 * protect.LARGEST_CHANGE  # a difference of two shown counts is off by at most this much


def number(text: str) -> float:
    """A displayed Swedish number ('1 234,5', '<5', '–') as a float; NaN where nothing is shown."""
    text = str(text).replace("\u00a0", "").replace(" ", "").replace(",", ".").replace("%", "")
    try:
        return float(text)
    except ValueError:
        return math.nan


def small(value: float) -> bool:
    return 1 <= value <= 4


class Guesses:
    """Subtraction attacks whose true answer is a small count: how often the naive guess is right, and whether
    what is shown ever leaves a single possible value."""

    def __init__(self) -> None:
        self.tried = self.right = self.certain = 0

    def attack(self, shown_difference: float, true_difference: int, parts: int = 2) -> None:
        if not small(true_difference) or math.isnan(shown_difference):
            return
        self.tried += 1
        self.right += round(shown_difference) == true_difference
        spread = parts * protect.LARGEST_CHANGE
        possible = [d for d in range(int(shown_difference) - spread, int(shown_difference) + spread + 1) if d >= 0]
        self.certain += len(possible) == 1

    def check(self, at_least: int) -> None:
        assert self.tried >= at_least, f"only {self.tried} attacks: the test proves too little"
        assert self.certain == 0
        assert self.right / self.tried < 0.5, f"{self.right} of {self.tried} guesses exact"


def test_the_issue_views_show_no_small_count(demo_con):
    """Översikt: /?omrade=VAL&kategori=misshandel&fran=2026-03-08&till=2026-03-08&timmar=9-9, and LAN-M/ran."""
    one = Filters(start=date(2026, 3, 8), end=date(2026, 3, 8), categories=("misshandel",), areas=("VAL",),
                  hour_from=9, hour_to=9)
    assert queries.totals(demo_con, one).count == 1, "the attack needs its single assault"
    for filters in (one, replace(YEAR, areas=("LAN-M",), categories=("ran",))):
        for kpi in overview.key_figures(demo_con, filters, VIEWER):
            assert not small(number(kpi.value)), kpi
            if "tidigare:" in kpi.help:
                assert not small(number(kpi.help.split("tidigare:")[1].strip().rstrip("."))), kpi.help
        bars = overview.monthly_by_group(demo_con, filters, VIEWER)["count"]
        assert not bars.map(small).any()
        shown = maps.build(demo_con, View(filters=filters, layers=("rutor", "omraden")), VIEWER)
        assert not shown.cells["Händelser"].map(lambda v: small(number(v))).any()
        assert not shown.areas["Händelser"].map(lambda v: small(number(v))).any()
        squares = next(layer for layer in shown.deck.layers if layer.id == "rutor")   # above the base layer
        for row in squares.data:
            assert not any(small(number(w)) for w in row["tooltip"].split()[2:]), row


def test_one_day_shifts_do_not_date_an_incident(demo_con):
    """The same squares from `fran`=d and from d+1: the difference is the incidents of day d."""
    guesses = Guesses()
    view = View(filters=replace(YEAR, start=date(2026, 1, 1)), layers=("rutor",))
    for offset in range(0, 60, 2):
        first = replace(view, filters=replace(view.filters, start=date(2026, 1, 1) + timedelta(days=offset)))
        second = replace(first, filters=replace(first.filters, start=first.filters.start + timedelta(days=1)))
        exact = [maps.shown_cells(demo_con, v, STAFF).set_index("cell")["count"] for v in (first, second)]
        shown = [maps.shown_cells(demo_con, v, VIEWER).set_index("cell")["count"] for v in (first, second)]
        truth = exact[0].sub(exact[1], fill_value=0)
        seen = shown[0].sub(shown[1], fill_value=0)
        for cell, true_difference in truth.items():
            guesses.attack(seen.get(cell, math.nan), int(true_difference))
    guesses.check(at_least=100)


def test_subtracting_categories_from_an_area_total(demo_con):
    """The area profile: its total minus every visible category leaves the hidden ones."""
    guesses = Guesses()
    for code in ("SBG-C", "SBG-N", "MJA", "HAL", "NOG", "SOL", "NOR", "PUK"):
        for months in range(1, 13):
            filters = replace(YEAR, start=date(2026, months, 1) - timedelta(days=300))
            rates = overview.shown_area_rates(demo_con, filters, VIEWER).set_index("code")
            breakdown = queries.area_breakdown(demo_con, filters, code, "category")
            visible = VIEWER.counts(breakdown["area"], breakdown["area_key"])
            hidden = np.isnan(visible) & (breakdown["area"].to_numpy() > 0)
            if hidden.sum() != 1:
                continue
            shown_rest = rates.at[code, "count"] - np.nansum(visible)
            guesses.attack(shown_rest, int(breakdown["area"].to_numpy()[hidden][0]), parts=int((~hidden).sum()) + 1)
    guesses.check(at_least=10)


def test_the_municipality_minus_its_areas(demo_con):
    """The KPI total minus every visible area leaves the hidden areas (plus incidents without an area)."""
    guesses = Guesses()
    categories = [c for (c,) in demo_con.execute("SELECT code FROM categories").fetchall()]
    for category in categories:
        for week in range(0, 44, 2):
            start = date(2026, 1, 5) + timedelta(weeks=week)
            filters = Filters(start=start, end=start + timedelta(days=6), categories=(category,))
            totals = queries.totals(demo_con, filters)
            total = VIEWER.count(totals.count, totals.key)
            shown = overview.shown_area_rates(demo_con, filters, VIEWER)
            exact = queries.area_rates(demo_con, filters)
            hidden = shown["count"].isna() & (exact["count"] > 0)
            rest = totals.count - int(exact.loc[~hidden, "count"].sum())
            parts = int((shown["count"] > 0).sum()) + 1
            guesses.attack(total - float(shown["count"].fillna(0).sum()), rest, parts=parts)
    guesses.check(at_least=15)


def test_back_calculation_from_a_change_or_a_rate(demo_con):
    """'Sölve 9, +350 %' gave the previous period (2); a rate times the population gave a count."""
    for category in ("ran", "misshandel", "olaga_hot", "brand", "stold"):
        for area in ("SOL", "LAN-M", "GAM", "VAL", "YSA"):
            filters = replace(YEAR, categories=(category,), areas=(area,))
            table = formatting.as_text(overview.top_areas(demo_con, filters, VIEWER))  # as the reader sees it
            populations = queries.area_rates(demo_con, filters).set_index("name")["population"]
            for row in table.itertuples():
                current, change = number(row.Händelser), row[5]
                if change != "–" and not change.startswith(("ny", "oförändrat")):
                    previous = current / (1 + number(change.split()[0]) / 100)
                    assert previous > 4.5, (area, category, row)
                rate = number(row[4])
                if not math.isnan(rate):
                    assert rate * populations[row.Område] / 1000 > 4.5, (area, category, row)


def test_the_ranking_gives_no_small_count_back(demo_con):
    """Prioritering /?sida=prio&omrade=LAN-M&kategori=ran: a harm rate next to '<5', and '(1 händelser med plats)'."""
    filters = replace(YEAR, areas=("LAN-M",), categories=("ran",))
    ranking = priorities.rank(demo_con, filters, shown=VIEWER)
    table = formatting.as_text(priorities.display_table(ranking, VIEWER))  # as the reader sees it
    weights = dict(demo_con.execute("SELECT code, harm_weight FROM categories").fetchall())
    for row in table.itertuples():
        assert not small(number(row.Händelser))
        if row.Händelser == "<5":
            assert row[5] == "–" and row.Poäng == "–" and row.Rang == "–"
        harm_rate = number(row[5])
        population = ranking.table.set_index("name").at[row.Område, "population"]
        if not math.isnan(harm_rate) and harm_rate > 0:
            assert harm_rate * population / 1000 / weights["ran"] > 4.5
    located = VIEWER.count(ranking.hot.incidents, ranking.hot.key)
    assert not small(located)


def test_the_year_wheel_and_time_patterns(demo_con):
    """Årshjul /?sida=tid&omrade=GAM&kategori=olaga_hot&fran=2021-01-01&till=2021-12-31 showed February = 1."""
    filters = Filters(start=date(2021, 1, 1), end=date(2021, 12, 31), areas=("GAM",), categories=("olaga_hot",))
    months = patterns.calendar_months(demo_con, filters, VIEWER)
    assert not months["count"].map(small).any()
    heat, lines, wheel, note = patterns.build(demo_con, filters, VIEWER)
    assert note == patterns.HIDDEN_NOTE
    for value in np.asarray(wheel.data[0].r, dtype=float) * months["years"].to_numpy():
        assert not small(value)
    for trace in lines.data:
        assert not any(small(v) for v in np.asarray(trace.y, dtype=float))
    assert not any(small(v) for row in np.asarray(heat.data[0].z, dtype=float) for v in row)
    assert not any(small(number(t)) for row in heat.data[0].text for t in row)


def test_follow_up_counts_are_protected(demo_con):
    """Uppföljning: 'Trygghetsvandring i Sölve' showed Närområdet Före 3; the monthly chart showed 1 and 2."""
    ids = [i for (i,) in demo_con.execute("SELECT id FROM interventions ORDER BY id").fetchall()]
    exact_small = 0
    for number_ in ids:
        exact = followup.evaluate(demo_con, number_)
        shown = followup.as_shown(exact, VIEWER)
        exact_small += sum(small(v) for pair in exact.counts.values() for v in pair)
        for cell in followup.table(shown)[["Före", "Efter"]].to_numpy().ravel():
            assert not small(number(cell)), (exact.name, cell)
        for place in followup.PLACE_LABELS:
            if place in shown.monthly:
                assert not shown.monthly[place].map(small).any(), (exact.name, place)
        if any(math.isnan(v) for pair in shown.counts.values() for v in pair):
            assert "%" not in shown.summary and shown.relative is None and shown.wdq is None, shown.summary
        assert followup.VERDICT_LABELS[shown.verdict]
    assert exact_small > 0, "the demo must hold follow-ups with small counts for this test to mean anything"


@pytest.mark.parametrize("code", ["SOL", "VAL", "LAN-M"])
def test_the_area_profile_is_protected(demo_con, code):
    found = profile.build(demo_con, replace(YEAR, categories=("ran", "misshandel", "olaga_hot")), code,
                          today=date(2026, 11, 24), shown=VIEWER)
    for table in (found.categories, found.risk_factors):
        assert not table["I området"].map(lambda v: small(number(v))).any()
    assert not any(small(v) for v in np.asarray(found.trend.data[0].y, dtype=float)) if found.trend.data else True
    assert not any(small(number(w)) for fact in found.facts for w in fact.split()[:1])


@pytest.mark.parametrize("code", ["SOL", "SBG-C", "VAL"])
def test_the_same_selection_shows_the_same_number_on_every_page(demo_con, code):
    """The key figure, the top-areas table, the map's area table and the area profile agree for one area."""
    filters = replace(YEAR, areas=(code,), categories=("misshandel",))
    kpi = overview.key_figures(demo_con, filters, VIEWER)[0].value
    top = formatting.as_text(overview.top_areas(demo_con, filters, VIEWER))["Händelser"].tolist()
    on_map = formatting.as_text(maps.build(demo_con, View(filters=filters), VIEWER).areas)
    name = queries.area_rates(demo_con, filters).set_index("code").at[code, "name"]
    profiled = profile.build(demo_con, replace(filters, areas=()), code, today=date(2026, 11, 24), shown=VIEWER)
    assert top == [kpi]
    assert on_map.set_index("Område").at[name, "Händelser"] == kpi
    assert profiled.facts[0].startswith(f"{kpi} händelser")
