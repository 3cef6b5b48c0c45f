"""The schema is versioned and upgraded in order; nothing is silently broken."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from lagesbild import db


def test_new_database_gets_latest_schema(empty_con):
    assert db.schema_version(empty_con) == db.latest_version()
    tables = {row[0] for row in empty_con.execute("SHOW TABLES").fetchall()}
    assert {"areas", "incidents", "categories", "risk_factors", "sources", "incident_risk_factors",
            "interventions", "intervention_areas", "intervention_risk_factors", "intervention_categories",
            "imports", "schema_version", "meta"} <= tables


def test_reopening_applies_nothing(tmp_path):
    path = tmp_path / "x.duckdb"
    db.connect(path).close()
    con = db.connect(path)
    assert db.migrate(con) == []
    con.close()


@pytest.fixture
def two_migrations(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(db.MIGRATIONS_DIR / "0001_initial.sql", folder / "0001_initial.sql")
    (folder / "0002_area_note.sql").write_text("ALTER TABLE areas ADD COLUMN note VARCHAR;", encoding="utf-8")
    return folder


def test_older_database_is_upgraded_keeping_its_data(tmp_path, two_migrations):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    db.migrate(con, db.load_migrations(two_migrations)[:1])
    con.execute("INSERT INTO meta VALUES ('municipality_name', 'Sölvesborg')")
    assert db.schema_version(con) == 1

    applied = db.migrate(con, db.load_migrations(two_migrations))

    assert applied == [2]
    assert db.schema_version(con) == 2
    assert con.execute("SELECT value FROM meta").fetchall() == [("Sölvesborg",)]
    assert "note" in {row[0] for row in con.execute("DESCRIBE areas").fetchall()}
    con.close()


def test_database_from_a_newer_release_is_refused(tmp_path, two_migrations):
    path = tmp_path / "new.duckdb"
    con = duckdb.connect(str(path))
    db.migrate(con, db.load_migrations(two_migrations))
    with pytest.raises(db.SchemaError, match="newer Lägesbild"):
        db.migrate(con, db.load_migrations(two_migrations)[:1])
    con.close()


def test_failed_migration_leaves_database_as_before(tmp_path, two_migrations):
    (two_migrations / "0002_area_note.sql").write_text(
        "ALTER TABLE areas ADD COLUMN note VARCHAR; SELECT * FROM no_such_table;", encoding="utf-8")
    con = duckdb.connect(str(tmp_path / "f.duckdb"))
    db.migrate(con, db.load_migrations(two_migrations)[:1])
    with pytest.raises(db.SchemaError, match="0002_area_note failed"):
        db.migrate(con, db.load_migrations(two_migrations))
    assert db.schema_version(con) == 1
    assert "note" not in {row[0] for row in con.execute("DESCRIBE areas").fetchall()}
    con.close()


def test_gap_in_migration_numbers_is_an_error(tmp_path, two_migrations):
    (two_migrations / "0002_area_note.sql").rename(two_migrations / "0003_area_note.sql")
    with pytest.raises(db.SchemaError, match="0002 is missing"):
        db.load_migrations(two_migrations)


def test_incidents_are_laid_out_for_filtering(empty_con):
    columns = {row[0]: row[1] for row in empty_con.execute("DESCRIBE incidents").fetchall()}
    # Precomputed local calendar fields and grid cells: filters need no time-zone or spatial functions.
    assert columns["day"] == "DATE"
    assert columns["hour"] == "TINYINT"
    assert columns["weekday"] == "TINYINT"
    assert columns["cell_250"] == "BIGINT"
    assert columns["risk_mask"] == "UBIGINT"
    assert columns["occurred_at"] == "TIMESTAMP WITH TIME ZONE"
