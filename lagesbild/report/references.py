"""The adapter between the report and the reference statistics (`lagesbild.reference`: BRÅ's reported crimes per
municipality, SKR's municipality groups): the one place the report asks for the comparison with similar
municipalities and the country.

The comparison is public statistics per whole municipality (BRÅ does not break it down further), so it needs no
protection. Without reference statistics — or in a build without `lagesbild.reference` — it is None and the
report says that none are imported.
"""

from __future__ import annotations

import importlib
from typing import Protocol

import duckdb
import pandas as pd

from lagesbild import queries


class ReferenceComparison(Protocol):
    """What the report reads of `lagesbild.reference.Comparison`."""

    measure: str
    source: str
    group_name: str
    table: pd.DataFrame   # one row per year: year, own, group_q1, group_median, group_q3, country, group_size
    note: str


def municipality_code(con: duckdb.DuckDBPyConnection) -> str:
    """The municipality's SCB code from the database ('' when not set)."""
    found = queries.rows(con, "SELECT value FROM meta WHERE key = 'municipality_code'")
    return str(found[0][0]) if found else ""


def reference_comparison(con: duckdb.DuckDBPyConnection) -> ReferenceComparison | None:
    """The comparison for the database's municipality, or None when no reference statistics are imported."""
    try:
        reference = importlib.import_module("lagesbild.reference")
    except ModuleNotFoundError:
        return None
    code = municipality_code(con)
    if not code:
        return None
    found: ReferenceComparison | None = reference.comparison(con, code)
    return found
