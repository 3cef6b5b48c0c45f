"""The adapter between the report and the reference statistics (`lagesbild.reference`: BRÅ's reported crimes per
municipality against the SKR municipality group and the country): the one place the report asks for the
comparison with similar municipalities, as the overview's section does (`lagesbild.ui.reference_view`).

The comparison is public statistics per whole municipality (BRÅ does not break it down further), so no
disclosure control applies. Without reference statistics, or without a known municipality code, it is None and
the report says that none are imported.
"""

from __future__ import annotations

import duckdb

from lagesbild import db, reference
from lagesbild.ingest.reference import municipalities

ReferenceComparison = reference.Comparison


def reference_comparison(con: duckdb.DuckDBPyConnection) -> reference.Comparison | None:
    """The comparison for the database's municipality, or None when there is nothing to compare."""
    code = db.get_meta(con, "municipality_code") or ""
    if code not in municipalities():
        return None
    return reference.comparison(con, code)
