"""Browser tests of the rapportör at 390 px (issue 15): a report from a phone with a point picked on the map, the
receipt, the report on staff's map and (aggregated) on a viewer's, no other page even by URL, and a send with the
connection dropped that loses nothing and stores the report once."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from lagesbild import auth, db, queries
from tests.browser import browser_page, need_chromium, running_app, wait_until_idle
from tests.test_browser_text import TRUNCATED, english_words, open_every_select

pytestmark = pytest.mark.browser

PHONE = (390, 844)
COOKIE_SECRET = "test cookie secret, long enough for the app"
SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "rapportera.png"


def secrets(folder: Path) -> Path:
    digest = auth.hash_password("hemligt")
    path = folder / "secrets.toml"
    path.write_text(f'[local]\ncookie_secret = "{COOKIE_SECRET}"\n'
                    f'[accounts.vard1]\nrole = "reporter"\norganisation = "Trygghetsvärdar"\npassword_hash = "{digest}"\n'
                    f'[accounts.anna]\nrole = "staff"\npassword_hash = "{digest}"\n', encoding="utf-8")
    return path


def sign_in_on_phone(page, url: str, username: str) -> None:
    """Sign in through the sidebar, which a phone opens with its button and closes again."""
    page.goto(url + "/")
    wait_until_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    if not sidebar.get_by_text("Logga in").first.is_visible():
        page.locator("[data-testid=stExpandSidebarButton]").first.click()
    sidebar.get_by_text("Logga in").first.click()
    sidebar.get_by_label("Användarnamn").wait_for(timeout=30_000)
    sidebar.get_by_label("Användarnamn").fill(username)
    sidebar.get_by_label("Lösenord").fill("hemligt")
    sidebar.get_by_role("button", name="Logga in").click()
    wait_until_idle(page)
    try:
        sidebar.get_by_text(f"Inloggad som {username}").wait_for(timeout=30_000)
    except Exception as failed:
        raise AssertionError("not signed in: " + sidebar.inner_text()) from failed
    page.locator("[data-testid=stSidebarCollapseButton] button").first.click()
    wait_until_idle(page)


def choose(page, category: str) -> None:
    page.locator("[data-testid=stSelectbox]").filter(has_text="Vad såg du?").first.click()
    page.get_by_role("option", name=category, exact=True).click()
    wait_until_idle(page)


def choose_area(page, area: str) -> None:
    page.locator("[data-testid=stSelectbox]").filter(has_text="Område").first.click()
    page.get_by_role("option", name=area, exact=True).click()
    wait_until_idle(page)


def fill_in(page, category: str, area: str = "Sölvesborg centrum") -> None:
    """What: a category; where: the square in the middle of the area's map (tapped as a finger would)."""
    page.get_by_role("heading", name="Rapportera").wait_for(timeout=60_000)
    choose(page, category)
    choose_area(page, area)  # the form starts on the author's last area, else the first by name
    canvas = page.locator("[data-testid=stDeckGlJsonChart] canvas").first
    canvas.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)  # deck.gl draws (and can pick) from the next animation frames
    box = canvas.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.wait_for_timeout(300)
    page.mouse.down()
    page.mouse.up()
    page.get_by_text("Vald plats:").wait_for(timeout=30_000)
    wait_until_idle(page)


def category_shown(page) -> str:
    return page.locator("[data-testid=stSelectbox]").filter(has_text="Vad såg du?").first.locator(
        "input").input_value()


def area_count(page, url: str, area: str) -> str:
    """The count Karta's area table gives `area` for today's graffiti reported by the safety hosts."""
    today = datetime.now(ZoneInfo("Europe/Stockholm")).date().isoformat()
    page.goto(f"{url}/?sida=karta&kategori=klotter&kalla=trygghetsvardar&fran={today}&till={today}"
              "&lager=omraden,punkter")
    wait_until_idle(page)
    page.get_by_role("heading", name="Karta").wait_for(timeout=60_000)
    table = page.locator(".st-key-utskrift_karta_omraden_tabell table")
    table.wait_for(state="attached", timeout=60_000)
    rows = [[cell.strip() for cell in row.locator("th, td").all_text_contents()] for row in table.locator("tr").all()]
    header = rows[0]
    for cells in rows[1:]:
        if area in cells:
            return cells[header.index("Händelser")]
    raise AssertionError(f"{area} not in the table: {rows}")


def reports_by(path: Path, author: str) -> list[tuple]:
    con = db.connect(path, read_only=True)
    try:
        return queries.rows(con, "SELECT r.id, a.code, i.precision FROM street_reports r JOIN incidents i"
                                 " ON i.id = r.incident_id JOIN areas a ON a.id = i.area_id WHERE r.author = ?",
                            [author])
    finally:
        con.close()


