"""One writer, many readers: writes go to the master under a lock and are published; readers never see a
half-written file, the CLI works while others read, and a writer killed mid-publish harms no reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from lagesbild import db, queries, snapshots
from tests import synthetic

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def master(tmp_path) -> Path:
    path = tmp_path / "lagesbild.duckdb"
    synthetic.make(path).close()
    return path


def _name(con) -> str:
    return queries.municipality_name(con)


def test_a_write_on_a_reader_goes_to_the_master_and_is_published(master):
    first, first_path = snapshots.reader(master)
    assert _name(first) == "Provkommun"
    with db.write(first) as cur:
        db.set_meta(cur, "municipality_name", "Nykommun")
    assert snapshots.current(master) != first_path
    assert _name(first) == "Provkommun"          # an open reader keeps its snapshot: never a half-written file
    second, _ = snapshots.reader(master)
    assert _name(second) == "Nykommun"
    assert queries.data_version(second) == queries.data_version(first) + 1
    with pytest.raises(duckdb.Error):             # a snapshot is read-only; only `db.write` reaches the master
        second.execute("DELETE FROM incidents")
    first.close()
    second.close()


def test_a_dry_run_or_a_refused_write_publishes_nothing(master):
    con, path = snapshots.reader(master)
    with db.write(con, dry_run=True) as cur:
        db.set_meta(cur, "municipality_name", "Provkörning")
    with pytest.raises(ZeroDivisionError), db.write(con) as cur:
        db.set_meta(cur, "municipality_name", "Felkommun")
        raise ZeroDivisionError
    assert snapshots.current(master) == path
    assert _name(snapshots.reader(master)[0]) == "Provkommun"


def test_writers_take_turns_across_processes(master):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pathlib import Path; from lagesbild import snapshots\n"
         "with snapshots.locked(Path(sys.argv[1])):\n    print('held', flush=True); time.sleep(3)", str(master)],
        cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(snapshots.BusyError), snapshots.writing(master, wait=0.3):
            pass
        started = time.monotonic()
        with snapshots.writing(master, wait=30) as con, db.write(con) as cur:  # waits for its turn, then writes
            db.set_meta(cur, "municipality_name", "Efter")
        assert time.monotonic() - started > 0.5
    finally:
        holder.wait(timeout=30)
    assert _name(snapshots.reader(master)[0]) == "Efter"


def test_the_cli_reads_and_imports_while_a_reader_is_open(master, tmp_path):
    reader, _ = snapshots.reader(master)   # as an app process would hold it
    before = queries.table_counts(reader)["incidents"]
    info = subprocess.run([sys.executable, "-m", "lagesbild", "info", "--db", str(master)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert info.returncode == 0, info.stderr
    rows = ["datum;kategori;område", "2025-03-01;Skadegörelse;SW", "2025-03-02;Klotter;NE"]
    (tmp_path / "nya.csv").write_text("\n".join(rows), encoding="utf-8")
    imported = subprocess.run([sys.executable, "-m", "lagesbild", "import", "--db", str(master),
                               "--source", "felanmalan", str(tmp_path / "nya.csv")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr
    assert queries.table_counts(reader)["incidents"] == before   # still its own snapshot
    assert queries.table_counts(snapshots.reader(master)[0])["incidents"] == before + 2


KILLED_MID_PUBLISH = """
import shutil, sys, time
from pathlib import Path
from lagesbild import snapshots

def slow_copy(source, target):
    with open(source, "rb") as inp, open(target, "wb") as out:
        out.write(inp.read(4096))
        out.flush()
        print("copying", flush=True)
        time.sleep(60)

shutil.copyfile = slow_copy
snapshots.publish(Path(sys.argv[1]))
"""


def test_a_writer_killed_mid_publish_leaves_readers_on_the_last_good_snapshot(master):
    good, good_path = snapshots.reader(master)
    writer = subprocess.Popen([sys.executable, "-c", KILLED_MID_PUBLISH, str(master)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "copying"
        assert list(snapshots.folder(master).glob("*.partial"))
        os.kill(writer.pid, signal.SIGKILL)
    finally:
        writer.wait(timeout=30)
    assert snapshots.current(master) == good_path
    again, path = snapshots.reader(master)
    assert path == good_path and _name(again) == "Provkommun"
    with snapshots.writing(master, wait=5) as con, db.write(con) as cur:   # the lock died with the writer
        db.set_meta(cur, "municipality_name", "Efter")
    assert not list(snapshots.folder(master).glob("*.partial"))          # its half copy is cleared away
    assert _name(snapshots.reader(master)[0]) == "Efter"
    assert _name(good) == "Provkommun"


def test_old_snapshots_are_pruned(master):
    con, _ = snapshots.reader(master)
    for number in range(6):
        with db.write(con) as cur:
            db.set_meta(cur, "municipality_name", f"Kommun {number}")
    published = sorted(snapshots.folder(master).glob("*.duckdb"))
    assert len(published) == snapshots.KEEP
    assert snapshots.current(master) == published[-1]
    assert _name(con) == "Provkommun"   # the oldest, removed from the folder, is still readable while open
