"""Kom igång: the coordinator's first-run guide — municipality, areas, population, incidents, each with its state."""

import streamlit as st

from lagesbild import ui

ui.require_role("coordinator")
st.title("Kom igång")
ui.show_flash()
ui.sync_link("oversikt")  # the sidebar's choices (e.g. Indelning) stay true in the address bar here too
st.caption("Fyra steg till en lägesbild. Varje steg visar vad som redan finns och vad som saknas; uppladdningen "
           "görs på sidan Ladda upp data, och en import kan alltid ångras där.")
found = ui.setup_status()
if found.synthetic:
    st.info("Databasen innehåller syntetisk demodata. Skapa en tom databas för din kommun med "
            "`.venv/bin/python -m lagesbild init --kommun KOD` (se README) och starta om appen.")
ui.municipality_step(found)
ui.areas_step(found)
ui.population_step(found)
ui.incidents_step(found)
if found.ready:
    st.success("Lägesbilden har det den behöver. Se Översikt, Karta och Prioritering.")
    st.page_link("app_pages/oversikt.py", label="Till översikten", icon="➡️")
