"""Repeat places: planted concentration is found, chance is what chance gives, small counts stay hidden."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pytest

from lagesbild import concentration, formatting, hotspots
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from tests import synthetic
from tests.test_cli import run

PERIOD = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))
VIEWER = Disclosure(viewer=True)


@pytest.fixture
def town(tmp_path):
    con = synthetic.make(tmp_path / "s.duckdb")
    yield con
    con.close()


def _all(found: concentration.Concentration):
    return found.table.iloc[0]


def test_measure_by_hand():
    counts = np.array([6, 3, 1])  # ten incidents in three of 200 squares
    top1, top5, half = concentration.measure(counts, 200)
    assert top1 == pytest.approx(0.9)   # the top 1 % of 200 is two squares: 6 + 3 of 10
    assert top5 == pytest.approx(1.0)   # the top 5 % is ten squares: all of them
    assert half == pytest.approx(1 / 200)
    assert all(math.isnan(v) for v in concentration.measure(np.array([]), 200))


def test_planted_all_in_one_percent_of_squares(town):
    squares = len(hotspots.universe(town, 250))
    assert squares == 1600
    rng = np.random.default_rng(1)
    # 16 squares (1 %) along the bottom row, 25 incidents in each, placed at random inside them
    x = synthetic.ORIGIN[0] + 250 * np.repeat(np.arange(16), 25) + rng.uniform(10, 240, 400)
    y = synthetic.ORIGIN[1] + rng.uniform(10, 240, 400)
    synthetic.add(town, x, y, synthetic.random_days(rng, 400, PERIOD.start, PERIOD.end))
    found = concentration.analyse(town, PERIOD)
    assert found.squares == 1600
    first = _all(found)
    assert first["located"] == 400
    assert first["top1"] == pytest.approx(1.0) and first["top5"] == pytest.approx(1.0)
    assert first["half"] == pytest.approx(8 / 1600)
    assert first["chance5"] < 0.4  # 400 incidents spread at random: far from everything at the top
    table = concentration.display_table(found, STAFF)
    assert list(table.columns) == list(concentration.COLUMNS)
    assert table.iloc[0]["Andel på topp 1 % av rutorna"] == 100.0
    assert table.iloc[0]["Händelser med plats"] == 400


def test_uniform_random_is_near_chance(town):
    rng = np.random.default_rng(2)
    synthetic.add(town, *synthetic.uniform(rng, 2000), synthetic.random_days(rng, 2000, PERIOD.start, PERIOD.end))
    first = _all(concentration.analyse(town, PERIOD))
    assert first["top1"] == pytest.approx(first["chance1"], abs=0.01)
    assert first["top5"] == pytest.approx(first["chance5"], abs=0.02)
    assert first["half"] == pytest.approx(first["chance_half"], abs=0.03)
    # even under pure chance the top 5 % hold more than 5 % (some squares get more by luck): the reason to compare
    assert first["chance5"] > 0.05


def test_chance_is_seeded_and_small_counts_look_concentrated():
    assert concentration.chance(10, 1600) == concentration.chance(10, 1600)
    top1, top5, half = concentration.chance(10, 1600)
    assert top5 == pytest.approx(1.0)  # ten incidents can fill at most ten squares, all within the top 80
    assert top1 > 0.9


def test_few_incidents_are_withheld_from_viewers(town):
    rng = np.random.default_rng(3)
    synthetic.add(town, *synthetic.uniform(rng, 300), synthetic.random_days(rng, 300, PERIOD.start, PERIOD.end))
    # two incidents: moved by at most two they stay below five, whatever their random keys
    synthetic.add(town, *synthetic.uniform(rng, 2), synthetic.random_days(rng, 2, PERIOD.start, PERIOD.end),
                  category="ran")
    found = concentration.analyse(town, PERIOD)
    viewer = concentration.display_table(found, VIEWER).set_index("Kategori")
    staff = concentration.display_table(found, STAFF).set_index("Kategori")
    seen = formatting.as_text(viewer)  # as the reader sees it
    assert viewer["Händelser med plats"].isna()["Rån"] and seen.loc["Rån", "Händelser med plats"] == "<5"
    shares = ["Andel på topp 1 % av rutorna", "Andel på topp 5 %", "Väntat av slumpen (5 %)", "Rutor med hälften"]
    assert (seen.loc["Rån", shares] == "–").all() and viewer.loc["Rån", shares].isna().all()
    assert staff.loc["Rån", "Händelser med plats"] == 2
    assert isinstance(staff.loc["Rån", "Andel på topp 5 %"], float)
    assert isinstance(viewer.loc["Alla kategorier", "Andel på topp 5 %"], float)  # 303 is plenty
    assert abs(viewer.loc["Alla kategorier", "Händelser med plats"] - 302) <= 2  # moved, not exact
    assert list(viewer.index[:1]) == ["Alla kategorier"] and viewer.index[-1] == "Rån"
    assert any("färre än 20" in note for note in concentration.notes(found, VIEWER))


def test_viewers_get_shares_of_moved_counts(town):
    rng = np.random.default_rng(5)
    synthetic.add(town, *synthetic.uniform(rng, 57), synthetic.random_days(rng, 57, PERIOD.start, PERIOD.end))
    found = concentration.analyse(town, PERIOD)
    row = found.table.iloc[0]
    moved = float(VIEWER.moved([row["located"]], [row["key"]])[0])
    shown = concentration.display_table(found, VIEWER).iloc[0]
    # the chance expectation is a function of the count: for viewers it is taken at the moved count, never the exact
    assert shown["Väntat av slumpen (5 %)"] == round(100 * concentration.chance(int(moved), found.squares)[1], 1)
    assert shown["Andel på topp 5 %"] == pytest.approx(100 * row["top5"], abs=100 * 4 / 55 + 0.1)  # both counts moved by up to two
    assert 0 < shown["Andel på topp 1 % av rutorna"] <= 100


def test_incidents_without_a_place_are_left_out_and_counted(town):
    rng = np.random.default_rng(4)
    synthetic.add(town, *synthetic.uniform(rng, 100), synthetic.random_days(rng, 100, PERIOD.start, PERIOD.end))
    town.execute("UPDATE incidents SET cell_250 = NULL, cell_1k = NULL, x = NULL, y = NULL, lon = NULL, lat = NULL,"
                 " precision = 'area' WHERE id <= 30")
    found = concentration.analyse(town, PERIOD)
    assert found.without_place == 30
    assert _all(found)["located"] == 70
    assert any(note.startswith("30 händelser utan plats") for note in concentration.notes(found, STAFF))
    record = concentration.export_records(found)[0]
    assert record["category_code"] is None and record["without_place"] == 30


def test_no_incidents_gives_no_shares(town):
    found = concentration.analyse(town, PERIOD)
    assert found.without_place == 0
    table = concentration.display_table(found, VIEWER)
    assert formatting.as_text(table).iloc[0]["Andel på topp 5 %"] == "–"


def test_demo_runs(demo_con):
    found = concentration.analyse(demo_con, Filters(start=date(2025, 11, 1), end=date(2026, 10, 31)))
    first = _all(found)
    assert first["located"] > 1000
    assert first["top5"] > first["chance5"]  # the demo is built with hot spots: more than chance
    assert len(found.table) > 5
    table = concentration.display_table(found, VIEWER)
    assert table.iloc[0]["Kategori"] == "Alla kategorier"


def test_cli_prints_json(demo_db):
    result = run("concentration", "--db", str(demo_db), "--fran", "2025-11-01", "--till", "2026-10-31")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert printed["square_m"] == 250 and printed["squares"] > 1000
    first = printed["categories"][0]
    assert first["category_code"] is None and first["incidents_with_place"] > 1000
    assert 0 < first["share_at_top_1pct"] <= first["share_at_top_5pct"] <= 1
    as_csv = run("concentration", "--db", str(demo_db), "--format", "csv", "--kategori", "misshandel")
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines()[0].startswith("category_code,category,incidents_with_place")
