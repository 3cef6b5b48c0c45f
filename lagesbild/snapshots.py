"""One writer, many readers: the master database is written one write at a time, readers open published copies.

DuckDB lets one process hold a database file for writing, and then no other process may open it at all. So the
master file (`data/lagesbild.duckdb`) is opened only to write — by the app or the CLI, under an exclusive file
lock (`<master>.lock`), one write at a time — and after every write that changed something a read-only copy is
*published*: the master is checkpointed and closed, copied to a new file in `<master>.snapshots/`, and the name
of that file is written to `CURRENT` there by an atomic rename. Readers (every app process, the CLI's read-only
commands) open the snapshot `CURRENT` names, read-only, and move to a new one when `CURRENT` changes. A reader
that still has an old snapshot open keeps reading it (on POSIX a removed file lives on while it is open), so a
page never sees a half-written file, and a writer killed mid-publish leaves `CURRENT` on the last good snapshot.

Nothing to install: the lock is `fcntl.flock`, the publication a file copy and a rename on the same disk.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from lagesbild import db

KEEP = 3                 # published snapshots kept besides the current one's predecessors still open by readers
LOCK_WAIT_SECONDS = 120  # how long a writer waits for another write to finish before giving up


class BusyError(db.WriteError):
    """Another write held the lock for longer than the writer was willing to wait (`reason` in Swedish for the
    coordinator, `en` for the CLI and logs)."""

    def __init__(self, en: str) -> None:
        super().__init__("En annan import eller ändring sparas just nu och tar längre tid än väntat; inget "
                         "sparades. Försök igen om en stund.")
        self.en = en

    def __str__(self) -> str:
        return self.en


def folder(master: Path) -> Path:
    return Path(f"{master}.snapshots")


def lock_path(master: Path) -> Path:
    return Path(f"{master}.lock")


@contextlib.contextmanager
def locked(master: Path, wait: float | None = None) -> Iterator[None]:
    """Hold the master's write lock (across processes), waiting up to `wait` seconds (LOCK_WAIT_SECONDS)."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    master = Path(master)
    master.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(lock_path(master), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError(f"another write to {master} has held its lock for over {wait:.0f} s") from None
                time.sleep(0.05)
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock


@contextlib.contextmanager
def writing(master: Path | str, wait: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The master database opened for writing under the lock; published when the block changed the data."""
    master = Path(master)
    with locked(master, wait):
        con = db.connect(master)
        try:
            before = _version(con)
            yield con
            changed = _version(con) != before or not current(master)
            if changed:
                con.execute("CHECKPOINT")
        finally:
            con.close()
        if changed:
            publish_locked(master)


def _version(con: duckdb.DuckDBPyConnection) -> tuple[str | None, int]:
    """What tells a write happened: the data version, and the schema version (a migration is a change too)."""
    return (db.get_meta(con, "data_version", "0"), db.schema_version(con))


def publish(master: Path | str, wait: float | None = None) -> Path:
    """Publish the master as it is now (taking the lock); returns the new snapshot's path."""
    master = Path(master)
    with locked(master, wait):
        con = db.connect(master)  # brings the schema up to date, so readers never see an old one
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        return publish_locked(master)


def publish_locked(master: Path) -> Path:
    """Copy the closed, checkpointed master to a new snapshot and point `CURRENT` at it (the caller holds the
    lock). Every step before the last rename can be cut short without readers noticing."""
    place = folder(master)
    place.mkdir(parents=True, exist_ok=True)
    name = f"{time.time_ns()}.duckdb"
    partial = place / (name + ".partial")
    shutil.copyfile(master, partial)
    _fsync(partial)
    os.replace(partial, place / name)
    pointer = place / "CURRENT.partial"
    pointer.write_text(name + "\n", encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, place / "CURRENT")
    _fsync_dir(place)
    _prune(place, name)
    return place / name


def _fsync(path: Path) -> None:
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(path)


def _prune(place: Path, keep_name: str) -> None:
    """Remove left-over partial copies and all but the newest `KEEP` snapshots. A reader that still has one open
    keeps reading it: the file lives on until it is closed."""
    for partial in place.glob("*.partial"):
        if partial.name != "CURRENT.partial":
            partial.unlink(missing_ok=True)
    published = sorted((p for p in place.glob("*.duckdb")), key=lambda p: p.name)
    for old in published[:-KEEP]:
        if old.name != keep_name:
            old.unlink(missing_ok=True)
            Path(f"{old}.wal").unlink(missing_ok=True)


def current(master: Path | str) -> Path | None:
    """The snapshot readers should open now, or None when nothing has been published yet."""
    place = folder(Path(master))
    try:
        name = (place / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    path = place / name
    return path if name and path.exists() else None


def reader(master: Path | str) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A read-only connection to the current snapshot (publishing one first if there is none, or if the one
    published has an older schema than this release) and its path.

    Writes through `db.write` on this connection go to the master, under the lock, and publish."""
    master = Path(master)
    path = current(master)
    if path is None:
        if not master.exists():
            raise FileNotFoundError(f"no database at {master}")
        path = publish(master)
    con = open_snapshot(master, path)
    if db.schema_version(con) < db.latest_version():   # published by an older release: migrate and publish
        con.close()
        con = open_snapshot(master, path := publish(master))
    return con, path


def open_snapshot(master: Path, path: Path) -> duckdb.DuckDBPyConnection:
    """`path` (a snapshot of `master`) opened read-only, with writes on it sent to the master."""
    con = duckdb.connect(str(path), read_only=True)
    db.register_reader(con, master)
    return con
