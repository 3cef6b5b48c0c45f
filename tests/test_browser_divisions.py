"""Browser test: Borlänge's areas by their RegSO names, the division chosen in the link, renaming on the upload
page (screenshots kept in the test's folder)."""

from __future__ import annotations

import shutil

import pytest

from lagesbild import db
from lagesbild.ingest import import_bytes
from tests.browser import (
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)
from tests.test_divisions import _incidents_at, borlange_master  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser


def test_the_map_shows_regso_names_and_the_coordinator_renames(borlange_master, tmp_path):  # noqa: F811
    need_chromium()
    path = tmp_path / "b.duckdb"
    shutil.copy(borlange_master, path)
    con = db.connect(path)
    try:
        codes = ["2081C1020", "2081C1030", "2081C1050", "2081C1140", "2081C1090", "2081C1090"]
        assert import_bytes(con, _incidents_at(con, codes), "händelser.csv").status == "stored"
    finally:
        con.close()
    with running_app(path, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        page.goto(url + "/?indelning=regso&period=ar")   # a council member's link
        wait_until_idle(page)
        page.get_by_text("Gylle-Åselby-Färjegårdarna-Hytting").first.wait_for(state="attached", timeout=30_000)
        assert page.get_by_text("2081C1020").count() == 0  # RegSO rows, not DeSO
        page.screenshot(path=str(tmp_path / "oversikt_regso.png"), full_page=True)
        sign_in(page, url)
        page.get_by_role("link", name="Ladda upp data").click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Områdesnamn och egna distrikt").wait_for(timeout=30_000)
        page.get_by_role("heading", name="Områdesnamn och egna distrikt").scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "ladda_upp_namn.png"), full_page=True)
