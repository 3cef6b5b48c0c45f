"""Roles and passwords."""

from __future__ import annotations

import base64
import json
from importlib import metadata
from pathlib import Path

import pytest

from lagesbild import auth


def test_hash_and_verify():
    encoded = auth.hash_password("Sölvesborg 2026!")
    assert encoded.startswith("pbkdf2_sha256$")
    assert auth.verify_password("Sölvesborg 2026!", encoded)
    assert not auth.verify_password("sölvesborg 2026!", encoded)
    assert auth.hash_password("x") != auth.hash_password("x")  # salted
    assert not auth.verify_password("x", "garbage")


def test_authenticate_accounts_from_secrets():
    config = {"accounts": {"Anna": {"role": "coordinator", "password_hash": auth.hash_password("a")},
                           "bo": {"role": "staff", "password_hash": auth.hash_password("b")}}}
    accounts = auth.accounts_from(config)
    assert auth.authenticate(accounts, "anna", "a").role == "coordinator"
    assert auth.authenticate(accounts, "bo", "a") is None
    assert auth.authenticate(accounts, "nobody", "a") is None
    with pytest.raises(ValueError, match="unknown role"):
        auth.accounts_from({"accounts": {"x": {"role": "admin", "password_hash": ""}}})


def test_roles_for_oidc_users_and_ranks():
    config = {"roles": {"coordinators": ["Anna@Solvesborg.se"], "staff": ["bo@solvesborg.se"], "default": "viewer"}}
    assert auth.role_for_email(config, "anna@solvesborg.se") == "coordinator"
    assert auth.role_for_email(config, "bo@solvesborg.se") == "staff"
    assert auth.role_for_email(config, "x@example.se") == "viewer"
    assert auth.at_least("coordinator", "staff") and not auth.at_least("viewer", "staff")


ROOT = Path(__file__).resolve().parents[1]


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            package, version = line.split("==")
            pins[package.strip().lower()] = version.strip()
    return pins


def test_oidc_sign_in_has_its_runtime_dependencies_pinned():
    """st.login raises StreamlitMissingAuthlibError without Authlib; its Starlette client needs httpx."""
    runtime, dev = _pins("requirements.txt"), _pins("requirements-dev.txt")
    assert runtime.get("authlib") == metadata.version("Authlib")
    assert runtime.get("httpx") == metadata.version("httpx")
    assert dev.get("oidc-provider-mock") == metadata.version("oidc-provider-mock")


def test_new_hashes_meet_owasp_iterations():
    encoded = auth.hash_password("x")
    assert auth.hash_iterations(encoded) >= 600_000
    assert auth.ITERATIONS >= auth.MIN_ITERATIONS == 600_000


@pytest.mark.parametrize("iterations", [1, 310_000, 599_999])
def test_weak_stored_hashes_are_refused(iterations):
    weak = auth.hash_password("rätt", iterations=iterations)
    assert auth.is_weak(weak)
    assert not auth.verify_password("rätt", weak)
    accounts = auth.accounts_from({"accounts": {"anna": {"role": "coordinator", "password_hash": weak}}})
    assert auth.weak_accounts(accounts) == ["anna"]
    assert auth.authenticate(accounts, "anna", "fel") is None
    with pytest.raises(auth.WeakHashError, match="hash-password"):
        auth.authenticate(accounts, "anna", "rätt")


def test_garbage_hashes_are_weak_and_never_match():
    for encoded in ("", "garbage", "pbkdf2_sha256$x$y$z", "md5$600000$a$b"):
        assert auth.is_weak(encoded)
        assert not auth.verify_password("x", encoded)


KEY = b"k" * 32
# The password "a" with a fixed salt, written out to spare 600 000 iterations at import.
ANNA_HASH = "pbkdf2_sha256$600000$Zml4ZWQgc2FsdCAxNiBiLg==$1U5eRti6tlfG3p74WP7G+J63ZPVEo6JDdEehfIl/JvM="
ANNA = auth.Account("anna", "coordinator", ANNA_HASH)


def test_session_token_round_trip_and_expiry():
    accounts = {"anna": ANNA}
    token = auth.issue_session(KEY, ANNA, now=1_000)
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert set(payload) == {"u", "h", "exp", "id"}  # the user name, a password fingerprint, expiry, an id
    session = auth.read_session(KEY, token, accounts, now=1_000 + auth.SESSION_SECONDS - 1)
    assert session.account == ANNA
    assert session.expires == 1_000 + auth.SESSION_SECONDS
    assert auth.SESSION_SECONDS == 8 * 3600
    assert auth.read_session(KEY, token, accounts, now=1_000 + auth.SESSION_SECONDS) is None  # expired


