"""Area boundaries (GeoJSON, GeoPackage, zipped Shapefile) and population tables per area.

Boundaries may come in WGS84, SWEREF 99 TM, a SWEREF 99 local zone or RT 90. The CRS is read from the file;
when it is missing it is detected from the coordinate ranges, and when even that is ambiguous (the local
zones share their ranges) the caller must say which (`crs`). Only the areas of the database's municipality
are kept; a file covering the whole country yields just those.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Hashable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from lagesbild import formatting, geo
from lagesbild.ingest import archives, guard
from lagesbild.ingest.columns import POPULATION_FIELDS, guess_mapping, header_key
from lagesbild.ingest.context import Context
from lagesbild.ingest.limits import AREA_DISTANCE_M, MAX_AREA_POPULATION
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.store import (
    ImportResult,
    next_free_id,
    next_import_id,
    record_import,
    refresh_population,
    transaction,
)
from lagesbild.ingest.tables import Table
from lagesbild.ingest.values import normalise, parse_number

CODE_COLUMNS = ("deso", "desokod", "regsokod", "regso_kod", "kom_kod", "knkod", "kommunkod", "kod", "code",
                "områdeskod", "omradeskod", "id")
NAME_COLUMNS = ("namn", "name", "regsonamn", "regso", "knnamn", "kommunnamn", "kom_namn", "områdesnamn",
                "omrade", "område")
POPULATION_COLUMNS = ("befolkning", "population", "folkmängd", "folkmangd", "invånare", "total")
DESO = re.compile(r"^\d{4}[ABC]\d{4}$")
REGSO = re.compile(r"^\d{4}R\d{3}$")
LOCAL_ZONES = {f"EPSG:{code}" for code in range(3007, 3019)}


@dataclass
class PreparedAreas:
    file_name: str
    frame: gpd.GeoDataFrame  # code, name, kind, population, geometry (EPSG:4326)
    division: str
    rows_read: int
    ignored: dict[str, int] = field(default_factory=dict)


LAYER_SUFFIXES = (".shp", ".gpkg", ".geojson")


def _read_layers(data: bytes, file_name: str) -> list[gpd.GeoDataFrame]:
    """The layers of a boundary file. A zip's shapefiles, GeoPackages and GeoJSON files are read by GDAL inside
    the archive (nothing is unpacked to disk), once `archives.members` has checked the whole archive."""
    suffix = Path(file_name).suffix.lower()
    chains = sorted(archives.members(data, file_name)) if suffix == ".zip" else []
    present = set(chains)
    wanted = [chain for kind in LAYER_SUFFIXES for chain in chains if chain[-1].lower().endswith(kind)]
    if suffix == ".zip" and not wanted:
        raise FileRefusedError(Problem(file_name, None, None, None, "unknown_format",
                                       "zip-filen innehåller ingen shapefil, GeoPackage eller GeoJSON"))
    with tempfile.TemporaryDirectory() as folder:
        upload = Path(folder) / ("upload" + suffix)  # the file as it came: GDAL knows a GeoPackage by its suffix
        upload.write_bytes(data)
        if suffix != ".zip":
            return [_read_layer(str(upload), file_name)]
        layers = []
        for chain in wanted:
            codepage = (*chain[:-1], str(PurePosixPath(chain[-1]).with_suffix(".cpg")))
            # Swedish DBFs without a .cpg are Windows-1252
            encoding = "cp1252" if chain[-1].lower().endswith(".shp") and codepage not in present else None
            layers.append(_read_layer(archives.vsi_path(upload, chain), file_name, encoding))
        return layers


def _read_layer(path: str, file_name: str, encoding: str | None = None) -> gpd.GeoDataFrame:
    """One layer read by pyogrio; anything it cannot read refuses the file."""
    try:
        frame: gpd.GeoDataFrame = pyogrio.read_dataframe(path, encoding=encoding)
    except Exception as exc:  # pyogrio raises many kinds; all mean "cannot read"
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", str(exc)[:200])) from None
    return frame


def detect_crs(frame: gpd.GeoDataFrame) -> str | None:
    """The CRS a layer's coordinate ranges imply, or None when they are ambiguous."""
    minx, miny, maxx, maxy = frame.total_bounds
    if minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90:
        return geo.WGS84
    if miny >= 6_100_000 and maxy <= 7_700_000:
        if minx >= 250_000 and maxx <= 930_000:
            return geo.SWEREF99TM
        if minx >= 1_180_000 and maxx <= 1_900_000:
            return geo.RT90
    return None


