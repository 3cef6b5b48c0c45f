"""Browser tests of what a Swedish reader sees: no English or code words on any page, numbers that sort as
numbers, no control cut short at 1024 px or 390 px, and an Åtgärdsplan that prints on A4 without its sidebar.

Each test starts the app once and walks every page (a viewer opening links; the coordinator signed in, who also
has the upload page), because starting Streamlit costs more than a page.
"""

from __future__ import annotations

import re
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

pytestmark = pytest.mark.browser

PAGES = {"oversikt": "/", "karta": "/karta", "tid": "/tid", "prio": "/prioritering", "veckorond": "/veckorond",
         "insatser": "/insatser",
         "uppfoljning": "/uppfoljning", "atgardsplan": "/atgardsplan", "publicerat": "/publicerat"}
UPLOAD_PAGE = {"ladda_upp": "/ladda-upp", "kom_igang": "/kom-igang"}  # the coordinator's pages
TITLES = {"/": "Översikt", "/karta": "Karta", "/tid": "Tidsmönster", "/prioritering": "Prioritering",
          "/veckorond": "Veckorond (EST)",
          "/insatser": "Insatser", "/uppfoljning": "Uppföljning", "/atgardsplan": "Åtgärdsplan",
          "/publicerat": "Publicerade lägesbilder", "/ladda-upp": "Ladda upp data",
          "/kom-igang": "Kom igång"}

# English and technical words that must not reach a Swedish reader, as regular expressions over the visible text
# (whole words, case-sensitive unless marked (?i)). Each names where it was seen or could come from.
DENY = {
    r"\bSelect all\b": "multiselect's own 'select all' option",
    r"\bChoose (?:an )?options?\b": "Streamlit's default placeholder of multiselect and selectbox",
    r"\bUpload\b": "file uploader button",
    r"\bper file\b": "file uploader size limit ('50MB per file')",
    r"(?i)\bdrag and drop\b": "file uploader instructions in older Streamlit versions",
    r"\bBrowse files\b": "file uploader button in older Streamlit versions",
    r"\bempty\b": "an empty st.dataframe grid",
    r"\bNo (?:data|results)\b": "empty grid or dropdown",
    # English month and day names as whole words (plotly's date ticks and hover texts are English).
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b": "English month on a plotly date axis",
    r"\b(?:January|February|March|April|June|July|August|September|October|November|December)\b":
        "English month name",
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b":
        "English weekday",
    r"\bincident_risk_factors\b|\bincidents\b|\barea_population\b": "a table name shown as a unit",
    r"\b00:00:00\b": "a date shown with a midnight time",
    r"\bNone\b|\bnan\b|\bNaN\b|\bTrue\b|\bFalse\b": "Python values shown as text",
    r"\bGi\*": "the Gi* statistic as a bare label (its name belongs in a help text)",
    r"\bFDR\b": "false discovery rate as a bare abbreviation",
    r"\bWDQ\b": "weighted displacement quotient as a bare abbreviation",
    r"(?<!\.)\.\.(?!\.)|…\.": "a double full stop",
    r"\bDownload plot\b|\bAutoscale\b|\bReset axes\b|\bZoom (?:in|out)\b": "plotly's chart toolbar tooltips",
    r"\bDownload as CSV\b|\bFullscreen\b|\bShow/hide columns\b": "the table toolbar",
    r"\bHelp for\b": "aria label of a help icon",
    r"(?m)^(?:Open|Close)$": "aria label of a dropdown or dialog",
}

VISIBLE_TEXT = """() => {
  const parts = [document.body.innerText];
  for (const el of document.querySelectorAll('input, textarea, button, [role=button], [role=combobox], '
                                            + '[data-title]')) {
    for (const name of ['placeholder', 'aria-label', 'title', 'data-title']) {
      const value = el.getAttribute(name);
      if (value) parts.push(value);
    }
  }
  for (const tick of document.querySelectorAll('.js-plotly-plot g.xtick text, .js-plotly-plot g.ytick text, '
                                               + '.js-plotly-plot g.angularaxistick text')) {
    parts.push(tick.textContent);
  }
  // Material icons are ligatures ('upload', 'link'): drawn as pictures, not read as words.
  const icons = [...document.querySelectorAll('[data-testid=stIconMaterial]')].map(e => e.textContent);
  return {text: parts.join('\\n'), icons};
}"""

