"""Browser tests: sign-in that works and lasts.

OIDC against a real provider on loopback (`oidc-provider-mock`), local accounts with their signed cookie, and
throttling of failed passwords. Each test starts its own app with its own secrets file (`--secrets.files`), so
the repository's `.streamlit/secrets.toml` is never read or written.
"""

from __future__ import annotations

import json
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from lagesbild import auth
from tests.browser import (
    browser_page,
    free_port,
    need_chromium,
    running_app,
    serving,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser

COOKIE_SECRET = "test cookie secret, long enough for the app"


@contextmanager
def oidc_provider(tmp_path: Path, *users: dict):
    """`oidc-provider-mock` from this interpreter's bin folder on a free loopback port; yields its URL."""
    executable = Path(sys.executable).parent / "oidc-provider-mock"
    if not executable.exists():
        pytest.fail(f"{executable} not found: install requirements-dev.txt")
    port = free_port()
    claims = [arg for user in users for arg in ("--user-claims", json.dumps(user))]
    url = f"http://127.0.0.1:{port}"
    command = [str(executable), "--port", str(port), "--host", "127.0.0.1", *claims]
    with serving(command, url + "/.well-known/openid-configuration", tmp_path / "oidc.log", "the OIDC provider",
                 seconds=30):
        yield url


def write_secrets(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def oidc_secrets(folder: Path, app_port: int, provider: str) -> Path:
    return write_secrets(folder / "secrets.toml", f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "{COOKIE_SECRET}"
client_id = "lagesbild-test"
client_secret = "not a secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[roles]
coordinators = ["Anna.Svensson@kommun.se"]
staff = ["bo@kommun.se"]
default = "viewer"
""")


def local_secrets(folder: Path, password: str = "hemligt") -> Path:
    return write_secrets(folder / "secrets.toml", f"""
[local]
cookie_secret = "{COOKIE_SECRET}"

[accounts.anna]
role = "coordinator"
password_hash = "{auth.hash_password(password)}"
""")


def session_cookie(page) -> dict | None:
    found = [c for c in page.context.cookies() if c["name"] == auth.COOKIE_NAME]
    return found[0] if found else None


def sidebar(page):
    return page.locator("[data-testid=stSidebar]")


WATCH_RUN = """() => {
    const node = document.querySelector('[data-test-script-state]');
    window.__lagesbildRan = false;
    new MutationObserver((records) => {
        if (records.some((r) => r.oldValue === 'running') || node.dataset.testScriptState === 'running') {
            window.__lagesbildRan = true;
        }
    }).observe(node, {attributeOldValue: true, attributeFilter: ['data-test-script-state']});
}"""


def click_and_wait_for_run(page, button) -> None:
    """Click, then wait until the app has run the script for it and is idle again (the same text may stay)."""
    page.evaluate(WATCH_RUN)
    button.click()
    page.wait_for_function("window.__lagesbildRan === true", timeout=30_000)
    wait_until_idle(page)


def test_oidc_sign_in_lasts_through_a_reload_and_signs_out(demo_db, tmp_path, monkeypatch):
    need_chromium()
    for name in ("NO_PROXY", "no_proxy"):  # provider metadata over loopback, never a proxy
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    anna = {"sub": "anna", "email": "anna.svensson@kommun.se", "name": "Anna Svensson"}
    port = free_port()
    with oidc_provider(tmp_path, anna) as provider, \
            running_app(demo_db, oidc_secrets(tmp_path, port, provider), port=port) as url, \
            browser_page() as page:
        page.goto(url + "/")
        wait_until_idle(page)
        assert page.get_by_role("link", name="Ladda upp data").count() == 0
        sidebar(page).get_by_text("Logga in").first.click()
        sidebar(page).get_by_role("button", name="Logga in med kommunens konto").click()
        page.locator("button[value=anna]").click(timeout=30_000)  # the provider's own sign-in page
        page.wait_for_url(url + "/**", timeout=30_000)
        wait_until_idle(page)
        signed_in = sidebar(page).get_by_text("Inloggad som anna.svensson@kommun.se (samordnare)")
        signed_in.wait_for(timeout=30_000)
        page.get_by_role("link", name="Ladda upp data").wait_for(timeout=30_000)  # the role from [roles]

        page.reload()
        wait_until_idle(page)
        sidebar(page).get_by_text("Inloggad som anna.svensson@kommun.se").wait_for(timeout=30_000)
        page.get_by_role("link", name="Ladda upp data").wait_for(timeout=30_000)

        sidebar(page).get_by_role("button", name="Logga ut").click()
        page.wait_for_url(provider + "/**", timeout=30_000)  # the provider ends its session too
        page.get_by_role("button", name="End session").click()
        page.wait_for_url(url + "/**", timeout=30_000)
        wait_until_idle(page)
        sidebar(page).get_by_text("Logga in").first.wait_for(timeout=30_000)
        page.reload()
        wait_until_idle(page)
        assert sidebar(page).get_by_text("Inloggad som").count() == 0
        assert page.get_by_role("link", name="Ladda upp data").count() == 0
        assert page.locator("[data-testid=stException]").count() == 0


def test_local_sign_in_survives_a_reload_and_a_link_until_signed_out(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db, local_secrets(tmp_path)) as url, browser_page() as page:
        sign_in(page, url)
        page.wait_for_function(f"document.cookie.includes('{auth.COOKIE_NAME}=')", timeout=10_000)
        cookie = session_cookie(page)
        assert cookie is not None and cookie["sameSite"] == "Strict"
        assert 8 * 3600 - 120 < cookie["expires"] - time.time() <= 8 * 3600
        assert cookie["value"] not in page.url

        page.reload()
        wait_until_idle(page)
        sidebar(page).get_by_text("Inloggad som anna (samordnare)").wait_for(timeout=30_000)
        page.get_by_role("link", name="Ladda upp data").wait_for(timeout=30_000)

        page.goto(url + "/?sida=karta")  # opening a shared link starts a new session too
        wait_until_idle(page)
        page.get_by_role("heading", name="Karta").first.wait_for(timeout=30_000)
        sidebar(page).get_by_text("Inloggad som anna").wait_for(timeout=30_000)

        sidebar(page).get_by_role("button", name="Logga ut").click()
        wait_until_idle(page)
        sidebar(page).get_by_text("Logga in").first.wait_for(timeout=30_000)
        page.wait_for_function(f"!document.cookie.includes('{auth.COOKIE_NAME}=')", timeout=10_000)
        assert session_cookie(page) is None
        page.reload()
        wait_until_idle(page)
        assert sidebar(page).get_by_text("Inloggad som").count() == 0

        # The signed-out token, put back by hand, is refused; so is a tampered one.
        host = {"domain": "127.0.0.1", "path": "/"}
        body, signature = cookie["value"].split(".")
        forged = body[:-1] + ("A" if body[-1] != "A" else "B") + "." + signature
        for value in (cookie["value"], forged):
            page.context.add_cookies([{"name": auth.COOKIE_NAME, "value": value, **host}])
            page.reload()
            wait_until_idle(page)
            assert sidebar(page).get_by_text("Inloggad som").count() == 0
            page.wait_for_function(f"!document.cookie.includes('{auth.COOKIE_NAME}=')", timeout=10_000)
        assert page.locator("[data-testid=stException]").count() == 0


def test_local_sign_in_is_throttled_after_five_failures(demo_db, tmp_path):
    need_chromium()
    with running_app(demo_db, local_secrets(tmp_path)) as url, browser_page() as page:
        page.goto(url + "/")
        wait_until_idle(page)
        panel = sidebar(page)
        panel.get_by_text("Logga in").first.click()
        for attempt in range(auth.Throttle.ACCOUNT_FREE):
            panel.get_by_label("Användarnamn").fill("anna")
            panel.get_by_label("Lösenord").fill(f"fel {attempt}")
            click_and_wait_for_run(page, panel.get_by_role("button", name="Logga in"))
            panel.get_by_text("Fel användarnamn eller lösenord.").wait_for(timeout=30_000)
            locked = panel.get_by_text("Försök igen om").count() == 1
            assert locked == (attempt == auth.Throttle.ACCOUNT_FREE - 1)
        panel.get_by_text("Försök igen om 30 sekunder").wait_for(timeout=30_000)

        panel.get_by_label("Lösenord").fill("hemligt")  # the right password, during the lock
        click_and_wait_for_run(page, panel.get_by_role("button", name="Logga in"))
        refused = panel.get_by_text(re.compile("^För många misslyckade inloggningar. Försök igen om"))
        refused.wait_for(timeout=30_000)
        assert panel.get_by_text("Inloggad som").count() == 0
        assert session_cookie(page) is None
