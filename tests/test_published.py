"""Published versions: a version keeps its data after new imports, the list, what changed, the guard, the lock."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from lagesbild import cli, db, published, queries, snapshots
from lagesbild import view as view_module
from lagesbild.ingest import import_bytes
from lagesbild.protect import Disclosure
from tests.ingest_helpers import csv_bytes

HEADER = "Datum;Tid;Brottstyp;N;E;Källa"
STAFF, VIEWER = Disclosure(viewer=False), Disclosure(viewer=True)


def new_rows(count: int, day: str = "2026-10-20") -> bytes:
    """`count` different vandalism incidents in Sölvesborg town on one day (none a duplicate of another)."""
    return csv_bytes([HEADER] + [f"{day};{10 + k // 60:02d}:{k % 60:02d};Skadegörelse;6212000;474300;Polisen"
                                 for k in range(count)])


def current(master: Path):
    return snapshots.reader(master)[0]


def import_more(master: Path, count: int, name: str = "ny.csv", day: str = "2026-10-20") -> None:
    con = current(master)
    try:
        assert import_bytes(con, new_rows(count, day), name).rows_stored == count
    finally:
        con.close()


def the_view(master: Path, **query: str) -> view_module.View:
    con = current(master)
    try:
        return view_module.from_query(query, published.vocabulary(con), queries.data_range(con)[1])
    finally:
        con.close()


def count_in(con, view: view_module.View) -> int:
    return queries.totals(con, view.filters).count


def publish(master: Path, title: str = "Lägesbild 2026", comment: str = "Klottret ökar vid stationen.",
            **query: str) -> published.Published:
    return published.publish(master, title=title, comment=comment, view=the_view(master, **query), role="staff")


def test_a_version_keeps_its_numbers_after_new_imports_and_pruning(sbg_db):
    snapshots.publish(sbg_db)
    done = publish(sbg_db, fran="2026-01-01", till="2026-10-31")
    version = done.version
    assert (version.id, version.title, version.role, version.stored_as) == (1, "Lägesbild 2026", "staff", "link")
    assert done.extra_bytes == 0 and done.seconds < 30
    frozen = published.open_version(sbg_db, version)
    view = published.frozen_view(frozen, version)
    before = count_in(frozen, view)
    frozen.close()
    for number in range(snapshots.KEEP + 1):   # more writes than snapshots are kept: the linked one is pruned
        import_more(sbg_db, 10 + number, f"ny{number}.csv", f"2026-10-{10 + number:02d}")
    con = current(sbg_db)
    assert count_in(con, view) == before + sum(10 + n for n in range(snapshots.KEEP + 1))
    assert published.newer_data(con, version)
    con.close()
    frozen = published.open_version(sbg_db, version)
    assert count_in(frozen, view) == before     # the version still shows what was published
    assert queries.data_version(frozen) == version.data_version
    frozen.close()


def test_the_list_and_what_changed_since_the_previous_version(sbg_db):
    snapshots.publish(sbg_db)
    first = publish(sbg_db).version
    con = current(sbg_db)
    assert not published.newer_data(con, first)   # its own publication is not newer data
    con.close()
    import_more(sbg_db, 40, "felanmalan_oktober.csv")
    second = publish(sbg_db, title="Lägesbild efter oktober", kategori="skadegorelse").version
    con = current(sbg_db)
    listed = published.versions(con)
    assert [v.id for v in listed] == [2, 1]
    assert published.previous(con, second) == first and published.previous(con, first) is None
    assert published.get(con, 99) is None
    con.close()

    def figures(version: published.Version, shown: Disclosure) -> published.KeyFigures:
        frozen = published.open_version(sbg_db, version)
        try:
            return published.key_figures(frozen, published.frozen_view(frozen, version), shown)
        finally:
            frozen.close()

    old, new = figures(first, STAFF), figures(second, STAFF)
    staff = published.changes((first, old), (second, new), STAFF)
    text = "\n".join(staff)
    assert "Jämfört med version 1" in staff[0]
    assert "Nya importer: 1 (nr 2 felanmalan_oktober.csv (händelser))." in text
    assert "Urvalet ändrades: kategori." in text
    assert f"Händelser i lägesbildens urval: {int(old.incidents)} → {int(new.incidents)} (olika urval" in text
    same = figures(first, STAFF), figures(first, STAFF)
    assert "urval: " + str(int(old.incidents)) + " → " + str(int(old.incidents)) + " (0)." in "\n".join(
        published.changes((first, same[0]), (first, same[1]), STAFF))
    viewer = "\n".join(published.changes((first, figures(first, VIEWER)), (second, figures(second, VIEWER)),
                                         VIEWER))
    assert "felanmalan" not in viewer and "Nya importer: 1 (1 med händelser)." in viewer
    assert published.changes(None, (first, old), STAFF)[0] == "Första publicerade versionen."


@pytest.mark.parametrize(("title", "comment", "said"), [
    ("Lägesbild", "Anmälaren 811218-9876 ringde igen.", "Analytikerns kommentar innehåller ett personnummer"),
    ("Samtal med Anna Svensson", "", "Rubriken verkar innehålla ett personnamn"),
    ("  ", "", "Ge lägesbilden en rubrik."),
])
def test_personal_data_or_no_title_is_refused_and_nothing_is_stored(sbg_db, title, comment, said):
    snapshots.publish(sbg_db)
    con = current(sbg_db)
    version_before = queries.data_version(con)
    con.close()
    with pytest.raises(published.PublishError) as refused:
        publish(sbg_db, title=title, comment=comment)
    assert said in refused.value.reason and "811218" not in refused.value.reason
    con = current(sbg_db)
    assert published.versions(con) == [] and queries.data_version(con) == version_before
    con.close()
    assert not published.folder(sbg_db).exists()


def test_a_publication_of_data_nobody_saw_is_refused(sbg_db):
    snapshots.publish(sbg_db)
    con = current(sbg_db)
    seen = queries.data_version(con)
    con.close()
    import_more(sbg_db, 5)
    with pytest.raises(published.PublishError, match="Nya uppgifter har sparats"):
        published.publish(sbg_db, title="T", comment="", view=the_view(sbg_db), role="staff", expected_version=seen)
    assert not published.folder(sbg_db).exists()


def test_a_version_from_an_older_release_opens_from_an_upgraded_copy(sbg_db):
    snapshots.publish(sbg_db)
    version = publish(sbg_db).version
    original = published.file_path(sbg_db, version).read_bytes()
    older = dataclasses.replace(version, schema_version=version.schema_version - 1)
    con = published.open_version(sbg_db, older)
    try:
        assert db.schema_version(con) == db.latest_version()
        assert count_in(con, published.frozen_view(con, version)) > 0
    finally:
        con.close()
    assert published.file_path(sbg_db, version).read_bytes() == original   # the frozen file is never touched


def test_the_version_link_parameter():
    known = view_module.Vocabulary()
    opened = view_module.from_query({"version": "3"}, known, date(2026, 10, 31))
    assert opened.version == 3 and not opened.notices
    assert view_module.to_query(opened) == {"version": "3"}
    wrong = view_module.from_query({"version": "tre"}, known, date(2026, 10, 31))
    assert wrong.version is None and "inte ett versionsnummer" in wrong.notices[0]


def test_reports_are_kept_with_their_version(tmp_path):
    master = tmp_path / "lagesbild.duckdb"
    stored = published.store_reports(master, 4, {"lagesbild.pdf": b"%PDF-1.7", "lagesbild.docx": b"PK"})
    assert [p.name for p in published.reports(master, 4)] == ["lagesbild.docx", "lagesbild.pdf"]
    assert stored[0].parent == tmp_path / "lagesbild.duckdb.published" / "4"
    with pytest.raises(ValueError):
        published.store_reports(master, 4, {"../x.pdf": b""})


def test_the_cli_publishes_and_lists(sbg_db, tmp_path, capsys):
    text = tmp_path / "kommentar.txt"
    text.write_text("Skadegörelsen ökar kring stationen.\n", encoding="utf-8")
    assert cli.main(["publish", "--db", str(sbg_db), "--title", "Till KS", "--text-file", str(text),
                     "--period", "30d", "--no-report"]) == cli.EXIT_OK
    assert "published version 1: 'Till KS'" in capsys.readouterr().out
    assert cli.main(["published", "--db", str(sbg_db), "--json"]) == cli.EXIT_OK
    listed = json.loads(capsys.readouterr().out)
    assert (listed["title"], listed["view"], listed["role"]) == ("Till KS", {"period": "30d"}, "staff")
    con = current(sbg_db)
    assert published.versions(con)[0].comment == "Skadegörelsen ökar kring stationen."
    con.close()


def test_the_cli_refuses_personal_data(sbg_db, tmp_path, capsys):
    text = tmp_path / "kommentar.txt"
    text.write_text("Ring 19811218-9876.\n", encoding="utf-8")
    assert cli.main(["publish", "--db", str(sbg_db), "--title", "T", "--text-file", str(text),
                     "--no-report"]) == cli.EXIT_FAILED
    assert "personal identity number" in capsys.readouterr().err
    assert not published.folder(sbg_db).exists()


def test_the_cli_publishes_through_the_one_writer_lock(sbg_db, monkeypatch, capsys):
    snapshots.publish(sbg_db)
    monkeypatch.setattr(snapshots, "LOCK_WAIT_SECONDS", 0.3)
    with snapshots.locked(sbg_db):   # another write holds the lock for longer than the CLI waits
        code = cli.main(["publish", "--db", str(sbg_db), "--title", "T", "--no-report"])
    assert code == cli.EXIT_DATABASE and "held its lock" in capsys.readouterr().err
    assert not published.folder(sbg_db).exists()
    assert cli.main(["publish", "--db", str(sbg_db), "--title", "T", "--no-report"]) == cli.EXIT_OK   # lock free


def test_versions_without_new_data_between_them_share_one_file(sbg_db):
    snapshots.publish(sbg_db)
    first = publish(sbg_db).version
    again = publish(sbg_db, title="Lägesbild 2026, rättad rubrik").version   # nothing but a publication since
    import_more(sbg_db, 5)
    third = publish(sbg_db).version
    inode = [published.file_path(sbg_db, v).stat().st_ino for v in (first, again, third)]
    assert inode[0] == inode[1] != inode[2]
    assert again.data_version == first.data_version < third.data_version
    con = current(sbg_db)
    assert [published.newer_data(con, v) for v in (first, again, third)] == [True, True, False]
    con.close()


def test_the_cli_stores_the_protected_report_with_the_version(sbg_db, capsys):
    import io

    from docx import Document
    from pypdf import PdfReader

    from lagesbild import report

    assert cli.main(["publish", "--db", str(sbg_db), "--title", "Till KS"]) == cli.EXIT_OK
    assert capsys.readouterr().out.count("report stored:") == 2
    files = published.reports(sbg_db, 1)
    assert [f.name for f in files] == ["lagesbild.docx", "lagesbild.pdf"]
    pdf = "\n".join(page.extract_text() for page in PdfReader(files[1]).pages)
    assert report.PROTECTED_MARK.split(":")[0] in pdf and "INTERN" not in pdf   # the version for everyone
    words = "\n".join(p.text for p in Document(io.BytesIO(files[0].read_bytes())).paragraphs)
    assert "?version=1" in words or "?version=1" in pdf   # the report names the version's permanent link


def test_a_published_version_and_the_current_data_never_share_a_cached_result(monkeypatch):
    """Keyed by the frozen file, not only the data version: even with equal data versions the entries differ."""
    import streamlit as st

    from lagesbild.ui import state

    calls: list[str] = []

    @state.versioned(max_entries=8)
    def which(n: int) -> str:
        calls.append("ran")
        return "ran"

    pinned: list[published.Version | None] = [None]
    frozen = published.Version(1, "T", "", None, "staff", "1.duckdb", "link", 0, 7, 12, None, None,  # type: ignore[arg-type]
                               date(2026, 1, 1), date(2026, 1, 31), {})
    monkeypatch.setattr(state, "pinned_version", lambda: pinned[0])
    monkeypatch.setattr(state, "data_version", lambda: 7)
    st.cache_data.clear()
    which(1)
    which(1)
    pinned[0] = frozen
    which(1)
    pinned[0] = dataclasses.replace(frozen, id=2, file_name="2.duckdb")
    which(1)
    st.cache_data.clear()
    assert len(calls) == 3   # current once, then each frozen file once
