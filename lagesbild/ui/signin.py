"""UI glue: who is signed in, with which role, and the sign-in panel in the sidebar."""

from __future__ import annotations

import streamlit as st

from lagesbild import auth


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



def signed_in_name() -> str:
    """Who is signed in (for the import record)."""
    signed_in = st.session_state.get("inloggning")
    if signed_in:
        return signed_in["username"]
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        return st.user.get("email", "oidc")
    return "okänd"

