"""UI glue: the upload page's section for the areas' names and the municipality's own districts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagesbild import divisions, formatting, gazetteer, queries
from lagesbild.ingest.problems import FileRefusedError
from lagesbild.ui.signin import signed_in_name
from lagesbild.ui.state import connection, write_guard

__all__ = ["area_names_section", "place_names_section"]


def area_names_section() -> None:
    """'Områdesnamn och egna distrikt': rename areas, and group DeSO into the municipality's own districts."""
    st.subheader("Områdesnamn och egna distrikt")
    st.caption("SCB:s kopplingstabell DeSO–RegSO (kopplingstabell-deso-regso) läses in som en vanlig fil ovan och "
               "ger DeSO-områdena RegSO-namn. Här kan du byta ett områdes namn (ändringen loggas) och dela in "
               "DeSO-områdena i kommunens egna distrikt – eller ladda upp en CSV med kolumnerna deso;distrikt.")
    con = connection()
    present = divisions.available(con)
    if not present:
        st.info("Inga områden ännu. Läs in områdesgränser (till exempel SCB:s DeSO) först.")
        return
    division = st.selectbox("Indelning", [d for d, _ in present], key="namn_indelning", placeholder="Välj indelning")
    areas = queries.frame(con, "SELECT code AS Kod, name AS Namn FROM areas WHERE division = ? ORDER BY code",
                          [division])
    edited = st.data_editor(areas, disabled=["Kod"], hide_index=True, key="namn_tabell", width="stretch")
    if st.button("Spara namnen", key="namn_spara"):
        changed = edited[edited["Namn"] != areas["Namn"]]
        try:
            with write_guard():
                divisions.rename_areas(con, {str(c): str(n or "") for c, n in zip(
                    changed["Kod"], changed["Namn"], strict=True)}, signed_in_name(), division)
        except divisions.RenameError as exc:
            st.error(formatting.plain(exc.sv) + " Inget sparades.")
        else:
            st.success(f"{formatting.number(len(changed))} namn ändrades.")
    base = divisions.base_division(con)
    deso = queries.frame(con, "SELECT code AS Kod, name AS Namn FROM areas WHERE division = ? AND kind = 'DeSO'"
                              " ORDER BY code", [base or ""])
    if deso.empty:
        return
    current = divisions.members(con, divisions.OWN)
    deso["Distrikt"] = pd.Series([current.get(c, "") for c in deso["Kod"]], dtype="string")
    grouping = st.data_editor(deso, disabled=["Kod", "Namn"], hide_index=True, key="distrikt_tabell",
                              width="stretch")
    if st.button("Spara distrikten", key="distrikt_spara"):
        try:
            with write_guard():
                made = divisions.set_grouping(con, divisions.OWN, {
                    str(c): str(d) for c, d in zip(grouping["Kod"], grouping["Distrikt"].fillna(""), strict=True)})
        except divisions.RenameError as exc:
            st.error(formatting.plain(exc.sv) + " Inget sparades.")
        else:
            st.success(f"{formatting.number(made)} egna distrikt sparades (indelningen ”{divisions.OWN}”).")


def place_names_section() -> None:
    """'Egna ortnamn': the coordinator's list of place names that places police events in an area."""
    st.subheader("Egna ortnamn")
    st.caption("Polisens händelser har bara kommunen som plats, men texten nämner ofta en plats. Områdenas namn "
               "används redan; här kan du lägga till kommunens egna ortnamn (kvarter, skolor, torg) i en CSV med "
               "kolumnerna namn;område (områdets kod eller namn). Listan ersätter den förra och gäller händelser "
               "som läses in från och med nu. Händelsernas text sparas inte.")
    con = connection()
    stored = gazetteer.place_names(con)
    if stored:
        with st.expander(f"{formatting.number(len(stored))} egna ortnamn finns"):
            st.dataframe(pd.DataFrame(stored, columns=["Ortnamn", "Område"]), hide_index=True)
    chosen = st.file_uploader("Lista med ortnamn (CSV)", type=["csv", "txt"], key="ortnamn_fil")
    if chosen is not None and st.button("Spara ortnamnen", key="ortnamn_spara"):
        try:
            with write_guard():
                count = gazetteer.replace_place_names(con, chosen.getvalue(), chosen.name)
        except FileRefusedError as exc:
            st.error(formatting.plain(exc.problem.message("sv")) + " Inget sparades; den tidigare listan gäller.")
        else:
            st.success(f"{formatting.number(count)} ortnamn sparades. De placerar Polisens händelser som läses in "
                       "från och med nu.")
