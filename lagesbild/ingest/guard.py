"""The privacy guard: a file that holds personal identity numbers or names is refused before anything is stored.

Personal identity numbers (personnummer, and samordningsnummer with day + 60) are recognised by their date
and Luhn check digit, anywhere in any cell, so a number hidden in free text is caught too. Names are
recognised by column header, and by values that look like "Förnamn Efternamn" with a common first name.
"""

from __future__ import annotations

import re

import pandas as pd

from lagesbild.ingest.columns import person_headers
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.tables import Table

_PNR = re.compile(r"(?<![\d-])(?:19|20)?(\d{2})(\d{2})(\d{2})[-+ ]?(\d{4})(?![\d-])")
_NAME = re.compile(r"^[A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäö]+)?(?: [A-ZÅÄÖÉ][a-zåäöéü]+(?:-[A-ZÅÄÖ][a-zåäö]+)?){1,2}$")
FIRST_NAMES = {
    "anna", "eva", "maria", "karin", "sara", "lena", "emma", "kerstin", "elin", "ida", "johanna", "linnea",
    "marie", "ingrid", "hanna", "julia", "malin", "sofia", "elsa", "alice", "maja", "ebba", "wilma", "moa",
    "lars", "anders", "johan", "per", "erik", "karl", "peter", "jan", "thomas", "daniel", "fredrik", "hans",
    "mikael", "bengt", "magnus", "nils", "oskar", "lucas", "william", "liam", "hugo", "elias", "noah", "adam",
    "ali", "mohammed", "ahmed", "fatima", "sven", "olof", "gustav", "axel", "david", "emil", "jonas", "mats",
}


def luhn_ok(digits: str) -> bool:
    """The Luhn check used by Swedish personal identity numbers (on the 10-digit form)."""
    total = 0
    for position, char in enumerate(digits):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def personal_ids_in(text: str) -> list[str]:
    """Valid personal identity numbers found in `text` (10-digit form)."""
    found = []
    for match in _PNR.finditer(text):
        yy, mm, dd, tail = match.groups()
        day = int(dd) - 60 if int(dd) > 60 else int(dd)
        if 1 <= int(mm) <= 12 and 1 <= day <= 31 and luhn_ok(yy + mm + dd + tail):
            found.append(yy + mm + dd + tail)
    return found


def mask(value: str) -> str:
    """A value with every digit run longer than 4 replaced, so messages and logs never carry the number."""
    return re.sub(r"\d{5,}", lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 2), value)


def looks_like_names(values: pd.Series) -> bool:
    """Whether a column's values look like personal names."""
    present = values[values.str.len() > 0].head(2000)
    if len(present) < 3:
        return False
    shaped = present[present.str.match(_NAME)]
    if len(shaped) < 0.3 * len(present):
        return False
    first = shaped.str.split(" ").str[0].str.lower()
    return first.isin(FIRST_NAMES).mean() >= 0.2


def check(table: Table, skip_name_check: set[str] | None = None) -> None:
    """Refuse the file (FileRefusedError) if any column holds personal identity numbers or names."""
    for header in person_headers(table.headers):
        raise FileRefusedError(Problem(table.file_name, None, header, None, "personal_name"))
    frame = pd.DataFrame(table.rows, columns=range(len(table.headers)), dtype="string").fillna("")
    for index, header in enumerate(table.headers):
        column = frame[index]
        candidates = column[column.str.contains(r"\d{6}[-+ ]?\d{4}", regex=True)]  # cheap pre-filter
        for position, value in candidates.items():
            if personal_ids_in(value):
                raise FileRefusedError(Problem(table.file_name, table.row_numbers[position], header, mask(value),
                                          "personal_id"))
        if header not in (skip_name_check or set()) and looks_like_names(column):
            row = column[column.str.match(_NAME)].index[0]
            raise FileRefusedError(Problem(table.file_name, table.row_numbers[row], header, None, "personal_name"))
