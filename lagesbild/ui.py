"""The one module of the core that imports Streamlit: connection, cached loaders and the shared sidebar.

Everything here is glue. The work happens in plain modules (`queries`, `overview`, …) that take a
connection and a `Filters` object; this module supplies both and caches results keyed by the filters and
the data version, so that an import invalidates stale results.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import duckdb
import streamlit as st

from lagesbild import auth, db, exports, formatting, overview, queries
from lagesbild.demo import build_demo
from lagesbild.filters import PERIOD_PRESETS, Filters, preset_period
from lagesbild.ingest import (
    ImportOptions,
    ImportResult,
    add_alias,
    add_category,
    import_bytes,
    read_table,
    undo_import,
)
from lagesbild.ingest.columns import FIELD_LABELS, INCIDENT_FIELDS
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


def _secrets() -> dict:
    """Secrets as a plain dict ({} when the app has none)."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def oidc_configured() -> bool:
    """Whether sign-in goes through the municipality's OIDC provider (an [auth] block in secrets)."""
    return "auth" in _secrets()


def current_role() -> str:
    """viewer, staff or coordinator for this browser session."""
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        return auth.role_for_email(_secrets(), st.user.get("email"))
    signed_in = st.session_state.get("inloggning")
    return signed_in["role"] if signed_in else "viewer"


def is_viewer() -> bool:
    """Whether the person sees aggregates only (everyone not signed in as staff or coordinator)."""
    return not auth.at_least(current_role(), "staff")


def require_role(role: str) -> None:
    """Stop the page unless the person has `role`: pages check this themselves, not only the menu."""
    if not auth.at_least(current_role(), role):
        st.error(f"Den här sidan kräver att du är inloggad som {auth.ROLE_LABELS[role].lower()}.")
        st.stop()


def sign_in_panel() -> None:
    """Sign in or out, in the sidebar."""
    role = current_role()
    signed_in = st.session_state.get("inloggning")
    if role != "viewer" or signed_in:
        who = signed_in["username"] if signed_in else st.user.get("email", "")
        st.sidebar.caption(f"Inloggad som {who} ({auth.ROLE_LABELS[role].lower()}).")
        if st.sidebar.button("Logga ut", key="logga_ut"):
            st.session_state.pop("inloggning", None)
            if oidc_configured() and getattr(st.user, "is_logged_in", False):
                st.logout()
            st.rerun()
        return
    with st.sidebar.expander("Logga in"):
        if oidc_configured() and st.button("Logga in med kommunens konto", key="logga_in_oidc"):
            st.login()
        accounts = auth.accounts_from(_secrets())
        if accounts:
            with st.form("inloggning_form", border=False):
                username = st.text_input("Användarnamn", key="inloggning_namn")
                password = st.text_input("Lösenord", type="password", key="inloggning_losen")
                if st.form_submit_button("Logga in"):
                    account = auth.authenticate(accounts, username, password)
                    if account is None:
                        st.error("Fel användarnamn eller lösenord.")
                    else:
                        st.session_state["inloggning"] = {"username": account.username, "role": account.role}
                        st.rerun()
        elif not oidc_configured():
            st.caption("Inga konton är inlagda. Se .streamlit/secrets.toml.example.")


def sidebar() -> None:
    """The shared sidebar: municipality, period, data notice, sign-in. Widget keys are owned here."""
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
    sign_in_panel()


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


# The upload page's pieces ---------------------------------------------------------------------------------

NO_COLUMN = "— ingen —"
KIND_LABELS = {None: "Avgör automatiskt", "incidents": "Händelser", "areas": "Områdesgränser",
               "population": "Befolkning per område"}


def mapping_editor(headers: list[str], mapping: dict[str, str | None]) -> dict[str, str | None]:
    """Let the coordinator confirm or correct which column holds which field."""
    chosen: dict[str, str | None] = {}
    columns = st.columns(3)
    for index, field in enumerate(INCIDENT_FIELDS):
        options = [NO_COLUMN, *headers]
        current = mapping.get(field)
        picked = columns[index % 3].selectbox(
            FIELD_LABELS[field].capitalize(), options, index=options.index(current) if current in headers else 0,
            key=f"upload_kolumn_{field}")
        chosen[field] = None if picked == NO_COLUMN else picked
    return chosen


