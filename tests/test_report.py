"""The lägesbild report: its structure in Word and PDF, the internal marking on every page, the protection of
small counts (tested as an adversary would), an empty database, the CLI and the overview's download buttons."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from docx import Document
from pypdf import PdfReader

from lagesbild import db, formatting, report
from lagesbild.cli import main
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.report.content import CAUSES, NO_INCIDENTS, NO_REFERENCE

TODAY = date(2026, 11, 26)
PERIOD = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
STAFF = Disclosure(viewer=False)
VIEWER = Disclosure(viewer=True)


def docx_headings(content: bytes) -> list[tuple[int, str]]:
    """(level, text) of every heading in a DOCX, in order (the title is level 0)."""
    found = []
    for paragraph in Document(io.BytesIO(content)).paragraphs:
        style = paragraph.style.name
        if style == "Title":
            found.append((0, paragraph.text))
        elif style.startswith("Heading "):
            found.append((int(style.split()[1]), paragraph.text))
    return found


def docx_text(content: bytes) -> str:
    """Every paragraph and table cell of a DOCX (body, headers and footers), one per line."""
    document = Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    for section in document.sections:
        lines += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return "\n".join(lines)


def docx_table_cells(content: bytes) -> list[tuple[str, str]]:
    """(column header, cell text) for every body cell of every table in a DOCX."""
    cells = []
    for table in Document(io.BytesIO(content)).tables:
        header = [cell.text for cell in table.rows[0].cells]
        for row in table.rows[1:]:
            cells += list(zip(header, (cell.text for cell in row.cells), strict=True))
    return cells


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def in_order(text: str, parts: list[str]) -> bool:
    """Whether `parts` occur in `text` in this order (each as a line of its own)."""
    position = 0
    lines = text.splitlines()
    for part in parts:
        try:
            position = lines.index(part, position) + 1
        except ValueError:
            return False
    return True


@pytest.fixture(scope="module")
def small_reports(sbg_db_master) -> dict[tuple[str, bool], bytes]:
    """The report on the small Sölvesborg database in both formats and both versions."""
    con = db.connect(sbg_db_master)
    try:
        built = {internal: report.build(con, PERIOD, shown=STAFF if internal else VIEWER, today=TODAY)
                 for internal in (True, False)}
    finally:
        con.close()
    return {(fmt, internal): report.layout(made, fmt) for internal, made in built.items() for fmt in ("docx", "pdf")}


def test_docx_headings_follow_the_structure(small_reports):
    headings = docx_headings(small_reports[("docx", False)])
    assert headings[0] == (0, "Lägesbild – Sölvesborgs kommun")
    assert [text for level, text in headings if level == 1] == list(report.CHAPTERS)
    chapters = [text for level, text in headings if level == 1]
    assert chapters[0] == "Sammanfattning"
    # the mapping's sections, in order, directly under Kartläggning
    start = headings.index((1, "Kartläggning"))
    assert [text for _, text in headings[start + 1:start + 1 + len(report.MAPPING_SECTIONS)]] == list(
        report.MAPPING_SECTIONS)
    analysis = headings.index((1, "Analys och prioriterade problem"))
    plan = headings.index((1, "Åtgärdsplan med uppföljning"))
    assert analysis < headings.index((2, CAUSES)) < plan


def test_pdf_headings_follow_the_structure(small_reports):
    text = "\n".join(pdf_pages(small_reports[("pdf", False)]))
    assert in_order(text, ["Sammanfattning", "Kartläggning", *report.MAPPING_SECTIONS, "Källor",
                           "Analys och prioriterade problem", CAUSES, "Åtgärdsplan med uppföljning",
                           "Metod och förbehåll", "Datum och dataversion"])
    assert "å" in text and "ö" in text   # the Unicode font, not a Latin-1 fallback


def test_the_causes_section_is_left_empty_for_the_analyst(small_reports):
    document = Document(io.BytesIO(small_reports[("docx", True)]))
    texts = [p.text for p in document.paragraphs]
    after = texts[texts.index(CAUSES) + 1:texts.index("Åtgärdsplan med uppföljning")]
    assert "[Fylls i av analytikern.]" in after
    assert all("händelser" not in t.lower() or "analytikern" in t for t in after)


def test_internal_marking_on_every_page(small_reports):
    pages = pdf_pages(small_reports[("pdf", True)])
    assert len(pages) > 3
    for number, page in enumerate(pages, 1):
        assert page.count(report.INTERNAL_MARK) >= 2, f"page {number} lacks the marking in header and footer"
    document = Document(io.BytesIO(small_reports[("docx", True)]))
    for section in document.sections:
        assert report.INTERNAL_MARK in section.header.paragraphs[0].text
        assert report.INTERNAL_MARK in section.footer.paragraphs[0].text
    assert "Intern (exakta tal)" in docx_text(small_reports[("docx", True)])


def test_protected_version_is_not_marked_internal(small_reports):
    for fmt in ("docx", "pdf"):
        text = docx_text(small_reports[(fmt, False)]) if fmt == "docx" else "\n".join(
            pdf_pages(small_reports[(fmt, False)]))
        assert "INTERN" not in text
        assert report.PROTECTED_MARK in text
        assert "Skyddad (små tal justerade)" in text


def _plant(path: Path, count: int) -> None:
    """Make shootings a category with exactly `count` incidents, all in Sölvesborg centrum in the period."""
    con = duckdb.connect(str(path))
    try:
        con.execute("DELETE FROM incident_risk_factors WHERE incident_id IN (SELECT id FROM incidents WHERE "
                    "category_id = (SELECT id FROM categories WHERE code = 'skjutning'))")
        con.execute("DELETE FROM incidents WHERE category_id = (SELECT id FROM categories WHERE code = 'skjutning')")
        con.execute(
            "INSERT INTO incidents SELECT * REPLACE (id + 1000000000 AS id,"
            " (SELECT id FROM categories WHERE code = 'skjutning') AS category_id, NULL AS natural_key,"
            " NULL AS external_id) FROM incidents WHERE area_id = (SELECT id FROM areas WHERE code = 'SBG-C')"
            " AND day BETWEEN ? AND ? ORDER BY id LIMIT ?", [PERIOD.start, PERIOD.end, count])
        assert con.execute("SELECT count(*) FROM incidents WHERE category_id = (SELECT id FROM categories WHERE "
                           "code = 'skjutning')").fetchone()[0] == count
    finally:
        con.close()


SMALL_COUNT_COLUMNS = ("Händelser", "Värde", "Året innan", "Händelser med plats", "Händelser med riskfaktorn")


def test_adversary_a_planted_count_of_three_never_shows_in_the_protected_report(sbg_db):
    _plant(sbg_db, 3)
    shootings = Filters(start=PERIOD.start, end=PERIOD.end, categories=("skjutning",))
    con = db.connect(sbg_db)
    try:
        internal = report.build(con, shootings, shown=STAFF, today=TODAY)
        protected = report.build(con, shootings, shown=VIEWER, today=TODAY)
    finally:
        con.close()
    found = {(fmt, version): report.layout(made, fmt)
             for version, made in (("internal", internal), ("protected", protected)) for fmt in ("docx", "pdf")}

    # the internal report shows the exact 3, in the key figures, per category and for the area
    inside = docx_table_cells(found[("docx", "internal")])
    assert ("Värde", "3") in inside
    assert ("Händelser", "3") in inside
    internal_text = "\n".join(pdf_pages(found[("pdf", "internal")]))
    assert re.search(r"registrerades 3 händelser", internal_text)
    assert re.search(r"Sölvesborg centrum 3 ", internal_text)

    # the protected one never does: no count column holds 1–4, no sentence counts them, "<5" instead
    outside = docx_table_cells(found[("docx", "protected")])
    small = [(column, text) for column, text in outside
             if column in SMALL_COUNT_COLUMNS and re.fullmatch(r"[1-4]", text)]
    assert small == []
    assert ("Värde", "<5") in outside or ("Värde", "5") in outside   # 3 moved by at most 2, else hidden
    for text in (docx_text(found[("docx", "protected")]), "\n".join(pdf_pages(found[("pdf", "protected")]))):
        assert not re.search(r"registrerades [1-4] händelser", text)
        assert not re.search(r"Sölvesborg centrum [1-4] ", text)
        assert not re.search(r"\(\s*[1-4]\s*\)", text)   # "skjutning eller sprängning (3)" in the summary
        assert "<5" in text


def test_empty_database_builds_and_says_what_is_missing(tmp_path):
    path = tmp_path / "empty.duckdb"
    assert main(["--db", str(path), "init", "--municipality-code", "1083", "--municipality-name", "Sölvesborg"]) == 0
    con = db.connect(path)
    try:
        made = report.build(con, PERIOD, shown=VIEWER, today=TODAY)
    finally:
        con.close()
    assert made.headings(1) == list(report.CHAPTERS)
    for fmt in ("docx", "pdf"):
        content = report.layout(made, fmt)
        text = docx_text(content) if fmt == "docx" else "\n".join(pdf_pages(content)).replace("\n", " ")
        assert "Databasen innehåller ännu inga händelser" in text
        assert NO_REFERENCE in text
        assert "Inga insatser är registrerade" in text
        assert "Inga områden finns i databasen" in text
        assert "Inga importer har gjorts" in text
    texts = [block.text for block in made.blocks if hasattr(block, "kind") and block.kind == "missing"]
    assert texts.count(NO_INCIDENTS) >= 3   # Omfattning, När, Riskfaktorer each say it


def test_cli_report_end_to_end(tmp_path, sbg_db, capsys):
    out = tmp_path / "x.docx"
    assert main(["--db", str(sbg_db), "report", "--format", "docx", "--out", str(out)]) == 0
    assert "protected report (docx" in capsys.readouterr().out
    assert [t for level, t in docx_headings(out.read_bytes()) if level == 1] == list(report.CHAPTERS)
    assert "INTERN" not in docx_text(out.read_bytes())

    pdf = tmp_path / "intern.pdf"   # format from the suffix; filters from a shared link, overridden by an option
    link = "http://localhost:8501/?kategori=misshandel&fran=2026-01-01&till=2026-06-30&sida=karta"
    assert main(["--db", str(sbg_db), "report", "--out", str(pdf), "--internal", "--link", link,
                 "--till", "2026-03-31"]) == 0
    pages = pdf_pages(pdf.read_bytes())
    assert all(report.INTERNAL_MARK in page for page in pages)
    text = "\n".join(pages)
    assert "1 januari 2026 – 31 mars 2026" in text
    assert "kategori=misshandel" in text

    assert main(["--db", str(sbg_db), "report", "--out", str(tmp_path / "x.txt")]) == 2


def test_cli_report_on_an_empty_database(tmp_path):
    path = tmp_path / "empty.duckdb"
    assert main(["--db", str(path), "init", "--municipality-code", "1083", "--municipality-name", "Sölvesborg"]) == 0
    out = tmp_path / "tom.pdf"
    assert main(["--db", str(path), "report", "--out", str(out)]) == 0
    assert "Sammanfattning" in "\n".join(pdf_pages(out.read_bytes()))


def test_download_builds_the_chosen_version(sbg_db_master):
    """What the overview's button hands Streamlit: a callable that builds exactly this report."""
    con = db.connect(sbg_db_master)
    try:
        content = report.render(con, PERIOD, "pdf", shown=STAFF, today=TODAY)
    finally:
        con.close()
    assert content.startswith(b"%PDF")
    assert report.file_name("Sölvesborg", PERIOD, "pdf", True) == "lagesbild_solvesborg_2025-11-01_2026-10-31_intern.pdf"


APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_overview_offers_the_report_protected_to_viewers_and_internal_to_staff(app_env, sbg_db):
    from streamlit.testing.v1 import AppTest

    app_env(sbg_db)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    labels = [b.label for b in at.get("download_button")]
    assert "Ladda ner lägesbild (Word)" in labels and "Ladda ner lägesbild (PDF)" in labels
    assert not [r for r in at.radio if r.key == "oversikt_rapport_version"]   # viewers: the protected one only

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["inloggning"] = {"username": "anna", "role": "staff"}
    at.run()
    assert not at.exception
    choice = [r for r in at.radio if r.key == "oversikt_rapport_version"]
    assert choice and choice[0].options == ["Skyddad version (för spridning)", "Intern version (exakta tal)"]
    choice[0].set_value("Intern version (exakta tal)").run()
    assert not at.exception
    assert len([b for b in at.get("download_button") if "lägesbild" in b.label]) == 2


@pytest.mark.browser
def test_browser_staff_downloads_the_internal_pdf(sbg_db, tmp_path):
    """In the real app: a coordinator opens 'Lägesbild som dokument', chooses the internal version and gets a PDF
    built on Streamlit's download thread, marked INTERN on every page; a viewer's Word file is protected."""
    from tests.browser import (
        browser_page,
        coordinator_secrets,
        need_chromium,
        running_app,
        sign_in,
        wait_until_idle,
    )

    need_chromium()
    with running_app(sbg_db, coordinator_secrets(tmp_path)) as url, browser_page() as page:
        page.goto(url + "/?kategori=misshandel")
        wait_until_idle(page)
        page.get_by_role("button", name="Lägesbild som dokument").click()
        page.get_by_text("Ladda ner lägesbild (Word)").wait_for(timeout=30_000)
        assert page.get_by_text("Intern version (exakta tal)").count() == 0
        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name="Ladda ner lägesbild (Word)").click()
        content = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename.endswith(".docx") and "_intern" not in download.value.suggested_filename
        assert "INTERN" not in docx_text(content) and "kategori=misshandel" in docx_text(content)

        sign_in(page, url)
        page.get_by_role("button", name="Lägesbild som dokument").click()
        page.get_by_text("Intern version (exakta tal)").click()
        wait_until_idle(page)
        page.screenshot(path=str(tmp_path / "rapport.png"))
        with page.expect_download(timeout=180_000) as download:
            page.get_by_role("button", name="Ladda ner lägesbild (PDF)").click()
        assert download.value.suggested_filename.endswith("_intern.pdf")
        pages = pdf_pages(Path(download.value.path()).read_bytes())
        assert pages and all(report.INTERNAL_MARK in page_text for page_text in pages)
        assert page.locator("[data-testid=stException]").count() == 0