def test_tampered_or_foreign_session_tokens_are_ignored():
    accounts = {"anna": ANNA, "bo": auth.Account("bo", "staff", ANNA.password_hash)}
    token = auth.issue_session(KEY, ANNA, now=1_000)
    body, signature = token.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    forged_body = base64.urlsafe_b64encode(json.dumps({**payload, "u": "bo"}).encode()).decode().rstrip("=")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]
    for bad in (body + "." + flipped, forged_body + "." + signature, "", "x", "a.b.c", token + "x"):
        assert auth.read_session(KEY, bad, accounts, now=1_001) is None
    assert auth.read_session(b"other" * 8, token, accounts, now=1_001) is None
    assert auth.read_session(KEY, token, {}, now=1_001) is None  # account removed from secrets
    changed = {"anna": auth.Account("anna", "coordinator", auth.hash_password("new"))}
    assert auth.read_session(KEY, token, changed, now=1_001) is None  # password changed: old sessions end


def test_session_role_comes_from_secrets_not_the_cookie():
    token = auth.issue_session(KEY, ANNA, now=1_000)
    demoted = {"anna": auth.Account("anna", "staff", ANNA.password_hash)}
    assert auth.read_session(KEY, token, demoted, now=1_001).account.role == "staff"


def test_revoked_sessions_are_ignored():
    revoked = auth.Revocations()
    token = auth.issue_session(KEY, ANNA, now=1_000)
    session = auth.read_session(KEY, token, {"anna": ANNA}, now=1_001)
    revoked.revoke(session.token_id, session.expires)
    assert auth.read_session(KEY, token, {"anna": ANNA}, now=1_002, revoked=revoked) is None


def test_session_key_from_secrets():
    assert auth.session_key({}) is None
    assert auth.session_key({"local": {"cookie_secret": "too short"}}) is None
    own = auth.session_key({"local": {"cookie_secret": "s" * 32}})
    derived = auth.session_key({"auth": {"cookie_secret": "s" * 32}})
    assert own and derived and own != derived
    assert derived != b"s" * 32  # never the OIDC cookie's own key
    both = {"local": {"cookie_secret": "s" * 32}, "auth": {"cookie_secret": "t" * 32}}
    assert auth.session_key(both) == own


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_locks_an_account_after_five_failures_with_a_growing_delay():
    clock = Clock()
    throttle = auth.Throttle(clock=clock)
    for _ in range(4):
        throttle.failed("Anna", "10.0.0.1")
    assert throttle.locked_until("anna", "10.0.0.1") is None
    throttle.failed("anna", "10.0.0.1")  # the fifth
    assert throttle.locked_until("anna", "10.0.0.2") == clock.now + 30  # the account, from any client
    assert throttle.locked_until("bo", "10.0.0.1") is None  # not yet the client
    clock.now += 30
    assert throttle.locked_until("anna", "10.0.0.1") is None
    throttle.failed("anna", "10.0.0.1")
    assert throttle.locked_until("anna", "10.0.0.1") == clock.now + 60
    for _ in range(10):
        clock.now += 3600
        throttle.failed("anna", "10.0.0.1")
    assert throttle.locked_until("anna", "10.0.0.1") == clock.now + auth.Throttle.MAX_DELAY == clock.now + 900


def test_throttle_locks_a_client_trying_many_accounts():
    clock = Clock()
    throttle = auth.Throttle(clock=clock)
    for number in range(19):
        throttle.failed(f"user{number}", "10.0.0.9")
    assert throttle.locked_until("new", "10.0.0.9") is None
    throttle.failed("user19", "10.0.0.9")
    assert throttle.locked_until("new", "10.0.0.9") == clock.now + 30
    assert throttle.locked_until("new", "10.0.0.8") is None


def test_throttle_success_resets_the_account_and_quiet_time_forgets():
    clock = Clock()
    throttle = auth.Throttle(clock=clock)
    for _ in range(4):
        throttle.failed("anna", "c")
    throttle.succeeded("anna", "c")
    throttle.failed("anna", "c")
    assert throttle.locked_until("anna", "c") is None
    for _ in range(4):
        throttle.failed("bo", "c")
    clock.now += auth.Throttle.FORGET_AFTER + 1
    throttle.failed("bo", "c")
    assert throttle.locked_until("bo", "c") is None


def test_throttle_memory_is_bounded():
    throttle = auth.Throttle(clock=Clock(), max_entries=10)
    for number in range(100):
        throttle.failed(f"user{number}", f"10.0.{number}.1")
    assert len(throttle) <= 10


SIGNED_IN_NAME_APP = """
import streamlit as st
from lagesbild.ui.signin import current_role, signed_in_name
st.text(signed_in_name() + "|" + current_role())
"""


