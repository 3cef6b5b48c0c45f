"""UI glue: the upload page's section for the municipality's own background layers (roads, water, buildings)."""

from __future__ import annotations

import streamlit as st

from lagesbild import background, formatting
from lagesbild.ui.signin import signed_in_name
from lagesbild.ui.state import connection

__all__ = ["background_section"]


def background_section() -> None:
    """'Bakgrundskarta': upload a GeoPackage of the municipality's own layers, drawn beneath every map."""
    st.subheader("Bakgrundskarta")
    st.caption("Kommunens egna kartlager (vägar, vatten, byggnader) som GeoPackage i SWEREF 99 TM ritas under "
               "kartornas data. Bara geometrin sparas, inga egenskaper. Ett lager med samma namn ersätts.")
    upload = st.file_uploader("Välj GeoPackage", type=["gpkg"], key="bakgrund_fil")
    if upload is not None and st.button("Spara bakgrundslagren", key="bakgrund_spara"):
        try:
            layers = background.read_bytes(upload.getvalue(), upload.name)
            background.store(connection(), layers, upload.name, signed_in_name())
        except background.BackgroundError as exc:
            st.error(formatting.plain(exc.swedish) + " Inget sparades.")
        else:
            st.success(formatting.plain(", ".join(
                f"”{layer.name}” ({formatting.number(layer.features)} objekt, "
                f"{background.KIND_SWEDISH[layer.kind]})" for layer in layers)) + " sparades.")
    stored = background.listed(connection())
    if stored:
        st.caption("Sparade bakgrundslager: " + formatting.plain(", ".join(
            f"{name} ({background.KIND_SWEDISH[kind]}, {formatting.number(features)} objekt)"
            for name, kind, features, _ in stored)))
