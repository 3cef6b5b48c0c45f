"""The weekly round of EST (*Effektiv samordning för trygghet*): checklists per organisation, area and week.

Every week each participating organisation (the municipality's safety hosts, the police, a housing company …)
scores a short checklist per area from 0 to 3 (0 inget, 1 lite, 2 en del, 3 mycket). This module saves a round
(all or nothing, validated), and builds what the round is for: the week's picture per area, the trend over
weeks with an honest statement of whether a change is beyond noise, who has not answered yet, and the quarter's
prioritisation beside incidents and the ranking.

The checklist items and the organisations are tables (migration 0019), configurable by the coordinator. Each
item maps to a risk factor, so the sidebar's risk-factor filter restricts the round to the matching items.
Areas are the base division's areas, named by code (as interventions are registered).

**Trend.** Scores are small integers from a handful of organisations, so a t-test or a regression line would
call noise a trend. The test here is a permutation test stratified by organisation: within each organisation
the weeks it answered are shuffled (under "no change" every order of its answers is equally likely), the
statistic is the sum over organisations of the standardised covariance between week and score. The p-values
of all area × item series shown together are corrected by Benjamini–Hochberg, so on data without any change
the chance that the table claims *any* trend is at most `ALPHA` (tested by seeded simulation in
tests/test_est.py). A series needs answers in at least `MIN_WEEKS` weeks of the window before anything is said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from lagesbild import db, formatting, queries
from lagesbild.charts import swedish_date_axis
from lagesbild.ingest import guard
from lagesbild.protect import STAFF, Disclosure
from lagesbild.settings import TIME_ZONE

SCALE = {0: "inget", 1: "lite", 2: "en del", 3: "mycket"}
SCALE_TEXT = "0 = inget, 1 = lite, 2 = en del, 3 = mycket"
WINDOW_WEEKS = 12           # the trend looks at a quarter of weeks ending with the chosen week
MIN_WEEKS = 6               # weeks with answers a series needs before a trend is claimed or denied
MIN_ORGANISATION_WEEKS = 3  # an organisation's answers count in a series' test from this many weeks
ALPHA = 0.05                # Benjamini–Hochberg level over every series tested together
PERMUTATIONS = 9999
MIN_VIEWER_ORGANISATIONS = 2  # a viewer sees an area's score only when at least this many answered
TREND_RISES, TREND_FALLS, TREND_NONE, TREND_FEW = "ökar", "minskar", "ingen säker förändring", "för få veckor"
TREND_HELP = (
    f"Trenden jämför de senaste {WINDOW_WEEKS} veckorna: ett permutationstest inom varje organisation (ordningen "
    "på en organisations svar blandas om), rättat för att många områden och frågor prövas samtidigt. När inget "
    f"har förändrats visar tabellen någon ökning eller minskning i högst {round(ALPHA * 100)} fall av 100; när "
    f"något har förändrats är i genomsnitt högst {round(ALPHA * 100)} % av de visade förändringarna slump. "
    f"Minst {MIN_WEEKS} veckor med svar krävs innan något sägs. En ökning eller minskning kan vara säsong "
    "(sommarens slut vid hamnen, skolloven): jämför med samma veckor förra året innan den tolkas som en trend."
)
VIEWER_NOTE = (f"Varje värde är medelvärdet av organisationernas svar ({SCALE_TEXT}). En fråga i ett område visas "
               f"bara när minst {MIN_VIEWER_ORGANISATIONS} organisationer har svarat på den, och vem som svarat vad "
               "visas inte. En vecka visas när den är slut.")
STAFF_NOTE = (f"Varje värde är medelvärdet av organisationernas svar ({SCALE_TEXT}); Svar säger hur många av "
              "de väntade organisationerna som svarat för området.")
_CODE = re.compile(r"^[a-z0-9_]{1,40}$")


class RoundError(ValueError):
    """A round (or a configuration) that cannot be saved; `problems` says why in Swedish. Nothing was stored."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True, order=True)
class Week:
    """An ISO week (Monday to Sunday), as EST counts."""

    year: int
    week: int

    def __post_init__(self) -> None:
        date.fromisocalendar(self.year, self.week, 1)  # ValueError for a week that does not exist

    @classmethod
    def of(cls, day: date) -> Week:
        iso = day.isocalendar()
        return cls(iso.year, iso.week)

    @classmethod
    def parse(cls, text: str) -> Week:
        """'2026-W12' (the ISO form) or '2026-12'."""
        found = re.fullmatch(r"\s*(\d{4})-?W?(\d{1,2})\s*", text)
        if not found:
            raise ValueError(f"veckan {text!r} ska skrivas som 2026-W12")
        return cls(int(found.group(1)), int(found.group(2)))

    @property
    def monday(self) -> date:
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def sunday(self) -> date:
        return self.monday + timedelta(days=6)

    @property
    def quarter(self) -> tuple[int, int]:
        """The calendar quarter the week belongs to (by its Thursday, as the ISO year is)."""
        thursday = self.monday + timedelta(days=3)
        return thursday.year, (thursday.month - 1) // 3 + 1

    def shifted(self, weeks: int) -> Week:
        return Week.of(self.monday + timedelta(weeks=weeks))

    @property
    def code(self) -> str:
        return f"{self.year}-W{self.week:02d}"

    @property
    def label(self) -> str:
        return f"v. {self.week} {self.year} ({self.monday.day} {formatting.MONTHS_SHORT[self.monday.month - 1]}–"\
               f"{self.sunday.day} {formatting.MONTHS_SHORT[self.sunday.month - 1]})"


def weeks_between(first: Week, last: Week) -> list[Week]:
    """Every week from `first` to `last`, both included."""
    count = (last.monday - first.monday).days // 7
    return [first.shifted(n) for n in range(count + 1)]


