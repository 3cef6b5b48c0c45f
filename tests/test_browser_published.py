"""In a browser: staff publish the lägesbild, a CLI import runs, and a viewer opening the permanent link still
sees the published version's banner and its numbers, while the current lägesbild has the new data."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from lagesbild import queries, snapshots
from lagesbild.demo import build_demo
from tests.browser import (
    ROOT,
    browser_page,
    coordinator_secrets,
    need_chromium,
    running_app,
    sign_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser


def _first_count(page) -> int:
    assert page.locator("[data-testid=stException]").count() == 0
    text = page.locator("[data-testid=stMetricValue]").first.inner_text()
    return int("".join(ch for ch in text if ch.isdigit()))


def _open(page, url: str) -> None:
    page.goto(url)
    wait_until_idle(page)


def test_a_viewer_keeps_seeing_the_published_version_after_an_import(tmp_path):
    need_chromium()
    master = tmp_path / "lagesbild.duckdb"
    build_demo(master, incidents=6000)
    snapshots.publish(master)
    con, _ = snapshots.reader(master)
    last = queries.data_range(con)[1]
    con.close()
    rows = ["datum;kategori;område"] + [f"{last - timedelta(days=k % 20)} 12:{k:02d};Skadegörelse;SBG-C"
                                        for k in range(60)]
    new_file = tmp_path / "felanmalan.csv"
    new_file.write_text("\n".join(rows), encoding="utf-8")

    with running_app(master, coordinator_secrets(tmp_path)) as url:
        with browser_page() as viewer:
            _open(viewer, url + "/")
            before = _first_count(viewer)
        with browser_page() as staff:
            sign_in(staff, url)
            staff.locator("[data-testid=stSidebarNav]").get_by_text("Publicerade lägesbilder").click()
            wait_until_idle(staff)
            staff.get_by_role("textbox", name="Rubrik").fill("Lägesbild hösten 2026")
            staff.get_by_role("textbox", name="Analytikerns kommentar").fill("Skadegörelsen i centrum ligger kvar på hög nivå.")
            staff.get_by_role("button", name="Publicera lägesbild").click()
            wait_until_idle(staff)
            staff.get_by_text("Lägesbild 1 är publicerad med rapportfiler.").wait_for(timeout=180_000)
            assert staff.get_by_role("button", name="Ladda ned lagesbild.pdf").count() == 1
            assert staff.locator("[data-testid=stException]").count() == 0
            link = staff.locator("[data-testid=stCode]").first.inner_text().strip()
            assert link.endswith("/?version=1")
            staff.screenshot(path=str(tmp_path / "publicerat_staff.png"), full_page=True)

        imported = subprocess.run([sys.executable, "-m", "lagesbild", "import", "--db", str(master), "--source",
                                   "felanmalan", "--by", "cron", str(new_file)], cwd=ROOT, capture_output=True,
                                  text=True, timeout=300)
        assert imported.returncode == 0, imported.stdout + imported.stderr

        with browser_page() as viewer:
            _open(viewer, url + "/")
            now = _first_count(viewer)
            _open(viewer, link)
            banner = viewer.locator("[data-testid=stAlert]").filter(has_text="Publicerad lägesbild 1").inner_text()
            pinned = _first_count(viewer)
            viewer.screenshot(path=str(tmp_path / "publicerat_viewer.png"), full_page=True)
            viewer.get_by_role("button", name="Visa aktuell lägesbild").click()
            viewer.get_by_text("Publicerad lägesbild 1").wait_for(state="detached", timeout=30_000)
            wait_until_idle(viewer)
            back = _first_count(viewer)
    assert "”Lägesbild hösten 2026”" in banner and "Nyare uppgifter finns." in banner
    # A viewer's counts pass the cell-key protection: the same records give the same moved count, so the
    # version shows exactly what viewers saw before the import; 60 new incidents stand well clear of the noise.
    assert pinned == before
    assert now >= before + 55 and back == now
