"""A new municipality's first run: `init --kommun`, the Kom igång guide, and every page on an empty or half-filled
database saying what is missing (and, for the coordinator, linking to the step that fixes it) instead of drawing
empty axes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import shapely
from streamlit.testing.v1 import AppTest

from lagesbild import basemap, cli, db, setup
from lagesbild.ingest import ImportOptions, import_bytes
from tests.ingest_helpers import csv_bytes

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60
COORDINATOR = {"username": "anna", "role": "coordinator"}
GUIDE = "app_pages/kom_igang.py"
DATA_PAGES = ["oversikt", "karta", "tidsmonster", "prioritering"]
INCIDENTS = csv_bytes(["Datum;Tid;Brottstyp;N;E;Källa",  # SWEREF 99 TM, central Borlänge
                       "2026-03-05;21:40;Skadegörelse;6709000;514000;polisen",
                       "2026-04-05;22:40;Skadegörelse;6709100;514100;polisen"])


@pytest.fixture(scope="module")
def masters(tmp_path_factory) -> dict[str, Path]:
    """Borlänge after `init`: empty; with the outline as its one area; with incidents and no areas."""
    folder = tmp_path_factory.mktemp("first_run")
    made = {}
    for name, extra in (("empty", []), ("areas", ["--whole-municipality"]), ("incidents", [])):
        path = folder / f"{name}.duckdb"
        assert cli.main(["init", "--db", str(path), "--kommun", "2081", *extra]) == 0
        made[name] = path
    con = db.connect(made["incidents"])
    try:
        result = import_bytes(con, INCIDENTS, "handelser.csv", ImportOptions(kind="incidents"))
        assert result.status == "stored" and result.rows_stored == 2, result.summary()
    finally:
        con.close()
    return made


@pytest.fixture
def copy(masters, tmp_path):
    def make(name: str) -> Path:
        path = tmp_path / f"{name}.duckdb"
        shutil.copyfile(masters[name], path)
        return path
    return make


def open_page(page: str, role: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if role:
        at.session_state["inloggning"] = role
    at.run()
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def infos(at: AppTest) -> str:
    return " ".join(i.value for i in at.info)


def links(at: AppTest) -> list[tuple[str, str]]:
    return [(link.proto.label, link.proto.page) for link in at.get("page_link")]


# --- init --------------------------------------------------------------------------------------------------------

def test_init_takes_the_name_from_the_code(tmp_path):
    path = tmp_path / "b.duckdb"
    assert cli.main(["init", "--db", str(path), "--kommun", "2081"]) == 0
    con = db.connect(path, read_only=True)
    try:
        assert db.get_meta(con, "municipality_code") == "2081"
        assert db.get_meta(con, "municipality_name") == "Borlänge"
        assert setup.status(con).areas == 0
    finally:
        con.close()


def test_init_without_a_code_leaves_the_municipality_to_the_app_and_installs_the_vocabulary(tmp_path, capsys):
    path = tmp_path / "tom.duckdb"
    assert cli.main(["init", "--db", str(path)]) == 0
    assert "Kom igång" in capsys.readouterr().out
    con = db.connect(path, read_only=True)
    try:
        assert db.get_meta(con, "municipality_code") is None
        assert con.execute("SELECT count(*) FROM categories").fetchall()[0][0] > 10   # police events can map
    finally:
        con.close()
    assert cli.main(["init", "--db", str(tmp_path / "x.duckdb"), "--whole-municipality"]) == cli.EXIT_USAGE


def test_choosing_the_municipality_installs_the_vocabulary_a_bare_database_lacks(tmp_path):
    con = db.connect(tmp_path / "bar.duckdb")
    try:
        with db.write(con) as cur:
            setup.set_municipality(cur, setup.known()["2081"])
        assert con.execute("SELECT count(*) FROM categories").fetchall()[0][0] > 10
    finally:
        con.close()


def test_init_refuses_an_unknown_code_without_a_name_and_keeps_the_old_options(tmp_path, capsys):
    assert cli.main(["init", "--db", str(tmp_path / "x.duckdb"), "--kommun", "9999"]) == cli.EXIT_USAGE
    assert "not one of Sweden's 290" in capsys.readouterr().err
    assert not (tmp_path / "x.duckdb").exists()
    assert cli.main(["init", "--db", str(tmp_path / "y.duckdb"), "--kommun", "20811"]) == cli.EXIT_USAGE
    path = tmp_path / "old.duckdb"
    assert cli.main(["init", "--db", str(path), "--municipality-code", "1083", "--municipality-name",
                     "Sölvesborg"]) == 0
    con = db.connect(path, read_only=True)
    try:
        assert db.get_meta(con, "municipality_name") == "Sölvesborg"
    finally:
        con.close()


def test_init_whole_municipality_imports_the_outline_as_one_area(masters):
    con = db.connect(masters["areas"], read_only=True)
    try:
        code, name, division, text = con.execute("SELECT code, name, division, geojson FROM areas").fetchall()[0]
        imports = con.execute("SELECT kind, file_name, status FROM imports").fetchall()
    finally:
        con.close()
    assert (code, name, division) == ("2081", "Borlänge", "Kommungräns")
    assert imports == [("areas", setup.OUTLINE_FILE, "stored")]
    expected = basemap.municipalities()["2081"].shape.bounds
    assert shapely.from_geojson(text).bounds == pytest.approx(expected, abs=1e-6)


# --- Kom igång -----------------------------------------------------------------------------------------------------

def test_the_coordinator_starts_on_kom_igang_and_chooses_the_municipality(app_env, tmp_path):
    path = tmp_path / "new.duckdb"
    con = db.connect(path)  # a database with no municipality at all
    con.close()
    app_env(path)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    assert not at.exception
    assert at.title[0].value == "Kom igång"   # the default page while nothing is there
    chooser = at.selectbox(key="kom_igang_kommun")
    assert chooser.value is None and chooser.placeholder.startswith("Välj kommun")
    assert len(chooser.options) == 290
    chooser.set_value("2081").run()
    at.button(key="kom_igang_spara").click().run()
    assert not at.exception
    assert "Borlänges kommun" in at.success[0].value
    con = db.connect(path, read_only=True)
    try:
        assert (db.get_meta(con, "municipality_code"), db.get_meta(con, "municipality_name")) == ("2081", "Borlänge")
    finally:
        con.close()
    assert any("Klart: Borlänges kommun (2081)" in m.value for m in at.markdown)


def test_kom_igang_no_division_makes_the_outline_the_one_area(app_env, copy):
    path = copy("empty")
    app_env(path)
    at = open_page("kom_igang", COORDINATOR)
    text = " ".join(m.value for m in at.markdown)
    assert "Saknas: områdesgränser" in text and "Saknas: händelser" in text
    assert any(label == "Ladda upp områdesgränser" and target == "ladda-upp" for label, target in links(at))
    at.button(key="kom_igang_hela").click().run()
    assert not at.exception
    assert "Hela kommunen är nu ett område" in at.success[0].value
    text = " ".join(m.value for m in at.markdown)
    assert "Klart: 1 område (Kommungräns)" in text
    con = db.connect(path, read_only=True)
    try:
        west, south, east, north = shapely.from_geojson(con.execute("SELECT geojson FROM areas").fetchone()[0]).bounds
    finally:
        con.close()
    assert (west, south, east, north) == pytest.approx(basemap.municipalities()["2081"].shape.bounds, abs=1e-6)
    assert 14.5 < west < east < 16.5 and 60.2 < south < north < 60.8   # Borlänge, Dalarna


def test_kom_igang_reports_counts_and_dates(app_env, copy):
    app_env(copy("incidents"))
    at = open_page("kom_igang", COORDINATOR)
    text = " ".join(m.value for m in at.markdown)
    assert "Klart: 2 händelser från 5 mars 2026 till 5 april 2026." in text
    assert "Saknas: områdesgränser" in text


def test_kom_igang_is_not_for_viewers(app_env, copy):
    app_env(copy("empty"))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    with pytest.raises(ValueError, match="kom_igang"):
        at.switch_page(GUIDE)


# --- empty states ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("page", DATA_PAGES)
def test_data_pages_on_an_empty_database(app_env, copy, page):
    app_env(copy("empty"))
    at = open_page(page, COORDINATOR)
    assert not at.get("plotly_chart") and not at.get("deck_gl_json_chart")
    assert "Inga händelser finns ännu." in infos(at)
    # Kom igång is the start page while data are missing, and a link to the start page names no path.
    assert any(label.startswith("Kom igång, steg") and target in ("kom-igang", "")
               for label, target in links(at))
    viewer = open_page(page)
    assert "Inga uppgifter finns ännu." in infos(viewer)
    assert not viewer.get("page_link") and not viewer.get("plotly_chart")


@pytest.mark.parametrize("page", DATA_PAGES)
def test_data_pages_with_areas_and_no_incidents(app_env, copy, page):
    app_env(copy("areas"))
    at = open_page(page, COORDINATOR)
    assert not at.get("plotly_chart")
    assert "Inga händelser finns ännu." in infos(at)
    assert "Inga områden" not in infos(at)
    assert ("Kom igång, steg 4: händelser" in [label for label, _ in links(at)])


@pytest.mark.parametrize("page", DATA_PAGES)
def test_data_pages_with_incidents_and_no_areas(app_env, copy, page):
    app_env(copy("incidents"))
    at = open_page(page, COORDINATOR)
    assert "Inga områden finns ännu" in infos(at) or page == "tidsmonster"  # time patterns need no areas
    if page == "tidsmonster":
        assert len(at.get("plotly_chart")) == 3
    else:
        assert "Kom igång, steg 2: områden" in [label for label, _ in links(at)]


def test_weekly_round_needs_areas_and_works_before_any_answer(app_env, copy):
    app_env(copy("empty"))
    assert "Inga områden finns ännu." in infos(open_page("veckorond", COORDINATOR))
    app_env(copy("areas"))
    at = open_page("veckorond", COORDINATOR)    # areas, no incidents, no answers: every tab says what it can
    said = infos(at)
    assert "Ingen säker ökning eller minskning" not in said  # no claim from no data (found in review)
    assert "För få veckor med svar för att pröva någon trend" in said
    assert "Inga svar att visa för v." in said
    assert not at.get("plotly_chart")                         # no empty heat map, no empty trend chart
    assert at.get("arrow_data_frame") or at.dataframe


@pytest.mark.parametrize("page", ["uppfoljning", "atgardsplan", "insatser"])
def test_intervention_pages_without_interventions(app_env, copy, page):
    app_env(copy("incidents"))
    at = open_page(page, COORDINATOR)
    assert not at.get("plotly_chart")   # no timeline with an axis at "Jan 2000"
    assert "Inga insatser är registrerade ännu." in infos(at)
    if page != "insatser":
        assert tuple(label for label, _ in links(at)) == ("Registrera en insats", )
    viewer = open_page(page)
    assert "Inga insatser är registrerade ännu." in infos(viewer)
    assert not viewer.get("page_link")


def test_publicerat_and_upload_pages_on_an_empty_database(app_env, copy):
    app_env(copy("empty"))
    assert "Ingen lägesbild har publicerats ännu." in infos(open_page("publicerat", COORDINATOR))
    assert open_page("ladda_upp", COORDINATOR).title[0].value == "Ladda upp data"


def test_a_filled_database_starts_on_the_overview(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = COORDINATOR
    at.run()
    assert at.title[0].value == "Lägesbild – översikt"
    assert not any("finns ännu" in i.value for i in at.info)


# --- README --------------------------------------------------------------------------------------------------------

def test_readme_runs_the_cli_through_the_venv():
    """After the README's two setup commands the venv is not activated: every CLI line names its python."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bare = [line.strip() for line in text.splitlines()
            if re.search(r"(?<![/\w.])python -m lagesbild", line)]
    assert not bare, f"README lines that fail without an activated venv: {bare}"
    assert ".venv/bin/python -m lagesbild init --kommun" in text


def test_readme_says_how_to_make_the_first_coordinator():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/python -m lagesbild hash-password" in text
    assert ".streamlit/secrets.toml" in text and "[accounts." in text and 'role = "coordinator"' in text


def test_json_outline_is_valid_geojson():
    parsed = json.loads(setup.outline_geojson("2081", "Borlänge"))
    assert parsed["features"][0]["properties"] == {"kod": "2081", "namn": "Borlänge"}
