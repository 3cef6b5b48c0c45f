"""Coverage is data: gaps found where they are, quiet months of sparse sources not mistaken for gaps."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from lagesbild import coverage
from tests import synthetic


def _monthly_events(con, months: list[tuple[int, int]], per_month: int, source_id: int = 1) -> None:
    days = [date(y, m, 1 + k % 28) for y, m in months for k in range(per_month)]
    synthetic.add(con, np.full(len(days), synthetic.ORIGIN[0] + 100.0), np.full(len(days), synthetic.ORIGIN[1] + 100),
                  days, source_id=source_id)


def _months(first: date, last: date) -> list[tuple[int, int]]:
    return [(m.year, m.month) for m in pd.date_range(first, last, freq="MS")]


def test_police_snapshot_after_months_of_nothing_is_a_gap(tmp_path):
    con = synthetic.make(tmp_path / "gap.duckdb")
    _monthly_events(con, _months(date(2024, 1, 1), date(2026, 1, 1)), 4)
    _monthly_events(con, [(2026, 8)], 4)
    table = coverage.monthly(con)
    gaps = table.loc[table["reason"] == "lucka", "month"]
    assert [m.month for m in gaps] == [2, 3, 4, 5, 6, 7]
    said = coverage.comparison_gap(table, [(date(2025, 9, 1), date(2026, 8, 31)),
                                            (date(2024, 9, 1), date(2025, 8, 31))])
    assert said == "saknar data för feb–jul 2026 (Polisen)"


def test_a_quiet_month_of_a_sparse_source_is_not_a_gap(tmp_path):
    con = synthetic.make(tmp_path / "sparse.duckdb")
    months = [m for m in _months(date(2024, 1, 1), date(2025, 12, 1)) if m not in {(2024, 6), (2025, 2)}]
    _monthly_events(con, months, 2)
    table = coverage.monthly(con)
    assert table["present"].all()
    assert coverage.comparison_gap(table, [(date(2024, 1, 1), date(2025, 12, 31))]) == ""


def test_a_source_that_began_later_is_missing_before_it_began(tmp_path):
    con = synthetic.make(tmp_path / "later.duckdb")
    _monthly_events(con, _months(date(2023, 1, 1), date(2025, 12, 1)), 10, source_id=1)
    _monthly_events(con, _months(date(2025, 3, 1), date(2025, 12, 1)), 10, source_id=2)
    table = coverage.monthly(con)
    said = coverage.comparison_gap(table, [(date(2024, 1, 1), date(2024, 12, 31))])
    assert said == "saknar data för jan–dec 2024 (Trygghetsvärdar)"
    assert coverage.comparison_gap(table, [(date(2024, 1, 1), date(2024, 12, 31))], ("polisen",)) == ""
    before_any = coverage.comparison_gap(table, [(date(2022, 11, 1), date(2023, 1, 31))])
    assert before_any == "saknar data för nov–dec 2022 (Polisen) och nov 2022–jan 2023 (Trygghetsvärdar)"


def test_the_gap_rule_errs_rarely_on_pattern_free_sparse_sources():
    """A source at 3.7 a month with no gaps: runs of empty months called gaps in at most ~1 % of sources."""
    rng = np.random.default_rng(11)
    wrong = 0
    trials = 2000
    for _ in range(trials):
        counts = rng.poisson(3.7, 48)
        inside = np.ones(48, dtype=bool)
        wrong += coverage._gap_runs(counts, inside, counts.mean()).any()
    assert wrong / trials <= 0.02, wrong / trials


def test_demo_has_full_coverage(demo_con):
    table = coverage.monthly(demo_con)
    assert table["present"].all()
    assert not coverage.police_sample(demo_con)


def test_month_ranges_in_swedish():
    months = [pd.Timestamp(2025, 11, 1), pd.Timestamp(2025, 12, 1), pd.Timestamp(2026, 1, 1),
              pd.Timestamp(2026, 3, 1)]
    assert coverage.month_ranges(months) == "nov 2025–jan 2026 och mar 2026"
    assert coverage.describe({}) == ""
