"""AppTests: every page runs without an exception after a realistic interaction.

With `st.navigation`, AppTest keeps only the page's own elements in its tree after a rerun, so the
sidebar's widgets (drawn by app.py) are checked on the first run and driven through session state after it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
TIMEOUT = 60


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    return at


def test_overview_pages_oversikt(app_env, demo_db):
    app_env(demo_db)
    at = start()  # pages/oversikt.py is the default page
    assert not at.exception
    assert at.title[0].value == "Lägesbild – översikt"
    labels = [m.label for m in at.metric]
    assert labels == ["Händelser", "Per 1 000 invånare", "Skadeviktat", "Våld"]
    assert any("Demodata" in info.value for info in at.info)
    assert len(at.dataframe) == 3


def test_overview_follows_the_period(app_env, demo_db):
    app_env(demo_db)
    at = start()
    assert at.selectbox(key="period_preset").value == "12m"
    year_count = at.metric[0].value
    at.session_state["period_preset"] = "30d"
    at.run()
    assert not at.exception
    assert at.metric[0].value != year_count
    assert at.caption[0].value.startswith("Period: 2 oktober 2026 – 31 oktober 2026")
    at.session_state["period_preset"] = "eget"
    at.session_state["period_range"] = (date(2026, 7, 1), date(2026, 7, 31))
    at.run()
    assert not at.exception
    assert at.caption[0].value.startswith("Period: 1 juli 2026 – 31 juli 2026")


def test_first_start_creates_the_demo(app_env, tmp_path):
    path = tmp_path / "new" / "lagesbild.duckdb"
    app_env(path)
    at = start()
    assert not at.exception
    assert path.exists()
    assert at.metric[0].value != "0"


def test_real_data_has_no_demo_notice(app_env, demo_db):
    import duckdb

    con = duckdb.connect(str(demo_db))
    con.execute("UPDATE imports SET kind = 'incidents', file_name = 'polisen.json'")
    con.close()
    app_env(demo_db)
    at = start()
    assert not at.exception
    assert not any("Demodata" in info.value for info in at.info)
