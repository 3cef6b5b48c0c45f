"""AppTests of the upload page's history: undo cannot hit the wrong import, warnings come first, restore works."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lagesbild import db
from lagesbild.ingest import import_bytes
from tests.ingest_helpers import csv_bytes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60
COORDINATOR = {"username": "anna", "role": "coordinator"}
LINES = ["Datum;Tid;Brottstyp;Område;Källa", "2026-03-05;21:40;Skadegörelse;Mjällby;polisen",
         "2026-03-06;22:40;Klotter;Mjällby;polisen"]


def with_a_second_import(path: Path) -> None:
    con = db.connect(path)
    try:
        assert import_bytes(con, csv_bytes(LINES), "mjallby.csv").import_id == 2
    finally:
        con.close()


def upload_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    at.switch_page("app_pages/ladda_upp.py")
    at.run()
    assert not at.exception
    return at


def statuses(at: AppTest) -> dict[int, str]:
    history = at.dataframe[0].value
    return dict(zip(history["Nr"], history["Status"], strict=True))


def status_in_db(path: Path) -> dict[int, tuple]:
    con = db.connect(path)
    try:
        return {n: (s, by) for n, s, by in con.execute("SELECT id, status, undone_by FROM imports").fetchall()}
    finally:
        con.close()


def test_undo_resets_the_choice_and_the_confirmation_and_shows_the_history_at_once(app_env, demo_db):
    with_a_second_import(demo_db)
    app_env(demo_db)
    at = upload_page()
    assert at.selectbox(key="upload_angra_nr").value == 2
    at.checkbox(key="upload_angra_bekrafta_2").check().run()
    at.button(key="upload_angra").click().run()

    assert not at.exception
    assert statuses(at) == {2: "ångrad", 1: "sparad"}  # at once, not after a reload
    assert any("Import 2 är ångrad" in m.value and "2 händelser" in m.value for m in at.success)
    assert at.selectbox(key="upload_angra_nr_1").value == 1  # a new selector, not the old one cleared
    assert not at.checkbox(key="upload_angra_bekrafta_1").value  # a new choice asks again
    assert at.button(key="upload_angra").disabled
    assert status_in_db(demo_db) == {1: ("stored", None), 2: ("undone", "anna")}  # signed-in name in the trail


def test_the_warning_comes_before_undoing_areas_that_later_incidents_use(app_env, demo_db):
    with_a_second_import(demo_db)
    app_env(demo_db)
    at = upload_page()
    at.selectbox(key="upload_angra_nr").select(1).run()
    warnings = [shown_text(w.value) for w in at.warning]
    assert any("Om du ångrar import 1: 2 händelser i 1 område förlorar sitt område" in w for w in warnings), warnings
    assert not at.checkbox(key="upload_angra_bekrafta_1").value


def test_an_undone_import_is_restored_from_the_history(app_env, demo_db):
    with_a_second_import(demo_db)
    app_env(demo_db)
    at = upload_page()
    at.checkbox(key="upload_angra_bekrafta_2").check().run()
    at.button(key="upload_angra").click().run()
    assert at.selectbox(key="upload_aterstall_nr_1").value is None
    assert at.button(key="upload_aterstall").disabled
    at.selectbox(key="upload_aterstall_nr_1").select(2).run()
    at.button(key="upload_aterstall").click().run()

    assert not at.exception
    assert statuses(at) == {2: "sparad", 1: "sparad"}
    assert any("Import 2 är återställd" in m.value and "2 händelser" in m.value for m in at.success)


def shown_text(markdown: str) -> str:
    """What a markdown source escaped by `formatting.plain` shows on screen."""
    import re

    from lagesbild.formatting import ZERO_WIDTH

    return re.sub(r"\\(.)", r"\1", markdown).replace(ZERO_WIDTH, "")


def test_a_dry_run_is_read_once_per_file_options_and_data_version(app_env, demo_db, monkeypatch):
    """Every widget change reruns the upload page; the dry run (which reads the whole file) is not repeated
    unless the file, the choices or the data change."""
    import streamlit as st

    from lagesbild.ingest import ImportOptions
    from lagesbild.ui import upload

    app_env(demo_db)
    calls = []
    real = upload.import_bytes
    monkeypatch.setattr(upload, "import_bytes", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    st.cache_data.clear()
    data = csv_bytes(LINES)
    options = ImportOptions(imported_by="anna", dry_run=True)
    first = upload.run_import(data, "mjallby.csv", options)
    again = upload.run_import(data, "mjallby.csv", options)
    assert (first.status, again.rows_stored, len(calls)) == ("dry-run", 2, 1)
    upload.run_import(data, "mjallby.csv", ImportOptions(imported_by="anna", dry_run=True, on_error="reject"))
    assert len(calls) == 2                                   # other choices: read again
    stored = upload.run_import(data, "mjallby.csv", ImportOptions(imported_by="anna"))
    assert stored.status == "stored" and len(calls) == 3     # an import is never taken from the cache
    after = upload.run_import(data, "mjallby.csv", options)  # new data version: the dry run is read again
    assert len(calls) == 4 and after.rows_duplicate == 2 and after.rows_stored == 0


def test_the_page_states_the_size_limit_and_where_larger_files_go(app_env, demo_db):
    at = upload_page()
    captions = " ".join(c.value for c in at.caption)
    assert "Högst 50 MB per fil" in captions  # the value in .streamlit/config.toml, read at run time
    assert "python -m lagesbild import" in captions


def test_reports_from_a_phone_stay_out_of_the_history_until_asked_for(app_env, demo_db):
    """Each phone report is an import of its own (so one can be undone); thousands a year must not bury the files."""
    from datetime import UTC, datetime, timedelta

    from lagesbild import observations

    with_a_second_import(demo_db)
    con = db.connect(demo_db)
    try:
        now = datetime.now(UTC)
        for token in ("a", "b"):
            observations.submit(con, observations.Report("klotter", now - timedelta(minutes=5), 2,
                                                         area_code="SBG-C"),
                                author="vard1", organisation="Trygghetsvärdar", token=token)
    finally:
        con.close()
    app_env(demo_db)
    at = upload_page()
    assert statuses(at) == {2: "sparad", 1: "sparad"}
    shown = at.toggle(key="upload_visa_rapporter")
    assert shown.label == "Visa rapporter från telefon (2)" and not shown.value
    shown.set_value(True).run()
    history = at.dataframe[0].value
    assert list(history["Nr"]) == [4, 3, 2, 1]
    assert list(history["Innehåll"][:2]) == ["rapport från telefon"] * 2
    at.selectbox(key="upload_angra_nr").select(4).run()  # a report the coordinator takes out (undo, restorable)
    at.checkbox(key="upload_angra_bekrafta_4").check().run()
    at.button(key="upload_angra").click().run()
    assert not at.exception
    assert status_in_db(demo_db)[4] == ("undone", "anna")
