"""UI glue for the rapportör's one page: the report form, its draft, the receipt and the author's recent reports.

The draft lives in `st.session_state` (the widgets' own keys, which end in the draft's token, and the picked
point) until a receipt comes back, when a new token gives a fresh form: a send that fails — the database refuses, the connection drops — leaves every value where it
was, and sending again stores the report once (`observations.submit` is idempotent on the token). The work is in
`lagesbild.observations`.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import duckdb
import streamlit as st

from lagesbild import auth, db, formatting, observations
from lagesbild.settings import TIME_ZONE
from lagesbild.ui import phone
from lagesbild.ui.signin import current_organisation, current_role, signed_in_name
from lagesbild.ui.state import current_connection

__all__ = ["cancel_edit", "own_reports", "report_form", "require_reporter", "show_receipt"]

log = logging.getLogger(__name__)

_TOKEN = "rapport_nyckel"      # the draft's client token
_POINT = "rapport_punkt"       # (lon, lat, square size) picked on the map
_RECEIPT = "rapport_kvitto"    # the last receipt's text, shown once
_EDITING = "rapport_andrar"    # the number of the report being edited, if any
_TAPPED = "rapport_tryckt"     # the last square tapped on the map (a position asked for later replaces it)
_DRAFT = (_POINT, _TOKEN, _EDITING, _TAPPED)  # the widgets' keys carry the token: a new draft gets fresh widgets
_WHERE = {"punkt": "Peka på kartan", "omrade": "Hela området"}
_FAILED = ("Rapporten kunde inte skickas just nu. Inget har försvunnit: allt du fyllt i finns kvar här. "
           "Tryck på Skicka igen när du har täckning – rapporten sparas bara en gång.")


def require_reporter() -> str:
    """Stop the page unless a rapportör is signed in; returns their organisation."""
    if current_role() != auth.REPORTER:
        st.error("Den här sidan är till för rapportörer. Logga in med ditt rapportörskonto.")
        st.stop()
    return current_organisation()


def _token() -> str:
    if not st.session_state.get(_TOKEN):
        # hex, not url-safe base64: a component's key must never contain "__" (Streamlit's bidi delimiter), and
        # "_" + a token starting with "_", or "__" inside one, would: about one draft in 50.
        st.session_state[_TOKEN] = secrets.token_hex(16)
    return str(st.session_state[_TOKEN])


def _key(name: str) -> str:
    """A widget's key in this draft (`rapport_vad_<token>`)."""
    return f"rapport_{name}_{_token()}"


def _clear_draft() -> None:
    for key in _DRAFT:
        st.session_state.pop(key, None)


def show_receipt() -> None:
    """The receipt of the last send (once), above a fresh form."""
    text = st.session_state.pop(_RECEIPT, None)
    if text:
        st.success(text, icon=":material/check_circle:")
        st.toast(text, icon=":material/check_circle:")  # seen where the thumb is, not only at the top of the page


