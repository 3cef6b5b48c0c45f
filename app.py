"""Lägesbild: the router. Declares the pages, draws the shared sidebar and runs the chosen page."""

import streamlit as st

from lagesbild import ui

st.set_page_config(page_title="Lägesbild", page_icon=":material/map:", layout="wide")

ui.ensure_database()
pages = [
    st.Page("pages/oversikt.py", title="Översikt", icon=":material/dashboard:", url_path="oversikt", default=True),
]
if ui.current_role() == "coordinator":
    pages.append(st.Page("pages/ladda_upp.py", title="Ladda upp data", icon=":material/upload_file:",
                         url_path="ladda-upp"))
# Widgets must come after st.navigation: drawn before it, they lose their value on every rerun.
page = st.navigation(pages)
ui.sidebar()
ui.synthetic_notice()
page.run()
