"""Expected ranges (issue 11, item 4): a planted spike lies above the band, pattern-free months fall outside a
95 % band about 5 % of the time (Poisson and overdispersed), and zeros, sparse series, single years, gaps and new
sources are handled; viewers' bands come from protected counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lagesbild import charts, expected, overview, profile, protect
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from tests import synthetic

MONTHS = pd.date_range("2026-01-01", periods=12, freq="MS")
VIEWER = Disclosure(viewer=True)


def history(counts: np.ndarray, first_year: int = 2025) -> pd.DataFrame:
    """An `earlier` table from a (months × years) array: column j is the year `first_year - j`."""
    months, years = counts.shape
    return pd.DataFrame({"month": np.repeat(MONTHS[:months], years),
                         "year": np.tile(first_year - np.arange(years), months),
                         "count": counts.astype(float).ravel()})


def draw(rng, mean, ratio: float, size=None):
    """Poisson counts, or negative binomial ones with variance/mean = ratio."""
    if ratio == 1:
        return rng.poisson(mean, size)
    r = np.asarray(mean, float) / (ratio - 1)
    return rng.negative_binomial(r, r / (r + mean), size)


def moved(rng, counts):
    """Counts as a viewer sees them: above zero moved by a cell-key amount, "<5" hidden (NaN)."""
    counts = np.asarray(counts, float)
    shifted = counts + rng.choice(protect.NOISE, counts.shape, p=protect.NOISE_PROBABILITY)
    return np.where(counts <= 0, 0.0, np.where(shifted < 5, np.nan, shifted))


def outside_share(ratio: float, level: float, years: int, runs: int, seed: int, viewer: bool = False) -> float:
    """The share of pattern-free new months outside their band (12 seasonal months per run); for a viewer both
    the earlier years and the new month are moved as `protect` moves them, and hidden months are not counted."""
    rng = np.random.default_rng(seed)
    mean = level * (1 + 0.3 * np.sin(np.arange(12) / 12 * 2 * np.pi))
    outside = months = 0
    for _ in range(runs):
        earlier = history(draw(rng, np.repeat(mean, years).reshape(12, years), ratio))
        new = draw(rng, mean, ratio).astype(float)
        if viewer:
            earlier["count"] = moved(rng, earlier["count"])
            earlier["hidden"] = earlier["count"].isna()
            new = moved(rng, new)
        band = expected.bands(earlier, noise_parts=int(viewer)).set_index("month").reindex(MONTHS)
        judged = band["low"].notna().to_numpy() & ~np.isnan(new)
        outside += int(((new < band["low"].to_numpy()) | (new > band["high"].to_numpy()))[judged].sum())
        months += int(judged.sum())
    return outside / months


# Planted truth ---------------------------------------------------------------------------------------------

def test_a_planted_spike_lies_above_the_band():
    rng = np.random.default_rng(3)
    band = expected.bands(history(rng.poisson(40, (12, 4))))
    assert len(band) == 12
    assert (band["low"] < 40).all() and (band["high"] > 40).all()
    assert (band["high"] < 120).all()  # three times the usual month is far above every band
    assert ((band["expected"] > 30) & (band["expected"] < 50)).all()


def test_a_spike_in_an_earlier_year_widens_the_band_rather_than_hiding_in_it():
    rng = np.random.default_rng(4)
    calm = expected.bands(history(rng.poisson(40, (12, 4))))
    counts = rng.poisson(40, (12, 4))
    counts[5, 1] = 120
    rough = expected.bands(history(counts))
    assert (rough["high"] - rough["low"]).mean() > (calm["high"] - calm["low"]).mean()


# Null by seeded simulation ---------------------------------------------------------------------------------
# Measured (seeds below, 4 800 months each): Poisson 3.8 % outside, overdispersed 1.4 5.0 % (four years) and 4.9 %
# (two years), overdispersed at 15 a month 4.1 %, moved for a viewer at 12 a month 3.3 %, sparse (0.5 a month,
# 3 600 months) 1.8 %.

@pytest.mark.parametrize(("ratio", "level", "years", "low", "high"), [
    (1.0, 40, 4, 0.02, 0.07),    # Poisson: φ is floored at 1, so a little wide
    (1.4, 40, 4, 0.03, 0.07),    # overdispersed as police events are
    (1.4, 40, 2, 0.03, 0.075),   # two years only: φ from few degrees of freedom
    (1.4, 15, 4, 0.025, 0.07),
], ids=["poisson", "overdispersed", "overdispersed-two-years", "overdispersed-small"])
def test_pattern_free_months_fall_outside_a_95_band_about_5_percent_of_the_time(ratio, level, years, low, high):
    share = outside_share(ratio, level, years, runs=400, seed=17)
    assert low <= share <= high, share


def test_a_viewers_band_holds_its_rate_for_moved_counts():
    share = outside_share(1.4, 12, 4, runs=300, seed=23, viewer=True)
    assert 0.02 <= share <= 0.07, share


def test_sparse_months_are_never_called_unusual_too_often():
    share = outside_share(1.0, 0.5, 4, runs=300, seed=5)
    assert share <= 0.05, share


def test_the_stated_rate_is_the_one_in_force():
    assert expected.LEVEL == 0.95
    assert "95 %" in expected.BAND_CAPTION and "minst två tidigare år" in expected.BAND_CAPTION


# Awkward cases ---------------------------------------------------------------------------------------------

def test_all_zero_years_give_a_narrow_band_from_zero():
    band = expected.bands(history(np.zeros((3, 4), dtype=int)))
    assert (band["expected"] == 0).all() and (band["low"] == 0).all()
    assert (band["high"] <= 1).all()  # none in four years, then two or more is unusual


def test_a_sparse_series_keeps_zero_inside_the_band():
    rng = np.random.default_rng(8)
    band = expected.bands(history(rng.poisson(0.5, (12, 4))))
    assert (band["low"] == 0).all() and (band["high"] >= 1).all()
    assert band["high"].median() <= 3 and (band["high"] <= 6).all()  # a month of 3 in 0.5-a-month is unusual


def test_one_earlier_year_gives_no_band():
    one = history(np.array([[40], [35]]))
    assert expected.bands(one).empty
    mixed = pd.concat([one, history(np.array([[40, 42], [35, 30], [20, 22]]), 2023)[lambda f: f["month"] ==
                                                                                    MONTHS[2]]])
    assert list(expected.bands(mixed)["month"]) == [MONTHS[2]]


def test_years_left_out_are_named_in_the_hover():
    earlier = history(np.array([[40, 44, 38, 41]]))
    earlier.loc[earlier["year"] == 2024, "count"] = np.nan
    band = expected.bands(earlier)
    assert band["years"].tolist() == [3]
    assert band["text"].iloc[0].endswith("(utifrån samma månad 2022, 2023 och 2025)")
    whole = expected.bands(history(np.array([[40, 44, 38, 41]])))
    assert whole["text"].iloc[0] == (f"Förväntat: {whole['low'].iloc[0]:.0f}–{whole['high'].iloc[0]:.0f} "
                                     "(utifrån samma månad 2022–2025)")


def test_dispersion_is_floored_at_one_and_pooled():
    assert expected.dispersion(history(np.full((4, 3), 10))) == 1.0
    wild = history(np.array([[10, 30, 20], [40, 10, 25]]))
    assert expected.dispersion(wild) > 5


def test_the_windows_of_a_period_follow_its_days():
    spans = expected.windows(date(2025, 11, 16), date(2026, 2, 10))
    assert [(m.month, a.day, b.day) for m, a, b in spans] == [(11, 16, 30), (12, 1, 31), (1, 1, 31), (2, 1, 10)]


def _monthly(con, first: date, last: date, per_month: int, source_id: int = 1, skip=()) -> None:
    days = [date(m.year, m.month, 1 + k % 28) for m in pd.date_range(first, last, freq="MS")
            if (m.year, m.month) not in skip for k in range(per_month)]
    synthetic.add(con, np.full(len(days), synthetic.ORIGIN[0] + 100.0), np.full(len(days), synthetic.ORIGIN[1] + 100),
                  days, source_id=source_id)


def test_from_the_database_a_gap_year_is_skipped_and_a_spike_stands_out(tmp_path):
    con = synthetic.make(tmp_path / "bands.duckdb")
    # 20 a month from 2021, none at all from February to July 2023 (a gap), 60 in March 2026 (a spike).
    _monthly(con, date(2021, 1, 1), date(2026, 6, 1), 20, skip={(2023, m) for m in range(2, 8)} | {(2026, 3)})
    _monthly(con, date(2026, 3, 1), date(2026, 3, 1), 60)
    band = expected.for_period(con, Filters(start=date(2026, 1, 1), end=date(2026, 6, 30)), STAFF)
    assert list(band["month"].dt.month) == [1, 2, 3, 4, 5, 6]
    march = band[band["month"].dt.month == 3].iloc[0]
    assert march["years"] == 4 and "2021, 2022, 2024 och 2025" in march["text"]  # 2023 was a gap, not a calm month
    assert march["expected"] == 20 and march["low"] <= 20 <= march["high"] < 60
    assert band[band["month"].dt.month == 1].iloc[0]["years"] == 5


def test_a_new_source_leaves_out_the_years_before_it(tmp_path):
    con = synthetic.make(tmp_path / "new_source.duckdb")
    _monthly(con, date(2021, 1, 1), date(2026, 6, 1), 20, source_id=1)
    _monthly(con, date(2024, 6, 1), date(2026, 6, 1), 10, source_id=2)  # trygghetsvärdar from June 2024
    period = Filters(start=date(2026, 1, 1), end=date(2026, 6, 30))
    both = expected.for_period(con, period, STAFF)
    assert list(both["month"].dt.month) == [6]  # only June has two years (2024, 2025) with both sources
    assert both.iloc[0]["expected"] == 30
    police = expected.for_period(con, Filters(**{**period.__dict__, "sources": ("polisen",)}), STAFF)
    assert len(police) == 6 and (police["years"] == 5).all() and (police["expected"] == 20).all()


def test_a_partial_month_compares_the_same_days(tmp_path):
    con = synthetic.make(tmp_path / "partial.duckdb")
    _monthly(con, date(2022, 1, 1), date(2026, 6, 1), 28)  # one a day on days 1–28
    band = expected.for_period(con, Filters(start=date(2026, 6, 1), end=date(2026, 6, 14)), STAFF)
    assert band.iloc[0]["expected"] == 14 and "samma dagar" in band.iloc[0]["text"]


# Protection ------------------------------------------------------------------------------------------------

def test_a_viewers_band_is_computed_from_moved_counts(tmp_path):
    con = synthetic.make(tmp_path / "viewer.duckdb")
    rng = np.random.default_rng(2)
    for year in range(2021, 2027):
        for month in range(1, 13):
            n = int(rng.poisson(3 if month == 2 else 9))
            days = [date(year, month, 1 + k % 28) for k in range(n)]
            synthetic.add(con, np.full(n, synthetic.ORIGIN[0] + 100.0), np.full(n, synthetic.ORIGIN[1] + 100), days)
    period = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))
    exact, moved = expected.earlier_counts(con, period, STAFF), expected.earlier_counts(con, period, VIEWER)
    assert (exact[["month", "year"]].to_numpy() == moved[["month", "year"]].to_numpy()).all()
    # Each year's count is the one a viewer would see for those days: moved by that set's cell key, "<5" hidden.
    where, params = period.where(include_period=False)
    for row in moved.sample(8, random_state=1).itertuples():
        first = date(row.year, row.month.month, 1)
        last = (pd.Timestamp(first) + pd.offsets.MonthEnd(0)).date()
        count, key = con.execute("SELECT count(*), " + protect.key_sql() + " FROM incidents i WHERE i.day BETWEEN"
                                 " ? AND ? AND " + where, [first, last, *params]).fetchall()[0]
        assert row.count == pytest.approx(VIEWER.count(count, key), nan_ok=True)
    assert (moved["count"] != exact["count"]).any()
    assert moved["hidden"].any() and not exact["hidden"].any()
    viewer_band, staff_band = expected.bands(moved), expected.bands(exact)
    # A month with a hidden year gets no band for viewers (a mean over the large years would be biased).
    hidden_months = set(moved.loc[moved["hidden"], "month"])
    assert hidden_months and not hidden_months & set(viewer_band["month"])
    shared = viewer_band.merge(staff_band, on="month", suffixes=("_v", "_s"))
    means = moved.groupby("month")["count"].mean()
    assert (shared["expected_v"].to_numpy() == means[shared["month"]].to_numpy()).all()
    assert (shared["expected_v"] != shared["expected_s"]).any()
    assert expected.for_period(con, period, VIEWER)["month"].tolist() == viewer_band["month"].tolist()


def test_a_viewers_band_draws_no_small_number_and_keeps_the_same_shown_values_inside():
    rng = np.random.default_rng(9)
    earlier = history(rng.poisson(9, (12, 4)))
    plain, viewer = expected.bands(earlier, noise_parts=1), expected.bands(earlier, noise_parts=1, threshold=5)
    values = viewer[["low", "high", "expected"]].to_numpy().ravel()
    assert not ((values >= 1) & (values <= 4)).any()
    assert (plain["low"] < 5).any()  # the case arises
    for shown_value in (0, 5, 6, 12, 20):  # what a viewer can see: 0, hidden, or 5 and more
        inside_plain = (plain["low"] <= shown_value) & (shown_value <= plain["high"])
        inside_viewer = (viewer["low"] <= shown_value) & (shown_value <= viewer["high"])
        assert (inside_plain == inside_viewer).all()


# Drawing ---------------------------------------------------------------------------------------------------

@pytest.fixture
def six_years(tmp_path):
    """The synthetic municipality with incidents in every month of six years: five earlier years for the band."""
    con = synthetic.spread(tmp_path / "b.duckdb", 6000, date(2020, 11, 1), date(2026, 10, 31), seed=12)
    yield con
    con.close()


def test_the_overview_trend_draws_the_band_behind_the_bars(six_years):
    filters = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
    built = overview.build(six_years, filters, today=date(2026, 10, 31), shown=STAFF)
    shapes = [s for s in built.trend.layout.shapes if s.layer == "below"]
    assert len(shapes) == 2 * 12  # a box and a dotted line for every month
    hover = [t for t in built.trend.data if t.type == "scatter" and t.customdata is not None]
    assert hover and all(text.startswith("Förväntat: ") for text in hover[0].customdata)
    assert built.band_note == expected.BAND_CAPTION


def test_the_area_profile_trend_draws_the_band(six_years):
    filters = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
    found = profile.build(six_years, filters, "SW", today=date(2026, 10, 31), shown=VIEWER)
    assert any(s.layer == "below" for s in found.trend.layout.shapes)
    assert any(t.name == "Förväntat" for t in found.trend.data)


def test_without_a_band_the_trend_is_unchanged():
    monthly = pd.DataFrame({"month": MONTHS[:2], "category_group": "Våld", "count": [4.0, 5.0]})
    plain, empty = charts.monthly_trend(monthly), charts.monthly_trend(monthly, band=expected.bands(history(
        np.array([[40]]))))
    assert plain.to_json() == empty.to_json()
