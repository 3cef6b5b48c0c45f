"""Browser test: a coordinator's first run on an empty database, through Kom igång to the municipality's outline
as its one area, and the overview saying what is still missing."""

from __future__ import annotations

import pytest

from lagesbild import cli, db
from tests.browser import (
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_kom_igang_in_the_browser(tmp_path):
    need_chromium()
    path = tmp_path / "borlange.duckdb"
    assert cli.main(["init", "--db", str(path), "--kommun", "2081"]) == 0
    with running_app(path, coordinator_secrets(tmp_path)) as url, browser_page() as page:
        sign_in(page, url)
        nav = page.locator("[data-testid=stSidebarNav]")
        assert nav.locator("a").first.inner_text().strip().endswith("Kom igång")   # first in the menu while data are missing
        nav.get_by_text("Kom igång").click()
        wait_until_idle(page)
        page.get_by_text("Steg 2: Områden – saknas").wait_for()
        page.get_by_text("Ingen indelning: hela kommunen som ett område").click()
        page.get_by_text("Hela kommunen är nu ett område").wait_for(timeout=60_000)
        page.get_by_text("Klart: 1 område (Kommungräns).").wait_for()
        page.screenshot(path=str(tmp_path / "kom_igang.png"))
        nav.get_by_text("Översikt").click()
        wait_until_idle(page)
        page.get_by_text("Inga händelser finns ännu.").wait_for()
        assert page.get_by_text("Kom igång, steg 4: händelser").is_visible()
        assert page.locator(".js-plotly-plot").count() == 0
    con = db.connect(path, read_only=True)
    try:
        assert con.execute("SELECT code, division FROM areas").fetchall() == [("2081", "Kommungräns")]
    finally:
        con.close()
