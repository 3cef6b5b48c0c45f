"""Publicerade lägesbilder: the versions the council adopted, each with a permanent link; staff publish new ones."""

import streamlit as st

from lagesbild import ui

st.title("Publicerade lägesbilder")
ui.share_button("publicerat")
st.caption("En publicerad lägesbild är fryst: uppgifterna, vyn och analytikerns kommentar som de var när den "
           "publicerades. Dess permanenta länk visar alltid just den versionen, även när nya uppgifter har "
           "kommit in.")
ui.protection_notice()
ui.publish_form()
ui.versions_list()
