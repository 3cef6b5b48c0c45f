"""Uppföljning: did an intervention work? Before and after, against comparison areas, with displacement."""

import streamlit as st

from lagesbild import followup, formatting, ui

st.title("Uppföljning")
listing = ui.interventions_listing()
names = dict(zip(listing["id"], listing["name"], strict=True))
chosen = st.selectbox("Insats", list(names), format_func=names.get, key="uppf_insats")
left, middle, right = st.columns(3)
days = left.slider("Dagar före och efter", 60, 730, 365, 15, key="uppf_dagar")
buffer = middle.radio("Närområde", ["ring", "adjacent"], key="uppf_buffert",
                      format_func={"ring": "En ring runt området", "adjacent": "Angränsande områden"}.get)
ring = right.slider("Ringens bredd (m)", 100, 2000, 500, 100, key="uppf_ring", disabled=buffer != "ring")
areas = ui.labels()["areas"]
comparison = st.multiselect("Jämförelseområden (tomt = resten av kommunen)", list(areas), format_func=areas.get,
                            key="uppf_jamforelse")
if chosen:
    result = ui.load_evaluation(chosen, followup.Options(days=days, buffer=buffer, ring_m=float(ring),
                                                         comparison=tuple(comparison)))
    show = {"minskning": st.success, "ökning": st.error}.get(result.verdict, st.info)
    show(f"**{followup.VERDICT_LABELS[result.verdict]}.** {formatting.plain(result.summary)}")
    ui.protection_notice()
    st.caption(f"Räknas: {formatting.plain(result.targeted)}. Före: {result.before[0]} – {result.before[1]}; "
               f"efter: {result.after[0]} – {result.after[1]}.")
    st.dataframe(followup.table(result), hide_index=True, width="stretch")
    st.plotly_chart(followup.chart(result), key="uppf_diagram")
    st.caption("WDQ (weighted displacement quotient): under 0 tyder på förflyttning till närområdet, över 0 på "
               "att nyttan spred sig dit.")
