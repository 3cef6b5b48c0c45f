"""Parsing single values the Swedish way: numbers with decimal comma, dates in several forms, coordinates.

Functions return None for a missing value (empty, `..`, `-`), and raise ValueError for a value that is
present but unreadable, so the caller can tell "missing" from "wrong".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from lagesbild.settings import TIME_ZONE

STOCKHOLM_NAME = TIME_ZONE  # wall clocks in the data are Swedish time
STOCKHOLM = ZoneInfo(STOCKHOLM_NAME)
MISSING = {"", "..", "-", "–", "—", ".", "n/a", "na", "saknas"}
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
# What Python's str.strip() and `\s` take for space (str.isspace; a test checks it), spelled out for code
# working on whole columns with Arrow, whose RE2 `\s` knows only ASCII spaces: the same cells come out either way.
WHITESPACE = ("\x09\x0a\x0b\x0c\x0d\x1c\x1d\x1e\x1f\x20\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
              "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")
RE2_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in WHITESPACE) + "]"


def normalise(text: str) -> str:
    """Lower case, single spaces, NFC: how labels and headers are compared."""
    return " ".join(unicodedata.normalize("NFC", text).strip().lower().split())


def is_missing(text: str | None) -> bool:
    return text is None or text.strip().lower() in MISSING


def parse_number(text: str | None) -> float | None:
    """'1 234,5' -> 1234.5; '56,0512' -> 56.0512; '1.234,5' -> 1234.5; '..' -> None."""
    if text is None or is_missing(text):
        return None
    cleaned = _SPACES.sub("", text).replace("\u2212", "-")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif cleaned.count(",") == 1:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", cleaned):
        raise ValueError(text)
    return float(cleaned)


_DATE_FORMATS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), ("y", "m", "d")),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), ("d", "m", "y")),  # Swedish 05/03/2024 is 5 March
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), ("d", "m", "y")),
)
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?(?:[:.](\d{2}))?(?:[.,]\d+)?$")
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")


def parse_date(text: str) -> date:
    """A calendar date in one of the forms Swedish files use."""
    text = text.strip()
    for pattern, order in _DATE_FORMATS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            return date(parts["y"], parts["m"], parts["d"])
    raise ValueError(text)


def parse_time(text: str) -> time:
    """'21:40', '21.40', '6:33:07', '21' -> a time of day."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(text)
    hour, minute, second = (int(g) if g else 0 for g in match.groups())
    return time(hour, minute, second)


def parse_datetime(text: str, time_text: str | None = None) -> tuple[datetime, bool]:
    """Local Stockholm wall-clock time and whether the time of day was given.

    Accepts '2024-03-05 21:40', '2024-03-05T21:40:00+01:00', '2024-03-05' (with the time in `time_text`).
    A time with an offset is converted to Stockholm time.
    """
    text = text.strip()
    offset = _OFFSET.search(text)
    if offset and re.search(r"\d[ T]\d", text):
        aware = datetime.fromisoformat(re.sub(r"(\d)(?=[+-]\d{4}$)", r"\1", text.replace(" ", "T", 1))
                                       .replace("Z", "+00:00"))
        return aware.astimezone(STOCKHOLM).replace(tzinfo=None), True
    day_part, _, time_part = text.replace("T", " ").partition(" ")
    day = parse_date(day_part)
    time_part = time_part.strip() or (time_text or "").strip()
    if not time_part or is_missing(time_part):
        return datetime.combine(day, time(0)), False
    return datetime.combine(day, parse_time(time_part)), True


def stockholm_times(local: pd.Series | pd.DatetimeIndex) -> tuple[pd.DatetimeIndex, int]:
    """Wall-clock times as instants in Europe/Stockholm, and how many had to be adjusted.

    The rule for the two hours a year the wall clock cannot name: a time in the spring gap (2024-03-31 02:30,
    which never happened) moves forward one hour (03:30 summer time); a time in the autumn fold (2024-10-27
    02:30, which happened twice) is read as the first one, in summer time. Reports and exports are usually
    written by people reading a clock, who mostly mean the earlier of two readings.
    """
    index = pd.DatetimeIndex(local)
    aware = index.tz_localize(STOCKHOLM_NAME, ambiguous=np.ones(len(index), bool), nonexistent=pd.Timedelta("1h"))
    strict = index.tz_localize(STOCKHOLM_NAME, ambiguous="NaT", nonexistent="NaT")
    adjusted = int((strict.isna() & index.notna()).sum())
    return aware, adjusted


# Coordinates: the reference systems' ranges over Sweden do not overlap, so each pair tells its own system.
LAT = (55.0, 69.2)
LON = (10.5, 24.3)
SWEREF_N = (6_100_000.0, 7_700_000.0)
SWEREF_E = (250_000.0, 930_000.0)
RT90_X = (6_100_000.0, 7_700_000.0)
RT90_Y = (1_180_000.0, 1_900_000.0)


def _within(values: np.ndarray, bounds: tuple[float, float]) -> np.ndarray:
    return (values >= bounds[0]) & (values <= bounds[1])


def classify_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which system each (a, b) pair is in, in either order.

    Returns (system, first, second) where system is 'wgs84', 'sweref', 'rt90' or '' (unknown), and
    first/second are (lon, lat) for WGS84 and (east, north) for the projected systems.
    """
    a = np.asarray(a, float)
    b = np.asarray(b, float)
    system = np.full(len(a), "", dtype=object)
    first = np.full(len(a), np.nan)
    second = np.full(len(a), np.nan)
    cases = [
        ("wgs84", _within(a, LON) & _within(b, LAT), a, b),
        ("wgs84", _within(a, LAT) & _within(b, LON), b, a),
        ("sweref", _within(a, SWEREF_E) & _within(b, SWEREF_N), a, b),
        ("sweref", _within(a, SWEREF_N) & _within(b, SWEREF_E), b, a),
        ("rt90", _within(a, RT90_Y) & _within(b, RT90_X), a, b),
        ("rt90", _within(a, RT90_X) & _within(b, RT90_Y), b, a),
    ]
    for name, chosen, x, y in cases:
        chosen = chosen & (system == "")
        system[chosen] = name
        first[chosen] = x[chosen]
        second[chosen] = y[chosen]
    return system, first, second
