"""The SQL views that name the concepts every query shares (migration 0011): built from a few rows per test."""

from __future__ import annotations

import pytest

from lagesbild import queries

ROWS = """
INSERT INTO areas (id, code, name, kind, division, population, geojson, centroid_lon, centroid_lat) VALUES
    (1, 'OST', 'Östra', 'district', 'Distrikt', 10, '{}', 14.6, 56.0),
    (2, 'ABY', 'Åby', 'district', 'Distrikt', 20, '{}', 14.6, 56.0),
    (3, 'BRG', 'Berga', 'district', 'Distrikt', 30, '{}', 14.6, 56.0),
    (4, 'D1', 'DeSO 1', 'DeSO', 'DeSO 2018', 40, '{}', 14.6, 56.0);
INSERT INTO categories VALUES (1, 'ran', 'Rån', 'Våld', 1), (2, 'klotter', 'Klotter', 'Skadegörelse', 1);
INSERT INTO risk_factors VALUES (1, 'alkohol', 'Alkohol', 'ANDTS');
INSERT INTO interventions (id, name, kind, status, start_date, responsible) VALUES
    (1, 'Belysning', 'Belysning', 'pågående', DATE '2026-01-01', []),
    (2, 'Ingenting', 'Annat', 'planerad', DATE '2026-01-01', []);
INSERT INTO intervention_areas VALUES (1, 1), (1, 2), (1, 3);
INSERT INTO intervention_categories VALUES (1, 1), (1, 2);
INSERT INTO intervention_risk_factors VALUES (1, 1);
"""


@pytest.fixture
def con(empty_con):
    empty_con.execute(ROWS)
    return empty_con


def test_the_active_division_is_the_one_named_else_every_area(con):
    assert queries.rows(con, "SELECT count(*) FROM active_areas")[0][0] == 4
    con.execute("INSERT INTO meta VALUES ('division', 'Distrikt')")
    assert sorted(c for (c,) in queries.rows(con, "SELECT code FROM active_areas")) == ["ABY", "BRG", "OST"]
    assert queries.population(con) == 60


def test_an_intervention_with_its_areas_and_targets(con):
    found = {row[0]: row[1:] for row in queries.rows(
        con, "SELECT intervention_id, area_codes, area_names, category_codes, category_labels, risk_factor_codes"
             " FROM intervention_targets")}
    # codes by code, names in Swedish order (Å and Ö after Z), and empty lists rather than NULL
    assert found[1] == (["ABY", "BRG", "OST"], ["Berga", "Åby", "Östra"], ["klotter", "ran"], ["Klotter", "Rån"],
                        ["alkohol"])
    assert found[2] == ([], [], [], [], [])
