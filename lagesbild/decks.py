"""The map's pydeck `Deck`, sent to the browser as compact JSON.

pydeck writes its JSON indented by two spaces; for the map of a large selection that is more than twice the bytes
and about five times the time of compact JSON (issue 12: 897 KB in 38 ms against 344 KB in 7 ms at 10 M), paid
on every rerun. Streamlit sends whatever `to_json` returns, so the compact form is a drop-in.
"""

from __future__ import annotations

import json

import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize


class Deck(pdk.Deck):  # type: ignore[misc]  # pydeck ships no type information: its Deck is Any
    """`pydeck.Deck` whose JSON has no indentation or spaces after separators (the same keys, sorted)."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))
