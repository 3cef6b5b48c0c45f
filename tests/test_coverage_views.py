"""Coverage in every view: a gap makes the overview, the ranking and the time patterns refuse their comparisons
and break their lines, police events are called a sample, and the demo (full coverage) keeps its verdicts.

The gap database is the issue's case: police events every month from January 2024 to January 2026, then one
snapshot in August 2026, so the twelve months up to August 2026 hold February–July 2026 without any data.
"""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lagesbild import cli, coverage, db, formatting, maps, overview, patterns, priorities, profile
from lagesbild.filters import Filters, preset_period
from lagesbild.ingest import import_path
from lagesbild.protect import STAFF, Disclosure
from lagesbild.view import View
from tests import synthetic
from tests.conftest import realdata
from tests.test_app import APP, TIMEOUT

GAP = "saknar data för feb–jul 2026 (Polisen)"
LAST = date(2026, 8, 20)
YEAR = Filters(start=date(2025, 8, 21), end=LAST)  # the default "12m" window on the gap database
GAP_LABELS = ["feb 2026", "mar 2026", "apr 2026", "maj 2026", "jun 2026", "jul 2026"]
SOLVESBORG_UNION = "polisen_events_dnouri/events_solvesborg_union_2023-2026.json"


def _plant_months(con, months, per_month: int, rng) -> None:
    for first in months:
        days = [date(first.year, first.month, 1 + k % 20) for k in range(per_month)]
        synthetic.add(con, *synthetic.uniform(rng, per_month), days)
        synthetic.add(con, *synthetic.uniform(rng, 2), days[:2], "misshandel")


def make_gap_db(path, police_json: bool = False):
    """Monthly events January 2024 – January 2026 and an August 2026 snapshot; nothing in between."""
    con = synthetic.make(path)
    rng = np.random.default_rng(11)
    _plant_months(con, pd.date_range("2024-01-01", "2026-01-01", freq="MS"), 20, rng)
    _plant_months(con, [pd.Timestamp(2026, 8, 1)], 20, rng)
    if police_json:
        con.execute("UPDATE imports SET source_key = 'polisen-json'")
    return con


@pytest.fixture
def gap_con(tmp_path):
    con = make_gap_db(tmp_path / "gap.duckdb")
    yield con
    con.close()


def _bars_at(figure, labels: list[str]) -> list:
    """The y values of every bar trace at the given x labels."""
    found = []
    for trace in figure.data:
        if trace.type == "bar":
            x = list(trace.x)
            found += [trace.y[x.index(label)] for label in labels if label in x]
    return found


def test_the_overview_refuses_its_comparison_across_a_gap(gap_con):
    table = coverage.monthly(gap_con)
    kpis = overview.key_figures(gap_con, YEAR, STAFF, table)
    assert [k.delta for k in kpis] == [None, None, None, None]
    assert all(f"Ingen jämförelse: {GAP}." in k.help for k in kpis)
    assert all(k.delta_colour == "off" for k in kpis)
    assert "Samma period ett år tidigare" not in kpis[0].help  # no count from a period that cannot be compared
    view = overview.build(gap_con, YEAR, today=LAST, shown=STAFF)
    assert view.comparison_note.endswith(GAP + ".")
    assert view.top_areas["Mot året innan"].isna().all() and not view.top_areas.empty
    assert (formatting.as_text(view.top_areas)["Mot året innan"] == "–").all()
    assert view.sources.set_index("Källa").loc["Polisen", "Luckor"] == "feb–jul 2026"
    assert view.police_note == ""  # synthetic rows, not polisen.se events
    seen = overview.build(gap_con, YEAR, today=LAST, shown=Disclosure(viewer=True))
    assert seen.comparison_note == view.comparison_note and all(k.delta is None for k in seen.kpis)
    assert list(seen.sources["Luckor"]) == ["feb–jul 2026"]  # months only, never a count


def test_the_same_database_compares_where_both_periods_are_covered(gap_con):
    covered = Filters(start=date(2025, 2, 1), end=date(2026, 1, 31))
    kpis = overview.key_figures(gap_con, covered, STAFF)
    assert kpis[0].delta is not None and "(" in kpis[0].delta
    assert "Ingen jämförelse" not in kpis[0].help
    assert overview.build(gap_con, covered, today=LAST, shown=STAFF).comparison_note == ""


def test_the_ranking_refuses_its_changes_across_a_gap(gap_con):
    ranking = priorities.rank(gap_con, YEAR)
    assert ranking.table["change"].map(lambda c: c is None).all()
    assert ranking.table["change_previous"].map(lambda c: c is None).all()
    assert any(GAP in note and note.startswith("Ingen förändring räknas") for note in ranking.notes)
    shown = formatting.as_text(priorities.display_table(ranking, STAFF))
    assert (shown["Mot året innan"] == "–").all() and (shown["Mot föregående period"] == "–").all()
    assert all(record["change_verdict"] is None for record in priorities.export_records(ranking))


