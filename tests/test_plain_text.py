"""Nothing from a link or a file is rendered as markdown or HTML: links, images and markup show as characters.

Names of areas, interventions, problems and categories, and a link's parameters, are planted with markdown
links, outside images and HTML links; every page is walked as a viewer and as the coordinator, and every text
that Streamlit renders as markdown (and every plotly label, which follows `<a href>`) must hold them escaped.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

from lagesbild import formatting

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LINK = "[Sessionen har gått ut – logga in igen här](http://example.org)"
IMAGE = "![x](http://example.org/t.png)"
HTML_LINK = '<a href="http://example.org">klicka</a>'
LIVE_MARKDOWN = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?i:https?\\?:|www\\?\.)")
MARKDOWN_ELEMENTS = ("markdown", "caption", "info", "warning", "success", "error", "title", "header", "subheader")
LABELLED = ("selectbox", "multiselect", "radio", "checkbox", "button", "text_input", "expander", "metric", "toggle")
PAGES = ["app_pages/oversikt.py", "app_pages/karta.py", "app_pages/tidsmonster.py", "app_pages/prioritering.py",
         "app_pages/insatser.py", "app_pages/uppfoljning.py", "app_pages/atgardsplan.py"]


def plant(path: Path) -> None:
    con = duckdb.connect(str(path))
    try:
        con.execute("UPDATE areas SET name = ? WHERE code = 'SOL'", [IMAGE])
        con.execute("UPDATE interventions SET name = ?, problem = ? WHERE id = 1", [LINK, IMAGE])
        con.execute("UPDATE interventions SET name = ? WHERE id = 2", [HTML_LINK])
        con.execute("UPDATE categories SET label = ? WHERE code = 'ran'", [IMAGE])
    finally:
        con.close()


def live(at: AppTest) -> list[str]:
    """Texts on the page where a planted link, image or HTML link would be live."""
    found = []
    for kind in MARKDOWN_ELEMENTS:
        for element in at.get(kind):
            if LIVE_MARKDOWN.search(getattr(element, "value", "") or ""):
                found.append(f"{kind}: {element.value}")
    for kind in LABELLED:
        for element in at.get(kind):
            for text in (getattr(element, "label", ""), getattr(element.proto, "help", "")):
                if text and LIVE_MARKDOWN.search(text):
                    found.append(f"{kind} label: {text}")
    for chart in at.get("plotly_chart"):
        if "<a href" in chart.proto.spec or "\\u003ca href" in chart.proto.spec:
            found.append("plotly: an HTML link in the figure")
    return found


def walk(at: AppTest) -> list[str]:
    problems = []
    for page in PAGES:
        if page != "app_pages/oversikt.py":
            at.switch_page(page)
            at.run()
        assert not at.exception, (page, at.exception)
        if page == "app_pages/karta.py":
            at.selectbox(key="karta_profil").set_value("SOL").run()
        if page == "app_pages/uppfoljning.py":
            at.selectbox(key="uppf_insats").set_value(1).run()
        problems += [f"{page}: {text}" for text in live(at)]
    return problems


def test_planted_markup_stays_text_for_viewers(app_env, demo_db):
    plant(demo_db)
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update({"kategori": LINK, IMAGE: "1", "omrade": "SOL"})
    at.run()
    notices = [w.value for w in at.warning]
    assert any("Sessionen" in text for text in notices), "the link's junk must be named, as text"
    assert walk(at) == []


def test_planted_markup_stays_text_for_the_coordinator(app_env, demo_db):
    plant(demo_db)
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["inloggning"] = {"username": "samordnare", "role": "coordinator"}
    at.run()
    assert walk(at) == []


def test_the_escape_keeps_the_text_and_kills_the_markup():
    for text in (LINK, IMAGE, "**fet** _kursiv_ `kod` # rubrik :red[röd] $x$ <b>", "se http://example.org och www.x.se"):
        escaped = formatting.plain(text)
        assert not LIVE_MARKDOWN.search(escaped)
        assert re.sub(r"\\(.)", r"\1", escaped).replace(formatting.ZERO_WIDTH, "") == text
    assert formatting.plain_html(HTML_LINK) == "&lt;a href=&quot;http://example.org&quot;&gt;klicka&lt;/a&gt;"


def test_the_app_turns_off_streamlits_raw_table_download():
    config = (ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8")
    assert re.search(r"^disableDataExport\s*=\s*true", config, re.MULTILINE)
