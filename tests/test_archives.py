"""Boundary files in zip archives: GDAL (pyogrio) reads the layers inside the archive, and only once the whole
archive has passed the checks that keep a hostile zip from taking the machine."""

from __future__ import annotations

import io
import json
import struct
import zipfile
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from lagesbild import geo
from lagesbild.ingest import ImportOptions, archives, import_bytes
from tests import synthetic
from tests.ingest_helpers import fingerprint

TEST = ImportOptions(division="Test")


@pytest.fixture
def town(tmp_path):
    con = synthetic.make(tmp_path / "s.duckdb")
    yield con
    con.close()


def squares(names: list[str], first: int = 1) -> gpd.GeoDataFrame:
    """One 1 km square per name, side by side inside the synthetic municipality (SWEREF 99 TM)."""
    x0, y0 = synthetic.ORIGIN[0] + 1000, synthetic.ORIGIN[1] + 1000
    return gpd.GeoDataFrame(
        {"kod": [f"9999X{first + i:02d}" for i in range(len(names))], "namn": names, "kommun": "9999"},
        geometry=[shapely.box(x0 + 1500 * i, y0, x0 + 1500 * i + 1000, y0 + 1000) for i in range(len(names))],
        crs=geo.SWEREF99TM)


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def layer_files(frame: gpd.GeoDataFrame, folder: Path, name: str, **options) -> dict[str, bytes]:
    """The files GDAL writes for one layer (a shapefile's four, a GeoPackage's one), by file name."""
    folder.mkdir()
    frame.to_file(folder / name, **options)
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def stored_names(con) -> list[str]:
    return [name for (name,) in con.execute("SELECT name FROM areas WHERE division = 'Test' ORDER BY code").fetchall()]


def test_shapefiles_geopackages_and_a_zip_inside_the_zip_are_read_in_place(town, tmp_path):
    shapefile = layer_files(squares(["Östra Åker", "Väster – Hamnen"]), tmp_path / "shp", "områden.shp",
                            encoding="cp1252")
    shapefile.pop("områden.cpg", None)  # as Swedish offices send them: Windows-1252 and no word of it,
    shapefile["områden.dbf"] = bytes(shapefile["områden.dbf"][:29]) + b"\0" + shapefile["områden.dbf"][30:]
    #                                  not even the DBF's code-page byte (the dash is where latin-1 differs)
    package = layer_files(squares(["Norrå"], first=3), tmp_path / "gpkg", "mer.gpkg")
    inner = zipped({"del/söder.geojson": squares(["Söder"], first=4).to_crs(geo.WGS84).to_json().encode()})
    data = zipped({**{f"karta/{name}": content for name, content in shapefile.items()}, **package,
                   "leverans/inre.zip": inner})
    result = import_bytes(town, data, "gränser.zip", TEST)
    assert result.status == "stored", result.summary()
    assert stored_names(town) == ["Östra Åker", "Väster – Hamnen", "Norrå", "Söder"]


def test_a_member_that_unpacks_to_more_than_it_declares_is_refused_before_gdal_reads_it(town):
    """GDAL reads such a member whole (it trusts neither the declared size nor stops at it); the check must not."""
    padded = squares(["Gömd"]).to_crs(geo.WGS84).to_json().encode() + b" " * 2_000_000
    data = bytearray(zipped({"omr.geojson": padded}))
    struct.pack_into("<I", data, 22, 300)                          # the local header's uncompressed size
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 300)  # and the central directory's
    before = fingerprint(town)
    result = import_bytes(town, bytes(data), "ljuger.zip", TEST)
    assert result.status == "refused" and result.refusal.code == "damaged", result.summary()
    assert fingerprint(town) == before


def test_names_that_climb_out_of_the_archive_are_never_read(town):
    good = squares(["Inne"]).to_crs(geo.WGS84).to_json().encode()
    outside = squares(["Ute"], first=2).to_crs(geo.WGS84).to_json().encode()
    data = zipped({"../ute.geojson": outside, "/tmp/ute.geojson": outside, "a/../../ute.geojson": outside,
                   "inne.geojson": good})
    assert archives.members(data, "x.zip") == [("inne.geojson",)]
    result = import_bytes(town, data, "klättrar.zip", TEST)
    assert result.status == "stored", result.summary()
    assert stored_names(town) == ["Inne"]
    only_outside = import_bytes(town, zipped({"../ute.geojson": outside}), "ute.zip", TEST)
    assert only_outside.status == "refused" and only_outside.refusal.code == "unknown_format"


def test_a_gdal_path_reaches_through_nested_archives():
    assert archives.vsi_path(Path("/tmp/u.zip"), ("a/b.shp",)) == "/vsizip//tmp/u.zip/a/b.shp"
    assert archives.vsi_path(Path("/tmp/u.zip"), ("in.zip", "c.gpkg")) == "/vsizip/{/vsizip//tmp/u.zip/in.zip}/c.gpkg"


def test_a_geojson_document_is_read_as_it_came(town):
    data = json.dumps(json.loads(squares(["Ensam"]).to_crs(geo.WGS84).to_json())).encode()
    result = import_bytes(town, data, "ensam.geojson", TEST)
    assert result.status == "stored", result.summary()
    assert stored_names(town) == ["Ensam"]
