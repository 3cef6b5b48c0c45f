"""Emerging hot spots: time slices, the exact window test, the Esri patterns, the null by simulation, the demo."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pydeck as pdk
import pytest
from streamlit.testing.v1 import AppTest

from lagesbild import emerging
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from tests import synthetic

SIZE = 250
APP = str(Path(__file__).resolve().parents[1] / "app.py")


def grid(side: int):
    """A side × side block of 250 m squares (SWEREF 99 TM centres) and its 3×3 window matrix."""
    i, j = np.meshgrid(np.arange(side), np.arange(side))
    x = 450_000 + SIZE * i.ravel() + SIZE / 2
    y = 6_200_000 + SIZE * j.ravel() + SIZE / 2
    return emerging.window_matrix(x, y, SIZE)


def background(rng: np.random.Generator, squares: int, slices: int, per_slice: int) -> np.ndarray:
    """Incidents spread evenly over the squares (no pattern at all): squares × slices."""
    return np.stack([rng.multinomial(per_slice, np.full(squares, 1 / squares)) for _ in range(slices)], axis=1)


def planted(extra: list[int], seed: int = 1, side: int = 20, per_slice: int = 200) -> tuple[str, int, int]:
    """Pattern, hot slices and tested squares when the centre square gets `extra[t]` more incidents in slice t."""
    window = grid(side)
    counts = background(np.random.default_rng(seed), side * side, len(extra), per_slice)
    centre = (side // 2) * side + side // 2
    counts[centre] += np.asarray(extra)
    scored = emerging.score(counts, window)
    return scored["pattern"][centre], int(scored["hot_slices"][centre]), int(scored["tested"].sum())


@pytest.mark.parametrize(("start", "end", "unit", "count", "first"), [
    (date(2024, 11, 1), date(2026, 10, 31), "month", 24, date(2024, 11, 1)),
    (date(2025, 11, 1), date(2026, 10, 31), "month", 12, date(2025, 11, 1)),
    (date(2025, 11, 16), date(2026, 11, 15), "month", 12, date(2025, 11, 16)),
    (date(2026, 1, 1), date(2026, 10, 31), "month", 10, date(2026, 1, 1)),
    (date(2026, 1, 2), date(2026, 10, 31), "week", 43, date(2026, 1, 4)),  # nine whole months: weeks
    (date(2026, 8, 23), date(2026, 10, 31), "week", 10, date(2026, 8, 23)),
    (date(2026, 8, 24), date(2026, 10, 31), "week", 0, None),              # 69 days: too short
])
def test_time_slices_count_back_from_the_last_day(start, end, unit, count, first):
    found_unit, slices = emerging.time_slices(start, end)
    assert len(slices) == count
    if count:
        assert found_unit == unit
        assert slices[0][0] == first and slices[-1][1] == end
        assert all(b[0] - a[1] == timedelta(days=1) for a, b in zip(slices, slices[1:], strict=False))


def test_slices_are_described_in_swedish():
    unit, slices = emerging.time_slices(date(2025, 11, 1), date(2026, 10, 31))
    assert emerging.describe_slices(unit, slices, date(2025, 11, 1)) == \
        "12 månader: 1 november 2025 – 31 oktober 2026"
    unit, slices = emerging.time_slices(date(2026, 1, 2), date(2026, 10, 31))
    assert "43 veckor" in emerging.describe_slices(unit, slices, date(2026, 1, 2))
    assert "de första 2 dagarna" in emerging.describe_slices(unit, slices, date(2026, 1, 2))


def test_the_window_holds_the_square_and_its_eight_neighbours():
    window = grid(5)
    sizes = np.asarray(window.sum(axis=1)).ravel()
    assert sizes[12] == 9 and sizes[0] == 4 and sizes[2] == 6  # centre, corner, edge


@pytest.mark.parametrize(("hot", "cold", "tau", "p", "expected"), [
    ("000000000001", "", 0.1, 0.5, "new"),
    ("000000000111", "", 0.5, 0.01, "consecutive"),
    ("111111111111", "", 0.6, 0.01, "intensifying"),
    ("111111111111", "", 0.1, 0.60, "persistent"),
    ("011111111111", "", -0.1, 0.60, "persistent"),
    ("111111111111", "", -0.6, 0.01, "diminishing"),
    ("100100100101", "", 0.0, 1.0, "sporadic"),
    ("000010000101", "001000000000", 0.0, 1.0, "oscillating"),
    ("111111111110", "", -0.2, 0.3, "historical"),
    ("111111000000", "", -0.7, 0.001, ""),      # Esri has no name for a hot spot that has gone quiet
    ("000000000000", "", 0.0, 1.0, ""),
])
def test_classify_follows_esri(hot, cold, tau, p, expected):
    hot_slices = np.array([c == "1" for c in hot])
    cold_slices = np.array([c == "1" for c in cold]) if cold else np.zeros(len(hot), bool)
    assert emerging.classify(hot_slices, cold_slices, tau, p) == expected


def test_every_pattern_has_a_swedish_name_and_explanation():
    names = {code: name for code, (name, _) in emerging.PATTERNS.items()}
    assert names == {"new": "ny", "consecutive": "sammanhängande", "intensifying": "tilltagande",
                     "persistent": "ihållande", "diminishing": "avtagande", "sporadic": "sporadisk",
                     "oscillating": "pendlande", "historical": "historisk"}
    assert all(text.endswith(".") and "\n" not in text for _, text in emerging.PATTERNS.values())
    assert set(emerging.COLOURS) == set(emerging.PATTERNS)


def test_a_square_hot_only_in_the_last_slice_is_new():
    assert planted([0] * 11 + [25])[:2] == ("new", 1)


def test_a_square_hot_only_in_the_last_three_slices_is_emerging():
    # Esri calls a run of two or more final hot slices "consecutive"; "new" is a single one.
    pattern, hot, _ = planted([0] * 9 + [25, 25, 25])
    assert (pattern, hot) == ("consecutive", 3)
    assert emerging.name(pattern) == "sammanhängande"


def test_a_square_that_grows_over_the_whole_period_is_intensifying():
    assert planted([12 + 3 * t for t in range(12)])[0] == "intensifying"


def test_a_square_hot_nearly_always_without_trend_is_persistent():
    pattern, hot, _ = planted([25] * 12)
    assert pattern == "persistent" and hot >= 11


def test_a_square_hot_early_and_not_at_the_end_is_historical():
    pattern, hot, _ = planted([25] * 11 + [0])
    assert (pattern, hot) == ("historical", 11)


def test_a_square_that_fades_but_is_still_hot_is_diminishing():
    assert planted([45 - 3 * t for t in range(12)])[0] == "diminishing"


def test_a_square_without_incidents_gets_no_pattern():
    window = grid(10)
    counts = np.zeros((100, 12))
    for square in (44, 46, 64, 66):  # the four diagonal neighbours of square 55 fill its window
        counts[square] = 10
    scored = emerging.score(counts, window)
    assert not scored["tested"][55] and scored["pattern"][55] == ""
    assert scored["pattern"][44] == "persistent" and np.isnan(scored["tau"][55])


def test_pattern_free_data_rarely_gets_a_hot_pattern():
    """The null by simulation: 100 seeded runs of even data on a 30 × 30 grid over 12 slices."""
    window = grid(30)
    rng = np.random.default_rng(20261126)
    runs = 100
    with_pattern = 0
    for run in range(runs):
        per_slice = (60, 300, 1500)[run % 3]  # sparse to dense: 0.07 to 1.7 incidents per square and slice
        scored = emerging.score(background(rng, 900, 12, per_slice), window)
        with_pattern += bool((scored["pattern"] != "").any())
    # 5 % of runs, plus a Monte-Carlo margin (binomial 100 × 0.05: 99th percentile is 11)
    assert with_pattern <= 11, f"{with_pattern} of {runs} pattern-free runs found a hot pattern"


def test_the_demo_gives_a_swedish_result(demo_con):
    found = emerging.analyse(demo_con, Filters(start=date(2024, 11, 1), end=date(2026, 10, 31)))
    assert found.message == ""
    assert found.slices == "24 månader: 1 november 2024 – 31 oktober 2026"
    assert set(found.cells.columns) >= {"cell", "lon", "lat", "pattern", "hot_slices", "tau", "p"}
    assert (found.cells["count"] > 0).all()  # only squares with incidents are in the result
    table = emerging.summary(found)
    assert list(table.columns) == ["Mönster", "Rutor", "Förklaring"]
    assert len(table) > 0
    names = {name.capitalize() for name, _ in emerging.PATTERNS.values()}
    assert set(table["Mönster"]) <= names
    assert table["Rutor"].sum() == len(found.patterned)
    assert 55 < found.cells["lat"].mean() < 57 and 14 < found.cells["lon"].mean() < 15.5
    assert isinstance(emerging.deck(found), pdk.Deck)


def test_viewers_get_patterns_and_positions_but_no_counts(demo_con):
    found = emerging.analyse(demo_con, Filters(start=date(2025, 11, 1), end=date(2026, 10, 31)))
    staff = emerging.square_table(found, Disclosure(viewer=False))
    viewer = emerging.square_table(found, Disclosure(viewer=True))
    assert "Händelser" in staff.columns
    assert list(viewer.columns) == ["Ruta (SCB)", "Mönster", "Heta perioder", "Trend (Kendalls tau)", "Trend, p"]
    assert len(viewer) == len(staff) > 0
    assert "Händelser" not in emerging.deck(found).to_json()


@pytest.fixture
def spread(tmp_path):
    """The synthetic municipality with 3 000 incidents spread evenly over two years: enough for an analysis."""
    con = synthetic.spread(tmp_path / "e.duckdb", 3000, date(2024, 11, 1), date(2026, 10, 31), seed=8)
    yield con
    con.close()


def test_a_short_period_gets_a_swedish_message(spread):
    found = emerging.analyse(spread, Filters(start=date(2026, 9, 1), end=date(2026, 10, 31)))
    assert found.message.startswith("Perioden är för kort")
    assert found.cells.empty and found.slices == ""


def test_weeks_when_the_period_is_shorter_than_ten_months(spread):
    found = emerging.analyse(spread, Filters(start=date(2026, 6, 1), end=date(2026, 10, 31)))
    assert found.message == "" and found.slices.startswith("21 veckor")


def test_too_few_incidents_get_a_swedish_message(spread):
    found = emerging.analyse(spread, Filters(start=date(2024, 11, 1), end=date(2026, 10, 31),
                                             categories=("klotter",)))
    assert found.message == emerging.TOO_FEW
    assert emerging.analyse(spread, Filters(start=date(2024, 11, 1), end=date(2026, 10, 31))).message == ""


@pytest.mark.parametrize("role", [None, {"username": "anna", "role": "staff"}])
def test_the_priorities_page_shows_emerging_hot_spots(app_env, demo_db, role):
    """AppTest: app_pages/prioritering.py still runs, with the section; viewers see no per-square counts."""
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=60)
    if role:
        at.session_state["inloggning"] = role
    at.run()
    at.switch_page("app_pages/prioritering.py")
    at.run()
    assert not at.exception
    assert "Framväxande hot spots" in [h.value for h in at.subheader]
    tables = [d.value for d in at.dataframe]
    summary = next(t for t in tables if list(t.columns) == ["Mönster", "Rutor", "Förklaring"])
    assert summary["Rutor"].sum() > 0
    squares = next(t for t in tables if "Heta perioder" in t.columns)
    assert ("Händelser" in squares.columns) == bool(role)
