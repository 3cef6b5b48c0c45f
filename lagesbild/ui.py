"""The one module of the core that imports Streamlit: connection, cached loaders and the shared sidebar.

Everything here is glue. The work happens in plain modules (`queries`, `overview`, …) that take a
connection and a `Filters` object; this module supplies both and caches results keyed by the filters and
the data version, so that an import invalidates stale results.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date
from urllib.parse import urlencode, urlsplit

import duckdb
import streamlit as st

from lagesbild import auth, db, exports, formatting, overview, queries
from lagesbild import view as view_module
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


@st.cache_data(ttl=600, max_entries=8, show_spinner=False)
def _labels(version: int) -> dict[str, dict[str, str]]:
    con = connection()
    return {
        "categories": {c: f"{g}: {lab}" for c, lab, g in queries.rows(
            con, "SELECT code, label, category_group FROM categories ORDER BY category_group COLLATE sv,"
                 " label COLLATE sv")},
        "risk_factors": dict(queries.rows(con, "SELECT code, label FROM risk_factors ORDER BY label COLLATE sv")),
        "sources": dict(queries.rows(con, "SELECT code, label FROM sources ORDER BY label COLLATE sv")),
        "areas": dict(queries.rows(
            con, "SELECT code, name FROM areas WHERE division = coalesce((SELECT value FROM meta"
                 " WHERE key = 'division'), division) ORDER BY name COLLATE sv")),
    }


def labels() -> dict[str, dict[str, str]]:
    """Code -> Swedish label for categories (with their group), risk factors, sources and areas."""
    return _labels(data_version())


def vocabulary() -> view_module.Vocabulary:
    found = labels()
    return view_module.Vocabulary(*(frozenset(found[k]) for k in ("categories", "risk_factors", "sources", "areas")))


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
    state["filter_veckodag"] = list(f.weekdays)
    state["filter_timme_fran"], state["filter_timme_till"] = f.hour_from, f.hour_to
    state["filter_matt"] = view.measure
    state["karta_lager"] = list(view.layers)
    state["karta_ruta"] = view.grid
    state["karta_centrum"] = view.centre


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
        st.warning(notice, icon=":material/link_off:")


def sidebar() -> None:
    """The shared sidebar: period and filters (restored from the link), data notice, sign-in."""
    name, synthetic, found = header()
    names = labels()
    st.sidebar.markdown(f"**{name or 'Lägesbild'}** · lokal lägesbild")
    options = [*PERIOD_PRESETS, CUSTOM_PERIOD]
    period_labels = {**PERIOD_PRESETS, CUSTOM_PERIOD: "Eget intervall"}
    preset = st.sidebar.selectbox("Period", options, format_func=period_labels.get, key="period_preset")
    if preset == CUSTOM_PERIOD:
        if "period_range" not in st.session_state:
            st.session_state["period_range"] = preset_period("12m", anchor_day())
        chosen = st.sidebar.date_input("Från och med – till och med", format="YYYY-MM-DD", key="period_range")
        if not (isinstance(chosen, tuple) and len(chosen) == 2):
            st.sidebar.caption("Välj både första och sista dag.")
    st.sidebar.multiselect("Kategori", list(names["categories"]), format_func=names["categories"].get,
                           key="filter_kategori", placeholder="Alla kategorier")
    st.sidebar.multiselect("Riskfaktor", list(names["risk_factors"]), format_func=names["risk_factors"].get,
                           key="filter_riskfaktor", placeholder="Alla, med eller utan riskfaktor")
    if st.session_state.get("filter_riskfaktor"):
        st.sidebar.radio("Händelser med", ["any", "all"], horizontal=True, key="filter_matchning",
                         format_func={"any": "någon av dem", "all": "alla valda"}.get)
    st.sidebar.radio("Visa", list(view_module.MEASURES), format_func=view_module.MEASURES.get,
                     key="filter_matt", horizontal=False)
    with st.sidebar.expander("Fler filter: källa, område, veckodag, klockslag"):
        st.multiselect("Källa", list(names["sources"]), format_func=names["sources"].get, key="filter_kalla",
                       placeholder="Alla källor")
        st.multiselect("Område", list(names["areas"]), format_func=names["areas"].get, key="filter_omrade",
                       placeholder="Hela kommunen")
        st.multiselect("Veckodag", list(range(1, 8)), format_func=lambda d: view_module.WEEKDAY_LABELS[d - 1],
                       key="filter_veckodag", placeholder="Alla dagar")
        left, right = st.columns(2)
        left.selectbox("Från kl.", list(range(24)), format_func=lambda h: f"{h:02d}", key="filter_timme_fran")
        right.selectbox("Till och med kl.", list(range(24)), format_func=lambda h: f"{h:02d}",
                        key="filter_timme_till")
    if found:
        st.sidebar.caption(f"Data från {formatting.day(found[0])} till {formatting.day(found[1])}.")
    if synthetic:
        st.sidebar.caption("Uppgifterna är syntetiska (demo).")
    sign_in_panel()


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
        centre=tuple(state.get("karta_centrum", view_module.DEFAULT_CENTRE)), page=page)


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


# Map, profile and time patterns ---------------------------------------------------------------------------

@st.cache_data(ttl=600, max_entries=32, show_spinner="Ritar kartan …")
def _map(view: view_module.View, viewer: bool, threshold: int, version: int):
    from lagesbild import maps

    return maps.build(connection(), view, viewer=viewer, threshold=threshold)


def load_map(view: view_module.View):
    """The map and its tables for a view, cached per view, role and data version."""
    return _map(view, is_viewer(), settings().suppression_threshold, data_version())


@st.cache_data(ttl=600, max_entries=32, show_spinner=False)
def _profile(filters: Filters, code: str, today: date, viewer: bool, threshold: int, version: int):
    from lagesbild import profile

    return profile.build(connection(), filters, code, today=today, viewer=viewer, threshold=threshold)


def load_profile(filters: Filters, code: str):
    """An area's profile under the filters."""
    return _profile(filters, code, date.today(), is_viewer(), settings().suppression_threshold, data_version())


