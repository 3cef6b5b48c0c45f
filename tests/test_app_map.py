"""The map page's position widgets: what they choose is the link's `karta`, and a link's `karta` opens the map."""

from __future__ import annotations

import json
import re

from streamlit.testing.v1 import AppTest

from tests.test_app import APP, TIMEOUT, start


def _view_state(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]


def test_zoom_and_zoom_to_area_go_into_the_link(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/karta.py")
    assert not at.exception
    fitted = _view_state(at)
    assert at.slider(key="karta_zoom").value == fitted["zoom"]
    assert "karta" not in at.query_params   # fitted to the data: nothing to carry
    at.slider(key="karta_zoom").set_value(12.75).run()
    assert not at.exception
    assert _view_state(at)["zoom"] == 12.75
    assert at.query_params["karta"].endswith(",12.75")
    at.selectbox(key="karta_fokus").set_value("SBG-C").run()
    assert not at.exception
    lat, lon, zoom = (float(p) for p in at.query_params["karta"].split(","))
    assert zoom > 12 and abs(lat - _view_state(at)["latitude"]) < 1e-3
    assert at.slider(key="karta_zoom").value == zoom
    at.selectbox(key="karta_fokus").set_value("").run()   # "Allt som visas": fitted again, nothing in the link
    assert "karta" not in at.query_params and _view_state(at)["zoom"] == fitted["zoom"]


def test_a_link_with_karta_opens_the_map_there(app_env, demo_db):
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"sida": "karta", "karta": "56.0500,14.5800,13.0"})
    at.run()
    at.switch_page("app_pages/karta.py")
    at.run()
    assert not at.exception
    assert _view_state(at) == {"latitude": 56.05, "longitude": 14.58, "zoom": 13.0}
    assert at.slider(key="karta_zoom").value == 13.0
    assert at.query_params["karta"] == "56.0500,14.5800,13.0"


def _legend_html(at: AppTest) -> str:
    found = [el.proto.body for el in at.get("html") if "kartans-teckenforklaring" in el.proto.body]
    assert len(found) == 1
    return found[0]


def test_the_legend_shows_fewer_than_five_only_to_viewers(app_env, demo_db):
    app_env(demo_db)
    at = start("app_pages/karta.py")
    assert not at.exception
    viewer = _legend_html(at)
    assert "&lt;5 (visas inte)" in viewer or "<5 (visas inte)" in viewer
    first = re.search(r"</span> (\d+)", viewer)
    assert first and int(first.group(1)) >= 1   # the first class starts at the lowest shown count, not at 0

    staff = AppTest.from_file(APP, default_timeout=TIMEOUT)
    staff.session_state["inloggning"] = {"username": "sara", "role": "staff"}
    staff.run()
    staff.switch_page("app_pages/karta.py")
    staff.run()
    assert not staff.exception
    html = _legend_html(staff)
    assert "visas inte" not in html and "Rutor: händelser" in html


def test_the_upload_page_lists_the_background_layers(app_env, demo_db, tmp_path):
    from lagesbild import background, db
    from tests.test_basemap import _gpkg

    con = db.connect(demo_db)
    try:
        background.import_file(con, _gpkg(tmp_path / "bakgrund.gpkg"), "anna")
    finally:
        con.close()
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["inloggning"] = {"username": "anna", "role": "coordinator"}
    at.run()
    at.switch_page("app_pages/ladda_upp.py")
    at.run()
    assert not at.exception
    assert "Bakgrundskarta" in [s.value for s in at.subheader]
    captions = [c.value.replace("\\", "") for c in at.caption]   # markdown escapes, as shown
    assert any("Sparade bakgrundslager: vagar (vägar, 2 objekt), vatten (vatten, 1 objekt)" in c
               for c in captions), captions


def test_an_uploaded_background_file_is_read_with_a_swedish_refusal(tmp_path):
    from lagesbild import background
    from tests.test_basemap import _gpkg

    data = _gpkg(tmp_path / "webb.gpkg", crs=3857).read_bytes()
    try:
        background.read_bytes(data, "webb.gpkg")
    except background.BackgroundError as exc:
        assert exc.swedish.startswith("webb.gpkg, lager ”vagar”: koordinatsystemet")
    else:
        raise AssertionError("a file in Web Mercator was accepted")
    good = _gpkg(tmp_path / "bra.gpkg").read_bytes()
    assert [layer.name for layer in background.read_bytes(good, "bra.gpkg")] == ["vagar", "vatten"]
