"""UI glue for emerging hot spots (`lagesbild.emerging`): a cached loader and the section the Prioritering page draws."""

from __future__ import annotations

import streamlit as st

from lagesbild import emerging, exports, queries
from lagesbild.filters import Filters
from lagesbild.ui.state import connection, disclosure, versioned
from lagesbild.ui.tables import show_table

__all__ = ["load_emerging", "emerging_section"]


@versioned(max_entries=16, spinner="Räknar framväxande hot spots …")
def load_emerging(filters: Filters) -> emerging.EmergingHotSpots:
    """Emerging hot spots for the filters, cached per filters and data version (display tables are built per role)."""
    return emerging.analyse(connection(), filters)


def emerging_section(filters: Filters) -> None:
    """The 'Framväxande hot spots' section (under the page's subheader): patterns per square over time, a table per pattern and a small map."""
    found = load_emerging(filters)
    if found.message:
        st.info(found.message)
        return
    st.caption(f"Perioden delas i {found.slices}. I varje tidsperiod prövas varje {found.size} m-ruta med sina "
               "åtta grannrutor exakt mot en jämn fördelning över kommunens yta (binomialtest, korrigerat för många "
               "samtidiga test så att högst 5 % av fynden väntas vara falska); trenden är ett Mann–Kendall-test. Het betyder het mot ytan, inte mot "
               "befolkningen: där många bor sker fler händelser. Mönstren följer Esris Emerging Hot Spot Analysis.")
    for note in found.notes:
        st.warning(note)
    counted = emerging.summary(found)
    if counted.empty:
        st.info("Ingen ruta visar något mönster av hot spots under perioden.")
        return
    show_table(counted, key="prio_monster", column_config={"Förklaring": st.column_config.TextColumn(width="large")})
    st.pydeck_chart(emerging.deck(found, queries.area_shapes(connection())), height=380,
                    key="prio_framvaxande_karta")
    present = [code for code in emerging.PATTERNS if (found.patterned["pattern"] == code).any()]
    st.html("<div style=\"font-size:0.85rem\">" + "".join(  # our own names and colours only, no uploaded text
        f'<span style="display:inline-block;margin-right:10px"><span style="display:inline-block;width:14px;'
        f'height:14px;background:rgb{emerging.COLOURS[code]};border:1px solid #888;vertical-align:middle">'
        f"</span> {emerging.name(code)}</span>" for code in present) + "</div>")
    table = emerging.square_table(found, disclosure())
    with st.expander(f"Rutorna med mönster ({len(table)})"):
        show_table(table, key="prio_rutor", column_config={
            "Trend (Kendalls tau)": st.column_config.NumberColumn(
                "Trend (Kendalls tau)", help="Hur stadigt rutans värde stiger (över 0) eller sjunker (under 0) "
                "från period till period, mellan −1 och 1."),
            "Trend, p": st.column_config.NumberColumn(
                "Trend, p", help="Sannolikheten att en så tydlig trend uppstår av slump; under 0,05 räknas den.")})
        st.download_button("Ladda ner rutorna (CSV för Excel)", exports.excel_csv(table),
                           "framvaxande_hot_spots.csv", "text/csv", key="prio_framvaxande_export")
