"""Lägesbild: the router. Declares the pages, draws the shared sidebar and runs the chosen page."""

import streamlit as st

from lagesbild import ui

st.set_page_config(page_title="Lägesbild", page_icon="🗺️", layout="wide")  # an emoji is drawn locally; a material icon is fetched from fonts.gstatic.com

ui.ensure_database()
if ui.current_role() == "reporter":  # a rapportör has one page and sees no data: every other URL lands on it
    only = st.navigation([st.Page("app_pages/rapportera.py", title="Rapportera", icon=":material/add_location_alt:",
                                  url_path="rapportera", default=True)])
    ui.inject_style()
    ui.sign_in_panel()
    only.run()
    st.stop()
ui.choose_version()   # a link to a published version (?version=) makes every page read its frozen data
ui.load_link_once()
# A coordinator with an empty (or half-filled) database starts on the first-run guide, shown first in the menu.
coordinator = ui.current_role() == "coordinator"
first_run = coordinator and not ui.setup_status().ready
pages = {
    "oversikt": st.Page("app_pages/oversikt.py", title="Översikt", icon=":material/dashboard:", url_path="oversikt",
                        default=not first_run),
    "karta": st.Page("app_pages/karta.py", title="Karta", icon=":material/map:", url_path="karta"),
    "tid": st.Page("app_pages/tidsmonster.py", title="Tidsmönster", icon=":material/schedule:", url_path="tid"),
    "prio": st.Page("app_pages/prioritering.py", title="Prioritering", icon=":material/target:", url_path="prioritering"),
    "veckorond": st.Page("app_pages/veckorond.py", title="Veckorond (EST)", icon=":material/fact_check:",
                         url_path="veckorond"),
    "insatser": st.Page("app_pages/insatser.py", title="Insatser", icon=":material/event_note:", url_path="insatser"),
    "uppfoljning": st.Page("app_pages/uppfoljning.py", title="Uppföljning", icon=":material/query_stats:",
                           url_path="uppfoljning"),
    "atgardsplan": st.Page("app_pages/atgardsplan.py", title="Åtgärdsplan", icon=":material/checklist:",
                           url_path="atgardsplan"),
    "publicerat": st.Page("app_pages/publicerat.py", title="Publicerade lägesbilder", icon=":material/verified:",
                          url_path="publicerat"),
}
if coordinator:
    guide = st.Page("app_pages/kom_igang.py", title="Kom igång", icon=":material/flag:", url_path="kom-igang",
                    default=first_run)
    pages = {"kom_igang": guide, **pages} if first_run else {**pages, "kom_igang": guide}
    pages["ladda_upp"] = st.Page("app_pages/ladda_upp.py", title="Ladda upp data", icon=":material/upload_file:",
                                 url_path="ladda-upp")
# Widgets must come after st.navigation: drawn before it, they lose their value on every rerun.
page = st.navigation(list(pages.values()))
if st.session_state.get("_lank_sida") in pages:  # a shared link names its page in ?sida=, on the start page URL
    st.switch_page(pages[st.session_state.pop("_lank_sida")])
st.session_state.pop("_lank_sida", None)  # a page this role does not have (the upload page for a viewer)
ui.inject_style()
ui.sidebar()
ui.version_banner()
ui.synthetic_notice()
ui.link_notices()
page.run()
