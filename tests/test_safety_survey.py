"""Perceived safety (trygghetsmätning, issue 15 item 3): the survey import (recognised by its columns, areas
mapped by code, name or place name, anything else refused whole with row, column and value), undo, the
interval maths, the small-sample rule, the null simulation and what a viewer sees."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from lagesbild import safety
from lagesbild.demo import survey as demo_survey
from lagesbild.ingest import import_bytes, restore_import, undo_import
from lagesbild.protect import STAFF, Disclosure
from tests.conftest import realdata
from tests.ingest_helpers import csv_bytes, fingerprint

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "docs" / "exempel_trygghetsmatning.csv"
TODAY = date(2026, 11, 15)
HEADER = "indikator;område;år;andel (%);svarande"
VIEWER = Disclosure(viewer=True)


def survey(con, lines, name="trygghet.csv"):
    return import_bytes(con, csv_bytes([HEADER, *lines]), name, today=TODAY)


def stored(con, year=2024):
    return con.execute(
        "SELECT s.indicator, a.code, s.unit, s.value, s.respondents FROM safety_surveys s"
        " LEFT JOIN areas a ON a.id = s.area_id WHERE s.year = ? ORDER BY ALL", [year]).fetchall()


# Import ------------------------------------------------------------------------------------------------------

def test_sample_file_is_recognised_and_every_area_form_maps(sbg_con):
    result = import_bytes(sbg_con, SAMPLE.read_bytes(), SAMPLE.name, today=TODAY)
    assert result.status == "stored", result.summary("sv")
    assert result.kind == "survey"
    assert (result.rows_read, result.rows_stored) == (11, 11)
    rows = stored(sbg_con)
    assert ("Otrygghet utomhus kvällstid", "SBG-S", "andel", 49.2, 65) in rows      # by code
    assert ("Oro för brott", "SBG-S", "andel", 41.5, 65) in rows                    # by name
    assert ("Otrygghet utomhus kvällstid", None, "andel", 19.4, 1080) in rows      # "Hela kommunen"
    assert ("Problemindex", None, "index", 1.86, 1080) in rows                     # "Sölvesborgs kommun"
    again = import_bytes(sbg_con, SAMPLE.read_bytes(), "igen.csv", today=TODAY)
    assert (again.status, again.rows_stored, again.rows_duplicate) == ("stored", 0, 11)


def test_names_are_compared_normalised_with_å_ä_ö_kept(sbg_con):
    result = survey(sbg_con, ["Oro för brott;  SÖLVESBORG   CENTRUM ;2024;25;128", "Oro för brott;sbg-f;2024;20;129"])
    assert result.status == "stored", result.summary("sv")
    assert {r[1] for r in stored(sbg_con)} == {"SBG-C", "SBG-F"}
    refused = survey(sbg_con, ["Oro för brott;Solvesborg centrum;2024;25;128"], "utan_prickar.csv")
    assert refused.status == "refused"  # 'ö' written as 'o' is another name, not a spelling to guess at


def test_a_place_name_of_one_area_maps_the_survey_area(sbg_con):
    station = sbg_con.execute("SELECT id FROM areas WHERE code = 'SBG-S'").fetchall()[0][0]
    sbg_con.execute("INSERT INTO place_names VALUES ('Stationen', ?, NULL)", [station])
    result = survey(sbg_con, ["Otrygghet utomhus kvällstid;Stationen;2024;50;60"])
    assert result.status == "stored", result.summary("sv")
    assert stored(sbg_con) == [("Otrygghet utomhus kvällstid", "SBG-S", "andel", 50.0, 60)]


def test_an_unmatched_area_refuses_the_file_naming_row_column_and_value(sbg_con):
    before = fingerprint(sbg_con)
    result = survey(sbg_con, ["Oro för brott;Sölvesborg centrum;2024;25;128", "Oro för brott;Lund centrum;2024;31;90",
                              "Oro för brott;Ronneby;2024;31;90"])
    assert result.status == "refused"
    message = result.refusal.message("sv")
    assert "trygghet.csv, rad 3, kolumn 'område', värde 'Lund centrum'" in message
    assert "motsvarar inget av områdena i Sölvesborg" in message
    assert [p.row for p in result.problems] == [3, 4]   # every unmatched row is listed with the first
    assert (result.kind, result.headers) == ("survey", [])  # no incident column mapping is offered for it
    assert fingerprint(sbg_con) == before


@pytest.mark.parametrize(("line", "column", "code"), [
    ("Oro för brott;Falkvik;2024;120;100", "andel (%)", "bad_share"),
    ("Oro för brott;Falkvik;2024;tio;100", "andel (%)", "bad_number"),
    ("Oro för brott;Falkvik;2024;12;12,5", "svarande", "bad_respondents"),
    ("Oro för brott;Falkvik;2024;12;-3", "svarande", "bad_respondents"),
    ("Oro för brott;Falkvik;tjugo;12;30", "år", "bad_survey_year"),
    ("Oro för brott;Falkvik;2031;12;30", "år", "bad_survey_year"),
    (";Falkvik;2024;12;30", "indikator", "missing_value"),
])
def test_bad_values_refuse_the_file(sbg_con, line, column, code):
    before = fingerprint(sbg_con)
    result = survey(sbg_con, ["Oro för brott;Mjällby;2024;14;82", line])
    assert result.status == "refused"
    assert (result.refusal.row, result.refusal.column, result.refusal.code) == (3, column, code)
    assert fingerprint(sbg_con) == before


@pytest.mark.parametrize(("indicator", "code"), [
    ("Otrygghet 1981-12-18-9876", "personal_id"), ("Otrygghet kalle.svensson@exempel.se", "personal_email"),
    ("Otrygghet Ka\u200blle Svensson", "personal_name"),
])
def test_an_indicator_holding_personal_data_refuses_the_file(sbg_con, indicator, code):
    """Indicator names are shown to everyone: read as typed text (an adversary stored these before)."""
    before = fingerprint(sbg_con)
    result = survey(sbg_con, ["Oro för brott;Mjällby;2024;14;82", f"{indicator};Falkvik;2024;12;30"])
    assert result.status == "refused"
    assert (result.refusal.row, result.refusal.column, result.refusal.code) == (3, "indikator", code)
    assert fingerprint(sbg_con) == before


def test_shares_written_as_fractions_refuse_the_file(sbg_con):
    """0,25 meant as 25 % would be stored as a quarter of a per cent, silently (found in review)."""
    before = fingerprint(sbg_con)
    result = survey(sbg_con, ["Oro för brott;Mjällby;2024;0,14;82", "Oro för brott;Falkvik;2024;0,25;40"])
    assert result.status == "refused"
    assert (result.refusal.row, result.refusal.column, result.refusal.code) == (2, "andel (%)", "shares_as_fractions")
    assert fingerprint(sbg_con) == before


def test_the_same_row_twice_with_another_value_and_a_stored_value_contradicted_are_refused(sbg_con):
    twice = survey(sbg_con, ["Oro för brott;Falkvik;2024;12;100", "Oro för brott;falkvik;2024;14;100"])
    assert (twice.status, twice.refusal.code, twice.refusal.detail) == ("refused", "survey_twice", "2")
    first = survey(sbg_con, ["Oro för brott;Falkvik;2024;12;100"])
    assert first.status == "stored"
    before = fingerprint(sbg_con)
    other = survey(sbg_con, ["Oro för brott;Falkvik;2024;13;100"], "andra.csv")
    assert (other.status, other.refusal.code) == ("refused", "survey_conflict")
    assert f"import {first.import_id}" in other.refusal.message("sv")
    assert fingerprint(sbg_con) == before


def test_an_export_split_by_sex_is_refused_naming_the_column_that_splits_it(sbg_con):
    before = fingerprint(sbg_con)
    result = import_bytes(sbg_con, csv_bytes([
        "indikator;område;år;Kön;andel (%);svarande",
        "Oro för brott;Falkvik;2024;Kvinna;31;58",
        "Oro för brott;Falkvik;2024;Man;17;49"]), "uppdelad.csv", today=TODAY)
    assert result.status == "refused"
    refusal = result.refusal
    assert (refusal.row, refusal.column, refusal.value, refusal.code, refusal.detail) == (
        3, "Kön", "Man", "survey_split", "2")
    assert "en rad per indikator, område och år för alla svarande" in refusal.message("sv")
    assert fingerprint(sbg_con) == before


def test_an_explicit_unit_column_and_missing_respondents(sbg_con):
    result = import_bytes(sbg_con, csv_bytes([
        "Indikator;Område;År;Värde;Antal svar;Enhet",
        "Trygghetsindex;Falkvik;2024;3,4;;index",
        "Oro för brott;Falkvik;2024;21;..;andel",
    ]), "enhet.csv", today=TODAY)
    assert result.status == "stored", result.summary("sv")
    assert stored(sbg_con) == [("Oro för brott", "SBG-F", "andel", 21.0, None),
                               ("Trygghetsindex", "SBG-F", "index", 3.4, None)]


def test_undo_removes_exactly_the_survey_and_restore_brings_it_back(sbg_con):
    before = fingerprint(sbg_con)
    result = import_bytes(sbg_con, SAMPLE.read_bytes(), SAMPLE.name, today=TODAY)
    after = sbg_con.execute("SELECT * FROM safety_surveys ORDER BY ALL").fetchall()
    assert undo_import(sbg_con, result.import_id, undone_by="test") == {"safety_surveys": 11}
    assert stored(sbg_con) == []
    assert sbg_con.execute("SELECT count(*) FROM undone_safety_surveys").fetchall()[0][0] == 11
    restore_import(sbg_con, result.import_id, restored_by="test")
    assert sbg_con.execute("SELECT * FROM safety_surveys ORDER BY ALL").fetchall() == after
    undo_import(sbg_con, result.import_id, undone_by="test")
    assert stored(sbg_con) == []
    assert sbg_con.execute("SELECT status FROM imports WHERE id = ?", [result.import_id]).fetchall() == [("undone",)]
    sbg_con.execute("DELETE FROM imports WHERE id = ?", [result.import_id])
    sbg_con.execute("DELETE FROM undone_safety_surveys")
    assert fingerprint(sbg_con) == before  # nothing else was touched


def test_the_real_bra_regionbarometer_table_is_not_taken_for_a_survey(sbg_con):
    """No survey file is among the shared real files (SOURCES.md lists reported-crime statistics only), so the
    real check is the other way round: BRÅ's table per municipality stays reference statistics."""
    path = realdata("bra_regionbarometern/anmalda_brott.csv")
    result = import_bytes(sbg_con, path.read_bytes(), "anmalda_brott_2021.csv", today=TODAY)
    assert (result.status, result.kind) == ("stored", "reference")


