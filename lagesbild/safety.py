"""Perceived safety (trygghetsmätning): survey values per indicator, area and year, read with their uncertainty.

A survey value is a share in per cent of those who answered (e.g. "Otrygghet utomhus kvällstid": 34 % feel
unsafe outdoors late in the evening) or an index (the police's problemindex), and each carries its number of
respondents. Reading them honestly takes three rules, stated here once and shown beside every value:

* **Small samples**: a value from fewer than `MIN_RESPONDENTS` (30) answers is flagged "för få svar" and shown
  with a warning marker; its share is not coloured on the map like the others, and no change or difference
  is judged from it. A value without a respondent count is flagged too ("antal svar saknas").
* **Intervals**: every share gets a 95 % Wilson score interval (`wilson`), which stays inside 0–100 and does
  not collapse to nothing at 0 % or 100 % as the plain normal interval does. An index has no interval: the
  files give no spread for it, so its changes are shown but never judged.
* **Differences**: a difference between two shares (two years, or two areas) is called real only when the 95 %
  interval of the difference — Newcombe's hybrid score interval, built from the two Wilson intervals — leaves
  out zero (`compare`). When the two intervals overlap heavily it does not, and the text says "kan vara slump".
  It calls a difference between two samples of the same true share real in about 5 % of cases (the
  interval is approximate: 4.0–5.5 % measured); tests/test_safety_survey.py checks that by simulation.

What a viewer sees (`Disclosure`, lagesbild.protect): respondents are not counts of incidents, but a share of
very few answers can say what one person answered. A value from fewer answers than the disclosure threshold
(5), or without a respondent count, is hidden from viewers ("<5" svar, no value); so is a share that, times its
respondents, says how many answered one way when that is under 5 either way (12,5 % of 16 is two people: the
value is hidden, the 16 respondents are shown). Staff see every value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from lagesbild import formatting, queries
from lagesbild.protect import STAFF, Disclosure

MIN_RESPONDENTS = 30
LEVEL = 0.95
Z = 1.959963984540054   # the normal quantile for a two-sided 95 % interval
WHOLE = "Hela kommunen"
POOLED = "{count} områden sammanvägda efter antal svarande"
SMALL = "för få svar"
NO_COUNT = "antal svar saknas"
WARNING = "⚠"
SMALL_RULE = (f"{WARNING} = {SMALL}: färre än {MIN_RESPONDENTS} svarande, eller antal svar saknas. Andelar visas "
              f"med 95 % konfidensintervall (Wilson); en skillnad kallas säker bara när intervallet för skillnaden "
              "inte innehåller noll.")
INSECURITY_WORDS = ("otrygg", "känner sig otrygg")


def wilson(share: ArrayLike, respondents: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """95 % Wilson score interval for shares given in per cent; NaN where there are no respondents (0 or NaN)."""
    p = np.asarray(share, dtype=float) / 100.0
    n = np.asarray(respondents, dtype=float)
    valid = np.isfinite(p) & np.isfinite(n) & (n > 0)
    safe_n = np.where(valid, n, 1.0)
    safe_p = np.where(valid, np.clip(p, 0.0, 1.0), 0.5)
    centre = (safe_p + Z * Z / (2 * safe_n)) / (1 + Z * Z / safe_n)
    half = Z / (1 + Z * Z / safe_n) * np.sqrt(safe_p * (1 - safe_p) / safe_n + Z * Z / (4 * safe_n * safe_n))
    low = np.where(valid, np.clip(centre - half, 0.0, 1.0) * 100, np.nan)
    high = np.where(valid, np.clip(centre + half, 0.0, 1.0) * 100, np.nan)
    return low, high


def difference_interval(share_a: float, n_a: float, share_b: float, n_b: float) -> tuple[float, float, float]:
    """The difference a − b in percentage points with Newcombe's 95 % hybrid score interval (his method 10);
    NaN bounds when either side has no respondents."""
    (low_a,), (high_a,) = wilson([share_a], [n_a])
    (low_b,), (high_b,) = wilson([share_b], [n_b])
    difference = share_a - share_b
    if any(math.isnan(v) for v in (low_a, high_a, low_b, high_b)):
        return difference, math.nan, math.nan
    below = math.sqrt((share_a - low_a) ** 2 + (high_b - share_b) ** 2)
    above = math.sqrt((high_a - share_a) ** 2 + (share_b - low_b) ** 2)
    return difference, difference - below, difference + above


@dataclass(frozen=True)
class Comparison:
    """A difference between two survey values and what may be said about it."""

    difference: float          # a − b, in percentage points (shares) or index points
    low: float                 # 95 % interval of the difference (NaN: none)
    high: float
    verdict: str               # 'ökning', 'minskning', 'ingen säker skillnad', 'för få svar', 'index'

    @property
    def real(self) -> bool:
        return self.verdict in ("ökning", "minskning")

    def text(self, unit: str = "andel") -> str:
        """Swedish, e.g. '+8 procentenheter (95 %: +2 till +14), säker ökning'."""
        points = "procentenheter" if unit == "andel" else "indexenheter"
        change = f"{formatting.number(self.difference, 1)} {points}".replace("-", "−")
        change = ("+" if self.difference > 0 else "") + change
        if self.verdict == "index":
            return f"{change} (ett index har inget intervall: skillnaden prövas inte)"
        if self.verdict == SMALL:
            return f"{change} ({SMALL} för att pröva skillnaden)"
        interval = (f" (95 %: {_signed(self.low)} till {_signed(self.high)})" if not math.isnan(self.low) else "")
        said = {"ökning": "säker ökning", "minskning": "säker minskning"}.get(self.verdict, "kan vara slump")
        return f"{change}{interval}, {said}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "") + formatting.number(value, 1).replace("-", "−")


def small(respondents: float | None) -> bool:
    """Too few answers to read a share or a difference from (or no count at all)."""
    return respondents is None or respondents != respondents or respondents < MIN_RESPONDENTS


def compare(share_a: float, n_a: float | None, share_b: float, n_b: float | None, unit: str = "andel"
            ) -> Comparison:
    """Is a − b real? Only for shares, only when both sides have at least MIN_RESPONDENTS answers, and only
    when the 95 % interval of the difference leaves out zero."""
    if unit != "andel":
        return Comparison(share_a - share_b, math.nan, math.nan, "index")
    if small(n_a) or small(n_b):
        return Comparison(share_a - share_b, math.nan, math.nan, SMALL)
    difference, low, high = difference_interval(share_a, float(n_a or 0), share_b, float(n_b or 0))
    verdict = "ökning" if low > 0 else "minskning" if high < 0 else "ingen säker skillnad"
    return Comparison(difference, low, high, verdict)


# Reading the database --------------------------------------------------------------------------------------

def has_surveys(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(queries.rows(con, "SELECT count(*) FROM safety_surveys")[0][0])


def survey_values(con: duckdb.DuckDBPyConnection, shown: Disclosure = STAFF) -> pd.DataFrame:
    """Every stored value with its area (code and name; none for the whole municipality), interval, flags and
    what the person may see: `hidden` rows have value, interval and respondents NaN for a viewer."""
    frame = queries.frame(
        con,
        "SELECT s.indicator_key, s.indicator, a.code AS area_code, coalesce(a.name, ?) AS area_name, s.year,"
        " s.unit, s.value, s.respondents FROM safety_surveys s LEFT JOIN areas a ON a.id = s.area_id"
        " WHERE s.area_id IS NULL OR a.id IS NOT NULL"
        " ORDER BY s.indicator_key, a.code NULLS FIRST, s.year",
        [WHOLE],
    )
    frame["respondents"] = frame["respondents"].astype(float)
    return _annotated(frame, shown, withheld(frame, shown))


HIDDEN_TEXT = "dolt (färre än 5 personer bakom värdet)"
GUARD_TEXT = "dolt (annars kan ett annat dolt värde räknas fram)"


def _too_few(frame: pd.DataFrame, threshold: int) -> NDArray[np.bool_]:
    """Rows a viewer may not see: fewer respondents than `threshold` (or no count), or a share whose respondents
    times share — the people who answered so, or did not — is under `threshold` either way."""
    n = frame["respondents"].to_numpy(float)
    people = np.rint(frame["value"].to_numpy(float) * n / 100)
    share = frame["unit"].eq("andel").to_numpy()
    with np.errstate(invalid="ignore"):
        few_people = share & ((people < threshold) | (n - people < threshold))
    return np.asarray(~(n >= threshold) | few_people, dtype=bool)


Place = tuple[str, int, str | None]   # (indicator_key, year, area code; None for the whole municipality)


def _group_too_few(n: float, people: float, share: bool, threshold: int) -> bool:
    return n < threshold or (share and (people < threshold or n - people < threshold))


def withheld(frame: pd.DataFrame, shown: Disclosure) -> set[Place]:
    """Values a viewer may not see although they have enough answers themselves, because together with what
    the viewer does see they would give a hidden area's value back by subtraction (the municipality's value
    minus the visible areas'). Complementary suppression: the visible areas with the fewest answers are hidden
    too, one by one, until the hidden areas together with the municipality's answers outside every area are
    not too few themselves (at least 5 answers, and at least 5 people either way for a share); only when no
    area is left to hide, or a count is missing, is the municipality's value hidden. The same holds for a
    municipality value pooled from the areas (`pooled`)."""
    if not shown.viewer or frame.empty:
        return set()
    found: set[Place] = set()
    for (key, year), group in frame.groupby(["indicator_key", "year"], sort=False):
        areas = group[group["area_code"].notna()]
        hidden = _too_few(areas, shown.threshold)
        if not hidden.any():
            continue
        n = areas["respondents"].astype(float).to_numpy()
        whole = group[group["area_code"].isna()]
        share = bool((group["unit"] == "andel").all())
        if whole.empty:  # the pooled value: the areas' own answers, nothing outside them
            whole_n, whole_people = float(n.sum()), float(np.rint(areas["value"].to_numpy(float) * n / 100).sum())
        else:
            whole_n = float(whole["respondents"].iloc[0])
            whole_people = float(np.rint(float(whole["value"].iloc[0]) * whole_n / 100))
        if math.isnan(whole_n) or np.isnan(n).any():
            found.add((str(key), int(year), None))
            continue
        people = np.rint(areas["value"].to_numpy(float) * n / 100)
        rest_n, rest_people = whole_n - n.sum(), whole_people - people.sum()
        codes = areas["area_code"].to_numpy()
        by_size = [int(i) for i in np.argsort(n, kind="stable") if not hidden[i]]
        while _group_too_few(n[hidden].sum() + rest_n, people[hidden].sum() + rest_people, share, shown.threshold):
            if rest_n >= shown.threshold:  # answers outside every area blur the subtraction enough
                break
            if not by_size:
                found.add((str(key), int(year), None))
                break
            chosen = by_size.pop(0)
            hidden[chosen] = True
            found.add((str(key), int(year), str(codes[chosen])))
    return found


def _annotated(frame: pd.DataFrame, shown: Disclosure, hide: set[Place] | None = None) -> pd.DataFrame:
    n = frame["respondents"].to_numpy(float)
    share = frame["unit"].eq("andel").to_numpy()
    low, high = wilson(frame["value"], n)
    frame["low"] = np.where(share, low, np.nan)
    frame["high"] = np.where(share, high, np.nan)
    frame["small"] = ~(n >= MIN_RESPONDENTS)
    few = shown.viewer & _too_few(frame, shown.threshold)
    listed = np.array([(k, int(y), None if a != a or a is None else a) in (hide or set()) for k, y, a in
                       zip(frame["indicator_key"], frame["year"], frame["area_code"], strict=True)], dtype=bool)
    frame["hidden"] = few | listed
    frame["guarding"] = listed & ~few   # hidden only so that another hidden value cannot be worked out
    for column in ("value", "low", "high"):
        frame[column] = frame[column].where(~frame["hidden"], np.nan)
    # the respondents stay when there are enough of them (only the value said how many answered one way)
    frame["respondents"] = frame["respondents"].where(~(shown.viewer & ~(frame["respondents"] >= shown.threshold)),
                                                      np.nan)
    return frame


def _indicator_order(frame: pd.DataFrame) -> list[str]:
    """Indicators in a stable order: insecurity first, then by name."""
    keys = sorted(frame["indicator_key"].unique(), key=lambda k: (not any(w in k for w in INSECURITY_WORDS), k))
    return list(keys)


def insecurity_indicator(con: duckdb.DuckDBPyConnection) -> str | None:
    """The indicator the map and the ranking use: the first share whose name speaks of feeling unsafe
    ("otrygg…"), else the first share of all; None without survey shares."""
    keys = [str(r[0]) for r in queries.rows(
        con, "SELECT DISTINCT indicator_key FROM safety_surveys WHERE unit = 'andel' ORDER BY 1")]
    preferred = [k for k in keys if any(w in k for w in INSECURITY_WORDS)]
    chosen = preferred or keys
    return chosen[0] if chosen else None


def pooled(frame: pd.DataFrame) -> pd.DataFrame:
    """Per indicator and year: the municipality's own row when the file has one, else the areas' shares
    weighted by their respondents (only where every area has a respondent count)."""
    rows = []
    for _, group in frame.groupby(["indicator_key", "year"], sort=True):
        whole = group[group["area_code"].isna()]
        if not whole.empty:
            rows.append(whole.iloc[0].to_dict())
            continue
        parts = group[group["area_code"].notna()]
        n = parts["respondents"]
        if parts.empty or parts["unit"].iloc[0] != "andel" or n.isna().any() or n.sum() <= 0:
            continue
        first = parts.iloc[0].to_dict()
        first.update(area_code=None, area_name=POOLED.format(count=len(parts)), respondents=float(n.sum()),
                     value=float((parts["value"] * n).sum() / n.sum()))
        rows.append(first)
    columns = ["indicator_key", "indicator", "area_code", "area_name", "year", "unit", "value", "respondents"]
    return pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame(columns=columns)


@dataclass(frozen=True)
class Latest:
    """One indicator's latest value in one place, with the change since the survey before it."""

    indicator: str
    place: str
    year: int
    unit: str
    value: float          # NaN: hidden from this viewer
    low: float
    high: float
    respondents: float
    small: bool
    hidden: bool
    previous_year: int | None
    change: Comparison | None
    guarding: bool = False        # hidden only so that another hidden value cannot be worked out
    before_hidden: bool = False   # the value compared with is hidden from this viewer

    def value_text(self) -> str:
        if self.hidden:
            return GUARD_TEXT if self.guarding else HIDDEN_TEXT
        if self.unit == "andel":
            text = f"{formatting.number(self.value, 0)} %"
            if not math.isnan(self.low):
                text += f" ({formatting.number(self.low, 0)}–{formatting.number(self.high, 0)} %)"
        else:
            text = formatting.number(self.value, 2)
        return (f"{WARNING} " if self.small else "") + text

    def respondents_text(self) -> str:
        if self.hidden and math.isnan(self.respondents):
            return "<5"
        if math.isnan(self.respondents):
            return f"{WARNING} {NO_COUNT}"
        return (f"{WARNING} " if self.small else "") + formatting.number(self.respondents)