def unknown_values_editor(result: ImportResult) -> None:
    """Map unknown categories and risk factors onto existing ones, or leave such rows out, on purpose."""
    con = connection()
    for kind, values in result.unknown.items():
        table = "categories" if kind == "category" else "risk_factors"
        vocabulary = dict(queries.rows(con, "SELECT code, label FROM " + table + " ORDER BY label COLLATE sv"))
        label = "kategorier" if kind == "category" else "riskfaktorer"
        st.markdown(f"**Okända {label}** – koppla dem till befintliga innan du importerar:")
        choices = {}
        for number, (value, count) in enumerate(sorted(values.items(), key=lambda item: -item[1])):
            options = ["", *vocabulary, *(["-", "+"] if kind == "category" else [])]
            names = {"": "Välj …", "-": "Lämna utanför lägesbilden", "+": f"Lägg till ”{value}” som ny kategori",
                     **vocabulary}
            choices[value] = st.selectbox(f"{value} ({count} rader)", options, format_func=names.get,
                                          key=f"upload_koppla_{kind}_{number}")
        if st.button(f"Spara kopplingar för {label}", key=f"upload_spara_{kind}"):
            who = st.session_state.get("inloggning", {}).get("username", "samordnare")
            for value, code in choices.items():
                if code == "+":
                    add_category(con, value, who)
                elif code:
                    add_alias(con, kind, value, None if code == "-" else code, who)
            st.success("Kopplingarna är sparade och gäller även nästa fil.")
            st.rerun()


LOCAL_ZONES = {f"EPSG:{3006 + n}": f"SWEREF 99 {name}" for n, name in enumerate(
    ["12 00", "13 30", "15 00", "16 30", "18 00", "14 15", "15 45", "17 15", "18 45", "20 15", "21 45", "23 15"],
    start=1)}


def crs_choice() -> str | None:
    """Ask for the coordinate system of a boundary file that does not state one."""
    options = ["", "EPSG:3006", *LOCAL_ZONES, "EPSG:3021", "EPSG:4326"]
    names = {"": "Välj …", "EPSG:3006": "SWEREF 99 TM", "EPSG:3021": "RT 90 2,5 gon V", "EPSG:4326": "WGS84",
             **LOCAL_ZONES}
    return st.selectbox("Koordinatsystem", options, format_func=names.get, key="upload_crs") or None


def run_import(data: bytes, file_name: str, options: ImportOptions) -> ImportResult:
    """Import (or dry-run) the uploaded bytes."""
    options = replace(options, store_free_text=settings().store_free_text)
    return import_bytes(connection(), data, file_name, options)


def show_result(result: ImportResult, data: bytes, file_name: str) -> None:
    """Counts, left-out rows, problems and a download of the rejected rows."""
    if result.status == "refused":
        st.error(result.summary("sv"))
    elif result.status == "dry-run":
        st.info(result.summary("sv") + " Inget har sparats ännu.")
    else:
        st.success(result.summary("sv"))
    if result.ignored:
        st.caption("Utanför lägesbilden: " + "; ".join(f"{n} × {r}" for r, n in result.ignored.items()))
    rows = [p for p in result.problems if p.row is not None]
    if rows:
        st.dataframe(
            [{"Rad": p.row, "Kolumn": p.column or "", "Värde": p.value or "", "Fel": p.reason("sv")}
             for p in rows[:500]], hide_index=True, width="stretch")
        try:
            table = read_table(data, file_name)
        except Exception:  # noqa: BLE001 - fall back to row numbers and reasons only
            table = None
        st.download_button("Ladda ner rader med fel (CSV för Excel)",
                           exports.excel_csv(exports.rejected_rows(table, rows)),
                           file_name=f"fel_{file_name.rsplit('.', 1)[0]}.csv", mime="text/csv",
                           key=f"upload_ladda_ner_fel_{result.status}")


def import_history() -> None:
    """Every import, with undo for the coordinator."""
    con = connection()
    history = queries.imports_table(con)
    st.dataframe(history, hide_index=True, width="stretch")
    stored = history[history["Status"] == "sparad"]["Nr"].tolist()
    if not stored:
        return
    chosen = st.selectbox("Ångra en import", stored, key="upload_angra_nr",
                          format_func=lambda n: f"{n}: " + history.loc[history["Nr"] == n, "Fil"].iloc[0])
    confirmed = st.checkbox("Ja, ta bort allt som den importen sparade", key="upload_angra_bekrafta")
    if st.button("Ångra import", disabled=not confirmed, key="upload_angra"):
        who = st.session_state.get("inloggning", {}).get("username", "samordnare")
        try:
            removed = undo_import(con, int(chosen), undone_by=who)
        except Exception as exc:  # noqa: BLE001 - the reason is shown to the coordinator
            st.error(getattr(exc, "problem", None).reason("sv") if hasattr(exc, "problem") else str(exc))
            return
        st.success(f"Import {chosen} är ångrad: " + ", ".join(f"{n} {t}" for t, n in removed.items()) + ".")


def source_codes() -> dict[str, str]:
    """Source code -> Swedish label."""
    return dict(queries.rows(connection(), "SELECT code, label FROM sources ORDER BY label COLLATE sv"))


def signed_in_name() -> str:
    """Who is signed in (for the import record)."""
    signed_in = st.session_state.get("inloggning")
    if signed_in:
        return signed_in["username"]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        return st.user.get("email", "oidc")
    return "okänd"
