"""Veckorond (EST): each week each organisation scores a short checklist per area — the round's form, the
week's picture, the trend, who has not answered, and the quarter beside incidents and the ranking."""

import streamlit as st

from lagesbild import est, formatting, ui

st.title("Veckorond (EST)")
st.caption("I EST (Effektiv samordning för trygghet) svarar kommunens trygghetsvärdar, polisen och "
           f"bostadsbolaget varje vecka på samma korta checklista för varje område: {est.SCALE_TEXT}. "
           "Frågorna hör till riskfaktorer: riskfaktorfiltret till vänster visar bara de frågor som hör dit.")
ui.show_flash()
if ui.missing(areas=True):   # the round is answered per area
    st.stop()
filters = ui.current_filters()
viewer = ui.is_viewer()
week = ui.est_week(viewer=viewer)
names = ["Veckans bild", "Kvartalet"] if viewer else ["Veckans bild", "Trend", "Saknade svar", "Kvartalet",
                                                      "Fyll i veckans svar"]
tabs = dict(zip(names, st.tabs(names), strict=True))

with tabs["Veckans bild"]:
    picture = ui.load_est_picture(week, filters)
    if picture.empty:
        st.info("Ingen fråga i checklistan hör till de valda riskfaktorerna eller områdena.")
    elif not est.has_values(picture):
        st.info(f"Inga svar att visa för {week.label}" + (" (eller för få organisationer har svarat)." if viewer
                                                         else " ännu. Se Saknade svar."))
    else:
        st.caption(est.VIEWER_NOTE if viewer else est.STAFF_NOTE)
        st.plotly_chart(est.picture_figure(picture), key="est_bild")
        ui.show_table(picture, key="est_bild_tabell")

if not viewer:
    with tabs["Trend"]:
        trends = ui.load_est_trends(week, filters)
        changes = est.trend_table(trends, changes_only=True)
        st.caption(est.TREND_HELP)
        if trends.empty or (trends["verdict"] == est.TREND_FEW).all():  # nothing tested: no claim either way
            st.info(f"För få veckor med svar för att pröva någon trend (minst {est.MIN_WEEKS} av de senaste "
                    f"{est.WINDOW_WEEKS} veckorna).")
        elif changes.empty:
            st.info(f"Ingen säker ökning eller minskning de senaste {est.WINDOW_WEEKS} veckorna.")
        else:
            ui.show_table(changes, key="est_trender")
        ui.est_trend_chart(week, trends)
    with tabs["Saknade svar"]:
        ui.est_missing(week)
    with tabs["Fyll i veckans svar"]:
        ui.est_round_form(week)
        ui.est_round_upload()
        with st.expander("Ändrade svar"):
            ui.show_table(est.change_log(ui.connection()), key="est_logg")
        ui.est_settings()

with tabs["Kvartalet"]:
    weeks = est.quarter_so_far(week)
    st.caption(f"{est.quarter_label(*week.quarter).capitalize()} till och med v. {week.week} "
               f"({len(weeks)} veckor, {formatting.period(weeks[0].monday, weeks[-1].sunday)}): veckorondans medelvärde per område (alla organisationer och veckor) bredvid "
               "händelserna under samma veckor och områdets plats i prioriteringen för samma period och filter. "
               "Underlag till kvartalets prioritering av områden.")
    ui.protection_notice()
    ui.show_table(ui.load_est_quarter(week, filters), key="est_kvartal")