def test_the_ranking_falls_back_to_the_previous_period_when_only_a_year_earlier_is_missing(gap_con):
    # With the data starting in January 2025, Sep 2025 – Jan 2026 has its previous period but not its year before.
    gap_con.execute("DELETE FROM incidents WHERE day < DATE '2025-01-01'")
    period = Filters(start=date(2025, 9, 1), end=date(2026, 1, 31))
    ranking = priorities.rank(gap_con, period)
    assert (ranking.table["change_basis"] == priorities.PREVIOUS_BASIS).all()
    assert ("Ingen jämförelse med samma period året innan: saknar data för sep–dec 2024 (Polisen). Förändringen "
            "jämförs i stället med föregående period.") in ranking.notes
    shown = priorities.display_table(ranking, STAFF)
    assert shown["Mot året innan"].isna().all()
    assert shown["Mot föregående period"].notna().any()


def test_the_trend_has_no_bar_in_gap_months_and_says_so(gap_con):
    view = overview.build(gap_con, YEAR, today=LAST, shown=STAFF)
    bars = [t for t in view.trend.data if t.type == "bar"]
    assert len(bars[0].x) == 13  # every month of the period has its place, aug 2025 – aug 2026
    # No height in gap months (plotly.js misstacks a month with a null segment), and the hover says why.
    assert all(y == 0 for y in _bars_at(view.trend, GAP_LABELS))
    bar = next(t for t in view.trend.data if t.type == "bar")
    assert all(bar.customdata[list(bar.x).index(label)][0] == "saknar data" for label in GAP_LABELS)
    assert all(y > 0 for y in _bars_at(view.trend, ["jan 2026", "aug 2026"]) if y == y)
    bands = [s for s in view.trend.layout.shapes if s.fillcolor == "#969696"]  # not the expected band
    assert len(bands) == 1 and (bands[0].x0, bands[0].x1) == (5.5, 11.5)
    assert any(a.text == "saknar data" for a in view.trend.layout.annotations)
    assert "Grå fält" in view.trend_note


def test_partly_covered_months_are_hatched(tmp_path):
    con = synthetic.make(tmp_path / "two.duckdb")
    rng = np.random.default_rng(3)
    for first in pd.date_range("2025-01-01", "2025-12-01", freq="MS"):
        synthetic.add(con, *synthetic.uniform(rng, 10), [first.date()] * 10, source_id=1)
    for first in pd.date_range("2025-07-01", "2025-12-01", freq="MS"):
        synthetic.add(con, *synthetic.uniform(rng, 10), [first.date()] * 10, source_id=2)
    view = overview.build(con, Filters(start=date(2025, 1, 1), end=date(2025, 12, 31)), today=date(2025, 12, 31),
                          shown=STAFF)
    figure = view.trend
    bar = next(t for t in figure.data if t.type == "bar")
    assert list(bar.marker.pattern.shape) == ["/"] * 6 + [""] * 6
    assert "saknar data från Trygghetsvärdar" in bar.customdata[0][1]
    assert not figure.layout.shapes
    con.close()
    assert overview.PARTIAL_MONTHS_NOTE in view.trend_note and "Grå fält" not in view.trend_note


def test_lines_break_at_gap_months(gap_con):
    _, months, _, hidden = patterns.build(gap_con, YEAR, STAFF)
    assert hidden == ""  # a gap is not a hidden value
    now = next(t for t in months.data if t.name == "Vald period")
    values = dict(zip(now.x, now.y, strict=True))
    assert all(values[label] != values[label] for label in GAP_LABELS)  # NaN: a break, not a zero
    assert values["jan 2026"] > 0
    assert any(GAP in note for note in patterns.coverage_notes(gap_con, YEAR))
    area = profile.build(gap_con, YEAR, "SW", today=LAST, shown=STAFF)
    line = dict(zip(pd.to_datetime(area.trend.data[0].x), area.trend.data[0].y, strict=True))
    assert all(np.isnan(line[pd.Timestamp(2026, month, 1)]) for month in range(2, 8))
    assert "ingen jämförelse med samma period året innan: " + GAP in area.facts[0]


def test_the_year_wheel_does_not_count_gap_months_as_years(gap_con):
    wheel = patterns.calendar_months(gap_con, YEAR, STAFF)
    # March: 2024 and 2025 delivered, 2026 is in the gap; August: 2024, 2025 and the 2026 snapshot.
    assert wheel.set_index("month").loc[3, "years"] == 2
    assert wheel.set_index("month").loc[8, "years"] == 3