# Interval maths ----------------------------------------------------------------------------------------------

def test_wilson_matches_published_values():
    # Newcombe (1998), table I: 81/263 -> 0.2553 to 0.3662; 15/148 -> 0.0624 to 0.1605; 0/20 -> 0 to 0.1611.
    low, high = safety.wilson([100 * 81 / 263, 100 * 15 / 148, 0.0], [263, 148, 20])
    assert np.round(low, 2).tolist() == [25.53, 6.24, 0.0]
    assert np.round(high, 2).tolist() == [36.62, 16.05, 16.11]


def test_newcombe_difference_matches_the_published_example():
    # Newcombe (1998b), example (a): 56/70 − 48/80, method 10: 0.0524 to 0.3339.
    difference, low, high = safety.difference_interval(80.0, 70, 60.0, 80)
    assert round(difference, 1) == 20.0
    assert (round(low, 2), round(high, 2)) == (5.24, 33.39)


def test_tiny_samples_are_flagged_and_never_judged():
    low, high = safety.wilson([33.3, 50.0, 40.0], [3, 0, np.nan])
    assert 0 < low[0] < 10 and high[0] > 75              # n = 3: an interval almost as wide as the scale
    assert math.isnan(low[1]) and math.isnan(high[2])     # n = 0 and no count: no interval at all
    assert all(safety.small(n) for n in (3, 0, None, float("nan"), 29)) and not safety.small(30)
    for n in (3, 0, None):
        assert safety.compare(90.0, n, 10.0, 500).verdict == safety.SMALL
    assert safety.compare(2.5, 400, 1.5, 400, unit="index").verdict == "index"
    assert "prövas inte" in safety.compare(2.5, 400, 1.5, 400, unit="index").text("index")


