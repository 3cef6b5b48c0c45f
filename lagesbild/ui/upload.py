"""UI glue: the coordinator's upload page — mapping, unknown values, result, history and undo."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from lagesbild import exports, queries
from lagesbild.ingest import (
    ImportOptions,
    ImportResult,
    add_alias,
    add_category,
    import_bytes,
    read_table,
    undo_import,
)
from lagesbild.ingest.columns import FIELD_LABELS, INCIDENT_FIELDS
from lagesbild.ui.state import connection, settings

NO_COLUMN = "— ingen —"
KIND_LABELS = {None: "Avgör automatiskt", "incidents": "Händelser", "areas": "Områdesgränser",
               "population": "Befolkning per område"}


def mapping_editor(headers: list[str], mapping: dict[str, str | None]) -> dict[str, str | None]:
    """Let the coordinator confirm or correct which column holds which field."""
    chosen: dict[str, str | None] = {}
    columns = st.columns(3)
    for index, field in enumerate(INCIDENT_FIELDS):
        options = [NO_COLUMN, *headers]
        current = mapping.get(field)
        picked = columns[index % 3].selectbox(
            FIELD_LABELS[field].capitalize(), options, index=options.index(current) if current in headers else 0,
            key=f"upload_kolumn_{field}")
        chosen[field] = None if picked == NO_COLUMN else picked
    return chosen


def unknown_values_editor(result: ImportResult) -> None:
    """Map unknown categories and risk factors onto existing ones, or leave such rows out, on purpose."""
    con = connection()
    for kind, values in result.unknown.items():
        table = "categories" if kind == "category" else "risk_factors"
        vocabulary = dict(queries.rows(con, "SELECT code, label FROM " + table + " ORDER BY label COLLATE sv"))
        label = "kategorier" if kind == "category" else "riskfaktorer"
        st.markdown(f"**Okända {label}** – koppla dem till befintliga innan du importerar:")
        choices = {}
        for number, (value, count) in enumerate(sorted(values.items(), key=lambda item: -item[1])):
            options = ["", *vocabulary, *(["-", "+"] if kind == "category" else [])]
            names = {"": "Välj …", "-": "Lämna utanför lägesbilden", "+": f"Lägg till ”{value}” som ny kategori",
                     **vocabulary}
            choices[value] = st.selectbox(f"{value} ({count} rader)", options, format_func=names.get,
                                          key=f"upload_koppla_{kind}_{number}")
        if st.button(f"Spara kopplingar för {label}", key=f"upload_spara_{kind}"):
            who = st.session_state.get("inloggning", {}).get("username", "samordnare")
            for value, code in choices.items():
                if code == "+":
                    add_category(con, value, who)
                elif code:
                    add_alias(con, kind, value, None if code == "-" else code, who)
            st.success("Kopplingarna är sparade och gäller även nästa fil.")
            st.rerun()


LOCAL_ZONES = {f"EPSG:{3006 + n}": f"SWEREF 99 {name}" for n, name in enumerate(
    ["12 00", "13 30", "15 00", "16 30", "18 00", "14 15", "15 45", "17 15", "18 45", "20 15", "21 45", "23 15"],
    start=1)}


def crs_choice() -> str | None:
    """Ask for the coordinate system of a boundary file that does not state one."""
    options = ["", "EPSG:3006", *LOCAL_ZONES, "EPSG:3021", "EPSG:4326"]
    names = {"": "Välj …", "EPSG:3006": "SWEREF 99 TM", "EPSG:3021": "RT 90 2,5 gon V", "EPSG:4326": "WGS84",
             **LOCAL_ZONES}
    return st.selectbox("Koordinatsystem", options, format_func=names.get, key="upload_crs") or None


def run_import(data: bytes, file_name: str, options: ImportOptions) -> ImportResult:
    """Import (or dry-run) the uploaded bytes."""
    options = replace(options, store_free_text=settings().store_free_text)
    return import_bytes(connection(), data, file_name, options)


def show_result(result: ImportResult, data: bytes, file_name: str) -> None:
    """Counts, left-out rows, problems and a download of the rejected rows."""
    if result.status == "refused":
        st.error(result.summary("sv"))
    elif result.status == "dry-run":
        st.info(result.summary("sv") + " Inget har sparats ännu.")
    else:
        st.success(result.summary("sv"))
    if result.ignored:
        st.caption("Utanför lägesbilden: " + "; ".join(f"{n} × {r}" for r, n in result.ignored.items()))
    rows = [p for p in result.problems if p.row is not None]
    if rows:
        st.dataframe(
            [{"Rad": p.row, "Kolumn": p.column or "", "Värde": p.value or "", "Fel": p.reason("sv")}
             for p in rows[:500]], hide_index=True, width="stretch")
        try:
            table = read_table(data, file_name)
        except Exception:  # noqa: BLE001 - fall back to row numbers and reasons only
            table = None
        st.download_button("Ladda ner rader med fel (CSV för Excel)",
                           exports.excel_csv(exports.rejected_rows(table, rows)),
                           file_name=f"fel_{file_name.rsplit('.', 1)[0]}.csv", mime="text/csv",
                           key=f"upload_ladda_ner_fel_{result.status}")


def import_history() -> None:
    """Every import, with undo for the coordinator."""
    con = connection()
    history = queries.imports_table(con)
    st.dataframe(history, hide_index=True, width="stretch")
    stored = history[history["Status"] == "sparad"]["Nr"].tolist()
    if not stored:
        return
    chosen = st.selectbox("Ångra en import", stored, key="upload_angra_nr",
                          format_func=lambda n: f"{n}: " + history.loc[history["Nr"] == n, "Fil"].iloc[0])
    confirmed = st.checkbox("Ja, ta bort allt som den importen sparade", key="upload_angra_bekrafta")
    if st.button("Ångra import", disabled=not confirmed, key="upload_angra"):
        who = st.session_state.get("inloggning", {}).get("username", "samordnare")
        try:
            removed = undo_import(con, int(chosen), undone_by=who)
        except Exception as exc:  # noqa: BLE001 - the reason is shown to the coordinator
            st.error(getattr(exc, "problem", None).reason("sv") if hasattr(exc, "problem") else str(exc))
            return
        st.success(f"Import {chosen} är ångrad: " + ", ".join(f"{n} {t}" for t, n in removed.items()) + ".")


def source_codes() -> dict[str, str]:
    """Source code -> Swedish label."""
    return dict(queries.rows(connection(), "SELECT code, label FROM sources ORDER BY label COLLATE sv"))

