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

        page.locator("[data-testid=stFileUploaderDropzoneInput]").set_input_files(str(upload))
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
