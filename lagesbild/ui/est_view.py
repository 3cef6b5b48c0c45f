"""UI glue for the EST weekly round (`lagesbild.est`): cached loaders, the week picker, the round form and the
coordinator's checklist settings, for the Veckorond page."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lagesbild import est, formatting
from lagesbild.filters import Filters
from lagesbild.protect import Disclosure
from lagesbild.ui.signin import current_role, require_role, signed_in_name
from lagesbild.ui.state import connection, flash, labelled, labels, versioned, write_guard
from lagesbild.ui.tables import show_table

__all__ = ["est_week", "load_est_picture", "load_est_trends", "load_est_quarter", "est_missing", "est_round_form",
           "est_trend_chart", "est_round_upload", "est_settings"]


def _areas(filters: Filters) -> tuple[str, ...]:
    return est.base_codes(connection(), filters.areas)


def est_week(*, viewer: bool = False) -> est.Week:
    """The week the page shows: chosen among the last two years; by default this week when anyone has
    answered it, else the newest week with answers. A viewer chooses among weeks that have ended
    (`est.published`)."""
    today = date.today()
    last = est.Week.of(today)
    if viewer:
        last = last if est.published(last, today) else last.shifted(-1)
    newest = est.latest_week(connection())
    weeks = est.weeks_between(last.shifted(-103), last)[::-1]
    default = last if newest is None or newest >= last else newest
    return st.selectbox("Vecka", weeks, index=weeks.index(default) if default in weeks else 0,
                        format_func=lambda w: w.label, key="est_vecka", placeholder="Välj vecka")


@versioned(max_entries=16)
def load_est_picture(week: est.Week, filters: Filters, *, shown: Disclosure) -> pd.DataFrame:
    """The week's picture (area × item) as this person may see it (a viewer nothing of a week not yet ended)."""
    picture = est.week_picture(connection(), week, filters.risk_factors, _areas(filters))
    if shown.viewer and not est.published(week, date.today()):
        picture["mean"] = float("nan")
    return est.picture_table(picture, shown)


@versioned(max_entries=16, spinner="Prövar trenderna …")
def load_est_trends(week: est.Week, filters: Filters) -> pd.DataFrame:
    return est.trends(connection(), week, filters.risk_factors, _areas(filters))


@versioned(max_entries=8, spinner="Räknar kvartalet och rangordningen …")
def load_est_quarter(week: est.Week, filters: Filters, *, shown: Disclosure) -> pd.DataFrame:
    """The quarter up to `week`: the round's scores beside incidents and the ranking, as this person may see
    (a viewer's quarter ends with the last week that has ended)."""
    from dataclasses import replace

    if shown.viewer and not est.published(week, date.today()):
        week = week.shifted(-1)
    return est.quarter_table(connection(), week, replace(filters, areas=_areas(filters)), shown)


def est_missing(week: est.Week) -> None:
    """Who has not answered this week yet (staff)."""
    summary = est.missing_summary(connection(), week)
    if summary.empty:
        st.success(f"Alla organisationer har svarat för alla sina områden {week.label}.")
        return
    show_table(summary, key="est_saknas", column_config={
        "Områden utan svar": st.column_config.TextColumn(width="large")})


def est_trend_chart(week: est.Week, trends: pd.DataFrame) -> None:
    """One area × item week by week over a year (staff), with the trend test's verdict for it."""
    con = connection()
    areas = dict(zip(est.areas(con)["code"], est.areas(con)["name"], strict=True))
    checklist = est.items(con)
    items = dict(zip(checklist["code"], checklist["label"], strict=True))
    if not items:
        st.info("Ingen fråga i checklistan hör till de valda riskfaktorerna.")
        return
    rising = trends[trends["verdict"] == est.TREND_RISES]
    first = rising.iloc[0] if not rising.empty else None
    left, right = st.columns(2)
    area_list, item_list = list(areas), list(items)
    area = left.selectbox("Område", area_list, format_func=labelled(areas), key="est_trend_omrade", placeholder="Välj",
                          index=area_list.index(first["area_code"]) if first is not None else 0)
    item = right.selectbox("Fråga", item_list, format_func=labelled(items), key="est_trend_fraga", placeholder="Välj",
                           index=item_list.index(first["item"]) if first is not None else 0)
    series = est.weekly_series(con, week, area, item)
    if not series["answered"].any():  # no axes around nothing
        st.info(f"Inga svar på {items[item].lower()} för {areas[area]} under året fram till {week.label}.")
        return
    st.plotly_chart(est.trend_figure(series, f"{items[item]} – {areas[area]}"), key="est_trend")
    verdict = trends[(trends["area_code"] == area) & (trends["item"] == item)]["verdict"]
    if not verdict.empty:
        st.caption(f"De senaste {est.WINDOW_WEEKS} veckorna: **{verdict.iloc[0]}**.")


