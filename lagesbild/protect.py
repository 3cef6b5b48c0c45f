"""What a read-only viewer sees: the one door every number shown to a council member or a shared link passes.

Suppressing small cells inside one table does not protect a tool where viewers choose their own filters: two
views a day apart, or with and without one category, reveal a hidden count by subtraction. So this module
applies the **cell-key method** that Statistics Sweden uses for its grid statistics and the Australian Bureau of
Statistics for TableBuilder:

1. every incident carries a fixed random record key in [0, KEY_SPACE) from the moment it is stored
   (migration 0004);
2. a count's cell key is the sum of its incidents' record keys modulo KEY_SPACE (queries return it beside
   every count, see `key_sql`); the same set of incidents always has the same cell key, two different sets
   have unrelated ones;
3. the count shown is moved by an amount in -2..+2 looked up from the cell key (`NOISE`, `NOISE_PROBABILITY`),
   so repeating a query gives the same number and shifting it by a day gives an unrelated one;
4. a moved count below the threshold (default 5) is shown as "<5"; a true zero stays 0 (no one to protect).

Rates, changes and harm-weighted sums shown to viewers are derived from the moved counts, and withheld where
a count is hidden. Staff (signed in) see exact numbers: `Disclosure(viewer=False)` passes counts through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from lagesbild import formatting
from lagesbild.stats import Change, compare_counts

KEY_SPACE = 65536
NOISE = np.array([-2, -1, 0, 1, 2])
NOISE_PROBABILITY = np.array([0.1, 0.2, 0.4, 0.2, 0.1])
LARGEST_CHANGE = int(np.abs(NOISE).max())
_UPPER = np.cumsum(NOISE_PROBABILITY)
_UPPER[-1] = 1.0 + 1e-9

VIEWER_NOTICE = (f"Små tal är justerade för att skydda enskilda: varje antal kan vara flyttat med upp till "
                 f"±{LARGEST_CHANGE}, och antal under 5 visas som ”<5”. Inloggad personal ser exakta tal.")


def key_sql(condition: str = "", alias: str = "i") -> str:
    """The SQL aggregate of a count's cell key (constant text: `condition` is a fixed SQL fragment, no values)."""
    only = " FILTER (WHERE " + condition + ")" if condition else ""
    return "CAST(coalesce(sum(" + alias + ".cell_key)" + only + ", 0) % " + str(KEY_SPACE) + " AS INTEGER)"


def combine_keys(keys: ArrayLike) -> int:
    """The cell key of a union of disjoint sets: the sum of their keys modulo KEY_SPACE."""
    return int(np.sum(np.asarray(keys, dtype=np.int64)) % KEY_SPACE)


def seeded_keys(ids: ArrayLike, seed: int) -> NDArray[np.int32]:
    """Record keys that follow from ids and a seed (splitmix64): for the reproducible demo and for tests.
    Real imports draw theirs at random when stored (the column's default)."""
    with np.errstate(over="ignore"):
        x = np.asarray(ids, dtype=np.uint64) + np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15)
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return (x % np.uint64(KEY_SPACE)).astype(np.int32)


def noise(keys: ArrayLike) -> NDArray[np.int64]:
    """The amount each count is moved by, fixed by its cell key."""
    position = (np.asarray(keys, dtype=np.int64) % KEY_SPACE + 0.5) / KEY_SPACE
    return NOISE[np.searchsorted(_UPPER, position, side="right")]


@dataclass(frozen=True)
class Disclosure:
    """Who is looking, and so what they may see. Hashable: it is part of every cache key of a shown result."""

    viewer: bool = False
    threshold: int = 5

    @property
    def hidden_label(self) -> str:
        return f"<{self.threshold}"

    def counts(self, counts: ArrayLike, keys: ArrayLike) -> NDArray[np.float64]:
        """Counts as a viewer may see them: moved by their cell keys, NaN where hidden ("<5"); exact for staff."""
        exact = np.asarray(counts, dtype=float)
        if not self.viewer:
            return exact
        moved = exact + noise(np.asarray(keys, dtype=np.int64))
        return np.where(exact <= 0, 0.0, np.where(moved < self.threshold, np.nan, moved))

    def moved(self, counts: ArrayLike, keys: ArrayLike) -> NDArray[np.float64]:
        """Counts moved by their cell keys but not hidden: for judging a verdict on, never for showing."""
        exact = np.asarray(counts, dtype=float)
        if not self.viewer:
            return exact
        return np.where(exact <= 0, 0.0, np.maximum(exact + noise(np.asarray(keys, dtype=np.int64)), 0.0))

    def count(self, count: float, key: int) -> float:
        """One count as a viewer may see it (NaN when hidden)."""
        return float(self.counts([count], [key])[0])

    def harm(self, harm: ArrayLike, counts: ArrayLike, shown: ArrayLike, keys: ArrayLike) -> NDArray[np.float64]:
        """Harm-weighted sums as a viewer may see them: the set's mean weight times its shown count moved once
        more by a second amount from the same cell key. Without that second move, shown harm over shown count
        would be the exact mean weight, and the mean weight of a small set can give its categories away."""
        total, count, seen = (np.asarray(a, dtype=np.float64) for a in (harm, counts, shown))
        if not self.viewer:
            return total
        mean = np.divide(total, count, out=np.zeros_like(total), where=count > 0)
        second = noise((np.asarray(keys, dtype=np.int64) * 40503 + 12345) % KEY_SPACE)
        return np.round(mean * np.maximum(seen + second, 0))

    def change(self, current: float, previous: float, *, exposure_ratio: float = 1.0) -> Change | None:
        """The change between two shown counts, or None when either is hidden."""
        if math.isnan(current) or math.isnan(previous):
            return None
        return compare_counts(int(current), int(previous), exposure_ratio=exposure_ratio)

    def text(self, value: float | None, decimals: int = 0) -> str:
        """A shown count (or a value derived from one) as Swedish text; '<5' where hidden."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return self.hidden_label
        return formatting.number(value, decimals)

    def derived(self, value: float | None, decimals: int = 1) -> str:
        """A rate or share derived from a shown count; '–' where the count is hidden."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        return formatting.number(value, decimals)

    def frame(self, frame: pd.DataFrame, count: str = "count", key: str = "ckey") -> pd.Series:
        """The shown counts of a frame's `count` column, keyed by its `key` column."""
        return pd.Series(self.counts(frame[count], frame[key]), index=frame.index)


STAFF = Disclosure(viewer=False)
