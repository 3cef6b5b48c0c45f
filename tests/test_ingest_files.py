"""Swedish CSV and Excel files as offices send them: formats, columns, places, dedup, undo, mappings."""

from __future__ import annotations

import pytest

from lagesbild import exports, geo
from lagesbild.ingest import ImportOptions, add_alias, import_bytes, undo_import
from lagesbild.ingest.values import parse_datetime, parse_number
from tests.ingest_helpers import csv_bytes, fingerprint, xlsx_bytes

HEADER = "Datum;Tid;Brottstyp;N;E;Riskfaktorer;Källa"
ROWS = [
    "2026-03-05;21:40;Skadegörelse;6212000;474300;Bristande belysning, alkohol bland unga;Trygghetsvärdar",
    "2026-03-06;21.40;Klotter;6211500;474000;;felanmälan",
    "2026-03-07;06:05;Misshandel;6212100;474350;Alkoholservering och krogmiljö;Polisen",
]


def stored_rows(con, result):
    return con.execute("SELECT local_time, hour, category_id, area_id, precision::VARCHAR, risk_mask, source_id, x, y"
                       " FROM incidents WHERE import_id = ? ORDER BY local_time", [result.import_id]).fetchall()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
def test_encodings_and_delimiters(demo_con, encoding, delimiter):
    lines = [HEADER, *ROWS]
    if delimiter == ",":  # a comma file cannot hold "a, b" unquoted
        lines = [line.replace("Bristande belysning, alkohol bland unga", '"Bristande belysning, alkohol bland unga"')
                 for line in lines]
    result = import_bytes(demo_con, csv_bytes(lines, encoding, delimiter), "händelser.csv")
    assert result.status == "stored", result.problems
    assert (result.rows_read, result.rows_stored, result.rows_rejected) == (3, 3, 0)
    rows = stored_rows(demo_con, result)
    assert [r[1] for r in rows] == [21, 21, 6]
    assert rows[0][5] == (1 << 0) | (1 << 8)  # bristande belysning (1) and alkohol bland unga (9)
    assert {r[4] for r in rows} == {"exact"}


def test_wgs84_decimal_comma_either_order_and_sweref_either_order(demo_con):
    lines = [
        "datum;kategori;a;b;källa",
        "2026-01-10 12:00;Stöld;56,0505;14,5840;polisen",       # lat, lon
        "2026-01-11 12:00;Stöld;14,5840;56,0505;polisen",       # lon, lat
        "2026-01-12 12:00;Stöld;6212000;474300;polisen",        # N, E
        "2026-01-13 12:00;Stöld;474300;6212000;polisen",        # E, N
        "2026-01-14 12:00;Stöld;{rt90_x};{rt90_y};polisen",   # RT 90 X (north), Y (east)
    ]
    east, north = geo.transform([474300], [6212000], geo.SWEREF99TM, geo.RT90)
    lines[-1] = lines[-1].format(rt90_x=round(north[0]), rt90_y=round(east[0]))
    result = import_bytes(demo_con, csv_bytes(lines), "pos.csv",
                          ImportOptions(mapping={"coordinates": None, "x": "a", "y": "b"}))
    assert result.status == "stored" and result.rows_stored == 5, result.problems
    rows = stored_rows(demo_con, result)
    assert rows[0][7] == pytest.approx(rows[1][7]) and rows[0][8] == pytest.approx(rows[1][8])
    assert rows[2][7] == pytest.approx(474300) and rows[3][8] == pytest.approx(6212000)
    assert all(r[3] is not None for r in rows)  # each placed in an area by point in polygon
    assert rows[4][7] == pytest.approx(474300, abs=1) and rows[4][8] == pytest.approx(6212000, abs=1)


def test_area_only_rows_get_area_precision_and_no_point(demo_con):
    lines = ["Datum;Händelsetyp;Område;Källa", "2026-02-01;Inbrott;Mjällby;polisen", "2026-02-02;Inbrott;SBG-F;polisen"]
    result = import_bytes(demo_con, csv_bytes(lines), "omr.csv")
    assert result.rows_stored == 2
    rows = stored_rows(demo_con, result)
    assert {r[4] for r in rows} == {"area"}
    assert all(r[7] is None for r in rows)
    assert rows[0][1] is None  # no time given: the hour is unknown, not midnight


def test_english_headers_and_swedish_dates(demo_con):
    lines = ["date,time,type,latitude,longitude,source", "05/03/2026,21:40,Assault-like,56.05,14.58,polisen"]
    result = import_bytes(demo_con, csv_bytes(lines, delimiter=","), "en.csv")
    assert result.rows_rejected == 1
    assert result.unknown == {"category": {"Assault-like": 1}}
    add_alias(demo_con, "category", "Assault-like", "misshandel", "test")
    again = import_bytes(demo_con, csv_bytes(lines, delimiter=","), "en.csv")
    assert again.rows_stored == 1
    assert str(stored_rows(demo_con, again)[0][0]) == "2026-03-05 21:40:00"  # 5 March, Swedish order


