"""UI glue: the shared sidebar, the view in the link, the share button and the demo notice."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import streamlit as st

from lagesbild import formatting, queries
from lagesbild import view as view_module
from lagesbild.filters import PERIOD_PRESETS, Filters, preset_period
from lagesbild.ui.signin import sign_in_panel
from lagesbild.ui.state import (
    anchor_day,
    header,
    labelled,
    labels,
    phone_reports_after,
    pinned_version,
    vocabulary,
)

CUSTOM_PERIOD = "eget"
LINK = view_module.PARAMETERS  # each filter widget's label and help come from its link parameter


def _apply_view(view: view_module.View) -> None:
    """Put a view (from a link) into the widgets' state."""
    f = view.filters
    state = st.session_state
    state["period_preset"] = view.preset or CUSTOM_PERIOD
    if view.preset is None:
        state["period_range"] = (f.start, f.end)
    state["filter_kategori"] = list(f.categories)
    state["filter_riskfaktor"] = list(f.risk_factors)
    state["filter_matchning"] = f.risk_match
    state["filter_kalla"] = list(f.sources)
    state["filter_omrade"] = list(f.areas)
    if view.division is not None:
        state["indelning"] = view.division
    state["filter_veckodag"] = list(f.weekdays)
    state["filter_timme_fran"], state["filter_timme_till"] = f.hour_from, f.hour_to
    state["filter_matt"] = view.measure
    state["karta_lager"] = list(view.layers)
    state["karta_ruta"] = view.grid
    state["karta_centrum"] = view.centre
    state["tid_dygn"] = bool(view.day_start)
    chosen = view.followup
    if chosen.intervention is not None:
        state["uppf_insats"] = chosen.intervention
    state["uppf_egen"] = chosen.days is None
    state["uppf_dagar"] = chosen.days or FOLLOWUP_DEFAULTS["uppf_dagar"]
    state["uppf_buffert"] = chosen.buffer
    state["uppf_ring"] = chosen.ring_m
    state["uppf_jamforelse"] = list(chosen.comparison)


FOLLOWUP_DEFAULTS = {"uppf_egen": True, "uppf_dagar": 365, "uppf_buffert": "ring", "uppf_ring": 500,
                     "uppf_jamforelse": []}


def followup_defaults() -> None:
    """The Uppföljning widgets' starting values, kept in the session (a link may already have set them)."""
    for key, value in FOLLOWUP_DEFAULTS.items():
        st.session_state.setdefault(key, value)


def load_link_once() -> None:
    """On a session's first run, read the link's query parameters into the widgets."""
    if st.session_state.get("_lank_last"):
        return
    view = view_module.from_query(st.query_params.to_dict(), vocabulary(), anchor_day())
    _apply_view(view)
    st.session_state["_lank_last"] = True
    st.session_state["_lank_meddelanden"] = list(view.notices)
    if view.page != "oversikt":
        st.session_state["_lank_sida"] = view.page


def link_notices() -> None:
    """Say which parts of the opened link were not understood (once)."""
    for notice in st.session_state.pop("_lank_meddelanden", []):
        st.warning(formatting.plain(notice), icon=":material/link_off:")


def sidebar() -> None:
    """The shared sidebar: period and filters (restored from the link), data notice, sign-in."""
    name, synthetic, found = header()
    names = labels()
    st.sidebar.markdown(f"**{name or 'Lägesbild'}** · lokal lägesbild")
    options = [*PERIOD_PRESETS, CUSTOM_PERIOD]
    period_labels = {**PERIOD_PRESETS, CUSTOM_PERIOD: "Eget intervall"}
    preset = st.sidebar.selectbox(LINK["period"].label, options, format_func=labelled(period_labels), key="period_preset",
                                  help=LINK["period"].help, placeholder="Välj")
    if preset == CUSTOM_PERIOD:
        if "period_range" not in st.session_state:
            st.session_state["period_range"] = preset_period("12m", anchor_day())
        chosen: object = st.sidebar.date_input("Från och med – till och med", format="YYYY-MM-DD", key="period_range")
        if not (isinstance(chosen, tuple) and len(chosen) == 2):
            st.sidebar.caption("Välj både första och sista dag.")
    st.sidebar.multiselect(LINK["kategori"].label, list(names["categories"]), format_func=labelled(names["categories"]),
                           key="filter_kategori", select_all=False, placeholder="Alla kategorier", help=LINK["kategori"].help)
    st.sidebar.multiselect(LINK["riskfaktor"].label, list(names["risk_factors"]),
                           format_func=labelled(names["risk_factors"]), key="filter_riskfaktor",
                           select_all=False, placeholder="Alla, med eller utan riskfaktor", help=LINK["riskfaktor"].help)
    if st.session_state.get("filter_riskfaktor"):
        st.sidebar.radio(LINK["matchning"].label, ["any", "all"], horizontal=True, key="filter_matchning",
                         format_func=labelled({"any": "någon av dem", "all": "alla valda"}), help=LINK["matchning"].help)
    _division_choice(names["divisions"])
    st.sidebar.radio(LINK["matt"].label, list(view_module.MEASURES), format_func=labelled(view_module.MEASURES),
                     key="filter_matt", horizontal=False, help=LINK["matt"].help)
    with st.sidebar.expander("Fler filter: källa, område, veckodag, klockslag"):
        st.multiselect(LINK["kalla"].label, list(names["sources"]), format_func=labelled(names["sources"]),
                       key="filter_kalla", select_all=False, placeholder="Alla källor", help=LINK["kalla"].help)
        st.multiselect(LINK["omrade"].label, list(names["areas"]), format_func=labelled(names["areas"]),
                       key="filter_omrade", select_all=False, placeholder="Hela kommunen", help=LINK["omrade"].help)
        st.multiselect(LINK["veckodag"].label, list(range(1, 8)),
                       format_func=lambda d: view_module.WEEKDAY_LABELS[d - 1], key="filter_veckodag",
                       select_all=False, placeholder="Alla dagar", help=LINK["veckodag"].help)
        left, right = st.columns(2)
        left.selectbox("Från kl.", list(range(24)), format_func=lambda h: f"{h:02d}", key="filter_timme_fran", placeholder="Välj")
        right.selectbox("Till och med kl.", list(range(24)), format_func=lambda h: f"{h:02d}",
                        key="filter_timme_till", placeholder="Välj")
        if st.session_state.get("filter_timme_fran", 0) > st.session_state.get("filter_timme_till", 23):
            st.caption(LINK["timmar"].help or "")
    if found:
        later = phone_reports_after(found[1])
        st.sidebar.caption(f"Data från {formatting.day(found[0])} till {formatting.day(found[1])}."
                           + (f" Rapporter från telefon finns till {formatting.day(later)}; välj en period som "
                              "når dit för att se dem." if later else ""))
    if synthetic:
        st.sidebar.caption("Uppgifterna är syntetiska (demo).")
    sign_in_panel()