def test_a_reporter_reports_from_a_phone_and_staff_see_it(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db, secrets(tmp_path)) as url:
        with browser_page(*PHONE) as page:
            sign_in_on_phone(page, url, "vard1")
            fill_in(page, "Klotter")
            page.set_viewport_size({"width": 390, "height": 1400})  # the whole form, for the README
            page.locator("[data-testid=stMain]").evaluate("element => element.scrollTo(0, 0)")
            page.mouse.move(5, 400)  # no tooltip in the picture
            page.wait_for_timeout(1500)
            page.screenshot(path=str(SCREENSHOT))
            page.set_viewport_size({"width": PHONE[0], "height": PHONE[1]})
            assert english_words(page) + open_every_select(page) == []  # Swedish only, dropdowns too
            assert page.evaluate(TRUNCATED) == []  # nothing cut short on the phone
            choose(page, "Klotter")  # opening the lists to read them (and Escape) may have cleared it
            assert page.get_by_text("Vald plats:").count() == 1
            page.get_by_role("button", name="Skicka").click()
            wait_until_idle(page)
            receipt_text = page.get_by_text(re.compile(r"Tack! Rapport nr \d+ sparad kl\. \d\d:\d\d\.")).first
            try:
                receipt = receipt_text.inner_text()
            except Exception as failed:
                raise AssertionError(page.locator("[data-testid=stMain]").inner_text()) from failed
            page.get_by_role("heading", name="Dina senaste rapporter").wait_for(timeout=30_000)
            wait_until_idle(page)
            assert page.locator("[data-testid=stException]").count() == 0

            # No other page, whatever the address says: every URL lands on Rapportera, with no data.
            for address in ("/karta", "/?sida=prio", "/ladda-upp", "/oversikt", "/?sida=karta&lager=punkter"):
                page.goto(url + address)
                wait_until_idle(page)
                page.get_by_role("heading", name="Rapportera").wait_for(timeout=60_000)
                assert page.get_by_role("heading", name="Karta").count() == 0, address
                assert page.locator("[data-testid=stMetric], [data-testid=stDataFrame]").count() == 0, address
                assert page.locator("[data-testid=stSidebarNav] a").count() <= 1, address

        with browser_page() as page:  # a council member's link: the report counts, protected
            assert area_count(page, url, "Sölvesborg centrum") == "<5"
            assert page.get_by_text("Enskilda händelser visas bara för inloggad personal.").count() == 1
        with browser_page() as page:  # staff: exact
            sign_in_on_phone(page, url, "anna")
            assert area_count(page, url, "Sölvesborg centrum") == "1"
    number = int(re.search(r"nr (\d+)", receipt).group(1))
    assert reports_by(demo_db, "vard1") == [(number, "SBG-C", "exact")]


def test_a_dropped_connection_while_sending_loses_nothing(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db, secrets(tmp_path)) as url, browser_page(*PHONE) as page:
        sign_in_on_phone(page, url, "vard1")
        fill_in(page, "Nedskräpning")
        notice = page.get_by_text("Ingen anslutning just nu. Inget har skickats ännu")
        assert not notice.is_visible()
        page.context.set_offline(True)
        notice.wait_for(state="visible", timeout=10_000)  # the phone says so, in Swedish
        page.get_by_role("button", name="Skicka").click()
        page.wait_for_timeout(3000)
        assert "Nedskräpning" in category_shown(page)  # the draft is on the screen while offline
        page.context.set_offline(False)
        notice.wait_for(state="hidden", timeout=10_000)
        wait_until_idle(page)
        sent = page.get_by_text(re.compile(r"Tack! Rapport nr \d+")).first  # on the page and in the toast
        if sent.count() == 0:  # the send never reached the server: the whole draft is still there
            assert "Nedskräpning" in category_shown(page)
            assert page.get_by_text("Vald plats:").count() == 1
            page.get_by_role("button", name="Skicka").click()
            wait_until_idle(page)
        sent.wait_for(timeout=30_000)
        # sending the same draft again (a double tap after reconnecting) stores nothing new
        assert page.locator("[data-testid=stException]").count() == 0
    assert len(reports_by(demo_db, "vard1")) == 1


def test_a_reporter_uses_the_phones_position(demo_db, tmp_path):
    """The phone's own position (granted) fills the area and the point; refused, the form says what to do."""
    need_chromium()
    torget = {"longitude": 14.5842, "latitude": 56.0508, "accuracy": 15}
    with running_app(demo_db, secrets(tmp_path)) as url:
        with browser_page(*PHONE, geolocation=torget, permissions=["geolocation"]) as page:
            sign_in_on_phone(page, url, "vard1")
            page.get_by_role("heading", name="Rapportera").wait_for(timeout=60_000)
            choose(page, "Nedskräpning")
            page.get_by_role("button", name="Använd min position").click()
            page.get_by_text("(din position, ±25 m)").wait_for(timeout=30_000)
            wait_until_idle(page)
            assert page.get_by_text("Vald plats: 56,05080 N, 14,58420 E").count() == 1
            area = page.locator("[data-testid=stSelectbox]").filter(has_text="Område").first.locator("input")
            assert area.input_value() == "Sölvesborg centrum"
            page.get_by_role("button", name="Skicka").click()
            page.get_by_text(re.compile(r"Tack! Rapport nr \d+ sparad")).first.wait_for(timeout=30_000)
        with browser_page(*PHONE) as page:  # no permission given: the browser refuses, the form says so
            sign_in_on_phone(page, url, "vard1")
            page.get_by_role("heading", name="Rapportera").wait_for(timeout=60_000)
            page.get_by_role("button", name="Använd min position").click()
            page.get_by_text("Telefonen lämnade inte ut sin position.").wait_for(timeout=30_000)
            assert page.locator("[data-testid=stException]").count() == 0
    con = db.connect(demo_db, read_only=True)
    try:
        stored = queries.rows(con, "SELECT a.code, i.precision, round(i.lon, 4), round(i.lat, 4) FROM street_reports r"
                                   " JOIN incidents i ON i.id = r.incident_id JOIN areas a ON a.id = i.area_id"
                                   " WHERE r.author = 'vard1'")
    finally:
        con.close()
    assert stored == [("SBG-C", "exact", 14.5842, 56.0508)]