@st.cache_data(ttl=600, max_entries=32, show_spinner="Räknar …")
def _time_patterns(filters: Filters, viewer: bool, threshold: int, version: int):
    from lagesbild import charts

    con = connection()
    hidden = threshold if viewer else None
    now = queries.monthly_counts(con, filters)
    before = queries.monthly_counts(con, filters.previous_year())
    if viewer:  # a month with 1–4 incidents is a gap in the line, not a number
        from lagesbild import privacy

        for frame in (now, before):
            frame["count"] = frame["count"].where(~privacy.is_suppressed(frame["count"], threshold))
    everything = queries.monthly_counts(con, Filters(**{**filters.__dict__, "start": date(1900, 1, 1),
                                                        "end": filters.end}))
    return (charts.hour_weekday_heatmap(queries.hour_weekday(con, filters), hidden),
            charts.months_against_last_year(now, before), charts.year_wheel(everything))


def load_time_patterns(filters: Filters):
    """Hour × weekday, months against last year, and the yearly cycle, for the filters."""
    return _time_patterns(filters, is_viewer(), settings().suppression_threshold, data_version())


def legend(title: str, entries: list[tuple[str, tuple[int, int, int]]], hidden_label: str) -> None:
    """The map's legend (our own numbers and colours only: no uploaded text reaches this HTML)."""
    swatches = "".join(
        f'<span style="display:inline-block;margin-right:10px"><span style="display:inline-block;width:14px;'
        f'height:14px;background:rgb{colour};border:1px solid #888;vertical-align:middle"></span> {text}</span>'
        for text, colour in entries)
    hidden = (f'<span style="display:inline-block"><span style="display:inline-block;width:14px;height:14px;'
              f'background:rgba(160,160,160,0.3);border:1px solid #888;vertical-align:middle"></span> '
              f'{hidden_label} (visas inte)</span>')
    st.html(f'<div style="font-size:0.85rem"><b>{title}</b><br/>{swatches}{hidden}</div>')


@st.cache_data(ttl=600, max_entries=16, show_spinner="Räknar hot spots och prioriteringar …")
def _ranking(filters: Filters, weights, version: int):
    from lagesbild import priorities

    return priorities.rank(connection(), filters, weights)


def load_ranking(filters: Filters, weights):
    """The need-versus-coverage ranking for the filters and weights."""
    return _ranking(filters, weights, data_version())


def weight_sliders():
    """The ranking's weights, with sensible defaults, adjustable by the security chief."""
    from lagesbild.priorities import Weights

    default = Weights()
    with st.expander("Vikter i rangordningen"):
        columns = st.columns(5)
        chosen = {}
        for column, (name, text) in zip(columns, [
                ("rate", "Skadeviktad nivå"), ("trend", "Ökning"), ("hotspots", "Hot spots"),
                ("lift", "Riskfaktorer"), ("coverage", "Pågående insatser (drar ner)")], strict=True):
            chosen[name] = column.slider(text, 0.0, 1.0, getattr(default, name), 0.05, key=f"prio_vikt_{name}")
    return Weights(**chosen)


