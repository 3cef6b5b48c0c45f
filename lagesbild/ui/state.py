"""UI glue: settings, the one database connection, the data version, what this person may see, the one
versioned cache every loader goes through, and the cached header and labels."""

from __future__ import annotations

import contextlib
import functools
import inspect
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from typing import Any, TypeVar

import duckdb
import streamlit as st

from lagesbild import db, divisions, formatting, published, queries, snapshots
from lagesbild import view as view_module
from lagesbild.demo import build_demo
from lagesbild.protect import Disclosure
from lagesbild.settings import Settings
from lagesbild.ui.signin import current_role, is_viewer

_CREATE_LOCK = threading.Lock()
VERSION_KEY = "_publicerad_version"  # the published version this session shows (a `published.Version`)
R = TypeVar("R")


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
        with st.spinner("Första start: skapar en syntetisk demodatabas för Sölvesborg …"), snapshots.locked(path):
            if not path.exists():   # another app process may have made it while this one waited for the lock
                build_demo(path, seed=settings().demo_seed)
                snapshots.publish_locked(path)


def refuse_reporter() -> None:
    """Stop a data page for a rapportör, who sees no data at all (their one page, Rapportera, reads through
    `current_connection` and never comes here). Every loader passes here, cached or not: the page itself checks,
    not only the menu."""
    if current_role() == "reporter":
        st.error("Som rapportör ser du inga uppgifter här. Din sida är Rapportera.")
        st.stop()


def connection() -> duckdb.DuckDBPyConnection:
    """The data this session reads: the frozen file of the published version its link opened (`?version=`), or
    else the newest snapshot (`current_connection`). Every query takes its own cursor from it."""
    refuse_reporter()
    pinned = pinned_version()
    if pinned is not None:
        return _pinned(str(published.file_path(settings().db_path, pinned)), pinned)
    return current_connection()


def current_connection() -> duckdb.DuckDBPyConnection:
    """A read-only connection to the newest published snapshot (one per snapshot and process; every query takes
    its own cursor from it). A write on it goes to the master under the write lock and publishes a new snapshot,
    which the next call opens (lagesbild.snapshots): the CLI and other app processes work at the same time."""
    ensure_database()
    found = snapshots.current(settings().db_path)
    return _reader(found.name if found else "")


def pinned_version() -> published.Version | None:
    """The published version this session shows, if its link opened one (lagesbild.ui.published_view)."""
    found = st.session_state.get(VERSION_KEY)
    return found if isinstance(found, published.Version) else None


@st.cache_resource(max_entries=4, show_spinner=False)
def _pinned(path: str, _version: published.Version) -> duckdb.DuckDBPyConnection:
    """One connection per frozen file and process (keyed by the file: versions never share a connection)."""
    return published.open_version(settings().db_path, _version)


@st.cache_resource(max_entries=4, show_spinner=False)
def _reader(snapshot: str) -> duckdb.DuckDBPyConnection:
    master = settings().db_path
    if snapshot:
        con = snapshots.open_snapshot(master, snapshots.folder(master) / snapshot)
        if db.schema_version(con) >= db.latest_version():
            return con
        con.close()
    return snapshots.reader(master)[0]


@contextlib.contextmanager
def write_guard() -> Iterator[None]:
    """Around a write from the UI: a write the database did not accept (another import holding the write lock
    too long, a constraint) is said in Swedish and the page stops there — never Streamlit's error box."""
    try:
        yield
    except db.WriteError as exc:
        st.error(formatting.plain(exc.reason))
        st.stop()


def data_version() -> int:
    """The data version (moved by every write): part of every cache key, so a write makes them stale at once.

    A published snapshot never changes, so its version is read once per snapshot; after that a call costs one
    small file read (`CURRENT`), not a query — it runs many times per rerun. A published version's is recorded."""
    pinned = pinned_version()
    if pinned is not None:
        return pinned.data_version
    ensure_database()
    found = snapshots.current(settings().db_path)
    return _snapshot_version(found.name if found else "")


@st.cache_data(max_entries=8, show_spinner=False)
def _snapshot_version(snapshot: str) -> int:
    return queries.data_version(_reader(snapshot))


def data_key() -> tuple[str, int]:
    """What every cache is keyed by: the frozen file of a published version ('' for the current data) and the
    data version, so a published version and the current data never share a cached result."""
    refuse_reporter()
    pinned = pinned_version()
    return (pinned.file_name if pinned is not None else "", data_version())


def disclosure() -> Disclosure:
    """What this person may see: exact numbers (staff) or protected ones (everyone else)."""
    return Disclosure(viewer=is_viewer(), threshold=settings().suppression_threshold)


# What `versioned` hands a loader that declares a parameter of this name (and puts in the cache key).
_FILLED_IN: dict[str, Callable[[], object]] = {"shown": disclosure, "today": date.today}


