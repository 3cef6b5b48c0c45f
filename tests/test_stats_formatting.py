"""Changes come with their uncertainty, written the Swedish way."""

from __future__ import annotations

from datetime import date

import pytest

from lagesbild import formatting
from lagesbild.stats import compare_counts


@pytest.mark.parametrize(("current", "previous", "verdict"), [
    (123, 100, "slump"),      # +23 % on these counts is within chance
    (250, 100, "ökning"),
    (40, 100, "minskning"),
    (3, 2, "för få"),
    (0, 0, "för få"),
])
def test_verdicts(current, previous, verdict):
    assert compare_counts(current, previous).verdict == verdict


def test_exposure_is_taken_into_account():
    # Twice the exposure and twice the count is no change at all.
    result = compare_counts(200, 100, exposure_ratio=2.0)
    assert result.verdict == "slump"
    assert result.percent == pytest.approx(0.0)


def test_p_value_matches_textbook_value():
    # Exact conditional test of two Poisson counts, 30 vs 15: two-sided binomial p for 30 of 45 at 0.5.
    assert compare_counts(30, 15).p_value == pytest.approx(0.0357, abs=5e-4)


def test_swedish_numbers_and_changes():
    assert formatting.number(12345.6, 1) == "12\u00a0345,6"
    assert formatting.percent(23.0) == "+23\u00a0%"
    assert formatting.percent(-7.6) == "-8\u00a0%"
    assert formatting.change(compare_counts(123, 100)) == "+23\u00a0% (kan vara slump)"
    assert formatting.change(compare_counts(250, 100)) == "+150\u00a0% (säker ökning)"
    assert formatting.change(compare_counts(5, 0)) == "ny (för få händelser för att säga något)"
    assert formatting.day(date(2024, 3, 5)) == "5 mars 2024"
    assert formatting.number(None) == "–"