def _who(tmp_path, *, secrets: dict, user: dict | None = None, session: dict | None = None) -> str:
    from streamlit.testing.v1 import AppTest

    script = tmp_path / "who.py"
    script.write_text(SIGNED_IN_NAME_APP, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    for name, value in secrets.items():
        at.secrets[name] = value
    if user is not None:
        at.user = user
    for name, value in (session or {}).items():
        at.session_state[name] = value
    at.run()
    assert not at.exception
    return at.text[0].value


OIDC = {"auth": {"redirect_uri": "http://127.0.0.1:1/oauth2callback", "cookie_secret": "c" * 32,
                 "client_id": "x", "client_secret": "y", "server_metadata_url": "http://127.0.0.1:1/x"},
        "roles": {"coordinators": ["Anna.Svensson@kommun.se"]}}


def test_signed_in_name_is_the_oidc_person(tmp_path):
    user = {"is_logged_in": True, "email": "anna.svensson@kommun.se", "name": "Anna Svensson"}
    assert _who(tmp_path, secrets=OIDC, user=user) == "anna.svensson@kommun.se|coordinator"
    no_email = {"is_logged_in": True, "preferred_username": "asv01@kommun.se"}
    assert _who(tmp_path, secrets=OIDC, user=no_email) == "asv01@kommun.se|viewer"


def test_signed_in_name_is_the_local_user_and_nobody_is_unknown(tmp_path):
    assert _who(tmp_path, secrets={}, session={"inloggning": {"username": "anna", "role": "coordinator"}}) \
        == "anna|coordinator"
    assert _who(tmp_path, secrets={}, user={}) == "okänd|viewer"


def test_hash_password_command_meets_owasp(monkeypatch, capsys):
    import io

    from lagesbild import cli

    monkeypatch.setattr("sys.stdin", io.StringIO("Sölvesborg 2026!\n"))
    assert cli.main(["hash-password", "--password-stdin"]) == 0
    encoded = capsys.readouterr().out.strip()
    assert auth.hash_iterations(encoded) >= 600_000
    assert auth.verify_password("Sölvesborg 2026!", encoded)


def test_readme_states_the_rules_the_code_applies():
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Sign-in\n")[1].split("\n## ")[0]
    throttle = auth.Throttle
    for fact in (f"{auth.MIN_ITERATIONS:,}".replace(",", " ") + " iterations",
                 f"lasts {auth.SESSION_SECONDS // 3600} hours", auth.COOKIE_NAME,
                 f"at least {auth.MIN_SECRET_LENGTH} characters",
                 f"After {throttle.ACCOUNT_FREE} failed passwords",
                 f"or {throttle.CLIENT_FREE} from one client",
                 f"refused for {throttle.BASE_DELAY} seconds", f"at most {throttle.MAX_DELAY // 60} minutes",
                 f"{throttle.FORGET_AFTER // 3600} hours without a failure", "/oauth2callback"):
        assert fact in " ".join(section.split()), fact


PANEL_APP = """
from lagesbild.ui.signin import sign_in_panel
sign_in_panel()
"""


def _panel(tmp_path, accounts: dict):
    from streamlit.testing.v1 import AppTest

    script = tmp_path / "panel.py"
    script.write_text(PANEL_APP, encoding="utf-8")
    at = AppTest.from_file(str(script), default_timeout=30)
    at.secrets["accounts"] = accounts
    at.secrets["local"] = {"cookie_secret": "c" * 32}
    at.run()
    return at


def _submit(at, username: str, password: str) -> None:
    at.text_input(key="inloggning_namn").input(username)
    at.text_input(key="inloggning_losen").input(password)
    next(b for b in at.button if b.label == "Logga in").click()
    at.run()
    assert not at.exception


def test_panel_tells_the_owner_of_a_weak_hash_to_ask_for_a_new_one(tmp_path, caplog):
    weak = auth.hash_password("rätt", iterations=310_000)
    at = _panel(tmp_path, {"anna": {"role": "coordinator", "password_hash": weak}})
    assert "local account 'anna' cannot sign in" in caplog.text
    _submit(at, "anna", "rätt")
    assert "hash-password" in at.error[0].value
    assert not any("Inloggad som" in c.value for c in at.caption)
    _submit(at, "anna", "fel")
    assert at.error[0].value == "Fel användarnamn eller lösenord."


def test_panel_signs_in_and_queues_the_cookie(tmp_path):
    at = _panel(tmp_path, {"anna": {"role": "staff", "password_hash": ANNA_HASH}})
    _submit(at, "anna", "a")
    assert at.session_state["inloggning"] == {"username": "anna", "role": "staff"}
    assert any(c.value == "Inloggad som anna (personal)." for c in at.caption)
    scripts = [h.proto.body for h in at.get("html")]
    assert len(scripts) == 1 and f"{auth.COOKIE_NAME}=" in scripts[0] and "Max-Age=28" in scripts[0]
    next(b for b in at.button if b.label == "Logga ut").click()
    at.run()
    assert "inloggning" not in at.session_state
    assert [h.proto.body for h in at.get("html")] != scripts and "Max-Age=0" in at.get("html")[0].proto.body
