"""Browser test: the coordinator edits an intervention's areas and sees the change on the map."""

from __future__ import annotations

import pytest

from lagesbild import auth
from tests.browser import browser_page, need_chromium, running_app, wait_until_idle

pytestmark = pytest.mark.browser


def sign_in(page, url: str) -> None:
    page.goto(url + "/")
    wait_until_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Logga in").first.click()
    sidebar.get_by_label("Användarnamn").fill("anna")
    sidebar.get_by_label("Lösenord").fill("hemligt")
    sidebar.get_by_role("button", name="Logga in").click()
    wait_until_idle(page)
    sidebar.get_by_text("Inloggad som anna").wait_for(timeout=30_000)


def test_edit_an_intervention_and_see_it_on_the_map(demo_db, tmp_path):
    need_chromium()
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('[accounts.anna]\nrole = "coordinator"\npassword_hash = "'
                       + auth.hash_password("hemligt") + '"\n', encoding="utf-8")
    with running_app(demo_db, secrets) as url, browser_page(height=1600) as page:
        sign_in(page, url)
        page.get_by_role("link", name="Insatser").click()
        wait_until_idle(page)
        page.get_by_role("heading", name="Lägg till eller ändra").wait_for(timeout=30_000)
        page.locator("[data-testid=stSelectbox]").filter(has_text="Insats").first.click()
        page.get_by_role("option", name="Kvällsöppen fritidsgård i Mjällby").click()
        wait_until_idle(page)
        form = page.locator("[data-testid=stForm]")
        name = form.get_by_label("Namn")
        name.wait_for(timeout=30_000)
        name.fill("Kvällsöppen fritidsgård i Mjällby och Sölve")
        areas = form.locator("[data-testid=stMultiSelect] input").first
        areas.click()
        areas.fill("Sölve")
        page.get_by_role("option", name="Sölve", exact=True).click()
        page.keyboard.press("Escape")
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
