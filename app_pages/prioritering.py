"""Prioritering: where a new effort does most good — hot spots, risk-factor lift, need against coverage."""

import streamlit as st

from lagesbild import exports, formatting, maps, priorities, ui

st.title("Prioritering")
ui.share_button("prio")
st.caption("Områdena rangordnas efter behov (skadeviktad nivå, säker ökning, hot spots, riskfaktorer som är "
           "vanligare än i kommunen) mot täckning (pågående insatser mot samma problem). Välj riskfaktorer och "
           "kategorier i filtren till vänster för att rangordna för ett visst problem.")
if ui.missing(areas=True, incidents=True):
    st.stop()
filters = ui.current_filters()
weights = ui.weight_sliders()
ranking = ui.load_ranking(filters, weights)
ui.protection_notice()
for note in ranking.notes:
    st.info(note)
table = priorities.display_table(ranking, ui.disclosure())
ui.show_table(table, key="prio_tabell", column_config={
    "Poäng": st.column_config.Column(help=priorities.SCORE_HELP),
    "Varför": st.column_config.TextColumn(width="large")})
st.caption(priorities.SCORE_HELP)
st.download_button("Ladda ner rangordningen (CSV för Excel)", exports.excel_csv(table), "prioritering.csv",
                   "text/csv", key="prio_export")
for row in table.head(3).itertuples():
    st.markdown(f"**{formatting.plain(row.Rang)}. {formatting.plain(row.Område)}** – {formatting.plain(row.Varför)}")

st.subheader("Hot spots och rangordningen på kartan")
found = ranking.hot
if found.message:
    located = ui.disclosure().count(found.incidents, found.key)
    st.warning(f"Hot spots: {found.message} ({ui.disclosure().text(located)} händelser med plats).")
else:
    st.caption(f"Rutor ({found.size} m) där fler händelser samlas än slumpen förklarar (exakt test av varje ruta "
               f"med grannar, rättat för många samtidiga test). {found.baseline} Ny = het nu men inte föregående "
               "period; ihållande = het båda; avtagande = het bara förut.")
    cold = ui.cold_squares_toggle(found)
    st.pydeck_chart(ui.hotspot_deck(found, ranking.table, cold), height=480, key="prio_karta")
    ui.hotspot_legend(cold)
    ui.show_table(ui.hotspot_table(found, cold), key="prio_hotspots", column_config={
        maps.GI_LABEL: st.column_config.NumberColumn(maps.GI_LABEL, help=maps.GI_HELP)})

st.subheader("Framväxande hot spots")
ui.emerging_section(filters)

st.subheader("Upprepade platser")
ui.concentration_section(filters)
