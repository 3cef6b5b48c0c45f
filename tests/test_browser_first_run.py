"""Browser test (issue 14): Borlänge sets itself up from an empty database through the app, with the real files.

Kom igång → choose 2081 Borlänge → Ladda upp data: SCB's DeSO for Dalarna (GeoPackage), SCB's DeSO→RegSO key
table, the DeSO population table (no year in the file: the page asks) and the national police events of 2025 →
Översikt shows named areas, the population year, and how many events have no place.
"""

from __future__ import annotations

import re

import pytest

from tests.browser import (
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)
from tests.conftest import realdata

pytestmark = pytest.mark.browser

DESO = "deso_dalarna_gpkg/deso_dalarna.gpkg"
KEY_TABLE = "scb_deso_tables_sarahlorraine/kopplingstabell-deso-regso-20210702.csv"
AGES = "scb_deso_tables_sarahlorraine/age_demographics_deso.csv"
NATIONAL = "polisen_events_dnouri/events_national_union_2025.json"


def _upload(page, path, expect_text: str, year: str | None = None) -> None:
    """Choose the file in the page's main uploader, wait for the dry run, answer the year, import."""
    page.locator("[data-testid=stFileUploader]").first.locator("input[type=file]").set_input_files(str(path))
    wait_until_idle(page)
    if year is not None:
        field = page.get_by_label("År som befolkningen gäller", exact=True)
        field.wait_for(timeout=60_000)
        field.fill(year)
        field.press("Enter")
        wait_until_idle(page)
    button = page.get_by_role("button", name="Importera")   # drawn once the dry run found rows to store
    try:
        button.wait_for(timeout=180_000)
    except Exception as exc:  # say what the page says instead of a bare timeout
        raise AssertionError(f"no import button for {path.name}: "
                             + page.locator("[data-testid=stMain]").inner_text()[:2500]) from exc
    page.get_by_text("Provläsning:").first.wait_for(timeout=30_000)
    button.click()
    wait_until_idle(page, timeout_ms=180_000)
    # The import's own result ("Import N: …"), not the dry run's line still on the page: the police file's dry run
    # already says "… placerades i ett område", and leaving the page then cancelled the import not yet begun.
    page.get_by_text(re.compile(r"^Import \d+: .*" + re.escape(expect_text))).first.wait_for(timeout=180_000)
    assert page.locator("[data-testid=stException]").count() == 0


def test_borlange_from_an_empty_database_to_its_overview(tmp_path):
    need_chromium()
    files = {name: realdata(name) for name in (DESO, KEY_TABLE, AGES, NATIONAL)}   # skips with a reason if absent
    from lagesbild.cli import main as cli_main

    path = tmp_path / "tom.duckdb"
    assert cli_main(["init", "--db", str(path)]) == 0   # an empty database: no municipality, no areas, nothing
    places = tmp_path / "egna_ortnamn.csv"
    places.write_bytes("namn;område\r\nGamla Byn;2081C1140\r\n".encode("utf-8-sig"))

    with running_app(path, coordinator_secrets(tmp_path)) as url, browser_page(height=1600) as page:
        sign_in(page, url)
        # The overview says what is missing and links to the step that fixes it.
        page.get_by_text("Ingen kommun är vald ännu.").first.wait_for(timeout=30_000)
        page.get_by_role("link", name="Kom igång, steg 1: välj kommun").click()
        wait_until_idle(page)
        # Kom igång: four steps, each saying what is done and what is missing.
        page.get_by_role("heading", name="Kom igång").wait_for(timeout=30_000)
        page.get_by_text("Steg 1: Välj kommun – saknas").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "1_kom_igang.png"), full_page=True)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Kommun").first.click()
        page.keyboard.type("Borlänge")
        page.get_by_role("option", name="2081 Borlänge (Dalarnas län)").click()
        wait_until_idle(page)
        page.get_by_role("button", name="Spara kommunen").click()
        wait_until_idle(page)
        page.get_by_text("Steg 1: Välj kommun – klart").wait_for(timeout=30_000)
        page.get_by_text("Steg 2: Områden – saknas").wait_for(timeout=30_000)

        page.get_by_role("link", name="Ladda upp data").first.click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Ladda upp data").wait_for(timeout=30_000)
        _upload(page, files[DESO], "27 sparade")
        _upload(page, files[KEY_TABLE], "27 sparade")
        _upload(page, files[AGES], "27 sparade", year="2021")
        # The coordinator's own place names, in the same page.
        section = page.locator("[data-testid=stFileUploader]").filter(has_text="Lista med ortnamn")
        section.locator("input[type=file]").set_input_files(str(places))
        wait_until_idle(page)
        page.get_by_role("button", name="Spara ortnamnen").click()
        wait_until_idle(page)
        page.get_by_text("1 ortnamn sparades").wait_for(timeout=30_000)
        _upload(page, files[NATIONAL], "händelser placerades i ett område")
        page.screenshot(path=str(tmp_path / "2_ladda_upp.png"), full_page=True)

        page.get_by_role("link", name="Kom igång").first.click()
        wait_until_idle(page)
        wait_until_idle(page)
        for step in ("Steg 1: Välj kommun – klart", "Steg 2: Områden – klart", "Steg 3: Befolkning – klart",
                     "Steg 4: Händelser – klart"):
            try:
                page.get_by_text(step).wait_for(timeout=60_000)
            except Exception as failed:  # say what the page said instead (once a load flake, once a real fault)
                raise AssertionError(page.locator("[data-testid=stMain]").inner_text()) from failed

        page.get_by_role("link", name="Översikt").first.click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Översikt").wait_for(timeout=60_000)
        body = page.locator("[data-testid=stMain]")
        body.get_by_text("händelser saknar plats").first.wait_for(timeout=60_000)
        text = body.inner_text()
        page.screenshot(path=str(tmp_path / "3_oversikt.png"), full_page=True)
        assert "Borlänge · lokal lägesbild" in page.locator("[data-testid=stSidebar]").inner_text()
        assert "78" in text                                                          # the events stored
        assert "räknas med invånare 2021" in text                                    # the population's year
        # Areas with names (the grid is a canvas; its accessible table holds the cells).
        cells = body.locator("[data-testid=stDataFrame] table[role=grid] tbody td").all_inner_texts()
        assert "Tjärna Ängar" in cells and "Borlänge" not in cells, cells
        assert "14 är placerade på ett helt område i indelningen RegSO" in text
        assert page.locator("[data-testid=stException]").count() == 0
