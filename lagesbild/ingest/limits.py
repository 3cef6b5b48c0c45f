"""The limits an uploaded file must keep, declared once: each with its value and why it is what it is.

A file past a limit is refused with a reason naming the limit (see `problems.REASONS`), so memory and time
stay bounded whatever arrives. `LIMITS` lists each with the reason for its value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Limit:
    name: str
    value: object
    help: str


MAX_CELL_CHARS = 32_767
MAX_UNCOMPRESSED_BYTES = 256 * 1024 * 1024
MAX_ARCHIVE_DEPTH = 2
MAX_ARCHIVE_MEMBERS = 2_000
MAX_AREA_POPULATION = 10_000_000
EARLIEST_DATE = date(1990, 1, 1)
AREA_DISTANCE_M = 5_000.0

LIMITS = (
    Limit("MAX_CELL_CHARS", MAX_CELL_CHARS,
          "Characters in one cell or field: Excel's own limit, so no real export holds more."),
    Limit("MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES,
          "Bytes an archive (zip, xlsx) may unpack to, all members together: a zip bomb stops here."),
    Limit("MAX_ARCHIVE_DEPTH", MAX_ARCHIVE_DEPTH,
          "Archives inside archives: a zip holding zips (as some agencies ship) is read, deeper nesting is not."),
    Limit("MAX_ARCHIVE_MEMBERS", MAX_ARCHIVE_MEMBERS, "Files in one archive, nested ones included."),
    Limit("MAX_AREA_POPULATION", MAX_AREA_POPULATION,
          "Inhabitants of one area: more than all of Sweden's largest municipality is a typing or unit error."),
    Limit("EARLIEST_DATE", EARLIEST_DATE,
          "Events before this date are refused row by row (a placeholder date like 1900-01-01 or 0001-01-01)."),
    Limit("AREA_DISTANCE_M", AREA_DISTANCE_M,
          "An imported area lying further than this (metres) from the municipality's stored areas is refused."),
)