def test_comparison_with_similar_municipalities_from_reference_statistics(sbg_db):
    from tests.test_reference import planted

    con = db.connect(sbg_db)
    try:
        before = report.build(con, PERIOD, shown=VIEWER, today=TODAY)
        planted(con, 2021, 1_000)
        planted(con, 2022, 1_500)
        after = report.build(con, PERIOD, shown=VIEWER, today=TODAY)
    finally:
        con.close()
    assert any(getattr(b, "text", "").startswith(NO_REFERENCE) for b in before.blocks)
    assert not any(getattr(b, "text", "").startswith(NO_REFERENCE) for b in after.blocks)
    content = report.layout(after, "docx")
    cells = docx_table_cells(content)
    assert ("År", "2021") in cells and ("År", "2022") in cells
    assert ("Sölvesborg", "1 000") in [(c, t.replace("\u00a0", " ")) for c, t in cells]
    assert ("BRÅ: anmälda brott per kommun (jämförelse)", "ja") in [
        (row[0], row[1]) for row in _rows(content, "Källa")]
    text = docx_text(content)
    assert "under den mittersta hälften av liknande kommuner" in text
    headings = docx_headings(content)
    section = headings.index((2, "Jämförelse med liknande kommuner och riket"))
    assert headings[section + 1] == (1, "Källor")
    pdf = "\n".join(pdf_pages(report.layout(after, "pdf")))
    assert "Riket" in pdf and "2022" in pdf