def hotspot_deck(found, ranking=None):
    """The hot-spot map (squares coloured by class, areas shaded by rank), built from the analysis."""
    from lagesbild import maps

    return maps.hotspot_deck(found, queries.area_shapes(connection()), ranking)


def hotspot_table(found):
    """The hot and cold squares as a Swedish table."""
    from lagesbild import maps

    return maps.hotspot_table(found)


# Interventions: register, follow-up, action plan -------------------------------------------------------------

def interventions_listing():
    from lagesbild import register

    return register.listing(connection())


def intervention_form(existing, key: str):
    """The register form (coordinators): returns an Intervention when submitted, else None."""
    from lagesbild import register

    names = labels()
    item = existing or register.Intervention(name="", kind="", start=date.today())
    with st.form(key):
        left, right = st.columns(2)
        name = left.text_input("Namn", item.name)
        kind = right.text_input("Typ (t.ex. Belysning, Trygghetsvärdar)", item.kind)
        start = left.date_input("Start", item.start, format="YYYY-MM-DD")
        end = right.date_input("Slut (tomt = tills vidare)", item.end, format="YYYY-MM-DD")
        areas = st.multiselect("Områden", list(names["areas"]), item.area_codes, format_func=names["areas"].get)
        risks = st.multiselect("Riskfaktorer som insatsen riktar sig mot", list(names["risk_factors"]),
                               item.risk_factors, format_func=names["risk_factors"].get)
        categories = st.multiselect("Kategorier som insatsen ska minska", list(names["categories"]),
                                    item.categories, format_func=names["categories"].get)
        responsible = st.multiselect("Ansvariga", list(register.ACTORS),
                                     [r for r in item.responsible if r in register.ACTORS])
        a, b, c, d = st.columns(4)
        status = a.selectbox("Status", list(register.STATUSES), list(register.STATUSES).index(item.status))
        dose = b.number_input("Omfattning", min_value=0.0, value=item.dose_value, placeholder="t.ex. 24")
        unit = c.text_input("Enhet", item.dose_unit or "", placeholder="timmar per vecka")
        cost = d.number_input("Kostnad (kr)", min_value=0.0, value=item.cost_sek, step=1000.0)
        problem = st.text_area("Problemet som insatsen ska lösa", item.problem or "", height=70)
        if not st.form_submit_button("Spara", type="primary"):
            return None
    return register.Intervention(name=name, kind=kind, start=start, end=end or None, area_codes=areas,
                                 responsible=responsible, risk_factors=risks, categories=categories, status=status,
                                 dose_value=dose, dose_unit=unit or None, cost_sek=cost, problem=problem or None,
                                 geojson=item.geojson)


def save_intervention(number: int | None, item) -> bool:
    """Create or update; shows what happened. Returns True when saved."""
    from lagesbild import register

    require_role("coordinator")
    con = connection()
    errors = register.problems(con, item)
    if errors:
        for error in errors:
            st.error(error)
        return False
    if number is None:
        number = register.create(con, item, signed_in_name())
        flash(f"Insatsen ”{item.name}” är sparad.")
    else:
        changed = register.update(con, number, item, signed_in_name())
        flash("Ändringarna är sparade." if changed else "Inget ändrades.")
    return True


def flash(text: str) -> None:
    """A confirmation that survives the rerun after a change."""
    st.session_state["_meddelande"] = text


def show_flash() -> None:
    if "_meddelande" in st.session_state:
        st.success(st.session_state.pop("_meddelande"))


def end_or_delete(number: int, name: str) -> None:
    """End or delete an intervention (coordinators), with a confirmation."""
    from lagesbild import register

    left, right = st.columns(2)
    with left:
        on = st.date_input("Avsluta per", date.today(), format="YYYY-MM-DD", key="insats_avsluta_datum")
        if st.button("Avsluta insatsen", key="insats_avsluta"):
            register.end(connection(), number, on, signed_in_name())
            flash(f"”{name}” är avslutad.")
            st.rerun()
    with right:
        sure = st.checkbox("Ja, ta bort insatsen helt", key="insats_ta_bort_bekrafta")
        if st.button("Ta bort", disabled=not sure, key="insats_ta_bort"):
            register.delete(connection(), number, signed_in_name())
            flash(f"”{name}” är borttagen. Ändringsloggen behåller vad den var.")
            st.rerun()


@st.cache_data(ttl=600, max_entries=64, show_spinner="Följer upp …")
def _evaluation(number: int, options, version: int):
    from lagesbild import followup

    return followup.evaluate(connection(), number, options)


def load_evaluation(number: int, options):
    """The follow-up of one intervention, cached per options and data version."""
    return _evaluation(number, options, data_version())


def change_log():
    from lagesbild import register

    return register.history(connection())