def est_round_form(week: est.Week) -> None:
    """The form for one organisation's answers this week (staff and the coordinator); always the whole
    checklist, whatever the risk-factor filter shows."""
    con = connection()
    orgs = est.organisations(con)
    names = dict(zip(orgs["code"], orgs["name"], strict=True))
    if not names:
        st.info("Inga organisationer deltar i veckorondan ännu (samordnaren lägger till dem nedan).")
        return
    organisation = st.selectbox("Organisation", list(names), format_func=labelled(names), key="est_organisation",
                                placeholder="Välj organisation")
    grid = est.round_grid(con, week, organisation)
    checklist = est.items(con)
    config = {"area_code": None, "Område": st.column_config.TextColumn("Område", disabled=True),
              "Kommentar": st.column_config.TextColumn("Kommentar (utan namn)", width="medium")}
    for code, label in zip(checklist["code"], checklist["label"], strict=True):
        config[code] = st.column_config.NumberColumn(label, min_value=0, max_value=3, step=1, format="%d",
                                                     help=est.SCALE_TEXT)
    st.caption(f"Fyll i {est.SCALE_TEXT} för varje område och fråga. En tom ruta betyder att ni inte svarar på "
               "den; sparar ni igen ersätts de tidigare svaren (ändringar loggas).")
    with st.form(f"est_form_{week.code}_{organisation}"):
        edited = st.data_editor(grid, column_config=config, hide_index=True, num_rows="fixed", width="stretch",
                                placeholder="", key="est_rutnat")
        if not st.form_submit_button("Spara veckans svar", type="primary"):
            return
    require_role("staff")
    answers, notes = est.answers_from_grid(edited)
    try:
        with write_guard():
            saved = est.save_round(con, week, organisation, answers, signed_in_name(), notes)
    except est.RoundError as error:
        for problem in error.problems:
            st.error(formatting.plain(problem))
        return
    flash(saved.text)
    st.rerun()


def est_round_upload() -> None:
    """Rounds sent as a spreadsheet (organisations often do): all or nothing, each problem named."""
    with st.expander("Ladda upp svar från ett kalkylark"):
        st.caption(est.FILE_HELP)
        sent = st.file_uploader("Kalkylark med veckorondens svar", type=["csv", "txt", "xlsx"], key="est_fil")
        if sent is None or not st.button("Spara svaren i filen", key="est_fil_spara"):
            return
        require_role("staff")
        try:
            with write_guard():
                saved = est.import_round_file(connection(), sent.getvalue(), sent.name, signed_in_name())
        except est.RoundError as error:
            st.error("Inget sparades. " + formatting.plain(" ".join(error.problems[:1])))
            for problem in error.problems[1:20]:
                st.error(formatting.plain(problem))
            return
        flash(saved.text)
        st.rerun()


def est_settings() -> None:
    """The checklist and the organisations, editable by the coordinator."""
    if current_role() != "coordinator":
        return
    con = connection()
    with st.expander("Checklistan och organisationerna (samordnaren)"):
        factors = labels()["risk_factors"]
        st.caption("Varje fråga hör till en riskfaktor, så att riskfaktorfiltret också gäller veckorondan. En fråga "
                   "som inte längre används görs inaktiv (dess historik finns kvar).")
        items = st.data_editor(est.items(con, active_only=False)[["code", "label", "risk_factor", "sort_order",
                                                                  "active"]],
                               num_rows="dynamic", hide_index=True, key="est_fragor", column_config={
            "code": "Kod", "label": "Fråga", "sort_order": "Ordning", "active": "Aktiv",
            "risk_factor": st.column_config.SelectboxColumn("Riskfaktor", options=list(factors),
                                                            format_func=labelled(factors))})
        orgs = st.data_editor(est.organisations(con, active_only=False), num_rows="dynamic", hide_index=True,
                              key="est_organisationer", column_config={
            "code": "Kod", "name": "Organisation", "sort_order": "Ordning", "active": "Aktiv",
            "area_codes": st.column_config.ListColumn("Områden (tomt = alla)")})
        if st.button("Spara checklistan och organisationerna", key="est_spara_installningar"):
            try:
                with write_guard():
                    est.save_configuration(con, items, orgs)
            except est.RoundError as error:
                for problem in error.problems:
                    st.error(formatting.plain(problem))
                return
            flash("Checklistan och organisationerna är sparade.")
            st.rerun()
