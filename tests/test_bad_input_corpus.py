"""A corpus of bad input for the import pipeline: each entry is a small file made here and the outcome it must get.

Three outcomes: the whole file refused (nothing stored, the database exactly as before), rows rejected one by
one (run with on_error='reject' so the database must stay unchanged too), or stored with times adjusted and
counted. Every problem names the file and speaks Swedish and English; no entry may raise.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from lagesbild import db, geo
from lagesbild.ingest import ImportOptions, import_bytes
from lagesbild.ingest.limits import MAX_CELL_CHARS, MAX_UNCOMPRESSED_BYTES
from tests.ingest_helpers import csv_bytes, fingerprint, xlsx_bytes

HEADER = "Datum;Tid;Brottstyp;N;E;Källa"
ROW = "2026-03-05;21:40;Skadegörelse;6212000;474300;polisen"


def table(*rows: str) -> bytes:
    return csv_bytes([HEADER, *rows])


def police(**changes) -> bytes:
    event = {"id": 501, "datetime": "2026-03-05 21:50:12 +01:00", "name": "05 mars 21.40, Skadegörelse, Sölvesborg",
             "summary": "Fönster krossat.", "url": "/aktuellt/1", "type": "Skadegörelse",
             "location": {"name": "Sölvesborg", "gps": "56.05,14.58"}}
    event.update(changes)
    return json.dumps([event], ensure_ascii=False).encode()


def nested_zip(depth: int) -> bytes:
    data = b'{"type": "FeatureCollection", "features": []}'
    name = "omr.geojson"
    for level in range(depth):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, data)
        data, name = buffer.getvalue(), f"niva{level}.zip"
    return data


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("omr.geojson", "w") as member:
        chunk = b" " * (1 << 20)
        for _ in range(MAX_UNCOMPRESSED_BYTES // len(chunk) + 2):
            member.write(chunk)
    return buffer.getvalue()


def xlsx_sheets(*sheets: tuple[str, list[list], str]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, rows, state in sheets:
        sheet = workbook.create_sheet(title)
        sheet.sheet_state = state
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def square_geojson(code: str, lon: float, lat: float, population: int | None = None) -> bytes:
    d = 0.01
    ring = [[lon, lat], [lon + d, lat], [lon + d, lat + d], [lon, lat + d], [lon, lat]]
    properties = {"deso": code, "kommun": "1083", "namn": code}
    if population is not None:
        properties["befolkning"] = population
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": properties, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}).encode()


def huge_cell_xlsx(chars: int) -> bytes:
    """An .xlsx whose one text cell holds `chars` characters (openpyxl itself would cut it at 32 767)."""
    small = xlsx_bytes([XLSX_HEADER, XLSX_ROW[:2] + ["PLATSHALLARE"] + XLSX_ROW[3:]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item)
            if b"PLATSHALLARE" in content:
                head, tail = content.split(b"PLATSHALLARE")
                with target.open(item.filename, "w") as member:
                    member.write(head)
                    left = chars
                    while left:
                        member.write(b"x" * min(left, 1 << 20))
                        left -= min(left, 1 << 20)
                    member.write(tail)
            else:
                target.writestr(item, content)
    return buffer.getvalue()


@dataclass(frozen=True)
class Case:
    id: str
    name: str
    make: Callable[[], bytes]
    outcome: str               # refused, rejected, stored
    code: str | None = None    # the refusal's or the row problem's reason code
    row: int | None = None
    column: str | None = None
    check: Callable | None = None  # more checks on the result


XLSX_HEADER = HEADER.split(";")
XLSX_ROW = ["2026-03-05", "21:40", "Skadegörelse", 6212000, 474300, "polisen"]

CORPUS = [
    # 1: a field past Python csv's 131 072 limit, and one past the cell limit but below csv's
    Case("field-past-csv-limit", "lang.csv", lambda: table(ROW.replace("Skadegörelse", "x" * 200_000)),
         "refused", "cell_too_long", 2, "Brottstyp"),
    Case("field-past-cell-limit", "lang2.csv", lambda: table(ROW, ROW.replace("polisen", "y" * (MAX_CELL_CHARS + 1))),
         "refused", "cell_too_long", 3, "Källa"),
    Case("header-past-cell-limit", "rubrik.csv", lambda: csv_bytes([HEADER + ";" + "z" * 150_000, ROW]),
         "refused", "cell_too_long", 1),
    # 2: JSON nested 100 000 deep
    Case("json-deep-lists", "djup.json", lambda: b"[" * 100_000 + b"]" * 100_000, "refused", "too_deep"),
    Case("json-deep-objects", "djup2.json", lambda: b'{"a":' * 100_000 + b"1" + b"}" * 100_000, "refused",
         "too_deep"),
    # 3: zips nested 150 deep, and a zip bomb
    Case("zip-150-deep", "djup.zip", lambda: nested_zip(150), "refused", "archive_too_deep"),
    Case("zip-bomb", "bomb.zip", zip_bomb, "refused", "archive_too_large"),
    # 4: implausible populations
    Case("population-overflow", "bef.csv", lambda: csv_bytes(["Område;Befolkning 2024", "Mjällby;99999999999"]),
         "rejected", "implausible_population", 2, "Befolkning 2024"),
    Case("population-without-year", "bef.csv", lambda: csv_bytes(["Område;Befolkning", "Mjällby;1200"]),
         "refused", "no_year", None, "Befolkning"),
    Case("population-overflow-in-boundaries", "bef.geojson",
         lambda: square_geojson("1083A0001", 14.55, 56.04, 99_999_999_999), "refused", "implausible_population", 1,
         "befolkning"),
    # 5: police JSON with wrong types
    Case("police-location-string", "p1.json", lambda: police(location="Sölvesborg"), "rejected", "wrong_type", 1,
         "location"),
    Case("police-location-list", "p2.json", lambda: police(location=["Sölvesborg"]), "rejected", "wrong_type", 1,
         "location"),
    Case("police-location-name-number", "p3.json", lambda: police(location={"name": 1083, "gps": "1,2"}),
         "rejected", "wrong_type", 1, "location.name"),
    Case("police-name-object", "p4.json", lambda: police(name={"x": 1}, location={"name": "Blekinge län"}),
         "rejected", "wrong_type", 1, "name"),
    Case("police-type-list", "p5.json", lambda: police(type=["Skadegörelse"]), "rejected", "wrong_type", 1, "type"),
    Case("police-datetime-number", "p6.json", lambda: police(datetime=20260305), "rejected", "wrong_type", 1,
         "datetime"),
    Case("police-summary-object", "p7.json", lambda: police(summary={"text": "x"}), "rejected", "wrong_type", 1,
         "summary"),
    Case("police-id-object", "p8.json", lambda: police(id={"a": 1}), "rejected", "wrong_type", 1, "id"),
    # 6: a row longer than the header
    Case("row-longer-than-header", "lang_rad.csv", lambda: table(ROW, ROW + ";extra;fält"), "rejected", "long_row",
         3),
    # 7: an unbalanced quote swallowing the rows after it
    Case("unbalanced-quote", "citat.csv",
         lambda: table(ROW, ROW.replace("Skadegörelse", '"Skadegörelse'), ROW, ROW, ROW), "refused",
         "unbalanced_quote", 3, "Brottstyp"),
    # 8: the first sheet hidden: the visible one is read
    Case("xlsx-hidden-first-sheet", "dold.xlsx",
         lambda: xlsx_sheets(("Dold", [["Område", "Befolkning"], ["Mjällby", 5]], "hidden"),
                             ("Händelser", [XLSX_HEADER, XLSX_ROW], "visible")),
         "stored", check=lambda result: result.rows_stored == 1 and result.kind == "incidents"),
    # 9: a duplicate header
    Case("duplicate-header", "dubbel.csv", lambda: csv_bytes([HEADER + ";Datum", ROW + ";2026-03-06"]), "refused",
         "duplicate_header", 1, "Datum"),
    Case("duplicate-header-xlsx", "dubbel.xlsx", lambda: xlsx_bytes([XLSX_HEADER + ["Brottstyp"], XLSX_ROW + ["x"]]),
         "refused", "duplicate_header", 1, "Brottstyp"),
    # 10: an over-long Excel cell
    Case("xlsx-long-cell", "cell.xlsx", lambda: huge_cell_xlsx(MAX_CELL_CHARS + 1), "refused", "cell_too_long", 2,
         "Brottstyp"),
    Case("xlsx-huge-cell", "cell2.xlsx", lambda: huge_cell_xlsx(20 * MAX_CELL_CHARS), "refused", "cell_too_long", 2,
         "C"),
    # 11: areas far from the municipality
    Case("areas-in-stockholm", "sthlm.geojson", lambda: square_geojson("1083A0009", 18.06, 59.33), "refused",
         "area_far_away", 1, None),
    # 12: dates before 1990 and after today
    Case("date-year-1", "gammal.csv", lambda: table(ROW.replace("2026-03-05", "0001-01-01")), "rejected",
         "date_too_early", 2, "Datum"),
    Case("date-1900", "gammal2.csv", lambda: table(ROW, ROW.replace("2026-03-05", "1900-01-01")), "rejected",
         "date_too_early", 3, "Datum"),
    Case("date-future", "framtid.csv", lambda: table(ROW.replace("2026-03-05", "2099-01-01")), "rejected",
         "future_date", 2, "Datum"),
    Case("police-date-1900", "p9.json", lambda: police(datetime="1900-03-05 21:50:12 +01:00"), "rejected",
         "date_too_early", 1, "datetime"),
    # 13: wall-clock times that do not exist, or exist twice, in Europe/Stockholm
    Case("dst-gap-and-fold", "sommartid.csv",
         lambda: table(ROW.replace("2026-03-05;21:40", "2024-03-31;02:30"),
                       ROW.replace("2026-03-05;21:40", "2024-10-27;02:30"), ROW),
         "stored", check=lambda result: result.rows_stored == 3 and result.times_adjusted == 2),
]


@pytest.fixture
def small_con(tmp_path):
    """A database with the vocabularies and a municipality, but no areas or incidents."""
    from lagesbild.cli import main

    path = tmp_path / "small.duckdb"
    assert main(["init", "--db", str(path), "--municipality-code", "1083", "--municipality-name", "Sölvesborg"]) == 0
    con = db.connect(path)
    yield con
    con.close()


@pytest.mark.parametrize("case", CORPUS, ids=[case.id for case in CORPUS])
def test_corpus(sbg_con, case: Case):
    before = fingerprint(sbg_con)
    result = import_bytes(sbg_con, case.make(), case.name, ImportOptions(on_error="reject"))
    for problem in result.problems:
        assert problem.message("sv").startswith(case.name) and problem.message("en").startswith(case.name)
    if case.outcome == "stored":
        assert result.status == "stored", result.summary()
        assert case.check(result), result.summary()
        return
    assert result.status == "refused", result.summary()
    assert fingerprint(sbg_con) == before, "a refused import changed the database"
    if case.outcome == "refused":
        found = result.refusal
    else:
        assert result.refusal.code == "rejected_rows"
        found = next((p for p in result.problems if p.code == case.code), None)
        assert found is not None, [p.message("en") for p in result.problems]
    assert found.code == case.code, found.message("en")
    assert found.row == case.row, found.message("en")
    if case.column is not None:
        assert found.column == case.column, found.message("en")
    assert found.message("sv") != found.message("en")
    assert len(result.summary("sv")) < 2000 and len(result.summary("en")) < 2000  # never a whole huge cell


def test_rows_rejected_one_by_one_leave_the_good_rows(sbg_con):
    data = table(ROW, ROW.replace("2026-03-05", "1900-01-01"), ROW + ";extra", ROW.replace("21:40", "22:40"))
    result = import_bytes(sbg_con, data, "blandat.csv")
    assert result.status == "stored" and result.rows_stored == 2 and result.rows_rejected == 2
    assert {(p.row, p.code) for p in result.problems} == {(3, "date_too_early"), (4, "long_row")}


def test_daylight_saving_rule(sbg_con):
    data = table(ROW.replace("2026-03-05;21:40", "2024-03-31;02:30"), ROW.replace("2026-03-05;21:40", "2024-10-27;02:30"))
    result = import_bytes(sbg_con, data, "sommartid.csv")
    assert result.times_adjusted == 2
    assert "2 " in result.summary("sv") and "sommartid" in result.summary("sv")
    assert "daylight saving" in result.summary("en")
    stored = sbg_con.execute(
        "SELECT strftime(local_time, '%Y-%m-%d %H:%M'), strftime(occurred_at AT TIME ZONE 'UTC', '%H:%M')"
        " FROM incidents WHERE import_id = ? ORDER BY local_time", [result.import_id]).fetchall()
    # The missing 02:30 becomes 03:30 summer time; the doubled 02:30 is the first one, summer time (00:30 UTC).
    assert stored == [("2024-03-31 03:30", "01:30"), ("2024-10-27 02:30", "00:30")]


def test_zip_bomb_in_an_xlsx_is_refused(sbg_con):
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx_bytes([XLSX_HEADER, XLSX_ROW]))) as source, \
            zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, source.read(item))
        with target.open("xl/media/padding.bin", "w") as member:
            for _ in range(MAX_UNCOMPRESSED_BYTES // (1 << 20) + 2):
                member.write(b"\0" * (1 << 20))
    before = fingerprint(sbg_con)
    result = import_bytes(sbg_con, buffer.getvalue(), "bomb.xlsx")
    assert result.status == "refused" and result.refusal.code == "archive_too_large"
    assert fingerprint(sbg_con) == before


def test_far_areas_are_refused_by_municipality_code_without_stored_areas(small_con):
    before = fingerprint(small_con)
    result = import_bytes(small_con, square_geojson("0180C1010", 18.06, 59.33), "sthlm.geojson")
    assert result.status == "refused" and fingerprint(small_con) == before


def test_areas_inside_the_municipality_pass(sbg_con):
    result = import_bytes(sbg_con, square_geojson("1083A0009", 14.56, 56.04), "nara.geojson", ImportOptions(
        division="Test"))
    assert result.status == "stored", result.summary()


MEMORY_SCRIPT = """
import resource, sys
from lagesbild import db
from lagesbild.ingest import import_bytes
data = open(sys.argv[2], 'rb').read()
con = db.connect(sys.argv[1])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = import_bytes(con, data, 'stor_cell.xlsx')
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(result.status, result.refusal.code if result.refusal else '', (after - before) // 1024)
"""


def test_a_huge_excel_cell_is_refused_in_bounded_memory(sbg_db, tmp_path):
    path = tmp_path / "stor_cell.xlsx"
    path.write_bytes(huge_cell_xlsx(200 << 20))
    assert path.stat().st_size < 400_000
    done = subprocess.run([sys.executable, "-c", MEMORY_SCRIPT, str(sbg_db), str(path)], capture_output=True,
                          text=True, cwd=Path(__file__).resolve().parents[1], timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    status, code, grown_mb = done.stdout.split()
    assert (status, code) == ("refused", "cell_too_long")
    assert int(grown_mb) < 100, f"the import grew the process by {grown_mb} MB"


@pytest.mark.parametrize(("first", "second"), [
    (["Id;" + HEADER, "ABC-17;" + ROW], ["Id;" + HEADER, " abc-17 ;" + ROW]),
    (["Id;" + HEADER, "ABC 17;" + ROW], ["Id;" + HEADER, "abc17;" + ROW.replace("21:40", "21:41")]),
])
def test_the_same_event_with_a_differently_written_id_is_a_duplicate(sbg_con, first, second):
    assert import_bytes(sbg_con, csv_bytes(first), "a.csv").rows_stored == 1
    again = import_bytes(sbg_con, csv_bytes(second), "b.csv")
    assert (again.rows_stored, again.rows_duplicate) == (0, 1), again.summary()


def test_the_same_event_in_wgs84_is_a_duplicate_of_sweref(sbg_con):
    lines = [HEADER] + [f"2026-03-{d:02d};21:{m:02d};Skadegörelse;{6212000 + 7 * d};{474300 + 5 * m};polisen"
                        for d in range(1, 8) for m in (0, 1, 5, 9)]
    assert import_bytes(sbg_con, csv_bytes(lines), "sweref.csv").rows_stored == len(lines) - 1
    wgs = ["Datum;Tid;Brottstyp;Lat;Lon;Källa"]
    for line in lines[1:]:
        day, clock, kind, north, east, source = line.split(";")
        lon, lat = geo.to_wgs84([float(east)], [float(north)])
        wgs.append(f"{day};{clock};{kind};{lat[0]:.6f};{lon[0]:.6f};{source}".replace(".", ","))
    again = import_bytes(sbg_con, csv_bytes(wgs), "wgs84.csv")
    assert (again.rows_stored, again.rows_duplicate) == (0, len(lines) - 1), again.summary()


def test_events_a_few_metres_apart_at_the_same_minute_are_one_event_but_not_other_minutes(sbg_con):
    assert import_bytes(sbg_con, table(ROW), "a.csv").rows_stored == 1
    near = import_bytes(sbg_con, table(ROW.replace("474300", "474304").replace("21:40", "21:40:30")), "b.csv")
    assert near.rows_duplicate == 1
    later = import_bytes(sbg_con, table(ROW.replace("21:40", "21:52")), "c.csv")
    assert later.rows_stored == 1
    elsewhere = import_bytes(sbg_con, table(ROW.replace("474300", "474350")), "d.csv")
    assert elsewhere.rows_stored == 1


def test_police_ids_are_compared_as_text(sbg_con):
    assert import_bytes(sbg_con, police(id=501), "p.json").rows_stored == 1
    again = import_bytes(sbg_con, police(id="501 "), "p2.json")
    assert again.rows_duplicate == 1


def test_migration_0006_gives_stored_rows_the_keys_an_import_gives(sbg_con):
    lines = ["Id;" + HEADER, "ABC 17;" + ROW, ";" + ROW.replace("474300", "474305"),
             ";" + ROW.replace("2026-03-05;21:40", "2024-03-31;02:30")]
    result = import_bytes(sbg_con, csv_bytes(lines), "a.csv")
    areas = import_bytes(sbg_con, csv_bytes(["Datum;Tid;Brottstyp;Område;Källa",
                                              "2026-03-06;22:10;Skadegörelse;Mjällby;polisen"]), "b.csv")
    assert result.rows_stored == 3 and areas.rows_stored == 1
    imports = [result.import_id, areas.import_id]
    query = "SELECT id, natural_key FROM incidents WHERE import_id IN (?, ?) ORDER BY id"
    keys = sbg_con.execute(query, imports).fetchall()
    sbg_con.execute("UPDATE incidents SET natural_key = CASE WHEN external_id IS NULL THEN 'h:' || id"
                     " ELSE 's' || source_id || ':' || external_id END WHERE import_id IN (?, ?)", imports)
    sql = (Path(__file__).resolve().parents[1] / "lagesbild" / "migrations" / "0006_event_keys.sql").read_text()
    sbg_con.execute(sql)
    assert sbg_con.execute(query, imports).fetchall() == keys


def test_the_readme_lists_every_import_limit():
    from pathlib import Path

    from lagesbild.ingest.limits import LIMITS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for limit in LIMITS:
        assert f"| `{limit.name}` |" in readme, limit.name
