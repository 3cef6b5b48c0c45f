"""AppTests: every page runs without an exception after a realistic interaction.

With `st.navigation`, AppTest keeps only the page's own elements in its tree after a rerun, so the
sidebar's widgets (drawn by app.py) are checked on the first run and driven through session state after it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lagesbild import est

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def test_overview_pages_oversikt(app_env, demo_db):
    app_env(demo_db)
    at = start()  # app_pages/oversikt.py is the default page
    assert not at.exception
    assert at.title[0].value == "Lägesbild – översikt"
    labels = [m.label for m in at.metric]
    assert labels == ["Händelser", "Per 1 000 invånare", "Skadeviktat", "Våld"]
    assert any("Demodata" in info.value for info in at.info)
    assert len(at.dataframe) == 4  # top areas, interventions, sources, Upplevd trygghet (the demo's survey)


def test_overview_follows_the_period(app_env, demo_db):
    app_env(demo_db)
    at = start()
    assert at.selectbox(key="period_preset").value == "12m"
    year_count = at.metric[0].value
    at.session_state["period_preset"] = "30d"
    at.run()
    assert not at.exception
    assert at.metric[0].value != year_count
    assert any(c.value.startswith("Period: 2 oktober 2026 – 31 oktober 2026") for c in at.caption)
    at.session_state["period_preset"] = "eget"
    at.session_state["period_range"] = (date(2026, 7, 1), date(2026, 7, 31))
    at.run()
    assert not at.exception
    assert any(c.value.startswith("Period: 1 juli 2026 – 31 juli 2026") for c in at.caption)


def test_first_start_creates_the_demo(app_env, tmp_path):
    path = tmp_path / "new" / "lagesbild.duckdb"
    app_env(path)
    at = start()
    assert not at.exception
    assert path.exists()
    assert at.metric[0].value != "0"


def test_real_data_has_no_demo_notice(app_env, demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db))
    con.execute("UPDATE imports SET kind = 'incidents', file_name = 'polisen.json'")
    con.close()
    app_env(demo_db)
    at = start()
    assert not at.exception
    assert not any("Demodata" in info.value for info in at.info)


COORDINATOR = {"username": "anna", "role": "coordinator"}


def test_upload_page_pages_ladda_upp_for_the_coordinator(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    at.switch_page("app_pages/ladda_upp.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Ladda upp data"
    history = at.dataframe[0].value
    assert list(history["Fil"]) == ["syntetisk demo (frö 1083)"]
    assert at.selectbox(key="upload_angra_nr").value == 1
    assert at.button(key="upload_angra").disabled  # undo needs a confirmation first


def test_first_run_guide_pages_kom_igang_on_the_demo(app_env, demo_db):
    """On a filled database the guide says every step is done (the empty ones: tests/test_empty_states.py)."""
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    at.switch_page("app_pages/kom_igang.py")
    at.run()
    assert not at.exception
    assert at.title[0].value == "Kom igång"
    assert [h.value for h in at.subheader] == ["Steg 1: Välj kommun – klart", "Steg 2: Områden – klart",
                                               "Steg 3: Befolkning – klart", "Steg 4: Händelser – klart"]
    assert any("syntetisk demodata" in info.value for info in at.info)
    assert "Lägesbilden har det den behöver" in at.success[0].value


def test_upload_page_refuses_viewers_even_when_opened_directly(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(str(ROOT / "app_pages" / "ladda_upp.py"), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert "kräver att du är inloggad som samordnare" in at.error[0].value
    assert not at.title  # nothing of the page is drawn


def test_viewers_do_not_get_the_upload_page_in_the_menu(app_env, demo_db):
    app_env(demo_db)
    at = start()
    # AppTest switches only to registered pages, and names the page it could not find: the menu has no upload.
    with pytest.raises(ValueError, match=r"Could not find a navigation page for '.*app_pages/ladda_upp\.py'"):
        at.switch_page("app_pages/ladda_upp.py")


def test_sign_in_form_when_accounts_are_configured(app_env, demo_db):
    """The form itself is driven in the browser test: AppTest does not submit forms drawn by app.py."""
    from lagesbild import auth

    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.secrets["accounts"] = {"anna": {"role": "coordinator", "password_hash": auth.hash_password("rätt lösen")}}
    at.run()
    assert not at.exception
    assert [t.label for t in at.text_input] == ["Användarnamn", "Lösenord"]
    assert at.button[0].label == "Logga in"


def test_map_page_pages_karta(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/karta.py")
    assert not at.exception
    assert at.title[0].value == "Karta"
    assert at.multiselect(key="karta_lager").value == ["rutor", "omraden", "insatser"]
    at.session_state["karta_profil"] = "SBG-C"
    at.run()
    assert not at.exception
    assert any("Sölvesborg centrum" in m.value for m in at.markdown)
    at.radio(key="karta_ruta").set_value(1000).run()
    assert not at.exception


def test_time_patterns_page_pages_tidsmonster(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/tidsmonster.py")
    assert not at.exception
    assert at.title[0].value == "Tidsmönster"
    assert [s.value for s in at.subheader] == ["Veckodag och klockslag", "Månad för månad, mot samma månader året "
                                               "innan", "Årshjul"]
    assert at.toggle(key="tid_dygn").value is False
    at.toggle(key="tid_dygn").set_value(True).run()
    assert not at.exception
    heat = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert heat["x"][0] == "06" and heat["x"][-1] == "05"
    assert at.query_params["dygn"] == "06"  # the option is part of the shareable link


def test_a_link_opens_the_heat_map_from_six(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"sida": "tid", "dygn": "06"})
    at.run()
    assert not at.exception
    assert at.session_state["tid_dygn"] is True


def test_a_link_opens_its_view(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"kategori": "misshandel,ran", "matt": "skadeviktat", "period": "30d", "okand": "x"})
    at.run()
    assert not at.exception
    assert at.session_state["filter_kategori"] == ["misshandel", "ran"]
    assert at.session_state["period_preset"] == "30d"
    assert at.session_state["filter_matt"] == "skadeviktat"
    assert any("okand" in w.value for w in at.warning)


def test_priorities_page_pages_prioritering(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/prioritering.py")
    assert not at.exception
    assert at.title[0].value == "Prioritering"
    ranking = at.dataframe[0].value
    assert list(ranking.columns) == ["Rang", "Område", "Poäng", "Händelser", "Skadeviktat per 1 000 inv.",
                                     "Utjämnat per 1 000 inv.", "Mot året innan", "Bedömning, året innan",
                                     "Mot föregående period", "Bedömning, föregående period", "Varför"]
    assert ranking["Rang"].tolist()[:3] == [1, 2, 3]
    numbers = ["Poäng", "Händelser", "Skadeviktat per 1 000 inv.", "Mot året innan", "Mot föregående period"]
    assert all(pd.api.types.is_float_dtype(ranking[c]) for c in numbers)  # sorted by value, not as text
    at.slider(key="prio_vikt_coverage").set_value(0.0).run()
    assert not at.exception


def test_register_pages_insatser_is_read_only_for_viewers(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/insatser.py")
    assert not at.exception
    assert at.title[0].value == "Insatser"
    assert any("läggs in och ändras av samordnaren" in i.value for i in at.info)
    assert not at.text_input  # no form
    assert at.query_params["sida"] == "insatser"  # "Kopiera länk" writes this view into the address


def test_weekly_round_pages_veckorond_for_viewers_shows_only_aggregates(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/veckorond.py")
    assert not at.exception
    assert at.title[0].value == "Veckorond (EST)"
    assert [t.label for t in at.tabs] == ["Veckans bild", "Kvartalet"]   # no trend per answer, no form, no log
    picture = at.dataframe[0].value
    assert "Svar" not in picture.columns and "Område" in picture.columns
    assert not at.button  # nothing to save


STAFF = {"username": "bo", "role": "staff"}


def test_weekly_round_staff_sees_missing_answers_and_saves_a_round(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = STAFF
    at.run()
    at.switch_page("app_pages/veckorond.py").run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Veckans bild", "Trend", "Saknade svar", "Kvartalet",
                                          "Fyll i veckans svar"]
    assert at.selectbox(key="est_vecka").value == est.Week(2026, 44)   # the demo's newest round
    tables = {tuple(d.value.columns)[:2]: d.value for d in at.dataframe}
    missing = tables[("Organisation", "Saknas")]
    assert missing.set_index("Organisation").loc["Bostadsbolaget", "Saknas"] == "6 av 6"
    trends = tables[("Område", "Fråga")]
    assert ("Sölvesborg norra", "Skadegörelse", "ökar") in set(zip(trends["Område"], trends["Fråga"],
                                                                   trends["Trend"], strict=True))
    assert at.selectbox(key="est_trend_omrade").value == "SBG-N"   # the chart opens on a rising series
    at.selectbox(key="est_organisation").set_value("polisen").run()
    at.button[0].click().run()  # Spara veckans svar: the saved answers unchanged
    assert not at.exception
    assert any("Inget ändrades" in s.value for s in at.success)


def test_weekly_round_follows_the_risk_factor_filter(app_env, demo_db):
    app_env(demo_db)
    at = start()
    at.session_state["filter_riskfaktor"] = ["upplevd_otrygghet"]
    at.switch_page("app_pages/veckorond.py").run()
    assert not at.exception
    picture = at.dataframe[0].value
    assert list(picture.columns) == ["Område", "Otrygghet"]


def test_weekly_round_coordinator_sees_the_checklist_settings(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    at.switch_page("app_pages/veckorond.py").run()
    assert not at.exception
    assert at.button(key="est_spara_installningar")
    at.button(key="est_spara_installningar").click().run()
    assert not at.exception
    assert any("Checklistan och organisationerna är sparade" in s.value for s in at.success)


def editing_intervention_2() -> AppTest:
    """The coordinator on Insatser with intervention 2 chosen and its name changed, not yet saved."""
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    at.switch_page("app_pages/insatser.py")
    at.run()
    at.selectbox(key="insats_val").set_value(2).run()
    at.text_input[0].set_value("Trygghetsvärdar i centrum, utökat")
    return at


def test_register_coordinator_edits_an_intervention(app_env, demo_db):
    app_env(demo_db)
    at = editing_intervention_2()
    assert not at.exception
    at.button[0].click().run()  # Spara
    assert not at.exception
    import duckdb

    con = duckdb.connect(str(demo_db), read_only=False)
    try:
        name = con.execute("SELECT name FROM interventions WHERE id = 2").fetchall()[0][0]
        log = con.execute("SELECT changed_by, action FROM intervention_log").fetchall()
    finally:
        con.close()
    assert name == "Trygghetsvärdar i centrum, utökat"
    assert log == [("anna", "ändrad")]


def test_follow_up_pages_uppfoljning(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/uppfoljning.py")
    assert not at.exception
    at.selectbox(key="uppf_insats").set_value(1).run()  # the lighting on the dark path
    assert not at.exception
    assert at.success[0].value.count("Säker minskning") == 1
    assert any("efter: 15 mars 2024 – 31 oktober 2026" in c.value for c in at.caption)  # its own period
    at.radio(key="uppf_buffert").set_value("adjacent").run()
    assert not at.exception
    at.toggle(key="uppf_egen").set_value(False).run()
    at.slider(key="uppf_dagar").set_value(180).run()
    assert not at.exception
    assert any("efter: 15 mars 2024 – 10 september 2024" in c.value for c in at.caption)
    assert {k: at.query_params[k] for k in ("sida", "insats", "naromrade", "dagar")} == {
        "sida": "uppfoljning", "insats": "1", "naromrade": "angransande", "dagar": "180"}  # "Kopiera länk"
    at.selectbox(key="uppf_insats").set_value(14).run()  # data begin two months before its start
    at.toggle(key="uppf_egen").set_value(True).run()
    assert any("förkortad" in w.value for w in at.warning)
    assert "dagar" not in at.query_params


def test_a_link_opens_the_follow_up_it_names(app_env, demo_db):
    """A council member's link to one intervention's follow-up opens exactly that, with its options; an
    intervention removed since the link was shared is said, and the page opens on the first one."""
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"sida": "uppfoljning", "insats": "1", "naromrade": "angransande", "dagar": "180",
                            "jamforelse": "SBG-N"})
    at.run()
    assert not at.exception
    assert at.session_state["uppf_insats"] == 1 and at.session_state["uppf_egen"] is False
    assert at.session_state["uppf_jamforelse"] == ["SBG-N"]
    at.switch_page("app_pages/uppfoljning.py").run()
    assert not at.exception
    assert at.selectbox(key="uppf_insats").value == 1
    assert at.radio(key="uppf_buffert").value == "adjacent"
    assert any("efter: 15 mars 2024 – 10 september 2024" in c.value for c in at.caption)
    assert at.query_params["jamforelse"] == "SBG-N"

    gone = AppTest.from_file(APP, default_timeout=TIMEOUT)
    gone.query_params.update({"sida": "uppfoljning", "insats": "999"})
    gone.run()
    assert not gone.exception
    assert any("”999” för ”insats” ignorerades" in w.value.replace("\\", "") for w in gone.warning)


def test_action_plan_pages_atgardsplan(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/atgardsplan.py")
    assert not at.exception
    assert at.title[0].value == "Åtgärdsplan"
    assert len(at.dataframe) >= 5
    assert at.query_params["sida"] == "atgardsplan"  # "Kopiera länk" writes this view into the address


def test_published_page_pages_publicerat(app_env, demo_db):
    """More in tests/test_app_published.py (publishing, a version's link, an unknown version)."""
    app_env(demo_db)
    at = start("app_pages/publicerat.py")
    assert not at.exception
    assert at.title[0].value == "Publicerade lägesbilder"
    assert any("Ingen lägesbild har publicerats" in i.value for i in at.info)
    assert not at.text_input   # viewers get no form
    assert at.query_params["sida"] == "publicerat"  # "Kopiera länk" writes this view into the address


def test_a_save_while_another_write_holds_the_lock_is_said_in_swedish(app_env, demo_db, monkeypatch):
    """A nightly import holding the write lock too long: the coordinator's save is refused in plain Swedish,
    nothing is saved, and the page shows no error box."""
    from lagesbild import snapshots

    app_env(demo_db)
    monkeypatch.setattr(snapshots, "LOCK_WAIT_SECONDS", 0.3)
    at = editing_intervention_2()
    with snapshots.locked(demo_db):
        at.button[0].click().run()  # Spara
    assert not at.exception
    assert any("En annan import eller ändring sparas just nu" in e.value for e in at.error)
    reader, _ = snapshots.reader(demo_db)
    assert reader.execute("SELECT name FROM interventions WHERE id = 2").fetchall()[0][0] == (
        "Trygghetsvärdar i centrum fredag och lördag kväll")


def test_overview_says_which_file_to_import_before_any_reference_statistics(app_env, demo_db):
    app_env(demo_db)
    at = start()
    assert not at.exception
    assert [s.value for s in at.subheader][-1] == "Jämfört med liknande kommuner och riket"
    assert any(c.value.startswith("Ingen jämförelsestatistik är importerad") for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # only the monthly trend


def test_overview_compares_with_similar_municipalities_after_an_import(app_env, demo_db):
    from lagesbild import db
    from lagesbild.ingest import import_bytes
    from tests.ingest_helpers import csv_bytes

    con = db.connect(demo_db)
    rows = ["Kommun;Antal;Per 100 000 inv.", "Sölvesborgs kommun;1646;9446", "Bromölla kommun;900;7200",
            "Östra Göinge kommun;1000;7400", "Osby kommun;900;6700", "Kristianstads kommun;9000;10600"]
    assert import_bytes(con, csv_bytes(rows), "anmalda_brott_2021.csv").status == "stored"
    con.close()
    app_env(demo_db)
    at = start()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 2
    notes = [m.value for m in at.markdown]
    assert any("Sölvesborg" in n and "anmäls" in n for n in notes)
    assert any("Källa: Brå, Anmälda brott i kommunerna 2021" in c.value.replace("\\", "") for c in at.caption)


def test_report_page_pages_rapportera_for_a_reporter(app_env, demo_db):
    """A rapportör's one page (app_pages/rapportera.py): the form sends a report; more in test_observations.py."""
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = {"username": "vard1", "role": "reporter"}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Rapportera"]
    next(s for s in at.selectbox if s.label == "Vad såg du?").set_value("otrygghet")
    next(r for r in at.radio if r.label == "Plats").set_value("omrade")
    at.run()
    at.button(key="rapport_skicka").click()
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Tack! Rapport nr ")


def test_weekly_round_viewers_see_a_week_only_once_it_has_ended(app_env, demo_db):
    """While a week is open its picture changes with each answer, and a viewer comparing before and after would
    read that organisation's answer: viewers choose only among weeks that have ended; staff see this week."""
    from lagesbild import db

    this_week = est.Week.of(date.today())
    con = db.connect(demo_db)
    rows = pd.DataFrame([("MJA", "klotter", 3)], columns=["area_code", "item", "value"])
    for organisation in ("polisen", "trygghetsvardar", "bostadsbolaget"):
        if organisation in set(est.organisations(con)["code"]):
            est.save_round(con, this_week, organisation, rows, "bo", replace_all=False, today=date.today())
    con.close()
    app_env(demo_db)
    viewer = start("app_pages/veckorond.py")
    assert not viewer.exception
    weeks = viewer.selectbox(key="est_vecka").options
    assert this_week.label not in weeks and weeks[0] == this_week.shifted(-1).label
    assert viewer.selectbox(key="est_vecka").value.sunday < date.today()

    staff = AppTest.from_file(APP, default_timeout=TIMEOUT)
    staff.session_state["inloggning"] = STAFF
    staff.run()
    staff.switch_page("app_pages/veckorond.py")
    staff.run()
    assert staff.selectbox(key="est_vecka").value == this_week    # answered this week: staff open on it