def _rows(content: bytes, first_header: str) -> list[list[str]]:
    """The body rows of the DOCX tables whose first column is `first_header`."""
    rows = []
    for table in Document(io.BytesIO(content)).tables:
        if table.rows[0].cells[0].text == first_header:
            rows += [[cell.text for cell in row.cells] for row in table.rows[1:]]
    return rows


@pytest.mark.parametrize("shown", [STAFF, VIEWER], ids=["internal", "protected"])
def test_numbers_agree_with_the_pages(sbg_db_master, shown):
    """The report's key figures, top areas and ranking are the overview's and Prioritering's, for either reader."""
    from lagesbild import overview, priorities
    from lagesbild.report.model import Table

    con = db.connect(sbg_db_master)
    try:
        made = report.build(con, PERIOD, shown=shown, today=TODAY)
        page = overview.build(con, PERIOD, today=TODAY, shown=shown)
        ranked = priorities.display_table(priorities.rank(con, PERIOD, shown=shown), shown)
    finally:
        con.close()
    tables = [b.frame for b in made.blocks if isinstance(b, Table)]
    key_figures = next(t for t in tables if list(t.columns)[:2] == ["Nyckeltal", "Värde"])
    assert list(key_figures["Värde"]) == [k.value for k in page.kpis]
    assert list(key_figures["Mot samma period ett år tidigare"]) == [k.delta or "–" for k in page.kpis]
    top = next(t for t in tables if list(t.columns) == list(page.top_areas.columns))
    assert top.equals(formatting.as_text(page.top_areas))  # the page's numbers, written as the page writes them
    ranking = next(t for t in tables if "Varför" in t.columns)
    assert list(ranking["Område"]) == list(ranked["Område"].head(len(ranking)))
    assert list(ranking["Poäng"]) == list(formatting.as_text(ranked)["Poäng"].head(len(ranking)))
