"""Planted truths: hot spots, lift and the ranking find what was put there, and nothing that was not."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy.stats import false_discovery_control

from lagesbild import hotspots, priorities
from lagesbild.filters import Filters
from tests import synthetic

PERIOD = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))
BEFORE = PERIOD.previous_period()


@pytest.fixture
def town(tmp_path):
    con = synthetic.make(tmp_path / "s.duckdb")
    yield con
    con.close()


def test_planted_cluster_is_a_hot_spot(town):
    rng = np.random.default_rng(1)
    synthetic.add(town, *synthetic.uniform(rng, 300), synthetic.random_days(rng, 300, PERIOD.start, PERIOD.end))
    cx, cy = synthetic.ORIGIN[0] + 7100, synthetic.ORIGIN[1] + 2600
    synthetic.add(town, rng.normal(cx, 150, 80), rng.normal(cy, 150, 80),
                  synthetic.random_days(rng, 80, PERIOD.start, PERIOD.end))
    found = hotspots.analyse(town, PERIOD, 250)
    assert not found.message
    hot = found.cells[(found.cells["kind"] == "hot") & (found.cells["level"] >= 0.99)]
    assert len(hot) >= 3
    distance = np.hypot(hot["x"] - cx, hot["y"] - cy)
    assert (distance < 600).all()  # every 99 % hot square is at the planted cluster
    assert (found.cells["kind"] == "hot").sum() <= 30  # the cluster and its edge, not the whole town


def test_uniform_random_incidents_give_almost_no_hot_spots(town):
    rng = np.random.default_rng(2)
    synthetic.add(town, *synthetic.uniform(rng, 600), synthetic.random_days(rng, 600, PERIOD.start, PERIOD.end))
    found = hotspots.analyse(town, PERIOD, 250)
    significant = found.cells[found.cells["kind"] != ""]
    assert len(significant) <= 5  # of 1,600 squares, after the FDR correction
    assert (significant["level"] >= 0.95).sum() <= 2


def test_too_few_incidents_is_said_honestly(town):
    rng = np.random.default_rng(3)
    synthetic.add(town, *synthetic.uniform(rng, 10), synthetic.random_days(rng, 10, PERIOD.start, PERIOD.end))
    found = hotspots.analyse(town, PERIOD)
    assert found.message == "för få händelser för en säker analys"


def test_gi_star_agrees_with_an_independent_computation():
    size = 250
    xs, ys = np.meshgrid(np.arange(6) * size + size / 2, np.arange(6) * size + size / 2)
    x, y = xs.ravel(), ys.ravel()
    counts = np.random.default_rng(4).poisson(2, len(x)).astype(float)
    counts[14] = 15
    z = hotspots.gi_star(counts, hotspots.neighbours(x, y, size))
    n = len(counts)
    mean = counts.mean()
    s = np.sqrt((counts ** 2).mean() - mean ** 2)
    for i in range(n):
        w = ((np.abs(x - x[i]) <= size) & (np.abs(y - y[i]) <= size)).astype(float)  # 3 × 3 block, self included
        expected = (w @ counts - mean * w.sum()) / (s * np.sqrt((n * (w ** 2).sum() - w.sum() ** 2) / (n - 1)))
        assert z[i] == pytest.approx(expected, rel=1e-6, abs=1e-9)


def _hand_written_benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """The step-up adjustment hotspots.py carried by hand before scipy's was used: kept as the oracle."""
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p)
    adjusted = np.minimum.accumulate((p[order] * n / np.arange(1, n + 1))[::-1])[::-1]
    result = np.empty(n)
    result[order] = np.minimum(adjusted, 1.0)
    return result


def test_false_discovery_control_matches_the_textbook_example():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert false_discovery_control(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


@pytest.mark.parametrize("seed", range(20))
def test_false_discovery_control_equals_the_hand_written_adjustment(seed):
    """scipy's BH gives the q-values the hand-written one gave, ties, ones and exact zeros included."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    p = rng.uniform(0, 1, n) ** rng.uniform(0.2, 5)       # from mostly small to mostly large
    p[rng.random(n) < 0.1] = 1.0                           # untested squares carry p = 1
    p[rng.random(n) < 0.05] = 0.0
    p[rng.random(n) < 0.2] = p[0]                          # ties, as discrete tests give
    assert np.allclose(false_discovery_control(p), _hand_written_benjamini_hochberg(p), rtol=1e-12, atol=0)
    assert false_discovery_control(np.array([])).size == 0


def test_planted_risk_factor_has_the_highest_lift_in_its_area(town):
    rng = np.random.default_rng(5)
    for quadrant in synthetic.QUADRANTS:
        synthetic.add(town, *synthetic.uniform(rng, 100, quadrant),
                      synthetic.random_days(rng, 100, PERIOD.start, PERIOD.end), risks=("alkohol_unga",))
    synthetic.add(town, *synthetic.uniform(rng, 60, "NE"), synthetic.random_days(rng, 60, PERIOD.start, PERIOD.end),
                  risks=("bristande_belysning",))
    synthetic.add(town, *synthetic.uniform(rng, 5, "SW"), synthetic.random_days(rng, 5, PERIOD.start, PERIOD.end),
                  risks=("bristande_belysning",))
    lifts = priorities.lift_table(town, PERIOD)
    lighting = lifts[lifts["factor"] == "bristande_belysning"].set_index("code")
    assert lighting["lift"].idxmax() == "NE"
    assert lighting.loc["NE", "low"] > 1.5  # the confidence interval is clear of "no difference"
    # against the rest of the municipality (60 of 160 in NE, 5 of 305 elsewhere), not the whole it belongs to
    assert lighting.loc["NE", "lift"] == pytest.approx((60 / 160) / (5 / 305), rel=1e-9)


def _surge(town):
    """Every area steady at 60 a half-year; SW doubles in the current period."""
    rng = np.random.default_rng(6)
    for quadrant in synthetic.QUADRANTS:
        for period in (PERIOD, BEFORE):
            synthetic.add(town, *synthetic.uniform(rng, 60, quadrant),
                          synthetic.random_days(rng, 60, period.start, period.end), risks=("samlingsplats_unga",))
    synthetic.add(town, *synthetic.uniform(rng, 60, "SW"), synthetic.random_days(rng, 60, PERIOD.start, PERIOD.end),
                  risks=("samlingsplats_unga",))


def test_an_area_with_a_planted_surge_and_no_intervention_ranks_first(town):
    _surge(town)
    ranking = priorities.rank(town, PERIOD)
    top = ranking.table.iloc[0]
    assert top["code"] == "SW"
    assert top["change"].verdict == "ökning"
    assert "säker ökning" in top["reasons"] and "ingen pågående insats" in top["reasons"]


def test_the_same_area_with_a_matching_intervention_drops(town):
    _surge(town)
    synthetic.intervene(town, "Fältassistenter i SW", "SW", date(2025, 9, 1), risks=("samlingsplats_unga",))
    focused = Filters(**{**PERIOD.__dict__, "risk_factors": ("samlingsplats_unga",)})
    ranking = priorities.rank(town, focused)
    order = ranking.table["code"].tolist()
    assert order[0] != "SW"
    assert "Fältassistenter i SW" in ranking.table.set_index("code").loc["SW", "reasons"]
    unrelated = Filters(**{**PERIOD.__dict__, "risk_factors": ("spel",)})
    assert priorities.rank(town, unrelated).table["covered_by"].map(len).sum() == 0
