"""Filter ↔ URL ↔ SQL: links round-trip, junk is ignored with a notice, and the SQL follows."""

from __future__ import annotations

from datetime import date

import pytest

from lagesbild.filters import Filters
from lagesbild.view import DEFAULT_CENTRE, FollowupChoice, View, Vocabulary, from_query, to_query

ANCHOR = date(2026, 10, 31)
VOCABULARY = Vocabulary(categories=frozenset({"misshandel", "ran", "klotter"}),
                        risk_factors=frozenset({"bristande_belysning", "alkohol_unga"}),
                        sources=frozenset({"polisen"}), areas=frozenset({"SBG-C", "MJA"}),
                        interventions=frozenset({"3"}))
YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))

CASES = [
    ("default", {}, View(filters=YEAR)),
    ("preset", {"period": "30d"}, View(filters=Filters(start=date(2026, 10, 2), end=ANCHOR), preset="30d")),
    ("fixed period", {"fran": "2024-01-01", "till": "2024-06-30"},
     View(filters=Filters(start=date(2024, 1, 1), end=date(2024, 6, 30)), preset=None)),
    ("categories", {"kategori": "misshandel,ran"}, View(filters=Filters(**{**YEAR.__dict__,
                                                                          "categories": ("misshandel", "ran")}))),
    ("risk all", {"riskfaktor": "bristande_belysning,alkohol_unga", "matchning": "alla"},
     View(filters=Filters(**{**YEAR.__dict__, "risk_factors": ("bristande_belysning", "alkohol_unga"),
                             "risk_match": "all"}))),
    ("weekend nights", {"veckodag": "fre,lor", "timmar": "22-4"},
     View(filters=Filters(**{**YEAR.__dict__, "weekdays": (5, 6), "hour_from": 22, "hour_to": 4}))),
    ("map", {"sida": "karta", "matt": "per1000", "lager": "omraden,punkter", "ruta": "1000",
             "karta": "56.0500,14.5800,13.0", "omrade": "SBG-C", "kalla": "polisen"},
     View(filters=Filters(**{**YEAR.__dict__, "areas": ("SBG-C",), "sources": ("polisen",)}), measure="per1000",
          layers=("omraden", "punkter"), grid=1000, centre=(56.05, 14.58, 13.0), page="karta")),
    ("heat map day from 06", {"sida": "tid", "dygn": "06"}, View(filters=YEAR, page="tid", day_start=6)),
]


@pytest.mark.parametrize(("name", "query", "expected"), CASES, ids=[c[0] for c in CASES])
def test_link_to_view_and_back(name, query, expected):
    view = from_query(query, VOCABULARY, ANCHOR)
    assert view == expected
    assert view.notices == ()
    assert to_query(view) == query  # the shortest link: defaults are left out
    assert from_query(to_query(view), VOCABULARY, ANCHOR) == view


@pytest.mark.parametrize(("query", "kept"), [
    ({"kategori": "misshandel,nonsens"}, {"kategori": "misshandel"}),
    ({"period": "igår"}, {}),
    ({"fran": "2024-13-01"}, {}),
    ({"fran": "2024-06-01", "till": "2024-01-01"}, {}),
    ({"veckodag": "fre,fredag"}, {"veckodag": "fre"}),
    ({"timmar": "25-3"}, {}),
    ({"matt": "allt"}, {}),
    ({"lager": "rutor,moln"}, {"lager": "rutor"}),
    ({"ruta": "500"}, {}),
    ({"karta": "abc"}, {}),
    ({"sida": "hemlig"}, {}),
    ({"dygn": "05"}, {}),
    ({"utm_source": "mejl"}, {}),
])
def test_junk_is_ignored_with_a_notice(query, kept):
    view = from_query(query, VOCABULARY, ANCHOR)
    assert len(view.notices) == 1
    assert "ignorerades" in view.notices[0]
    assert to_query(view) == kept


def test_sql_follows_the_link(tiny_where=None):
    view = from_query({"kategori": "misshandel", "timmar": "22-4", "veckodag": "fre,lor"}, VOCABULARY, ANCHOR)
    where, params = view.filters.where()
    assert "category_id IN" in where and "hour >= ? OR i.hour <= ?" in where
    assert ["misshandel"] in params and 22 in params and 4 in params and [5, 6] in params


