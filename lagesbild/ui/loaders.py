"""UI glue: cached loaders for the pages' analyses (overview, map, profile, time patterns, ranking, follow-up).

Every loader goes through `state.versioned`: cached per its arguments and the data version. A loader that shows
numbers declares `shown` and is given the person's `Disclosure` (viewer or staff, and the threshold) as part of
its cache key; it hands it to the core, where `lagesbild.protect` applies it: no loader returns an unprotected
number to a viewer.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from lagesbild import coverage, overview, queries
from lagesbild import view as view_module
from lagesbild.filters import Filters
from lagesbild.protect import VIEWER_NOTICE, Disclosure
from lagesbild.ui.signin import is_viewer
from lagesbild.ui.state import connection, disclosure, versioned


def protection_notice() -> None:
    """One Swedish sentence telling a viewer that small numbers are adjusted."""
    if is_viewer():
        st.caption(VIEWER_NOTICE)


@versioned(max_entries=4)
def load_coverage():
    """Per source and month whether data are present (`coverage.monthly`), computed once per data version."""
    return coverage.monthly(connection())


@versioned(max_entries=32, spinner="Räknar …")
def load_overview(filters: Filters, *, today: date, shown: Disclosure) -> overview.Overview:
    """The overview for `filters`, cached per filters, day, role and data version."""
    return overview.build(connection(), filters, today=today, shown=shown, coverage_table=load_coverage())


@versioned(max_entries=32, spinner="Ritar kartan …")
def load_map(view: view_module.View, *, shown: Disclosure):
    """The map and its tables for a view, cached per view, role and data version."""
    from lagesbild import maps

    return maps.build(connection(), view, shown)


@versioned(max_entries=32)
def load_profile(filters: Filters, code: str, *, today: date, shown: Disclosure):
    """An area's profile under the filters."""
    from lagesbild import profile

    return profile.build(connection(), filters, code, today=today, shown=shown, coverage_table=load_coverage())


@versioned(max_entries=32, spinner="Räknar …")
def load_time_patterns(filters: Filters, day_start: int = 0, *, shown: Disclosure):
    """Hour × weekday (rows beginning at `day_start`), months against last year, the yearly cycle, the
    hidden-values note and the coverage notes."""
    from lagesbild import patterns

    table = load_coverage()
    return (*patterns.build(connection(), filters, shown, table, day_start),
            patterns.coverage_notes(connection(), filters, table))


def legend(title: str, entries: list[tuple[str, tuple[int, int, int]]], hidden_label: str | None = None) -> None:
    """A map's legend: the colour classes (disjoint ranges), and for viewers the "<5" squares that are not
    coloured. Our own numbers, words and colours only: no uploaded text reaches this HTML."""
    def swatch(colour: str, text: str) -> str:
        return (f'<span style="display:inline-block;margin-right:12px;white-space:nowrap"><span style="display:'
                f'inline-block;width:14px;height:14px;background:{colour};border:1px solid #888;vertical-align:'
                f'middle"></span> {text}</span>')

    swatches = "".join(swatch(f"rgb{tuple(colour)}", text) for text, colour in entries)
    hidden = swatch("rgba(160,160,160,0.3)", f"{hidden_label} (visas inte)") if hidden_label else ""
    st.html(f'<div style="font-size:0.85rem" data-testid="kartans-teckenforklaring"><b>{title}</b><br/>'
            f"{swatches}{hidden}</div>")


@versioned(max_entries=16, spinner="Räknar hot spots och prioriteringar …")
def load_ranking(filters: Filters, weights, *, shown: Disclosure):
    """The need-versus-coverage ranking for the filters and weights (from protected counts for viewers)."""
    from lagesbild import priorities

    return priorities.rank(connection(), filters, weights, shown=shown, coverage_table=load_coverage())


def weight_sliders():
    """The ranking's weights, with sensible defaults, adjustable by the security chief."""
    from lagesbild.priorities import Weights

    default = Weights()
    with st.expander("Vikter i rangordningen"):
        columns = st.columns(6)
        chosen = {}
        for column, (name, text) in zip(columns, [
                ("rate", "Skadeviktad nivå"), ("trend", "Ökning"), ("hotspots", "Hot spots"),
                ("lift", "Riskfaktorer"), ("insecurity", "Hög otrygghet (enkät)"),
                ("coverage", "Pågående insatser (drar ner)")], strict=True):
            chosen[name] = column.slider(text, 0.0, 1.0, getattr(default, name), 0.05, key=f"prio_vikt_{name}")
    return Weights(**chosen)


def hotspot_deck(found, ranking=None, cold: bool = False):
    """The hot-spot map (squares coloured by class, areas shaded by rank) over the base layer."""
    from lagesbild import db, maps

    con = connection()
    return maps.hotspot_deck(found, queries.area_shapes(con), ranking, cold=cold,
                             code=db.get_meta(con, "municipality_code"))


def hotspot_legend(cold: bool = False) -> None:
    """The hot-spot map's legend."""
    from lagesbild import maps

    legend("Hot spots", maps.hotspot_legend(cold))


def hotspot_table(found, cold: bool = False):
    """The hot (and, when asked for, cold) squares as a Swedish table."""
    from lagesbild import maps

    return maps.hotspot_table(found, disclosure(), cold=cold)


def cold_squares_toggle(found) -> bool:
    """Say how many squares are cold and let the person choose to see them."""
    from lagesbild import maps

    note = maps.cold_note(found)
    if not note:
        return False
    st.caption(note)
    return st.toggle("Visa kalla rutor", key="prio_kalla")


@versioned(max_entries=64, spinner="Följer upp …")
def load_evaluation(number: int, options, *, shown: Disclosure):
    """The follow-up of one intervention as this person may see it, cached per options, role and data version."""
    from lagesbild import followup

    return followup.as_shown(followup.evaluate(connection(), number, options, coverage_table=load_coverage()),
                             shown)


@versioned(max_entries=8, spinner="Följer upp insatserna …")
def load_plan(numbers: tuple[int, ...], options, *, shown: Disclosure):
    """The follow-ups of many interventions (the Åtgärdsplan) counted together, each as `load_evaluation`
    gives it, cached per interventions, options, role and data version."""
    from lagesbild import followup

    found = followup.evaluate_all(connection(), list(numbers), options, coverage_table=load_coverage())
    return {number: followup.as_shown(result, shown) for number, result in found.items()}
