"""Shared fixtures: small databases made per test or per session, never the app's own data/ folder."""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from lagesbild import db
from lagesbild.demo import build_demo

DEMO_END = date(2026, 10, 31)
SBG_INCIDENTS = 400
SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDATA = SHARED / "realdata"


def realdata(relative: str) -> Path:
    """A file under ../shared/realdata, or skip the test (with the reason) when it is not there."""
    path = REALDATA / relative
    if not path.exists():
        pytest.skip(f"{path} not found: the shared real-data folder is not beside this checkout")
    return path


@pytest.fixture(scope="session")
def demo_db_master(tmp_path_factory) -> Path:
    """The default demo, built once per test session (read it through `demo_db`)."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    build_demo(path, end=DEMO_END)
    return path


@pytest.fixture
def demo_db(demo_db_master, tmp_path) -> Path:
    """A private copy of the demo database for one test."""
    path = tmp_path / "demo.duckdb"
    shutil.copy(demo_db_master, path)
    return path


@pytest.fixture
def demo_con(demo_db):
    con = db.connect(demo_db)
    yield con
    con.close()


@pytest.fixture(scope="session")
def sbg_db_master(tmp_path_factory) -> Path:
    """Sölvesborg's demo areas, vocabularies and interventions with only a few hundred incidents, built once per
    session: for tests about importing, guarding, undoing and the register, where five years of incidents are
    not the point and only make every fingerprint of the database slower (read it through `sbg_con`)."""
    path = tmp_path_factory.mktemp("sbg") / "sbg.duckdb"
    build_demo(path, end=DEMO_END, incidents=SBG_INCIDENTS)
    return path


@pytest.fixture
def sbg_db(sbg_db_master, tmp_path) -> Path:
    """A private copy of the small Sölvesborg database for one test."""
    path = tmp_path / "sbg.duckdb"
    shutil.copy(sbg_db_master, path)
    return path


@pytest.fixture
def sbg_con(sbg_db):
    con = db.connect(sbg_db)
    yield con
    con.close()


@pytest.fixture
def empty_con(tmp_path):
    con = db.connect(tmp_path / "empty.duckdb")
    yield con
    con.close()


@pytest.fixture
def app_env(monkeypatch):
    """Point the Streamlit app at a database and start from empty caches."""
    import streamlit as st

    def use(path: Path) -> None:
        monkeypatch.setenv("LAGESBILD_DB", str(path))
        st.cache_resource.clear()   # the settings and the snapshot connections
        st.cache_data.clear()

    yield use
    st.cache_resource.clear()


def require_browser() -> bool:
    """Browser tests must run (not skip) when LAGESBILD_REQUIRE_BROWSER is set, as in CI."""
    return os.environ.get("LAGESBILD_REQUIRE_BROWSER") == "1"
