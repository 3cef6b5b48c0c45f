"""The columnar import gives exactly the rows the row-by-row import gave; ids come from sequences.

The expected rows below were computed by hand (minutes since 1970 on the wall clock, 10 m squares, SCB cells)
and checked against the import as it was before it read files column by column.
"""

from __future__ import annotations

import sys
from datetime import date, datetime

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lagesbild import db, register, vocabulary
from lagesbild.ingest import add_category, guard, import_bytes, restore_import, tables, undo_import
from lagesbild.ingest.store import next_free_id
from lagesbild.ingest.values import WHITESPACE
from tests.ingest_helpers import csv_bytes

SHAPES = [
    "Datum;Tid;Brottstyp;N;E;Område;Riskfaktorer;Källa;Ärende",
    "2026-03-05;21:40;Skadegörelse;6211579,8;474539,4;;Bristande belysning;Polisen;",     # SWEREF, decimal comma
    "2026-03-05;21:40;Skadegörelse;6211579,8;474539,4;;Bristande belysning;Polisen;",     # the same event again
    "2026-03-06;;Klotter;;;SBG-N;Bristande belysning, skymd sikt och igenvuxen vegetation;Felanmälan;",  # area
    "2026-03-07;21:41;Skadegörelse;56,0512;14,5802;;;Polisen;",                           # WGS84, lat first
    "2026-03-08;06.05;Cykelstöld;;;Sölvesborg centrum;;Trygghetsvärdar;ABC 17",           # an id, area by name
    "2026-03-09;07:00;Cykelstöld;;;SBG-C;;Trygghetsvärdar; abc17",                        # the same id again
    "9/3/2026;22.15;Misshandel;6212100;474350;;;Polisen;",                                # Swedish date
    "2026-03-29;02:30;Klotter;6212000;474300;;;Polisen;",                                  # the hour that never was
    "2026-03-10;21:00;Okänd sak;;;SBG-N;;Polisen;",                                        # unknown category
    "",                                                                                    # a blank line
    "2026-03-11 20:00;;Rån;6212010,0;474310,0;;;Skola;",                                   # time in the date
]


