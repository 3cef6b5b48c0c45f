"""Karta: incidents, rates and interventions on one map, following the shared filters."""

import streamlit as st

from lagesbild import exports, formatting, ui, view

st.title("Karta")
if ui.missing(incidents=True, mention_areas=True):
    st.stop()
left, middle, right = st.columns([3, 1.3, 1])
left.multiselect(view.PARAMETERS["lager"].label, list(view.LAYERS), format_func=ui.labelled(view.LAYERS),
                 key="karta_lager", select_all=False, placeholder="Välj lager")
middle.radio(view.PARAMETERS["ruta"].label, list(view.GRIDS),
             format_func=lambda g: f"{g} m" if g < 1000 else "1 km", horizontal=True, key="karta_ruta")
with right:
    ui.share_button("karta")
current = ui.current_view("karta")
shown = ui.load_map(current)
ui.protection_notice()
for note in shown.notes:
    st.caption(note)
simple = st.toggle("Enkel vy utan karta (om kartan inte syns)", key="karta_enkel")
if not simple:
    event = st.pydeck_chart(shown.deck, height=560, on_select="rerun", selection_mode="single-object",
                            key="karta_karta")
    objects = (event.selection.get("objects", {}) or {}) if event else {}
    picked = objects.get("omraden") or objects.get("otrygghet") or []
    if picked:
        st.session_state["karta_profil"] = picked[0].get("code")
    ui.legend(shown.legend_title, shown.legend, ui.disclosure().hidden_label if ui.is_viewer() else None)
    ui.survey_legend(shown)
    ui.map_position(shown)
ui.show_table(shown.areas, key="karta_omraden_tabell")
if not shown.interventions.empty:
    st.caption("Insatser på kartan (grön: pågående, blå: planerad, lila: avslutad):")
    ui.show_table(shown.interventions, key="karta_insatser_tabell")
a, b = st.columns(2)
a.download_button("Ladda ner områdena (CSV för Excel)", exports.excel_csv(shown.areas), "omraden.csv",
                  "text/csv", key="karta_export_omraden")
b.download_button("Ladda ner rutorna (CSV för Excel)", exports.excel_csv(shown.cells), "rutor.csv", "text/csv",
                  key="karta_export_rutor")

st.subheader("Områdesprofil")
names = ui.labels()["areas"]
code = st.selectbox("Område", ["", *names], format_func=lambda c: names.get(c, "Välj ett område (eller klicka på "
                    "kartan)"), key="karta_profil", placeholder="Välj")
if code:
    profile = ui.load_profile(current.filters, code)
    st.markdown(f"**{formatting.plain(profile.name)}** – " + formatting.plain(" ".join(profile.facts)))
    st.plotly_chart(profile.trend, key="karta_profil_trend")
    st.caption(profile.band_note)
    c1, c2 = st.columns(2)
    with c1:
        ui.show_table(profile.categories, key="karta_profil_kategorier")
    with c2:
        ui.show_table(profile.risk_factors, key="karta_profil_riskfaktorer")
    st.caption("Pågående insatser i området:")
    ui.show_table(profile.interventions, key="karta_profil_insatser")
    ui.area_safety(code)
