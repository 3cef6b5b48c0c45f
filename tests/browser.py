"""Helpers for browser tests: start the app on a free port, drive Debian's Chromium with Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import require_browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def need_chromium() -> None:
    """Skip (or fail, when browser tests are required) without Debian's Chromium."""
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} not found: install it with `apt-get install -y chromium`"
    if require_browser():
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(command: list[str], health_url: str, log_path: Path, what: str, seconds: float = 60, **popen):
    """Start a server process, wait until `health_url` answers 200, yield, then stop it (killed if it lingers)."""
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, **popen)
    try:
        deadline = time.monotonic() + seconds
        while True:
            try:
                with urllib.request.urlopen(health_url, timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not start: " + log_path.read_text())
            time.sleep(0.3)
        yield
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def running_app(db_path: Path, secrets: Path | None = None, port: int | None = None):
    """`streamlit run app.py` on a free port (or `port`) against `db_path` (and a secrets file); yields the URL."""
    port = port or free_port()
    env = {**os.environ, "LAGESBILD_DB": str(db_path)}
    extra = ["--secrets.files", str(secrets)] if secrets else []
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
               *extra]
    with serving(command, url + "/_stcore/health", db_path.with_suffix(".log"), "the app", cwd=ROOT, env=env):
        yield url


@contextmanager
def browser_page(width: int = 1400, height: int = 1000, **context):
    """A headless Chromium page; `context` goes to Playwright's new_page (geolocation, permissions, …)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height}, locale="sv-SE", **context)
            yield page
        finally:
            browser.close()


def wait_until_idle(page, timeout_ms: int = 60_000) -> None:
    """Wait as Streamlit's own suite does: connected, script not running, no skeletons left."""
    page.wait_for_selector("[data-test-connection-state=CONNECTED]", state="attached", timeout=timeout_ms)
    page.wait_for_selector("[data-test-script-state=notRunning]", state="attached", timeout=timeout_ms)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=timeout_ms)


def coordinator_secrets(folder: Path, password: str = "hemligt") -> Path:
    """A secrets file with one local coordinator account, 'anna'."""
    from lagesbild import auth

    path = folder / "secrets.toml"
    path.write_text('[accounts.anna]\nrole = "coordinator"\npassword_hash = "' + auth.hash_password(password)
                    + '"\n', encoding="utf-8")
    return path


def sign_in(page, url: str, password: str = "hemligt") -> None:
    """Sign in as the coordinator 'anna' through the sidebar form."""
    page.goto(url + "/")
    wait_until_idle(page)
    sidebar = page.locator("[data-testid=stSidebar]")
    sidebar.get_by_text("Logga in").first.click()
    sidebar.get_by_label("Användarnamn").fill("anna")
    sidebar.get_by_label("Lösenord").fill(password)
    sidebar.get_by_role("button", name="Logga in").click()
    wait_until_idle(page)
    sidebar.get_by_text("Inloggad som anna").wait_for(timeout=30_000)
