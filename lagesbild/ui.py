"""The one module of the core that imports Streamlit: connection, cached loaders and the shared sidebar.

Everything here is glue. The work happens in plain modules (`queries`, `overview`, …) that take a
connection and a `Filters` object; this module supplies both and caches results keyed by the filters and
the data version, so that an import invalidates stale results.
"""

from __future__ import annotations

import threading
from datetime import date

import duckdb
import streamlit as st

from lagesbild import db, formatting, overview, queries
from lagesbild.demo import build_demo
from lagesbild.filters import PERIOD_PRESETS, Filters, preset_period
from lagesbild.settings import Settings

_CREATE_LOCK = threading.Lock()
CUSTOM_PERIOD = "eget"


@st.cache_resource
def settings() -> Settings:
    """The process's settings (read once from the environment)."""
    return Settings.from_env()


def ensure_database() -> None:
    """Create the demo database on first start, when there is no database at all."""
    path = settings().db_path
    if path.exists():
        return
    with _CREATE_LOCK:
        if path.exists():
            return
        with st.spinner("Första start: skapar en syntetisk demodatabas för Sölvesborg …"):
            build_demo(path, seed=settings().demo_seed)


@st.cache_resource
def connection() -> duckdb.DuckDBPyConnection:
    """One connection per process; every query takes its own cursor from it."""
    ensure_database()
    return db.connect(settings().db_path)


def data_version() -> int:
    """The latest import id: part of every cache key below."""
    return queries.data_version(connection())


@st.cache_data(ttl=600, max_entries=16, show_spinner=False)
def _header(version: int) -> tuple[str, bool, tuple[date, date] | None]:
    con = connection()
    return queries.municipality_name(con), queries.is_synthetic(con), queries.data_range(con)


def header() -> tuple[str, bool, tuple[date, date] | None]:
    """Municipality name, whether the data are synthetic, and the range of days with data."""
    return _header(data_version())


def anchor_day() -> date:
    """The latest day the period presets count back from: the last day with data, never after today."""
    _, _, found = header()
    return min(found[1], date.today()) if found else date.today()


def is_viewer() -> bool:
    """Whether the person sees aggregates only. Everyone does until sign-in exists."""
    return True


def sidebar() -> None:
    """The shared sidebar: municipality, period, data notice. Widget keys are owned here."""
    name, synthetic, found = header()
    st.sidebar.markdown(f"**{name or 'Lägesbild'}** · lokal lägesbild")
    options = [*PERIOD_PRESETS, CUSTOM_PERIOD]
    labels = {**PERIOD_PRESETS, CUSTOM_PERIOD: "Eget intervall"}
    preset = st.sidebar.selectbox("Period", options, format_func=labels.get, key="period_preset")
    if preset == CUSTOM_PERIOD:
        default = preset_period("12m", anchor_day())
        chosen = st.sidebar.date_input(
            "Från och med – till och med", value=default, format="YYYY-MM-DD", key="period_range"
        )
        if not (isinstance(chosen, tuple) and len(chosen) == 2):
            st.sidebar.caption("Välj både första och sista dag.")
    if found:
        st.sidebar.caption(f"Data från {formatting.day(found[0])} till {formatting.day(found[1])}.")
    if synthetic:
        st.sidebar.caption("Uppgifterna är syntetiska (demo).")


def current_filters() -> Filters:
    """The filters chosen in the sidebar."""
    preset = st.session_state.get("period_preset", "12m")
    if preset == CUSTOM_PERIOD:
        chosen = st.session_state.get("period_range")
        if isinstance(chosen, tuple | list) and len(chosen) == 2:
            return Filters(start=chosen[0], end=chosen[1])
        preset = "12m"
    start, end = preset_period(preset, anchor_day())
    return Filters(start=start, end=end)


def synthetic_notice() -> None:
    """Say on every page that the data are synthetic, while they are."""
    _, synthetic, _ = header()
    if synthetic:
        st.info(
            "**Demodata.** Alla händelser, områden och insatser här är syntetiska och skapade för att visa "
            "verktyget. De beskriver inte verkliga händelser i Sölvesborg.",
            icon=":material/science:",
        )


@st.cache_data(ttl=600, max_entries=32, show_spinner="Räknar …")
def _overview(filters: Filters, today: date, threshold: int, viewer: bool, version: int) -> overview.Overview:
    return overview.build(connection(), filters, today=today, threshold=threshold, viewer=viewer)


def load_overview(filters: Filters) -> overview.Overview:
    """The overview for `filters`, cached per filters, role and data version."""
    return _overview(filters, date.today(), settings().suppression_threshold, is_viewer(), data_version())
