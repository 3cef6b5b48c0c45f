"""Undo keeps what it removes and restore brings it back exactly; choices are saved only with their import;
every write goes through one door that moves the data version."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from lagesbild import db, queries, register, vocabulary
from lagesbild.demo import areas as demo_areas
from lagesbild.ingest import (
    NEW_CATEGORY,
    ImportOptions,
    UndoRefusedError,
    add_alias,
    add_category,
    consequences,
    import_bytes,
    remember_mapping,
    restore_import,
    undo_import,
)
from lagesbild.ingest.undo import HELD_TABLES
from tests.ingest_helpers import csv_bytes, fingerprint

ROOT = Path(__file__).resolve().parents[1]
HEADER = "Datum;Tid;Brottstyp;N;E;Riskfaktorer;Källa"
ROWS = [
    "2026-03-05;21:40;Skadegörelse;6212000;474300;Bristande belysning, alkohol bland unga;Trygghetsvärdar",
    "2026-03-06;21.40;Klotter;6211500;474000;;felanmälan",
    "2026-03-07;06:05;Misshandel;6212100;474350;Alkoholservering och krogmiljö;Polisen",
]


def snapshot(con, import_id: int) -> tuple[list, list]:
    """Every column of an import's incidents and their risk-factor links."""
    incidents = con.execute("SELECT * FROM incidents WHERE import_id = ? ORDER BY id", [import_id]).fetchall()
    links = con.execute("SELECT * FROM incident_risk_factors WHERE incident_id IN (SELECT id FROM incidents"
                        " WHERE import_id = ?) ORDER BY ALL", [import_id]).fetchall()
    return incidents, links


@pytest.fixture
def real_con(tmp_path):
    """A municipality's own database: vocabularies, the 18 demo areas imported from a boundary file."""
    con = db.connect(tmp_path / "real.duckdb")
    with db.write(con) as cur:
        vocabulary.install(cur)
        db.set_meta(cur, "municipality_code", "1083")
        db.set_meta(cur, "municipality_name", "Sölvesborg")
    frame = demo_areas.build_areas()
    frame["code"] = "1083" + frame["code"].str.replace("-", "")
    boundaries = frame[["code", "name", "geometry"]].to_crs("EPSG:4326").to_json().encode()
    assert import_bytes(con, boundaries, "omraden.geojson").import_id == 1
    yield con
    con.close()


def test_undo_then_restore_brings_back_exactly_the_same_rows(demo_con):
    result = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    before = snapshot(demo_con, result.import_id)
    assert len(before[0]) == 3 and before[1]

    assert undo_import(demo_con, result.import_id, undone_by="anna") == {"incident_risk_factors": 3, "incidents": 3}
    assert snapshot(demo_con, result.import_id) == ([], [])
    restored = restore_import(demo_con, result.import_id, restored_by="anna")

    assert restored == {"incident_risk_factors": 3, "incidents": 3}
    assert snapshot(demo_con, result.import_id) == before  # same ids, natural keys, cell keys: every column
    assert demo_con.execute("SELECT status, restored_by FROM imports WHERE id = ?",
                            [result.import_id]).fetchall() == [("stored", "anna")]
    assert demo_con.execute("SELECT count(*) FROM undone_incidents").fetchall()[0][0] == 0


def test_a_later_import_never_takes_the_ids_an_undone_import_holds(demo_con):
    first = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    held_ids = {row[0] for row in snapshot(demo_con, first.import_id)[0]}
    undo_import(demo_con, first.import_id, undone_by="anna")
    other = import_bytes(demo_con, csv_bytes([HEADER, ROWS[0].replace("2026-03-05", "2026-04-01")]), "b.csv")
    assert {row[0] for row in snapshot(demo_con, other.import_id)[0]}.isdisjoint(held_ids)
    restore_import(demo_con, first.import_id, restored_by="anna")
    assert {row[0] for row in snapshot(demo_con, first.import_id)[0]} == held_ids


def test_restore_is_refused_when_the_rows_were_stored_again(demo_con):
    first = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    undo_import(demo_con, first.import_id, undone_by="anna")
    again = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    assert again.rows_stored == 3
    before = fingerprint(demo_con)
    with pytest.raises(UndoRefusedError, match=f"3 of its incidents are stored again \\(import {again.import_id}\\)"):
        restore_import(demo_con, first.import_id, restored_by="anna")
    assert fingerprint(demo_con) == before


