"""Tables drawn with numbers that stay numbers: sorting a column sorts by value, and each cell is written the
Swedish way (space between thousands, decimal comma, "<5" where a viewer's count is hidden).

Streamlit's own number formats cannot write a decimal comma whatever the browser's language, so the text of
each cell comes from a pandas Styler (`formatting.NumberFormat`), which Streamlit shows while it sorts by the
values underneath. Streamlit writes every missing cell with one text for the whole table (`placeholder`, "–"),
and ignores a Styler's text there; so a count hidden from a viewer is sent as the constant HIDDEN_SORT_VALUE
(the same for every hidden count, so it tells nothing) and written "<5": it sorts between 0 and 5, where it
belongs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from lagesbild import formatting
from lagesbild.ui.style import PRINT_ONLY, SCREEN_ONLY

__all__ = ["EMPTY_TEXT", "HIDDEN_SORT_VALUE", "MISSING_TEXT", "show_table", "styled"]

HIDDEN_SORT_VALUE = 0.5
MISSING_TEXT = "–"
EMPTY_TEXT = "Inga rader att visa för de valda filtren."
PRINT_ROWS = 300  # a longer table is printed in part: the HTML copy is built on every run


def styled(frame: pd.DataFrame) -> Any:
    """The frame ready for `st.dataframe`: a pandas Styler writing each numeric column in Swedish."""
    specs = formatting.formats(frame)
    sent = frame.reset_index(drop=True)  # shown without an index; a Styler wants a unique one
    sent.attrs = {}
    marked: set[str] = set()
    for name, spec in specs.items():
        if spec.missing != MISSING_TEXT and sent[name].isna().any():
            sent[name] = sent[name].astype(float).fillna(HIDDEN_SORT_VALUE)
            marked.add(name)
    styler = sent.style
    for name, spec in specs.items():
        styler = styler.format(_writer(spec, name in marked), subset=[name])
    return styler


def _writer(spec: formatting.NumberFormat, marked: bool) -> Any:
    def write(value: object) -> str:
        if marked and isinstance(value, float | np.floating) and value == HIDDEN_SORT_VALUE:
            return spec.missing
        return spec.text(value)
    return write


def show_table(frame: pd.DataFrame, *, key: str | None = None, column_config: dict[str, Any] | None = None,
               **options: Any) -> None:
    """`st.dataframe` of the frame, full width and without its index, numbers sortable and written in Swedish.
    With a `key`, a plain HTML copy for paper goes beside it (shown only when printing): the interactive grid is
    drawn on a canvas as wide as the screen and would lose its right-hand columns on an A4 page."""
    if frame.empty:  # Streamlit writes "empty" in an empty grid
        st.caption(EMPTY_TEXT)
        return
    config: dict[str, Any] = {name: st.column_config.NumberColumn(name) for name in formatting.formats(frame)}
    config.update(column_config or {})
    options.setdefault("hide_index", True)
    options.setdefault("width", "stretch")
    if key is None:
        st.dataframe(styled(frame), column_config=config, placeholder=MISSING_TEXT, **options)
        return
    with st.container(key=f"{SCREEN_ONLY}_{key}"):
        st.dataframe(styled(frame), column_config=config, placeholder=MISSING_TEXT, **options)
    with st.container(key=f"{PRINT_ONLY}_{key}"):
        st.table(formatting.as_text(frame.head(PRINT_ROWS)).fillna(MISSING_TEXT), hide_index=True)
        if len(frame) > PRINT_ROWS:
            st.caption(f"Utskriften visar de första {PRINT_ROWS} av {len(frame)} raderna.")
