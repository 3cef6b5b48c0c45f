"""The report as an editable Word document (python-docx): real headings (so Word's navigation pane and table of
contents work), real tables, the figures as pictures, and the version's marking in every page's header and
footer. The analyst writes the orsaksanalys into its marked, empty section.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from lagesbild.report.model import Bullets, Heading, Image, Paragraph, Report, Table, cell_text

MARK_COLOUR = RGBColor(0xB2, 0x18, 0x2B)


def _page_number(paragraph: object) -> None:
    """A PAGE field (Word fills in the number)."""
    run = paragraph.add_run()  # type: ignore[attr-defined]
    begin, code, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = "PAGE"
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, end):
        run._r.append(element)


def _marking(report: Report, document: object) -> None:
    section = document.sections[0]  # type: ignore[attr-defined]
    header = section.header.paragraphs[0]
    header.text = ""
    run = header.add_run(report.marking)
    run.bold = report.internal
    run.font.size = Pt(9)
    if report.internal:
        run.font.color.rgb = MARK_COLOUR
    header.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer = section.footer.paragraphs[0]
    footer.text = ""
    run = footer.add_run(f"{report.marking} · {report.title} · sida ")
    run.font.size = Pt(8)
    if report.internal:
        run.font.color.rgb = MARK_COLOUR
    _page_number(footer)
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER


def render(report: Report) -> bytes:
    """The report as DOCX bytes."""
    document = Document()
    document.core_properties.title = report.title
    document.core_properties.language = "sv-SE"
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(2.2)
    document.styles["Normal"].font.size = Pt(10)
    _marking(report, document)
    document.add_heading(report.title, 0)
    document.add_paragraph(report.subtitle)
    for block in report.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, min(block.level, 3))
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            if block.kind == "note":
                run.font.size = Pt(8.5)
                run.italic = True
            elif block.kind == "missing":
                run.italic = True
                run.font.color.rgb = RGBColor(0x80, 0x4A, 0x00)
            elif block.kind == "placeholder":
                run.italic = True
                run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            frame = block.frame
            table = document.add_table(rows=1, cols=len(frame.columns), style="Table Grid")
            for cell, name in zip(table.rows[0].cells, frame.columns, strict=True):
                cell.text = str(name)
                for run in cell.paragraphs[0].runs:
                    run.bold = True
                    run.font.size = Pt(8.5)
            for values in frame.itertuples(index=False):
                cells = table.add_row().cells
                for cell, value in zip(cells, values, strict=True):
                    cell.text = cell_text(value)
                    for run in cell.paragraphs[0].runs:
                        run.font.size = Pt(8.5)
            if block.caption:
                caption = document.add_paragraph()
                run = caption.add_run(block.caption)
                run.italic = True
                run.font.size = Pt(8.5)
        elif isinstance(block, Image):
            document.add_picture(io.BytesIO(block.png), width=Cm(block.width_cm))
            caption = document.add_paragraph()
            run = caption.add_run(block.caption)
            run.italic = True
            run.font.size = Pt(8.5)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