def _column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    keys = {header_key(c): c for c in frame.columns if c != "geometry"}
    return next((keys[header_key(c)] for c in candidates if header_key(c) in keys), None)


def _feature_number(index: pd.Index, label: Hashable) -> int:
    """The 1-based position of a feature in its layer, as the coordinator would count them."""
    return int(index.get_loc(label)) + 1


def _check_populations(part: pd.DataFrame, index: pd.Index, column: str | None, file_name: str) -> None:
    """Refuse a boundary file whose population for an area is negative or implausibly large."""
    if column is None:
        return
    values = part["population"].to_numpy(float)
    wrong = ~np.isnan(values) & ((values < 0) | ~np.isfinite(values) | (values > MAX_AREA_POPULATION))
    if wrong.any():
        label = part.index[np.flatnonzero(wrong)[0]]
        value = part.at[label, "population"]
        code = "bad_population" if value < 0 else "implausible_population"
        raise FileRefusedError(Problem(file_name, _feature_number(index, label), column, str(part.at[label, column]),
                                       code, formatting.number(value) if np.isfinite(value) else str(value)))


def _check_places(part: gpd.GeoDataFrame, index: pd.Index, column: str | None, ctx: Context,
                  file_name: str) -> None:
    """Refuse areas whose code names another municipality, or that lie far from the municipality's areas."""
    for label, code in part["code"].items():
        if (DESO.match(code) or REGSO.match(code)) and not code.startswith(ctx.municipality_code):
            raise FileRefusedError(Problem(file_name, _feature_number(index, label), column, code,
                                           "area_code_elsewhere", code[:4]))
    if ctx.outline is None:
        return
    distance = part.to_crs(geo.SWEREF99TM).distance(ctx.outline)
    far = distance > AREA_DISTANCE_M
    if far.any():
        label = far[far].index[0]
        raise FileRefusedError(Problem(file_name, _feature_number(index, label), column, part.at[label, "code"],
                                       "area_far_away", f"{distance[label] / 1000:.0f} km"))


def _codes(values: pd.Series) -> pd.Series:
    text = values.astype(str).str.strip().str.replace(r"\.0$", "", regex=True)
    return text.where(~text.str.fullmatch(r"\d{1,3}"), text.str.zfill(4))


