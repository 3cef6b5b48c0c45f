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


def suppression_mask(counts: pd.Series, threshold: int) -> pd.Series:
    """Which counts a viewer must not see, so that none can be recovered from a shown total by subtraction.

    Primary: every count from 1 to threshold - 1. Secondary: while the hidden counts are a single cell, or add
    up to less than the threshold, the smallest visible count is hidden as well.
    """
    hidden = is_suppressed(counts, threshold)
    if not hidden.any():
        return hidden
    visible = counts[~hidden & (counts > 0)].sort_values(kind="stable")
    for index in visible.index:
        if hidden.sum() >= 2 and counts[hidden].sum() >= threshold:
            break
        hidden[index] = True
    return hidden
