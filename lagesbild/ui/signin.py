"""UI glue: who is signed in, with which role, and the sign-in panel in the sidebar.

OIDC sign-in (`st.login`) lasts through Streamlit's own signed cookie. A local account's sign-in lasts through
our cookie (see `auth.issue_session`): set and cleared by a small script in the page, read back from
`st.context.cookies` when a new browser session starts (a reload, a link opened in a new tab). The token is
never put in a URL. Failed local sign-ins are throttled per user name and per client (`auth.Throttle`).
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import streamlit as st

from lagesbild import auth
from lagesbild.settings import TIME_ZONE

log = logging.getLogger(__name__)

_SIGNED_IN = "inloggning"  # {"username", "role"} of a local account in this browser session
_COOKIE = "_inloggning_kaka"  # {"token_id", "expires"} of the cookie this session signed in with
_COOKIE_READ = "_inloggning_kaka_last"  # the cookie has been looked at once in this session
_COOKIE_WRITE = "_inloggning_kaka_skriv"  # a token to set in the browser, or "" to clear the cookie
_OIDC_NAME_CLAIMS = ("email", "preferred_username", "upn", "name", "sub")
_warned_weak: set[str] = set()


def _secrets() -> dict:
    """Secrets as a plain dict ({} when the app has none)."""
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


@st.cache_resource
def _throttle() -> auth.Throttle:
    return auth.Throttle()


@st.cache_resource
def _revocations() -> auth.Revocations:
    return auth.Revocations()


def oidc_configured() -> bool:
    """Whether sign-in goes through the municipality's OIDC provider (an [auth] block in secrets)."""
    return "auth" in _secrets()


def _oidc_signed_in() -> bool:
    return oidc_configured() and bool(getattr(st.user, "is_logged_in", False))


def _restore_from_cookie() -> None:
    """Sign a local account back in from its cookie, once per browser session; ignore a bad cookie."""
    state = st.session_state
    if _SIGNED_IN in state or state.get(_COOKIE_READ):
        return
    state[_COOKIE_READ] = True
    token = st.context.cookies.get(auth.COOKIE_NAME)
    if not isinstance(token, str) or not token:  # no cookie (or no real browser, as under AppTest)
        return
    config = _secrets()
    key = auth.session_key(config)
    session = None
    if key is not None:
        session = auth.read_session(key, token, auth.accounts_from(config), revoked=_revocations())
    if session is None:  # tampered, expired, signed out, or the account or its password changed
        state[_COOKIE_WRITE] = ""
        return
    state[_SIGNED_IN] = {"username": session.account.username, "role": session.account.role}
    state[_COOKIE] = {"token_id": session.token_id, "expires": session.expires}


def current_role() -> str:
    """viewer, staff, coordinator or reporter (outside the ladder: sees only the report form) for this session."""
    if _oidc_signed_in():
        email = st.user.get("email")
        return auth.role_for_email(_secrets(), email if isinstance(email, str) else None)
    _restore_from_cookie()
    signed_in = st.session_state.get(_SIGNED_IN)
    return signed_in["role"] if signed_in else "viewer"


def is_viewer() -> bool:
    """Whether the person sees aggregates only (everyone not signed in as staff or coordinator; a reporter sees
    no data page at all, which the router and `require_role` see to)."""
    return not auth.at_least(current_role(), "staff")


def require_role(role: str) -> None:
    """Stop the page unless the person has `role`: pages check this themselves, not only the menu."""
    if not auth.at_least(current_role(), role):
        st.error(f"Den här sidan kräver att du är inloggad som {auth.ROLE_LABELS[role].lower()}.")
        st.stop()


def signed_in_name() -> str:
    """Who is signed in, for the audit trail: the OIDC e-mail (or a name claim), the local user or 'okänd'."""
    if _oidc_signed_in():
        for claim in _OIDC_NAME_CLAIMS:
            value = st.user.get(claim)
            if value:
                return str(value)
    _restore_from_cookie()
    signed_in = st.session_state.get(_SIGNED_IN)
    return signed_in["username"] if signed_in else "okänd"


def current_organisation() -> str:
    """A rapportör's organisation (from their account or `[roles.organisations]`), the source of their reports."""
    return auth.organisation_for(_secrets(), signed_in_name())


def _client() -> str:
    """Who tries to sign in, for throttling: the connection's address, or a proxy's header if configured."""
    header = str(dict(_secrets().get("local", {})).get("client_ip_header", ""))
    if header:
        forwarded = st.context.headers.get(header, "")
        if forwarded:
            # The last entry is the one our own proxy added; the ones before it are the client's word.
            return forwarded.split(",")[-1].strip()
    return st.context.ip_address or "lokal"


