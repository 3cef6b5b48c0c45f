"""A viewer (not signed in) walks every page with the links issue 9 found leaking, and reads everything shown.

Any count from 1 to 4 in a key figure, its help text, a table's count column, a chart's bars, lines or heat
map, a map tooltip, a sentence ("1 händelser med plats") or a CSV download (every frame the pages hand to
`exports.excel_csv` is caught on its way) fails the test.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
COUNT_COLUMNS = {"Händelser", "Före", "Efter", "I området"}
SMALL_IN_TEXT = re.compile(r"(?<![\d,])([1-4])\s+(händelser|incidents)\b")
LINKS = [
    {"omrade": "VAL", "kategori": "misshandel", "fran": "2026-03-08", "till": "2026-03-08", "timmar": "9-9"},
    {"omrade": "LAN-M", "kategori": "ran"},
    {"omrade": "GAM", "kategori": "olaga_hot", "fran": "2021-01-01", "till": "2021-12-31"},
    {"omrade": "SOL", "kategori": "misshandel,ran,olaga_hot", "fran": "2026-01-25"},
]
PAGES = ["app_pages/oversikt.py", "app_pages/karta.py", "app_pages/tidsmonster.py", "app_pages/prioritering.py",
         "app_pages/insatser.py", "app_pages/uppfoljning.py", "app_pages/atgardsplan.py"]


def _values(field) -> np.ndarray:
    """A plotly trace field as numbers (plain lists or Plotly's base64 typed arrays)."""
    if field is None:
        return np.array([])
    if isinstance(field, dict) and "bdata" in field:
        return np.frombuffer(base64.b64decode(field["bdata"]), dtype=field["dtype"]).astype(float).ravel()
    flat = np.asarray(field, dtype=object).ravel()
    return np.array([float(v) if isinstance(v, int | float) and v is not None else np.nan for v in flat])


def _small(value) -> bool:
    try:
        number = float(str(value).replace("\u00a0", "").replace(" ", "").replace(",", "."))
    except ValueError:
        return False
    return 1 <= number <= 4


def leaks(at: AppTest) -> list[str]:
    """Every place on the page where a viewer can read a count from 1 to 4."""
    found = []
    for metric in at.metric:
        if _small(metric.value):
            found.append(f"metric {metric.label} = {metric.value}")
        if "tidigare:" in (metric.proto.help or "") and _small(metric.proto.help.split("tidigare:")[1].strip(" .")):
            found.append(f"metric help {metric.proto.help}")
    for frame in at.dataframe:
        table = frame.value
        for column in COUNT_COLUMNS & set(map(str, table.columns)):
            found += [f"table {column} = {v}" for v in table[column] if _small(v)]
    for chart in at.get("plotly_chart"):
        for trace in json.loads(chart.proto.spec)["data"]:
            if trace.get("type") in ("bar", "scatter"):
                found += [f"{trace.get('type')} {trace.get('name')} y = {v}" for v in _values(trace.get("y"))
                          if _small(v)]
            if trace.get("type") == "heatmap":
                found += [f"heat map {v}" for v in _values(trace.get("z")) if _small(v)]
                found += [f"heat map text {t}" for row in trace.get("text", []) for t in row if _small(t)]
    for deck in at.get("deck_gl_json_chart"):
        for layer in json.loads(deck.proto.json).get("layers", []):
            for row in layer.get("data", []) if isinstance(layer.get("data"), list) else []:
                text = str(row.get("tooltip", "")).replace("<br/>", " ")
                found += [f"tooltip {text}" for _ in SMALL_IN_TEXT.finditer(text)]
    for element in [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.error]:
        found += [f"text {element.value}" for _ in SMALL_IN_TEXT.finditer(element.value)]
    return found


def intervention_ids(path: Path) -> list[int]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return [n for (n,) in con.execute("SELECT id FROM interventions ORDER BY id").fetchall()]
    finally:
        con.close()


def open_link(query: dict) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params.update(query)
    at.run()
    return at


@pytest.mark.parametrize("query", LINKS, ids=[q["omrade"] for q in LINKS])
def test_a_viewer_reads_no_small_count_on_any_page(app_env, demo_db, query, monkeypatch):
    from lagesbild import exports

    downloads = []
    real = exports.excel_csv
    monkeypatch.setattr(exports, "excel_csv", lambda frame: downloads.append(frame.copy()) or real(frame))
    app_env(demo_db)
    ids = intervention_ids(demo_db)
    at = open_link({**query, "lager": "rutor,omraden,insatser,punkter"})
    problems = []
    for page in PAGES:
        if page != "app_pages/oversikt.py":
            at.switch_page(page)
            at.run()
        assert not at.exception, (page, at.exception)
        if page == "app_pages/karta.py":
            at.selectbox(key="karta_profil").set_value(query["omrade"]).run()
        problems += [f"{page}: {leak}" for leak in leaks(at)]
        if page == "app_pages/uppfoljning.py":  # every intervention's follow-up
            for number in ids:
                at.selectbox(key="uppf_insats").set_value(number).run()
                problems += [f"{page} #{number}: {leak}" for leak in leaks(at)]
    assert len(downloads) >= 3, "the map's two CSVs and the ranking's must have been offered"
    for frame in downloads:
        for column in COUNT_COLUMNS & set(map(str, frame.columns)):
            problems += [f"download {column} = {v}" for v in frame[column] if _small(v)]
    assert problems == []


def test_the_walk_sees_a_leak_when_there_is_one(app_env, demo_db):
    """The walk itself is tested: signed in as staff, the same link shows its exact single assault."""
    app_env(demo_db)
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["inloggning"] = {"username": "anna", "role": "staff"}
    at.query_params.update(LINKS[0])
    at.run()
    assert any(leak == "metric Händelser = 1" for leak in leaks(at))


def test_every_viewer_page_says_small_numbers_are_adjusted(app_env, demo_db):
    app_env(demo_db)
    at = open_link(LINKS[1])
    for page in ("app_pages/oversikt.py", "app_pages/karta.py", "app_pages/tidsmonster.py", "app_pages/prioritering.py",
                 "app_pages/uppfoljning.py"):
        if page != "app_pages/oversikt.py":
            at.switch_page(page)
            at.run()
        assert any("Små tal är justerade" in c.value for c in at.caption), page