def test_a_planted_difference_is_found():
    rng = np.random.default_rng(7)
    found = 0
    for _ in range(400):
        a, b = rng.binomial(300, 0.40), rng.binomial(300, 0.28)
        found += safety.compare(100 * a / 300, 300, 100 * b / 300, 300).verdict == "ökning"
    assert found / 400 > 0.85   # power at 12 points with 300 answers each is about 0.9


@pytest.mark.parametrize(("share", "n_a", "n_b"), [(0.30, 120, 200), (0.10, 40, 60), (0.50, 30, 30),
                                                   (0.05, 300, 300)])
def test_the_same_true_share_is_called_different_no_more_often_than_five_percent(share, n_a, n_b):
    """The null: two samples of the same true share. The stated rate is 5 %; allow three standard errors of
    the simulation above it (4 000 draws: 5 % + 1 %)."""
    rng = np.random.default_rng(2024)
    draws = 4000
    a = rng.binomial(n_a, share, draws) * 100 / n_a
    b = rng.binomial(n_b, share, draws) * 100 / n_b
    flagged = sum(safety.compare(x, n_a, y, n_b).real for x, y in zip(a, b, strict=True))
    assert flagged / draws <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / draws)


# Reading and protection --------------------------------------------------------------------------------------

def test_viewers_never_see_a_value_from_fewer_answers_than_the_threshold(sbg_con):
    survey(sbg_con, ["Oro för brott;Falkvik;2026;33,3;3", "Oro för brott;Mjällby;2026;0;0",
                     "Oro för brott;Sölve;2026;40;", "Oro för brott;Valje;2026;20;5",
                     "Oro för brott;Norje;2026;22;31", "Oro för brott;Hällevik;2026;50;10",
                     "Oro för brott;Pukavik;2026;12,5;16", "Oro för brott;Gammalstorp;2026;87,5;16"])
    staff = safety.survey_values(sbg_con, STAFF).query("year == 2026").set_index("area_code")
    viewer = safety.survey_values(sbg_con, VIEWER).query("year == 2026").set_index("area_code")
    assert staff.loc["SBG-F", "value"] == 33.3 and staff["small"].loc[["SBG-F", "MJA", "SOL", "VAL"]].all()
    assert not staff.loc["NOR", "small"]
    for code in ("SBG-F", "MJA", "SOL"):
        assert viewer.loc[code, "hidden"]
        assert viewer.loc[code, ["value", "low", "high", "respondents"]].isna().all()
    # share × respondents is a count of people: 20 % of 5 is one person, 12,5 % of 16 two, 87,5 % of 16 all but
    # two (found by an adversary); the value is hidden, the respondents (enough of them) are not
    for code in ("VAL", "PUK", "GAM"):
        assert viewer.loc[code, "hidden"] and np.isnan(viewer.loc[code, "value"]), code
        assert viewer.loc[code, "respondents"] == staff.loc[code, "respondents"], code
    assert not viewer.loc["HAL", "hidden"] and viewer.loc["HAL", "value"] == 50.0   # five and five: shown
    assert not viewer.loc["NOR", "hidden"]
    falkvik = [i for i in safety.area_latest(sbg_con, "SBG-F", VIEWER) if i.indicator == "Oro för brott"][0]
    assert (falkvik.value_text(), falkvik.respondents_text()) == (safety.HIDDEN_TEXT, "<5")
    pukavik = [i for i in safety.area_latest(sbg_con, "PUK", VIEWER) if i.indicator == "Oro för brott"][0]
    assert (pukavik.value_text(), pukavik.respondents_text()) == (safety.HIDDEN_TEXT, f"{safety.WARNING} 16")
    assert falkvik.change is None   # a change against a hidden value would give it away
    table = safety.latest_table(safety.area_latest(sbg_con, "SBG-F", VIEWER))
    assert "33" not in " ".join(table.astype(str).to_numpy().ravel())


