"""The map's layers, payload and suppression, built without Streamlit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

from lagesbild import basemap, formatting, maps, patterns, profile
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from lagesbild.view import View

YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
VIEWER = Disclosure(viewer=True)


def layer(deck, name):
    found = [layer for layer in deck.layers if layer.id == name]
    return found[0] if found else None


def test_payload_is_small_and_layers_are_there(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR), VIEWER)
    assert shown.payload_bytes < 1_000_000
    assert {layer.id for layer in shown.deck.layers} - {*basemap.BASE_LAYER_IDS, *basemap.LABEL_LAYER_IDS} == {
        "rutor", "omraden", "omradesgranser", "insatser"}
    cells = maps.shown_cells(demo_con, View(filters=YEAR), VIEWER)
    assert len(layer(shown.deck, "rutor").data) == len(cells)
    assert json.loads(shown.deck.to_json())["initialViewState"]["zoom"] > 8


def test_viewers_get_no_points_and_small_counts_hidden(demo_con):
    narrow = View(filters=replace(YEAR, categories=("ran",)), layers=("rutor", "omraden", "punkter"))
    shown = maps.build(demo_con, narrow, VIEWER)
    assert layer(shown.deck, "punkter") is None
    assert any("bara för inloggad personal" in note for note in shown.notes)
    cells = layer(shown.deck, "rutor").data
    hidden = [c for c in cells if c["fill"] == maps.HIDDEN_FILL]
    assert hidden and all("<5" in c["tooltip"] for c in hidden)
    assert shown.cells["Händelser"].isna().any()  # hidden: a missing number, written "<5"
    assert "<5" in formatting.as_text(shown.cells)["Händelser"].tolist()
    shown_counts = shown.cells["Händelser"].dropna()
    assert (shown_counts >= 5).all()


def test_staff_see_points_for_small_selections_only(demo_con):
    small = View(filters=replace(YEAR, categories=("ran",)), layers=("punkter",))
    shown = maps.build(demo_con, small, STAFF)
    points = layer(shown.deck, "punkter")
    assert points is not None and 0 < len(points.data) <= maps.POINT_LIMIT
    everything = maps.build(demo_con, View(filters=YEAR, layers=("punkter",)), STAFF)
    assert layer(everything.deck, "punkter") is None
    assert any("smalna av" in note for note in everything.notes)


def test_area_choropleth_per_1000_and_grid_of_1_km(demo_con):
    view = View(filters=YEAR, measure="per1000", layers=("omraden",), grid=1000)
    shown = maps.build(demo_con, view, STAFF)
    filled = [row for row in layer(shown.deck, "omraden").data if row["fill"][3] > 0]
    assert filled
    assert shown.legend_title == "Områden: per 1 000 invånare"
    one_km = maps.build(demo_con, View(filters=YEAR, grid=1000), STAFF)
    assert len(layer(one_km.deck, "rutor").data) < len(layer(maps.build(
        demo_con, View(filters=YEAR), STAFF).deck, "rutor").data)


def test_intervention_outlines_carry_period_and_target(demo_con):
    shown = maps.build(demo_con, View(filters=YEAR, layers=("insatser",)), VIEWER)
    tooltips = [row["tooltip"] for row in layer(shown.deck, "insatser").data]
    assert any("Trygghetsvärdar i centrum" in t and "Mot: Alkohol" in t for t in tooltips)
    assert not any("SSPF" in t for t in tooltips)  # municipality-wide work is not drawn over everything


def test_area_profile_and_time_pattern_figures(demo_con):
    found = profile.build(demo_con, YEAR, "SBG-C", today=date(2026, 11, 24), shown=VIEWER)
    assert found.name == "Sölvesborg centrum"
    assert any("per 1 000 invånare" in fact for fact in found.facts)
    assert "Trygghetsvärdar i centrum fredag och lördag kväll" in found.interventions["Insats"].tolist()
    assert "Alkoholservering och krogmiljö" in found.risk_factors["Riskfaktor"].tolist()
    heat, months, wheel, _ = patterns.build(demo_con, YEAR, VIEWER)
    assert len(heat.data[0].z) == 7 and len(heat.data[0].z[0]) == 24
    assert len(wheel.data[0].r) == 12 and len(months.data) == 2


def test_the_deck_is_sent_as_compact_json(demo_con):
    """The same content as pydeck's own JSON, without its indentation (a third of the bytes on the demo)."""
    import pydeck as pdk

    deck = maps.build(demo_con, View(filters=YEAR), STAFF).deck
    compact, indented = deck.to_json(), pdk.Deck.to_json(deck)
    assert json.loads(compact) == json.loads(indented)
    assert "\n" not in compact and len(compact) < 0.6 * len(indented)