def minute(*wall: int) -> int:
    """Minutes since 1970 on the Stockholm wall clock, as natural keys count them."""
    return int((datetime(*wall) - datetime(1970, 1, 1)).total_seconds() // 60)


# (id after the demo's last, source, external id, local time, hour, weekday, category, area code, x, y,
#  cell_250, cell_1k, precision, risk mask, natural key)
EXPECTED = [
    (1, 1, None, datetime(2026, 3, 5, 21, 40), 21, 4, 8, "SBG-C", 474539.4, 6211579.8, 4745006211500,
     4740006211000, "exact", 1, f"p:1:{minute(2026, 3, 5, 21, 40)}:8:47454:621158"),
    (2, 5, None, datetime(2026, 3, 6), None, 5, 9, "SBG-N", None, None, None, None, "area", 3,
     f"p:5:{minute(2026, 3, 6)}:9:a3"),
    (3, 1, None, datetime(2026, 3, 7, 21, 41), 21, 6, 8, "SBG-C", 473852.704, 6211857.494, 4737506211750,
     4730006211000, "exact", 0, f"p:1:{minute(2026, 3, 7, 21, 41)}:8:47385:621185"),
    (4, 2, "ABC 17", datetime(2026, 3, 8, 6, 5), 6, 7, 6, "SBG-C", None, None, None, None, "area", 0, "s2:abc17"),
    (5, 1, None, datetime(2026, 3, 9, 22, 15), 22, 1, 1, "SBG-C", 474350.0, 6212100.0, 4742506212000,
     4740006212000, "exact", 0, f"p:1:{minute(2026, 3, 9, 22, 15)}:1:47435:621210"),
    (6, 1, None, datetime(2026, 3, 29, 3, 30), 3, 7, 9, "SBG-C", 474300.0, 6212000.0, 4742506212000,
     4740006212000, "exact", 0, f"p:1:{minute(2026, 3, 29, 3, 30)}:9:47430:621200"),
    (7, 3, None, datetime(2026, 3, 11, 20, 0), 20, 3, 2, "SBG-C", 474310.0, 6212010.0, 4742506212000,
     4740006212000, "exact", 0, f"p:3:{minute(2026, 3, 11, 20)}:2:47431:621201"),
]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
def test_a_file_of_many_shapes_stores_exactly_these_rows(demo_con, encoding):
    last = demo_con.execute("SELECT max(id) FROM incidents").fetchall()[0][0]
    data = "\r\n".join(SHAPES).encode(encoding)
    result = import_bytes(demo_con, data, "handelser.csv")
    assert (result.rows_read, result.rows_stored, result.rows_duplicate, result.rows_rejected) == (10, 7, 2, 1)
    assert result.times_adjusted == 1
    assert [p.message("en") for p in result.problems] == [
        "handelser.csv, row 10, column 'Brottstyp', value 'Okänd sak': Unknown category; map it onto an existing "
        "one or add it."]
    stored = demo_con.execute(
        "SELECT i.id - ?, source_id, external_id, local_time, hour, weekday, category_id, a.code, round(x, 3),"
        " round(y, 3), cell_250, cell_1k, CAST(precision AS VARCHAR), risk_mask, natural_key FROM incidents i"
        " LEFT JOIN areas a ON a.id = i.area_id WHERE i.import_id = ? ORDER BY i.id", [last, result.import_id],
    ).fetchall()
    assert stored == EXPECTED
    days = demo_con.execute("SELECT day = CAST(local_time AS DATE) AND occurred_at = timezone('Europe/Stockholm',"
                            " local_time) FROM incidents WHERE import_id = ?", [result.import_id]).fetchall()
    assert days == [(True,)] * 7
    links = demo_con.execute("SELECT incident_id - ?, risk_factor_id FROM incident_risk_factors WHERE incident_id > ?"
                             " ORDER BY ALL", [last, last]).fetchall()
    assert links == [(1, 1), (2, 1), (2, 2)]
    again = import_bytes(demo_con, data, "handelser.csv")
    assert (again.rows_stored, again.rows_duplicate, again.rows_rejected) == (0, 9, 1)


def test_whitespace_is_what_python_calls_space():
    assert "".join(chr(code) for code in range(sys.maxunicode + 1) if chr(code).isspace()) == WHITESPACE


COLUMNAR_TEXTS = {
    "plain": "A;B;C\r\n1;2;3\r\n4; 5 ;6\r\n",
    "blank and padded lines": "\n\nA;B;C\n\n1;2;3\n;;\n A ; B ; C \n4;\u00a05\u3000;6\n\n",
    "repeated header": "A;B;C\n1;2;3\nA;B;C\n4;5;6",
    "quoted fields": 'A;B;C\r\n"1;x";"say ""hi""";3\r\n"";5;""\r\n',
    "lone carriage returns": "A;B;C\r1;2;3\r4;5;6\r",
    "trailing empty columns": "A;B;C;;\n1;2;3;;\n4;5;6;;\n",
    "tabs": "A\tB\tC\n1\t2\t3\n",
    "spaces Python strips": "A;B;C\n\x1c1\x85;\u20282\u2029;\x0b3\x0c\n",
}


@pytest.mark.parametrize("text", COLUMNAR_TEXTS.values(), ids=COLUMNAR_TEXTS.keys())
def test_the_column_reader_reads_what_pythons_csv_reads(text):
    delimiter = tables.sniff_delimiter(text)
    fast = tables._read_columns(text, delimiter, "f.csv", "utf-8")
    careful = tables._read_rows(text, delimiter, "f.csv", "utf-8")
    assert fast is not None, "this text should not need Python's csv"
    assert (fast.headers, fast.rows, fast.row_numbers) == (careful.headers, careful.rows, careful.row_numbers)


@pytest.mark.parametrize("text", [
    "A;B;C\n1;2\n",                       # a short row: named by the careful reader
    'A;B;C\n1;"2"x;3\n',                  # a quote inside a field
    'A;B;C\n1;"2\n3";4\n',                # a field over two lines
    "A;B;C\n1;" + "x" * 40_000 + ";3\n",  # a cell past Excel's limit
])
def test_text_the_column_reader_cannot_vouch_for_goes_to_pythons_csv(text):
    assert tables._read_columns(text, ";", "f.csv", "utf-8") is None


_PIECES = [*"0123456789 -+.,:/\n", "\u00a0", "\u2009", "\u2013", "\u3000", "\uff11", "\u212a", "\u0130", "\u017f", "Ö",
           "å", "Anna", "ANNA", "Svensson", "per", "Karl", "ali", "Hassan", "gatan", "811218-9876", "19811218 9876",
           "81 12 18-98 76"]
_TRICKY = st.lists(st.sampled_from(_PIECES), max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_TRICKY, min_size=1, max_size=6))
def test_the_guards_first_looks_never_miss_what_the_python_checks_flag(values):
    column = pa.array(values, pa.string())
    suspect = pc.or_(pc.match_substring_regex(column, guard._ID_HINT_RE2),
                     pc.match_substring_regex(column, guard._FIRST_NAME_RE2)).to_pylist()
    for value, looked in zip(values, suspect, strict=True):
        for mode in (guard.PLACE, guard.TEXT):
            if guard.value_reason(value, mode) is not None:
                assert looked, value