def _write_cookie() -> None:
    """Set or clear the local-account cookie in the browser, if this run has one to write."""
    token = st.session_state.pop(_COOKIE_WRITE, None)
    if token is None:
        return
    max_age = max(0, int(st.session_state.get(_COOKIE, {}).get("expires", 0) - time.time())) if token else 0
    cookie = f"{auth.COOKIE_NAME}={token}; Max-Age={max_age}; Path=/; SameSite=Strict"
    script = (f"<script>document.cookie = {json.dumps(cookie)} + "
              "(location.protocol === 'https:' ? '; Secure' : '');</script>")
    st.sidebar.html(script, unsafe_allow_javascript=True)


def _retry_text(until: float) -> str:
    wait = max(1, round(until - time.time()))
    amount = f"{wait} sekunder" if wait < 90 else f"{round(wait / 60)} minuter"
    clock = datetime.fromtimestamp(until, ZoneInfo(TIME_ZONE)).strftime("%H:%M:%S")
    return f"För många misslyckade inloggningar. Försök igen om {amount} (kl. {clock})."


def _warn_weak(accounts: dict[str, auth.Account]) -> None:
    for username in auth.weak_accounts(accounts):
        if username not in _warned_weak:
            _warned_weak.add(username)
            log.warning("local account %r cannot sign in: its password hash has fewer than %d iterations; %s",
                        username, auth.MIN_ITERATIONS, auth.REHASH_HINT)


def _try_password(accounts: dict[str, auth.Account], username: str, password: str) -> None:
    """Check a password against the throttle and the accounts; sign in or say why not."""
    throttle, client = _throttle(), _client()
    until = throttle.locked_until(username, client)
    if until is not None:
        st.error(_retry_text(until))
        return
    try:
        account = auth.authenticate(accounts, username, password)
    except auth.WeakHashError as weak:
        log.warning("%s", weak)
        st.error("Kontots lösenord är sparat med en för svag hashning och kan inte användas. Be "
                 "administratören skapa en ny hash med `python -m lagesbild hash-password` och byta ut den i "
                 "secrets.toml.")
        return
    if account is None:
        throttle.failed(username, client)
        until = throttle.locked_until(username, client)
        st.error("Fel användarnamn eller lösenord." + (" " + _retry_text(until) if until else ""))
        return
    throttle.succeeded(username, client)
    st.session_state[_SIGNED_IN] = {"username": account.username, "role": account.role}
    key = auth.session_key(_secrets())
    if key is not None:
        token = auth.issue_session(key, account)
        session = auth.read_session(key, token, accounts)
        if session is not None:  # a token just issued reads back; were it not to, no cookie is better than a wrong one
            st.session_state[_COOKIE] = {"token_id": session.token_id, "expires": session.expires}
        st.session_state[_COOKIE_WRITE] = token
    st.rerun()


def _sign_out() -> None:
    cookie = st.session_state.pop(_COOKIE, None)
    if cookie:
        _revocations().revoke(cookie["token_id"], cookie["expires"])
    st.session_state.pop(_SIGNED_IN, None)
    st.session_state[_COOKIE_WRITE] = ""
    if _oidc_signed_in():
        st.logout()  # leads the browser away (to the provider's sign-out, then back): no rerun here
        return
    st.rerun()


def sign_in_panel() -> None:
    """Sign in or out, in the sidebar."""
    role = current_role()
    _write_cookie()
    signed_in = st.session_state.get(_SIGNED_IN)
    if role != "viewer" or signed_in or _oidc_signed_in():
        st.sidebar.caption(f"Inloggad som {signed_in_name()} ({auth.ROLE_LABELS[role].lower()}).")
        if st.sidebar.button("Logga ut", key="logga_ut"):
            _sign_out()
        return
    with st.sidebar.expander("Logga in"):
        if oidc_configured() and st.button("Logga in med kommunens konto", key="logga_in_oidc"):
            st.login()
        config = _secrets()
        accounts = auth.accounts_from(config)
        if accounts:
            _warn_weak(accounts)
            with st.form("inloggning_form", border=False):
                username = st.text_input("Användarnamn", key="inloggning_namn")
                password = st.text_input("Lösenord", type="password", key="inloggning_losen")
                if st.form_submit_button("Logga in"):
                    _try_password(accounts, username, password)
            if auth.session_key(config) is None:
                st.caption("Inloggningen gäller tills sidan laddas om: ingen `cookie_secret` under [local] "
                           "i secrets.toml.")
        elif not oidc_configured():
            st.caption("Inga konton är inlagda. Se .streamlit/secrets.toml.example.")