def test_excel_workbook(demo_con):
    from datetime import datetime

    data = xlsx_bytes([["Datum", "Klockslag", "Brottstyp", "Lat", "Lon", "Källa"],
                       [datetime(2026, 4, 1, 22, 30), None, "Narkotikabrott", 56.0508, 14.5842, "Polisen"],
                       ["2026-04-02", "23:15", "Misshandel", "56,0508", "14,5842", "Polisen"]])
    result = import_bytes(demo_con, data, "rapport.xlsx")
    assert result.status == "stored" and result.rows_stored == 2, result.problems
    assert [r[1] for r in stored_rows(demo_con, result)] == [22, 23]


def test_same_file_again_and_overlapping_file_store_no_duplicates(demo_con):
    first = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    again = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    overlap = import_bytes(demo_con, csv_bytes([HEADER, ROWS[2], ROWS[2].replace("2026-03-07", "2026-03-08")]),
                           "b.csv")
    assert (first.rows_stored, again.rows_stored, again.rows_duplicate) == (3, 0, 3)
    assert (overlap.rows_stored, overlap.rows_duplicate) == (1, 1)
    assert "fanns redan" in again.summary("sv")


def test_external_ids_deduplicate_across_files(demo_con):
    lines = ["Ärendenummer;Datum;Brottstyp;Område;Källa", "K-1;2026-01-01;Stöld;Mjällby;polisen"]
    changed = ["Ärendenummer;Datum;Brottstyp;Område;Källa", "K-1;2026-01-01;Inbrott;Mjällby;polisen"]
    assert import_bytes(demo_con, csv_bytes(lines), "x.csv").rows_stored == 1
    assert import_bytes(demo_con, csv_bytes(changed), "y.csv").rows_duplicate == 1  # same source + id


def test_dry_run_writes_nothing(demo_con):
    before = fingerprint(demo_con)
    result = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv", ImportOptions(dry_run=True))
    assert (result.status, result.rows_stored) == ("dry-run", 3)
    assert fingerprint(demo_con) == before


def test_reject_mode_refuses_a_file_with_any_bad_row(demo_con):
    before = fingerprint(demo_con)
    result = import_bytes(demo_con, csv_bytes([HEADER, *ROWS, "2026-02-30;10:00;Stöld;6212000;474300;;polisen"]),
                          "a.csv", ImportOptions(on_error="reject"))
    assert result.status == "refused"
    assert fingerprint(demo_con) == before
    skip = import_bytes(demo_con, csv_bytes([HEADER, *ROWS, "2026-02-30;10:00;Stöld;6212000;474300;;polisen"]),
                        "a.csv")
    assert (skip.rows_stored, skip.rows_rejected) == (3, 1)
    problem = skip.problems[0]
    assert (problem.row, problem.column, problem.value, problem.code) == (5, "Datum", "2026-02-30", "bad_date")
    assert problem.message("sv") == "a.csv, rad 5, kolumn 'Datum', värde '2026-02-30': Datumet går inte att tolka."


def test_undo_removes_exactly_that_import(demo_con):
    before = fingerprint(demo_con)
    result = import_bytes(demo_con, csv_bytes([HEADER, *ROWS]), "a.csv")
    removed = undo_import(demo_con, result.import_id, undone_by="test")
    assert removed == {"incident_risk_factors": 3, "incidents": 3}
    status = demo_con.execute("SELECT status, undone_by FROM imports WHERE id = ?", [result.import_id]).fetchall()
    assert status == [("undone", "test")]
    demo_con.execute("DELETE FROM imports WHERE id = ?", [result.import_id])
    assert fingerprint(demo_con) == before
    with pytest.raises(Exception, match="undo|ångras"):
        undo_import(demo_con, result.import_id, undone_by="test")


def test_remembered_mapping_for_the_next_file_from_the_same_source(demo_con):
    lines = ["När;Vad;Var;Från", "2026-05-01 20:00;Stöld;Mjällby;polisen"]
    refused = import_bytes(demo_con, csv_bytes(lines), "egen.csv", ImportOptions(kind="incidents"))
    assert refused.status == "refused" and refused.refusal.code == "missing_column"
    mapping = {"date": "När", "category": "Vad", "area": "Var", "source": "Från"}
    first = import_bytes(demo_con, csv_bytes(lines), "egen.csv", ImportOptions(kind="incidents", mapping=mapping))
    assert first.rows_stored == 1
    later = import_bytes(demo_con, csv_bytes([lines[0], "2026-05-02 20:00;Stöld;Mjällby;polisen"]), "egen2.csv",
                         ImportOptions(kind="incidents"))
    assert later.status == "stored" and later.rows_stored == 1


