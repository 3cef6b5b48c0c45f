"""UI glue: the Kom igång guide (municipality, areas, population, incidents) and every page's empty state."""

from __future__ import annotations

import streamlit as st

from lagesbild import db, formatting, setup
from lagesbild.ui.signin import current_role, signed_in_name
from lagesbild.ui.state import connection, flash, versioned, write_guard

GUIDE = "app_pages/kom_igang.py"
UPLOAD = "app_pages/ladda_upp.py"
INTERVENTIONS = "app_pages/insatser.py"
NEUTRAL = "Inga uppgifter finns ännu."


@versioned(max_entries=4)
def setup_status() -> setup.Status:
    """What the database holds: municipality, areas, population, incidents, interventions."""
    return setup.status(connection())


def _is_coordinator() -> bool:
    return current_role() == "coordinator"


def missing(*, areas: bool = False, incidents: bool = False, mention_areas: bool = False) -> bool:
    """Say what this page lacks and return True when it has nothing to show. Coordinators get what is missing
    and a link to the step of Kom igång that fixes it; everyone else the neutral text. `mention_areas`: a page
    that works without areas (counts, no rates) says they are missing but goes on."""
    found = setup_status()
    lacking = [(step, text) for need, have, step, text in (
        (True, found.has_municipality, 1, "Ingen kommun är vald ännu."),
        (areas or mention_areas, found.areas > 0, 2, "Inga områden finns ännu."),
        (incidents, found.incidents > 0, 4, "Inga händelser finns ännu.")) if need and not have]
    if not any(step != 2 or areas for step, _ in lacking):  # only the areas a page can go without
        if lacking and _is_coordinator():
            st.info("Inga områden finns ännu: händelserna räknas för hela kommunen, utan invånare per område.")
            _link(2)
        return False
    if not _is_coordinator():
        st.info(NEUTRAL)
        return True
    st.info(" ".join(text for _, text in lacking))
    _link(lacking[0][0])
    return True


def _link(step: int) -> None:
    st.page_link(GUIDE, label=f"Kom igång, steg {step}: {STEP_TITLES[step].lower()}", icon="➡️")


def no_interventions(count: int) -> bool:
    """The Uppföljning and Åtgärdsplan pages without interventions: say so and how to register one."""
    if count:
        return False
    if not _is_coordinator():
        st.info("Inga insatser är registrerade ännu.")
        return True
    st.info("Inga insatser är registrerade ännu. Lägg in en insats på sidan Insatser (namn, start, områden och "
            "vad den riktar sig mot); sedan kan den följas upp här.")
    st.page_link(INTERVENTIONS, label="Registrera en insats", icon="➡️")
    return True


STEP_TITLES = {1: "Välj kommun", 2: "Områden", 3: "Befolkning", 4: "Händelser"}


def _step(number: int, done: bool) -> None:
    st.subheader(f"Steg {number}: {STEP_TITLES[number]} – {'klart' if done else 'saknas'}")  # no emoji: the
    # server's browser may lack an emoji font


def municipality_step(found: setup.Status) -> None:
    """Step 1: the municipality from the shipped 290, stored as `init` stores it."""
    _step(1, found.has_municipality)
    if found.has_municipality:
        st.write(f"Klart: {formatting.plain(formatting.municipality(found.name))} ({found.code}).")
    if found.areas or found.incidents:
        st.caption("Kommunen kan inte bytas när det redan finns områden eller händelser.")
        return
    choices = setup.known()
    codes = list(choices)
    code = st.selectbox("Kommun", codes, index=codes.index(found.code) if found.code in choices else None,
                        format_func=setup.label, key="kom_igang_kommun", placeholder="Välj kommun (skriv för att söka)")
    if code and code != found.code and st.button("Spara kommunen", type="primary", key="kom_igang_spara"):
        with write_guard(), db.write(connection()) as cur:
            setup.set_municipality(cur, choices[code])
        flash(f"Kommunen är nu {formatting.municipality(choices[code].name)}.")
        st.rerun()


def areas_step(found: setup.Status) -> None:
    """Step 2: SCB's DeSO/RegSO, own districts, or the whole municipality as one area from its outline."""
    _step(2, found.areas > 0)
    if found.areas:
        noun = "område" if found.areas == 1 else "områden"
        st.write(f"Klart: {formatting.number(found.areas)} {noun} ({', '.join(found.divisions)}).")
        return
    st.write("Saknas: områdesgränser. Ladda upp SCB:s DeSO eller RegSO (GeoPackage eller GeoJSON; filen för hela "
             "landet går bra, bara kommunens områden sparas) eller egna stadsdelar. Har kommunen ingen indelning "
             "blir hela kommunen ett område, och kartan visar händelserna i SCB:s rutor.")
    if not found.has_municipality:
        st.caption("Välj kommun först (steg 1).")
        return
    st.page_link(UPLOAD, label="Ladda upp områdesgränser", icon="⬆️")
    if setup.has_outline(found.code) and st.button("Ingen indelning: hela kommunen som ett område",
                                                   key="kom_igang_hela"):
        from lagesbild.ingest import ImportOptions, import_bytes

        with write_guard():
            result = import_bytes(connection(), setup.outline_geojson(found.code, found.name), setup.OUTLINE_FILE,
                                  ImportOptions(kind="areas", imported_by=signed_in_name()))
        if result.status != "stored":
            st.error(formatting.plain(result.summary("sv")))
            return
        flash("Hela kommunen är nu ett område, med kommungränsen från SCB.")
        st.rerun()


def population_step(found: setup.Status) -> None:
    """Step 3: inhabitants per area (rates per 1 000 need them)."""
    _step(3, found.population > 0)
    if found.population:
        st.write(f"Klart: {formatting.number(found.population)} invånare i {formatting.number(found.population_areas)}"
                 f" av {formatting.number(found.areas)} områden.")
        return
    st.write("Saknas: befolkning per område (en tabell med områdeskod och antal invånare, t.ex. från SCB). Utan "
             "den visas antal händelser men inte händelser per 1 000 invånare.")
    if found.areas:
        st.page_link(UPLOAD, label="Ladda upp befolkning", icon="⬆️")
    else:
        st.caption("Lägg in områden först (steg 2).")


def incidents_step(found: setup.Status) -> None:
    """Step 4: the incidents (own reports, Polisens händelser, …)."""
    _step(4, found.incidents > 0)
    if found.incidents and found.first_day and found.last_day:
        st.write(f"Klart: {formatting.number(found.incidents)} händelser från {formatting.day(found.first_day)} till "
                 f"{formatting.day(found.last_day)}.")
    else:
        st.write("Saknas: händelser. Ladda upp egna rapporter (CSV, TXT eller Excel) eller Polisens händelser "
                 "(JSON). Varje händelse behöver datum, kategori och plats (koordinater eller område).")
    if found.has_municipality:
        st.page_link(UPLOAD, label="Ladda upp händelser", icon="⬆️")
