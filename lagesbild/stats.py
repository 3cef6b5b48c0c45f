"""Statistics shown beside numbers, so that a change is never presented without its uncertainty."""

from __future__ import annotations

from dataclasses import dataclass

from scipy.stats import binomtest

MIN_EVENTS = 10  # below this many events in both periods together, no verdict is given


@dataclass(frozen=True)
class Change:
    """A change between two counts over periods of equal length, with an exact test of "no change"."""

    current: int
    previous: int
    ratio: float | None  # current / previous, None when previous is 0
    p_value: float | None
    verdict: str  # 'ökning', 'minskning', 'slump', 'för få'

    @property
    def percent(self) -> float | None:
        """Relative change in per cent, None when the previous count is 0."""
        return None if self.ratio is None else (self.ratio - 1.0) * 100.0


def compare_counts(current: int, previous: int, *, exposure_ratio: float = 1.0, alpha: float = 0.05) -> Change:
    """Compare two Poisson counts; `exposure_ratio` is current exposure over previous (days × inhabitants).

    Conditional on the total, the current count is binomial with p = r / (1 + r) under "no change in rate";
    the two-sided exact binomial test gives the p-value (the classic comparison of two Poisson rates).
    """
    ratio = (current / exposure_ratio) / previous if previous else None
    total = current + previous
    if total < MIN_EVENTS:
        return Change(current, previous, ratio, None, "för få")
    p_value = binomtest(current, total, exposure_ratio / (1.0 + exposure_ratio)).pvalue
    if p_value >= alpha:
        verdict = "slump"
    else:
        verdict = "ökning" if current / exposure_ratio > previous else "minskning"
    return Change(current, previous, ratio, float(p_value), verdict)
