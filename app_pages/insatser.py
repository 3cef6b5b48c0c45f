"""Insatser: the register of interventions — timeline, list, and (for the coordinator) create, edit, end, delete."""

import pandas as pd
import streamlit as st

from lagesbild import charts, register, ui

st.title("Insatser")
ui.share_button("insatser")
ui.show_flash()
everything = ui.interventions_listing()
filters = ui.current_filters()
shown = everything[(pd.to_datetime(everything["start_date"]).dt.date <= filters.end)
                   & (pd.to_datetime(everything["end_date"]).dt.date.fillna(filters.end) >= filters.start)]
if filters.areas:
    shown = shown[shown["area_codes"].map(lambda codes: bool(set(codes) & set(filters.areas)))]
if everything.empty:  # no timeline: an empty one has an axis at "Jan 2000"
    st.info("Inga insatser är registrerade ännu.")
elif shown.empty:
    st.info(f"Ingen av de {len(everything)} insatserna pågår under den valda perioden. Välj en längre period "
            "eller andra områden i filtren till vänster.")
else:
    st.caption(f"{len(shown)} av {len(everything)} insatser pågår någon gång under den valda perioden.")
    st.plotly_chart(charts.timeline(shown, pd.Timestamp.today().normalize()), key="insatser_tidslinje")
    ui.show_table(shown[["name", "kind", "status", "areas", "timing", "responsible", "risk_factors"]].rename(
        columns={"name": "Insats", "kind": "Typ", "status": "Status", "areas": "Områden", "timing": "När",
                 "responsible": "Ansvariga", "risk_factors": "Riskfaktorer"}), key="insatser_lista")

if ui.current_role() != "coordinator":
    st.info("Insatser läggs in och ändras av samordnaren (logga in som samordnare).")
    st.stop()
st.subheader("Lägg till eller ändra")
options = {0: "Ny insats", **dict(zip(everything["id"], everything["name"], strict=True))}
chosen = st.selectbox("Insats", list(options), format_func=ui.labelled(options), key="insats_val", placeholder="Välj")
existing = register.load(ui.connection(), chosen) if chosen else None
submitted = ui.intervention_form(existing, f"insats_form_{chosen}")
if submitted is not None and ui.save_intervention(chosen or None, submitted):
    st.rerun()
if chosen:
    ui.end_or_delete(chosen, options[chosen])
with st.expander("Ändringslogg"):
    ui.show_table(ui.change_log(), key="insatser_logg")
