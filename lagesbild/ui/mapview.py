"""UI glue: the map's position as widgets, so that a shared link carries it (`karta=lat,lon,zoom`).

`st.pydeck_chart` does not report where the person has panned or zoomed to, so the position is chosen with two
widgets instead: "Zooma till" (everything drawn, or one area) and a zoom slider. Both write `karta_centrum`,
which `current_view` puts in the link and `_apply_view` restores from it. No position in the link
(`view.DEFAULT_CENTRE`) means: fitted to what is drawn.
"""

from __future__ import annotations

import streamlit as st

from lagesbild import view as view_module
from lagesbild.ui.state import labels

ZOOM_RANGE = (3.0, 20.0)   # what a link's `karta` may say (view._read_centre)

__all__ = ["map_position"]


def _quarter(zoom: float) -> float:
    return min(max(round(float(zoom) * 4) / 4, ZOOM_RANGE[0]), ZOOM_RANGE[1])


def _focus(fitted: tuple[float, float, float], views: dict[str, tuple[float, float, float]]) -> None:
    code = st.session_state.get("karta_fokus") or ""
    chosen = views.get(code)
    st.session_state["karta_centrum"] = chosen if chosen else view_module.DEFAULT_CENTRE
    st.session_state["karta_zoom"] = _quarter((chosen or fitted)[2])


def _zoom(current: tuple[float, float, float]) -> None:
    lat, lon, _ = current
    st.session_state["karta_centrum"] = (lat, lon, float(st.session_state["karta_zoom"]))


def map_position(shown) -> None:
    """'Zooma till' and 'Zoom' under the map: the map opens there, and the link carries it."""
    state = st.session_state
    automatic = tuple(state.get("karta_centrum", view_module.DEFAULT_CENTRE)) == view_module.DEFAULT_CENTRE
    if automatic or "karta_zoom" not in state:
        state["karta_zoom"] = _quarter(shown.view_state[2])
    names = labels()["areas"]
    views = shown.area_views or {}
    options = ["", *[code for code in names if code in views]]
    if state.get("karta_fokus") not in options:
        state["karta_fokus"] = ""
    left, right = st.columns([3, 2])
    left.selectbox("Zooma till", options, format_func=lambda c: names.get(c, "Allt som visas"), key="karta_fokus",
                   placeholder="Allt som visas", on_change=_focus, args=(shown.fitted, views),
                   help="Kartan öppnas här, och länken från ”Kopiera länk” visar samma läge.")
    right.slider("Zoom", ZOOM_RANGE[0], ZOOM_RANGE[1], step=0.25, key="karta_zoom", on_change=_zoom,
                 args=(shown.view_state,), help="Större tal visar en mindre yta närmare. Länken tar med zoomen.")
