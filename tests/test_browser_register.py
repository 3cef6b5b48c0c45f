"""Browser test: the coordinator edits an intervention's areas and sees the change on the map."""

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

pytestmark = pytest.mark.browser


def test_edit_an_intervention_and_see_it_on_the_map(demo_db, tmp_path):
    need_chromium()
    from playwright.sync_api import expect

    with running_app(demo_db, coordinator_secrets(tmp_path)) as url, browser_page(height=1600) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Insatser").click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Lägg till eller ändra").wait_for(timeout=30_000)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Insats").first.click()
        page.get_by_role("option", name="Kvällsöppen fritidsgård i Mjällby").click()
        wait_until_idle(page)
        form = page.locator("[data-testid=stForm]")
        name = form.get_by_label("Namn")
        # The form is filled from the chosen intervention in a rerun; typing before that rerun lands would be lost.
        # While it lands, the old form (the blank draft's keys) and the new one can both be on the page.
        page.wait_for_function(
            """want => {
                const inputs = [...document.querySelectorAll('[data-testid=stForm] input[aria-label="Namn"]')];
                return inputs.length === 1 && inputs[0].value === want;
            }""", arg="Kvällsöppen fritidsgård i Mjällby", timeout=30_000)
        name.fill("Kvällsöppen fritidsgård i Mjällby och Sölve")
        areas = form.locator("[data-testid=stMultiSelect] input").first
        areas.click()
        areas.fill("Sölve")
        page.get_by_role("option", name="Sölve", exact=True).click()
        page.keyboard.press("Escape")
        expect(name).to_have_value("Kvällsöppen fritidsgård i Mjällby och Sölve")
        form.get_by_role("button", name="Spara").click()
        wait_until_idle(page)
        page.get_by_text("Ändringarna är sparade.").wait_for(timeout=30_000)

        # On the map of Sölve, the intervention is now drawn (listed under the map with its new name).
        page.goto(url + "/?sida=karta&lager=omraden,insatser&omrade=SOL")
        wait_until_idle(page)
        page.get_by_role("heading", name="Karta").wait_for(timeout=60_000)
        page.locator("[data-testid=stDeckGlJsonChart] canvas").first.wait_for(timeout=60_000)
        page.get_by_text("Kvällsöppen fritidsgård i Mjällby och Sölve").first.wait_for(state="attached",
                                                                                      timeout=30_000)
        page.screenshot(path=str(tmp_path / "karta_efter_andring.png"), full_page=True)
        assert page.locator("[data-testid=stException]").count() == 0
