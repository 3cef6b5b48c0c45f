"""UI glue: the coordinator's upload page — mapping, unknown values, result, history and undo."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pandas as pd
import streamlit as st

from lagesbild import exports, formatting, queries
from lagesbild.ingest import (
    NEW_CATEGORY,
    ImportOptions,
    ImportResult,
    UndoRefusedError,
    consequences,
    import_bytes,
    read_table,
    restore_import,
    undo_import,
)
from lagesbild.ingest.columns import FIELD_LABELS, INCIDENT_FIELDS
from lagesbild.ui.signin import signed_in_name
from lagesbild.ui.state import connection, flash, labelled, settings, show_flash, versioned, write_guard
from lagesbild.ui.tables import show_table

NO_COLUMN = "— ingen —"
# "auto", not None: a selectbox whose chosen option is None shows Streamlit's English "Choose an option".
KIND_LABELS = {"auto": "Avgör automatiskt", "incidents": "Händelser", "areas": "Områdesgränser",
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
            key=f"upload_kolumn_{field}", placeholder="Välj")
        chosen[field] = None if picked == NO_COLUMN else picked
    return chosen


def unknown_values_editor(result: ImportResult) -> dict[str, dict[str, str | None]]:
    """Map unknown categories and risk factors onto existing ones, or leave such rows out; returns the choices.

    Nothing is saved here: the choices go into the import's options, show in the dry run at once, and are
    saved with the import itself (a dry run or a refused file keeps none of them).
    """
    con = connection()
    choices: dict[str, dict[str, str | None]] = {}
    for kind, values in result.unknown.items():
        table = "categories" if kind == "category" else "risk_factors"
        vocabulary = dict(queries.rows(con, "SELECT code, label FROM " + table + " ORDER BY label COLLATE sv"))
        label = "kategorier" if kind == "category" else "riskfaktorer"
        st.markdown(f"**Okända {label}** – koppla dem till befintliga innan du importerar:")
        chosen: dict[str, str | None] = {}
        for number, (value, count) in enumerate(sorted(values.items(), key=lambda item: -item[1])):
            options = ["", *vocabulary, *(["-", NEW_CATEGORY] if kind == "category" else ["-"])]
            names = {"": "Välj …", "-": "Lämna utanför lägesbilden", NEW_CATEGORY: f"Lägg till ”{value}” som ny kategori",
                     **vocabulary}
            picked = st.selectbox(f"{formatting.plain(value)} ({count} rader)", options, format_func=labelled(names),
                                  key=f"upload_koppla_{kind}_{number}", placeholder="Välj")
            if picked:
                chosen[value] = None if picked == "-" else picked
        if chosen:
            choices[kind] = chosen
    if choices:
        st.caption("Kopplingarna syns i provläsningen nedan. De sparas när du importerar filen och gäller då "
                   "även nästa fil.")
    return choices


LOCAL_ZONES = {f"EPSG:{3006 + n}": f"SWEREF 99 {name}" for n, name in enumerate(
    ["12 00", "13 30", "15 00", "16 30", "18 00", "14 15", "15 45", "17 15", "18 45", "20 15", "21 45", "23 15"],
    start=1)}


def crs_choice() -> str | None:
    """Ask for the coordinate system of a boundary file that does not state one."""
    options = ["", "EPSG:3006", *LOCAL_ZONES, "EPSG:3021", "EPSG:4326"]
    names = {"": "Välj …", "EPSG:3006": "SWEREF 99 TM", "EPSG:3021": "RT 90 2,5 gon V", "EPSG:4326": "WGS84",
             **LOCAL_ZONES}
    return st.selectbox("Koordinatsystem", options, format_func=labelled(names), key="upload_crs", placeholder="Välj") or None


def year_choice() -> int | None:
    """The year a population table without a year is for: asked, never assumed."""
    chosen = st.number_input("År som befolkningen gäller", min_value=1968, max_value=2100, value=None, step=1,
                             key="upload_ar", placeholder="t.ex. 2024",
                             help="Filen anger inget år. Andelar per 1 000 invånare räknas med befolkningen för "
                                  "periodens år.")
    return None if chosen is None else int(chosen)


def run_import(data: bytes, file_name: str, options: ImportOptions) -> ImportResult:
    """Import (or dry-run) the uploaded bytes. A dry run is remembered per file, options and data version, so a
    widget that changes nothing about the import costs nothing (a dry run reads the whole file)."""
    options = replace(options, store_free_text=settings().store_free_text)
    with write_guard():  # a dry run takes the write lock too (it writes and rolls back)
        if options.dry_run:
            return _preview(hashlib.sha256(data).hexdigest(), file_name, options, data)
        return import_bytes(connection(), data, file_name, options)


@versioned(max_entries=8, spinner="Läser filen …")
def _preview(digest: str, file_name: str, options: ImportOptions, _data: bytes) -> ImportResult:
    return import_bytes(connection(), _data, file_name, options)


def show_result(result: ImportResult, data: bytes, file_name: str) -> None:
    """Counts, left-out rows, problems and a download of the rejected rows."""
    if result.status == "refused":
        st.error(formatting.plain(result.summary("sv")))
    elif result.status == "dry-run":
        st.info(formatting.plain(result.summary("sv") + " Inget har sparats ännu."))
    else:
        st.success(formatting.plain(result.summary("sv")))
    if result.ignored:
        st.caption(formatting.plain("Utanför lägesbilden: " + "; ".join(f"{n} × {r}" for r, n in result.ignored.items())))
    rows = [p for p in result.problems if p.row is not None]
    if rows:
        show_table(pd.DataFrame(
            [{"Rad": p.row, "Kolumn": p.column or "", "Värde": p.value or "", "Fel": p.reason("sv")}
             for p in rows[:500]]), key=f"upload_fel_{result.status}")
        try:
            table = read_table(data, file_name)
        except Exception:  # noqa: BLE001 - fall back to row numbers and reasons only
            table = None
        st.download_button("Ladda ner rader med fel (CSV för Excel)",
                           exports.excel_csv(exports.rejected_rows(table, rows)),
                           file_name=f"fel_{file_name.rsplit('.', 1)[0]}.csv", mime="text/csv",
                           key=f"upload_ladda_ner_fel_{result.status}")


TABLE_LABELS = {"incidents": "händelser", "incident_risk_factors": "kopplingar till riskfaktorer",
                "areas": "områden", "area_population": "befolkningsuppgifter", "interventions": "insatser",
                "intervention_areas": "insatsers områden", "intervention_risk_factors": "insatsers riskfaktorer",
                "intervention_categories": "insatsers kategorier",
                "reference_statistics": "värden i jämförelsestatistiken"}
def upload_limit_mb() -> int:
    """The largest file the browser may send (`server.maxUploadSize` in .streamlit/config.toml), in MB."""
    return int(st.get_option("server.maxUploadSize"))


UNDO_KEYS = ("upload_angra", "upload_aterstall")  # every widget key of the undo and restore panels starts so
ROUND = "upload_historik_varv"  # counts undos and restores in this session: the selectors' keys change with it


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{formatting.number(n)} {TABLE_LABELS.get(t, t)}" for t, n in counts.items() if n) or "inget"


def _done(message: str) -> None:
    """After an undo or a restore: forget the choice and the confirmation, show the news after a rerun."""
    for key in [k for k in st.session_state if str(k).startswith(UNDO_KEYS)]:
        del st.session_state[key]
    # New keys, not only cleared ones: the browser keeps showing a selector's old text when its options change.
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1
    flash(message)
    st.rerun()


def _key(name: str) -> str:
    """A selector's key in this round of the history (the first round keeps the plain name)."""
    number = st.session_state.get(ROUND, 0)
    return f"{name}_{number}" if number else name