def latest(frame: pd.DataFrame, shown: Disclosure = STAFF, hide: set[Place] | None = None
           ) -> list[Latest]:
    """Per indicator and place in `frame` (raw values, before annotation): the latest year, and the change
    against the latest earlier year with its interval and verdict. A viewer gets no change where either
    value is hidden; `hide` (from `withheld`) hides whole-municipality values too."""
    if frame.empty:
        return []
    frame = _annotated(frame.copy(), shown, hide)
    found = []
    frame["place"] = frame["area_name"]
    for key in _indicator_order(frame):
        for _place, group in frame[frame["indicator_key"] == key].groupby("place", sort=True, dropna=False):
            group = group.sort_values("year")
            last = group.iloc[-1]
            before = group.iloc[-2] if len(group) > 1 else None
            change = None
            if before is not None and not (last["hidden"] or before["hidden"]):
                change = compare(float(last["value"]), _n(last), float(before["value"]), _n(before),
                                 str(last["unit"]))
            found.append(Latest(str(last["indicator"]), str(last["area_name"]), int(last["year"]),
                                str(last["unit"]), float(last["value"]), float(last["low"]), float(last["high"]),
                                float(last["respondents"]), bool(last["small"]), bool(last["hidden"]),
                                None if before is None else int(before["year"]), change, bool(last["guarding"]),
                                before is not None and bool(before["hidden"])))
    return found


