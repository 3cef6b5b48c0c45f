"""The report as a PDF (fpdf2) with matplotlib's bundled DejaVu Sans (Unicode: å ä ö, – ” ²; shipped with the
package, nothing downloaded): headings as bookmarks, real tables, the figures, and the version's marking in the
header and footer of every page.
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from fpdf import FPDF
from fpdf.fonts import FontFace

from lagesbild.report.model import Bullets, Heading, Image, Paragraph, Report, Table, cell_text

FONT = "DejaVu"
MARK_COLOUR = (178, 24, 43)
HEADING_SIZES = {1: 15, 2: 12, 3: 11}


def font_folder() -> Path:
    """Where matplotlib keeps its bundled TrueType fonts."""
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Document(FPDF):
    def __init__(self, report: Report) -> None:
        super().__init__(format="A4")
        self.report = report
        folder = font_folder()
        self.add_font(FONT, "", folder / "DejaVuSans.ttf")
        self.add_font(FONT, "B", folder / "DejaVuSans-Bold.ttf")
        self.add_font(FONT, "I", folder / "DejaVuSans-Oblique.ttf")
        self.add_font(FONT, "BI", folder / "DejaVuSans-BoldOblique.ttf")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)
        self.set_title(report.title)
        self.set_lang("sv-SE")
        self.set_creator("Lägesbild")

    def _mark(self, size: float) -> None:
        if self.report.internal:
            self.set_font(FONT, "B", size)
            self.set_text_color(*MARK_COLOUR)
        else:
            self.set_font(FONT, "", size)
            self.set_text_color(90, 90, 90)

    def header(self) -> None:
        self._mark(8.5)
        self.set_y(8)
        self.cell(0, 5, self.report.marking, align="C")
        self.set_text_color(0, 0, 0)
        self.set_y(18)

    def footer(self) -> None:
        self.set_y(-13)
        self._mark(7.5)
        self.cell(0, 5, f"{self.report.marking} · {self.report.title} · sida {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(0, 0, 0)


def _paragraph(pdf: _Document, text: str, kind: str) -> None:
    style, size, colour = {"note": ("I", 8.5, (70, 70, 70)), "missing": ("I", 10, (128, 74, 0)),
                           "placeholder": ("I", 10, (0, 0, 0))}.get(kind, ("", 10, (0, 0, 0)))
    pdf.set_font(FONT, style, size)
    pdf.set_text_color(*colour)
    if kind == "placeholder":
        pdf.set_fill_color(255, 245, 157)
    pdf.multi_cell(0, size * 0.5, text, fill=kind == "placeholder", new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(1.5)


def _table(pdf: _Document, block: Table) -> None:
    frame = block.frame
    columns = len(frame.columns)
    size = 8 if columns <= 4 else 7 if columns <= 6 else 6.5
    pdf.set_font(FONT, "", size)
    widths = []
    for name in frame.columns:
        texts = [str(name), *(cell_text(v) for v in frame[name].head(40))]
        longest_word = max(len(word) for text in texts for word in (text.split() or [""]))
        mean = sum(len(text) for text in texts) / len(texts)
        widths.append(max(min(longest_word, 24) + 1.5, min(48.0, mean * 1.3)))
    with pdf.table(col_widths=widths, line_height=size * 0.5, text_align="LEFT", first_row_as_headings=True,
                   headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
                   padding=0.8) as table:
        header = table.row()
        for name in frame.columns:
            header.cell(str(name))
        for values in frame.itertuples(index=False):
            row = table.row()
            for value in values:
                row.cell(cell_text(value))
    if block.caption:
        pdf.ln(1)
        _paragraph(pdf, block.caption, "note")
    pdf.ln(2)


def render(report: Report) -> bytes:
    """The report as PDF bytes."""
    pdf = _Document(report)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(0, 9, report.title, new_x="LMARGIN", new_y="NEXT", align="L")
    _paragraph(pdf, report.subtitle, "body")
    for block in report.blocks:
        if isinstance(block, Heading):
            level = min(block.level, 3)
            if level == 1 and pdf.get_y() > 60:
                pdf.add_page()
            pdf.ln(2)
            pdf.start_section(block.text, level - 1, strict=False)
            pdf.set_font(FONT, "B", HEADING_SIZES[level])
            pdf.multi_cell(0, HEADING_SIZES[level] * 0.5, block.text, new_x="LMARGIN", new_y="NEXT", align="L")
            pdf.ln(1)
        elif isinstance(block, Paragraph):
            _paragraph(pdf, block.text, block.kind)
        elif isinstance(block, Bullets):
            pdf.set_font(FONT, "", 10)
            for item in block.items:
                pdf.set_x(pdf.l_margin + 2)
                pdf.multi_cell(0, 5, "• " + item, new_x="LMARGIN", new_y="NEXT", align="L")
                pdf.ln(0.8)
            pdf.ln(1)
        elif isinstance(block, Table):
            _table(pdf, block)
        elif isinstance(block, Image):
            width = min(block.width_cm * 10, pdf.epw)
            pdf.image(io.BytesIO(block.png), w=width, x=pdf.l_margin + (pdf.epw - width) / 2)
            _paragraph(pdf, block.caption, "note")
    return bytes(pdf.output())