def _where(con: duckdb.DuckDBPyConnection) -> tuple[float | None, float | None, str | None, int]:
    """The where-part of the form: the phone's position, or an area and a point on its map, or the whole area."""
    areas = observations.areas(con)
    if areas.empty:
        st.warning("Kommunen har inga områden inlagda ännu; be samordnaren lägga in dem.")
        st.stop()
    names = dict(zip(areas["code"], areas["name"], strict=True))
    _use_position(con)
    if st.session_state.get(_key("omrade")) not in names:
        st.session_state[_key("omrade")] = observations.default_area(con, signed_in_name()) or next(iter(names))
    area = st.selectbox("Område", list(names), format_func=lambda c: names[c], key=_key("omrade"))
    how = st.radio("Plats", list(_WHERE), format_func=_WHERE.__getitem__, horizontal=True, key=_key("plats"))
    if how == "omrade":
        return None, None, area, observations.FINEST_PICK_M
    grid = observations.pick_grid(con, area)
    # The tap's selection is in the chart's state before the chart is drawn again: read it first, so the map
    # drawn in this run already shows the point.
    earlier = st.session_state.get(_key("karta")) or {}
    picked = ((earlier.get("selection") or {}).get("objects") or {}).get("rutor") or []
    tapped = (float(picked[0]["lon"]), float(picked[0]["lat"])) if picked else None
    if tapped is not None and tapped != st.session_state.get(_TAPPED):  # a new tap (not one the position replaced)
        st.session_state[_POINT] = (*tapped, grid.size_m, area)
        st.session_state[_TAPPED] = tapped
    point = st.session_state.get(_POINT)
    if point is not None and point[3] != area:
        point = None
    deck = observations.pick_deck(con, grid, point[:2] if point else None)
    st.pydeck_chart(deck, height=observations.PICK_MAP_HEIGHT, on_select="rerun", selection_mode="single-object",
                    key=_key("karta"))
    if point is None:
        st.caption("Tryck på kartan där du såg det.")
        return None, None, None, grid.size_m
    how_found = f"din position, ±{point[2]} m" if len(point) > 4 else f"en ruta på {point[2]} m"
    coarse = (f" Rutor på över {observations.STREET_UP_TO_M} m är för grova för en punkt: rapporten sparas på "
              "området." if point[2] > observations.STREET_UP_TO_M else "")
    st.caption(f"Vald plats: {formatting.number(point[1], 5)} N, {formatting.number(point[0], 5)} E "
               f"({how_found}).{coarse} "
               "Tryck på kartan för att ändra.")
    return point[0], point[1], area, int(point[2])


def _use_position(con: duckdb.DuckDBPyConnection) -> None:
    """The phone's position, when asked for: its area and point fill the where-part (drawn after this)."""
    found, failed = phone.position_request(_key("position"))
    if found is not None:
        try:
            place = observations.locate(con, found["lon"], found["lat"], found["noggrannhet"])
        except observations.ReportError as refused:
            failed = " ".join(refused.reasons)
        else:
            st.session_state[_key("omrade")], st.session_state[_key("plats")] = place.area_code, "punkt"
            st.session_state[_POINT] = (place.lon, place.lat, place.pick_m, place.area_code, "position")
    if failed:
        st.warning(formatting.plain(failed), icon=":material/location_off:")


def _when() -> datetime:
    zone = ZoneInfo(TIME_ZONE)
    now = datetime.now(zone)
    state = st.session_state  # defaults through the state, which an edit fills in instead
    state.setdefault(_key("nu"), True)
    if st.toggle("Just nu", key=_key("nu")):
        return datetime.now(UTC)
    state.setdefault(_key("datum"), now.date())
    state.setdefault(_key("tid"), now.time().replace(second=0, microsecond=0))
    left, right = st.columns(2)
    day = left.date_input("Datum", max_value=now.date(), format="YYYY-MM-DD", key=_key("datum"))
    clock = right.time_input("Klockslag", step=300, key=_key("tid"))
    return datetime.combine(day, clock, zone)


