"""Rapportera: the rapportör's only page — report what you saw, where and when (never who), from a phone."""

import streamlit as st

from lagesbild import ui

organisation = ui.require_reporter()
st.title("Rapportera")
ui.show_receipt()
st.caption("Vad du såg, var och när – aldrig vem. Vid akut fara: ring 112.")
ui.cancel_edit()
ui.report_form(organisation)
ui.own_reports()