def test_the_demo_shows_insecurity_at_the_station_and_a_real_fall_in_the_centre(sbg_con):
    frame, label = safety.map_values(sbg_con, STAFF)
    assert label == demo_survey.INSECURITY
    assert set(frame["year"]) == {demo_survey.survey_years(date(2026, 10, 31))[1]}
    by_area = frame.set_index("area_code")
    assert by_area["value"].idxmax() == demo_survey.STATION
    assert by_area.loc[demo_survey.SMALL_AREA, "small"] and by_area["small"].sum() == 1
    centre = [i for i in safety.area_latest(sbg_con, demo_survey.CENTRE) if i.indicator == demo_survey.INSECURITY]
    assert centre[0].change is not None and centre[0].change.verdict == "minskning"
    station_incidents, rate = sbg_con.execute(
        "SELECT count(*) FILTER (WHERE a.code = ?), count(*) FROM incidents i JOIN areas a ON a.id = i.area_id",
        [demo_survey.STATION]).fetchall()[0]
    assert station_incidents < rate / 4   # few reported crimes where insecurity is highest
    whole = safety.municipality_latest(sbg_con)
    assert [i.place for i in whole][:2] == [safety.WHOLE, safety.WHOLE]


def test_pooled_areas_say_how_many_areas_they_weigh(empty_con):
    import pandas as pd

    frame = pd.DataFrame({"indicator_key": ["x", "x"], "indicator": ["X", "X"], "area_code": ["A", "B"],
                          "area_name": ["A", "B"], "year": [2024, 2024], "unit": ["andel", "andel"],
                          "value": [10.0, 40.0], "respondents": [100.0, 50.0]})
    pooled = safety.pooled(frame)
    assert pooled["value"].tolist() == [20.0] and pooled["respondents"].tolist() == [150.0]
    assert pooled["area_name"].iloc[0].startswith("2 områden")
    assert safety.pooled(frame.assign(respondents=[100.0, float("nan")])).empty