def _n(row: pd.Series) -> float | None:
    value = float(row["respondents"])
    return None if math.isnan(value) else value


def raw_values(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The stored values with area code and name, unannotated (for `latest` and `pooled`)."""
    frame = survey_values(con, STAFF)
    return frame[["indicator_key", "indicator", "area_code", "area_name", "year", "unit", "value", "respondents"]]


def municipality_latest(con: duckdb.DuckDBPyConnection, shown: Disclosure = STAFF) -> list[Latest]:
    """For the overview: each indicator's latest value for the whole municipality (or the areas pooled)."""
    raw = raw_values(con)
    return latest(pooled(raw), shown, withheld(raw, shown))


def area_latest(con: duckdb.DuckDBPyConnection, area_code: str, shown: Disclosure = STAFF) -> list[Latest]:
    """For an area's profile: each indicator's latest value in the area, with the change since before."""
    frame = raw_values(con)
    return latest(frame[frame["area_code"] == area_code], shown, withheld(frame, shown))


def latest_table(found: list[Latest], *, with_place: bool = False) -> pd.DataFrame:
    """Display strings: indicator, (place,) year, value with interval, respondents, change since before."""
    rows = []
    for item in found:
        row = {"Indikator": item.indicator}
        if with_place:
            row["Område"] = item.place
        row |= {"År": str(item.year), "Värde (95 %)": item.value_text(), "Svarande": item.respondents_text(),
                "Jämfört med": str(item.previous_year) if item.previous_year else "–",
                "Förändring": item.change.text(item.unit) if item.change else (
                    "–" if item.previous_year is None or item.hidden else "– (jämförelsevärdet är dolt)")}
        rows.append(row)
    columns = ["Indikator", *(["Område"] if with_place else []), "År", "Värde (95 %)", "Svarande", "Jämfört med",
               "Förändring"]
    return pd.DataFrame(rows, columns=columns)


def map_values(con: duckdb.DuckDBPyConnection, shown: Disclosure = STAFF,
               indicator_key: str | None = None) -> tuple[pd.DataFrame, str]:
    """Per area: the chosen indicator's (default: `insecurity_indicator`) latest year, as the person may see
    it, and the indicator's name. Empty without survey shares."""
    key = indicator_key or insecurity_indicator(con)
    frame = survey_values(con, shown)
    frame = frame[(frame["indicator_key"] == key) & frame["area_code"].notna()]
    if frame.empty:
        return frame, ""
    frame = frame.sort_values("year").groupby("area_code", as_index=False).tail(1).reset_index(drop=True)
    return frame, str(frame["indicator"].iloc[0])


def tooltip(row: pd.Series) -> str:
    """The map's text for one area's survey value."""
    if row["hidden"]:
        return f"{row['indicator']} {row['year']}: {GUARD_TEXT if row.get('guarding') else HIDDEN_TEXT}"
    n = row["respondents"]
    answers = NO_COUNT if n != n else f"{formatting.number(n)} svarande"
    interval = (f" (95 %: {formatting.number(row['low'], 0)}–{formatting.number(row['high'], 0)} %)"
                if row["low"] == row["low"] else "")
    value = (f"{formatting.number(row['value'], 0)} %" if row["unit"] == "andel"
             else formatting.number(row["value"], 2))
    flag = f"\n{WARNING} {SMALL} – osäker siffra" if row["small"] else ""
    return f"{row['indicator']} {row['year']}: {value}{interval}\n{answers}{flag}"


def insecurity_need(con: duckdb.DuckDBPyConnection, area_codes: list[str], shown: Disclosure = STAFF
                    ) -> pd.Series:
    """For the ranking's optional need part "hög otrygghet": per area 0–1, the lower end of the Wilson interval
    of the insecurity share in its latest survey, scaled by the highest such lower end. Credited from the lower
    end only, so a small sample's wide interval earns little; areas with fewer than MIN_RESPONDENTS answers or
    no survey get 0 (and so do values hidden from a viewer)."""
    frame, _ = map_values(con, shown)
    credit = pd.Series(0.0, index=area_codes)
    if frame.empty:
        return credit
    usable = frame[~frame["small"] & ~frame["hidden"]].set_index("area_code")["low"].reindex(area_codes).fillna(0.0)
    top = float(usable.max())
    return usable / top if top > 0 else credit
