"""Two years of a synthetic trygghetsmätning for the demo Sölvesborg (issue 15).

The pattern an analyst should find: insecurity outdoors in the evening is highest in the station area
(*Stationsområdet och hamnen*), though few crimes are reported where so few people live; in Sölvesborg centrum
it falls clearly between the two surveys (the demo's new lighting on the path from the station); Pukavik answers
with fewer than 30 people, so its value is flagged and never judged. Shares are drawn as binomial samples of
true shares (seeded, kept within one standard error), so they wobble like real survey shares do; the whole municipality has its own row.
"""

from __future__ import annotations

from datetime import date

import duckdb
import geopandas as gpd
import numpy as np

from lagesbild.ingest.values import normalise

INSECURITY = "Otrygghet utomhus kvällstid"
WORRY = "Oro för brott"
PROBLEM_INDEX = "Problemindex"
RESPONSE_RATE = 0.055                  # answers per inhabitant (the police post to a sample; about half answer)
STATION, CENTRE, SMALL_AREA = "SBG-S", "SBG-C", "PUK"
FIXED_RESPONDENTS = {STATION: (64, 71), SMALL_AREA: (18, 16)}
# True shares (per cent) in the first and second survey; every other area has BASE_SHARE scaled by its risk.
TRUE_INSECURITY = {STATION: (46.0, 51.0), CENTRE: (34.0, 22.0)}
BASE_SHARE = 17.0
SEED_OFFSET = 15


def survey_years(end: date) -> tuple[int, int]:
    """The two survey years: the two full years before the demo's last year."""
    return end.year - 3, end.year - 1


def rows(area_frame: gpd.GeoDataFrame, end: date, seed: int) -> list[list[object]]:
    """(indicator_key, indicator, area_id or None, year, unit, value, respondents, import_id, row_number)."""
    rng = np.random.default_rng(seed + SEED_OFFSET)
    found: list[list[object]] = []
    for survey, year in enumerate(survey_years(end)):
        weighted, answers = {INSECURITY: 0.0, WORRY: 0.0}, 0
        for area in area_frame.itertuples():
            n = FIXED_RESPONDENTS.get(area.code, (0, 0))[survey] or max(30, round(area.population * RESPONSE_RATE))
            insecure = TRUE_INSECURITY.get(area.code, (0.0, 0.0))[survey] or BASE_SHARE * float(area.risk) ** 0.5
            worried = min(60.0, insecure * 0.8 + 6)
            index = 1.2 + insecure / 30
            for indicator, true in ((INSECURITY, insecure), (WORRY, worried)):
                share = _draw(rng, n, true)
                weighted[indicator] += share * n
                found.append([normalise(indicator), indicator, int(area.id), year, "andel", share, n])
            found.append([normalise(PROBLEM_INDEX), PROBLEM_INDEX, int(area.id), year, "index",
                          round(index + rng.normal(0, 0.05), 2), n])
            answers += n
        for indicator, total in weighted.items():
            found.append([normalise(indicator), indicator, None, year, "andel", round(total / answers, 1), answers])
    return [[*row, 1, number] for number, row in enumerate(found, start=2)]


def _draw(rng: np.random.Generator, n: int, true: float) -> float:
    """A sampled share (per cent) within one standard error of the true one: the demo's story should not hang
    on the seed (a tail draw would invent a change the demo did not plant)."""
    error = 100 * (true / 100 * (1 - true / 100) / n) ** 0.5
    for _ in range(50):
        share = 100 * rng.binomial(n, true / 100) / n
        if abs(share - true) <= error:
            break
    return round(share, 1)


def write(cur: duckdb.DuckDBPyConnection, area_frame: gpd.GeoDataFrame, end: date, seed: int) -> int:
    """Store the demo's survey values with the demo import (undone with it); returns how many."""
    found = rows(area_frame, end, seed)
    cur.executemany("INSERT INTO safety_surveys (indicator_key, indicator, area_id, year, unit, value, respondents,"
                    " import_id, row_number) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", found)
    return len(found)
