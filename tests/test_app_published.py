"""AppTests of published versions: the page for staff and viewers, a version's link after new imports, an
unknown version, and the guard on the form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from lagesbild import published, queries, snapshots
from lagesbild.ingest import import_bytes
from tests.test_published import new_rows, the_view

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "app_pages/publicerat.py"
TIMEOUT = 90
STAFF = {"username": "sara", "role": "staff"}


def app(role: dict | None = None, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if role:
        at.session_state["inloggning"] = role
    if query:
        at.query_params.update(query)
    at.run()
    return at


def submit(at: AppTest, title: str, comment: str) -> None:
    at.text_input(key="publicerat_rubrik").input(title)
    at.text_area(key="publicerat_kommentar").input(comment)
    next(b for b in at.button if b.label == "Publicera lägesbild").click().run()


def versions(master: Path) -> list[published.Version]:
    con = snapshots.reader(master)[0]
    try:
        return published.versions(con)
    finally:
        con.close()


def test_published_page_pages_publicerat_staff_publish(app_env, demo_db, monkeypatch):
    made = []   # the report itself is built in tests/test_published.py; here: that it is made, kept and offered

    def fake(master, version, *, threshold, link):
        made.append((version.id, threshold, link))
        return {"lagesbild.docx": b"PK docx", "lagesbild.pdf": b"%PDF-1.7"}

    monkeypatch.setattr(published, "make_reports", fake)
    app_env(demo_db)
    at = app(STAFF)
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Publicerade lägesbilder"
    assert any("Ingen lägesbild har publicerats" in i.value for i in at.info)
    submit(at, "Lägesbild till KS [läs mer](http://example.org)", "Klottret ökar vid stationen.\n\n**inte fet**")
    assert not at.exception
    assert any("Lägesbild 1 är publicerad med rapportfiler" in s.value for s in at.success)
    assert made == [(1, 5, "/?version=1")]
    assert [b.label for b in at.get("download_button")] == ["Ladda ned lagesbild.docx", "Ladda ned lagesbild.pdf"]
    listed = at.dataframe[0].value
    assert list(listed["Nr"]) == [1] and list(listed["Av"]) == ["personal"]
    assert at.text[0].value == "Klottret ökar vid stationen.\n\n**inte fet**"   # plain text, as written
    assert any("?version=1" in c.value for c in at.code)   # the permanent link (beside "Kopiera länk")
    heading = next(m.value for m in at.markdown if m.value.startswith("#### Lägesbild 1"))
    assert "\\[läs mer\\]\\(" in heading    # a link in the title is shown as text, never live
    assert any("Första publicerade versionen" in m.value for m in at.markdown)
    assert [v.title for v in versions(demo_db)] == ["Lägesbild till KS [läs mer](http://example.org)"]


def test_a_personal_identity_number_in_the_form_is_refused(app_env, demo_db):
    app_env(demo_db)
    at = app(STAFF)
    at.switch_page(PAGE).run()
    submit(at, "Lägesbild", "Anmälaren 811218-9876 ringde.")
    assert not at.exception
    assert "innehåller ett personnummer" in at.error[0].value and "811218" not in at.error[0].value
    assert versions(demo_db) == []


def test_viewers_see_the_list_but_no_form(app_env, demo_db):
    snapshots.publish(demo_db)
    published.publish(demo_db, title="Antagen lägesbild", comment="", view=the_view(demo_db), role="staff")
    app_env(demo_db)
    at = app()
    at.switch_page(PAGE).run()
    assert not at.exception
    assert not at.text_input and not at.text_area
    assert not any(b.label == "Publicera lägesbild" for b in at.button)
    assert list(at.dataframe[0].value["Rubrik"]) == ["Antagen lägesbild"]
    assert any("Händelser i lägesbildens urval" in m.value for m in at.markdown)


def test_a_version_link_shows_the_published_numbers_after_an_import(app_env, demo_db):
    snapshots.publish(demo_db)
    version = published.publish(demo_db, title="Antagen", comment="", view=the_view(demo_db), role="staff").version
    con = snapshots.reader(demo_db)[0]
    last = queries.data_range(con)[1]
    assert import_bytes(con, new_rows(30, last.isoformat()), "ny.csv").rows_stored == 30
    con.close()
    app_env(demo_db)
    now = app(STAFF)
    pinned = app(STAFF, {"version": "1"})
    assert not now.exception and not pinned.exception
    shown_now, shown_pinned = (int(a.metric[0].value.replace("\u00a0", "")) for a in (now, pinned))
    assert shown_now == shown_pinned + 30
    banner = next(i.value for i in pinned.info if "Publicerad lägesbild 1" in i.value)
    assert "”Antagen”" in banner and "av personal" in banner and "Nyare uppgifter finns." in banner
    assert f"data till och med {last.day} " in banner
    assert not any("Publicerad lägesbild" in i.value for i in now.info)
    assert pinned.query_params["version"] == "1"
    assert version.data_version < queries.data_version(snapshots.reader(demo_db)[0])
    pinned.switch_page("app_pages/karta.py").run()   # every page reads the frozen data
    assert not pinned.exception
    assert pinned.query_params["version"] == "1"


def test_leaving_a_version_shows_the_current_lagesbild(app_env, demo_db):
    snapshots.publish(demo_db)
    published.publish(demo_db, title="Antagen", comment="", view=the_view(demo_db), role="staff")
    app_env(demo_db)
    at = app(query={"version": "1"})
    at.button(key="publicerat_till_aktuell").click().run()
    assert not at.exception
    assert "version" not in at.query_params
    assert not any("Publicerad lägesbild" in i.value for i in at.info)


def test_an_unknown_version_is_said_and_the_current_lagesbild_shown(app_env, demo_db):
    app_env(demo_db)
    at = app(query={"version": "99"})
    assert not at.exception
    assert any("Det finns ingen publicerad lägesbild 99" in w.value for w in at.warning)
    assert at.metric[0].value == app().metric[0].value
    assert "version" not in at.query_params
    wrong = app(query={"version": "tre"})
    assert not wrong.exception
    assert any("inte ett versionsnummer" in w.value for w in wrong.warning)


def test_opening_a_version_from_the_list_and_getting_its_view_back(app_env, demo_db):
    snapshots.publish(demo_db)
    published.publish(demo_db, title="Antagen", comment="", view=the_view(demo_db, kategori="klotter"), role="staff")
    app_env(demo_db)
    at = app()
    at.switch_page(PAGE).run()
    at.button(key="publicerat_oppna").click().run()
    assert not at.exception
    assert any("Publicerad lägesbild 1" in i.value for i in at.info)
    assert at.session_state["filter_kategori"] == ["klotter"]     # the view it was published with
    assert at.title[0].value == "Lägesbild – översikt"
    at.session_state["filter_kategori"] = ["misshandel"]          # a viewer may look further in the frozen data
    at.run()
    assert not at.exception
    at.button(key="publicerat_aterstall").click().run()
    assert not at.exception
    assert at.session_state["filter_kategori"] == ["klotter"]


def test_a_version_whose_file_was_deleted_is_said_and_the_current_lagesbild_shown(app_env, demo_db):
    snapshots.publish(demo_db)
    version = published.publish(demo_db, title="Gammal", comment="", view=the_view(demo_db), role="staff").version
    published.file_path(demo_db, version).unlink()
    app_env(demo_db)
    at = app(query={"version": "1"})
    assert not at.exception
    assert any("Publicerad lägesbild 1 kan inte öppnas" in w.value for w in at.warning)
    assert not any("Publicerad lägesbild 1 –" in i.value for i in at.info)


def test_a_link_can_open_the_page_itself(app_env, demo_db):
    app_env(demo_db)
    at = app(query={"sida": "publicerat"})
    assert not at.exception
    assert at.title[0].value == "Publicerade lägesbilder"
