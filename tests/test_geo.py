"""Geometry leaves `lagesbild.geo` with its CRS: stored GeoJSON reprojected once, SCB squares as polygons."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from geopandas.testing import assert_geodataframe_equal, assert_geoseries_equal

from lagesbild import geo

SQUARE = json.dumps({"type": "Polygon", "coordinates": [[[14.6, 56.0], [14.61, 56.0], [14.61, 56.01],
                                                          [14.6, 56.01], [14.6, 56.0]]]})
TRIANGLE = json.dumps({"type": "Polygon", "coordinates": [[[14.7, 56.1], [14.72, 56.1], [14.7, 56.12],
                                                            [14.7, 56.1]]]})


def test_stored_geojson_becomes_shapes_in_sweref_with_their_crs():
    found = geo.shapes([SQUARE, TRIANGLE])
    x, y = geo.to_sweref([14.6, 14.61, 14.61, 14.6, 14.6], [56.0, 56.0, 56.01, 56.01, 56.0])
    expected = gpd.GeoSeries([shapely.Polygon(np.column_stack([x, y]))], crs=geo.SWEREF99TM)
    assert found.crs == geo.SWEREF99TM
    assert_geoseries_equal(found.iloc[:1], expected, check_less_precise=True)
    assert 1.3e6 < found.iloc[1].area < 1.45e6   # legs of about 1.25 km and 2.2 km, in square metres


def test_an_area_frame_keeps_its_columns_and_index():
    frame = pd.DataFrame({"code": ["A", "B"], "geojson": [SQUARE, TRIANGLE]}, index=[7, 9])
    found = geo.area_frame(frame, crs=geo.WGS84)
    expected = gpd.GeoDataFrame({"code": ["A", "B"]}, index=[7, 9],
                                geometry=[shapely.from_geojson(SQUARE), shapely.from_geojson(TRIANGLE)],
                                crs=geo.WGS84)
    assert_geodataframe_equal(found, expected, check_less_precise=True)


def test_squares_are_the_scb_cells_in_wgs84():
    cells = geo.cell_id(np.array([478100.0, 480900.0]), np.array([6210100.0, 6211900.0]), 1000)
    found = geo.squares(cells, 1000)
    assert found.crs == geo.WGS84 and found["cell"].tolist() == cells.tolist()
    corner = np.array(found.geometry.iloc[0].exterior.coords[0])
    assert np.allclose(corner, np.ravel(geo.to_wgs84([478000], [6210000])))
    metric = found.to_crs(geo.SWEREF99TM).geometry
    assert np.allclose(metric.area, 1_000_000, rtol=1e-6)
    assert geo.squares(np.array([], np.int64), 250).empty
