"""Police events placed in an area by a place name in their text (issue 14, item 4): careful matching, the text
never stored, and the real national 2025 file for Borlänge."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from lagesbild import db, gazetteer, snapshots
from lagesbild.cli import main as cli_main
from lagesbild.ingest import ImportOptions, import_bytes, import_path
from lagesbild.ingest.problems import FileRefusedError
from tests.conftest import realdata

NATIONAL = "polisen_events_dnouri/events_national_union_2025.json"
KEY_TABLE = "scb_deso_tables_sarahlorraine/kopplingstabell-deso-regso-20210702.csv"
DESO = "deso_dalarna_gpkg/deso_dalarna.gpkg"

AREAS = [(1, "Kupolen-Norra Backa-Hagalund-Ringen"), (2, "Södra Bullermyren-Norra Hagalund"),
         (3, "Repbäcken-Amsberg-Kvarnsveden"), (4, "Tolsbo-Strandbo-Sörbo-Repbäcken"), (5, "Tjärna Ängar"),
         (6, "Borlänge")]


@pytest.fixture
def names() -> gazetteer.Gazetteer:
    return gazetteer.build(AREAS, [("Gamla Byn", 5)], municipality="Borlänge")


@pytest.mark.parametrize(("text", "area", "outcome"), [
    ("Misshandel vid Kupolen under kvällen.", 1, "placed"),
    ("Brand i lägenhet på TJÄRNA ÄNGAR.", 5, "placed"),            # Swedish capitals
    ("Brand på Tjärna\n Ängar.", 5, "placed"),                      # any white space between words
    ("Inbrott i Norra Hagalund.", 2, "placed"),                     # longest name first, not "Hagalund" (area 1)
    ("Inbrott i Hagalund.", 1, "placed"),
    ("Skadegörelse i Gamla Byn.", 5, "placed"),                     # the coordinator's own list
    ("Stöld i Repbäcken.", None, "ambiguous"),                      # the same name in two areas
    ("Stöld i Repbäcken nära Amsberg.", 3, "placed"),              # the one area both names share
    ("Bråk vid Kupolen och i Amsberg.", None, "ambiguous"),         # two different areas named
    ("Olycka vid Ringenäs.", None, "none"),                         # partial word: not "Ringen"
    ("Ringens ägare anmälde stölden.", None, "none"),               # not a whole word
    ("Han gick runt ringen i centrum.", None, "none"),              # a common noun, not the proper name
    ("Rattfylleri i Borlänge.", None, "none"),                      # the municipality names no area
    ("Tjarna Angar", None, "none"),                                 # å ä ö are not a and o
])
def test_planted_texts(names, text, area, outcome):
    assert names.place("1 juli 12.00, Misshandel, Borlänge", text) == (area, outcome)


def test_short_names_and_the_municipality_are_no_place_names():
    found = gazetteer.build([(1, "Ån-Kupolen"), (2, "Borlänge kommun")], municipality="Borlänge")
    assert set(found.names) == {"ån-kupolen", "kupolen"}


def _areas_geojson(frame: gpd.GeoDataFrame) -> bytes:
    return frame.to_crs("EPSG:4326").to_json().encode()


def _square(lon: float, lat: float) -> list[list[list[float]]]:
    return [[[lon, lat], [lon + 0.01, lat], [lon + 0.01, lat + 0.01], [lon, lat + 0.01], [lon, lat]]]


def _event(number: int, summary: str, name: str = "Inbrott, Borlänge") -> dict[str, object]:
    return {"id": 900000 + number, "datetime": "2025-06-05 10:00:00 +02:00", "name": f"5 juni 09.30, {name}",
            "summary": summary, "url": f"/x/{number}", "type": "Inbrott",
            "location": {"name": "Borlänge", "gps": "60.484304,15.433969"}}


@pytest.fixture
def borlange(tmp_path):
    path = tmp_path / "borlange.duckdb"
    assert cli_main(["init", "--db", str(path), "--municipality-code", "2081", "--municipality-name",
                     "Borlänge"]) == 0
    con = db.connect(path)
    yield con
    con.close()


def _planted_areas(con) -> None:
    features = [{"type": "Feature", "properties": {"regsokod": f"2081R00{i}", "regsonamn": name},
                 "geometry": {"type": "Polygon", "coordinates": _square(15.40 + 0.02 * i, 60.48)}}
                for i, name in AREAS[:5]]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert import_bytes(con, data, "regso.geojson", ImportOptions(division="RegSO")).status == "stored"


def test_police_import_places_by_name_without_a_point_and_never_stores_the_text(borlange):
    _planted_areas(borlange)
    secret = "Zebrafinken"  # a word that must not reach the database
    events = [_event(1, f"{secret} vid Kupolen."), _event(2, f"{secret} i Repbäcken."),
              _event(3, f"{secret} nära Ringenäs."), _event(4, "Inget ortnamn.", name="Inbrott, Tjärna Ängar, Borlänge")]
    result = import_bytes(borlange, json.dumps(events).encode(), "events.json", ImportOptions())
    assert result.status == "stored", result.summary()
    assert result.placement == {"placed": 2, "ambiguous": 1, "none": 1}
    assert "2 händelser placerades i ett område" in result.summary("sv")
    assert "2 saknar plats (1 med ortnamn i flera områden)" in result.summary("sv")
    stored = borlange.execute(
        "SELECT i.external_id, a.name, CAST(i.precision AS VARCHAR), i.lon, i.x, i.cell_250, i.description"
        " FROM incidents i LEFT JOIN areas a ON a.id = i.area_id ORDER BY i.external_id").fetchall()
    assert stored == [
        ("900001", "Kupolen-Norra Backa-Hagalund-Ringen", "area", None, None, None, None),
        ("900002", None, "municipality", None, None, None, None),
        ("900003", None, "municipality", None, None, None, None),
        ("900004", "Tjärna Ängar", "area", None, None, None, None)]
    for table, column in borlange.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type = 'VARCHAR'"
            " AND table_schema = 'main' AND table_name IN (SELECT table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE')").fetchall():
        hits = borlange.execute(f'SELECT count(*) FROM "{table}" WHERE "{column}" ILIKE ?', [f"%{secret}%"])
        assert hits.fetchall()[0][0] == 0, (table, column)


def test_the_coordinators_place_names_are_used(borlange):
    _planted_areas(borlange)
    area = borlange.execute("SELECT id FROM areas WHERE name = 'Tjärna Ängar'").fetchall()[0][0]
    with db.write(borlange) as cur:
        cur.execute("INSERT INTO place_names VALUES ('Gamla Byn', ?, NULL)", [area])
    result = import_bytes(borlange, json.dumps([_event(1, "Stöld i Gamla Byn.")]).encode(), "e.json",
                          ImportOptions())
    assert result.placement == {"placed": 1}
    assert borlange.execute("SELECT area_id FROM incidents").fetchall() == [(area,)]


def _regso_of_borlange() -> gpd.GeoDataFrame:
    deso = gpd.read_file(realdata(DESO))
    key = pd.read_csv(realdata(KEY_TABLE), sep=";", dtype=str, encoding="utf-8-sig").iloc[:, :4]
    key.columns = ["kommun", "kommunnamn", "deso", "regsonamn"]
    joined = deso[deso["kommun"] == "2081"].merge(key[["deso", "regsonamn"]], on="deso")
    regso = joined.dissolve(by="regsonamn").reset_index()[["regsonamn", "geometry"]]
    regso["regsokod"] = [f"2081R{i:03d}" for i in range(1, len(regso) + 1)]
    regso["kommun"] = "2081"
    return regso


def test_real_national_2025_file_for_borlange_regso(borlange, tmp_path):
    """Borlänge's 2025 police events over its RegSO, the names from SCB's key table (the real numbers)."""
    path = tmp_path / "borlange_regso.geojson"
    path.write_bytes(_areas_geojson(_regso_of_borlange()))
    areas = import_path(borlange, path, ImportOptions(division="RegSO"))
    assert (areas.status, areas.rows_stored) == ("stored", 17)
    result = import_path(borlange, realdata(NATIONAL))
    assert result.status == "stored"
    assert result.rows_stored == 78
    # Measured: 19 of the 78 stored events name a place of exactly one RegSO (Kupolen, Norra Backa, Tjärna Ängar,
    # Jakobsgårdarna, Domnarvet, Romme, Torsång, …); 59 name none and keep no place.
    assert result.placement == {"placed": 19, "none": 59}
    placed = borlange.execute("SELECT count(*) FROM incidents WHERE area_id IS NOT NULL AND precision = 'area'"
                              " AND x IS NULL AND lon IS NULL").fetchall()[0][0]
    assert placed == 19


def test_real_national_2025_file_for_borlange_deso_with_regso_names(borlange):
    """Over DeSO with each DeSO named after its RegSO (as the key-table import would), a name shared by a
    RegSO's several DeSOs is ambiguous: such events stay without a place rather than in a guessed DeSO."""
    assert import_path(borlange, realdata(DESO)).rows_stored == 27
    key = pd.read_csv(realdata(KEY_TABLE), sep=";", dtype=str, encoding="utf-8-sig").iloc[:, [0, 2, 3]]
    key = key[key.iloc[:, 0] == "2081"].iloc[:, [1, 2]]
    with db.write(borlange) as cur:
        for code, name in key.itertuples(index=False):
            cur.execute("UPDATE areas SET name = ? WHERE code = ?", [name, code])
    result = import_path(borlange, realdata(NATIONAL))
    assert result.rows_stored == 78
    assert result.placement == {"placed": 5, "none": 59, "ambiguous": 14}


