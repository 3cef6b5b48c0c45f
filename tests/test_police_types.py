"""The police's event types reviewed: one table, every real type in it, fires, killings, weapons and ANDTS."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from lagesbild import db, vocabulary
from lagesbild.ingest import import_path
from lagesbild.ingest.context import load_context
from lagesbild.ingest.police import prepare_police
from lagesbild.ingest.undo import undo_import
from tests.conftest import DEMO_END, realdata

POLICE_FOLDERS = ("polisen_events_dnouri", "polisen_events_gob449", "polisen_events_mindriddler")
NATIONAL = "polisen_events_dnouri/events_national_union_2025.json"
SOLVESBORG_UNION = "polisen_events_dnouri/events_solvesborg_union_2023-2026.json"
README = Path(__file__).resolve().parents[1] / "README.md"
CODES = {c.code for c in vocabulary.CATEGORIES}


def _real_events(folder: str) -> list[dict]:
    events = []
    for path in sorted(realdata(folder).glob("*.json")):
        text = path.read_text(encoding="utf-8")
        if text.strip():  # one real scrape is an empty file
            events.extend(json.loads(text))
    return events


@pytest.mark.parametrize("folder", POLICE_FOLDERS)
def test_every_type_in_the_real_files_is_in_the_table(folder):
    seen = {event["type"].strip() for event in _real_events(folder)}
    assert seen, folder
    assert sorted(seen - set(vocabulary.POLICE_TYPES)) == []


def test_the_table_is_whole():
    for kind, entry in vocabulary.POLICE_TYPES.items():
        assert entry.category is None or entry.category in CODES, kind
        if entry.category is None:
            assert entry.reason.strip(), f"{kind} is left out without a reason"
        assert vocabulary.STANDARD_CATEGORY_ALIASES[kind.lower()] == entry.category
    # The spellings of other exports still work.
    assert vocabulary.STANDARD_CATEGORY_ALIASES["grov misshandel"] == "misshandel"
    assert vocabulary.STANDARD_CATEGORY_ALIASES["anlagd brand"] == "brand"
    assert vocabulary.STANDARD_CATEGORY_ALIASES["graffiti"] == "klotter"


def test_readme_table_is_the_code_table():
    assert vocabulary.police_types_markdown() in README.read_text(encoding="utf-8")


def test_new_categories_and_groups():
    by_code = vocabulary.by_code(vocabulary.CATEGORIES)
    assert (by_code["brand"].label, by_code["brand"].group) == ("Anlagd brand", "Skadegörelse")
    assert (by_code["brand_ovrig"].label, by_code["brand_ovrig"].group) == ("Brand", "Skadegörelse")
    assert by_code["brand_ovrig"].harm_weight < by_code["brand"].harm_weight
    assert by_code["mord_drap"].group == "Våld"
    assert by_code["mord_drap"].harm_weight == max(c.harm_weight for c in vocabulary.CATEGORIES)
    assert by_code["vapenbrott"].group == "Vapen"
    assert {by_code[c].group for c in ("narkotika", "rattfylleri", "alkohol")} == {"ANDTS"}
    assert [c.id for c in vocabulary.CATEGORIES] == list(range(1, 22))


@pytest.mark.parametrize(("text", "arson"), [
    ("Misstänkt anlagd brand i tvättstuga.", True),
    ("Bilbrand misstänks vara anlagd på E4.", True),
    ("Gärningsperson misstänkt för att ha anlagt en markbrand.", True),
    ("Misstänkt anlagda bränder.", True),
    ("Man misstänkt för grov mordbrand.", True),
    ("Ungdomar tänder eld på en container.", True),
    ("En man går runt och sätter eld på saker.", True),
    ("Någon har satt eld på en soptunna.", True),
    ("Någon har eldat i ett förråd.", True),
    ("Anmälan om skadegörelse genom brand.", True),
    ("Det har brunnit i en lokal. Branden bedöms vara anlagd. Ingen person har skadats.", True),
    ("Det brinner i en lägenhet.", False),
    ("Larm om brand på ett äldreboende.", False),
    ("Misstänkt brand i garage.", False),
    ("Kvinna misstänkt för allmänfarlig vårdslöshet.", False),
    ("Man misstänks ha eldat trots eldningsförbud.", False),
    ("En bil fattade eld under färd.", False),
    ("Inget tyder på att branden är anlagd.", False),
    ("Branden var inte anlagd.", False),
    ("", False),
])
def test_arson_words(text, arson):
    assert vocabulary.is_arson(text) is arson


def _prepare_here(con, events: list[dict]):
    """The events as if they had happened in Sölvesborg, prepared against the demo database."""
    ctx = load_context(con, today=DEMO_END)
    moved = [event | {"location": {"name": "Sölvesborg", "gps": "56.053743,14.579688"},
                      "name": event["name"].rsplit(",", 1)[0] + ", Sölvesborg"} for event in events]
    prepared = prepare_police(moved, ctx, "test.json")
    return [ctx.category_codes[c] for c in prepared.frame["category_id"]], prepared


# Real Brand events of 2025 (ids in the national union): the text decides between fire and arson.
FIRES = {
    617249: "brand_ovrig",  # "Det brinner i en lägenhet i Domnarvet."
    615999: "brand_ovrig",  # "Det brinner i en lägenhet på ett äldreboende på Konditorivägen i Lindome."
    596886: "brand_ovrig",  # "... vid ett larm om brand på ett äldreboende i Borlänge."
    618022: "brand_ovrig",  # "Misstänkt brand i garage i Fullersta."
    608179: "brand_ovrig",  # "Kvinna misstänkt för allmänfarlig vårdslöshet."
    608254: "brand",        # "Misstänkt anlagd bilbrand i Ronna."
    598588: "brand",        # "Man misstänkt för mordbrand."
    596524: "brand",        # "... en man går runt och sätter eld på saker"
    616168: "brand",        # "Någon har eldat i ett förråd i Sörbyängen"
    610021: "brand",        # "Polisen har upprättat en anmälan avseende skadegörelse genom brand."
    588095: "brand",        # "Det har brunnit i en villa i Igelboda. Polisen misstänker att den är anlagd ..."
    619627: "brand",        # type Mordbrand: "Brand i byggnad."
}


def test_real_fires_are_fires_unless_their_text_says_arson(demo_con):
    by_id = {event["id"]: event for event in json.loads(realdata(NATIONAL).read_text(encoding="utf-8"))}
    codes, prepared = _prepare_here(demo_con, [by_id[i] for i in FIRES])
    assert prepared.problems == [] and prepared.ignored == {}
    assert dict(zip(FIRES, codes, strict=True)) == FIRES


def _event(kind: str, summary: str = "", place: str = "Sölvesborg", location: str = "Sölvesborg") -> dict:
    return {"id": abs(hash((kind, summary, place))), "datetime": "2026-08-16 7:34:45 +02:00",
            "name": f"15 augusti 23.29, {kind}, {place}", "summary": summary, "url": "/x/", "type": kind,
            "location": {"name": location, "gps": "56.278384,15.018006"}}


def test_killings_weapons_and_drink_driving_have_their_own_categories(demo_con):
    kinds = ["Mord/dråp", "Mord/dråp, försök", "Vapenlagen", "Knivlagen", "Rattfylleri", "Alkohollagen",
             "Narkotikabrott", "Våldtäkt", "Brand", "Mordbrand"]
    codes, prepared = _prepare_here(demo_con, [_event(kind) for kind in kinds])
    assert codes == ["mord_drap", "mord_drap", "vapenbrott", "vapenbrott", "rattfylleri", "alkohol",
                     "narkotika", "sexualbrott", "brand_ovrig", "brand"]


def test_summaries_are_left_out_with_their_reason(demo_con):
    ctx = load_context(demo_con, today=DEMO_END)
    events = [_event("Sammanfattning natt", "Lugn natt."),
              _event("Sammanfattning natt", place="Blekinge län", location="Blekinge län"),
              _event("Sammanfattning kväll och natt", place="Skåne län", location="Skåne län"),
              _event("Trafikolycka", "Kollision på E22."),
              _event("Misshandel", place="Karlshamn", location="Karlshamn")]
    prepared = prepare_police(events, ctx, "test.json")
    summary = vocabulary.POLICE_TYPES["Sammanfattning natt"].reason
    assert summary.startswith("en sammanfattning av flera händelser i länet, inte en egen händelse")
    assert prepared.ignored == {
        f"Sammanfattning natt (utanför lägesbilden): {summary}": 2,
        f"Sammanfattning kväll och natt (utanför lägesbilden): {summary}": 1,
        "Trafikolycka (utanför lägesbilden): trafiksäkerhet, inte brott eller ordning": 1,
        "händelser i andra kommuner": 1,
    }
    assert len(prepared.frame) == 0 and prepared.problems == []


def test_real_solvesborg_events_by_category(demo_con):
    result = import_path(demo_con, realdata(SOLVESBORG_UNION))
    found = dict(demo_con.execute(
        "SELECT c.code, count(*) FROM incidents i JOIN categories c ON c.id = i.category_id"
        " WHERE i.import_id = ? GROUP BY c.code", [result.import_id]).fetchall())
    # Counted by hand from the file: 23 Brand of which one "Misstänkt anlagd brand, Kaninholmen" (529778),
    # one Mordbrand (648106), four "Mord/dråp, försök", one Vapenlagen, 16 Rattfylleri.
    assert (found["brand"], found["brand_ovrig"]) == (2, 22)
    assert (found["mord_drap"], found["vapenbrott"], found["rattfylleri"]) == (4, 1, 16)
    reason = vocabulary.POLICE_TYPES["Trafikolycka"].reason
    assert result.ignored[f"Trafikolycka (utanför lägesbilden): {reason}"] == 38


def _old_database(path: Path, *, own_category_16: bool = False) -> duckdb.DuckDBPyConnection:
    """A database as release 0006 left it (before 0007 and 0008): the first 15 categories, narcotics in group 'Narkotika', a fire."""
    con = duckdb.connect(str(path))
    db.migrate(con, db.load_migrations()[:6])
    old = [c._replace(group="Narkotika") if c.code == "narkotika" else c for c in vocabulary.CATEGORIES[:15]]
    con.executemany("INSERT INTO categories VALUES (?, ?, ?, ?, ?)", [list(c) for c in old])
    if own_category_16:
        con.execute("INSERT INTO categories VALUES (?, ?, ?, ?, ?)", [16, "egen", "Egen", "Övrigt", 1.0])
    con.execute(
        "INSERT INTO incidents (id, source_id, occurred_at, local_time, day, hour, weekday, category_id, precision,"
        " import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [1, 1, "2025-06-13 01:13:00+00", "2025-06-13 03:13:00", date(2025, 6, 13), 3, 5, 10, "municipality", 1])
    return con


def _categories(con) -> list[tuple]:
    return con.execute("SELECT id, code, label, category_group, harm_weight FROM categories ORDER BY id").fetchall()


def test_existing_database_gets_the_new_categories(tmp_path, empty_con):
    con = _old_database(tmp_path / "old.duckdb")
    assert db.migrate(con) == list(range(7, db.latest_version() + 1))
    assert _categories(con) == [tuple(c) for c in vocabulary.CATEGORIES]
    # What was stored stays as it was: the fire stored as arson is not re-categorised.
    assert con.execute("SELECT category_id FROM incidents").fetchall() == [(10,)]
    # A new database has the same vocabulary.
    with db.write(empty_con) as cur:
        vocabulary.install(cur)
    assert _categories(empty_con) == _categories(con)
    con.close()


def test_new_categories_keep_their_ids_beside_the_coordinators_own(tmp_path):
    con = _old_database(tmp_path / "own.duckdb", own_category_16=True)
    db.migrate(con)
    ids = {code: number for number, code, *_ in _categories(con)}
    assert ids["egen"] == 16 and ids["brand_ovrig"] == 22
    assert [ids[c] for c in ("mord_drap", "vapenbrott", "rattfylleri", "alkohol", "sexualbrott")] == [17, 18, 19,
                                                                                                     20, 21]
    con.close()


def test_migration_leaves_a_new_database_to_the_vocabulary(empty_con):
    assert empty_con.execute("SELECT count(*) FROM categories").fetchall() == [(0,)]


def test_undo_and_import_again_categorises_anew(demo_con):
    first = import_path(demo_con, realdata(SOLVESBORG_UNION))
    # As a release before the review stored them: every fire as arson.
    demo_con.execute("UPDATE incidents SET category_id = 10 WHERE import_id = ? AND category_id = 16",
                     [first.import_id])
    undo_import(demo_con, first.import_id, undone_by="test")
    again = import_path(demo_con, realdata(SOLVESBORG_UNION))
    assert again.rows_stored == first.rows_stored
    assert demo_con.execute("SELECT count(*) FROM incidents WHERE import_id = ? AND category_id = 16",
                            [again.import_id]).fetchall() == [(22,)]


def test_a_table_file_with_police_types_reports_the_reason_too(demo_con, tmp_path):
    path = tmp_path / "polisen.csv"
    path.write_text("datum;brottstyp;område;källa\n2026-04-01 22:30;Trafikolycka;SOL;Polisen\n"
                    "2026-04-01 22:30;Knivlagen;SOL;Polisen\n", encoding="utf-8")
    result = import_path(demo_con, path)
    assert result.ignored == {"Trafikolycka (utanför lägesbilden): trafiksäkerhet, inte brott eller ordning": 1}
    assert demo_con.execute("SELECT c.code FROM incidents i JOIN categories c ON c.id = i.category_id"
                            " WHERE i.import_id = ?", [result.import_id]).fetchall() == [("vapenbrott",)]
