"""The first run: which municipality, and what of areas, population and incidents is in the database yet.

Used by `init` on the command line and by the Kom igång page (`app_pages/kom_igang.py`). The municipality comes
from the shipped list of all 290 (`lagesbild/data/kommuner.csv`, `lagesbild.ingest.reference.municipalities`);
its outline from the shipped boundaries (`lagesbild.basemap.municipalities`). A municipality without its own
division into areas gets one area, its outline, imported like any boundary file (so it can be undone and is
listed among the imports); the map then counts incidents in grid squares.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

import duckdb
import shapely

from lagesbild import db, queries

OUTLINE_FILE = "kommungrans.geojson"   # the name the outline import is listed under


@dataclass(frozen=True)
class Choice:
    code: str
    name: str      # the short name, as the demo and `init` store it ("Borlänge")
    county: str


def known() -> dict[str, Choice]:
    """Code -> municipality, all 290, in code order."""
    from lagesbild.ingest.reference import municipalities

    return {code: Choice(code, m.short_name, m.county) for code, m in sorted(municipalities().items())}


def label(code: str) -> str:
    """'2081 Borlänge (Dalarnas län)' for the chooser."""
    found = known()[code]
    return f"{found.code} {found.name} ({found.county})"


def resolve(code: str, name: str | None = None) -> Choice:
    """The municipality for a code: the name from the shipped list unless given. Raises ValueError with a reason
    (a code not of four digits; a code not in the list without a name)."""
    code = code.strip()
    if not (code.isdigit() and len(code) == 4):
        raise ValueError("the municipality code has four digits, e.g. 2081")
    found = known().get(code)
    if found is None and not name:
        raise ValueError(f"{code} is not one of Sweden's 290 municipality codes; give --name to use it anyway")
    return Choice(code, name or (found.name if found else ""), found.county if found else "")


def set_municipality(cur: duckdb.DuckDBPyConnection, choice: Choice) -> None:
    """Store the municipality in `meta`, and the standard vocabulary (categories, risk factors, sources) when the
    database has none yet, as `init` does (inside the caller's write)."""
    from lagesbild import vocabulary

    vocabulary.install(cur)   # keeps what exists: a no-op after `init`
    db.set_meta(cur, "municipality_code", choice.code)
    db.set_meta(cur, "municipality_name", choice.name)


def outline_geojson(code: str, name: str) -> bytes:
    """The municipality's outline from the shipped boundaries as a one-feature GeoJSON file, ready to import as
    the one area (its code is the municipality code, which the area import labels "Kommungräns")."""
    from lagesbild import basemap

    shape = basemap.municipalities()[code].shape
    feature = {"type": "Feature", "properties": {"kod": code, "namn": name},
               "geometry": json.loads(shapely.to_geojson(shape))}
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode("utf-8")


def has_outline(code: str) -> bool:
    from lagesbild import basemap

    return code in basemap.municipalities()


@dataclass(frozen=True)
class Status:
    """What the database holds, for the guide and the pages' empty states."""

    code: str
    name: str
    areas: int
    divisions: tuple[str, ...]
    population: int
    population_areas: int        # active areas with a population figure
    incidents: int
    first_day: date | None
    last_day: date | None
    interventions: int
    synthetic: bool

    @property
    def has_municipality(self) -> bool:
        return bool(self.code)

    @property
    def ready(self) -> bool:
        """Municipality, areas and incidents: the pages have something to show."""
        return self.has_municipality and self.areas > 0 and self.incidents > 0


def status(con: duckdb.DuckDBPyConnection) -> Status:
    code = db.get_meta(con, "municipality_code", "") or ""
    areas, with_population, population = queries.rows(
        con, "SELECT count(*), count(population), coalesce(sum(population), 0) FROM active_areas")[0]
    divisions = tuple(d for (d,) in queries.rows(con, "SELECT DISTINCT division FROM areas ORDER BY division"))
    incidents = queries.rows(con, "SELECT count(*) FROM incidents")[0][0]
    span = queries.data_range(con)
    interventions = queries.rows(con, "SELECT count(*) FROM interventions")[0][0]
    return Status(code, queries.municipality_name(con), int(areas), divisions, int(population), int(with_population),
                  int(incidents), span[0] if span else None, span[1] if span else None, int(interventions),
                  queries.is_synthetic(con))
