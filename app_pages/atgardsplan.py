"""Åtgärdsplan: the interventions grouped by the problem and risk factor they answer, with their latest result."""

import streamlit as st

from lagesbild import followup, formatting, ui

st.title("Åtgärdsplan")
ui.share_button("atgardsplan")
st.caption("Insatserna grupperade efter problem och riskfaktor, med status och senaste uppföljning – klart att "
           "visa för kommunfullmäktige.")
listing = ui.interventions_listing()
if ui.no_interventions(len(listing)):
    st.stop()
results = ui.load_plan(listing["id"], followup.Options())
listing["Uppföljning"] = [followup.VERDICT_LABELS[results[n].verdict] for n in listing["id"]]
for number, (problem, group) in enumerate(listing.groupby(listing["problem"].fillna("Övrigt"), sort=True)):
    st.subheader(formatting.plain(problem))
    ui.show_table(group[["name", "status", "risk_factors", "areas", "responsible", "Uppföljning"]].rename(columns={
        "name": "Insats", "status": "Status", "risk_factors": "Riskfaktorer", "areas": "Områden",
        "responsible": "Ansvariga"}), key=f"plan_{number}")
