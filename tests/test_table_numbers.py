"""Tables keep numbers as numbers (so a column sorts 97, 89, 88 … 428 by value) and say how to write them the
Swedish way; hidden counts stay hidden all the way to the browser and the CSV; date axes name months in Swedish."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lagesbild import (
    charts,
    concentration,
    emerging,
    exports,
    followup,
    formatting,
    maps,
    overview,
    priorities,
    profile,
)
from lagesbild.filters import Filters
from lagesbild.protect import STAFF, Disclosure
from lagesbild.view import View

VIEWER = Disclosure(viewer=True)
YEAR = Filters(start=date(2025, 11, 1), end=date(2026, 10, 31))
NARROW = replace(YEAR, categories=("ran",))  # few robberies: hidden counts for viewers
ENGLISH_MONTHS = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}


def numeric(frame: pd.DataFrame, *columns: str) -> None:
    for column in columns:
        assert pd.api.types.is_numeric_dtype(frame[column]), (column, frame[column].dtype)
        assert not pd.api.types.is_bool_dtype(frame[column]), column


def test_a_number_format_writes_swedish():
    assert formatting.NumberFormat(1).text(12345.64) == "12\u00a0345,6"
    assert formatting.NumberFormat(0).text(428) == "428"
    assert formatting.count_format("<5").text(math.nan) == "<5"
    assert formatting.NumberFormat(1).text(None) == "–"
    assert formatting.CHANGE_FORMAT.text(23.4) == "+23\u00a0%" and formatting.CHANGE_FORMAT.text(-5) == "-5\u00a0%"
    assert formatting.SHARE_FORMAT.text(40) == "40\u00a0%"
    frame = formatting.with_formats(pd.DataFrame({"a": [1.0, math.nan], "b": [0.25, 1.0], "c": ["x", None]}),
                                    {"a": formatting.count_format()})
    assert formatting.as_text(frame)[["a", "b"]].to_dict("list") == {"a": ["1", "<5"], "b": ["0,2", "1,0"]}
    assert set(formatting.formats(frame[["a", "c"]].rename(columns={"c": "d"}))) == {"a"}  # kept through picks


def test_overview_tables_hold_numbers(demo_con):
    view = overview.build(demo_con, YEAR, today=date(2026, 10, 31), shown=STAFF)
    numeric(view.top_areas, "Händelser", "Invånare", "Per 1 000 inv.", "Mot året innan")
    numeric(view.sources, "Händelser")
    values = view.top_areas["Per 1 000 inv."].tolist()
    assert values == sorted(values, reverse=True)


def test_ranking_map_and_profile_tables_hold_numbers(demo_con):
    ranking = priorities.rank(demo_con, YEAR)
    numeric(priorities.display_table(ranking, STAFF), "Rang", "Poäng", "Händelser", "Skadeviktat per 1 000 inv.",
            "Mot året innan", "Mot föregående period")
    numeric(maps.hotspot_table(ranking.hot, STAFF), "Säkerhet", maps.GI_LABEL)
    shown = maps.build(demo_con, View(filters=YEAR), STAFF)
    numeric(shown.areas, "Händelser", "Invånare", "Per 1 000 inv.", "Per km²", "Skadeviktat")
    numeric(shown.cells, "Händelser")
    found = profile.build(demo_con, YEAR, "SOL", today=date(2026, 10, 31), shown=STAFF)
    numeric(found.categories, "I området", "Andel i området", "Andel i kommunen")
    assert "00:00:00" not in " ".join(map(str, found.interventions["Sedan"]))


def test_concentration_emerging_and_followup_tables_hold_numbers(demo_con):
    numeric(concentration.display_table(concentration.analyse(demo_con, YEAR), VIEWER),
            *concentration.COLUMNS[1:])
    squares = emerging.square_table(emerging.analyse(demo_con, YEAR), STAFF)
    numeric(squares, "Heta perioder", "Trend (Kendalls tau)", "Trend, p", "Händelser")
    result = followup.evaluate(demo_con, 1)
    numeric(followup.table(result), "Före", "Efter", "Förändring per dag")
    numeric(followup.comparisons(result), "Förändring")


def test_hidden_counts_are_missing_numbers_written_fewer_than_five(demo_con):
    """A viewer's hidden count is NaN in the table (never a small number), '<5' on screen and in the CSV."""
    table = maps.build(demo_con, View(filters=NARROW), VIEWER).areas
    counts = table["Händelser"]
    assert counts.isna().any(), "the test needs a hidden count"
    assert not counts.isin([1, 2, 3, 4]).any()
    assert (formatting.as_text(table).loc[counts.isna(), "Händelser"] == "<5").all()
    assert (formatting.as_text(table).loc[counts.isna(), "Per 1 000 inv."] == "–").all()
    rows = exports.excel_csv(table).decode("utf-8-sig").splitlines()
    header = rows[0].split(";")
    written = [row.split(";")[header.index("Händelser")] for row in rows[1:]]
    assert "<5" in written and not {"1", "2", "3", "4"} & set(written)
    assert any("," in row.split(";")[header.index("Per 1 000 inv.")] for row in rows[1:])  # decimal comma


