"""Browser test: the coordinator uploads a trygghetsmätning, a file with an unknown area is refused with row,
column and value, and the overview and the map show the survey."""

from __future__ import annotations

from pathlib import Path

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
SAMPLE = Path(__file__).resolve().parents[1] / "docs" / "exempel_trygghetsmatning.csv"


def test_coordinator_imports_a_survey_and_a_wrong_area_is_refused(demo_db, tmp_path):
    need_chromium()
    wrong = tmp_path / "trygghet_fel.csv"
    wrong.write_bytes(csv_bytes(["Indikator;Område;År;Andel (%);Svarande",
                                 "Oro för brott;Falkvik;2024;20;129",
                                 "Oro för brott;Lund centrum;2024;31;90"]))
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Ladda upp data").wait_for(timeout=30_000)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(wrong))
        wait_until_idle(page)
        page.get_by_text("rad 3, kolumn 'område', värde 'Lund centrum'", exact=False).first.wait_for(timeout=30_000)
        assert page.get_by_text("Enkätområdet motsvarar inget av områdena i Sölvesborg", exact=False).count() >= 1
        page.screenshot(path=str(tmp_path / "trygghet_fel.png"), full_page=True)

        page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(str(SAMPLE))
        wait_until_idle(page)
        page.get_by_text("Provläsning: 11 rader lästa, 11 skulle sparas").wait_for(timeout=30_000)
        page.get_by_role("button", name="Importera").click()
        wait_until_idle(page)
        page.get_by_text("Import 2: 11 rader lästa, 11 sparade").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0

        page.goto(url + "/?sida=karta&lager=otrygghet")
        wait_until_idle(page)
        page.get_by_text("Otrygghet (enkät): Otrygghet utomhus kvällstid, senaste mätningen", exact=False).wait_for(
            timeout=60_000)
        page.goto(url + "/")
        wait_until_idle(page)
        heading = page.get_by_role("heading", name="Upplevd trygghet")
        heading.wait_for(timeout=60_000)
        heading.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=str(tmp_path / "upplevd_trygghet.png"), full_page=False)
        assert page.locator("[data-testid=stException]").count() == 0
