"""The municipality's own place names, matched against police event texts to place an event in an area.

Police events carry no place finer than the municipality (its centroid, or from February 2026 the county's), yet
their texts often name one: "Misshandel vid Kupolen", "Brand i lägenhet på Tjärna Ängar". At import, and in memory
only, each event's `name` and `summary` are matched against the names of the municipality's areas (a RegSO name
such as "Kupolen-Norra Backa-Hagalund-Ringen" also gives each of its parts) and the list the coordinator uploads
(CSV `namn;område`, table `place_names`). The text is never stored for this (only when the municipality's
setting for free text says so, as before).

Careful matching, because a wrong area is worse than none:
- whole words only ("Ringen" is not found in "Ringenäs" or "Ringens"), case-insensitive with å, ä, ö kept apart
  from a, o (so "Ängar" is not "Angar"), except that the first letter must be a capital as in a proper name
  ("TJÄRNA ÄNGAR" and "Tjärna ängar" are found; "ringen", "centrum" as common nouns are not); runs of spaces in
  a name match any white space;
- the longest name first, so "Norra Hagalund" (one area) wins over "Hagalund" (another) in the same text;
- a name that belongs to several areas is ambiguous on its own; an event is placed only when the areas of every
  name found in its text have exactly one area in common ("Repbäcken" alone: not placed; "Repbäcken, Amsberg":
  placed where both are);
- the municipality's own name and names shorter than three letters are never place names;
- names of every division count (DeSO, RegSO, the municipality's own districts): each name stands for the base
  areas (DeSO) it covers (the most specific area when it names nested ones), and the event is placed on the one base area common to all its names, or else on the
  grouped area (a RegSO, a district) whose base areas are exactly those in common. An event placed on a RegSO
  is then counted in the RegSO view and said to be without a place in a DeSO view, never guessed into one DeSO.

A placed event gets its area and precision `area`, and no point: the map shows it in the area's count and colour,
never as a dot or in a 250 m square, so it does not pretend a precision the text does not have.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

MIN_NAME_LENGTH = 3
_SPACE = re.compile(r"\s+")
# A name's parts in SCB's RegSO names ("Kupolen-Norra Backa-Hagalund-Ringen"); a hyphen with letters on both sides
# only, so "Stora Tuna" stays whole.
_PARTS = re.compile(r"(?<=\w)-(?=\w)")


def key(name: str) -> str:
    """A name as compared: lower case (Swedish letters kept), single spaces, no surrounding space."""
    return _SPACE.sub(" ", name.strip()).lower()


@dataclass
class Gazetteer:
    """Normalised place name -> the ids of the areas it names."""

    names: dict[str, frozenset[int]] = field(default_factory=dict)
    # area id -> the base areas it is made of (a base area: itself); areas not listed are base areas
    parts: dict[int, frozenset[int]] = field(default_factory=dict)
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False)

    def add(self, name: str, area_id: int) -> None:
        found = key(name)
        if len(found.replace(" ", "")) < MIN_NAME_LENGTH or not any(c.isalpha() for c in found):
            return
        self.names[found] = self.names.get(found, frozenset()) | {int(area_id)}
        self._pattern = None

    def drop(self, name: str) -> None:
        self.names.pop(key(name), None)
        self._pattern = None

    @property
    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.names:
            ordered = sorted(self.names, key=lambda n: (-len(n), n))  # longest first: alternation takes the first
            body = "|".join(r"\s+".join(re.escape(word) for word in n.split(" ")) for n in ordered)
            self._pattern = re.compile(r"(?<!\w)(?:" + body + r")(?!\w)", re.IGNORECASE)
        return self._pattern

    def found(self, text: str) -> list[str]:
        """The names found in a text, each once, in the order they first appear."""
        if not text or self.pattern is None:
            return []
        seen: dict[str, None] = {}
        for match in self.pattern.finditer(text):
            if match.group(0)[0].islower():  # "ringen", "centrum": a common noun, not the proper name
                continue
            seen[key(match.group(0))] = None
        return list(seen)

    def place(self, *texts: str | None) -> tuple[int | None, str]:
        """(area id, outcome) for an event's texts: outcome 'placed', 'ambiguous' (names found but no single
        area common to them all) or 'none' (no name found)."""
        names = [n for text in texts if text for n in self.found(text)]
        if not names:
            return None, "none"
        common: frozenset[int] | None = None
        for name in names:
            covered = self._covered(self.names[name])
            common = covered if common is None else common & covered
        if common is not None and len(common) == 1:
            return next(iter(common)), "placed"
        group = self._group_of(common) if common else None
        return (group, "placed") if group is not None else (None, "ambiguous")

    def _covered(self, areas: frozenset[int]) -> frozenset[int]:
        """The base areas a name stands for: those of the areas it names, the most specific when they nest (a
        DeSO renamed "Kupolen" inside the RegSO "Kupolen-Ringen": that DeSO)."""
        of = {a: self.parts.get(a, frozenset({a})) for a in areas}
        specific = [a for a in areas if not any(b != a and of[b] < of[a] for b in areas)]
        return frozenset().union(*(of[a] for a in specific))

    def _group_of(self, base: frozenset[int]) -> int | None:
        """The grouped area made of exactly these base areas (the lowest id when divisions share a group)."""
        return min((g for g, members in self.parts.items() if members == base and g not in base), default=None)


def build(areas: Iterable[tuple[int, object]], place_names: Iterable[tuple[str, int]] = (),
          municipality: str = "", parts: Iterable[tuple[int, int]] = ()) -> Gazetteer:
    """The gazetteer of a municipality: each area's name and its hyphenated parts, then the uploaded names.
    `parts` pairs (area id, base area id) of grouped areas (view `area_parts`). The municipality's own name (and
    "X kommun") names no area."""
    gazetteer = Gazetteer()
    for area_id, part_id in parts:
        gazetteer.parts[int(area_id)] = gazetteer.parts.get(int(area_id), frozenset()) | {int(part_id)}
    for area_id, name in areas:
        if not isinstance(name, str):
            continue
        gazetteer.add(name, area_id)
        pieces = _PARTS.split(name)
        if len(pieces) > 1:
            for piece in pieces:
                gazetteer.add(piece, area_id)
    for name, area_id in place_names:
        gazetteer.add(name, area_id)
    if municipality:
        gazetteer.drop(municipality)
        gazetteer.drop(f"{municipality} kommun")
        gazetteer.drop(f"{municipality}s kommun")
    return gazetteer


# The coordinator's list ----------------------------------------------------------------------------------------

NAME_HEADERS = ("namn", "name", "ortnamn", "plats")
AREA_HEADERS = ("område", "omrade", "area", "områdeskod", "kod")


def read_place_list(data: bytes, file_name: str, areas: Iterable[tuple[int, str, str]]) -> list[tuple[str, int]]:
    """(name, area id) of each row of a CSV `namn;område` (the area by its code or name); the first row that is
    wrong refuses the whole list (FileRefusedError naming file, row, column and reason)."""
    from lagesbild.ingest import guard
    from lagesbild.ingest.problems import FileRefusedError, Problem
    from lagesbild.ingest.tables import read_csv
    from lagesbild.ingest.values import normalise

    table = read_csv(data, file_name)
    lowered = [h.strip().lower() for h in table.headers]
    name_at = next((i for i, h in enumerate(lowered) if h in NAME_HEADERS), None)
    area_at = next((i for i, h in enumerate(lowered) if h in AREA_HEADERS), None)
    if name_at is None or area_at is None:
        raise FileRefusedError(Problem(file_name, None, None, None, "missing_column",
                                       "namn" if name_at is None else "område"))
    lookup: dict[str, int] = {}
    for area_id, code, name in areas:
        lookup[normalise(code)] = int(area_id)
        lookup[normalise(name)] = int(area_id)
    found: list[tuple[str, int]] = []
    for number, row in zip(table.row_numbers, table.rows, strict=True):
        name, area = row[name_at].strip(), row[area_at].strip()
        if not name and not area:
            continue
        if len(key(name).replace(" ", "")) < MIN_NAME_LENGTH:
            raise FileRefusedError(Problem(file_name, number, table.headers[name_at], name, "missing_value",
                                           f"ett ortnamn på minst {MIN_NAME_LENGTH} bokstäver"))
        if (reason := guard.value_reason(name, guard.PLACE)) is not None:  # a person's name or id is no place
            raise FileRefusedError(Problem(file_name, number, table.headers[name_at], None, reason))
        if normalise(area) not in lookup:
            raise FileRefusedError(Problem(file_name, number, table.headers[area_at], area, "unknown_area"))
        found.append((name, lookup[normalise(area)]))
    if not found:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_rows"))
    return found


def replace_place_names(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> int:
    """Store the coordinator's list (CSV `namn;område`, an area of any division by code or name) in place of the
    previous one, all or nothing; returns the number of names. FileRefusedError when any row is wrong: then the
    list stored before is kept. The names place police events imported from now on."""
    from lagesbild import db, queries
    from lagesbild.ingest import guard

    guard.check_file_name(file_name)
    found = read_place_list(data, file_name, queries.rows(con, "SELECT id, code, name FROM areas ORDER BY id"))
    with db.write(con) as cur:
        cur.execute("DELETE FROM place_names")
        cur.executemany("INSERT OR IGNORE INTO place_names VALUES (?, ?, NULL)", [list(p) for p in found])
    return len(found)


def place_names(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """The stored list: (name, the area's name), in Swedish order."""
    from lagesbild import queries

    return [(str(n), str(a)) for n, a in queries.rows(
        con, "SELECT p.name, a.name FROM place_names p JOIN areas a ON a.id = p.area_id"
             " ORDER BY p.name COLLATE sv, a.name COLLATE sv")]
