"""The Åtgärdsplan's follow-ups counted together (`followup.evaluate_all`) give exactly what each follow-up gives
on its own (`followup.evaluate`): every count, month, key, interval, warning and sentence, on a small town with
interventions that target categories, risk factors, everything, and nights that wrap past midnight."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lagesbild import followup
from tests import synthetic

FIRST, LAST = date(2021, 1, 1), date(2026, 10, 31)
BOX = (synthetic.ORIGIN[0] + 6000, synthetic.ORIGIN[1] + 6000, synthetic.ORIGIN[0] + 7000,
       synthetic.ORIGIN[1] + 7000)
NIGHT_BOX = (synthetic.ORIGIN[0] + 1200, synthetic.ORIGIN[1] + 6300, synthetic.ORIGIN[0] + 2100,
             synthetic.ORIGIN[1] + 7400)


def assert_same(ours, theirs, where: str = "") -> None:
    """Field by field, into nested dataclasses; frames compared with their dtypes."""
    if is_dataclass(ours):
        for item in fields(ours):
            assert_same(getattr(ours, item.name), getattr(theirs, item.name), where + "." + item.name)
    elif isinstance(ours, pd.DataFrame):
        pd.testing.assert_frame_equal(ours, theirs, obj=where)
    elif isinstance(ours, float) and ours != ours:
        assert theirs != theirs, where
    else:
        assert ours == theirs, (where, ours, theirs)


@pytest.fixture
def town(tmp_path):
    con = synthetic.make(tmp_path / "plan.duckdb")
    rng = np.random.default_rng(12)
    for category, risks, hour, n in (("skadegorelse", (), 12, 2500), ("misshandel", ("alkoholservering",), 23, 1500),
                                     ("stold", ("bristande_belysning",), 1, 1500), ("klotter", (), 9, 800)):
        x, y = synthetic.uniform(rng, n)
        synthetic.add(con, x, y, synthetic.random_days(rng, n, FIRST, LAST), category=category, risks=risks,
                      hour=hour)
        inside = n // 4   # denser where the interventions are, so their boundaries cut squares with points
        for box in (BOX, NIGHT_BOX):
            synthetic.add(con, rng.uniform(box[0] - 600, box[2] + 600, inside),
                          rng.uniform(box[1] - 600, box[3] + 600, inside),
                          synthetic.random_days(rng, inside, FIRST, LAST), category=category, risks=risks, hour=hour)
    numbers = [
        synthetic.intervene(con, "Egen yta", "NE", date(2025, 3, 1), categories=("skadegorelse", "klotter"), box=BOX),
        synthetic.intervene(con, "Riskfaktor", "SW", date(2024, 6, 15), risks=("bristande_belysning",)),
        synthetic.intervene(con, "Allt", "SE", date(2022, 9, 1)),
        synthetic.intervene(con, "Nätter", "NW", date(2025, 11, 1), categories=("misshandel", "stold"),
                            box=NIGHT_BOX),
        synthetic.intervene(con, "Dagtid", "NE", date(2026, 2, 1), categories=("misshandel",)),
        synthetic.intervene(con, "För tidigt", "SW", date(2027, 1, 1), categories=("stold",)),
    ]
    con.execute("UPDATE interventions SET weekdays = [5, 6], hour_from = 21, hour_to = 3 WHERE id = ?", [numbers[3]])
    con.execute("UPDATE interventions SET weekdays = [1, 2, 3, 4, 5], hour_from = 8, hour_to = 17 WHERE id = ?",
                [numbers[4]])
    con.execute("UPDATE interventions SET end_date = ? WHERE id = ?", [date(2025, 8, 31), numbers[0]])
    yield con, numbers
    con.close()


@pytest.mark.parametrize("options", [followup.Options(), followup.Options(days=120, buffer="adjacent"),
                                     followup.Options(ring_m=300, comparison=("SW", "SE"))])
def test_the_plan_gives_each_intervention_its_own_follow_up(town, options):
    con, numbers = town
    plan = followup.evaluate_all(con, numbers, options)
    assert list(plan) == numbers
    for number in numbers:
        assert_same(plan[number], followup.evaluate(con, number, options), f"intervention {number}")
    # Without the nights that wrap past midnight the plan sums stretches of days instead of days: still equal.
    days = [n for n in numbers if n != numbers[3]]
    for number, result in followup.evaluate_all(con, days, options).items():
        assert_same(result, plan[number], f"intervention {number} without the night one")


def test_incidents_outside_every_area_are_counted_as_one_by_one(town):
    """A point outside all four quadrants has no area of this division: `_tallied` places its whole square
    point by point, and the plan gives the same numbers (by counting those interventions one at a time)."""
    con, numbers = town
    synthetic.add(con, [synthetic.ORIGIN[0] - 40.0] * 3, [synthetic.ORIGIN[1] + 6500.0] * 3,
                  [date(2025, 4, 2)] * 3, category="stold", risks=("bristande_belysning",))
    plan = followup.evaluate_all(con, numbers)
    for number in numbers:
        assert_same(plan[number], followup.evaluate(con, number), f"intervention {number}")


def test_an_empty_plan_is_empty(town):
    con, _ = town
    assert followup.evaluate_all(con, []) == {}