def test_the_coordinators_list_through_the_cli(tmp_path, capsys):
    where = str(tmp_path / "cli.duckdb")
    assert cli_main(["init", "--db", where, "--municipality-code", "2081", "--municipality-name", "Borlänge"]) == 0
    con = db.connect(where)
    _planted_areas(con)
    con.close()
    snapshots.publish(where)  # the CLI reads the newest published snapshot
    bad = tmp_path / "fel.csv"
    bad.write_bytes("namn;område\r\nGamla Byn;Tjärna Ängar\r\nNya Byn;Okänt ställe\r\n".encode("utf-8-sig"))
    capsys.readouterr()
    assert cli_main(["places", "--db", where, str(bad)]) != 0
    out = capsys.readouterr().out
    assert "fel.csv, row 3, column 'område', value 'Okänt ställe': Unknown area." in out
    good = tmp_path / "orter.csv"
    good.write_bytes("namn;område\r\nGamla Byn;Tjärna Ängar\r\nSvedjan;2081R001\r\n".encode("utf-8-sig"))
    assert cli_main(["places", "--db", where, str(good)]) == 0
    con = db.connect(where)
    try:
        stored = con.execute("SELECT p.name, a.name FROM place_names p JOIN areas a ON a.id = p.area_id"
                             " ORDER BY 1").fetchall()
        assert stored == [("Gamla Byn", "Tjärna Ängar"), ("Svedjan", "Kupolen-Norra Backa-Hagalund-Ringen")]
        result = import_bytes(con, json.dumps([_event(1, "Brand i Svedjan.")]).encode(), "e.json", ImportOptions())
        assert result.placement == {"placed": 1}
    finally:
        con.close()


