"""Översikt: the start page. Key figures against a year earlier, monthly trend, top areas, interventions."""

import streamlit as st

from lagesbild import formatting, ui

st.title("Lägesbild – översikt")
if ui.missing(incidents=True, mention_areas=True):
    ui.reference_section()
    st.stop()
filters = ui.current_filters()
view = ui.load_overview(filters)
ui.share_button("oversikt")
ui.report_downloads()
st.caption(
    f"Period: {formatting.period(filters.start, filters.end)}, jämfört med samma period ett år tidigare. "
    "Förändringar prövas statistiskt: ”kan vara slump” betyder att skillnaden ryms inom normal variation."
)
ui.protection_notice()
if view.comparison_note:
    st.warning(view.comparison_note)

for column, kpi in zip(st.columns(len(view.kpis)), view.kpis, strict=True):
    column.metric(kpi.label, kpi.value, kpi.delta, delta_color=kpi.delta_colour, help=kpi.help, border=True)
if view.police_note:
    st.caption(view.police_note)

st.subheader("Utveckling per månad")
st.plotly_chart(view.trend, config={"displaylogo": False, "locale": "sv"}, key="oversikt_trend")
st.caption(view.band_note)
if view.trend_note:
    st.caption(view.trend_note)

left, right = st.columns([3, 2])
with left:
    st.subheader("Områden med flest händelser per 1 000 invånare")
    st.caption(f"Händelser under perioden per 1 000 invånare i området, de tio högsta. {view.place_note}")
    ui.show_table(view.top_areas, key="oversikt_omraden")
with right:
    st.subheader("Pågående insatser")
    if view.interventions.empty:
        st.write("Inga insatser pågår just nu.")
    else:
        ui.show_table(view.interventions[["Insats", "Område", "Sedan", "Ansvariga"]], key="oversikt_insatser")

st.subheader("Varifrån uppgifterna kommer")
ui.show_table(view.sources, key="oversikt_kallor")
if view.police_note:
    st.caption(view.police_note)
if view.data_range:
    st.caption(
        f"Händelser från {formatting.day(view.data_range[0])} till {formatting.day(view.data_range[1])}. "
        f"Invånare i kommunens områden: {formatting.number(view.population)}."
    )

ui.safety_section()  # the latest trygghetsmätning and its change (lagesbild.safety)
ui.reference_section()  # BRÅ per 100 000 against SKR group and country (lagesbild.reference)