def test_what_the_browser_gets_sorts_by_value_and_hides_small_counts(demo_con):
    """The Styler the page draws: hidden counts become one constant (no small count, sorting between 0 and 5)
    written '<5'; every other number is the number itself, written in Swedish."""
    ui_tables = pytest.importorskip("lagesbild.ui.tables")
    table = overview.top_areas(demo_con, NARROW, VIEWER)
    assert table["Händelser"].isna().any(), "the test needs a hidden count"
    styler = ui_tables.styled(table)
    sent = styler.data["Händelser"]
    assert pd.api.types.is_float_dtype(sent) and not sent.isna().any()
    assert set(sent[table["Händelser"].isna()]) == {ui_tables.HIDDEN_SORT_VALUE}
    assert not sent.isin([1, 2, 3, 4]).any() and 0 < ui_tables.HIDDEN_SORT_VALUE < 1
    html = styler.to_html()
    assert "&lt;5" in html or "<5" in html
    ordered = sorted(sent)
    assert ordered[: int((sent < 5).sum())] == sorted(sent[sent < 5])  # hidden ones sort below every shown count


def test_date_axes_name_months_in_swedish(demo_con):
    figure = followup.chart(followup.evaluate(demo_con, 1))
    ticks = list(figure.layout.xaxis.ticktext)
    assert ticks and all(t.split()[0] in formatting.MONTHS_SHORT for t in ticks)
    assert not ENGLISH_MONTHS & {t.split()[0] for t in ticks}
    found = profile.build(demo_con, YEAR, "SOL", today=date(2026, 10, 31), shown=STAFF)
    assert all(t.split()[0] in formatting.MONTHS_SHORT for t in found.trend.layout.xaxis.ticktext)
    assert all("%b" not in (trace.hovertemplate or "") for trace in found.trend.data)
    listing = pd.DataFrame({"name": ["A"], "status": ["pågående"], "start_date": [date(2024, 5, 1)],
                            "end_date": [None], "areas": ["x"], "risk_factors": [""]})
    timeline = charts.timeline(listing, pd.Timestamp("2026-10-31"))
    assert all(t.split()[0] in formatting.MONTHS_SHORT for t in timeline.layout.xaxis.ticktext)


@pytest.mark.parametrize(("first", "last", "expected"), [
    ("2026-05-15", "2026-10-31", ["maj 2026", "jun 2026", "jul 2026", "aug 2026", "sep 2026", "okt 2026"]),
    ("2024-05-15", "2026-10-31", ["jul 2024", "jan 2025", "jul 2025", "jan 2026", "jul 2026"]),
    ("2026-10-03", "2026-10-20", ["okt 2026"]),
])
def test_month_ticks_are_few_and_keep_january(first, last, expected):
    figure = charts.go.Figure()
    charts.swedish_date_axis(figure, pd.Timestamp(first), pd.Timestamp(last))
    assert list(figure.layout.xaxis.ticktext) == expected
    assert [pd.Timestamp(v).day for v in figure.layout.xaxis.tickvals] == [1] * len(expected)


def test_reasons_never_end_in_a_double_full_stop(demo_con):
    ranking = priorities.rank(demo_con, YEAR)
    for text in ranking.table["reasons"]:
        assert not text.endswith(("..", "….")), text
    assert np.isfinite(priorities.display_table(ranking, STAFF)["Händelser"]).all()
