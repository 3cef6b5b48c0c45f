"""Follow-up with planted truths: what worked is called a success, what did not is not, displacement is named."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lagesbild import followup
from tests import synthetic

START = date(2026, 1, 1)
BEFORE = (date(2025, 1, 1), date(2025, 12, 31))
AFTER = (date(2026, 1, 1), date(2026, 10, 31))
BOX = (synthetic.ORIGIN[0] + 6000, synthetic.ORIGIN[1] + 6000, synthetic.ORIGIN[0] + 7000,
       synthetic.ORIGIN[1] + 7000)  # a 1 km square in NE


@pytest.fixture
def town(tmp_path):
    con = synthetic.make(tmp_path / "f.duckdb")
    yield con
    con.close()


def in_box(rng, n):
    return rng.uniform(BOX[0], BOX[2], n), rng.uniform(BOX[1], BOX[3], n)


def in_ring(rng, n, width=400):
    """Points in a ring just outside the box (within the 500 m buffer)."""
    angle = rng.uniform(0, 2 * np.pi, n)
    side = rng.integers(0, 4, n)
    t = rng.uniform(0, 1000, n)
    d = rng.uniform(50, width, n)
    x = np.select([side == 0, side == 1, side == 2], [BOX[0] + t, BOX[2] + d, BOX[0] + t], BOX[0] - d)
    y = np.select([side == 0, side == 1, side == 2], [BOX[1] - d, BOX[1] + t, BOX[3] + d], BOX[1] + t)
    del angle
    return x, y


def background(town, rng, per_period=600):
    """Steady incidents in SW (the comparison), and data exactly from BEFORE's start to AFTER's end."""
    for period in (BEFORE, AFTER):
        x, y = synthetic.uniform(rng, per_period, "SW")
        synthetic.add(town, x, y, synthetic.random_days(rng, per_period, *period))
    synthetic.add(town, [synthetic.ORIGIN[0] + 100] * 2, [synthetic.ORIGIN[1] + 100] * 2, [BEFORE[0], AFTER[1]])


def test_the_demo_lighting_shows_a_significant_drop_against_comparison_areas(demo_con):
    found = demo_con.execute("SELECT id FROM interventions WHERE name LIKE 'Ny belysning i gångstråket%'").fetchall()
    result = followup.evaluate(demo_con, found[0][0])
    assert result.verdict == "minskning"
    assert result.relative_ci[1] < 1
    assert result.counts["target"][1] < 0.5 * result.counts["target"][0]
    assert result.summary.startswith("Säker minskning")


def test_an_intervention_without_effect_is_not_called_a_success(town):
    rng = np.random.default_rng(10)
    background(town, rng)
    for period in (BEFORE, AFTER):
        x, y = in_box(rng, 80)
        synthetic.add(town, x, y, synthetic.random_days(rng, 80, *period))
    number = synthetic.intervene(town, "Ingen effekt", "NE", START, categories=("skadegorelse",), box=BOX)
    result = followup.evaluate(town, number, followup.Options(days=365))
    assert result.verdict != "minskning"
    assert "kan vara slump" in result.summary or result.verdict == "ökning"


def test_a_planted_displacement_into_the_buffer_is_reported(town):
    rng = np.random.default_rng(11)
    background(town, rng)
    for period, inside, ring in ((BEFORE, 120, 40), (AFTER, 30, 130)):
        synthetic.add(town, *in_box(rng, inside), synthetic.random_days(rng, inside, *period))
        synthetic.add(town, *in_ring(rng, ring), synthetic.random_days(rng, ring, *period))
    number = synthetic.intervene(town, "Kamera", "NE", START, categories=("skadegorelse",), box=BOX)
    result = followup.evaluate(town, number, followup.Options(days=365))
    assert result.verdict == "minskning"
    assert result.displacement == "förflyttning"
    assert result.wdq < 0
    assert "förflyttning" in result.summary


def test_small_counts_say_too_few(town):
    rng = np.random.default_rng(12)
    background(town, rng)
    for period in (BEFORE, AFTER):
        synthetic.add(town, *in_box(rng, 4), synthetic.random_days(rng, 4, *period))
    number = synthetic.intervene(town, "Liten", "NE", START, categories=("skadegorelse",), box=BOX)
    result = followup.evaluate(town, number)
    assert result.verdict == "för få"
    assert result.summary.startswith("För få händelser")


def test_record_and_table_for_reports(demo_con):
    result = followup.evaluate(demo_con, 1)
    record = result.record()
    assert record["verdict"] == "minskning" and record["target_before"] > record["target_after"]
    table = followup.table(result)
    assert list(table["Plats"]) == ["Insatsområdet", "Närområdet", "Jämförelseområdet"]
    assert table[["Före", "Efter", "Förändring per dag"]].dtypes.map(pd.api.types.is_float_dtype).all()
    compared = followup.comparisons(result)
    assert list(compared["Jämförelse"]) == ["Insatsområdet mot jämförelseområdet"]
    assert compared["Bedömning"].iloc[-1] == "säker minskning"  # the row the verdict rests on says the verdict
    assert compared["Förändring"].iloc[-1] < 0
    assert len(followup.chart(result).data) >= 2


def test_counting_by_square_first_gives_the_same_counts_as_point_by_point(demo_con):
    """The follow-up counts whole 250 m squares in SQL and only the points of squares a boundary cuts; every
    demo intervention's counts equal a plain point-in-polygon count of every targeted point."""
    import pandas as pd
    import shapely

    ids = [i for (i,) in demo_con.execute("SELECT id FROM interventions ORDER BY id").fetchall()]
    for number in ids:
        result = followup.evaluate(demo_con, number)
        item = demo_con.execute(
            "SELECT iv.*, coalesce((SELECT list(a.code) FROM intervention_areas ia JOIN areas a ON a.id = ia.area_id"
            " WHERE ia.intervention_id = iv.id), []) AS area_codes FROM interventions iv WHERE iv.id = ?",
            [number]).df().iloc[0].to_dict()
        item["area_codes"] = list(item["area_codes"])
        places = followup._places(demo_con, item, followup.Options(), followup._shared(demo_con, None))
        spec, _ = followup._targeted(demo_con, item)
        where, params = spec.where(include_period=False)
        day, day_params = spec.day_sql()
        points = demo_con.execute("SELECT " + day + " AS d, x, y FROM incidents i WHERE x IS NOT NULL AND " + where,
                                  [*day_params, *params]).df()
        points["d"] = pd.to_datetime(points["d"])
        x, y = points["x"].to_numpy(), points["y"].to_numpy()
        place = np.full(len(points), "", dtype=object)
        for name in followup.PLACES:
            if not places[name].is_empty:
                place[(place == "") & shapely.contains_xy(places[name], x, y)] = name
        for name in followup.PLACES:
            expected = tuple(int(((place == name) & (points["d"] >= pd.Timestamp(low))
                                  & (points["d"] <= pd.Timestamp(high))).sum())
                             for low, high in (result.before, result.after))
            assert result.counts[name] == expected, (result.name, name)
