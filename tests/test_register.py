"""The intervention register: validation, changes logged, and interventions imported from a spreadsheet."""

from __future__ import annotations

from datetime import date

import pytest

from lagesbild import register
from lagesbild.ingest import ImportOptions, import_bytes, undo_import
from tests.ingest_helpers import csv_bytes, fingerprint

PLAN = ["Insats;Typ;Område;Start;Slut;Ansvariga;Riskfaktorer;Kategorier;Omfattning;Enhet;Kostnad;Problem",
        "Sommarvärdar i Hällevik;Trygghetsvärdar;Hällevik;2026-06-01;2026-08-31;kommun, föreningar;"
        "Alkohol bland unga;Ordningsstörning, Skadegörelse;20;timmar per vecka;150 000;Oro i hamnen sommartid",
        "Belysning i Sölve;Belysning;SOL;2026-09-15;;kommun;Bristande belysning;Skadegörelse;;;300000;Mörk badplats",
        "Fel rad;Belysning;Atlantis;2026-13-01;;kommun;;;;;;"]


def test_create_update_end_delete_are_logged(sbg_con):
    item = register.Intervention(name="Ny belysning i Mjällby", kind="Belysning", start=date(2026, 11, 1),
                                 area_codes=["MJA"], risk_factors=["bristande_belysning"], categories=["skadegorelse"])
    number = register.create(sbg_con, item, "anna")
    item.area_codes = ["MJA", "HAL"]
    assert register.update(sbg_con, number, item, "anna") == {"area_codes": [["MJA"], ["HAL", "MJA"]]}
    assert register.update(sbg_con, number, register.load(sbg_con, number), "anna") == {}  # no change, no log
    register.end(sbg_con, number, date(2026, 11, 20), "bo")
    assert register.load(sbg_con, number).status == "avslutad"
    register.delete(sbg_con, number, "anna")
    log = sbg_con.execute("SELECT changed_by, action FROM intervention_log ORDER BY id").fetchall()
    assert log == [("anna", "skapad"), ("anna", "ändrad"), ("bo", "ändrad"), ("anna", "borttagen")]
    assert sbg_con.execute("SELECT count(*) FROM intervention_areas WHERE intervention_id = ?",
                            [number]).fetchall()[0][0] == 0


def test_invalid_forms_are_refused_with_swedish_reasons(sbg_con):
    before = fingerprint(sbg_con)
    item = register.Intervention(name="", kind="Belysning", start=date(2026, 5, 1), end=date(2026, 4, 1),
                                 area_codes=["NOPE"], cost_sek=-5)
    found = register.problems(sbg_con, item)
    assert "Ange ett namn på insatsen." in found
    assert "Slutdatum kan inte ligga före startdatum." in found
    assert "Okänd område: NOPE." in found and "Kostnaden kan inte vara negativ." in found
    with pytest.raises(ValueError):
        register.create(sbg_con, item, "anna")
    assert fingerprint(sbg_con) == before


def test_interventions_import_from_a_spreadsheet_and_undo(sbg_con):
    before = sbg_con.execute("SELECT count(*) FROM interventions").fetchall()[0][0]
    result = import_bytes(sbg_con, csv_bytes(PLAN), "handlingsplan.csv")
    assert (result.kind, result.rows_read, result.rows_stored, result.rows_rejected) == ("interventions", 3, 2, 1)
    assert {(p.row, p.column, p.code) for p in result.problems} == {(4, "Start", "bad_date"),
                                                                    (4, "Område", "unknown_area")}
    sommar = sbg_con.execute("SELECT id FROM interventions WHERE name = 'Sommarvärdar i Hällevik'").fetchall()[0][0]
    loaded = register.load(sbg_con, sommar)
    assert loaded.area_codes == ["HAL"] and loaded.cost_sek == 150_000 and loaded.end == date(2026, 8, 31)
    assert loaded.categories == ["ordningsstorning", "skadegorelse"] and loaded.status == "avslutad"
    again = import_bytes(sbg_con, csv_bytes(PLAN), "handlingsplan.csv")
    assert (again.rows_stored, again.rows_duplicate) == (0, 2)
    assert undo_import(sbg_con, result.import_id, undone_by="anna")["interventions"] == 2
    assert sbg_con.execute("SELECT count(*) FROM interventions").fetchall()[0][0] == before


def test_a_refused_plan_changes_nothing(sbg_con):
    before = fingerprint(sbg_con)
    result = import_bytes(sbg_con, csv_bytes(PLAN), "handlingsplan.csv", ImportOptions(on_error="reject"))
    assert result.status == "refused"
    assert fingerprint(sbg_con) == before


def test_targeted_weekdays_and_hours_from_a_spreadsheet_and_the_form(sbg_con):
    plan = ["Insats;Typ;Område;Start;Kategorier;Veckodagar;Klockslag",
            "Helgvärdar;Trygghetsvärdar;SBG-C;2026-05-01;Misshandel;fre, lör;21–03",
            "Dagvakt;Väktare;SBG-C;2026-05-01;Stöld;mån–fre;08:00-17:00",
            "Fel dagar;Väktare;SBG-C;2026-05-01;Stöld;fredag-tomtedag;25-03"]
    result = import_bytes(sbg_con, csv_bytes(plan), "helg.csv")
    assert (result.rows_stored, result.rows_rejected) == (2, 1)
    assert {(p.row, p.column, p.code) for p in result.problems} == {(4, "Veckodagar", "bad_weekdays"),
                                                                    (4, "Klockslag", "bad_hours")}
    number = sbg_con.execute("SELECT id FROM interventions WHERE name = 'Helgvärdar'").fetchall()[0][0]
    loaded = register.load(sbg_con, number)
    assert (loaded.weekdays, loaded.hour_from, loaded.hour_to) == ([5, 6], 21, 2)
    day = register.load(sbg_con, sbg_con.execute("SELECT id FROM interventions WHERE name = 'Dagvakt'")
                        .fetchall()[0][0])
    assert (day.weekdays, day.hour_from, day.hour_to) == ([1, 2, 3, 4, 5], 8, 16)
    loaded.hour_to = None
    assert "Ange både första och sista timmen, eller ingen av dem." in register.problems(sbg_con, loaded)
    loaded.hour_to, loaded.weekdays = 3, [6, 5, 5]
    assert register.update(sbg_con, number, loaded, "anna") == {"hour_to": [2, 3]}  # same days in another order
    assert (register.load(sbg_con, number).weekdays, register.load(sbg_con, number).hour_to) == ([5, 6], 3)
