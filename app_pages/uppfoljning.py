"""Uppföljning: did an intervention work? Before and after, against comparison areas, with displacement."""

import streamlit as st

from lagesbild import followup, formatting, ui, view

st.title("Uppföljning")
ui.followup_defaults()
link = view.PARAMETERS
listing = ui.interventions_listing()
if ui.no_interventions(len(listing)) or ui.missing(incidents=True):
    st.stop()
names = dict(zip(listing["id"], listing["name"], strict=True))
top, share = st.columns([4, 1])
chosen = top.selectbox(link["insats"].label, list(names), format_func=ui.labelled(names), key="uppf_insats",
                       placeholder="Välj")
with share:
    ui.share_button("uppfoljning")
left, middle, right = st.columns(3)
own = left.toggle("Insatsens egen period", key="uppf_egen",
                  help="Från start till slut (eller till sista dagen med data). Stäng av för att välja antal dagar, "
                       "t.ex. för att se om effekten höll i sig efter slutet.")
days = left.slider(link["dagar"].label, *view.FOLLOWUP_DAYS, step=15, key="uppf_dagar", disabled=own)
buffer = middle.radio(link["naromrade"].label, list(view.SURROUNDINGS.values()), key="uppf_buffert",
                      format_func=ui.labelled({"ring": "En ring runt området", "adjacent": "Angränsande områden"}))
ring = right.slider(link["ringbredd"].label, *view.RING_WIDTHS, step=100, key="uppf_ring", disabled=buffer != "ring")
areas = ui.labels()["areas"]
comparison = st.multiselect(link["jamforelse"].label, list(areas), format_func=ui.labelled(areas),
                            key="uppf_jamforelse", select_all=False, placeholder="Resten av kommunen")
if chosen:
    result = ui.load_evaluation(chosen, followup.Options(days=None if own else days, buffer=buffer,
                                                         ring_m=float(ring), comparison=tuple(comparison)))
    show = {"minskning": st.success, "ökning": st.error}.get(result.verdict, st.info)
    show(formatting.plain(followup.verdict_text(result)))
    for warning in result.warnings:
        st.warning(formatting.plain(warning))
    ui.protection_notice()
    st.caption(f"Räknas: {formatting.plain(result.targeted)}. Före: {formatting.period(*result.before)}; "
               f"efter: {formatting.period(*result.after)}. {followup.method_text(result)}")
    ui.show_table(followup.table(result), key="uppf_tabell")
    if not (compared := followup.comparisons(result)).empty:
        ui.show_table(compared, key="uppf_jamforelser")
    st.plotly_chart(followup.chart(result), key="uppf_diagram")
    st.caption("Förändring per plats räknas per dag, eftersom perioderna kan vara olika långa.",
               help=followup.SPREAD_HELP)