def test_undo_and_restore_refuse_the_wrong_status(demo_con):
    with pytest.raises(UndoRefusedError, match="not undone"):
        restore_import(demo_con, 1, restored_by="anna")
    undo_import(demo_con, 1, undone_by="anna")
    with pytest.raises(UndoRefusedError) as refused:
        undo_import(demo_con, 1, undone_by="anna")
    assert "kan inte ångras: den är ångrad" in refused.value.sv


def test_undoing_areas_says_which_incidents_lose_their_area_and_restore_gives_it_back(real_con):
    lines = ["Datum;Tid;Brottstyp;Område;Källa", "2026-03-05;21:40;Skadegörelse;Falkvik;polisen",
             "2026-03-06;21:40;Klotter;Falkvik;polisen", "2026-03-06;22:40;Klotter;Sölvesborg norra;polisen"]
    incidents = import_bytes(real_con, csv_bytes(lines), "h.csv")
    assert incidents.rows_stored == 3
    placed = real_con.execute("SELECT id, area_id FROM incidents ORDER BY id").fetchall()

    [warning] = consequences(real_con, 1)
    assert warning.sv.startswith("3 händelser i 2 områden förlorar sitt område")
    assert warning.en.startswith("3 incidents in 2 areas lose their area")
    assert consequences(real_con, incidents.import_id) == []

    assert undo_import(real_con, 1, undone_by="anna") == {"areas": 18}
    assert real_con.execute("SELECT count(*) FROM incidents WHERE area_id IS NOT NULL").fetchall()[0][0] == 0
    assert consequences(real_con, 1) == []  # nothing more to say about an undone import
    restore_import(real_con, 1, restored_by="anna")
    assert real_con.execute("SELECT id, area_id FROM incidents ORDER BY id").fetchall() == placed
    assert real_con.execute("SELECT count(*) FROM areas").fetchall()[0][0] == 18


def test_thousands_in_the_warning_are_grouped_the_swedish_way(demo_con):
    lines = ["Datum;Tid;Brottstyp;Område;Källa"] + [
        f"2026-0{1 + n // 600}-{1 + n % 28:02d};{n % 24:02d}:{n % 60:02d};Klotter;Mjällby;polisen"
        for n in range(1234)]
    stored = import_bytes(demo_con, csv_bytes(lines), "m.csv")
    assert stored.rows_stored == 1234
    texts = [c.sv for c in consequences(demo_con, 1)]
    assert any(t.startswith("1\u00a0234 händelser i 1 område förlorar sitt område") for t in texts), texts


def test_undoing_a_population_import_warns_and_restore_brings_the_figures_back(demo_con):
    population = dict(demo_con.execute("SELECT name, population FROM areas").fetchall())
    result = import_bytes(demo_con, csv_bytes(["Område;Befolkning", "Mjällby;2400", "Hällevik;999"]), "bef.csv",
                          ImportOptions(year=2026))
    assert result.rows_stored == 2
    [warning] = consequences(demo_con, result.import_id)
    assert warning.sv.startswith("befolkningen i 2 områden går tillbaka")
    undo_import(demo_con, result.import_id, undone_by="anna")
    assert dict(demo_con.execute("SELECT name, population FROM areas").fetchall()) == population
    restore_import(demo_con, result.import_id, restored_by="anna")
    assert demo_con.execute("SELECT population FROM areas WHERE name = 'Hällevik'").fetchall() == [(999,)]


def test_undoing_edited_interventions_warns(demo_con):
    number = demo_con.execute("SELECT min(id) FROM interventions").fetchall()[0][0]
    register.end(demo_con, number, date(2026, 10, 1), "anna")
    assert any("1 insats har ändrats efter importen" in c.sv for c in consequences(demo_con, 1))


