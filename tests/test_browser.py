"""Browser tests: the real app in headless Chromium, as a council member opening a link would see it."""

from __future__ import annotations

import pytest

from tests.browser import browser_page, need_chromium, running_app, wait_until_idle

pytestmark = pytest.mark.browser


def test_overview_renders_without_exception(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url + "/")
        wait_until_idle(page)
        page.get_by_text("Lägesbild – översikt").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
        assert page.locator("[data-testid=stMetric]").count() == 4
        assert page.get_by_text("Demodata.").count() == 1
        assert page.locator("[data-testid=stSidebar]").get_by_text("Period").count() >= 1
        # The trend chart is drawn (plotly renders an SVG with bars).
        page.locator(".js-plotly-plot .bars path").first.wait_for(timeout=30_000)
        page.screenshot(path=str(tmp_path / "oversikt.png"), full_page=True)
        assert errors == []


def test_sidebar_period_changes_the_figures(demo_db):
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        page.goto(url + "/")
        wait_until_idle(page)
        year = page.locator("[data-testid=stMetricValue]").first.inner_text()
        page.locator("[data-testid=stSidebar] [data-testid=stSelectbox]").first.click()
        page.get_by_role("option", name="Senaste 30 dagarna").click()
        wait_until_idle(page)
        page.get_by_text("Period: 2 oktober 2026 – 31 oktober 2026").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stMetricValue]").first.inner_text() != year


def test_deep_link_as_first_request_runs_the_router(demo_db, tmp_path):
    """A link straight to /karta, opened before anyone has visited the start page, gets the app's own navigation
    and sidebar, not Streamlit's file-based page list (which a folder called `pages/` would trigger)."""
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        page.goto(url + "/karta?kategori=misshandel")
        wait_until_idle(page)
        sidebar = page.locator("[data-testid=stSidebar]")
        sidebar.get_by_text("Period").first.wait_for(timeout=30_000)
        nav = page.locator("[data-testid=stSidebarNav]").inner_text()
        page.screenshot(path=str(tmp_path / "karta_first.png"), full_page=True)
        assert "Karta" in nav and "Översikt" in nav
        assert "karta" not in nav.split() and "oversikt" not in nav.split()  # no file names
        assert sidebar.get_by_text("Misshandel").count() >= 1  # the link's filter reached the router's sidebar
        assert page.get_by_text("ignorerades").count() == 0
        assert page.locator("[data-testid=stException]").count() == 0