def _keep_valid(key: str, options: list, fallback) -> None:
    if key in st.session_state and st.session_state[key] not in options:
        st.session_state[key] = fallback


def import_history() -> None:
    """Every import, with undo (saying first what it means for later data) and restore for the coordinator."""
    con = connection()
    show_flash()
    reports = queries.phone_report_imports(con)
    phone = bool(reports) and st.toggle(f"Visa rapporter från telefon ({formatting.number(reports)})",
                                        key="upload_visa_rapporter",
                                        help="Varje rapport från en rapportör är en egen import, som kan ångras.")
    history = queries.imports_table(con, phone_reports=phone)
    show_table(history, key="upload_historik")
    files = dict(zip(history["Nr"], history["Fil"], strict=True))
    stored = history[history["Status"] == queries.STATUS_LABELS["stored"]]["Nr"].tolist()
    # A choice left over from before a change (the browser sends it back) must not point at another import.
    _keep_valid(_key("upload_angra_nr"), stored, stored[0] if stored else None)
    if stored:
        chosen = int(st.selectbox("Ångra en import", stored, key=_key("upload_angra_nr"),
                                  format_func=lambda n: f"{n}: {files[n]}", placeholder="Välj"))
        warnings = consequences(con, chosen)
        if warnings:
            st.warning(formatting.plain("Om du ångrar import " + str(chosen) + ": " + "; ".join(w.sv for w in warnings)
                                        + ". Importen går att återställa efteråt."))
        # The confirmation belongs to one import: choosing another asks again.
        confirmed = st.checkbox("Ja, ta bort allt som den importen sparade", key=f"upload_angra_bekrafta_{chosen}")
        if st.button("Ångra import", disabled=not confirmed, key="upload_angra") and confirmed:
            try:
                with write_guard():
                    removed = undo_import(con, chosen, undone_by=signed_in_name())
            except UndoRefusedError as exc:
                st.error(formatting.plain(exc.sv))
                return
            _done(f"Import {chosen} är ångrad: {_counts(removed)} borttagna. Den kan återställas nedan.")
    undone = history[history["Status"] == queries.STATUS_LABELS["undone"]]["Nr"].tolist()
    _keep_valid(_key("upload_aterstall_nr"), undone, None)
    if undone:
        to_restore = st.selectbox("Återställ en ångrad import", undone, index=None, placeholder="Välj …",
                                  key=_key("upload_aterstall_nr"), format_func=lambda n: f"{n}: {files[n]}")
        if st.button("Återställ import", disabled=to_restore is None, key="upload_aterstall") and to_restore is not None:
            try:
                with write_guard():
                    restored = restore_import(con, int(to_restore), restored_by=signed_in_name())
            except UndoRefusedError as exc:
                st.error(formatting.plain(exc.sv))
                return
            _done(f"Import {to_restore} är återställd: {_counts(restored)} tillbaka.")


def source_codes() -> dict[str, str]:
    """Source code -> Swedish label."""
    return dict(queries.rows(connection(), "SELECT code, label FROM sources ORDER BY label COLLATE sv"))

