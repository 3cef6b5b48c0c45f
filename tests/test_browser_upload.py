"""Browser test: the coordinator signs in, uploads a Swedish CSV, imports it, sees it in the history."""

from __future__ import annotations

import pytest

from tests.browser import (
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)
from tests.ingest_helpers import csv_bytes

pytestmark = pytest.mark.browser


def test_coordinator_uploads_and_imports_a_csv(demo_db, tmp_path):
    need_chromium()
    upload = tmp_path / "trygghetsvardar.csv"
    upload.write_bytes(csv_bytes(["Datum;Tid;Händelsetyp;N;E;Riskfaktorer",
                                  "2026-10-20;21:40;Skadegörelse;6212000;474300;Bristande belysning",
                                  "2026-10-21;22:10;Klotter;6211500;474000;",
                                  "2026-10-22;23:05;Okänd sak;6211500;474000;"], encoding="cp1252"))
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        page.goto(url + "/")
        wait_until_idle(page)
        assert page.get_by_text("Ladda upp data").count() == 0  # not in the menu for viewers
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Ladda upp data").wait_for(timeout=30_000)

        page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(upload))
        wait_until_idle(page)
        # The file has no source column: the dry run says so, and the coordinator picks the source.
        page.get_by_text("Ange vilken källa filen kommer från.").wait_for(timeout=30_000)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Källa (om filen").click()
        page.get_by_role("option", name="Trygghetsvärdar").click()
        wait_until_idle(page)
        page.get_by_text("Provläsning: 3 rader lästa, 2 skulle sparas").wait_for(timeout=30_000)
        assert page.get_by_text("Okända kategorier").count() == 1
        page.get_by_role("button", name="Importera").click()
        wait_until_idle(page)
        page.get_by_text("Import 2: 3 rader lästa, 2 sparade, 0 fanns redan, 1 med fel").wait_for(timeout=30_000)
        page.get_by_text("trygghetsvardar.csv").last.wait_for(state="attached", timeout=30_000)  # history grid
        page.screenshot(path=str(tmp_path / "ladda_upp.png"), full_page=True)
        assert page.locator("[data-testid=stException]").count() == 0


def test_a_double_click_on_undo_undoes_one_import_and_restore_brings_it_back(demo_db, tmp_path):
    need_chromium()
    from playwright.sync_api import expect

    from lagesbild import db
    from lagesbild.ingest import import_bytes

    con = db.connect(demo_db)
    lines = ["Datum;Tid;Brottstyp;Område;Källa", "2026-10-20;21:40;Skadegörelse;Mjällby;polisen"]
    assert import_bytes(con, csv_bytes(lines), "mjallby.csv").import_id == 2
    con.close()
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        # Undoing the demo would leave the new incident without its area: the page says so first.
        page.locator("[data-testid=stSelectbox]").filter(has_text="Ångra en import").click()
        page.get_by_role("option", name="1: syntetisk demo").click()
        wait_until_idle(page)
        page.get_by_text("Om du ångrar import 1: 1 händelse i 1 område förlorar sitt område").wait_for(timeout=30_000)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Ångra en import").click()
        page.get_by_role("option", name="2: mjallby.csv").click()
        wait_until_idle(page)
        page.get_by_text("Ja, ta bort allt som den importen sparade").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Ångra import").dblclick()
        wait_until_idle(page)
        page.get_by_text("Import 2 är ångrad").wait_for(timeout=30_000)
        # The choice and the confirmation reset: the newest import still stored, not confirmed.
        expect(page.get_by_role("combobox", name="Ångra en import")).to_have_value(
            "1: syntetisk demo (frö 1083)", timeout=30_000)
        expect(page.get_by_role("button", name="Ångra import")).to_be_disabled(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0

        page.locator("[data-testid=stSelectbox]").filter(has_text="Återställ en ångrad import").click()
        page.get_by_role("option", name="2: mjallby.csv").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Återställ import").click()
        wait_until_idle(page)
        page.get_by_text("Import 2 är återställd").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "angra.png"), full_page=True)
    con = db.connect(demo_db)
    try:
        found = con.execute("SELECT id, status, undone_by, restored_by FROM imports ORDER BY id").fetchall()
    finally:
        con.close()
    assert found == [(1, "stored", None, None), (2, "stored", "anna", "anna")]


def test_bad_files_get_a_swedish_reason_and_never_the_error_box(demo_db, tmp_path):
    """Files that once gave tracebacks or Streamlit's generic English error box on this page."""
    need_chromium()
    import json

    files = {
        "polis_plats_text.json": (json.dumps([{"id": 1, "datetime": "2026-10-20 21:40:00 +02:00",
                                               "name": "20 oktober 21.40, Skadegörelse, Sölvesborg",
                                               "summary": "Fönster krossat.", "type": "Skadegörelse",
                                               "location": "Sölvesborg"}]).encode(),
                                  "Provläsning: 1 rader lästa, 0 skulle sparas"),
        "djup.json": (b"[" * 100_000 + b"]" * 100_000, "nästlad i för många nivåer"),
        "dubbel_rubrik.csv": (csv_bytes(["Datum;Tid;Händelsetyp;Datum", "2026-10-20;21:40;Klotter;2026-10-20"]),
                              "Rubriken finns två gånger"),
        "lang_rad.csv": (csv_bytes(["Datum;Tid;Händelsetyp;Område;Källa",
                                    "2026-10-20;21:40;Klotter;SBG-C;Polisen;extra;mer"]),
                         "Provläsning: 1 rader lästa, 0 skulle sparas"),  # the row is named in the table
    }
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        for name, (data, expected) in files.items():
            path = tmp_path / name
            path.write_bytes(data)
            page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(path))
            wait_until_idle(page)
            page.get_by_text(expected).first.wait_for(timeout=30_000)
            assert page.locator("[data-testid=stException]").count() == 0, name
            assert page.get_by_text("Choose an option").count() == 0, name
