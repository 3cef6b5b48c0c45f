"""UI glue for the lägesbild report (`lagesbild.report`): the overview's "Lägesbild som dokument" with its download
buttons for Word and PDF.

Everyone gets the protected version (the same numbers a council member's link shows); signed-in staff may choose
the internal one with exact numbers, marked INTERN on every page. The document is built only when a button is
clicked (Streamlit's deferred download, on its own thread), so the page stays as fast as before; everything the
build needs — filters, link, who is looking, the connection — is read on the page's thread first, and the result
is cached per those and the data version.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import duckdb
import streamlit as st

from lagesbild import report
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.ui.sidebar import current_filters, sync_link
from lagesbild.ui.signin import is_viewer
from lagesbild.ui.state import connection, data_key, header, settings

__all__ = ["report_downloads"]

INTERNAL = "Intern version (exakta tal)"
PROTECTED = "Skyddad version (för spridning)"


@st.cache_data(max_entries=8, show_spinner=False)
def _document(version: tuple[str, int], filters: Filters, fmt: str, shown: Disclosure, today: date, link: str,
              _con: duckdb.DuckDBPyConnection) -> bytes:
    """The report's bytes, cached per data (a published version's frozen file or the current data version), filters,
    format, role and day (the connection is not hashed)."""
    return report.render(_con, filters, fmt, shown=shown, today=today, link=link)


def document_maker(filters: Filters, fmt: str, shown: Disclosure, link: str) -> Callable[[], bytes]:
    """A callable that builds the report: everything it needs is captured here, on the page's thread."""
    con, version, today = connection(), data_key(), date.today()
    return lambda: _document(version, filters, fmt, shown, today, link, con)


def report_downloads(page: str = "oversikt") -> None:
    """'Lägesbild som dokument': a choice of version for staff, and the Word and PDF download buttons."""
    filters = current_filters()
    staff = not is_viewer()
    with st.popover("Lägesbild som dokument", icon=":material/description:"):
        st.caption("Lägesbilden för kommunstyrelsen enligt lag (2023:196): kartläggning, källor, prioriterade "
                   "problem, åtgärdsplan med uppföljning och metod, för perioden och filtren du valt. Word-filen "
                   "går att redigera; orsaksanalysen fylls i där.")
        internal = False
        if staff:
            internal = st.radio("Version", [PROTECTED, INTERNAL], key=f"{page}_rapport_version",
                                help="Den interna versionen har exakta tal och är märkt INTERN på varje sida: "
                                     "sprid den inte. Till kommunstyrelsen och allmänheten: den skyddade.") == INTERNAL
        else:
            st.caption("Små tal är justerade och antal under 5 visas som ”<5”, som i en delad länk.")
        shown = Disclosure(viewer=not internal, threshold=settings().suppression_threshold)
        link = sync_link(page)
        name, _, _ = header()
        for fmt, label in (("docx", "Ladda ner lägesbild (Word)"), ("pdf", "Ladda ner lägesbild (PDF)")):
            st.download_button(label, document_maker(filters, fmt, shown, link),
                               report.file_name(name, filters, fmt, internal), report.FORMATS[fmt],
                               key=f"{page}_rapport_{fmt}", icon=":material/download:", on_click="ignore")
