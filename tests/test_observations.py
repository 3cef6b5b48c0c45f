"""Reports from the street (issue 15): stored as incidents, guarded, editable for a day, once per draft token;
and a rapportör reaches no page but Rapportera."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lagesbild import auth, db, observations, queries
from lagesbild.ingest import undo

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
TORGET = (14.5842, 56.0508)  # in the demo's "Sölvesborg centrum"
REPORTER = {"username": "vard1", "role": "reporter"}
OWN_COUNT = "SELECT count(*) FROM street_reports WHERE client_token NOT LIKE 'demo-%'"  # the demo has its own


def labelled(widgets, label: str):
    """The widget with this label (the form's keys end in the draft's token)."""
    return next(w for w in widgets if w.label == label)


def report(**changes) -> observations.Report:
    given = {"category": "klotter", "occurred_at": NOW - timedelta(minutes=10), "seriousness": 2,
             "lon": TORGET[0], "lat": TORGET[1], "risk_factors": ("nedskrapning_klotter", "bristande_belysning")}
    return observations.Report(**(given | changes))


def send(con, token="t1", author="vard1", organisation="Trygghetsvärdar", **changes) -> observations.Receipt:
    return observations.submit(con, report(**changes), author=author, organisation=organisation, token=token, now=NOW)


def test_a_report_is_an_incident_of_its_own_import(sbg_con):
    before = queries.data_version(sbg_con)
    receipt = send(sbg_con, note="vid bänken")
    assert receipt.text() == f"Tack! Rapport nr {receipt.number} sparad kl. 15:00."
    row = queries.frame(sbg_con, "SELECT s.code AS source, c.code AS category, a.code AS area, i.precision, i.hour,"
                                 " i.description, m.kind, m.status, m.imported_by, m.source_key FROM incidents i"
                                 " JOIN sources s ON s.id = i.source_id JOIN categories c ON c.id = i.category_id"
                                 " JOIN areas a ON a.id = i.area_id JOIN imports m ON m.id = i.import_id"
                                 " WHERE i.id = ?", [receipt.incident_id]).iloc[0].to_dict()
    assert row == {"source": "trygghetsvardar", "category": "klotter", "area": "SBG-C", "precision": "exact",
                   "hour": 14, "description": "vid bänken", "kind": "incidents", "status": "stored",
                   "imported_by": "vard1", "source_key": "rapport"}
    factors = queries.rows(sbg_con, "SELECT f.code FROM incident_risk_factors l JOIN risk_factors f"
                                    " ON f.id = l.risk_factor_id WHERE l.incident_id = ? ORDER BY 1",
                           [receipt.incident_id])
    assert [f for (f,) in factors] == ["bristande_belysning", "nedskrapning_klotter"]
    assert queries.data_version(sbg_con) == before + 1  # every cache keyed by the version goes stale
    assert observations.load(sbg_con, receipt.number) == report(
        note="vid bänken", risk_factors=("bristande_belysning", "nedskrapning_klotter"))  # in the vocabulary's order


def test_a_partner_organisation_gets_its_own_source(sbg_con):
    receipt = send(sbg_con, organisation="Sölvesborgshem", area_code="SBG-C", lon=None, lat=None)
    source = queries.rows(sbg_con, "SELECT s.code, s.label, i.precision, i.x FROM incidents i JOIN sources s"
                                   " ON s.id = i.source_id WHERE i.id = ?", [receipt.incident_id])
    assert source == [("solvesborgshem", "Sölvesborgshem", "area", None)]
    again = send(sbg_con, token="t2", organisation="Sölvesborgshem", area_code="SBG-C", lon=None, lat=None)
    assert queries.rows(sbg_con, "SELECT count(*) FROM sources WHERE code = 'solvesborgshem'") == [(1,)]
    assert again.number == receipt.number + 1
    assert receipt.number > 700  # after the demo's year of reports


def test_the_same_draft_sent_twice_is_stored_once(sbg_con):
    first = send(sbg_con, token="utkast-1")
    second = send(sbg_con, token="utkast-1")
    assert (second.number, second.incident_id, second.again) == (first.number, first.incident_id, True)
    assert queries.rows(sbg_con, OWN_COUNT) == [(1,)]
    assert queries.rows(sbg_con, "SELECT count(*) FROM incidents WHERE natural_key = 'rapport:utkast-1'") == [(1,)]
    assert send(sbg_con, token="utkast-2").number == first.number + 1


@pytest.mark.parametrize("note", ["Anna Svensson sprayade", "sågs av 19811218-9876", "811218-9876 var där"])
def test_the_guard_refuses_names_and_personal_numbers(sbg_con, note):
    incidents = queries.rows(sbg_con, "SELECT count(*) FROM incidents")
    with pytest.raises(observations.ReportError) as refused:
        send(sbg_con, note=note)
    assert any("Kommentar" in reason for reason in refused.value.reasons)
    assert note not in " ".join(refused.value.reasons)  # the reason never repeats the personal data
    assert queries.rows(sbg_con, "SELECT count(*) FROM incidents") == incidents
    assert queries.rows(sbg_con, OWN_COUNT) == [(0,)]


@pytest.mark.parametrize(("changes", "reason"), [
    ({"category": ""}, "Välj vad du såg."),
    ({"lon": None, "lat": None}, "Välj var: peka på kartan eller välj ett område."),
    ({"lon": 15.5, "lat": 56.2}, "Platsen ligger utanför kommunens områden. Peka på kartan inom kommunen."),
    ({"seriousness": 4}, "Välj hur allvarligt det är (1–3)."),
    ({"occurred_at": NOW + timedelta(hours=2)}, "Tiden ligger i framtiden."),
    ({"risk_factors": ("inget_sadant",)}, "Okända riskfaktorer: inget_sadant."),
])
def test_an_incomplete_report_says_what_is_missing(sbg_con, changes, reason):
    with pytest.raises(observations.ReportError) as refused:
        send(sbg_con, **changes)
    assert reason in refused.value.reasons
    assert queries.rows(sbg_con, OWN_COUNT) == [(0,)]


def test_the_author_may_edit_and_delete_for_a_day(sbg_con):
    receipt = send(sbg_con)
    changes = observations.edit(sbg_con, receipt.number, report(category="nedskrapning", seriousness=3),
                                author="VARD1", now=NOW + timedelta(hours=23))
    assert changes == {"kategori": ["klotter", "nedskrapning"], "allvar": [2, 3]}
    assert queries.rows(sbg_con, "SELECT c.code FROM incidents i JOIN categories c ON c.id = i.category_id"
                                 " WHERE i.id = ?", [receipt.incident_id]) == [("nedskrapning",)]
    with pytest.raises(observations.ReportError, match="finns inte bland dina rapporter"):
        observations.delete(sbg_con, receipt.number, author="vard2", now=NOW)
    with pytest.raises(observations.ReportError, match="kan inte längre ändras"):
        observations.edit(sbg_con, receipt.number, report(), author="vard1", now=NOW + timedelta(hours=25))
    with pytest.raises(observations.ReportError, match="kan inte längre ändras"):
        observations.delete(sbg_con, receipt.number, author="vard1", now=NOW + timedelta(hours=25))
    assert list(observations.own_reports(sbg_con, "vard1", now=NOW + timedelta(hours=1))["number"]) == [receipt.number]
    assert observations.own_reports(sbg_con, "vard1", now=NOW + timedelta(hours=25)).empty

    observations.delete(sbg_con, receipt.number, author="vard1", now=NOW + timedelta(hours=2))
    assert queries.rows(sbg_con, "SELECT count(*) FROM incidents WHERE id = ?", [receipt.incident_id]) == [(0,)]
    assert observations.own_reports(sbg_con, "vard1", now=NOW + timedelta(hours=2)).empty
    assert list(observations.history(sbg_con, receipt.number)["action"]) == ["skapad", "ändrad", "borttagen"]
    # the coordinator can bring it back: a deleted report is an undone import
    import_id = queries.rows(sbg_con, "SELECT import_id FROM street_reports WHERE id = ?", [receipt.number])[0][0]
    undo.restore_import(sbg_con, import_id, restored_by="anna")
    assert queries.rows(sbg_con, "SELECT count(*) FROM incidents WHERE id = ?", [receipt.incident_id]) == [(1,)]


def test_a_failed_write_keeps_nothing(sbg_con, monkeypatch):
    def broken(cur, organisation):
        raise db.WriteError("Databasen svarar inte.")

    monkeypatch.setattr(observations, "source_for", broken)
    with pytest.raises(db.WriteError):
        send(sbg_con, token="avbrutet")
    monkeypatch.undo()
    assert queries.rows(sbg_con, OWN_COUNT) == [(0,)]
    assert send(sbg_con, token="avbrutet").again is False  # sent again: stored now, once


def test_the_pick_grid_covers_the_area_finely_and_small(sbg_con):
    centre = observations.pick_grid(sbg_con, "SBG-C")
    assert centre.size_m == observations.FINEST_PICK_M * 2 or centre.size_m == observations.FINEST_PICK_M
    assert 100 < len(centre.cells) <= observations.MAX_PICK_CELLS
    countryside = observations.pick_grid(sbg_con, "LAN-N")
    assert countryside.size_m > centre.size_m and len(countryside.cells) <= observations.MAX_PICK_CELLS
    # every square offered has its centre in an area (its own, or the neighbour's at the edge), so every tap can
    # be sent (an adversary found 174 of 15 068 squares at the coast that could not)
    for grid in (centre, countryside):
        found = {observations.area_of(sbg_con, lon, lat) for lon, lat in zip(grid.cells["lon"], grid.cells["lat"],
                                                                             strict=True)}
        assert None not in found and grid.area_code in found
    deck = observations.pick_deck(sbg_con, centre, TORGET)
    ids = [layer.id for layer in deck.layers]
    assert "rutor" in ids and "vald_punkt" in ids
    assert "rutor" not in [layer.id for layer in deck.layers if not getattr(layer, "pickable", False)]


def test_reporter_accounts_and_oidc_roles():
    config = {"accounts": {"Vard1": {"role": "reporter", "password_hash": "x"},
                           "hem": {"role": "reporter", "organisation": "Sölvesborgshem", "password_hash": "x"}},
              "roles": {"reporters": ["fast@bolag.se"], "organisations": {"fast@bolag.se": "Fastighetsbolaget"}}}
    assert auth.organisation_for(config, "vard1") == auth.DEFAULT_ORGANISATION
    assert auth.organisation_for(config, "hem") == "Sölvesborgshem"
    assert auth.role_for_email(config, "FAST@bolag.se") == auth.REPORTER
    assert auth.organisation_for(config, "fast@bolag.se") == "Fastighetsbolaget"
    # outside the ladder: a reporter is not even a viewer
    assert not any(auth.at_least(auth.REPORTER, role) for role in auth.ROLES)
    assert auth.ROLE_LABELS[auth.REPORTER] == "Rapportör"


# The app: a rapportör gets Rapportera and nothing else ---------------------------------------------------------

def reporter_app(path: str | None = None) -> AppTest:
    at = AppTest.from_file(path or str(ROOT / "app.py"), default_timeout=60)
    at.session_state["inloggning"] = REPORTER
    return at


def test_rapportera_sends_a_report_and_shows_the_receipt(app_env, sbg_db):
    app_env(sbg_db)
    at = reporter_app()
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Rapportera"]
    labelled(at.selectbox, "Vad såg du?").set_value("klotter")
    labelled(at.radio, "Plats").set_value("omrade")
    at.run()
    at.button(key="rapport_skicka").click()
    at.run()
    assert not at.exception
    assert at.success[0].value.startswith("Tack! Rapport nr ")
    assert labelled(at.selectbox, "Vad såg du?").value is None  # a fresh form for the next report
    assert at.subheader[0].value == "Dina senaste rapporter"
    con = db.connect(sbg_db)
    try:
        assert queries.rows(con, "SELECT author, organisation FROM street_reports WHERE author = 'vard1'") == [("vard1", "Trygghetsvärdar")]
    finally:
        con.close()


def test_rapportera_keeps_the_draft_when_the_database_fails(app_env, sbg_db, monkeypatch):
    app_env(sbg_db)
    at = reporter_app()
    at.run()
    labelled(at.selectbox, "Vad såg du?").set_value("nedskrapning")
    labelled(at.radio, "Plats").set_value("omrade")
    labelled(at.text_input, "Kommentar (valfri, utan namn)").input("vid busskuren")
    at.run()

    def down(*args, **kwargs):
        raise db.WriteError("Databasen är låst.")

    monkeypatch.setattr(observations, "_store", down)
    at.button(key="rapport_skicka").click()
    at.run()
    assert not at.exception
    assert "Inget har försvunnit" in at.error[0].value
    assert labelled(at.selectbox, "Vad såg du?").value == "nedskrapning"
    assert labelled(at.text_input, "Kommentar (valfri, utan namn)").value == "vid busskuren"
    monkeypatch.undo()
    at.button(key="rapport_skicka").click()
    at.run()
    assert at.success[0].value.startswith("Tack! Rapport nr ")


def test_rapportera_refuses_everyone_but_a_reporter(app_env, sbg_db):
    app_env(sbg_db)
    at = AppTest.from_file(str(ROOT / "app_pages" / "rapportera.py"), default_timeout=60)
    at.run()
    assert "till för rapportörer" in at.error[0].value
    assert not at.selectbox


@pytest.mark.parametrize("query", [{"sida": "prio"}, {"sida": "karta", "lager": "punkter"}, {"sida": "ladda_upp"}])
def test_a_reporter_following_a_link_still_gets_only_rapportera(app_env, sbg_db, query):
    app_env(sbg_db)
    at = reporter_app()
    at.query_params.update(query)
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Rapportera"]
    assert not at.metric and not at.dataframe
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("app_pages/karta.py")


@pytest.mark.parametrize("page", ["oversikt", "karta", "tidsmonster", "prioritering", "insatser", "uppfoljning",
                                  "atgardsplan", "publicerat", "ladda_upp", "kom_igang"])
def test_every_data_page_refuses_a_reporter_opened_directly(app_env, sbg_db, page):
    app_env(sbg_db)
    at = reporter_app(str(ROOT / "app_pages" / f"{page}.py"))
    at.run()
    assert not at.exception
    assert at.error, page
    assert not at.metric and not at.dataframe and not at.get("deck_gl_json_chart") and not at.get("plotly_chart")


def test_rapportera_edits_and_deletes_an_own_report(app_env, sbg_db):
    app_env(sbg_db)
    at = reporter_app()
    at.run()
    labelled(at.selectbox, "Vad såg du?").set_value("klotter")
    labelled(at.radio, "Plats").set_value("omrade")
    at.run()
    at.button(key="rapport_skicka").click()
    at.run()
    number = int(at.success[0].value.split("nr ")[1].split()[0])
    at.button(key=f"rapport_andra_{number}").click()
    at.run()
    assert not at.exception
    assert at.info[0].value == f"Du ändrar rapport nr {number}."
    assert labelled(at.selectbox, "Vad såg du?").value == "klotter"
    assert labelled(at.radio, "Plats").value == "omrade"
    labelled(at.selectbox, "Vad såg du?").set_value("nedskrapning")
    at.run()
    at.button(key="rapport_skicka").click()
    at.run()
    assert not at.exception
    assert at.success[0].value == f"Rapport nr {number} är ändrad."
    at.checkbox(key=f"rapport_bekrafta_{number}").check()
    at.run()
    at.button(key=f"rapport_ta_bort_{number}").click()
    at.run()
    assert at.success[0].value == f"Rapport nr {number} är borttagen."
    assert not at.subheader  # no own reports left to change
    con = db.connect(sbg_db)
    try:
        assert list(observations.history(con, number)["action"]) == ["skapad", "ändrad", "borttagen"]
    finally:
        con.close()


def test_the_phones_position_becomes_a_point_as_certain_as_the_phone(sbg_con):
    place = observations.locate(sbg_con, TORGET[0], TORGET[1], 12.0)
    assert place == observations.Position(TORGET[0], TORGET[1], "SBG-C", observations.FINEST_PICK_M)
    assert observations.locate(sbg_con, TORGET[0], TORGET[1], 120.0).pick_m == 125  # rounded up to whole squares
    for accuracy, precision in ((12.0, "exact"), (120.0, "street")):
        found = observations.locate(sbg_con, TORGET[0], TORGET[1], accuracy)
        receipt = send(sbg_con, token=f"pos{accuracy}", lon=found.lon, lat=found.lat, pick_m=found.pick_m)
        stored = queries.rows(sbg_con, "SELECT precision FROM incidents WHERE id = ?", [receipt.incident_id])
        assert stored == [(precision,)]


@pytest.mark.parametrize(("lon", "lat", "accuracy", "reason"), [
    (TORGET[0], TORGET[1], 1800.0, "Positionen är för osäker (±1\u00a0800 m)"),  # a mobile-network guess
    (18.0686, 59.3293, 10.0, "utanför kommunens områden"),                      # Stockholm
    (float("nan"), TORGET[1], 10.0, "ingen giltig position"),
    (TORGET[0], 95.0, 10.0, "ingen giltig position"),
    (TORGET[0], TORGET[1], -1.0, "ingen giltig position"),
])
def test_a_position_that_cannot_be_used_says_why(sbg_con, lon, lat, accuracy, reason):
    with pytest.raises(observations.ReportError) as refused:
        observations.locate(sbg_con, lon, lat, accuracy)
    assert reason in refused.value.reasons[0]


def test_a_point_picked_in_a_big_rural_square_keeps_only_its_area(sbg_con):
    """A 300 m square's centre could sit in the wrong 250 m cell: such a pick is stored on its area, no point."""
    countryside = observations.pick_grid(sbg_con, "LAN-N")
    cell = countryside.cells.iloc[len(countryside.cells) // 2]
    area = observations.area_of(sbg_con, float(cell["lon"]), float(cell["lat"]))
    for size, precision in ((observations.STREET_UP_TO_M, "street"), (observations.STREET_UP_TO_M + 25, "area")):
        receipt = send(sbg_con, token=f"land{size}", lon=float(cell["lon"]), lat=float(cell["lat"]), pick_m=size)
        stored = queries.rows(sbg_con, "SELECT a.code, i.precision, i.x IS NULL, i.cell_250 IS NULL FROM incidents i"
                                       " JOIN areas a ON a.id = i.area_id WHERE i.id = ?", [receipt.incident_id])
        assert stored == [(area, precision, precision == "area", precision == "area")]


def test_the_form_starts_where_the_author_last_reported_never_where_most_happens(sbg_con):
    """A rapportör sees no data: the first area offered must not tell which area has the most incidents."""
    first_by_name = observations.areas(sbg_con)["code"].iloc[0]
    assert observations.default_area(sbg_con, "vard9") == first_by_name
    send(sbg_con, token="senast", author="vard9", area_code="MJA", lon=None, lat=None)
    assert observations.default_area(sbg_con, "vard9") == "MJA"
    assert observations.default_area(sbg_con, "VARD9") == "MJA"


def test_an_organisation_named_like_a_person_is_refused(sbg_con):
    sources = queries.rows(sbg_con, "SELECT count(*) FROM sources")
    with pytest.raises(observations.ReportError) as refused:
        send(sbg_con, organisation="Kalle Svensson")
    assert "Be samordnaren ändra kontots organisation." in refused.value.reasons
    assert queries.rows(sbg_con, "SELECT count(*) FROM sources") == sources


def test_a_report_from_a_phone_today_does_not_move_the_pages_period(sbg_con):
    """Phone reports arrive daily, files monthly: the files' last day stays the end of the default period, or a
    month no file has reached would be 'without data' for every other source (found in review: one report
    switched every comparison off)."""
    before = queries.data_range(sbg_con)
    assert queries.phone_reports_after(sbg_con, before[1]) is None
    receipt = observations.submit(sbg_con, report(occurred_at=datetime.now(UTC) - timedelta(minutes=5)),
                                  author="vard1", organisation="Trygghetsvärdar", token="idag")
    assert queries.data_range(sbg_con) == before
    today = queries.rows(sbg_con, "SELECT day FROM incidents WHERE id = ?", [receipt.incident_id])[0][0]
    assert today > before[1] and queries.phone_reports_after(sbg_con, before[1]) == today


def test_only_risk_factors_seen_at_a_place_are_offered_or_taken(sbg_con):
    """'Kriminella kamrater' or 'Bristande föräldratillsyn' describe people: not a street report's business."""
    offered = observations.choices(sbg_con)["risk_factors"]
    assert "bristande_belysning" in offered and "oppen_narkotikahandel" in offered
    assert "kriminella_kamrater" not in offered and "bristande_tillsyn" not in offered
    with pytest.raises(observations.ReportError) as refused:
        send(sbg_con, risk_factors=("bristande_belysning", "kriminella_kamrater"))
    assert any("Kriminella kamrater kan inte väljas" in reason for reason in refused.value.reasons)


def test_a_draft_token_never_puts_streamlits_delimiter_in_a_components_key(app_env, sbg_db, monkeypatch):
    """A url-safe token starting with "_" (or holding "__") made the position component's key hold "__", which
    Streamlit refuses: about one draft in 50 crashed the page. Every token the form can draw must be safe."""
    from lagesbild.ui import observation_form

    drawn = []
    real = observation_form.secrets.token_hex

    def spy(n):
        drawn.append(real(n))
        return drawn[-1]

    monkeypatch.setattr(observation_form.secrets, "token_hex", spy)
    app_env(sbg_db)
    at = reporter_app()
    at.run()
    assert not at.exception
    assert drawn and all("_" not in token for token in drawn)
    assert at.session_state["rapport_nyckel"] == drawn[-1]
    assert "__" not in f"rapport_position_{drawn[-1]}"