TRUNCATED = """() => [...document.querySelectorAll(
    'button, button *, label, label *, [data-testid=stMetric] *, [data-testid=stWidgetLabel] *, '
    + '[data-testid=stCaptionContainer], [role=tab] *')]
  .filter(e => e.offsetParent !== null && e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
               && (getComputedStyle(e).textOverflow === 'ellipsis'
                   || ['hidden', 'clip'].includes(getComputedStyle(e).overflowX)))
  .map(e => e.textContent.trim()).filter(t => t)"""


def english_words(page) -> list[str]:
    """Every deny-list hit in the page's visible text, its inputs' attributes and its chart ticks."""
    seen = page.evaluate(VISIBLE_TEXT)
    text = seen["text"]
    for icon in set(seen["icons"]):
        text = re.sub(rf"(?m)^{re.escape(icon)}$", "", text)
    found = []
    for pattern, where in DENY.items():
        for match in re.finditer(pattern, text):
            context = text[max(0, match.start() - 40):match.end() + 40].replace("\n", " ⏎ ")
            found.append(f"{match.group(0)!r} ({where}): …{context}…")
    return found


def open_page(page, url: str, path: str, signed_in: bool = False) -> None:
    """Go to a page: by address for a viewer, by the sidebar's link when signed in (a new address would start
    a new session, which must first find its sign-in again)."""
    if signed_in:
        page.locator("[data-testid=stSidebarNav]").get_by_role("link", name=TITLES[path], exact=True).click()
    else:
        page.goto(url + path)
    wait_until_idle(page)
    page.locator("h1").first.wait_for(timeout=60_000)
    page.wait_for_timeout(800)  # plotly draws its ticks after the script is idle
    wait_until_idle(page)


def open_every_select(page) -> list[str]:
    """Open each multiselect and selectbox once (their dropdowns hold Streamlit's own words) and collect hits."""
    found = []
    boxes = page.locator("[data-testid=stMain] [data-testid=stMultiSelect] [role=combobox], "
                         "[data-testid=stMain] [data-testid=stSelectbox] [role=combobox]")
    for index in range(min(boxes.count(), 4)):
        box = boxes.nth(index)
        if not box.is_visible() or not box.is_enabled():
            continue
        box.click()
        page.wait_for_timeout(300)
        found += english_words(page)
        page.keyboard.press("Escape")
    return found


def check_pages(page, url: str, pages: dict[str, str], shots: Path, role: str) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    for name, path in pages.items():
        open_page(page, url, path, signed_in=role == "staff")
        if role == "staff":
            page.locator("[data-testid=stSidebar]").get_by_text("Inloggad som anna").wait_for(timeout=30_000)
        assert page.locator("[data-testid=stException]").count() == 0, (role, name)
        hits = english_words(page) + open_every_select(page)
        if hits:
            problems[f"{role}:{name}"] = hits
        page.screenshot(path=str(shots / f"{role}_{name}.png"), full_page=True)
    return problems


def test_no_english_on_any_page_for_a_viewer(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        problems = check_pages(page, url, PAGES, tmp_path, "viewer")
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def test_no_english_on_any_page_for_staff_and_the_coordinator(demo_db, tmp_path):
    need_chromium()
    secrets = coordinator_secrets(tmp_path)
    with running_app(demo_db, secrets) as url, browser_page() as page:
        sign_in(page, url)
        problems = check_pages(page, url, {**PAGES, **UPLOAD_PAGE}, tmp_path, "staff")
        # The uploader with a file chosen: its own words beside the file name.
        open_page(page, url, UPLOAD_PAGE["ladda_upp"], signed_in=True)
        page.locator("[data-testid=stFileUploaderDropzoneInput]").first.set_input_files(
            files=[{"name": "handelser.csv", "mimeType": "text/csv",
                    "buffer": "datum;kategori;område\n2026-10-01;misshandel;SOL\n".encode()}])
        wait_until_idle(page)
        page.get_by_text(re.compile(r"^(Provläsning|Avvisad)")).first.wait_for(timeout=60_000)
        wait_until_idle(page)
        page.screenshot(path=str(tmp_path / "staff_ladda_upp_fil.png"), full_page=True)
        hits = english_words(page)
    if hits:
        problems["staff:ladda_upp med fil"] = hits
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())


def _numbers(grid, column: int) -> list[float]:
    """The visible cells of a grid column as numbers, from the grid's accessible table (the grid is a canvas)."""
    texts = grid.locator(f"table[role=grid] tbody tr td:nth-child({column})").all_inner_texts()
    return [float(t.replace("\u00a0", "").replace(" ", "").replace(",", ".")) for t in texts if t.strip()]