# Shown in the app ---------------------------------------------------------------------------------------------

def _staff(page, params=None):
    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP, TIMEOUT

    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = {"username": "sara", "role": "staff"}
    at.query_params.update(params or {})
    at.run()
    at.switch_page(page)
    at.run()
    return at


def _tables(at):
    return [frame.value for frame in at.dataframe]


def test_the_overview_shows_upplevd_trygghet_with_its_change(app_env, demo_db):
    app_env(demo_db)
    at = _staff("app_pages/oversikt.py")
    assert not at.exception
    assert "Upplevd trygghet" in [h.value for h in at.subheader]
    table = next(t for t in _tables(at) if "Förändring" in t.columns)
    row = table[table["Indikator"] == demo_survey.INSECURITY].iloc[0]
    assert (row["Område"], row["År"], row["Jämfört med"]) == (safety.WHOLE, "2025", "2023")
    assert "procentenheter (95 %:" in row["Förändring"] and "%" in row["Värde (95 %)"]
    assert any("för få svar" in c.value for c in at.caption)


def test_the_map_draws_the_survey_layer_with_respondents_and_marked_small_samples(app_env, demo_db):
    import json

    app_env(demo_db)
    at = _staff("app_pages/karta.py", {"sida": "karta", "lager": "omraden,otrygghet"})
    assert not at.exception
    assert "otrygghet" in at.multiselect(key="karta_lager").value
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert {"otrygghet", "otrygghet_fa_svar"} <= set(layers)
    tips = [d["tooltip"] for d in layers["otrygghet"]["data"]]
    station = next(t for t in tips if t.startswith("Stationsområdet"))
    assert "svarande" in station and demo_survey.INSECURITY in station
    small = [d["tooltip"] for d in layers["otrygghet_fa_svar"]["data"]]
    assert len(small) == 1 and small[0].startswith("Pukavik") and "för få svar" in small[0]
    legends = [el.proto.body for el in at.get("html") if "kartans-teckenforklaring" in el.proto.body]
    assert any("Otrygghet (enkät)" in html and "för få svar" in html for html in legends)
    at.selectbox(key="karta_profil").set_value(demo_survey.STATION).run()
    assert not at.exception
    profile = next(t for t in _tables(at) if "Svarande" in t.columns and "Område" not in t.columns)
    assert demo_survey.INSECURITY in profile["Indikator"].tolist()