def test_a_refused_import_keeps_no_category_alias_or_mapping(demo_con):
    lines = ["Datum;Brottstyp;Område;Källa", "2026-01-01;Mopedbuskörning;Mjällby;polisen",
             "2026-02-30;Klotter;Mjällby;polisen"]
    before, version = fingerprint(demo_con), queries.data_version(demo_con)
    options = ImportOptions(on_error="reject", mapping={"date": "Datum", "category": "Brottstyp", "area": "Område"},
                            choices={"category": {"Mopedbuskörning": NEW_CATEGORY, "Sprayning": "klotter"}})
    assert import_bytes(demo_con, csv_bytes(lines), "t.csv", options).status == "refused"
    assert fingerprint(demo_con) == before
    assert queries.data_version(demo_con) == version


def test_a_dry_run_keeps_no_choice_but_shows_its_effect(demo_con):
    lines = ["Datum;Brottstyp;Område;Källa", "2026-01-01;Mopedbuskörning;Mjällby;polisen",
             "2026-01-02;Sprayning;Mjällby;polisen", "2026-01-03;Trams;Mjällby;polisen"]
    before, version = fingerprint(demo_con), queries.data_version(demo_con)
    choices = {"category": {"Mopedbuskörning": NEW_CATEGORY, "Sprayning": "klotter", "Trams": None}}
    dry = import_bytes(demo_con, csv_bytes(lines), "t.csv", ImportOptions(dry_run=True, choices=choices))
    assert (dry.rows_stored, dry.unknown, dry.new_categories) == (2, {}, {"Mopedbuskörning": "mopedbuskorning"})
    assert fingerprint(demo_con) == before and queries.data_version(demo_con) == version

    stored = import_bytes(demo_con, csv_bytes(lines), "t.csv", ImportOptions(choices=choices))
    assert stored.rows_stored == 2
    assert demo_con.execute("SELECT c.code FROM incidents i JOIN categories c ON c.id = i.category_id"
                            " WHERE import_id = ? ORDER BY i.day", [stored.import_id]).fetchall() == [
        ("mopedbuskorning",), ("klotter",)]
    assert demo_con.execute("SELECT alias, target_code FROM value_aliases ORDER BY alias").fetchall() == [
        ("mopedbuskörning", "mopedbuskorning"), ("sprayning", "klotter"), ("trams", None)]


def test_a_choice_naming_no_category_is_refused_and_keeps_nothing(demo_con):
    before = fingerprint(demo_con)
    with pytest.raises(ValueError, match="no category with code 'finns_inte'"):
        import_bytes(demo_con, csv_bytes(["Datum;Brottstyp;Område;Källa", "2026-01-01;X;Mjällby;polisen"]), "t.csv",
                     ImportOptions(choices={"category": {"Y": NEW_CATEGORY, "X": "finns_inte"}}))
    assert fingerprint(demo_con) == before


