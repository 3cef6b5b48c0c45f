"""UI glue for perceived safety (`lagesbild.safety`): cached loaders, the overview's "Upplevd trygghet" section,
the area profile's survey table and the map's survey legend. Every value passes the person's `Disclosure`:
a viewer never sees a value from fewer answers than the threshold."""

from __future__ import annotations

import streamlit as st

from lagesbild import safety
from lagesbild.formatting import plain
from lagesbild.protect import Disclosure
from lagesbild.ui.loaders import legend
from lagesbild.ui.state import connection, versioned
from lagesbild.ui.tables import show_table

__all__ = ["load_safety_overview", "load_area_safety", "safety_section", "area_safety", "survey_legend"]

NOTHING_IMPORTED = (
    "Ingen trygghetsmätning är importerad. Ladda upp en fil med kolumnerna indikator, område, år, värde (andel i "
    "procent eller index) och svarande på sidan Ladda upp – se exemplet docs/exempel_trygghetsmatning.csv – så "
    "visas upplevd trygghet här, på kartan (lagret ”Otrygghet (enkät)”) och i områdesprofilen."
)


@versioned(max_entries=8)
def load_safety_overview(*, shown: Disclosure) -> list[safety.Latest]:
    """Each indicator's latest value for the whole municipality, with the change since the survey before."""
    con = connection()
    return safety.municipality_latest(con, shown) if safety.has_surveys(con) else []


@versioned(max_entries=32)
def load_area_safety(code: str, *, shown: Disclosure) -> list[safety.Latest]:
    """Each indicator's latest value in one area, with the change since the survey before."""
    con = connection()
    return safety.area_latest(con, code, shown) if safety.has_surveys(con) else []


def safety_section() -> None:
    """'Upplevd trygghet' on the overview: the latest survey per indicator and its change, or what to import."""
    st.subheader("Upplevd trygghet")
    found = load_safety_overview()
    if not found:
        st.caption(NOTHING_IMPORTED)
        return
    show_table(safety.latest_table(found, with_place=True), key="oversikt_trygghet")  # indicator names: file text
    st.caption(plain(
        "Trygghetsmätningens senaste år per indikator för hela kommunen, jämfört med mätningen före. "
        + safety.SMALL_RULE + " Enkätsvar visar hur människor upplever sin omgivning; otryggheten kan vara hög "
        "där få brott anmäls. Per område: kartans lager ”Otrygghet (enkät)” och områdesprofilen."))


def area_safety(code: str) -> None:
    """The area profile's survey table (nothing when the area has no survey values)."""
    found = load_area_safety(code)
    if not found:
        return
    st.caption("Upplevd trygghet i området (trygghetsmätning):")
    show_table(safety.latest_table(found), key="karta_profil_trygghet")
    st.caption(safety.SMALL_RULE)


def survey_legend(shown) -> None:
    """The map's legend for the "Otrygghet (enkät)" layer, with the marking of small samples."""
    if shown.survey_legend:  # beside squares; alone, the survey legend is the map's own (lagesbild.maps)
        legend(shown.survey_title, shown.survey_legend)
