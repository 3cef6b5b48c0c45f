"""Bad input: a clear message naming what is wrong, and the database exactly as before, every time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lagesbild import db
from lagesbild.ingest import ImportOptions, import_bytes
from lagesbild.ingest.guard import luhn_ok, personal_ids_in
from tests.ingest_helpers import csv_bytes, fingerprint, xlsx_bytes

GOOD = ["Datum;Tid;Brottstyp;N;E;Källa", "2026-03-05;21:40;Skadegörelse;6212000;474300;polisen"]


def refused(con, data: bytes, name: str, **options):
    before = fingerprint(con)
    result = import_bytes(con, data, name, ImportOptions(**options))
    assert fingerprint(con) == before, "a refused import changed the database"
    assert result.status == "refused", result.summary()
    return result.refusal


def test_wrong_encoding_utf16_without_bom(demo_con):
    problem = refused(demo_con, "\n".join(GOOD).encode("utf-16-le"), "u16.csv")
    assert problem.code == "not_text"
    assert problem.message("sv").startswith("u16.csv: Filen är inte en textfil")


def test_missing_columns(demo_con):
    problem = refused(demo_con, csv_bytes(["Datum;Plats", "2026-03-05;Torget"]), "saknas.csv", kind="incidents")
    assert problem.code == "missing_column"
    assert "kategori" in problem.message("sv")


def test_bad_dates_and_coordinates_abroad_are_named_row_by_row(demo_con):
    lines = [GOOD[0], "2026-31-12;21:40;Stöld;6212000;474300;polisen", "2026-03-05;25:99;Stöld;6212000;474300;polisen",
             "2026-03-05;10:00;Stöld;52,52;13,40;polisen", "2099-01-01;10:00;Stöld;6212000;474300;polisen"]
    before = fingerprint(demo_con)
    result = import_bytes(demo_con, csv_bytes(lines), "fel.csv", ImportOptions(on_error="reject"))
    assert result.status == "refused" and fingerprint(demo_con) == before
    found = {(p.row, p.column, p.code) for p in result.problems}
    assert (2, "Datum", "bad_date") in found
    assert (3, "Datum", "bad_date") in found  # the time 25:99 makes the date and time unreadable
    assert (4, "E/N", "coordinates_outside_sweden") in found  # Berlin
    assert (5, "Datum", "future_date") in found


@pytest.mark.parametrize("value", ["811218-9876", "198112189876", "19811218-9876", "811278-9873"])
def test_personal_identity_numbers_refuse_the_file(demo_con, value):
    assert personal_ids_in(value)
    lines = ["Datum;Brottstyp;Område;Källa;Anteckning", f"2026-01-01;Stöld;Mjällby;polisen;Kontakt {value}"]
    problem = refused(demo_con, csv_bytes(lines), "pnr.csv")
    assert problem.code == "personal_id"
    assert problem.column == "Anteckning"
    assert value not in problem.message("sv")  # never echoed in full, not even in the message
    assert "personnummer" in problem.message("sv")


def test_numbers_that_are_not_personal_identity_numbers_pass():
    assert not personal_ids_in("2024-03-05")
    assert not personal_ids_in("811218-9875")  # wrong check digit
    assert not personal_ids_in("6212000")
    assert luhn_ok("8112189876")


@pytest.mark.parametrize(("header", "value"), [("Namn", "x"), ("Målsägande", "x"), ("Anmälare", "y"),
                                                 ("Notering", "Anna Andersson")])
def test_names_refuse_the_file(demo_con, header, value):
    lines = [f"Datum;Brottstyp;Område;Källa;{header}"] + [f"2026-01-0{d};Stöld;Mjällby;polisen;{value}"
                                                         for d in range(1, 5)]
    problem = refused(demo_con, csv_bytes(lines), "namn.csv")
    assert problem.code == "personal_name" and problem.column == header


def test_formula_injection_is_stored_nowhere_and_exported_harmless(demo_con):
    lines = [GOOD[0], '2026-03-05;21:40;=cmd|" /C calc"!A0;6212000;474300;polisen']
    result = import_bytes(demo_con, csv_bytes(lines), "formel.csv")
    assert result.rows_stored == 0 and result.rows_rejected == 1
    assert result.problems[0].code == "unknown_category"


def test_truncated_csv_row_is_named(demo_con):
    data = csv_bytes(GOOD + ["2026-03-06;22:00;Stöld;6212000"])  # cut off mid-row
    before = fingerprint(demo_con)
    result = import_bytes(demo_con, data, "avkortad.csv", ImportOptions(on_error="reject"))
    assert result.status == "refused" and fingerprint(demo_con) == before
    assert any(p.code == "short_row" and p.row == 3 for p in result.problems)


def test_truncated_excel_and_json(demo_con):
    workbook = xlsx_bytes([["Datum", "Brottstyp"], ["2026-01-01", "Stöld"]])
    assert refused(demo_con, workbook[: len(workbook) // 2], "halv.xlsx").code == "damaged"
    assert refused(demo_con, b'[{"id": 1, "datetime": "2026-01-01 6:00:00 +01:00", "na', "halv.json").code == "damaged"


def test_empty_and_header_only_files(demo_con):
    assert refused(demo_con, b"", "tom.csv").code == "empty_file"
    assert refused(demo_con, csv_bytes([GOOD[0]]), "rubrik.csv").code == "no_rows"


@pytest.fixture
def small_con(tmp_path):
    """A database with the vocabularies and a municipality, but no incidents: cheap to fingerprint."""
    from lagesbild.cli import main

    path = tmp_path / "small.duckdb"
    assert main(["init", "--db", str(path), "--municipality-code", "1083", "--municipality-name", "Sölvesborg"]) == 0
    con = db.connect(path)
    yield con
    con.close()


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(min_size=0, max_size=3000), suffix=st.sampled_from([".csv", ".txt", ".xlsx", ".json", ".zip",
                                                                         ".geojson", ".gpkg"]))
def test_random_bytes_never_crash_and_never_change_the_database(small_con, data, suffix):
    before = fingerprint(small_con)
    result = import_bytes(small_con, data, "slump" + suffix)
    assert result.status == "refused"
    assert result.refusal.message("sv") and result.refusal.message("en")
    assert fingerprint(small_con) == before


# Runs the CLI import, but stops it at the last moment before COMMIT (every row inserted in the open
# transaction) and says how many incidents that transaction holds, so the kill always lands mid-import.
PAUSED_BEFORE_COMMIT = """
import sys, time
from lagesbild import db
from lagesbild.cli import main

