"""What an import checks rows against: the municipality, its areas, and the vocabularies with their aliases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import shapely
from shapely.ops import unary_union

from lagesbild import geo, queries, vocabulary
from lagesbild.gazetteer import Gazetteer, build
from lagesbild.ingest.values import normalise

OUTSIDE_TOLERANCE_M = 25.0  # boundaries are simplified: a point this close outside still belongs


@dataclass
class Context:
    municipality_name: str
    municipality_code: str
    today: date
    areas: pd.DataFrame              # id, code, name, kind, population
    shapes: list[Any]                # area polygons in SWEREF 99 TM, aligned with `areas`
    outline: object | None           # the union of the areas (SWEREF 99 TM), if any
    categories: dict[str, int | None]
    risk_factors: dict[str, int | None]
    sources: dict[str, int]
    category_codes: dict[int, str]
    store_free_text: bool = False
    gazetteer: Gazetteer | None = None  # place names -> areas, for event texts without a point (lagesbild.gazetteer)

    def area_lookup(self) -> dict[str, int]:
        """Normalised area code or name -> area id."""
        lookup = {normalise(n): i for i, n in zip(self.areas["id"], self.areas["name"], strict=True)}
        lookup |= {normalise(c): i for i, c in zip(self.areas["id"], self.areas["code"], strict=True)}
        return lookup

    def locate(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Area id of each SWEREF point (nearest area within the tolerance), or -1 outside the municipality."""
        if not self.shapes:
            return np.full(len(x), -1, np.int64)
        position = geo.assign_to_polygons(self.shapes, x, y)
        ids = self.areas["id"].to_numpy()
        result = np.where(position >= 0, ids[np.clip(position, 0, None)], -1)
        stray = np.flatnonzero(position < 0)
        for index in stray:  # few: points on a boundary's simplified edge
            point = shapely.Point(x[index], y[index])
            distances = [shape.distance(point) for shape in self.shapes]
            nearest = int(np.argmin(distances))
            if distances[nearest] <= OUTSIDE_TOLERANCE_M:
                result[index] = ids[nearest]
        return result


def _labels(items: Sequence[vocabulary.Category] | Sequence[vocabulary.RiskFactor], extra: dict[str, str | None],
            aliases: dict[str, str | None]) -> dict[str, int | None]:
    by_code = {item.code: item.id for item in items}
    lookup: dict[str, int | None] = {}
    for item in items:
        lookup[normalise(item.code)] = item.id
        lookup[normalise(item.label)] = item.id
    for alias, code in {**extra, **aliases}.items():
        lookup[normalise(alias)] = None if code is None else by_code.get(code)
    return lookup


def load_context(con: duckdb.DuckDBPyConnection, today: date | None = None,
                 store_free_text: bool = False) -> Context:
    """Everything needed to check rows, read from the database."""
    meta = dict(queries.rows(con, "SELECT key, value FROM meta"))
    areas = queries.frame(con, "SELECT id, code, name, kind, population, geojson FROM active_areas ORDER BY id")
    shapes = geo.sweref_geometries(areas["geojson"])
    aliases = queries.frame(con, "SELECT kind, alias, target_code FROM value_aliases")

    def alias_map(kind: str) -> dict[str, str | None]:
        chosen = aliases[aliases["kind"] == kind]
        return {a: (None if pd.isna(t) else t) for a, t in zip(chosen["alias"], chosen["target_code"], strict=True)}

    categories = [vocabulary.Category(*r) for r in queries.rows(
        con, "SELECT id, code, label, category_group, harm_weight FROM categories")]
    risks = [vocabulary.RiskFactor(*r) for r in queries.rows(con, "SELECT id, code, label, domain FROM risk_factors")]
    sources = queries.rows(con, "SELECT id, code, label FROM sources")
    source_lookup = {normalise(code): sid for sid, code, _ in sources} | {normalise(lab): sid for sid, _, lab in sources}
    source_lookup |= {normalise(a): next((s for s, c, _ in sources if c == t), None)
                      for a, t in alias_map("source").items() if t}
    return Context(
        municipality_name=meta.get("municipality_name", ""),
        municipality_code=meta.get("municipality_code", ""),
        today=today or date.today(),
        areas=areas.drop(columns=["geojson"]),
        shapes=shapes,
        outline=unary_union(shapes).buffer(OUTSIDE_TOLERANCE_M) if shapes else None,
        categories=_labels(categories, vocabulary.STANDARD_CATEGORY_ALIASES, alias_map("category")),
        risk_factors=_labels(risks, {}, alias_map("risk_factor")),
        sources=source_lookup,
        category_codes={c.id: c.code for c in categories},
        store_free_text=store_free_text,
        gazetteer=build(queries.rows(con, "SELECT id, name FROM areas ORDER BY id"),  # every division's names
                        queries.rows(con, "SELECT name, area_id FROM place_names"), meta.get("municipality_name", ""),
                        queries.rows(con, "SELECT area_id, part_id FROM area_parts WHERE area_id <> part_id")),
    )
