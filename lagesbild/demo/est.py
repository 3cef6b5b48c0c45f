"""The demo's EST weekly rounds: a year of checklists from three organisations over Sölvesborg's areas.

Patterns an analyst would recognise: graffiti and litter high in the town centre; insecurity, dark paths and
gatherings at the station; litter and alcohol among young people at the harbours in summer and in Norje in the
festival weeks; vandalism rising in Sölvesborg norra over the last ten weeks (the trend view finds it). The
police score drugs higher than the others, the housing company litter; the housing company answers only for
the areas where it has flats. Each organisation misses a few weeks, and in the last week the housing company
has not answered yet and the safety hosts not for the countryside.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import numpy as np
import pandas as pd

from lagesbild.demo import places
from lagesbild.est import Week, weeks_between

WEEKS = 52
ORGANISATIONS = ("trygghetsvardar", "polisen", "bostadsbolaget")
HOUSING_AREAS = ("SBG-C", "SBG-F", "SBG-N", "SBG-V", "SBG-S", "MJA")
ITEMS = ("skadegorelse", "klotter", "nedskrapning", "brander", "samlingar", "narkotika", "alkohol", "belysning",
         "otrygghet")
# Typical level (0–3) per area and item; every other pair starts from BACKGROUND.
BACKGROUND = 0.3
LEVELS = {
    "SBG-C": {"klotter": 2.2, "nedskrapning": 2.0, "skadegorelse": 1.3, "narkotika": 1.1, "alkohol": 1.2,
              "samlingar": 1.2, "otrygghet": 1.4, "belysning": 0.5},
    "SBG-S": {"otrygghet": 2.5, "samlingar": 1.6, "narkotika": 1.5, "belysning": 1.9, "klotter": 1.4,
              "nedskrapning": 1.2, "skadegorelse": 0.8},
    "SBG-F": {"samlingar": 1.5, "skadegorelse": 1.1, "brander": 0.9, "klotter": 1.0, "otrygghet": 0.8},
    "SBG-N": {"skadegorelse": 0.5, "klotter": 0.6, "samlingar": 0.7},
    "SBG-V": {"klotter": 0.5, "nedskrapning": 0.5},
    "MJA": {"samlingar": 0.8, "skadegorelse": 0.6},
}
SUMMER = {"HAL": {"nedskrapning": 1.6, "alkohol": 1.0}, "NOG": {"nedskrapning": 1.4, "alkohol": 0.8},
          "HOR": {"nedskrapning": 1.3, "alkohol": 0.7}, "SOL": {"nedskrapning": 1.0}}
FESTIVAL = {"NOR": {"nedskrapning": 2.3, "alkohol": 1.8, "otrygghet": 1.2, "narkotika": 0.9}}
RISE = ("SBG-N", "skadegorelse", 10, 1.8)   # area, item, over the last weeks, rising by
BIAS = {"polisen": {"narkotika": 0.4, "nedskrapning": -0.3, "belysning": -0.3},
        "bostadsbolaget": {"nedskrapning": 0.3, "skadegorelse": 0.3},
        "trygghetsvardar": {"belysning": 0.3}}
SKIPPED_WEEKS = 0.06   # share of weeks an organisation's whole round is missing
NOISE = 0.5


def levels(area_codes: list[str], weeks: list[Week]) -> np.ndarray:
    """The underlying level per week × area × item."""
    found = np.full((len(weeks), len(area_codes), len(ITEMS)), BACKGROUND)
    for a, area in enumerate(area_codes):
        for item, level in LEVELS.get(area, {}).items():
            found[:, a, ITEMS.index(item)] = level
        for w, week in enumerate(weeks):
            summer = week.monday.month in (6, 7, 8)
            festival = (week.monday.month, week.monday.day) >= (6, 1) and (week.monday.month, week.monday.day) <= (7, 15)
            for item, extra in SUMMER.get(area, {}).items():
                found[w, a, ITEMS.index(item)] += extra if summer else 0.0
            for item, extra in FESTIVAL.get(area, {}).items():
                found[w, a, ITEMS.index(item)] += extra if festival else 0.0
    area, item, last, rise = RISE
    if area in area_codes:
        found[-last:, area_codes.index(area), ITEMS.index(item)] += np.linspace(rise / last, rise, last)
    return found


def write(cur: duckdb.DuckDBPyConnection, end: date, seed: int) -> int:
    """Write a year of rounds ending with the week of `end` (inside the demo's transaction); returns the
    number of answers."""
    rng = np.random.default_rng(seed + 15)
    area_codes = [d.code for d in (*places.DISTRICTS, *places.LOCALITIES, *places.COUNTRYSIDE)]
    last = Week.of(end)
    weeks = weeks_between(last.shifted(-(WEEKS - 1)), last)
    level = levels(area_codes, weeks)
    cur.execute("UPDATE est_organisations SET area_codes = ? WHERE code = 'bostadsbolaget'", [list(HOUSING_AREAS)])
    frames = []
    for org in ORGANISATIONS:
        bias = np.array([BIAS[org].get(item, 0.0) for item in ITEMS])
        value = np.clip(np.rint(level + bias + rng.normal(0, NOISE, level.shape)), 0, 3).astype(int)
        answered = np.ones(value.shape, dtype=bool)
        answered[rng.random(len(weeks)) < SKIPPED_WEEKS] = False
        if org == "bostadsbolaget":
            answered[:, [a not in HOUSING_AREAS for a in area_codes]] = False
            answered[-1] = False                                 # has not answered yet this week
        if org == "trygghetsvardar":
            answered[-1, [a.startswith("LAN") for a in area_codes]] = False
        w, a, i = np.nonzero(answered)
        frames.append(pd.DataFrame({
            "iso_year": [weeks[n].year for n in w], "iso_week": [weeks[n].week for n in w], "organisation": org,
            "area_code": np.asarray(area_codes)[a], "item": np.asarray(ITEMS)[i], "value": value[w, a, i],
            "answered_by": "demo", "answered_at": [datetime.combine(weeks[n].sunday, datetime.min.time(), UTC)
                                                   for n in w]}))
    staged = pd.concat(frames, ignore_index=True)
    cur.register("staged_est", staged)
    cur.execute("INSERT INTO est_answers SELECT iso_year, iso_week, organisation, area_code, item, value,"
                " answered_by, answered_at FROM staged_est")
    cur.unregister("staged_est")
    return len(staged)
