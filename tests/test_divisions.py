"""Areas a person recognises (issue 14): SCB's DeSO→RegSO key table names the DeSO areas and gives the RegSO
division; areas are renamed by hand (logged); DeSO are grouped into the municipality's own districts; the view
chooses its division (`indelning`)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
import shapely

from lagesbild import db, divisions, queries
from lagesbild.cli import main as cli_main
from lagesbild.filters import Filters
from lagesbild.ingest import import_bytes, import_path, undo_import
from lagesbild.ingest.undo import UndoRefusedError
from lagesbild.view import View, Vocabulary, from_query, to_query
from tests.conftest import realdata
from tests.ingest_helpers import csv_bytes, fingerprint

KEY_TABLE = "scb_deso_tables_sarahlorraine/kopplingstabell-deso-regso-20210702.csv"
AGES = "scb_deso_tables_sarahlorraine/age_demographics_deso.csv"
DESO = "deso_dalarna_gpkg/deso_dalarna.gpkg"
NATIONAL = "polisen_events_dnouri/events_national_union_2025.json"
BORLANGE_POPULATION = 52178  # the 27 DeSO of 2081 in age_demographics_deso.csv, summed independently (awk)


def _borlange(path: Path, files: list[str]) -> Path:
    assert cli_main(["--db", str(path), "init", "--municipality-code", "2081", "--municipality-name",
                     "Borlänge"]) == 0
    for name in files:
        assert cli_main(["--db", str(path), "import", str(realdata(name)), "--year", "2021"]) == 0
    return path


@pytest.fixture(scope="module")
def borlange_master(tmp_path_factory) -> Path:
    realdata(KEY_TABLE)
    return _borlange(tmp_path_factory.mktemp("borlange") / "b.duckdb", [DESO, KEY_TABLE, AGES])


@pytest.fixture
def borlange(borlange_master, tmp_path):
    path = tmp_path / "b.duckdb"
    shutil.copy(borlange_master, path)
    con = db.connect(path)
    yield con
    con.close()


@pytest.mark.parametrize("order", [[KEY_TABLE, DESO], [DESO, KEY_TABLE]], ids=["key-table-first", "deso-first"])
def test_borlange_gets_27_named_deso_areas_and_17_regso_in_either_order(tmp_path, order):
    con = db.connect(_borlange(tmp_path / "b.duckdb", order))
    try:
        names = dict(con.execute("SELECT code, name FROM areas WHERE kind = 'DeSO'").fetchall())
        assert len(names) == 27 and "Borlänge" not in names.values()
        assert len(set(names.values())) == 27
        assert names["2081C1140"] == "Tjärna Ängar"          # the only DeSO of its RegSO: the name alone
        assert names["2081C1130"] == "Kupolen-Norra Backa-Hagalund-Ringen (2081C1130)"  # shared: with the code
        regso = con.execute("SELECT count(*), count(DISTINCT name) FROM areas WHERE division = 'RegSO'").fetchall()
        assert regso == [(17, 17)]
        assert con.execute("SELECT count(*) FROM area_members").fetchall()[0][0] == 27
        assert con.execute("SELECT kind FROM imports ORDER BY id").fetchall() == [
            ("divisions",), ("areas",)] if order[0] == KEY_TABLE else [("areas",), ("divisions",)]
    finally:
        con.close()


def test_regso_population_is_summed_and_geometry_dissolved(borlange):
    rows = borlange.execute("SELECT division, sum(population), sum(area_km2) FROM areas GROUP BY 1").fetchall()
    found = {d: (p, km2) for d, p, km2 in rows}
    assert found["RegSO"][0] == found["DeSO 2018_v2"][0] == BORLANGE_POPULATION
    assert found["RegSO"][1] == pytest.approx(found["DeSO 2018_v2"][1], rel=1e-3)
    # Gylle-Åselby-Färjegårdarna-Hytting is three DeSO: one shape, with their summed population and area
    parts = borlange.execute(
        "SELECT sum(population), sum(area_km2) FROM areas WHERE code IN ('2081C1020', '2081C1030', '2081C1050')"
    ).fetchall()[0]
    group = borlange.execute("SELECT population, area_km2, geojson FROM areas WHERE division = 'RegSO'"
                             " AND code = 'Gylle-Åselby-Färjegårdarna-Hytting'").fetchall()[0]
    assert group[0] == parts[0] and group[1] == pytest.approx(parts[1], rel=1e-3)
    shape = shapely.from_geojson(group[2])
    assert shape.is_valid and shape.geom_type == "Polygon"   # dissolved: the inner borders are gone


def _incidents_at(con, codes: list[str]) -> bytes:
    lines = ["Datum;Tid;Brottstyp;Latitud;Longitud;Källa"]
    for code in codes:
        lon, lat = con.execute("SELECT centroid_lon, centroid_lat FROM areas WHERE code = ? AND kind = 'DeSO'",
                               [code]).fetchall()[0]
        lines.append(f"2026-03-05;21:40;Skadegörelse;{lat:.6f};{lon:.6f};polisen")
    return csv_bytes(lines)


def test_incidents_count_in_the_group_the_view_chose(borlange):
    codes = ["2081C1020", "2081C1030", "2081C1050", "2081C1140"]
    result = import_bytes(borlange, _incidents_at(borlange, codes), "händelser.csv")
    assert result.status == "stored" and result.rows_stored == 4
    period = Filters(start=date(2026, 1, 1), end=date(2026, 12, 31))
    base = queries.area_rates(borlange, period)
    assert len(base) == 27 and base["count"].sum() == 4
    queries.use_division("RegSO")
    try:
        grouped = queries.area_rates(borlange, period).set_index("code")
        assert len(grouped) == 17
        assert grouped.at["Gylle-Åselby-Färjegårdarna-Hytting", "count"] == 3
        assert grouped.at["Tjärna Ängar", "count"] == 1
        assert grouped["population"].sum() == BORLANGE_POPULATION
        chosen = Filters(start=period.start, end=period.end, areas=("Gylle-Åselby-Färjegårdarna-Hytting",))
        assert queries.area_rates(borlange, chosen)["count"].sum() == 3   # the group's filter is its DeSO
        assert len(queries.area_shapes(borlange)) == 17
    finally:
        queries.use_division(None)
    assert len(queries.area_shapes(borlange)) == 27


def test_own_districts_from_a_mapping_file(borlange):
    lines = ["deso;distrikt"] + [f"2081C1{n:02d}0;{'Norr' if n < 12 else 'Söder'}" for n in range(1, 24)]
    result = import_bytes(borlange, csv_bytes(lines), "distrikt.csv")
    assert result.status == "stored", result.refusal
    areas = dict(borlange.execute("SELECT code, population FROM areas WHERE division = ?",
                                  [divisions.OWN]).fetchall())
    expected = dict(borlange.execute(
        "SELECT CASE WHEN code < '2081C1120' THEN 'Norr' ELSE 'Söder' END, sum(population) FROM areas"
        " WHERE kind = 'DeSO' AND code LIKE '2081C1%' GROUP BY 1").fetchall())
    assert areas == expected
    # the DeSO names stay the key table's: a district file only groups
    assert borlange.execute("SELECT name FROM areas WHERE code = '2081C1140'").fetchall()[0][0] == "Tjärna Ängar"


@pytest.mark.parametrize(("lines", "row", "column", "code"), [
    (["deso;distrikt", "2081C1010;Norr", "2081X1;Norr"], 3, "deso", "bad_deso_code"),
    (["deso;distrikt", "2081C1010;Norr", "2081C1010;Söder"], 3, "deso", "deso_twice"),
    (["deso;distrikt", "2081C1010;Norr", "2080C1010;Norr"], 3, "deso", "area_code_elsewhere"),
    (["deso;distrikt", "2081C1010;Norr", "2081C1020;"], 3, "distrikt", "missing_value"),
    (["deso;distrikt", "2081C1010;Anna Andersson"], 2, "distrikt", "personal_name"),
])
def test_a_bad_mapping_file_names_row_and_column_and_changes_nothing(borlange, lines, row, column, code):
    before = fingerprint(borlange)
    result = import_bytes(borlange, csv_bytes(lines), "distrikt.csv")
    assert result.status == "refused"
    problem = result.refusal
    assert problem is not None and (problem.code, problem.row, problem.column) == (code, row, column)
    assert "distrikt.csv" in problem.message("en")
    assert fingerprint(borlange) == before


def test_rename_from_the_cli_is_logged_and_survives_the_key_table(borlange_master, tmp_path, capsys):
    path = tmp_path / "b.duckdb"
    shutil.copy(borlange_master, path)
    assert cli_main(["--db", str(path), "rename-area", "2081C1130", "Kupolen", "--by", "anna"]) == 0
    assert cli_main(["--db", str(path), "rename-area", "2081C1130", "Anna Svensson"]) != 0   # a person's name
    assert cli_main(["--db", str(path), "rename-area", "2081C9999", "Okänt"]) != 0
    assert cli_main(["--db", str(path), "import", str(realdata(KEY_TABLE))]) == 0   # again: the rename stays
    con = db.connect(path)
    try:
        assert con.execute("SELECT name FROM areas WHERE code = '2081C1130'").fetchall()[0][0] == "Kupolen"
        assert con.execute("SELECT code, old_name, new_name, renamed_by FROM area_renames").fetchall() == [
            ("2081C1130", "Kupolen-Norra Backa-Hagalund-Ringen (2081C1130)", "Kupolen", "anna")]
        assert divisions.rename_area(con, "Romme", "Romme by", "anna", divisions.REGSO) == "Romme"
        with pytest.raises(divisions.RenameError):
            divisions.rename_areas(con, {"2081C1140": "Tjärna", "2081C1010": ""}, "anna")
        assert con.execute("SELECT name FROM areas WHERE code = '2081C1140'").fetchall()[0][0] == "Tjärna Ängar"
    finally:
        con.close()


def test_a_key_table_import_is_not_undone_but_replaced(borlange):
    found = borlange.execute("SELECT id FROM imports WHERE kind = 'divisions'").fetchall()[0][0]
    before = fingerprint(borlange)
    with pytest.raises(UndoRefusedError):
        undo_import(borlange, found, undone_by="anna")
    assert fingerprint(borlange) == before


def test_the_division_link_parameter_round_trips():
    known = Vocabulary(divisions=frozenset({"DeSO 2018_v2", "RegSO", "Egna distrikt"}))
    start = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
    for division, text in (("RegSO", "regso"), ("Egna distrikt", "egna_distrikt")):
        query = to_query(View(filters=start, division=division))
        assert query == {"indelning": text}
        assert from_query(query, known, date(2026, 10, 31)).division == division
    wrong = from_query({"indelning": "stadsdelar"}, known, date(2026, 10, 31))
    assert wrong.division is None and "ingen sådan indelning finns" in wrong.notices[0]
    assert to_query(View(filters=start)) == {}


def test_the_key_table_from_realdata_is_recognised_by_content(tmp_path):
    path = realdata(KEY_TABLE)
    con = db.connect(_borlange(tmp_path / "b.duckdb", []))
    try:
        renamed = tmp_path / "nyckel.txt"   # not by its name: by its columns and DeSO codes
        renamed.write_bytes(path.read_bytes())
        result = import_path(con, renamed)
        assert result.status == "stored" and result.kind == "divisions"
        assert (result.rows_read, result.rows_stored) == (5984, 27)
        assert result.ignored == {"rader för andra kommuner": 5957}
    finally:
        con.close()


def test_the_sidebar_chooses_the_division_and_the_upload_page_renames(app_env, borlange_master, tmp_path):
    from streamlit.testing.v1 import AppTest

    path = tmp_path / "b.duckdb"
    shutil.copy(borlange_master, path)
    app_env(path)
    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=90)
    at.query_params["indelning"] = "regso"
    at.session_state["inloggning"] = {"username": "anna", "role": "coordinator"}
    at.run()
    assert not at.exception
    choice = next(s for s in at.sidebar.selectbox if s.label == "Indelning")
    assert choice.value == "RegSO"
    assert at.query_params.get("indelning") in ("regso", ["regso"])
    choice.set_value("DeSO 2018_v2").run()
    assert not at.exception and "indelning" not in at.query_params
    at.switch_page("app_pages/ladda_upp.py").run()
    assert not at.exception
    assert any(h.value == "Områdesnamn och egna distrikt" for h in at.subheader)
    assert any(b.label == "Spara namnen" for b in at.button) and any(b.label == "Spara distrikten" for b in at.button)


def test_rename_from_a_mapping_file_is_all_or_nothing(borlange_master, tmp_path, capsys):
    path = tmp_path / "b.duckdb"
    shutil.copy(borlange_master, path)
    good, bad = tmp_path / "namn.csv", tmp_path / "fel.csv"
    good.write_bytes(csv_bytes(["kod;namn", "2081C1130;Kupolen", "2081C1100;Norra Backa"]))
    bad.write_bytes(csv_bytes(["kod;namn", "2081C1140;Tjärna", "2081C9999;Okänt"]))
    assert cli_main(["--db", str(path), "rename-area", "--file", str(good)]) == 0
    assert cli_main(["--db", str(path), "rename-area", "--file", str(bad)]) != 0
    assert "2081C9999" in capsys.readouterr().err
    con = db.connect(path)
    try:
        names = dict(con.execute("SELECT code, name FROM areas WHERE code IN ('2081C1130', '2081C1100',"
                                 " '2081C1140')").fetchall())
        assert names == {"2081C1130": "Kupolen", "2081C1100": "Norra Backa", "2081C1140": "Tjärna Ängar"}
        assert con.execute("SELECT count(*) FROM area_renames").fetchall()[0][0] == 2
    finally:
        con.close()


def test_real_police_events_placed_on_deso_or_whole_regso_add_up_in_every_division(borlange):
    """The national 2025 file over Borlänge's real DeSO with the key table: a text naming a RegSO but none of its
    DeSO places the event on the RegSO; the DeSO view says so instead of guessing a DeSO, and every division's
    areas plus its events without a place add up to the same total."""
    from lagesbild import overview
    from lagesbild.protect import Disclosure

    result = import_path(borlange, realdata(NATIONAL))
    assert result.rows_stored == 78
    # Measured: 19 events name a place of exactly one RegSO, as over RegSO alone; 5 of them a single DeSO.
    assert result.placement == {"placed": 19, "none": 59}
    by_level = dict(borlange.execute(
        "SELECT a.division, count(*) FROM incidents i JOIN areas a ON a.id = i.area_id GROUP BY 1").fetchall())
    assert by_level == {"DeSO 2018_v2": 5, "RegSO": 14}
    period = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31))
    staff = Disclosure(viewer=False)
    totals = {}
    for division, unplaced in (("DeSO 2018_v2", 73), ("RegSO", 59)):
        queries.use_division(division)
        try:
            in_areas = int(queries.area_rates(borlange, period)["count"].sum())
            assert queries.unplaced(borlange, period)[0] == unplaced
            note = overview.unplaced_note(borlange, period, staff)
            totals[division] = in_areas + unplaced
        finally:
            queries.use_division(None)
        if division == "RegSO":
            assert in_areas == 19 and "indelningen" not in note.split(".", 1)[1]
        else:
            assert in_areas == 5
            assert note.startswith("73 händelser saknar plats") and "14 är placerade på ett helt område i " \
                "indelningen RegSO" in note
    assert totals == {"DeSO 2018_v2": 78, "RegSO": 78}


def test_an_intervention_is_registered_on_deso_and_seen_in_each_division(borlange):
    """Registered from a RegSO view, the intervention keeps its DeSO; the RegSO view sees it in that DeSO's
    RegSO (the ranking's coverage, the follow-up's target), the DeSO view in the DeSO, and the form gets the DeSO."""
    from lagesbild import register

    regso = borlange.execute("SELECT a.code FROM areas a JOIN area_members m ON m.group_id = a.id"
                             " JOIN areas d ON d.id = m.member_id WHERE d.code = '2081C1130'").fetchall()[0][0]
    queries.use_division("RegSO")
    try:
        number = register.create(borlange, register.Intervention(
            name="Nattvandring vid Kupolen", kind="Nattvandring", start=date(2025, 3, 1),
            area_codes=["2081C1130"]), by="anna")
        seen = queries.rows(borlange, "SELECT area_codes, registered_area_codes FROM intervention_targets"
                                      " WHERE intervention_id = ?", [number])[0]
        assert seen == ([regso], ["2081C1130"])
        assert register.load(borlange, number).area_codes == ["2081C1130"]
        running = queries.running_interventions(borlange, date(2025, 6, 1))
        assert running.loc[running["id"] == number, "areas"].tolist() != ["Hela kommunen"]
    finally:
        queries.use_division(None)
    assert queries.rows(borlange, "SELECT area_codes FROM intervention_targets WHERE intervention_id = ?",
                        [number])[0][0] == ["2081C1130"]