def prepare_areas(data: bytes, file_name: str, ctx: Context, *, crs: str | None = None,
                  division: str | None = None) -> PreparedAreas:
    """The areas of this municipality in a boundary file, in WGS84."""
    if not data.strip():
        raise FileRefusedError(Problem(file_name, None, None, None, "empty_file"))
    if not ctx.municipality_code:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_municipality"))
    guard.check_option(file_name, "indelning", division)
    chosen, read, seen = [], 0, set()
    for layer in _read_layers(data, file_name):
        read += len(layer)
        code_column = _column(layer, CODE_COLUMNS)
        name_column = _column(layer, NAME_COLUMNS)
        if code_column is None and name_column is None:
            continue
        codes = _codes(layer[code_column]) if code_column else pd.Series([""] * len(layer), index=layer.index)
        names = layer[name_column].astype(str).str.strip() if name_column else codes
        municipality_column = _column(layer, ("kommun", "kommunkod", "kom_kod", "knkod"))
        owner = _codes(layer[municipality_column]) if municipality_column else codes.str[:4]
        here = (owner == ctx.municipality_code) | (codes == ctx.municipality_code) | (
            names.map(normalise) == normalise(ctx.municipality_name))
        seen |= set(names[~here].head(5))
        if not here.any():
            continue
        part = layer.loc[here].copy()
        part["code"] = codes[here].where(codes[here] != "", names[here])
        part["name"] = names[here]
        population_column = _column(layer, POPULATION_COLUMNS)
        part["population"] = (pd.to_numeric(part[population_column], errors="coerce")
                              if population_column else np.nan)
        _check_populations(part, layer.index, population_column, file_name)
        version_column = _column(layer, ("version", "indelning"))
        part["version"] = part[version_column].astype(str) if version_column else ""
        for header, stored in ((code_column, "code"), (name_column, "name"), (version_column, "version")):
            if header:  # what is stored of the file: codes, names, the version label
                guard.check_column(file_name, header, part[stored].tolist(), (part.index + 1).tolist(), guard.PLACE)
        if part.crs is None or (part.crs.to_string() == geo.WGS84 and detect_crs(part) != geo.WGS84):
            found = crs or detect_crs(part)
            if found is None:
                raise FileRefusedError(Problem(file_name, None, None, None, "crs_unknown",
                                          "ange koordinatsystem, t.ex. en av SWEREF 99-zonerna"))
            part = part.set_crs(found, allow_override=True)
        _check_places(part, layer.index, code_column or name_column, ctx, file_name)
        chosen.append(part[["code", "name", "population", "version", "geometry"]].to_crs(geo.WGS84))
    if not chosen:
        detail = formatting.municipality(ctx.municipality_name)
        if seen:
            detail += " (filen innehåller t.ex. " + ", ".join(sorted(seen)[:5]) + ")"
        raise FileRefusedError(Problem(file_name, None, None, None, "no_areas_here", detail))
    frame = pd.concat(chosen, ignore_index=True)
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=geo.WGS84)
    frame["geometry"] = frame.geometry.make_valid()
    merged = frame.dissolve(by="code", aggfunc={"name": "first", "population": "max", "version": "first"})
    merged = merged.reset_index()
    merged["kind"] = np.where(merged["code"].str.match(DESO.pattern), "DeSO",
                              np.where(merged["code"].str.match(REGSO.pattern), "RegSO", "custom"))
    version = next((v for v in merged["version"] if v and v != "nan"), "")
    if division:
        label = division
    elif list(merged["code"]) == [ctx.municipality_code]:
        label = "Kommungräns"
    else:
        label = " ".join(x for x in (str(merged["kind"].iloc[0]), version) if x)
    return PreparedAreas(file_name, merged, label, read, {"områden i andra kommuner": read - len(frame)})