def test_a_viewer_sees_no_survey_value_from_fewer_than_five_answers_on_the_map(app_env, demo_db):
    import json

    from streamlit.testing.v1 import AppTest

    from tests.test_app import APP, TIMEOUT

    con = __import__("lagesbild.db", fromlist=["connect"]).connect(demo_db)
    con.execute("UPDATE safety_surveys SET respondents = 3 WHERE area_id = (SELECT id FROM areas WHERE code = 'PUK')")
    con.close()
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"sida": "karta", "lager": "otrygghet"})
    at.run()
    at.switch_page("app_pages/karta.py")
    at.run()
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    data = next(layer for layer in deck["layers"] if layer["id"] == "otrygghet")["data"]
    pukavik = next(d["tooltip"] for d in data if d["tooltip"].startswith("Pukavik"))
    assert safety.HIDDEN_TEXT in pukavik and "%" not in pukavik


def test_the_report_has_a_perceived_safety_section_protected_for_viewers(sbg_db):
    from lagesbild import db, report
    from lagesbild.filters import Filters
    from lagesbild.report.model import Heading, Table
    from tests.test_report import pdf_pages

    con = db.connect(sbg_db)
    try:
        con.execute("UPDATE safety_surveys SET respondents = 3 WHERE area_id = (SELECT id FROM areas"
                    " WHERE code = 'PUK') AND year = 2025")
        filters = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
        internal = report.build(con, filters, shown=STAFF, today=TODAY)
        protected = report.build(con, filters, shown=VIEWER, today=TODAY)
    finally:
        con.close()
    for made in (internal, protected):
        headings = [b.text for b in made.blocks if isinstance(b, Heading)]
        assert headings.index("Upplevd trygghet") < headings.index("Jämförelse med liknande kommuner och riket")
        assert headings.index("Kartläggning") < headings.index("Upplevd trygghet") < headings.index("Källor")
    tables = [b.frame for b in internal.blocks if isinstance(b, Table) and "Svarande" in b.frame.columns]
    per_area = tables[1]
    assert per_area["Område"].iloc[0] == "Stationsområdet och hamnen"
    pukavik = per_area[per_area["Område"] == "Pukavik"].iloc[0]
    assert pukavik["Svarande"] == f"{safety.WARNING} 3" and "%" in pukavik["Värde (95 %)"]
    hidden = [b.frame for b in protected.blocks if isinstance(b, Table) and "Svarande" in b.frame.columns][1]
    pukavik = hidden[hidden["Område"] == "Pukavik"].iloc[0]
    assert (pukavik["Svarande"], pukavik["Värde (95 %)"]) == ("<5", safety.HIDDEN_TEXT)
    text = "\n".join(pdf_pages(report.layout(protected, "pdf")))
    assert "Upplevd trygghet" in text and "Stationsområdet och hamnen" in text and safety.WARNING in text


def test_high_insecurity_is_an_optional_need_in_the_ranking(sbg_con):
    from dataclasses import replace

    from lagesbild import priorities
    from lagesbild.filters import Filters

    filters = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
    plain = priorities.rank(sbg_con, filters)
    assert priorities.Weights().insecurity == 0.0 and (plain.table["c_insecure"] == 0).all()
    weighted = priorities.rank(sbg_con, filters, replace(priorities.Weights(), insecurity=0.5))
    table = weighted.table.set_index("code")
    assert table.loc[demo_survey.STATION, "c_insecure"] == 1.0                  # the highest lower bound
    assert table.loc[demo_survey.SMALL_AREA, "c_insecure"] == 0.0               # under 30 answers: no credit
    assert 0 < table.loc[demo_survey.CENTRE, "c_insecure"] < 1
    assert "hög otrygghet i trygghetsmätningen" in table.loc[demo_survey.STATION, "reasons"]
    before = plain.table.set_index("code")
    assert table.loc[demo_survey.STATION, "need"] == pytest.approx(before.loc[demo_survey.STATION, "need"] + 0.5)


