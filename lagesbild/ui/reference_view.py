"""UI glue for the comparison with similar municipalities and the country (`lagesbild.reference`): a cached
loader and the section the Översikt page draws. Reference statistics are public aggregates per municipality
(BRÅ, Kolada): no disclosure control applies, but the source and year are always said."""

from __future__ import annotations

import streamlit as st

from lagesbild import db, reference
from lagesbild.formatting import plain
from lagesbild.ingest.reference import municipalities
from lagesbild.ui.state import connection, versioned

__all__ = ["load_reference_comparison", "reference_section"]

NOTHING_IMPORTED = (
    "Ingen jämförelsestatistik är importerad. Ladda upp BRÅ:s tabell ”Anmälda brott i kommunerna” (t.ex. "
    "anmalda_brott_2021.csv, med året i filnamnet) eller en export ur BRÅ:s statistikdatabas på sidan Ladda upp, "
    "så jämförs kommunen här med liknande kommuner och riket per 100 000 invånare."
)


@versioned(max_entries=8)
def load_reference_comparison() -> reference.Comparison | None:
    """The municipality's comparison, or None without reference statistics (or without a known municipality)."""
    con = connection()
    code = db.get_meta(con, "municipality_code") or ""
    if code not in municipalities():
        return None
    return reference.comparison(con, code)


def reference_section() -> None:
    """'Jämfört med liknande kommuner och riket': the figure and the note, or which file to import."""
    st.subheader("Jämfört med liknande kommuner och riket")
    found = load_reference_comparison()
    if found is None:
        st.caption(NOTHING_IMPORTED)
        return
    st.plotly_chart(reference.comparison_figure(found), config={"displaylogo": False}, key="oversikt_jamforelse")
    st.write(plain(found.note))  # measure labels and sources come from imported files
    riket = f" Riket: {found.country_method}." if found.country_method else ""
    st.caption(plain(f"{found.measure}. Liknande kommuner: {found.group_name}, enligt {reference.SKR_SOURCE}; bandet "
               f"är gruppens mittersta hälft (första till tredje kvartilen).{riket} Källa: {found.source}."))