def quarter_weeks(year: int, quarter: int) -> list[Week]:
    """The ISO weeks whose Thursday lies in the quarter."""
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1) - timedelta(days=1)
    first = Week.of(start + timedelta(days=(3 - start.weekday()) % 7))   # the first Thursday in the quarter
    last = Week.of(end - timedelta(days=(end.weekday() - 3) % 7))        # the last one
    return weeks_between(first, last)


def quarter_label(year: int, quarter: int) -> str:
    return f"kvartal {quarter} {year}"


# Configuration -------------------------------------------------------------------------------------------------

def organisations(con: duckdb.DuckDBPyConnection, *, active_only: bool = True) -> pd.DataFrame:
    """The participating organisations: code, name, area_codes (None: every area), sort_order, active."""
    return queries.frame(con, "SELECT code, name, area_codes, sort_order, active FROM est_organisations"
                              " WHERE active OR NOT ? ORDER BY sort_order, name COLLATE sv", [active_only])


def items(con: duckdb.DuckDBPyConnection, risk_factors: Sequence[str] = (), *,
          active_only: bool = True) -> pd.DataFrame:
    """The checklist: code, label, risk_factor, risk_label, sort_order, active; with `risk_factors` only the
    items mapped to one of them (the sidebar's risk-factor filter)."""
    return queries.frame(
        con,
        "SELECT e.code, e.label, e.risk_factor, r.label AS risk_label, e.sort_order, e.active FROM est_items e"
        " LEFT JOIN risk_factors r ON r.code = e.risk_factor WHERE (e.active OR NOT ?)"
        " AND (len(?) = 0 OR list_contains(?, e.risk_factor)) ORDER BY e.sort_order, e.label COLLATE sv",
        [active_only, list(risk_factors), list(risk_factors)])


def areas(con: duckdb.DuckDBPyConnection, chosen: Sequence[str] = ()) -> pd.DataFrame:
    """The areas a round covers (the base division's): code, name; with `chosen` only those."""
    return queries.frame(
        con,
        "SELECT code, name FROM areas WHERE division = coalesce((SELECT value FROM meta WHERE key = 'division'),"
        " division) AND (len(?) = 0 OR list_contains(?, code)) ORDER BY name COLLATE sv",
        [list(chosen), list(chosen)])


def base_codes(con: duckdb.DuckDBPyConnection, chosen: Sequence[str]) -> tuple[str, ...]:
    """The base division's areas that make up the chosen areas (a RegSO filter stands for its DeSO): the
    sidebar's area filter as the round's areas. Empty when nothing is chosen."""
    if not chosen:
        return ()
    found = queries.rows(con, "SELECT DISTINCT b.code FROM areas a JOIN area_parts p ON p.area_id = a.id"
                              " JOIN areas b ON b.id = p.part_id WHERE list_contains(?, a.code) ORDER BY 1",
                         [list(chosen)])
    return tuple(str(r[0]) for r in found) or ("",)   # chosen areas without base parts: none of the round's


