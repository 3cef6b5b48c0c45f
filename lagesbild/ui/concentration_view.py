"""UI glue for repeat places (`lagesbild.concentration`): a cached loader and the section the Prioritering page draws."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lagesbild import concentration, exports
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.ui.state import connection, versioned
from lagesbild.ui.tables import show_table

__all__ = ["load_concentration", "concentration_section"]


@versioned(max_entries=32, spinner="Räknar upprepade platser …")
def load_concentration(filters: Filters, *, shown: Disclosure) -> tuple[pd.DataFrame, list[str]]:
    """The concentration table and its Swedish notes, as this person may see them (cached per role and data)."""
    found = concentration.analyse(connection(), filters)
    return concentration.display_table(found, shown), concentration.notes(found, shown)


def concentration_section(filters: Filters) -> None:
    """The 'Upprepade platser' section: the table, what it means and a CSV for Excel."""
    table, said = load_concentration(filters)
    st.caption("Hur stor del av händelserna som sker på de mest drabbade rutorna (250 m). Brott samlas ofta på "
               "få platser; där lönar sig platsinriktade insatser.")
    if table.empty:
        st.info("Inga händelser med plats för filtren.")
        return
    show_table(table, key="prio_upprepade")
    for sentence in said:
        st.caption(sentence)
    st.download_button("Ladda ner upprepade platser (CSV för Excel)", exports.excel_csv(table),
                       "upprepade_platser.csv", "text/csv", key="prio_upprepade_export")
