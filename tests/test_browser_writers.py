"""Two app processes and a CLI import at the same time: no page shows an error, both show the new data."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta

import pytest

from lagesbild import queries, snapshots
from lagesbild.demo import build_demo
from tests.browser import ROOT, browser_page, need_chromium, running_app, wait_until_idle

pytestmark = pytest.mark.browser


def _shown_count(page, url: str) -> int:
    page.goto(url + "/")
    wait_until_idle(page)
    assert page.locator("[data-testid=stException]").count() == 0
    text = page.locator("[data-testid=stMetricValue]").first.inner_text()
    return int("".join(ch for ch in text if ch.isdigit()))


def test_two_app_processes_show_a_cli_import_made_while_they_read(tmp_path):
    need_chromium()
    master = tmp_path / "lagesbild.duckdb"
    build_demo(master, incidents=6000)
    snapshots.publish(master)
    con, _ = snapshots.reader(master)
    last = queries.data_range(con)[1]
    con.close()
    rows = ["datum;kategori;område"] + [f"{last - timedelta(days=k % 20)} 12:{k:02d};Skadegörelse;SBG-C"
                                        for k in range(60)]   # 60 different events, none a duplicate
    plan = tmp_path / "felanmalan.csv"
    plan.write_text("\n".join(rows), encoding="utf-8")

    with running_app(master) as first, running_app(master) as second, browser_page() as page:
        before = [_shown_count(page, url) for url in (first, second)]
        errors: list[str] = []

        def keep_reading() -> None:   # readers stay busy on the first app while the import runs
            with browser_page() as reader:
                for _ in range(3):
                    reader.goto(first + "/")
                    wait_until_idle(reader)
                    if reader.locator("[data-testid=stException]").count():
                        errors.append(reader.locator("[data-testid=stException]").first.inner_text())

        readers = threading.Thread(target=keep_reading)
        readers.start()
        imported = subprocess.run([sys.executable, "-m", "lagesbild", "import", "--db", str(master), "--source",
                                   "felanmalan", "--by", "cron", str(plan)], cwd=ROOT, capture_output=True,
                                  text=True, timeout=300)
        readers.join(timeout=300)
        assert imported.returncode == 0, imported.stdout + imported.stderr
        assert not errors
        after = [_shown_count(page, url) for url in (first, second)]
    # Viewers' counts are moved by at most 2 each way (lagesbild.protect); 60 new incidents stand well clear.
    assert all(a >= b + 55 for a, b in zip(after, before, strict=True)), (before, after)