def test_a_viewer_cannot_subtract_a_hidden_area_from_the_municipality(sbg_con):
    """Municipality 100 answers = Falkvik 3 + Mjällby 97: the municipality's share and Mjällby's would give
    Falkvik's. So Mjällby is hidden too (complementary suppression), and the municipality's headline stays; with
    1 000 answers (the rest are many people elsewhere) Mjällby need not be; a value pooled from the areas is
    shown only with both hidden."""
    rows = ["Oro för brott;Hela kommunen;2026;30;100", "Oro för brott;Falkvik;2026;100;3",
            "Oro för brott;Mjällby;2026;27,8;97",
            "Otrygghet utomhus kvällstid;Hela kommunen;2026;30;1000", "Otrygghet utomhus kvällstid;Falkvik;2026;100;3",
            "Otrygghet utomhus kvällstid;Mjällby;2026;27,8;97",
            "Trygg i bostadsområdet;Falkvik;2026;0;3", "Trygg i bostadsområdet;Mjällby;2026;80;50"]
    assert survey(sbg_con, rows).status == "stored"
    viewer = {i.indicator: i for i in safety.municipality_latest(sbg_con, VIEWER)}
    staff = {i.indicator: i for i in safety.municipality_latest(sbg_con, STAFF)}
    # the municipality's headline stays; Mjällby, the one visible area, is hidden beside Falkvik instead
    assert not viewer["Oro för brott"].hidden and viewer["Oro för brott"].value == 30
    assert not viewer["Otrygghet utomhus kvällstid"].hidden and viewer["Otrygghet utomhus kvällstid"].value == 30
    assert not viewer["Trygg i bostadsområdet"].hidden and staff["Trygg i bostadsområdet"].value == pytest.approx(
        80 * 50 / 53) == viewer["Trygg i bostadsområdet"].value
    values = safety.survey_values(sbg_con, VIEWER).query("year == 2026")
    hidden = {(i, a) for i, a in zip(values["indicator"], values["area_name"], strict=True)
              if values.set_index(["indicator", "area_name"]).loc[(i, a), "hidden"]}
    assert hidden == {("Oro för brott", "Falkvik"), ("Oro för brott", "Mjällby"),
                      ("Otrygghet utomhus kvällstid", "Falkvik"),   # 1 000 answers elsewhere blur Mjällby's
                      ("Trygg i bostadsområdet", "Falkvik"), ("Trygg i bostadsområdet", "Mjällby")}
    # whatever is shown, no hidden area's value follows: the municipality minus what is visible is two areas
    # together (Falkvik + Mjällby: 100 answers, 30 people), or a thousand answers outside any area


def test_an_area_hidden_for_its_few_people_cannot_be_subtracted_either(sbg_con):
    """Falkvik 10 % of 30 answers is three people: hidden. The municipality's 40 answers are Falkvik's and
    Mjällby's only, so the municipality's share would give Falkvik's back: it is hidden too."""
    rows = ["Oro för brott;Hela kommunen;2026;20;40", "Oro för brott;Falkvik;2026;10;30",
            "Oro för brott;Mjällby;2026;50;10"]
    assert survey(sbg_con, rows).status == "stored"
    viewer = safety.survey_values(sbg_con, VIEWER).query("year == 2026").set_index("area_name")
    assert viewer.loc["Falkvik", "hidden"] and viewer.loc["Falkvik", "respondents"] == 30
    # complementary suppression: Mjällby is hidden instead of the municipality's headline, since Falkvik and
    # Mjällby together (40 answers, 8 people) give nothing small away
    assert viewer.loc["Mjällby", "hidden"] and viewer.loc["Mjällby", "guarding"]
    assert not viewer.loc[safety.WHOLE, "hidden"] and viewer.loc[safety.WHOLE, "value"] == 20
    mjallby = [i for i in safety.area_latest(sbg_con, "MJA", VIEWER) if i.year == 2026][0]
    assert mjallby.value_text() == safety.GUARD_TEXT


def test_without_an_area_left_to_hide_the_municipality_is_hidden(sbg_con):
    """Falkvik 10 % of 30 and nothing else: the municipality's 30 answers are Falkvik's three people."""
    assert survey(sbg_con, ["Oro för brott;Hela kommunen;2026;10;30", "Oro för brott;Falkvik;2026;10;30"]
                  ).status == "stored"
    viewer = safety.survey_values(sbg_con, VIEWER).query("year == 2026").set_index("area_name")
    assert viewer.loc[safety.WHOLE, "hidden"] and viewer.loc["Falkvik", "hidden"]
    assert [i.value_text() for i in safety.municipality_latest(sbg_con, VIEWER) if i.year == 2026] == [
        safety.HIDDEN_TEXT]