def _division_choice(present: dict[str, str]) -> None:
    """'Indelning': the division this view's areas are shown in, offered once there are several (a key table,
    own districts). The first is the base division, where incidents are placed."""
    state = st.session_state
    if len(present) < 2:
        state.pop("indelning", None)
    else:
        if state.get("indelning") not in present:
            state["indelning"] = next(iter(present))
        st.sidebar.selectbox(LINK["indelning"].label, list(present), format_func=labelled(present), key="indelning",
                             help=LINK["indelning"].help, on_change=lambda: state.pop("filter_omrade", None))
    queries.use_division(state.get("indelning"))


def chosen_division() -> str | None:
    """The division the sidebar chose, None for the base division (the first)."""
    present = labels()["divisions"]
    chosen = st.session_state.get("indelning")
    return chosen if chosen in present and chosen != next(iter(present), None) else None


def current_view(page: str = "oversikt") -> view_module.View:
    """The view the widgets describe."""
    state = st.session_state
    preset = state.get("period_preset", "12m")
    if preset == CUSTOM_PERIOD:
        chosen = state.get("period_range")
        if isinstance(chosen, tuple | list) and len(chosen) == 2:
            start, end, preset = chosen[0], chosen[1], None
        else:
            preset = "12m"
    if preset is not None:
        start, end = preset_period(preset, anchor_day())
    filters = Filters(
        start=start, end=end, categories=tuple(state.get("filter_kategori", ())),
        risk_factors=tuple(state.get("filter_riskfaktor", ())),
        risk_match=state.get("filter_matchning", "any") if state.get("filter_riskfaktor") else "any",
        sources=tuple(state.get("filter_kalla", ())), areas=tuple(state.get("filter_omrade", ())),
        weekdays=tuple(sorted(state.get("filter_veckodag", ()))), hour_from=state.get("filter_timme_fran", 0),
        hour_to=state.get("filter_timme_till", 23))
    return view_module.View(
        filters=filters, preset=preset, measure=state.get("filter_matt", "antal"),
        layers=tuple(state.get("karta_lager", view_module.DEFAULT_LAYERS)), grid=state.get("karta_ruta", 250),
        centre=tuple(state.get("karta_centrum", view_module.DEFAULT_CENTRE)), page=page,
        day_start=6 if state.get("tid_dygn") else 0,
        followup=view_module.FollowupChoice(
            intervention=state.get("uppf_insats"),
            days=None if state.get("uppf_egen", True) else state.get("uppf_dagar", FOLLOWUP_DEFAULTS["uppf_dagar"]),
            buffer=state.get("uppf_buffert", "ring"), ring_m=state.get("uppf_ring", 500),
            comparison=tuple(state.get("uppf_jamforelse", ()))),
        version=pinned.id if (pinned := pinned_version()) is not None else None,  # the link keeps the version
        division=chosen_division())


def current_filters() -> Filters:
    """The filters chosen in the sidebar."""
    return current_view().filters


def sync_link(page: str) -> str:
    """Write the current view into the address bar; return the shareable link (start page URL + parameters)."""
    query = view_module.to_query(current_view(page))
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    parts = urlsplit(st.context.url or "")
    base = f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "/"  # links use the start page URL
    return base + ("?" + urlencode(query, safe=",") if query else "")


def share_button(page: str) -> None:
    """'Kopiera länk': the link to exactly this view, ready to copy."""
    link = sync_link(page)
    with st.popover("Kopiera länk", icon=":material/link:"):
        st.caption("Länken visar exakt den här vyn, med filter, för den som öppnar den (utan inloggning syns "
                   "bara sammanställningar). Kopiera med ikonen till höger.")
        st.code(link, language=None, wrap_lines=True)


def synthetic_notice() -> None:
    """Say on every page that the data are synthetic, while they are."""
    _, synthetic, _ = header()
    if synthetic:
        st.info(
            "**Demodata.** Alla händelser, områden och insatser här är syntetiska och skapade för att visa "
            "verktyget. De beskriver inte verkliga händelser i Sölvesborg.",
            icon=":material/science:",
        )

