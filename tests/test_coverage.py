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


def _fresh_solvesborg(path):
    from lagesbild import cli, db

    assert cli.main(["init", "--db", str(path), "--municipality-code", "1083", "--municipality-name",
                     "Sölvesborg"]) == 0
    return db.connect(path)


def test_two_real_police_snapshots_leave_the_year_between_them_uncovered(tmp_path):
    """Each snapshot proves only the days it spans (over all of Sweden); the year between is a gap, although at
    Sölvesborg's rate the statistical rule alone could not tell it from a quiet year."""
    from lagesbild.filters import Filters
    from lagesbild.ingest import import_path
    from tests.conftest import realdata

    first = realdata("polisen_events_dnouri/events_snapshot_2025-07-08_1c0b476.json")
    second = realdata("polisen_events_dnouri/events_snapshot_2026-08-22_1df068a.json")
    con = _fresh_solvesborg(tmp_path / "snapshots.duckdb")
    try:
        for path in (first, second):
            assert import_path(con, path).status == "stored"
        spans = con.execute("SELECT covers_from, covers_to, covers_sources FROM imports ORDER BY id").fetchall()
        assert [(a.isoformat()[:7], b.isoformat()[:7], s) for a, b, s in spans] == [
            ("2025-06", "2025-07", [1]), ("2026-08", "2026-08", [1])]  # 27 June – 8 July; 14–22 August
        table = coverage.monthly(con)
        police = table[table["source"] == "polisen"]
        assert list(police.loc[police["present"], "month"].dt.strftime("%Y-%m")) == ["2025-06", "2025-07", "2026-08"]
        assert set(police.loc[~police["present"], "reason"]) == {"lucka"}
        window = Filters(start=date(2025, 8, 23), end=date(2026, 8, 22))
        said = coverage.comparison_gap(table, [(window.start, window.end)])
        assert said == "saknar data för aug 2025–jul 2026 (Polisen)"
    finally:
        con.close()


def test_a_file_that_covers_a_quiet_month_proves_it(tmp_path):
    """A year's export from a sparse source with an empty March: the import covers March, so it is a zero."""
    from lagesbild.ingest import import_bytes

    con = synthetic.make(tmp_path / "quiet.duckdb")
    try:
        rows = ["datum;kategori;källa;område"] + [f"2025-{m:02d}-10;Skadegörelse;Skola;SW" for m in range(1, 13)
                                                  if m != 3]
        rows += ["2025-01-02;Skadegörelse;Skola;SW", "2025-12-30;Skadegörelse;Skola;SW"]
        result = import_bytes(con, "\n".join(rows).encode(), "skola.csv")
        assert result.status == "stored", result.problems[:3]
        table = coverage.monthly(con)
        assert table["present"].all()
        assert coverage.comparison_gap(table, [(date(2025, 1, 1), date(2025, 12, 31))]) == ""
    finally:
        con.close()


def test_imports_stored_before_import_periods_get_the_span_of_their_incidents(tmp_path):
    import duckdb

    from lagesbild import db

    con = duckdb.connect(str(tmp_path / "old.duckdb"))
    db.migrate(con, db.load_migrations()[:8])
    con.execute("INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, status)"
                " VALUES (1, 'gammal.csv', '-', 'incidents', 'anna', now(), 'stored'),"
                " (2, 'tom.csv', '-', 'incidents', 'anna', now(), 'stored')")
    for number, (day, source) in enumerate(((date(2024, 2, 3), 1), (date(2024, 9, 30), 3)), start=1):
        con.execute("INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
                    " precision, import_id) VALUES (?, ?, ?, ?, ?, 12, 1, 1, 'municipality', 1)",
                    [number, source, f"{day} 11:00:00+00", f"{day} 12:00:00", day])
    assert db.migrate(con) == list(range(9, db.latest_version() + 1))
    assert con.execute("SELECT covers_from, covers_to, covers_sources FROM imports ORDER BY id").fetchall() == [
        (date(2024, 2, 3), date(2024, 9, 30), [1, 3]), (None, None, None)]
    con.close()