def versioned(*, max_entries: int, spinner: bool | str = False) -> Callable[[Callable[..., R]], Callable[..., R]]:
    """Cache a loader per its arguments and the data version, so a write makes its entries stale at once.

    No TTL: a version-keyed entry never goes wrong with age, so a TTL would only throw work away;
    `max_entries` bounds the cache. A loader that declares a parameter `shown` is given this person's
    `Disclosure`, one that declares `today` today's date; both are part of the key and callers never pass
    them. As with `st.cache_data`, an argument whose name begins with `_` is passed on but not hashed.
    """
    def decorate(load: Callable[..., R]) -> Callable[..., R]:
        signature = inspect.signature(load)
        filled = [name for name in signature.parameters if name in _FILLED_IN]

        def cached(version: tuple[str, int, str], keyed: tuple[tuple[str, Any], ...],
                   _unkeyed: tuple[tuple[str, Any], ...]) -> R:
            return load(**dict(keyed), **dict(_unkeyed))

        # Streamlit keys a cache by the function's module, name and source: without its own name every loader
        # made here would share one cache.
        cached.__module__, cached.__name__, cached.__qualname__ = load.__module__, load.__name__, load.__qualname__
        in_cache = st.cache_data(max_entries=max_entries, show_spinner=spinner)(cached)

        @functools.wraps(load)
        def loader(*args: Any, **kwargs: Any) -> R:
            call = signature.bind(*args, **kwargs, **{name: _FILLED_IN[name]() for name in filled})
            call.apply_defaults()
            given = call.arguments.items()
            queries.use_division(st.session_state.get("indelning"))  # the view's division is part of the key
            return in_cache((*data_key(), queries.current_division() or ""), tuple((k, v) for k, v in given if not k.startswith("_")),
                            tuple((k, v) for k, v in given if k.startswith("_")))

        return loader

    return decorate


@versioned(max_entries=16)
def header() -> tuple[str, bool, tuple[date, date] | None]:
    """Municipality name, whether the data are synthetic, and the range of days with data."""
    con = connection()
    return queries.municipality_name(con), queries.is_synthetic(con), queries.data_range(con)


@versioned(max_entries=16)
def phone_reports_after(day: date) -> date | None:
    """The last day of a report from a phone after the files' last day (`queries.phone_reports_after`)."""
    return queries.phone_reports_after(connection(), day)


def anchor_day() -> date:
    """The latest day the period presets count back from: the last day with data, never after today."""
    _, _, found = header()
    return min(found[1], date.today()) if found else date.today()


@versioned(max_entries=8)
def labels() -> dict[str, dict[str, str]]:
    """Code -> Swedish label for categories (with their group), risk factors, sources and areas; id -> name for
    interventions (as the link writes their ids)."""
    con = connection()
    return {
        "categories": {c: f"{g}: {lab}" for c, lab, g in queries.rows(
            con, "SELECT code, label, category_group FROM categories ORDER BY category_group COLLATE sv,"
                 " label COLLATE sv")},
        "risk_factors": dict(queries.rows(con, "SELECT code, label FROM risk_factors ORDER BY label COLLATE sv")),
        "sources": dict(queries.rows(con, "SELECT code, label FROM sources ORDER BY label COLLATE sv")),
        "areas": dict(queries.rows(
            con, "SELECT code, name FROM active_areas ORDER BY name COLLATE sv")),
        "interventions": {str(i): n for i, n in queries.rows(con, "SELECT id, name FROM interventions ORDER BY id")},
        "every_area": dict(queries.rows(con, "SELECT code, name FROM areas ORDER BY name COLLATE sv")),
        # interventions are registered on the base division's areas whatever division the view shows
        "register_areas": dict(queries.rows(con, "SELECT code, name FROM areas WHERE division = coalesce((SELECT"
                                                 " value FROM meta WHERE key = 'division'), division)"
                                                 " ORDER BY name COLLATE sv")),
        "divisions": {d: f"{d} ({n} områden)" for d, n in divisions.available(con)},
    }


def vocabulary() -> view_module.Vocabulary:
    found = labels()
    return view_module.Vocabulary(**{kind: frozenset(found[kind]) for kind in (
        "categories", "risk_factors", "sources", "interventions", "divisions")},
        areas=frozenset(found["every_area"]))  # a link's area may belong to the division it names


def flash(text: str) -> None:
    """A confirmation that survives the rerun after a change."""
    st.session_state["_meddelande"] = text


def show_flash() -> None:
    if "_meddelande" in st.session_state:
        st.success(formatting.plain(st.session_state.pop("_meddelande")))


def labelled(names: Mapping[Any, object]) -> Callable[[Any], str]:
    """A widget's `format_func` showing each option's Swedish label (the option itself where it has none)."""
    return lambda option: str(names.get(option, option))