def store_areas(con: duckdb.DuckDBPyConnection, prepared: PreparedAreas, *, sha256: str, imported_by: str,
                dry_run: bool = False) -> ImportResult:
    """Add the areas in one transaction; an area already there (same code and division) is a duplicate."""
    frame = prepared.frame
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "areas",
                          rows_read=prepared.rows_read, ignored=prepared.ignored,
                          rows_ignored=sum(prepared.ignored.values()))
    metric = frame.to_crs(geo.SWEREF99TM)
    with transaction(con, dry_run=dry_run) as cur:
        existing = {row[0] for row in cur.execute("SELECT code FROM areas WHERE division = ?",
                                                  [prepared.division]).fetchall()}
        fresh = [i for i, code in enumerate(frame["code"]) if code not in existing]
        result.rows_stored = len(fresh)
        result.rows_duplicate = len(frame) - len(fresh)
        if dry_run:
            return result
        import_id = next_import_id(cur)
        next_id = next_free_id(cur, "areas", len(fresh))
        first_areas = cur.execute("SELECT count(*) FROM areas").fetchall()[0][0] == 0
        for offset, index in enumerate(fresh):
            geometry = shapely.set_precision(frame.geometry.iloc[index], 1e-6)
            point = metric.geometry.iloc[index].representative_point()
            lon, lat = geo.to_wgs84(np.array([point.x]), np.array([point.y]))
            population = frame["population"].iloc[index]
            population = None if pd.isna(population) else int(population)
            cur.execute(
                "INSERT INTO areas (id, code, name, kind, division, population, area_km2, geojson,"
                " centroid_lon, centroid_lat, import_id, base_population)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [next_id + offset, frame["code"].iloc[index], frame["name"].iloc[index],
                 frame["kind"].iloc[index], prepared.division, population,
                 float(metric.geometry.iloc[index].area / 1e6), shapely.to_geojson(geometry),
                 float(lon[0]), float(lat[0]), import_id, population],
            )
        if first_areas:
            cur.execute("INSERT OR REPLACE INTO meta VALUES ('division', ?)", [prepared.division])
        if fresh:  # names from a key table imported before, and the groupings' areas (lagesbild.divisions)
            from lagesbild import divisions

            divisions.rebuild_all(cur)
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result


# Population tables -------------------------------------------------------------------------------------------

_YEAR = re.compile(r"(?:^|\D)((?:19|20)\d{2})(?:\D|$)")
_REGION = re.compile(r"^(.*?)\s*\((.+)\)\s*$")  # "Sölvesborg (Falkvik)"
TOTAL_WORDS = {"totalt", "total", "samtliga", "summa", "båda könen", "alla"}


@dataclass
class PreparedPopulation:
    file_name: str
    rows: pd.DataFrame  # row, area_id, year, population
    rows_read: int
    problems: list[Problem]
    rejected_rows: set[int]
    ignored: dict[str, int]


def looks_like_population(table: Table) -> bool:
    """Whether a table names areas and a population (by header, or by year columns of counts)."""
    mapping = guess_mapping(table.headers, POPULATION_FIELDS)
    return bool(mapping.get("area")) and (bool(mapping.get("population")) or bool(_year_columns(table.headers)))


def _year_columns(headers: list[str]) -> dict[str, int]:
    found = {}
    for header in headers:
        key = header_key(header)
        match = _YEAR.search(key)
        if match and any(word in key for word in ("antal", "folkmängd", "befolkning", "population", "invånare")):
            found[header] = int(match.group(1))
        elif re.fullmatch(r"(19|20)\d{2}", key):
            found[header] = int(key)
    return found


