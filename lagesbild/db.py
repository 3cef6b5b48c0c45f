"""Opening the DuckDB file and keeping its schema current.

The schema is versioned: `schema_version` records every migration applied, and `migrate` applies the
numbered files under `lagesbild/migrations/` in order, each in one transaction. A database written by a
newer release than this one is refused rather than guessed at.
"""

from __future__ import annotations

import contextlib
import re
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class SchemaError(RuntimeError):
    """The database cannot be used by this release (too new, or a migration failed)."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migrations in `directory`, ordered by version; numbering must be 1, 2, 3, … without gaps."""
    found = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise SchemaError(f"migration file name not understood: {path.name}")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.version != expected:
            raise SchemaError(f"migration {expected:04d} is missing (found {migration.version:04d})")
    return found


def latest_version(migrations: list[Migration] | None = None) -> int:
    """The schema version this release writes."""
    migrations = load_migrations() if migrations is None else migrations
    return migrations[-1].version if migrations else 0


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The version recorded in the database, 0 for an empty database."""
    cur = con.cursor()
    try:
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        return int(cur.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])
    finally:
        cur.close()


def migrate(con: duckdb.DuckDBPyConnection, migrations: list[Migration] | None = None) -> list[int]:
    """Apply every migration newer than the database's version; return the versions applied."""
    migrations = load_migrations() if migrations is None else migrations
    current = schema_version(con)
    newest = latest_version(migrations)
    if current > newest:
        raise SchemaError(
            f"the database has schema version {current}, but this release knows only up to {newest}; "
            "it was written by a newer Lägesbild. Upgrade Lägesbild instead of using this file."
        )
    applied = []
    cur = con.cursor()
    try:
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMPTZ NOT NULL DEFAULT current_timestamp)"
        )
        for migration in migrations:
            if migration.version <= current:
                continue
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(migration.sql)
                cur.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)",
                    [migration.version, migration.name],
                )
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                cur.execute("ROLLBACK")
                raise SchemaError(f"migration {migration.version:04d}_{migration.name} failed: {exc}") from exc
            applied.append(migration.version)
    finally:
        cur.close()
    return applied


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (or create) the database at `path` and bring its schema up to date."""
    path = Path(path)
    if read_only:
        if not path.exists():
            raise FileNotFoundError(f"no database at {path}")
        return duckdb.connect(str(path), read_only=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        migrate(con)
    except Exception:
        con.close()
        raise
    return con


def get_meta(con: duckdb.DuckDBPyConnection, key: str, default: str | None = None) -> str | None:
    """One value from the key/value `meta` table."""
    cur = con.cursor()
    try:
        rows = cur.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    finally:
        cur.close()
    return rows[0][0] if rows else default


def set_meta(cur: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    """Set one value in `meta` (inside the caller's transaction)."""
    cur.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", [key, value])


def bump_data_version(cur: duckdb.DuckDBPyConnection) -> None:
    """Mark that data changed (inside the writer's transaction): caches keyed by the version go stale."""
    cur.execute(
        "INSERT OR REPLACE INTO meta VALUES ('data_version', CAST(coalesce((SELECT CAST(value AS BIGINT)"
        " FROM meta WHERE key = 'data_version'), 0) + 1 AS VARCHAR))"
    )


# The one door for writes -------------------------------------------------------------------------------------

class WriteError(RuntimeError):
    """A write the database did not accept; `reason` says why in Swedish, for the coordinator."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Rollback(Exception):  # noqa: N818 - a signal, not an error
    """Raise inside `write` to end it keeping nothing (a refused import); `write` swallows it."""


_WRITE_LOCK = threading.RLock()  # one writer at a time within the process (across processes: the file lock)
_open_writes = threading.local()  # id(connection) -> [cursor, keep] of this thread's write in progress
_READERS: weakref.WeakKeyDictionary[duckdb.DuckDBPyConnection, Path] = weakref.WeakKeyDictionary()  # snapshot connection -> its master


def register_reader(con: duckdb.DuckDBPyConnection, master: Path) -> None:
    """Mark `con` as a read-only snapshot of `master` (lagesbild.snapshots): writes on it go to the master."""
    _READERS[con] = Path(master)


def master_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The master database a snapshot connection belongs to, or None for a connection to a master itself."""
    return _READERS.get(con)


@contextlib.contextmanager
def write(con: duckdb.DuckDBPyConnection, *, dry_run: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Every write to the database goes through here: one transaction on its own cursor, under the lock.

    On leaving the block the transaction is committed and the data version moves (so every cache keyed by
    it goes stale), or, on an error, `Rollback` or a dry run, rolled back with nothing kept. A write opened
    inside another write on the same connection (saving mapping choices with their import) joins it: the
    outermost one decides, and a nested dry run or error leaves nothing of the whole.
    """
    opened = getattr(_open_writes, "by_connection", None)
    if opened is None:
        opened = _open_writes.by_connection = {}
    outer = opened.get(id(con))
    if outer is not None:
        yield outer[0]
        if dry_run:
            outer[1] = False
        return
    master = master_of(con)
    if master is not None:  # a reader's write: to the master, under the file lock, then published
        from lagesbild import snapshots

        with _WRITE_LOCK, snapshots.writing(master) as writer, write(writer, dry_run=dry_run) as cur:
            opened[id(con)] = opened[id(writer)]  # a write nested on the reader joins this one
            try:
                yield cur
            finally:
                opened.pop(id(con), None)
        return
    with _WRITE_LOCK:
        cur = con.cursor()
        state = [cur, not dry_run]
        opened[id(con)] = state
        try:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
            except Rollback:
                state[1] = False
            except BaseException:
                _rollback(cur)
                raise
            if not state[1]:
                _rollback(cur)
                return
            try:
                bump_data_version(cur)
                cur.execute("COMMIT")
            except duckdb.Error as exc:
                _rollback(cur)
                raise WriteError(f"Databasen kunde inte spara ändringen, inget sparades ({exc}).") from exc
        finally:
            del opened[id(con)]
            cur.close()


def _rollback(cur: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # the failure itself may already have ended the transaction
        cur.execute("ROLLBACK")