def expected(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Which organisation answers for which area: organisation, organisation_name, area_code, area."""
    found = []
    every = areas(con)
    for org in organisations(con).itertuples():
        listed = _listed(org.area_codes)
        covered = every if listed is None else every[every["code"].isin(listed)]
        found.append(pd.DataFrame({"organisation": org.code, "organisation_name": org.name,
                                   "area_code": covered["code"], "area": covered["name"]}))
    columns = ["organisation", "organisation_name", "area_code", "area"]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=columns)


def _listed(value: Any) -> list[str] | None:
    """A list cell read back from DuckDB (a list or an array), or None for NULL."""
    if isinstance(value, list | tuple | np.ndarray):
        return [str(v) for v in value]
    return None


def save_items(con: duckdb.DuckDBPyConnection, table: pd.DataFrame) -> None:
    """Replace the checklist by `table` (code, label, risk_factor, sort_order, active); answers keep their
    item codes, so an item made inactive keeps its history."""
    known = {r[0] for r in queries.rows(con, "SELECT code FROM risk_factors")}
    table = _filled(table)
    found = _config_problems(table, "Fråga")
    for number, row in enumerate(table.itertuples(), start=1):
        factor = None if pd.isna(row.risk_factor) or str(row.risk_factor) == "" else str(row.risk_factor)
        if factor is not None and factor not in known:
            found.append(f"Rad {number}: riskfaktorn ”{factor}” finns inte.")
    _replace_config(con, "est_items", found, (
        [str(r.code), str(r.label).strip(), None if pd.isna(r.risk_factor) or r.risk_factor == ""
         else str(r.risk_factor), int(r.sort_order), bool(r.active)] for r in table.itertuples()))


def save_organisations(con: duckdb.DuckDBPyConnection, table: pd.DataFrame) -> None:
    """Replace the organisations by `table` (code, name, area_codes, sort_order, active)."""
    known = set(areas(con)["code"])
    table = _filled(table)
    found = _config_problems(table.rename(columns={"name": "label"}), "Organisation")
    for number, row in enumerate(table.itertuples(), start=1):
        unknown = [c for c in (_listed(row.area_codes) or []) if c not in known]
        if unknown:
            found.append(f"Rad {number}: okända områden: {', '.join(map(str, unknown))}.")
    _replace_config(con, "est_organisations", found, (
        [str(r.code), str(r.name).strip(), _listed(r.area_codes), int(r.sort_order), bool(r.active)]
        for r in table.itertuples()))


def _replace_config(con: duckdb.DuckDBPyConnection, table_name: str, found: list[str],
                    rows: Iterable[list[Any]]) -> None:
    """Replace a configuration table (`est_items` or `est_organisations`, five columns) by `rows` (read only
    once the problems are known to be none), or refuse with every problem `found`."""
    if found:
        raise RoundError(found)
    delete, insert = _CONFIG_SQL[table_name]   # a table name cannot be bound: one fixed statement per table
    with db.write(con) as cur:
        cur.execute(delete)
        cur.executemany(insert, list(rows))


_CONFIG_SQL = {"est_items": ("DELETE FROM est_items", "INSERT INTO est_items VALUES (?, ?, ?, ?, ?)"),
               "est_organisations": ("DELETE FROM est_organisations",
                                     "INSERT INTO est_organisations VALUES (?, ?, ?, ?, ?)")}


def save_configuration(con: duckdb.DuckDBPyConnection, items_table: pd.DataFrame,
                       organisations_table: pd.DataFrame) -> None:
    """Replace the checklist and the organisations together: both or neither (RoundError says why)."""
    with db.write(con):   # the two writes below join this one transaction
        save_items(con, items_table)
        save_organisations(con, organisations_table)


def _filled(table: pd.DataFrame) -> pd.DataFrame:
    """A row added in the settings' table comes with an empty order and an empty Aktiv: it goes last, active."""
    table = table.copy()
    order = pd.to_numeric(table["sort_order"], errors="coerce")
    start = int(order.max()) + 1 if order.notna().any() else 1
    missing = order.isna()
    order[missing] = range(start, start + int(missing.sum()))
    table["sort_order"] = order.astype(int)
    table["active"] = table["active"].map(lambda v: True if v is None or v is pd.NA or v != v else bool(v))
    return table


def _config_problems(table: pd.DataFrame, what: str) -> list[str]:
    found = []
    codes = table["code"].astype(str)
    for number, (code, label) in enumerate(zip(codes, table["label"], strict=True), start=1):
        if not _CODE.match(code):
            found.append(f"Rad {number}: koden ”{code}” ska vara små bokstäver a–z, siffror och _ (högst 40).")
        if pd.isna(label) or not str(label).strip():
            found.append(f"Rad {number}: {what.lower()}n saknar namn.")
        else:
            found += [f"Rad {number}: {p}" for p in guard.form_problems({what: str(label)})]
    repeated = sorted(set(codes[codes.duplicated()]))
    if repeated:
        found.append(f"Koden finns på flera rader: {', '.join(repeated)}.")
    return found


# Saving a round ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Saved:
    new: int
    changed: int
    removed: int

    @property
    def text(self) -> str:
        if not (self.new or self.changed or self.removed):
            return "Inget ändrades."
        parts = [f"{n} {word}" for n, word in ((self.new, "nya svar"), (self.changed, "ändrade"),
                                                (self.removed, "borttagna")) if n]
        return "Veckorondens svar är sparade: " + ", ".join(parts) + "."


def round_grid(con: duckdb.DuckDBPyConnection, week: Week, organisation: str,
               risk_factors: Sequence[str] = ()) -> pd.DataFrame:
    """The form for one organisation's round: one row per area it answers for (area_code, Område), one column
    per item code with the answer saved so far (NaN where none), and Kommentar."""
    covered = expected(con)
    covered = covered[covered["organisation"] == organisation]
    checklist = items(con, risk_factors)
    saved = queries.frame(con, "SELECT area_code, item, value FROM est_answers WHERE iso_year = ? AND iso_week = ?"
                               " AND organisation = ?", [week.year, week.week, organisation])
    grid = pd.DataFrame({"area_code": covered["area_code"].to_numpy(), "Område": covered["area"].to_numpy()})
    wide = saved.pivot(index="area_code", columns="item", values="value") if not saved.empty else pd.DataFrame()
    for code in checklist["code"]:
        column = wide[code] if code in wide.columns else pd.Series(dtype=float)
        grid[code] = grid["area_code"].map(column).astype(float)
    notes = dict(queries.rows(con, "SELECT area_code, note FROM est_notes WHERE iso_year = ? AND iso_week = ?"
                                   " AND organisation = ?", [week.year, week.week, organisation]))
    grid["Kommentar"] = [notes.get(a, "") for a in grid["area_code"]]
    return grid


def answers_from_grid(grid: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """The form's grid as answers (area_code, item, value; empty cells left out) and notes per area."""
    item_columns = [c for c in grid.columns if c not in ("area_code", "Område", "Kommentar")]
    long = grid.melt(id_vars=["area_code"], value_vars=item_columns, var_name="item", value_name="value")
    long = long[long["value"].notna() & (long["value"].astype(str).str.strip() != "")]
    notes = {} if "Kommentar" not in grid else {
        str(a): str(n) for a, n in zip(grid["area_code"], grid["Kommentar"], strict=True)
        if isinstance(n, str) and n.strip()}
    return long.reset_index(drop=True), notes


def _as_score(value: Any) -> int | None:
    try:
        number = float(str(value).replace(",", "."))
    except ValueError:
        return None
    return int(number) if number.is_integer() and 0 <= number <= 3 else None


def problems(con: duckdb.DuckDBPyConnection, week: Week, organisation: str, answers: pd.DataFrame,
             notes: dict[str, str] | None = None, *, today: date | None = None) -> list[str]:
    """What is wrong with a round, in Swedish, naming the area and item (empty when it can be saved)."""
    found = []
    today = today or date.today()
    if week > Week.of(today):
        found.append(f"Vecka {week.week} {week.year} har inte börjat än.")
    orgs = organisations(con)
    if organisation not in set(orgs["code"]):
        return [*found, f"Okänd organisation: {organisation}."]
    covered = expected(con)
    covered = covered[covered["organisation"] == organisation]
    names = dict(zip(covered["area_code"], covered["area"], strict=True))
    base = areas(con)
    every_area = dict(zip(base["code"], base["name"], strict=True))
    checklist = items(con)
    labels = dict(zip(checklist["code"], checklist["label"], strict=True))
    for row in answers.itertuples():
        area = str(row.area_code)
        where = f"Området {names.get(area, every_area.get(area, area))}, frågan {labels.get(row.item, row.item)}"
        if area not in every_area:
            found.append(f"Okänt område: {area}.")
        elif area not in names:
            found.append(f"Området {every_area[area]} ingår inte i vad organisationen svarar för.")
        elif row.item not in labels:
            found.append(f"Okänd eller inaktiv fråga: {row.item}.")
        elif _as_score(row.value) is None:
            found.append(f"{where}: ”{row.value}” är inte ett av värdena {SCALE_TEXT}.")
    if answers.duplicated(["area_code", "item"]).any():
        found.append("Samma område och fråga finns flera gånger i svaret.")
    for area, note in (notes or {}).items():
        if area not in names:
            found.append(f"Kommentar till ett område organisationen inte svarar för: {area}.")
        found += guard.form_problems({f"Kommentar, {names.get(area, area)}": note})
    return found


def save_round(con: duckdb.DuckDBPyConnection, week: Week, organisation: str, answers: pd.DataFrame, by: str,
               notes: dict[str, str] | None = None, *, replace_all: bool = True,
               today: date | None = None) -> Saved:
    """Save one organisation's answers for a week, all or nothing (RoundError lists every problem first).

    An answer given again replaces the saved one and the change is logged (who, when, from what). With
    `replace_all` (the form) an answer the grid no longer holds is removed, logged too, and the notes are
    replaced; otherwise (an import) answers not in `answers` are kept.
    """
    found = problems(con, week, organisation, answers, notes, today=today)
    if found:
        raise RoundError(found)
    given = {(str(r.area_code), str(r.item)): _as_score(r.value) for r in answers.itertuples()}
    before = {(a, i): int(v) for a, i, v in queries.rows(
        con, "SELECT area_code, item, value FROM est_answers WHERE iso_year = ? AND iso_week = ?"
             " AND organisation = ?", [week.year, week.week, organisation])}
    now = datetime.now(UTC)
    new = [k for k in given if k not in before]
    changed = [k for k in given if k in before and before[k] != given[k]]
    removed = [k for k in before if k not in given] if replace_all else []
    key = [week.year, week.week, organisation]
    with db.write(con) as cur:
        for area, item in removed:
            cur.execute("DELETE FROM est_answers WHERE iso_year = ? AND iso_week = ? AND organisation = ?"
                        " AND area_code = ? AND item = ?", [*key, area, item])
        if new or changed:
            cur.executemany("INSERT OR REPLACE INTO est_answers VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [[*key, a, i, given[(a, i)], by, now] for a, i in [*new, *changed]])
        log = [[*key, a, i, before[(a, i)], given.get((a, i)), by, now] for a, i in [*changed, *removed]]
        if log:
            cur.executemany("INSERT INTO est_answer_log (iso_year, iso_week, organisation, area_code, item,"
                            " old_value, new_value, changed_by, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", log)
        if replace_all:
            cur.execute("DELETE FROM est_notes WHERE iso_year = ? AND iso_week = ? AND organisation = ?", key)
        if notes:
            cur.executemany("INSERT OR REPLACE INTO est_notes VALUES (?, ?, ?, ?, ?)",
                            [[*key, a, n.strip()] for a, n in notes.items()])
        if not (new or changed or removed or notes or replace_all):
            raise db.Rollback
    return Saved(len(new), len(changed), len(removed))


def change_log(con: duckdb.DuckDBPyConnection, limit: int = 200) -> pd.DataFrame:
    """The newest changed answers as a Swedish table (staff only: it says who answered what)."""
    found = queries.frame(
        con, "SELECT l.changed_at, l.changed_by, o.name AS org, a.name AS area, coalesce(e.label, l.item) AS item,"
             " l.iso_year, l.iso_week, l.old_value, l.new_value FROM est_answer_log l"
             " LEFT JOIN est_organisations o ON o.code = l.organisation LEFT JOIN est_items e ON e.code = l.item"
             " LEFT JOIN (SELECT DISTINCT ON (code) code, name FROM areas) a ON a.code = l.area_code"
             " ORDER BY l.id DESC LIMIT ?", [limit])
    return pd.DataFrame({
        "När": pd.to_datetime(found["changed_at"], utc=True).dt.tz_convert(TIME_ZONE).dt.strftime("%Y-%m-%d %H:%M"),
        "Vem": found["changed_by"],
        "Vecka": [f"v. {w} {y}" for y, w in zip(found["iso_year"], found["iso_week"], strict=True)],
        "Organisation": found["org"], "Område": found["area"], "Fråga": found["item"],
        "Från": found["old_value"], "Till": found["new_value"].astype("Int64")})


# Reading the rounds --------------------------------------------------------------------------------------------

def answers(con: duckdb.DuckDBPyConnection, first: Week, last: Week, risk_factors: Sequence[str] = (),
            area_codes: Sequence[str] = ()) -> pd.DataFrame:
    """Every answer from `first` to `last` for active items (matching the risk factors) and organisations:
    iso_year, iso_week, organisation, area_code, item, value."""
    return queries.frame(
        con,
        "SELECT a.iso_year, a.iso_week, a.organisation, a.area_code, a.item, a.value FROM est_answers a"
        " JOIN est_items e ON e.code = a.item AND e.active JOIN est_organisations o ON o.code = a.organisation"
        " AND o.active WHERE (CAST(a.iso_year AS INTEGER) * 100 + a.iso_week) BETWEEN ? AND ?"
        " AND (len(?) = 0 OR list_contains(?, e.risk_factor)) AND (len(?) = 0 OR list_contains(?, a.area_code))",
        [first.year * 100 + first.week, last.year * 100 + last.week, list(risk_factors), list(risk_factors),
         list(area_codes), list(area_codes)])


def published(week: Week, today: date) -> bool:
    """Whether a viewer may see `week`: only once it has ended. While a week is open its picture changes with
    each organisation that answers, and a viewer comparing the picture before and after an answer would read
    that one organisation's answer from the difference."""
    return week.sunday < today


def latest_week(con: duckdb.DuckDBPyConnection) -> Week | None:
    """The newest week anyone has answered."""
    found = queries.rows(con, "SELECT iso_year, iso_week FROM est_answers ORDER BY iso_year DESC, iso_week DESC"
                              " LIMIT 1")
    return Week(int(found[0][0]), int(found[0][1])) if found else None


def week_picture(con: duckdb.DuckDBPyConnection, week: Week, risk_factors: Sequence[str] = (),
                 area_codes: Sequence[str] = ()) -> pd.DataFrame:
    """Per area and item this week: mean and max over the organisations that answered, and how many did
    (area_code, area, item, label, mean, max, answered, expected)."""
    found = answers(con, week, week, risk_factors, area_codes)
    per = found.groupby(["area_code", "item"])["value"].agg(["mean", "max", "count"]).reset_index()
    grid = areas(con, area_codes).merge(items(con, risk_factors)[["code", "label", "sort_order"]], how="cross")
    grid = grid.rename(columns={"code_x": "area_code", "name": "area", "code_y": "item"})
    grid = grid.merge(per, on=["area_code", "item"], how="left").rename(columns={"count": "answered"})
    grid["answered"] = grid["answered"].fillna(0).astype(int)
    covering = expected(con).groupby("area_code").size()
    grid["expected"] = grid["area_code"].map(covering).fillna(0).astype(int)
    return grid.sort_values(["area", "sort_order"], key=lambda s: s.str.lower() if s.dtype == object else s)[
        ["area_code", "area", "item", "label", "mean", "max", "answered", "expected"]].reset_index(drop=True)


def picture_table(picture: pd.DataFrame, shown: Disclosure = STAFF) -> pd.DataFrame:
    """The week's picture as an area × item table of mean scores. A viewer sees only areas where at least
    `MIN_VIEWER_ORGANISATIONS` organisations answered, and neither how many did nor the highest answer."""
    mean = picture.pivot_table(index="area", columns="label", values="mean", sort=False, dropna=False)
    order = list(dict.fromkeys(picture["label"]))
    table = mean.reindex(columns=order).round(1)
    answered = picture.groupby("area", sort=False)["answered"].max()
    if shown.viewer:  # per cell: an area where two answered one question and one another shows only the first
        per_cell = picture.pivot_table(index="area", columns="label", values="answered", sort=False, dropna=False)
        enough = per_cell.reindex(index=table.index, columns=table.columns).fillna(0) >= MIN_VIEWER_ORGANISATIONS
        table = table.where(enough)
    else:
        expected_n = picture.groupby("area", sort=False)["expected"].max()
        table.insert(0, "Svar", [f"{a} av {e}" for a, e in zip(answered.reindex(table.index),
                                                              expected_n.reindex(table.index), strict=True)])
    table.index.name = "Område"
    return table.reset_index()


def has_values(table: pd.DataFrame) -> bool:
    """Whether a week's picture table (`picture_table`) shows any score at all."""
    labels = [c for c in table.columns if c not in ("Område", "Svar")]
    return bool(table[labels].notna().to_numpy().any()) if labels else False


def picture_figure(table: pd.DataFrame) -> go.Figure:
    """The week's picture as a heat map, area × item, coloured 0 (inget) to 3 (mycket); blank where hidden or
    unanswered."""
    labels = [c for c in table.columns if c not in ("Område", "Svar")]
    z = table[labels].to_numpy(float)
    text = [["" if np.isnan(v) else formatting.number(v, 1) for v in row] for row in z]
    figure = go.Figure(go.Heatmap(
        z=z, x=[formatting.plain_html(c) for c in labels], y=[formatting.plain_html(a) for a in table["Område"]],
        zmin=0, zmax=3, colorscale="YlOrRd", text=text, texttemplate="%{text}", hoverongaps=False,
        colorbar={"title": "0–3", "tickvals": [0, 1, 2, 3], "ticktext": [f"{v} {SCALE[v]}" for v in range(4)]},
        hovertemplate="%{y}, %{x}: %{text}<extra></extra>"))
    figure.update_layout(height=max(260, 28 * len(table) + 120), margin={"l": 10, "r": 10, "t": 10, "b": 10})
    figure.update_yaxes(autorange="reversed")
    figure.update_xaxes(side="top")
    return figure


def missing(con: duckdb.DuckDBPyConnection, week: Week) -> pd.DataFrame:
    """Who has not answered yet this week: every organisation × area it answers for without any answer
    (Organisation, Område), organisation by organisation."""
    done = {(o, a) for o, a in queries.rows(con, "SELECT DISTINCT organisation, area_code FROM est_answers"
                                                 " WHERE iso_year = ? AND iso_week = ?", [week.year, week.week])}
    due = expected(con)
    left = due[[(o, a) not in done for o, a in zip(due["organisation"], due["area_code"], strict=True)]]
    return pd.DataFrame({"Organisation": left["organisation_name"].to_numpy(), "Område": left["area"].to_numpy()})


def missing_summary(con: duckdb.DuckDBPyConnection, week: Week) -> pd.DataFrame:
    """Per organisation: how many of its areas are still unanswered this week, and which."""
    left = missing(con, week)
    due = expected(con).groupby("organisation_name", sort=False).size()
    summary = left.groupby("Organisation", sort=False)["Område"].agg(["size", lambda s: ", ".join(s)])
    summary.columns = ["Saknas", "Områden utan svar"]
    summary["Saknas"] = [f"{n} av {due[o]}" for o, n in summary["Saknas"].items()]
    return summary.reset_index()


# Trend ---------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TrendTest:
    """Per series (index of `series`): the statistic, the permutation p-value, the weeks with answers, and
    the verdict after Benjamini–Hochberg over the tested series."""

    series: pd.DataFrame   # area_code, item, weeks, statistic, p, verdict, first_mean, last_mean


def benjamini_hochberg(p: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Which p-values are rejected by the Benjamini–Hochberg step-up procedure at level `alpha`."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return np.zeros(0, dtype=bool)
    order = np.argsort(p)
    passed = p[order] <= alpha * np.arange(1, m + 1) / m
    rejected = np.zeros(m, dtype=bool)
    if passed.any():
        rejected[order[: int(np.nonzero(passed)[0].max()) + 1]] = True
    return rejected


def trend_test(found: pd.DataFrame, *, alpha: float = ALPHA, permutations: int = PERMUTATIONS,
               seed: int = 15) -> pd.DataFrame:
    """The stratified permutation trend test of every (area_code, item) series in `found` (columns t — the
    week's position in the window —, organisation, area_code, item, value). Pure numpy: the simulation tests
    call it directly.

    Within an organisation, shuffling the weeks it answered gives the statistic's distribution under "no
    change"; the organisations' standardised statistics are added, so an organisation that scores everything
    higher does not make a trend. Permutations are shared across series (valid per series); p-values are
    Monte Carlo ((1 + exceedances) / (1 + permutations)), then Benjamini–Hochberg over the series tested.
    """
    rng = np.random.default_rng(seed)
    series, series_codes = pd.MultiIndex.from_frame(found[["area_code", "item"]].astype(str)).factorize(sort=True)
    orgs, _ = pd.factorize(found["organisation"], sort=True)
    t = found["t"].to_numpy(int)
    width = int(t.max()) + 1 if len(t) else 0
    # every answer in one dense array organisation × series × week (NaN where none; a repeat is averaged)
    total = np.zeros((orgs.max() + 1 if len(orgs) else 0, len(series_codes), width))
    count = np.zeros_like(total)
    np.add.at(total, (orgs, series, t), found["value"].to_numpy(float))
    np.add.at(count, (orgs, series, t), 1.0)
    values = np.divide(total, count, out=np.full_like(total, np.nan), where=count > 0)
    observed = np.zeros(len(series_codes))
    simulated = np.zeros((permutations, len(series_codes)))
    for org_values in values:
        present = ~np.isnan(org_values)
        patterns, which = np.unique(present, axis=0, return_inverse=True)
        for number, pattern in enumerate(patterns):  # series answered in the same weeks share permutations
            if pattern.sum() < MIN_ORGANISATION_WEEKS:
                continue
            rows = np.nonzero(which.ravel() == number)[0]
            y = org_values[np.ix_(rows, np.nonzero(pattern)[0])]      # series × weeks answered
            c = np.nonzero(pattern)[0] - np.nonzero(pattern)[0].mean()
            spread = ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1)
            sd = np.sqrt((c ** 2).sum() * spread / (len(c) - 1))
            usable = sd > 0                                          # a constant series says nothing
            if not usable.any():
                continue
            y, sd, rows = y[usable], sd[usable], rows[usable]
            observed[rows] += (y @ c) / sd
            shuffled = rng.permuted(np.broadcast_to(c, (permutations, len(c))), axis=1)
            simulated[:, rows] += (shuffled @ y.T) / sd
    p = (1 + (np.abs(simulated) >= np.abs(observed) - 1e-9).sum(axis=0)) / (permutations + 1)
    weeks = (count.sum(axis=0) > 0).sum(axis=1)                      # weeks with any answer, per series
    keys = pd.DataFrame({"area_code": series_codes.get_level_values(0), "item": series_codes.get_level_values(1),
                         "weeks": weeks.astype(int), "statistic": observed, "p": p})
    tested = weeks >= MIN_WEEKS
    rejected = np.zeros(len(keys), dtype=bool)
    rejected[tested] = benjamini_hochberg(p[tested], alpha)
    keys["verdict"] = np.where(~tested, TREND_FEW, np.where(~rejected, TREND_NONE,
                                                             np.where(observed > 0, TREND_RISES, TREND_FALLS)))
    return keys


def trends(con: duckdb.DuckDBPyConnection, week: Week, risk_factors: Sequence[str] = (),
           area_codes: Sequence[str] = (), *, window: int = WINDOW_WEEKS,
           permutations: int = PERMUTATIONS) -> pd.DataFrame:
    """The trend of every area × item over the `window` weeks ending with `week`: weeks with answers, the mean
    of the window's first and last halves, the verdict (ökar, minskar, ingen säker förändring, för få veckor)."""
    first = week.shifted(-(window - 1))
    found = answers(con, first, week, risk_factors, area_codes)
    columns = ["area_code", "area", "item", "label", "weeks", "first_mean", "last_mean", "p", "verdict"]
    if found.empty:
        return pd.DataFrame(columns=columns)
    position = {(w.year, w.week): n for n, w in enumerate(weeks_between(first, week))}
    found["t"] = [position[(y, w)] for y, w in zip(found["iso_year"], found["iso_week"], strict=True)]
    result = trend_test(found, permutations=permutations)
    half = window // 2
    means = found.assign(late=found["t"] >= window - half).groupby(["area_code", "item", "late"])["value"].mean()
    result["first_mean"] = [means.get((a, i, False), np.nan) for a, i in zip(result["area_code"], result["item"],
                                                                            strict=True)]
    result["last_mean"] = [means.get((a, i, True), np.nan) for a, i in zip(result["area_code"], result["item"],
                                                                          strict=True)]
    names = areas(con).set_index("code")["name"]
    checklist = items(con).set_index("code")
    result["area"] = result["area_code"].map(names)
    result["label"] = result["item"].map(checklist["label"])
    result["order"] = result["item"].map(checklist["sort_order"])
    return result.sort_values(["area", "order"])[columns].reset_index(drop=True)


def trend_table(found: pd.DataFrame, *, changes_only: bool = False) -> pd.DataFrame:
    """The trends as a Swedish table (changes first)."""
    shown = found[found["verdict"].isin([TREND_RISES, TREND_FALLS])] if changes_only else found
    rank = shown["verdict"].map({TREND_RISES: 0, TREND_FALLS: 1, TREND_NONE: 2, TREND_FEW: 3})
    shown = shown.assign(rank=rank).sort_values(["rank", "area"])
    return pd.DataFrame({"Område": shown["area"], "Fråga": shown["label"], "Veckor med svar": shown["weeks"],
                         "Första halvan": shown["first_mean"].round(1), "Andra halvan": shown["last_mean"].round(1),
                         "Trend": shown["verdict"]}).reset_index(drop=True)


def weekly_series(con: duckdb.DuckDBPyConnection, last: Week, area_code: str, item: str,
                  weeks: int = 52) -> pd.DataFrame:
    """One area × item week by week: week, monday, mean, max, answered (NaN mean where nobody answered)."""
    first = last.shifted(-(weeks - 1))
    found = answers(con, first, last, (), [area_code])
    found = found[found["item"] == item]
    per = found.groupby(["iso_year", "iso_week"])["value"].agg(["mean", "max", "count"])
    every = weeks_between(first, last)
    return pd.DataFrame({
        "week": [w.code for w in every], "monday": [w.monday for w in every],
        "mean": [per["mean"].get((w.year, w.week), np.nan) for w in every],
        "max": [per["max"].get((w.year, w.week), np.nan) for w in every],
        "answered": [int(per["count"].get((w.year, w.week), 0)) for w in every]})


def trend_figure(series: pd.DataFrame, title: str, shown: Disclosure = STAFF) -> go.Figure:
    """The weekly mean score (and, for staff, the highest answer) of one area × item; gaps where nobody
    answered stay gaps — a week without answers is not a week without problems."""
    mean = series["mean"]
    if shown.viewer:
        mean = mean.where(series["answered"] >= MIN_VIEWER_ORGANISATIONS)
    figure = go.Figure()
    figure.add_trace(go.Scatter(x=series["monday"], y=mean, mode="lines+markers", name="Medel",
                                connectgaps=False, line={"color": "#8c6bb1"},
                                hovertemplate="Vecka från %{x|%d/%m %Y}: %{y:.1f}<extra></extra>"))
    if not shown.viewer:
        figure.add_trace(go.Scatter(x=series["monday"], y=series["max"], mode="markers", name="Högsta svar",
                                    marker={"color": "#b2182b", "symbol": "triangle-up", "size": 7},
                                    hovertemplate="Högsta: %{y}<extra></extra>"))
    figure.update_layout(title=formatting.plain_html(title), height=320, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.2})
    figure.update_yaxes(range=[-0.2, 3.2], tickvals=[0, 1, 2, 3],
                        ticktext=[f"{v} {SCALE[v]}" for v in range(4)], title=None)
    figure.update_xaxes(title=None)
    swedish_date_axis(figure, series["monday"].min(), series["monday"].max())
    return figure


# The quarter ---------------------------------------------------------------------------------------------------

def quarter_so_far(week: Week) -> list[Week]:
    """The weeks of `week`'s quarter up to and including it."""
    return [w for w in quarter_weeks(*week.quarter) if w <= week]


def quarter_table(con: duckdb.DuckDBPyConnection, week: Week, filters: Any, shown: Disclosure = STAFF, *,
                  ranking: pd.DataFrame | None = None) -> pd.DataFrame:
    """The quarterly prioritisation for `week`'s quarter up to that week: per area the EST scores (mean over
    every answer, and the highest-scoring item) beside its incidents in the same weeks (`queries.area_rates`,
    protected for viewers; days after the last day with data are not counted) and its place in the ranking
    (`priorities.rank` for the same period, given or computed)."""
    from dataclasses import replace

    from lagesbild import priorities

    weeks = quarter_so_far(week)
    found = answers(con, weeks[0], weeks[-1], filters.risk_factors, filters.areas)
    if shown.viewer:  # only what the week's picture shows them: cells (area, question, week) two or more answered,
        # so that two quarters a week apart never differ by one organisation's answer
        per_cell = found.groupby(["area_code", "item", "iso_year", "iso_week"])["organisation"].transform("nunique")
        found = found[per_cell >= MIN_VIEWER_ORGANISATIONS]
    data = queries.data_range(con)
    end = min(weeks[-1].sunday, data[1]) if data else weeks[-1].sunday
    period = replace(filters, start=weeks[0].monday, end=max(end, weeks[0].monday))
    with queries.base_division():
        rates = queries.area_rates(con, period)
        if ranking is None:
            ranking = priorities.rank(con, period, shown=shown).table
    checklist = items(con).set_index("code")["label"]
    per_item = found.groupby(["area_code", "item"])["value"].mean()
    orgs = found.groupby("area_code")["organisation"].nunique()
    table = areas(con, filters.areas).rename(columns={"code": "area_code", "name": "Område"})
    table["EST-medel"] = table["area_code"].map(found.groupby("area_code")["value"].mean()).round(2)
    top = per_item.reset_index().sort_values("value", ascending=False).drop_duplicates("area_code")
    top_text = {a: f"{checklist.get(i, i)} ({formatting.number(v, 1)})"
                for a, i, v in zip(top["area_code"], top["item"], top["value"], strict=True)}
    table["Högst i EST"] = [top_text.get(a, "") for a in table["area_code"]]
    answered_weeks = found.drop_duplicates(["area_code", "iso_year", "iso_week"]).groupby("area_code").size()
    table["Veckor med svar"] = table["area_code"].map(answered_weeks).fillna(0).astype(int)
    rates = rates.set_index("code")
    counts = shown.counts(rates["count"], rates["ckey"])
    table["Händelser"] = table["area_code"].map(pd.Series(counts, index=rates.index))
    population = rates["population"].where(rates["population"] > 0)
    table["Per 1 000 inv."] = table["area_code"].map((pd.Series(counts, index=rates.index) * 1000 / population)
                                                     .round(1))
    ranks = ranking.set_index("code")["rank"] if not ranking.empty else pd.Series(dtype=int)
    table["Rang i prioriteringen"] = table["area_code"].map(ranks.where(ranks > 0)).astype("Int64")
    if shown.viewer:
        few = table["area_code"].map(orgs).fillna(0) < MIN_VIEWER_ORGANISATIONS
        table.loc[few, ["EST-medel", "Högst i EST"]] = [np.nan, ""]
        table["EST-medel"] = table["EST-medel"].round(1)
        table = table.drop(columns=["Veckor med svar"])
    table = table.sort_values(["EST-medel", "Område"], ascending=[False, True], na_position="last")
    table = table.drop(columns=["area_code"]).reset_index(drop=True)
    return formatting.with_formats(table, {"Händelser": formatting.count_format(shown.hidden_label)})


# Rounds from a spreadsheet -------------------------------------------------------------------------------------

FILE_HEADERS = ("vecka", "organisation", "område")
FILE_HELP = ("En rad per vecka, organisation och område: kolumnerna Vecka (t.ex. 2026-W12), Organisation, Område "
             "och en kolumn per fråga (Skadegörelse, Klotter, …) med 0–3; tom cell = inget svar. Semikolon, "
             "komma eller tab; Excel (.xlsx) går också.")


def read_round_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> dict[tuple[Week, str], pd.DataFrame]:
    """The rounds in a spreadsheet (see FILE_HELP) as answers per (week, organisation); RoundError names the
    file, row, column and reason of every problem. Organisations, areas and questions are matched by code or
    Swedish name, whatever the case."""
    from lagesbild.ingest import tables
    from lagesbild.ingest.problems import FileRefusedError
    from lagesbild.ingest.values import normalise

    try:
        table = tables.read_xlsx(data, file_name) if file_name.lower().endswith(".xlsx") \
            else tables.read_csv(data, file_name)
        guard.check(table, skip_name_check=set(table.headers))
    except FileRefusedError as refused:
        raise RoundError([refused.problem.message()]) from refused
    headers = {normalise(h): h for h in table.headers}
    lacking = [h for h in FILE_HEADERS if h not in headers]
    if lacking:
        raise RoundError([f"{file_name}: kolumnen {', '.join(lacking)} saknas. {FILE_HELP}"])
    orgs = organisations(con)
    by_name = {normalise(str(k)): c for c, n in zip(orgs["code"], orgs["name"], strict=True) for k in (c, n)}
    base = areas(con)
    area_by = {normalise(str(k)): c for c, n in zip(base["code"], base["name"], strict=True) for k in (c, n)}
    checklist = items(con)
    item_by = {normalise(str(k)): c for c, n in zip(checklist["code"], checklist["label"], strict=True)
               for k in (c, n)}
    item_columns = {h: item_by[n] for n, h in headers.items() if n in item_by}
    unknown = [h for n, h in headers.items() if n not in item_by and n not in FILE_HEADERS]
    found: list[str] = [f"{file_name}: kolumnen {h!r} är ingen fråga i checklistan." for h in unknown]
    frame = table.frame()
    rounds: dict[tuple[Week, str], list[tuple[str, str, Any]]] = {}
    for row_number, (_, row) in zip(table.row_numbers, frame.iterrows(), strict=True):
        where = f"{file_name}, rad {row_number}"
        try:
            week = Week.parse(str(row[headers["vecka"]]))
        except ValueError:
            found.append(f"{where}, kolumn 'Vecka': ”{row[headers['vecka']]}” är ingen vecka (skriv t.ex. 2026-W12).")
            continue
        org = by_name.get(normalise(str(row[headers["organisation"]])))
        area = area_by.get(normalise(str(row[headers["område"]])))
        if org is None:
            found.append(f"{where}, kolumn 'Organisation': ”{row[headers['organisation']]}” deltar inte i "
                         "veckorondan.")
        if area is None:
            found.append(f"{where}, kolumn 'Område': ”{row[headers['område']]}” är inget område.")
        if org is None or area is None:
            continue
        for header, item in item_columns.items():
            value = str(row[header]).strip()
            if not value:
                continue
            if _as_score(value) is None:
                found.append(f"{where}, kolumn {header!r}: ”{value}” är inte ett av värdena {SCALE_TEXT}.")
            rounds.setdefault((week, org), []).append((area, item, value))
    if found:
        raise RoundError(found)
    if not rounds:
        raise RoundError([f"{file_name}: inga svar i filen. {FILE_HELP}"])
    return {key: pd.DataFrame(rows, columns=["area_code", "item", "value"]) for key, rows in rounds.items()}


def import_round_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str, by: str, *,
                      today: date | None = None) -> Saved:
    """Save every round in a spreadsheet, all or nothing: answers in the file replace the saved ones (logged),
    answers the file does not hold are kept."""
    rounds = read_round_file(con, data, file_name)
    found = [f"{file_name}, {week.label}, {organisation}: {p}" for (week, organisation), frame in rounds.items()
             for p in problems(con, week, organisation, frame, today=today)]
    if found:
        raise RoundError(found)
    totals = [0, 0, 0]
    with db.write(con):   # every round below joins this one transaction
        for (week, organisation), frame in rounds.items():
            saved = save_round(con, week, organisation, frame, by, replace_all=False, today=today)
            totals = [totals[0] + saved.new, totals[1] + saved.changed, totals[2] + saved.removed]
    return Saved(*totals)