def test_cli_refused_import_with_a_new_category_adds_nothing(demo_db):
    path = demo_db.with_name("refused.csv")
    path.write_bytes(csv_bytes(["Datum;Brottstyp;Område;Källa", "2026-01-01;Mopedbuskörning;Mjällby;polisen",
                                "2026-02-30;Klotter;Mjällby;polisen"]))
    con = db.connect(demo_db)
    before = fingerprint(con)
    con.close()
    ran = subprocess.run([sys.executable, "-m", "lagesbild", "import", str(path), "--db", str(demo_db),
                          "--on-error", "reject", "--map-category", "Mopedbuskörning=+",
                          "--map-category", "Sprayning=klotter"], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "new category" not in ran.stdout
    con = db.connect(demo_db)
    assert fingerprint(con) == before
    con.close()


def test_cli_undo_warns_asks_for_yes_and_restore_brings_it_back(real_con, tmp_path, capsys):
    from lagesbild import cli

    path = tmp_path / "h.csv"
    path.write_bytes(csv_bytes(["Datum;Tid;Brottstyp;Område;Källa", "2026-03-05;21:40;Skadegörelse;Falkvik;polisen"]))
    database = tmp_path / "real.duckdb"
    real_con.close()
    assert cli.main(["import", str(path), "--db", str(database)]) == 0
    capsys.readouterr()

    assert cli.main(["undo", "1", "--db", str(database)]) == 1
    out = capsys.readouterr()
    assert "warning: undoing import 1: 1 incident in 1 area loses its area" in out.err
    assert "--yes" in out.err
    assert cli.main(["undo", "1", "--yes", "--by", "anna", "--db", str(database)]) == 0
    assert "import 1 undone: 18 areas" in capsys.readouterr().out
    assert cli.main(["restore", "1", "--db", str(database)]) == 0
    assert "import 1 restored: 18 areas" in capsys.readouterr().out
    assert cli.main(["undo", "2", "--db", str(database)]) == 0
    assert cli.main(["undo", "2", "--restore", "--db", str(database)]) == 0
    assert cli.main(["restore", "2", "--db", str(database)]) == 1
    assert "is not undone" in capsys.readouterr().err


def test_every_write_moves_the_data_version(demo_con):
    seen = [queries.data_version(demo_con)]

    def moved() -> bool:
        seen.append(queries.data_version(demo_con))
        return seen[-1] > seen[-2]

    result = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    assert moved()
    import_bytes(demo_con, csv_bytes([HEADER, ROWS[0].replace("03-05", "03-09")]), "a.csv",
                 ImportOptions(dry_run=True))
    assert not moved()
    undo_import(demo_con, result.import_id, undone_by="anna")
    assert moved()
    restore_import(demo_con, result.import_id, restored_by="anna")
    assert moved()
    add_alias(demo_con, "category", "Sprayning", "klotter", "anna")
    assert moved()
    add_category(demo_con, "Mopedbuskörning", "anna")
    assert moved()
    remember_mapping(demo_con, "nyckel", "incidents", {"date": "Datum"}, "anna")
    assert moved()
    item = register.load(demo_con, 1)
    number = register.create(demo_con, register.Intervention(**{**item.__dict__, "name": "Ny insats"}), "anna")
    assert moved()
    item.problem = "Ändrat problem"
    register.update(demo_con, number, item, "anna")
    assert moved()
    register.end(demo_con, number, date(2026, 10, 1), "anna")
    assert moved()
    register.delete(demo_con, number, "anna")
    assert moved()


def test_the_write_helper_rolls_back_errors_rollback_and_dry_runs_and_joins_nested_writes(demo_con):
    before, version = fingerprint(demo_con), queries.data_version(demo_con)
    with pytest.raises(RuntimeError), db.write(demo_con) as cur:
        cur.execute("INSERT INTO meta VALUES ('x', '1')")
        raise RuntimeError("boom")
    with db.write(demo_con) as cur:
        cur.execute("INSERT INTO meta VALUES ('x', '1')")
        raise db.Rollback
    with db.write(demo_con, dry_run=True) as cur:
        cur.execute("INSERT INTO meta VALUES ('x', '1')")
    with db.write(demo_con) as cur:
        cur.execute("INSERT INTO meta VALUES ('x', '1')")
        with db.write(demo_con, dry_run=True) as inner:
            assert inner is cur  # nested writes join the outer one; a nested dry run keeps nothing of it
    assert fingerprint(demo_con) == before and queries.data_version(demo_con) == version
    with db.write(demo_con) as cur:
        cur.execute("INSERT INTO meta VALUES ('x', '1')")
        add_alias(demo_con, "category", "Sprayning", "klotter", "anna")
    assert queries.data_version(demo_con) == version + 1  # one write, one move, however many joined it


def test_holding_tables_have_every_column_of_their_live_tables(empty_con):
    def columns(table: str) -> list[tuple]:
        return [row[:2] for row in empty_con.execute("DESCRIBE " + table).fetchall()]

    for table in HELD_TABLES:
        assert columns("undone_" + table) == [*columns(table), ("held_for", "INTEGER")], table


def test_no_transaction_is_begun_or_committed_outside_the_write_helper():
    statement = re.compile(r"""["']\s*(BEGIN|COMMIT|ROLLBACK|ABORT|START\s+TRANSACTION|END\s+TRANSACTION)\b"""
                           r"""|\.(begin|commit|rollback)\(\)""")
    offenders = []
    for path in [*(ROOT / "lagesbild").rglob("*.py"), *(ROOT / "app_pages").glob("*.py"), ROOT / "app.py"]:
        if path == ROOT / "lagesbild" / "db.py":  # the write helper (and the migrations, before `meta` exists)
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if statement.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
