"""CSV for Swedish Excel: `;` between fields, decimal comma, UTF-8 with BOM, and formula cells neutralised.

A cell that starts with = + - @, a tab or a carriage return would be run as a formula by Excel; it is
prefixed with an apostrophe (numbers, which are written by us, are never touched).
"""

from __future__ import annotations

import csv
import io

import pandas as pd

from lagesbild import formatting
from lagesbild.ingest import guard
from lagesbild.ingest.problems import Problem
from lagesbild.ingest.tables import Table

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """One cell as text that Excel shows but never evaluates."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return (f"{value:.6f}".rstrip("0").rstrip(".")).replace(".", ",")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def excel_csv(frame: pd.DataFrame) -> bytes:
    """The frame as Excel-safe Swedish CSV bytes: numbers as numbers, and a missing number as the text the table
    shows for it ("<5" for a count hidden from a viewer, "–" for a rate that cannot be given)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([safe_cell(c) for c in frame.columns])
    specs = formatting.formats(frame)
    missing = [specs[name].missing if name in specs else "" for name in frame.columns]
    for row in frame.itertuples(index=False):
        writer.writerow([missing[i] if missing[i] and _absent(v) else safe_cell(v) for i, v in enumerate(row)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _absent(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value))


def rejected_rows(table: Table | None, problems: list[Problem], language: str = "sv") -> pd.DataFrame:
    """The rejected rows as they were in the file, with row number and reasons first.

    Personal data never leave through this file either: every personal identity number in any cell is masked,
    and a cell refused as a name is blanked.
    """
    reasons: dict[int, list[str]] = {}
    named: dict[int, set[str]] = {}
    for problem in problems:
        if problem.row is not None:
            text = (f"{problem.column}: " if problem.column else "") + problem.reason(language)
            reasons.setdefault(problem.row, []).append(guard.mask(text))
            if problem.code == "personal_name" and problem.column:
                named.setdefault(problem.row, set()).add(problem.column)
    if table is None:
        return pd.DataFrame({"rad": list(reasons), "fel": [" | ".join(r) for r in reasons.values()]})
    position = {number: i for i, number in enumerate(table.row_numbers)}
    records = []
    for number, texts in sorted(reasons.items()):
        cells = table.rows[position[number]] if number in position else [""] * len(table.headers)
        cells = ["***" if header in named.get(number, ()) and cell else guard.mask(cell)
                 for header, cell in zip(table.headers, cells, strict=False)]
        records.append([number, " | ".join(texts), *cells])
    return pd.DataFrame(records, columns=["rad", "fel", *table.headers])
