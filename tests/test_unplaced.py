"""Events without a place are visible (issue 14, item 2): counted for the filters, named on every page that maps
or ranks areas, and a ranking of areas that all tie at 0 is not shown as a numbered list."""

from __future__ import annotations

import json
from datetime import date

import pytest

from lagesbild import db, maps, overview, priorities, queries, snapshots
from lagesbild.cli import main as cli_main
from lagesbild.filters import Filters
from lagesbild.ingest import ImportOptions, import_bytes
from lagesbild.protect import STAFF, Disclosure
from lagesbild.view import View
from tests.test_app import start
from tests.test_gazetteer import _event, _planted_areas

PERIOD = Filters(date(2026, 1, 1), date(2026, 10, 31))


def _database(path, summaries: list[str]):
    assert cli_main(["init", "--db", str(path), "--municipality-code", "2081", "--municipality-name",
                     "Borlänge"]) == 0
    con = db.connect(path)
    _planted_areas(con)
    events = [_event(n, text) | {"datetime": "2026-06-05 10:00:00 +02:00"}  # within the app's default period
              for n, text in enumerate(summaries, start=1)]
    assert import_bytes(con, json.dumps(events).encode(), "e.json", ImportOptions()).rows_stored == len(summaries)
    return con


@pytest.fixture
def all_unplaced(tmp_path):
    con = _database(tmp_path / "b.duckdb", [f"Inbrott nummer {n}." for n in range(12)])
    yield con
    con.close()


def test_unplaced_count_and_note(tmp_path):
    con = _database(tmp_path / "b.duckdb", ["Inbrott vid Kupolen.", "Inbrott.", "Stöld.", "Stöld igen."])
    try:
        assert queries.unplaced(con, PERIOD)[0] == 3
        assert queries.unplaced(con, Filters(date(2025, 1, 1), date(2025, 12, 31)))[0] == 0
        assert overview.unplaced_note(con, PERIOD, STAFF).startswith("3 händelser saknar plats")
        assert overview.unplaced_note(con, Filters(date(2025, 1, 1), date(2025, 12, 31)), STAFF) == ""
        assert overview.unplaced_note(con, PERIOD, Disclosure(viewer=True)).startswith("<5 händelser saknar plats")
        ranking = priorities.rank(con, PERIOD)
        assert any(note.startswith("3 händelser saknar plats") for note in ranking.notes)
        assert ranking.table["rank"].tolist()[0] == 1  # one placed event: that area first
        shown = maps.build(con, View(filters=PERIOD), STAFF)
        assert any(note.startswith("3 händelser saknar plats") for note in shown.notes)
    finally:
        con.close()


def test_a_ranking_of_ties_at_zero_is_no_ranking(all_unplaced):
    ranking = priorities.rank(all_unplaced, PERIOD)
    assert ranking.table.empty
    assert ranking.notes[0] == priorities.TOO_LITTLE_PLACED
    assert ranking.notes[1].startswith("12 händelser saknar plats")


@pytest.mark.parametrize("page", ["app_pages/oversikt.py", "app_pages/karta.py", "app_pages/prioritering.py"])
def test_pages_say_how_many_have_no_place(app_env, tmp_path, all_unplaced, page):
    all_unplaced.close()
    snapshots.publish(tmp_path / "b.duckdb")  # the app reads the newest published snapshot
    app_env(tmp_path / "b.duckdb")
    at = start(None if page.endswith("oversikt.py") else page)
    assert not at.exception
    texts = [e.value for e in (*at.caption, *at.info, *at.warning, *at.markdown)]
    # Without accounts the app shows what a viewer sees: the count is protected (moved, or "<5").
    assert any("händelser saknar plats" in t for t in texts), "\n".join(texts)
    if page.endswith("prioritering.py"):
        assert any(priorities.TOO_LITTLE_PLACED in t for t in texts)
        assert not any("1:a högst" in t for t in texts)
