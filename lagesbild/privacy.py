"""Small-count suppression for what read-only viewers see.

A count below the threshold is shown as "<5" (for threshold 5) and anything derived from it (a rate, a
change) is withheld, so a single incident cannot be singled out.
"""

from __future__ import annotations

import pandas as pd


def suppressed_label(threshold: int) -> str:
    """The text shown instead of a suppressed count, e.g. '<5'."""
    return f"<{threshold}"


def is_suppressed(counts: pd.Series, threshold: int) -> pd.Series:
    """True where a count is positive but below `threshold` (zero reveals nothing about anyone)."""
    return (counts > 0) & (counts < threshold)