def test_free_text_is_not_stored(demo_con):
    lines = ["Datum;Brottstyp;Område;Källa;Beskrivning", "2026-01-01;Stöld;Mjällby;polisen;Cykel stulen vid skolan"]
    result = import_bytes(demo_con, csv_bytes(lines), "t.csv")
    assert demo_con.execute("SELECT description FROM incidents WHERE import_id = ?",
                            [result.import_id]).fetchall() == [(None,)]


def test_rejected_rows_export_is_excel_safe(demo_con):
    lines = [HEADER, "2026-03-05;21:40;=HYPERLINK(\"http://x\");6212000;474300;;polisen"]
    result = import_bytes(demo_con, csv_bytes(lines), "a.csv")
    table = exports.rejected_rows(None, result.problems)
    data = exports.excel_csv(table)
    assert data.startswith("\ufeff".encode())
    from lagesbild.ingest import read_table

    full = exports.rejected_rows(read_table(csv_bytes(lines), "a.csv"), result.problems)
    text = exports.excel_csv(full).decode("utf-8-sig")
    assert "\"'=HYPERLINK" in text  # quoted by the CSV writer, neutralised by the apostrophe
    assert "\n=" not in text and ";=" not in text


@pytest.mark.parametrize(("text", "expected"), [
    ("1 234,5", 1234.5), ("1\u00a0234,5", 1234.5), ("56,0512", 56.0512), ("56.0512", 56.0512),
    ("1.234,5", 1234.5), ("-3", -3.0), ("..", None), ("-", None), ("", None),
])
def test_numbers(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize(("text", "expected", "has_time"), [
    ("2024-03-05 21:40", "2024-03-05 21:40:00", True),
    ("2024-03-05T21:40:00", "2024-03-05 21:40:00", True),
    ("2024-03-05", "2024-03-05 00:00:00", False),
    ("05/03/2024 6:33", "2024-03-05 06:33:00", True),
    ("5.3.2024", "2024-03-05 00:00:00", False),
    ("2024-03-05 21:40:12 +01:00", "2024-03-05 21:40:12", True),
    ("2024-07-05 04:40:12 +00:00", "2024-07-05 06:40:12", True),  # to Stockholm summer time
])
def test_dates(text, expected, has_time):
    value, known = parse_datetime(text)
    assert (str(value), known) == (expected, has_time)


def test_boundary_in_a_local_zone_without_crs_is_asked_for(demo_con):
    import json

    import shapely

    from lagesbild.demo import areas as demo_areas

    square = shapely.box(474000, 6211500, 475000, 6212500)  # SWEREF 99 TM, in the town
    x, y = geo.transform(*shapely.get_coordinates(square).T, geo.SWEREF99TM, "EPSG:3012")
    local = shapely.Polygon(zip(x, y, strict=True))
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"kod": "1083X01", "namn": "Testområde"},
         "geometry": json.loads(shapely.to_geojson(local))}]}
    data = json.dumps(document).encode()
    before = fingerprint(demo_con)
    asked = import_bytes(demo_con, data, "lokal.geojson")
    assert asked.status == "refused" and asked.refusal.code == "crs_unknown"
    assert fingerprint(demo_con) == before
    result = import_bytes(demo_con, data, "lokal.geojson", ImportOptions(crs="EPSG:3012", division="Test"))
    assert result.rows_stored == 1, result.summary()
    km2, lat = demo_con.execute("SELECT area_km2, centroid_lat FROM areas WHERE code = '1083X01'").fetchall()[0]
    assert km2 == pytest.approx(1.0, rel=1e-3) and 56.0 < lat < 56.1
    assert demo_areas.outline_sweref().contains(square)


def test_new_category_on_purpose_and_free_text_when_configured(demo_con):
    from lagesbild.ingest import add_category

    lines = ["Datum;Brottstyp;Område;Källa;Beskrivning", "2026-01-01;Mopedbuskörning;Mjällby;polisen;Vid torget"]
    assert import_bytes(demo_con, csv_bytes(lines), "t.csv").unknown == {"category": {"Mopedbuskörning": 1}}
    code = add_category(demo_con, "Mopedbuskörning", "test")
    assert code == "mopedbuskorning"
    result = import_bytes(demo_con, csv_bytes(lines), "t.csv", ImportOptions(store_free_text=True))
    assert result.rows_stored == 1
    assert demo_con.execute("SELECT c.label, i.description FROM incidents i JOIN categories c ON c.id = i.category_id"
                            " WHERE import_id = ?", [result.import_id]).fetchall() == [("Mopedbuskörning", "Vid torget")]


def test_undoing_the_demo_leaves_an_empty_real_database(demo_con):
    from lagesbild import queries

    assert queries.is_synthetic(demo_con)
    removed = undo_import(demo_con, 1, undone_by="test")
    assert removed["incidents"] > 20_000 and removed["areas"] == 18 and removed["interventions"] >= 15
    assert not queries.is_synthetic(demo_con)
    assert demo_con.execute("SELECT count(*) FROM incidents").fetchall()[0][0] == 0
