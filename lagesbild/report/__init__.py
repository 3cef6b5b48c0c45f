"""The lägesbild report for the municipal board: `build` gathers the content (`content`), `docx` and `pdf` lay it
out; `render` does both in one call. No Streamlit here: the CLI, the app's download buttons and the tests share it.
"""

from __future__ import annotations

from datetime import date

import duckdb

from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.report.content import CHAPTERS, MAPPING_SECTIONS, build
from lagesbild.report.model import INTERNAL_MARK, PROTECTED_MARK, Report

FORMATS = {"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "pdf": "application/pdf"}

__all__ = ["CHAPTERS", "FORMATS", "INTERNAL_MARK", "MAPPING_SECTIONS", "PROTECTED_MARK", "Report", "build",
           "file_name", "layout", "render"]


def layout(report: Report, fmt: str) -> bytes:
    """A built report as DOCX or PDF bytes."""
    if fmt == "docx":
        from lagesbild.report import docx

        return docx.render(report)
    if fmt == "pdf":
        from lagesbild.report import pdf

        return pdf.render(report)
    raise ValueError(f"unknown report format {fmt!r}; known: {', '.join(FORMATS)}")


def render(con: duckdb.DuckDBPyConnection, filters: Filters, fmt: str, *, shown: Disclosure, today: date,
           link: str = "") -> bytes:
    """The report for `filters` as `shown` lets its reader see it, as DOCX or PDF bytes."""
    return layout(build(con, filters, shown=shown, today=today, link=link), fmt)


def file_name(municipality: str, filters: Filters, fmt: str, internal: bool) -> str:
    """'lagesbild_solvesborg_2025-11-01_2026-10-31_intern.pdf' (ASCII: safe in every mail client)."""
    plain = municipality.lower().translate(str.maketrans("åäöé ", "aaoe_")) or "kommun"
    suffix = "_intern" if internal else ""
    return f"lagesbild_{plain}_{filters.start.isoformat()}_{filters.end.isoformat()}{suffix}.{fmt}"
