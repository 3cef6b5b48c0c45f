"""Numbers and dates written the Swedish way: decimal comma, space between thousands, Swedish month names."""

from __future__ import annotations

import html
import math
import re
import string
from dataclasses import dataclass
from datetime import date

import pandas as pd

from lagesbild.stats import Change

NBSP = "\u00a0"
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")
MONTHS_SHORT = ("jan", "feb", "mar", "apr", "maj", "jun", "jul", "aug", "sep", "okt", "nov", "dec")
WEEKDAYS = ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag")
VERDICTS = {
    "ökning": "säker ökning",
    "minskning": "säker minskning",
    "slump": "kan vara slump",
    "för få": "för få händelser för att säga något",
}


def number(value: float | int | None, decimals: int = 0) -> str:
    """12345.6 -> '12 345,6' (non-breaking space between thousands)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NBSP).replace(".", ",")


def percent(value: float | None, decimals: int = 0, signed: bool = True) -> str:
    """23.4 -> '+23 %'."""
    if value is None or math.isnan(value):
        return "–"
    # ASCII minus: st.metric reads the sign of a delta text to choose its arrow and colour.
    sign = "+" if signed and value > 0 else ("-" if value < 0 else "")
    return f"{sign}{number(abs(value), decimals)}{NBSP}%"


def change(result: Change) -> str:
    """A change with its verdict: '+23 % (kan vara slump)'."""
    head = percent(result.percent) if result.percent is not None else ("ny" if result.current else "oförändrat")
    return f"{head} ({VERDICTS[result.verdict]})"


def day(value: date) -> str:
    """2024-03-05 -> '5 mars 2024'."""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def month(value: date) -> str:
    """2024-03-05 -> 'mars 2024'."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def period(start: date, end: date) -> str:
    """'1 november 2025 – 31 oktober 2026'."""
    return f"{day(start)} – {day(end)}"


def municipality(name: str) -> str:
    """'Sölvesborg' -> 'Sölvesborgs kommun'; 'Strängnäs' -> 'Strängnäs kommun'."""
    if not name:
        return "kommunen"
    return f"{name} kommun" if name[-1].lower() in "sxz" else f"{name}s kommun"


_ESCAPES = str.maketrans({c: "\\" + c for c in string.punctuation})
_BARE_LINK = re.compile(r"(?i)(?:\b(?:https?|ftp|mailto|xmpp):|\bwww\.|@)")  # what GFM links without brackets
ZERO_WIDTH = "\u200b"


def plain(text: object) -> str:
    """Text from a file, a link or a form made safe for Streamlit's markdown: every ASCII punctuation mark is
    backslash-escaped (CommonMark allows it for all of them), so `[x](url)`, `![x](url)`, `<b>`, `**`,
    `:red[…]` and `$…$` show as the characters they are and never become a link, an image or markup."""
    # GFM also turns bare addresses into links after escapes are read: an invisible zero-width space breaks them.
    text = _BARE_LINK.sub(lambda m: m.group(0)[:-1] + ZERO_WIDTH + m.group(0)[-1], str(text))
    return text.translate(_ESCAPES)


def plain_html(text: object) -> str:
    """Text from a file or a form made safe for plotly's pseudo-HTML labels (which follow `<a href>`)."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class NumberFormat:
    """How one numeric table column is written: decimals, a unit after the number, a sign, and the text shown
    where the value is missing ("<5" for a count hidden from a viewer, "–" for a rate that cannot be given)."""

    decimals: int = 0
    missing: str = "–"
    unit: str = ""
    signed: bool = False

    def text(self, value: object) -> str:
        """One cell as Swedish text: 12345.6 -> '12 345,6'; a missing value -> `missing`."""
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return self.missing
        number_value = float(value)  # type: ignore[arg-type]
        if self.signed:
            return percent(number_value, self.decimals) if self.unit == PERCENT_UNIT else (
                ("+" if number_value > 0 else "-" if number_value < 0 else "") + number(abs(number_value),
                                                                                        self.decimals) + self.unit)
        return number(number_value, self.decimals) + self.unit


PERCENT_UNIT = NBSP + "%"
_FORMATS = "lagesbild_number_formats"


def count_format(hidden_label: str = "<5") -> NumberFormat:
    """A count column: whole numbers, `hidden_label` where a viewer's count is hidden."""
    return NumberFormat(0, hidden_label)


def with_formats(frame: pd.DataFrame, formats: dict[str, NumberFormat]) -> pd.DataFrame:
    """The frame with how its numeric columns are written attached (kept by pandas through renames, column
    picks and head); columns not named get a format from their values (see `formats`)."""
    frame.attrs[_FORMATS] = {**frame.attrs.get(_FORMATS, {}), **formats}
    return frame


def formats(frame: pd.DataFrame) -> dict[str, NumberFormat]:
    """The format of every numeric column: the attached one, else whole numbers when every value is whole and
    one decimal otherwise."""
    attached: dict[str, NumberFormat] = frame.attrs.get(_FORMATS, {})
    found: dict[str, NumberFormat] = {}
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_bool_dtype(column) or not pd.api.types.is_numeric_dtype(column):
            continue
        if name in attached:
            found[name] = attached[name]
            continue
        values = column.dropna().astype(float)
        found[name] = NumberFormat(0 if ((values % 1) == 0).all() else 1)
    return found


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as the text a reader sees: numeric columns written by their formats (for Markdown and tests)."""
    shown = frame.copy()
    shown.attrs = {}
    for name, spec in formats(frame).items():
        shown[name] = [spec.text(v) for v in frame[name]]
    return shown


CHANGE_FORMAT = NumberFormat(0, unit=PERCENT_UNIT, signed=True)
SHARE_FORMAT = NumberFormat(0, unit=PERCENT_UNIT)


def change_parts(result: Change | None) -> tuple[float, str]:
    """A change split for a table: its percent as a number (NaN when there is none) and its verdict in words
    ('–' when there is no comparison), so the percent column sorts by value."""
    if result is None:
        return math.nan, "–"
    verdict = VERDICTS[result.verdict]
    if result.percent is None:
        return math.nan, ("ny, " + verdict) if result.current else verdict
    return float(result.percent), verdict
