"""UI glue for published versions (lagesbild.published): opening one from its link, the banner on every page,
the staff's "Publicera lägesbild" form, the list of versions and what changed since the one before.

A link `?version=3` makes the whole session read the version's frozen file (`state.connection`); alone it opens
the view the version was published with. The viewer may still change the filters within the frozen data — the
numbers stay those of the adopted data, and exploring them (one district, one category) is what a council
member reading a lägesbild does; the banner then says the view differs from the published one and offers it
back with one click.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pandas as pd
import streamlit as st

from lagesbild import db, formatting, published
from lagesbild import view as view_module
from lagesbild.protect import Disclosure
from lagesbild.ui.sidebar import current_view
from lagesbild.ui.signin import current_role, is_viewer
from lagesbild.ui.state import (
    VERSION_KEY,
    current_connection,
    data_version,
    disclosure,
    flash,
    pinned_version,
    settings,
    show_flash,
)
from lagesbild.ui.tables import show_table

_NOTICE = "_publicerat_meddelande"
_SEEN = "_publicerat_sedd_version"
_MIME = {".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".pdf": "application/pdf"}
_NOT_COMPARED = ("sida", "karta", "version")   # the page and map position are not part of what was adopted


def choose_version() -> None:
    """On a session's first run, open the published version its link names (before the link's view is read,
    so the view is read against the version's own data). An unknown version is said, and the current data shown."""
    if st.session_state.get("_lank_last"):
        return
    text = st.query_params.get("version")
    st.session_state.pop(VERSION_KEY, None)
    if text is None or not text.isdigit():
        return   # a value that is not a number is reported with the link's other notices
    found = published.get(current_connection(), int(text))
    missing = found is not None and not published.file_path(settings().db_path, found).exists()
    if found is None or missing:
        st.session_state[_NOTICE] = (
            f"Publicerad lägesbild {text} kan inte öppnas: dess uppgifter finns inte längre kvar. " if missing
            else f"Det finns ingen publicerad lägesbild {text}. ") + "Här visas den aktuella lägesbilden."
        del st.query_params["version"]
        return
    st.session_state[VERSION_KEY] = found
    if not set(st.query_params.keys()) - {"version", *view_module.STREAMLIT_PARAMETERS}:
        st.query_params.update(found.query)   # the permanent link alone opens the view that was published


def _leave_version() -> None:
    st.session_state.pop(VERSION_KEY, None)
    if "version" in st.query_params:
        del st.query_params["version"]


def _restore_view(number: int) -> None:
    st.session_state["_lank_last"] = False   # the link is read again, as when it was first opened
    st.query_params.from_dict({"version": str(number)})


def version_banner() -> None:
    """On every page: which published version is shown, whether newer data exist, and the way back."""
    notice = st.session_state.pop(_NOTICE, None)
    if notice:
        st.warning(notice, icon=":material/link_off:")
    pinned = pinned_version()
    if pinned is None:
        return
    last = f", data till och med {formatting.day(pinned.last_day)}" if pinned.last_day else ""
    newer = published.newer_data(current_connection(), pinned)
    st.info(f"**Publicerad lägesbild {pinned.id} – ”{formatting.plain(pinned.title)}”**, publicerad "
            f"{formatting.day(pinned.published_day)} av {pinned.role_label}{last}. "
            + ("Nyare uppgifter finns." if newer else "Inga nyare uppgifter har tillkommit."),
            icon=":material/verified:")
    left, right = st.columns([1, 3])
    left.button("Visa aktuell lägesbild", key="publicerat_till_aktuell", on_click=_leave_version,
                icon=":material/update:")
    shown = {k: v for k, v in view_module.to_query(current_view()).items() if k not in _NOT_COMPARED}
    if shown != {k: v for k, v in pinned.query.items() if k not in _NOT_COMPARED}:
        right.button("Återställ den publicerade vyn", key="publicerat_aterstall", on_click=_restore_view,
                     args=(pinned.id,), icon=":material/restart_alt:",
                     help="Du har ändrat filtren sedan länken öppnades; uppgifterna är fortfarande de publicerade.")


def _base_url() -> str:
    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}/" if parts.netloc else "/"


def permanent_link(version: published.Version) -> str:
    """The version's permanent link (the start page URL with `?version=`)."""
    return _base_url() + "?" + urlencode(version.link_query())


def publish_form() -> None:
    """Staff only: title, the analyst's comment, and the sidebar's view, published as a new version."""
    seen, st.session_state[_SEEN] = st.session_state.get(_SEEN), data_version()
    if is_viewer():
        return
    st.subheader("Publicera lägesbild")
    if pinned_version() is not None:
        st.info("Du visar en publicerad lägesbild. Gå till den aktuella lägesbilden för att publicera en ny.")
        return
    view = current_view()
    st.caption(f"Versionen fryses med uppgifterna som de är nu och vyn i sidofältet: "
               f"{formatting.period(view.filters.start, view.filters.end)}"
               + (", med filter." if _selection_note(view) else ", hela kommunen, alla händelser."))
    with st.form("publicerat_formular", clear_on_submit=False):
        title = st.text_input("Rubrik", max_chars=published.TITLE_MAX, key="publicerat_rubrik",
                              placeholder="Lägesbild 2026 till kommunstyrelsen")
        comment = st.text_area("Analytikerns kommentar", max_chars=published.COMMENT_MAX, key="publicerat_kommentar",
                               help="Vanlig text, visas som den skrivs. Inga personuppgifter: personnummer och "
                                    "namn på personer tas inte emot.")
        submitted = st.form_submit_button("Publicera lägesbild", type="primary", icon=":material/publish:")
    if not submitted:
        return
    try:
        done = published.publish(settings().db_path, title=title, comment=comment, view=view, role=current_role(),
                                 expected_version=seen)
    except db.WriteError as exc:
        st.error(formatting.plain(exc.reason))
        return
    stored = store_report_files(done.version)
    for key in ("publicerat_rubrik", "publicerat_kommentar"):   # an empty form for the next version
        st.session_state.pop(key, None)
    flash(f"Lägesbild {done.version.id} är publicerad" + (" med rapportfiler." if stored else "."))
    st.rerun()


