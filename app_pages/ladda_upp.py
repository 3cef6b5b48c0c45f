"""Ladda upp data: the coordinator's import, with a mapping step, a dry run, the import and its history."""

from dataclasses import replace

import streamlit as st

from lagesbild import ui
from lagesbild.ingest import ImportOptions

ui.require_role("coordinator")
st.title("Ladda upp data")
st.caption("CSV, TXT eller Excel med händelser eller befolkning, Polisens händelser (JSON), områdesgränser "
           "(GeoJSON, GeoPackage eller zippad shapefil), en trygghetsmätning (indikator, område, år, värde, svarande). "
           "Inget sparas förrän du trycker på Importera, och en import kan alltid ångras.")
st.caption(f"Högst {ui.upload_limit_mb()} MB per fil. En större fil (till exempel en miljon rader) läses in på "
           "servern med `python -m lagesbild import FIL` – det går medan appen används, och importen syns här.")

upload = st.file_uploader("Välj fil", type=["csv", "txt", "tsv", "xlsx", "json", "geojson", "gpkg", "zip"],
                          key="upload_fil")
if upload is not None:
    data, name = upload.getvalue(), upload.name
    left, middle, right = st.columns(3)
    kind = left.selectbox("Innehåll", list(ui.KIND_LABELS), format_func=ui.labelled(ui.KIND_LABELS), key="upload_typ", placeholder="Välj")
    source = middle.selectbox("Källa (om filen saknar en kolumn för källa)", ["", *ui.source_codes()],
                              format_func=lambda c: ui.source_codes().get(c, "Ingen vald"), key="upload_kalla", placeholder="Välj")
    strict = right.radio("Rader med fel", ["skip", "reject"], key="upload_vid_fel", format_func=ui.labelled({
        "skip": "Spara de giltiga raderna", "reject": "Avvisa hela filen"}))
    options = ImportOptions(kind=None if kind == "auto" else kind, source=source or None, on_error=strict,
                            imported_by=ui.signed_in_name(), dry_run=True)
    preview = ui.run_import(data, name, options)
    if preview.headers:
        with st.expander("Kolumner", expanded=preview.status == "refused"):
            st.caption("Så här tolkades filens kolumner. Ändra om något blev fel; valet sparas för nästa fil "
                       "med samma kolumner.")
            mapping = ui.mapping_editor(preview.headers, preview.mapping)
        if mapping != preview.mapping:
            options = replace(options, mapping=mapping)
            preview = ui.run_import(data, name, options)
    if preview.refusal is not None and preview.refusal.code == "crs_unknown":
        options = replace(options, crs=ui.crs_choice())
        preview = ui.run_import(data, name, options)
    if preview.refusal is not None and preview.refusal.code == "no_year" and (year := ui.year_choice()):
        options = replace(options, year=year)
        preview = ui.run_import(data, name, options)
    if preview.unknown:
        choices = ui.unknown_values_editor(preview)
        if choices:  # saved only with the import: the dry run shows their effect, a refusal keeps none
            options = replace(options, choices=choices)
            preview = ui.run_import(data, name, options)
    ui.show_result(preview, data, name)
    if preview.status == "dry-run" and preview.rows_stored and st.button("Importera", type="primary",
                                                                         key="upload_importera"):
        result = ui.run_import(data, name, replace(options, dry_run=False))
        ui.show_result(result, data, name)

st.subheader("Tidigare importer")
ui.import_history()

ui.area_names_section()
ui.place_names_section()
ui.background_section()