bump = db.bump_data_version

def paused(cur):
    bump(cur)
    print(cur.execute("SELECT count(*) FROM incidents").fetchall()[0][0], flush=True)
    time.sleep(600)

db.bump_data_version = paused
sys.exit(main(["import", "--db", sys.argv[1], sys.argv[2]]))
"""


def test_killing_the_process_mid_import_leaves_the_database_consistent(demo_db, tmp_path):
    rows = [GOOD[0]] + [f"2025-{1 + i % 12:02d}-{1 + i % 28:02d};{i % 24:02d}:{i % 60:02d};Stöld;"
                        f"{6211000 + i % 1999};{473500 + (i * 7) % 2003};polisen" for i in range(3_000)]
    big = tmp_path / "stor.csv"
    big.write_bytes(csv_bytes(rows))
    con = db.connect(demo_db)
    before = con.execute("SELECT count(*) FROM incidents").fetchall()[0][0]
    con.close()
    process = subprocess.Popen([sys.executable, "-c", PAUSED_BEFORE_COMMIT, str(demo_db), str(big)],
                               cwd=Path(__file__).resolve().parents[1], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        inside = process.stdout.readline().strip()
        assert inside == str(before + 3_000), process.stderr.read() if process.poll() is not None else inside
    finally:
        os.kill(process.pid, signal.SIGKILL)  # with every row written and the commit not yet made
        process.wait()
    con = db.connect(demo_db)
    try:
        stored = con.execute("SELECT coalesce(sum(rows_stored), 0) FROM imports WHERE status = 'stored'").fetchall()
        incidents = con.execute("SELECT count(*) FROM incidents").fetchall()
        assert stored == incidents  # either the whole import committed, or none of it
        assert incidents == [(before,)]  # here: none of it
        assert con.execute("SELECT count(*) FROM imports").fetchall()[0][0] == 1
        orphans = con.execute("SELECT count(*) FROM incident_risk_factors l LEFT JOIN incidents i"
                              " ON i.id = l.incident_id WHERE i.id IS NULL").fetchall()[0][0]
        assert orphans == 0
    finally:
        con.close()