def test_a_name_of_a_grouped_area_places_on_its_one_deso_or_on_the_group():
    """DeSO 11, 12 make RegSO 1 ("Kupolen-Ringen"), DeSO 13 alone makes RegSO 2 ("Tjärna Ängar"); DeSO 11 is
    renamed "Kupolen". A name covering several DeSO places on the RegSO they make up, never on one of them."""
    found = gazetteer.build(
        [(1, "Kupolen-Ringen"), (2, "Tjärna Ängar"), (11, "Kupolen"), (12, "Ringen norra"), (13, "Tjärna Ängar")],
        parts=[(1, 11), (1, 12), (2, 13)])
    assert found.place("Bråk vid Ringen.") == (1, "placed")                  # the RegSO: both its DeSO
    assert found.place("Bråk vid Kupolen.") == (11, "placed")                # the DeSO named so (within RegSO 1)
    assert found.place("Brand på Tjärna Ängar.") == (13, "placed")           # the one DeSO of RegSO 2
    assert found.place("Bråk vid Ringen norra.") == (12, "placed")
    assert found.place("Bråk vid Kupolen och på Tjärna Ängar.") == (None, "ambiguous")


def test_the_place_list_is_all_or_nothing_and_refuses_a_persons_name(borlange):
    _planted_areas(borlange)
    good = "namn;område\r\nGamla Byn;Tjärna Ängar\r\nSvedjan;2081R001\r\n".encode("utf-8-sig")
    assert gazetteer.replace_place_names(borlange, good, "orter.csv") == 2
    before = gazetteer.place_names(borlange)
    assert before == [("Gamla Byn", "Tjärna Ängar"), ("Svedjan", "Kupolen-Norra Backa-Hagalund-Ringen")]
    person = "namn;område\r\nTorget;Tjärna Ängar\r\nAnna Svensson;Tjärna Ängar\r\n".encode("utf-8-sig")
    with pytest.raises(FileRefusedError) as refused:
        gazetteer.replace_place_names(borlange, person, "orter2.csv")
    problem = refused.value.problem
    assert (problem.file, problem.row, problem.column, problem.code) == ("orter2.csv", 3, "namn",
                                                                              "personal_name")
    assert "Anna" not in problem.message("sv")
    assert gazetteer.place_names(borlange) == before
    with pytest.raises(FileRefusedError):
        gazetteer.replace_place_names(borlange, good, "Anna Svensson 19850101-1234.csv")
    assert gazetteer.place_names(borlange) == before
