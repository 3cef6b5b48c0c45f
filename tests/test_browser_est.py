"""Browser test: the coordinator enters an organisation's weekly round in the grid, saves it, and the week's
picture and the missing answers follow; a viewer sees only the aggregated picture."""

from __future__ import annotations

import duckdb
import pytest

from tests.browser import (
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def test_enter_a_weekly_round_in_the_grid(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1400) as page:
        page.goto(url + "/veckorond")
        wait_until_idle(page)
        page.get_by_role("heading", name="Veckorond (EST)").wait_for(timeout=60_000)
        page.locator("[data-testid=stPlotlyChart]").first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "veckorond_lasare.png"), full_page=True)
        assert page.get_by_role("tab", name="Fyll i veckans svar").count() == 0   # viewers get no form

        sign_in(page, url)
        page.get_by_role("link", name="Veckorond (EST)").click()
        wait_until_idle(page)
        page.get_by_role("tab", name="Veckans bild").wait_for(timeout=60_000)
        page.locator("[data-testid=stPlotlyChart]").first.wait_for(timeout=60_000)
        page.screenshot(path=str(tmp_path / "veckorond_bild.png"), full_page=True)
        page.get_by_role("tab", name="Saknade svar").click()
        page.get_by_text("Bostadsbolaget").first.wait_for(timeout=30_000)

        page.get_by_role("tab", name="Fyll i veckans svar").click()
        wait_until_idle(page)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Organisation").first.click()
        page.get_by_role("option", name="Bostadsbolaget").click()
        wait_until_idle(page)
        grid = page.locator("[data-testid=stForm] [data-testid=stDataFrame]").first
        grid.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "veckorond_formular.png"), full_page=True)
        # the first area's first item (Skadegörelse): the grid's canvas has a header row, then one row per area
        grid.scroll_into_view_if_needed()
        box = grid.bounding_box()
        assert box is not None
        page.mouse.dblclick(box["x"] + 260, box["y"] + 35 + 17)
        page.wait_for_timeout(1000)   # the cell editor opens on the canvas, outside the DOM Playwright can wait on
        page.keyboard.type("3")
        page.wait_for_timeout(500)
        page.keyboard.press("Enter")
        page.wait_for_timeout(500)
        page.get_by_role("button", name="Spara veckans svar").click()
        wait_until_idle(page)
        page.get_by_text("Veckorondens svar är sparade: 1 nya svar.").wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "veckorond_sparad.png"), full_page=True)
        assert page.locator("[data-testid=stException]").count() == 0
    con = duckdb.connect(str(demo_db), read_only=True)
    saved = con.execute("SELECT area_code, item, value, answered_by FROM est_answers"
                        " WHERE organisation = 'bostadsbolaget' AND iso_year = 2026 AND iso_week = 44").fetchall()
    con.close()
    assert saved == [("SBG-F", "skadegorelse", 3, "anna")]
