"""Browser tests of the map and shared links: what a council member opening a link sees."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser import browser_page, need_chromium, running_app, wait_until_idle

pytestmark = pytest.mark.browser


def coloured_pixels(png: bytes) -> int:
    """Pixels that are neither white nor near-white: the map drew something."""
    import numpy as np
    from PIL import Image  # Pillow comes with Streamlit

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    return int((pixels.min(axis=2) < 235).sum())


def open_map(page, url: str) -> None:
    page.goto(url)
    wait_until_idle(page)
    page.get_by_role("heading", name="Karta").wait_for(timeout=60_000)
    page.locator("canvas").first.wait_for(timeout=60_000)
    page.wait_for_timeout(1500)  # deck.gl draws on the next animation frames
    wait_until_idle(page)


def test_a_link_opens_the_same_view_and_filters_change_the_link(demo_db):
    need_chromium()
    with running_app(demo_db) as url, browser_page(height=1300) as page:
        open_map(page, url + "/?sida=karta&kategori=misshandel&matt=per1000&period=ar")
        sidebar = page.locator("[data-testid=stSidebar]")
        assert sidebar.get_by_text("Våld: Misshandel").count() == 1
        assert sidebar.locator("[data-testid=stSelectbox] input").first.input_value() == "I år"
        assert sidebar.get_by_role("radio", name="Per 1 000 invånare").is_checked()
        canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
        assert coloured_pixels(canvas.screenshot()) > 500
        assert page.locator("[data-testid=stException]").count() == 0

        sidebar.get_by_text("Skadeviktat").click()
        wait_until_idle(page)
        page.wait_for_function("location.search.includes('matt=skadeviktat')", timeout=30_000)
        query = parse_qs(urlsplit(page.url).query)
        assert query["kategori"] == ["misshandel"] and query["period"] == ["ar"]

        page.get_by_role("button", name="Kopiera länk").click()
        link = page.locator("[data-testid=stCode] code").first.inner_text()
        assert "sida=karta" in link and "matt=skadeviktat" in link
        assert urlsplit(link).path == "/"  # links use the start page URL


def test_junk_in_a_link_gives_a_notice_not_an_error(demo_db):
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        page.goto(url + "/?sida=karta&kategori=finns_inte&timmar=25-99&lager=moln&whatever=1")
        wait_until_idle(page)
        page.get_by_role("heading", name="Karta").wait_for(timeout=60_000)
        for text in ("”finns_inte”", "”25-99”", "”moln”", "”whatever”"):
            assert page.get_by_text(text).count() >= 1, text
        assert page.locator("[data-testid=stException]").count() == 0


def test_viewers_see_no_points_and_small_counts_as_fewer_than_five(demo_db):
    need_chromium()
    with running_app(demo_db) as url, browser_page(height=1300) as page:
        open_map(page, url + "/?sida=karta&kategori=ran&period=30d&lager=rutor,omraden,punkter")
        assert page.get_by_text("Enskilda händelser visas bara för inloggad personal.").count() == 1
        page.get_by_text("<5").first.wait_for(state="attached", timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0
