"""The maps' pydeck `Deck`: sent to the browser as compact JSON, with no tile server unless the network allows.

pydeck writes its JSON indented by two spaces; for the map of a large selection that is more than twice the bytes
and about five times the time of compact JSON (issue 12: 897 KB in 38 ms against 344 KB in 7 ms at 10 M), paid
on every rerun. Streamlit sends whatever `to_json` returns, so the compact form is a drop-in.

Tiles: by default the deck names no map provider (pydeck then writes its `__MAP_STYLE__` sentinel, which Streamlit
reads as "no base map"), so the browser requests nothing outside the app and the product's own base layer
(`lagesbild.basemap`) is the background. `LAGESBILD_ONLINE_TILES=1` adds Carto's light tiles beneath it.

Tooltips are plain text (`{"text": ...}`, shown with `innerText`): a name from an uploaded file is never markup.
"""

from __future__ import annotations

import json

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

TOOLTIP = {"text": "{tooltip}", "style": {"whiteSpace": "pre-line", "fontSize": "0.85rem", "maxWidth": "320px"}}


class Deck(pdk.Deck):  # type: ignore[misc]  # pydeck ships no type information: its Deck is Any
    """`pydeck.Deck` whose JSON has no indentation or spaces after separators (the same keys, sorted)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def deck(layers: list[pdk.Layer], view_state: tuple[float, float, float], *, online_tiles: bool | None = None) -> Deck:
    """A map deck at (lat, lon, zoom) with plain-text tooltips; online tiles only when the settings allow them."""
    if online_tiles is None:
        from lagesbild.settings import Settings

        online_tiles = Settings.from_env().online_tiles
    lat, lon, zoom = view_state
    state = pdk.ViewState(latitude=round(lat, 5), longitude=round(lon, 5), zoom=round(zoom, 2))
    if online_tiles:
        return Deck(layers=layers, initial_view_state=state, map_provider="carto", map_style="light",
                    tooltip=TOOLTIP)
    return Deck(layers=layers, initial_view_state=state, map_provider=None, tooltip=TOOLTIP)
