"""Tidsmönster: when incidents happen — hour × weekday, months against last year, and the yearly cycle."""

import streamlit as st

from lagesbild import ui, view

st.title("Tidsmönster")
ui.share_button("tid")
if ui.missing(incidents=True):
    st.stop()
current = ui.current_view("tid")
heat, months, wheel, hidden, notes = ui.load_time_patterns(current.filters, current.day_start)
ui.protection_notice()
for note in [text for text in (hidden, *notes) if text]:
    st.caption(note)
st.subheader("Veckodag och klockslag")
night = st.toggle(view.PARAMETERS["dygn"].label, key="tid_dygn", help=view.PARAMETERS["dygn"].help)
st.caption("Händelser med okänt klockslag ingår inte." + (" Timmarna 00–05 står på raden för kvällen innan."
                                                          if night else ""))
st.plotly_chart(heat, key="tid_vecka")
st.subheader("Månad för månad, mot samma månader året innan")
st.plotly_chart(months, key="tid_manader")
st.subheader("Årshjul")
st.caption("Genomsnittligt antal händelser per kalendermånad, över alla år med data fram till periodens slut.")
st.plotly_chart(wheel, key="tid_arshjul")