def test_map_position_default():
    assert from_query({}, VOCABULARY, ANCHOR).centre == DEFAULT_CENTRE


def test_readme_documents_every_link_parameter():
    from pathlib import Path

    from lagesbild.view import PARAMETERS, parameters_markdown

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert parameters_markdown() in readme   # the README's table is the declarations, not a copy kept by hand
    everything = View(filters=Filters(start=date(2024, 1, 1), end=date(2024, 2, 1), categories=("ran",),
                                      risk_factors=("alkohol_unga",), risk_match="all", sources=("polisen",),
                                      areas=("MJA",), weekdays=(1,), hour_from=1, hour_to=2),
                      preset=None, measure="per1000", layers=("rutor",), grid=1000, centre=(56.0, 14.0, 9.0),
                      page="uppfoljning", day_start=6,
                      followup=FollowupChoice(intervention=3, days=180, buffer="adjacent", ring_m=800,
                                              comparison=("MJA",)), version=3, division="RegSO")
    assert from_query({}, VOCABULARY, ANCHOR).notices == ()
    assert set(to_query(everything)) | {"period"} == set(PARAMETERS)   # every declared parameter is written


@pytest.mark.parametrize(("query", "notices", "preset"), [
    ({"fran": "2024-13-01", "till": "2024-06-30"}, 1, "12m"),   # one bad day drops the whole fixed period
    ({"fran": "", "till": "2026-10-01"}, 0, None),              # an empty day is the preset's own
    ({"period": "30d", "till": "2026-10-30"}, 0, None),         # a fixed day counts from the preset's start
])
def test_a_fixed_period_is_read_as_a_whole(query, notices, preset):
    view = from_query(query, VOCABULARY, ANCHOR)
    assert (len(view.notices), view.preset) == (notices, preset)


def test_every_declared_parameter_rejects_junk_with_its_own_reason():
    from lagesbild.view import PARAMETERS

    for name, parameter in PARAMETERS.items():
        if name in ("kategori", "riskfaktor", "kalla", "omrade", "veckodag", "lager", "jamforelse"):
            continue  # lists keep their known parts and name each unknown one
        view = from_query({name: "x?"}, VOCABULARY, ANCHOR)
        assert view.notices == (f"Länkens värde ”x?” för ”{name}” ignorerades ({parameter.why}).",), name
        assert to_query(view) == {}, name


def test_the_follow_up_travels_in_the_link_only_from_its_page():
    query = {"sida": "uppfoljning", "insats": "3", "dagar": "180", "naromrade": "angransande", "ringbredd": "800",
             "jamforelse": "MJA,NOPE"}
    view = from_query(query, VOCABULARY, ANCHOR)
    assert view.followup == FollowupChoice(intervention=3, days=180, buffer="adjacent", ring_m=800,
                                           comparison=("MJA",))
    assert view.notices == ("Länkens värde ”NOPE” för ”jamforelse” ignorerades (okänt värde).",)
    assert to_query(view) == {**query, "jamforelse": "MJA"}
    elsewhere = to_query(View(filters=view.filters, page="karta", followup=view.followup))
    assert not {"insats", "dagar", "naromrade", "ringbredd", "jamforelse"} & set(elsewhere)


@pytest.mark.parametrize(("name", "value", "why"), [
    ("insats", "99", "ingen sådan insats finns"),     # removed since the link was shared
    ("dagar", "20", "ange 30–1460 dagar i steg om 15"),
    ("dagar", "37", "ange 30–1460 dagar i steg om 15"),  # not on the slider's steps
    ("ringbredd", "5000", "ange 100–2000 meter i steg om 100"),
])
def test_a_follow_up_value_the_page_cannot_show_is_refused(name, value, why):
    view = from_query({"sida": "uppfoljning", name: value}, VOCABULARY, ANCHOR)
    assert view.notices == (f"Länkens värde ”{value}” för ”{name}” ignorerades ({why}).",)
    assert view.followup == FollowupChoice()
