"""Browser test: a population file without a year is refused until the coordinator gives the year on the upload
page (issue 14); then the dry run counts the rows for that year."""

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


def test_the_upload_page_asks_for_the_population_year(demo_db, tmp_path):
    need_chromium()
    upload = tmp_path / "befolkning.csv"
    upload.write_bytes(csv_bytes(["Område;Befolkning", "Mjällby;1200", "Hällevik;900"]))
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(upload))
        wait_until_idle(page)
        page.screenshot(path=str(tmp_path / "ladda_upp_utan_ar.png"), full_page=True)
        page.get_by_text("Filen anger inte vilket år befolkningen gäller").first.wait_for(timeout=30_000)
        year = page.get_by_label("År som befolkningen gäller", exact=True)
        year.fill("2024")
        year.press("Enter")
        wait_until_idle(page)
        page.get_by_text("Provläsning: 2 rader lästa, 2 skulle sparas").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "ladda_upp_ar.png"), full_page=True)
        page.get_by_role("button", name="Importera").click()
        wait_until_idle(page)
        page.get_by_text("2 sparade").first.wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
