"""The bench's peers: pandas and Polars must compute the map build's numbers exactly as DuckDB does, and the
bench must refuse a peer that does not (a fast wrong peer cannot make a ratio)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from lagesbild import bench, maps
from lagesbild.filters import Filters, preset_period
from lagesbild.protect import Disclosure
from lagesbild.view import View
from tests.conftest import DEMO_END


def views() -> list[View]:
    start, end = preset_period("12m", DEMO_END)
    night = bench.bench_filters()
    night = replace(night, start=start, end=end)
    return [View(filters=night), View(filters=Filters(start=start, end=end, sources=("polisen", "skola"), hour_from=8,
                                                      hour_to=17), grid=1000, measure="skadeviktat")]


def peers(con):
    made = [("pandas", bench.PandasPeer(con))]
    try:
        import polars
    except ImportError:
        return made
    return [*made, ("polars", bench.PolarsPeer(con, polars))]


@pytest.mark.parametrize("viewer", [True, False])
def test_peers_build_the_same_map(demo_con, viewer):
    shown = Disclosure(viewer=viewer)
    for name, peer in peers(demo_con):
        for view in views():
            ours = maps.build(demo_con, view, shown)
            bench.check_same(name, demo_con, peer, view, ours, bench.peer_build(peer, demo_con, view, shown))


def test_a_peer_with_other_numbers_fails_loudly(demo_con):
    view = views()[0]
    peer = bench.PandasPeer(demo_con)
    right = peer.grid_cells

    def off_by_one(filters, size):
        grid = right(filters, size)
        grid.loc[0, "count"] += 1
        return grid

    peer.grid_cells = off_by_one
    shown = Disclosure(viewer=False)
    ours = maps.build(demo_con, view, shown)
    with pytest.raises(AssertionError, match="pandas peer"):
        bench.check_same("pandas", demo_con, peer, view, ours, bench.peer_build(peer, demo_con, view, shown))