def prepare_population(table: Table, ctx: Context, year: int | None = None) -> PreparedPopulation:
    """Population per area and year from a table; rows of other municipalities are left out."""
    name = table.file_name
    mapping = guess_mapping(table.headers, POPULATION_FIELDS)
    area_column, population_column = mapping.get("area"), mapping.get("population")
    if not area_column:
        raise FileRefusedError(Problem(name, None, None, None, "missing_column", "område (kod eller namn)"))
    guard.check(table, skip_name_check={area_column}, known_headers={h for h in mapping.values() if h})
    years = _year_columns(table.headers)
    if not years:
        if not population_column:
            raise FileRefusedError(Problem(name, None, None, None, "missing_column", "befolkning"))
        if year is None:  # never silently "this year": a 2023 table stored as 2026 would skew every rate
            raise FileRefusedError(Problem(name, None, population_column, None, "no_year", population_column))
        years = {population_column: year}
    frame = pd.DataFrame(table.rows, columns=table.headers, dtype="string").fillna("")
    numbers = np.asarray(table.row_numbers)
    keep = np.ones(len(frame), bool)
    for header in table.headers:  # keep the "totalt" rows of breakdown columns (sex, country of birth, …)
        if header in years or header == area_column:
            continue
        values = frame[header].str.strip().str.lower()
        if values.isin(TOTAL_WORDS).any():
            keep &= values.isin(TOTAL_WORDS).to_numpy()
    lookup = ctx.area_lookup()
    problems: list[Problem] = []
    rejected: set[int] = set()
    ignored: dict[str, int] = {}
    records: list[tuple[int, int, int, int]] = []
    for number, found in table.long_rows or []:
        problems.append(Problem(name, number, None, None, "long_row", str(found)))
        rejected.add(number)
    for index in np.flatnonzero(keep):
        raw = frame[area_column].iloc[index].strip()
        municipality, area = _split_region(raw)
        code_like = re.fullmatch(r"\d{4}[A-Z]?\d*", raw)
        other = (code_like and not raw.startswith(ctx.municipality_code)) or (
            municipality and normalise(municipality) != normalise(ctx.municipality_name))
        if other:
            ignored["rader för andra kommuner"] = ignored.get("rader för andra kommuner", 0) + 1
            continue
        area_id = lookup.get(normalise(area))
        if area_id is None:
            problems.append(Problem(name, int(numbers[index]), area_column, raw, "unknown_area"))
            rejected.add(int(numbers[index]))
            continue
        for header, when in years.items():
            text = frame[header].iloc[index]
            try:
                value = parse_number(text)
            except ValueError:
                value = -1.0
            if value is None:
                continue
            if value < 0 or not float(value).is_integer():
                problems.append(Problem(name, int(numbers[index]), header, text, "bad_population"))
                rejected.add(int(numbers[index]))
                continue
            if value > MAX_AREA_POPULATION:
                problems.append(Problem(name, int(numbers[index]), header, text, "implausible_population",
                                        formatting.number(value)))
                rejected.add(int(numbers[index]))
                continue
            records.append((int(numbers[index]), int(area_id), when, int(value)))
    not_total = int((~keep).sum())
    if not_total:
        ignored["delsummor (t.ex. per kön eller födelseland)"] = not_total
    rows = pd.DataFrame(records, columns=["row", "area_id", "year", "population"])
    rows = rows[~rows["row"].isin(rejected)]
    return PreparedPopulation(name, rows, len(frame), problems, rejected, ignored)


def _split_region(text: str) -> tuple[str | None, str]:
    match = _REGION.match(text)
    return (match.group(1), match.group(2)) if match else (None, text)


def store_population(con: duckdb.DuckDBPyConnection, prepared: PreparedPopulation, *, sha256: str,
                     imported_by: str, on_error: str = "skip", dry_run: bool = False) -> ImportResult:
    """Record population per area and year in one transaction; the same values again are duplicates."""
    result = ImportResult(None, "dry-run" if dry_run else "stored", prepared.file_name, "population",
                          rows_read=prepared.rows_read, rows_rejected=len(prepared.rejected_rows),
                          problems=prepared.problems, ignored=prepared.ignored,
                          rows_ignored=sum(prepared.ignored.values()))
    if result.refuse_if_rows_rejected(on_error):
        return result
    with transaction(con, dry_run=dry_run) as cur:
        cur.register("staged_population", prepared.rows)
        fresh = cur.execute(
            "SELECT s.* FROM staged_population s WHERE s.population IS DISTINCT FROM (SELECT p.population"
            " FROM area_population p WHERE p.area_id = s.area_id AND p.year = s.year"
            " ORDER BY p.import_id DESC LIMIT 1)").df()
        result.rows_stored = len(fresh)
        result.rows_duplicate = len(prepared.rows) - len(fresh)
        if dry_run:
            return result
        import_id = next_import_id(cur)
        fresh["import_id"] = import_id
        cur.register("fresh_population", fresh)
        cur.execute("INSERT INTO area_population SELECT area_id, year, population, import_id FROM fresh_population")
        refresh_population(cur)
        record_import(cur, import_id, result, sha256=sha256, imported_by=imported_by)
    return result
