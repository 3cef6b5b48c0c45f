"""Point-in-polygon: the bounding-box sweep and the STRtree give the same answer, boundaries and overlaps included."""

from __future__ import annotations

import numpy as np
import shapely

from lagesbild.geo import assign_to_polygons


def _polygons() -> list:
    squares = [shapely.box(i * 100.0, j * 100.0, i * 100.0 + 100, j * 100.0 + 100) for i in range(5) for j in range(5)]
    # An overlapping circle listed last: points inside both belong to the square (the first that holds them).
    return [*squares, shapely.Point(250, 250).buffer(120)]


def test_sweep_and_tree_agree_on_random_points_and_edges():
    rng = np.random.default_rng(7)
    x = np.r_[rng.uniform(-50, 550, 5_000), 100.0, 250.0, 600.0]
    y = np.r_[rng.uniform(-50, 550, 5_000), 50.0, 250.0, 600.0]
    sweep = assign_to_polygons(_polygons(), x, y, tree_from=10**9)
    tree = assign_to_polygons(_polygons(), x, y, tree_from=1)
    assert np.array_equal(sweep, tree)
    assert sweep[-3] == -1  # on the edge between two squares: neither contains it
    assert sweep[-2] == 12  # the centre square (2, 2) comes before the circle
    assert sweep[-1] == -1  # outside everything
    outside_squares = (x < 0) | (x > 500) | (y < 0) | (y > 500)
    assert set(sweep[outside_squares]) <= {-1, 25}


def test_no_points_and_no_polygons():
    assert assign_to_polygons(_polygons(), np.array([]), np.array([]), tree_from=1).shape == (0,)
    assert list(assign_to_polygons([], np.array([1.0]), np.array([1.0]))) == [-1]