def test_the_demo_keeps_its_comparisons(demo_con):
    year = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
    view = overview.build(demo_con, year, today=date(2026, 10, 31), shown=STAFF)
    assert all(k.delta is not None for k in view.kpis)
    assert view.comparison_note == "" and view.police_note == ""
    assert not [s for s in view.trend.layout.shapes if s.fillcolor == "#969696"]  # no "saknar data" band
    assert "Grå fält" not in view.trend_note
    assert (view.sources["Luckor"] == "–").all()
    assert "Ingen förändring" not in " ".join(priorities.rank(demo_con, year).notes)


def test_police_events_are_called_a_sample_wherever_they_are_counted(tmp_path):
    con = make_gap_db(tmp_path / "police.duckdb", police_json=True)
    assert overview.build(con, YEAR, today=LAST, shown=STAFF).police_note == coverage.POLICE_SAMPLE_NOTE
    assert coverage.POLICE_SAMPLE_NOTE in maps.build(con, View(filters=YEAR), STAFF).notes
    assert coverage.POLICE_SAMPLE_NOTE in priorities.rank(con, YEAR).notes
    assert coverage.POLICE_SAMPLE_NOTE + " " + patterns.NIGHT_SUMMARY_NOTE in patterns.coverage_notes(con, YEAR)
    other = Filters(start=YEAR.start, end=YEAR.end, sources=("trygghetsvardar",))
    assert overview.build(con, other, today=LAST, shown=STAFF).police_note == ""
    con.close()


def test_cli_info_tells_gaps_and_the_police_sample(tmp_path, capsys):
    make_gap_db(tmp_path / "police.duckdb", police_json=True).close()
    assert cli.main(["info", "--db", str(tmp_path / "police.duckdb"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["gaps"] == {"Polisen": "feb–jul 2026"} and info["police_sample"] is True
    assert "sample" in info["note"]
    assert cli.main(["info", "--db", str(tmp_path / "police.duckdb")]) == 0
    text = capsys.readouterr().out
    assert "gap             Polisen: no data for feb–jul 2026" in text and "note            police events" in text
    assert cli.main(["priorities", "--db", str(tmp_path / "police.duckdb")]) == 0  # the last 12 months
    ranked = json.loads(capsys.readouterr().out)
    assert any(GAP in note for note in ranked["notes"]) and coverage.POLICE_SAMPLE_NOTE in ranked["notes"]
    assert all(area["change_verdict"] is None and area["change_basis"] is None for area in ranked["areas"])


def test_the_map_page_calls_police_events_a_sample(app_env, tmp_path):
    path = tmp_path / "gap.duckdb"
    make_gap_db(path, police_json=True).close()
    app_env(path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/karta.py")
    at.run()
    assert not at.exception
    assert any(coverage.POLICE_SAMPLE_NOTE in c.value for c in at.caption)


def test_the_overview_page_says_what_is_missing(app_env, tmp_path):
    path = tmp_path / "gap.duckdb"
    make_gap_db(path, police_json=True).close()
    app_env(path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert any(GAP in w.value for w in at.warning)
    assert all(not m.proto.delta for m in at.metric)
    assert any(coverage.POLICE_SAMPLE_NOTE in c.value for c in at.caption)
    assert any("Grå fält" in c.value for c in at.caption)


def test_the_time_patterns_page_says_what_is_missing(app_env, tmp_path):
    path = tmp_path / "gap.duckdb"
    make_gap_db(path, police_json=True).close()
    app_env(path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.switch_page("app_pages/tidsmonster.py")
    at.run()
    assert not at.exception
    assert any(GAP in c.value and c.value.startswith("Avbrott i linjerna") for c in at.caption)
    assert any(coverage.POLICE_SAMPLE_NOTE in c.value for c in at.caption)


def test_the_real_solvesborg_police_file(tmp_path, capsys):
    """The union of Sölvesborg's polisen.se events, 2023–2026, imported into a fresh database."""
    source = realdata(SOLVESBORG_UNION)
    path = tmp_path / "solvesborg.duckdb"
    assert cli.main(["init", "--db", str(path), "--municipality-code", "1083", "--municipality-name",
                     "Sölvesborg"]) == 0
    con = db.connect(path)
    try:
        assert import_path(con, source).status == "stored"
        table = coverage.monthly(con)
        assert coverage.police_sample(con)
        # About 1.7 events a month from April 2023 to August 2026, single quiet months only: no gap, and the
        # 2026 rows (county-level location, municipality read from the name) fill January–August 2026.
        assert (table["month"].min(), table["month"].max()) == (pd.Timestamp(2023, 4, 1), pd.Timestamp(2026, 8, 1))
        assert table["present"].all()
        last = con.execute("SELECT max(day) FROM incidents").fetchall()[0][0]
        window = Filters(*preset_period("12m", last))
        assert coverage.between(table, window, window.previous_year()) == ""
        later = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))
        assert coverage.between(table, later, later.previous_year()) == "saknar data för sep–dec 2026 (Polisen)"
    finally:
        con.close()