def _selection_note(view: view_module.View) -> bool:
    return bool({k for k in view_module.to_query(view) if k not in ("period", "fran", "till", "sida", "karta")})


def render_reports(version: published.Version) -> dict[str, bytes]:
    """The version's report files (name -> bytes), protected as for viewers (`published.make_reports`)."""
    with st.spinner("Skapar lägesbilden som Word- och PDF-fil …"):
        return published.make_reports(settings().db_path, version, threshold=settings().suppression_threshold,
                                      link=permanent_link(version))


def store_report_files(version: published.Version) -> list[Path]:
    """Render and keep the version's report files; a failure leaves the version without them, said once."""
    try:
        files = render_reports(version)
    except Exception as exc:  # noqa: BLE001 - the version is published; the report can be made again
        st.session_state[_NOTICE] = (f"Rapportfilerna till lägesbild {version.id} kunde inte skapas "
                                     f"({type(exc).__name__}); versionen är publicerad utan dem och de kan skapas "
                                     "igen under Publicerade lägesbilder.")
        return []
    return published.store_reports(settings().db_path, version.id, files) if files else []


@st.cache_data(max_entries=32, show_spinner="Jämför med förra versionen …")
def _changes(master: str, number: int, shown: Disclosure) -> list[str]:
    """What changed since the version before `number` (frozen files never change: cached by their numbers)."""
    con = current_connection()
    version = published.get(con, number)
    assert version is not None
    before = published.previous(con, version)
    return published.changes(None if before is None else (before, _figures(master, before, shown)),
                             (version, _figures(master, version, shown)), shown)


def _figures(master: str, version: published.Version, shown: Disclosure) -> published.KeyFigures:
    frozen = published.open_version(master, version)
    try:
        return published.key_figures(frozen, published.frozen_view(frozen, version), shown)
    finally:
        frozen.close()


def versions_list() -> None:
    """The published versions, newest first, and one chosen version's text, link, files and changes."""
    show_flash()
    found = published.versions(current_connection())
    st.subheader("Publicerade versioner")
    if not found:
        st.info("Ingen lägesbild har publicerats ännu.")
        return
    show_table(pd.DataFrame({
        "Nr": [v.id for v in found], "Rubrik": [v.title for v in found],
        "Publicerad": [formatting.day(v.published_day) for v in found],
        "Av": [v.role_label for v in found],
        "Data till och med": [formatting.day(v.last_day) if v.last_day else "–" for v in found],
        "Period": [formatting.period(v.period_start, v.period_end) for v in found],
    }), key="publicerat_lista")
    by_number = {v.id: v for v in found}
    pinned = pinned_version()
    number = st.selectbox("Visa version", list(by_number), key="publicerat_val",
                          index=list(by_number).index(pinned.id) if pinned and pinned.id in by_number else 0,
                          format_func=lambda n: f"{n} – {by_number[n].title}", placeholder="Välj")
    _details(by_number[number])


def _details(version: published.Version) -> None:
    st.markdown(f"#### Lägesbild {version.id}: {formatting.plain(version.title)}")
    if version.comment:
        st.markdown("**Analytikerns kommentar**")
        st.text(version.comment)   # plain text: never read as markdown
    st.caption("Permanent länk – visar alltid den här versionen, även när nya uppgifter har kommit in:")
    st.code(permanent_link(version), language=None, wrap_lines=True)
    if st.button("Öppna den här versionen", key="publicerat_oppna", icon=":material/open_in_new:"):
        st.session_state["_lank_last"] = False
        st.switch_page("app_pages/oversikt.py", query_params=version.link_query())
    files = published.reports(settings().db_path, version.id)
    if not files and not is_viewer() and st.button("Skapa rapportfilerna (Word och PDF)", key="publicerat_rapport"):
        store_report_files(version)
        st.rerun()
    for path in files:
        st.download_button(f"Ladda ned {path.name}", path.read_bytes(), file_name=f"lagesbild-{version.id}{path.suffix}",
                           mime=_MIME.get(path.suffix), key=f"publicerat_fil_{path.suffix[1:]}",
                           icon=":material/download:", on_click="ignore")
    st.markdown("**Vad har ändrats sedan förra versionen**")
    lead, *rest = _changes(str(settings().db_path), version.id, disclosure())
    st.markdown(formatting.plain(lead) + "\n\n" + "\n".join("- " + formatting.plain(line) for line in rest))


__all__ = ["choose_version", "permanent_link", "publish_form", "render_reports", "store_report_files",
           "version_banner", "versions_list"]