def test_a_count_column_sorts_as_numbers(demo_db, tmp_path):
    """Karta's area table as staff: a click on the header of 'Händelser' sorts 97, 89, 88, 428 … by value, not
    as text (where 428 would come before 88), and a second click sorts the other way."""
    need_chromium()
    secrets = coordinator_secrets(tmp_path)
    with running_app(demo_db, secrets) as url, browser_page() as page:
        sign_in(page, url)
        open_page(page, url, "/karta", signed_in=True)
        grid = page.locator(".st-key-skarm_karta_omraden_tabell [data-testid=stDataFrame]")
        grid.scroll_into_view_if_needed()
        headers = grid.locator("table[role=grid] thead th").all_inner_texts()
        column = headers.index("Händelser") + 1
        before = _numbers(grid, column)
        assert len(before) >= 5 and len({len(str(int(v))) for v in before}) >= 2, before  # 2- and 3-digit counts
        assert before != sorted(before) and before != sorted(before, reverse=True)
        box = grid.bounding_box()
        # The grid is drawn on a canvas: try header positions left to right until this column is the sorted one.
        for x in range(int(box["x"]) + 20, int(box["x"] + box["width"]) - 30, 25):
            page.mouse.click(x, box["y"] + 17)
            page.wait_for_timeout(300)
            if page.locator("[data-testid=stDataFrameColumnMenu]").count():
                page.keyboard.press("Escape")  # the column's menu icon, not the header
                continue
            first = _numbers(grid, column)
            if first in (sorted(first), sorted(first, reverse=True)) and first != before:
                break
        else:
            pytest.fail("no click on the header row sorted 'Händelser'")
        page.mouse.click(x, box["y"] + 17)
        page.wait_for_timeout(500)
        second = _numbers(grid, column)
        page.screenshot(path=str(tmp_path / "sorted.png"))
    # Sorted by value both ways (as text, 1058 would come before 11 and 428 before 88).
    assert {first == sorted(first), second == sorted(second)} == {True, False}, (first, second)
    assert second == sorted(second, reverse=first == sorted(first)), (first, second)
    assert len({len(str(int(v))) for v in first}) >= 2 and len({len(str(int(v))) for v in second}) >= 2


def test_nothing_is_cut_short_at_1024_or_390_pixels(demo_db, tmp_path):
    need_chromium()
    secrets = coordinator_secrets(tmp_path)
    cut: dict[str, list[str]] = {}
    with running_app(demo_db, secrets) as url:
        for width, height in ((1024, 768), (390, 844)):
            with browser_page(width, height) as page:
                if width > 600:  # staff at 1024 px, a viewer on a phone
                    sign_in(page, url)
                for name, path in PAGES.items():
                    open_page(page, url, path, signed_in=width > 600)
                    found = page.evaluate(TRUNCATED)
                    if found:
                        cut[f"{width}:{name}"] = found
                    page.screenshot(path=str(tmp_path / f"{width}_{name}.png"), full_page=True)
    assert cut == {}, cut


def test_the_action_plan_prints_on_a4_without_the_sidebar(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db) as url, browser_page() as page:
        open_page(page, url, "/atgardsplan")
        page.locator("[data-testid=stDataFrame]").first.wait_for(timeout=60_000)
        page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
        page.emulate_media(media="print")
        page.wait_for_timeout(500)
        assert not page.locator("[data-testid=stSidebar]").is_visible()
        assert not page.locator("[data-testid=stPopover]").first.is_visible()  # 'Kopiera länk' is not printed
        tables = page.locator("[data-testid=stTable]")
        assert tables.count() >= 2 and page.locator("[data-testid=stDataFrame]").first.is_hidden()
        for index in range(tables.count()):
            box = tables.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 794, box
            assert tables.nth(index).evaluate("t => t.scrollWidth <= t.clientWidth + 1")
            assert "Uppföljning" in tables.nth(index).inner_text()  # the last column is on paper
        page.screenshot(path=str(tmp_path / "atgardsplan_print.png"), full_page=True)
        pdf = page.pdf(path=str(tmp_path / "atgardsplan.pdf"), format="A4", print_background=True)
        assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
        page.emulate_media(media="screen")
        assert page.locator("[data-testid=stTable]").first.is_hidden()  # the paper copy stays off the screen