def report_form(organisation: str) -> None:
    """What, where, when, how serious: the form, and the send that keeps the draft when it fails."""
    con = current_connection()
    names = observations.choices(con)
    editing = st.session_state.get(_EDITING)
    if editing:
        st.info(f"Du ändrar rapport nr {editing}.")
    category = st.selectbox("Vad såg du?", list(names["categories"]), index=None, placeholder="Välj",
                            format_func=names["categories"].__getitem__, key=_key("vad"))
    factors = st.multiselect("Riskfaktorer du såg", list(names["risk_factors"]),
                             format_func=names["risk_factors"].__getitem__, placeholder="Välj (om några)",
                             key=_key("riskfaktorer"))
    lon, lat, area, size = _where(con)
    when = _when()
    st.session_state.setdefault(_key("allvar"), 2)
    seriousness = st.segmented_control("Hur allvarligt?", list(observations.SERIOUSNESS),
                                       format_func=lambda n: f"{n} – {observations.SERIOUSNESS[n]}",
                                       key=_key("allvar"))
    note = st.text_input("Kommentar (valfri, utan namn)", max_chars=observations.NOTE_MAX, key=_key("kommentar"),
                         help="Skriv vad som hänt, aldrig vem: namn och personnummer sparas inte.")
    st.caption(f"Rapporten sparas för {formatting.plain(organisation)}.")
    phone.connection_notice()
    label = "Spara ändringen" if editing else "Skicka"
    if not st.button(label, type="primary", key="rapport_skicka", width="stretch"):
        return
    report = observations.Report(category or "", when, int(seriousness or 0), lon, lat, area, tuple(factors), note,
                                 size)
    try:
        if editing:
            observations.edit(current_connection(), int(editing), report, author=signed_in_name())
            text = f"Rapport nr {editing} är ändrad."
        else:
            receipt = observations.submit(current_connection(), report, author=signed_in_name(),
                                          organisation=organisation, token=_token())
            text = receipt.text() + (" (Den hade redan kommit fram.)" if receipt.again else "")
    except observations.ReportError as refused:
        for reason in refused.reasons:
            st.error(formatting.plain(reason))
        return
    except (db.WriteError, duckdb.Error, OSError, TimeoutError) as failed:  # the draft stays for another try
        log.warning("a street report could not be stored: %s", failed)
        st.error(_FAILED, icon=":material/cloud_off:")
        return
    _clear_draft()
    st.session_state[_RECEIPT] = text
    st.rerun()


def own_reports() -> None:
    """The author's reports of the last day, each to change or take back."""
    found = observations.own_reports(current_connection(), signed_in_name())
    if found.empty:
        return
    hours = int(observations.EDIT_WINDOW.total_seconds() // 3600)
    st.subheader("Dina senaste rapporter")
    st.caption(f"En rapport kan ändras eller tas bort i {hours} timmar.")
    for row in found.itertuples():
        when = row.local_time.strftime("%Y-%m-%d %H:%M")
        with st.expander(f"Nr {row.number}: {row.category}, {row.area or 'utan område'} ({when})"):
            left, right = st.columns(2)
            if left.button("Ändra", key=f"rapport_andra_{row.number}"):
                _load_for_edit(int(row.number))
            sure = right.checkbox("Ja, ta bort", key=f"rapport_bekrafta_{row.number}")
            if right.button("Ta bort", disabled=not sure, key=f"rapport_ta_bort_{row.number}"):
                try:
                    observations.delete(current_connection(), int(row.number), author=signed_in_name())
                except observations.ReportError as refused:
                    st.error(formatting.plain(" ".join(refused.reasons)))
                    return
                except (db.WriteError, duckdb.Error, OSError) as failed:
                    log.warning("a street report could not be deleted: %s", failed)
                    st.error("Rapporten kunde inte tas bort just nu. Försök igen om en stund.")
                    return
                st.session_state[_RECEIPT] = f"Rapport nr {row.number} är borttagen."
                st.rerun()


def _load_for_edit(number: int) -> None:
    report = observations.load(current_connection(), number)
    _clear_draft()
    state = st.session_state
    state[_EDITING] = number
    state[_key("vad")] = report.category
    state[_key("riskfaktorer")] = list(report.risk_factors)
    state[_key("allvar")] = report.seriousness
    state[_key("kommentar")] = report.note
    state[_key("nu")] = False
    local = report.occurred_at.astimezone(ZoneInfo(TIME_ZONE))
    state[_key("datum")], state[_key("tid")] = local.date(), local.time().replace(second=0, microsecond=0)
    if report.lon is not None and report.lat is not None:
        area = observations.area_of(current_connection(), report.lon, report.lat)
        state[_key("omrade")], state[_key("plats")] = area, "punkt"
        state[_POINT] = (report.lon, report.lat, report.pick_m, area)
    else:
        state[_key("omrade")], state[_key("plats")] = report.area_code, "omrade"
    st.rerun()


def cancel_edit() -> None:
    """A way out of editing, back to a new report."""
    if st.session_state.get(_EDITING) and st.button("Avbryt ändringen", key="rapport_avbryt"):
        _clear_draft()
        st.rerun()