def test_ids_continue_after_undo_and_restore_and_are_never_given_twice(demo_con):
    rows = ["Datum;Tid;Brottstyp;N;E;Källa", "2026-03-05;21:40;Klotter;6212000;474300;Polisen",
            "2026-03-06;21:40;Klotter;6212010;474310;Polisen"]
    last = demo_con.execute("SELECT max(id) FROM incidents").fetchall()[0][0]
    first = import_bytes(demo_con, csv_bytes(rows), "a.csv")
    ids = lambda number: [r[0] for r in demo_con.execute(  # noqa: E731
        "SELECT id FROM incidents WHERE import_id = ? ORDER BY id", [number]).fetchall()]
    assert ids(first.import_id) == [last + 1, last + 2]
    undo_import(demo_con, first.import_id, undone_by="anna")
    second = import_bytes(demo_con, csv_bytes([rows[0], rows[1].replace("05", "07")]), "b.csv")
    assert second.import_id == first.import_id + 1
    assert ids(second.import_id) == [last + 3]
    undo_import(demo_con, second.import_id, undone_by="anna")
    restore_import(demo_con, first.import_id, restored_by="anna")
    assert ids(first.import_id) == [last + 1, last + 2]
    third = import_bytes(demo_con, csv_bytes([rows[0], rows[1].replace("05", "09")]), "c.csv")
    assert ids(third.import_id) == [last + 4]  # the id held by the undone second import stays its own
    assert third.import_id == second.import_id + 1


def test_migration_0010_starts_each_sequence_after_the_ids_in_use(tmp_path):
    path = tmp_path / "v9.duckdb"
    old = duckdb.connect(str(path))
    db.migrate(old, db.load_migrations()[:9])
    old.execute("BEGIN")
    vocabulary.install(old)
    old.execute("INSERT INTO categories VALUES (40, 'egen', 'Egen', 'Övrigt', 1.0)")
    old.execute("INSERT INTO imports (id, file_name, sha256, kind, imported_by, imported_at, status)"
                " VALUES (7, 'x.csv', 'x', 'incidents', 'anna', now(), 'stored')")
    old.execute("INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id,"
                " precision, import_id, natural_key) VALUES (120, 1, now(), now(), today(), 1, 1, 1, 'area', 7, 'k')")
    old.execute("INSERT INTO undone_incidents (id, source_id, occurred_at, local_time, day, hour, weekday,"
                " category_id, precision, import_id, natural_key, held_for) VALUES (300, 1, now(), now(), today(),"
                " 1, 1, 1, 'area', 7, 'k2', 7)")
    old.execute("INSERT INTO interventions (id, name, kind, status, start_date, responsible)"
                " VALUES (12, 'Vandring', 'Trygghetsvandring', 'pågående', DATE '2026-01-01', ['kommunen'])")
    old.execute("INSERT INTO intervention_log VALUES (55, 12, now(), 'anna', 'skapad', '{}')")
    old.execute("INSERT INTO areas (id, code, name, kind, division, population, area_km2, geojson, centroid_lon,"
                " centroid_lat) VALUES (5, 'A1', 'Centrum', 'district', 'egen', 10, 1.0, '{}', 14.5, 56.0)")
    old.execute("COMMIT")
    old.close()

    con = db.connect(path)  # migrates to the newest version
    try:
        with db.write(con) as cur:
            assert next_free_id(cur, "incidents", 0) == 301  # past the held row too
            assert next_free_id(cur, "imports") == 8
            assert next_free_id(cur, "areas", 3) == 6
            assert next_free_id(cur, "areas") == 9
        code = add_category(con, "Nedskräpning vid bad", "anna")
        assert con.execute("SELECT id FROM categories WHERE code = ?", [code]).fetchall() == [(41,)]
        number = register.create(con, register.Intervention(
            name="Belysning", kind="Belysning", start=date(2026, 2, 1), area_codes=["A1"], responsible=["kommunen"],
            status="pågående"), "anna")
        assert number == 13
        assert con.execute("SELECT max(id) FROM intervention_log").fetchall() == [(56,)]
    finally:
        con.close()


def test_a_new_database_gives_ids_from_one_and_categories_after_the_standard_ones(empty_con):
    with db.write(empty_con) as cur:
        vocabulary.install(cur)
        assert next_free_id(cur, "incidents", 0) == 1
        assert next_free_id(cur, "imports") == 1
    code = add_category(empty_con, "Nedskräpning vid bad", "anna")
    assert empty_con.execute("SELECT id FROM categories WHERE code = ?", [code]).fetchall() == [
        (max(c.id for c in vocabulary.CATEGORIES) + 1,)]
