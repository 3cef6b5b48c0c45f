"""Published versions of the lägesbild: what the council adopted stays visible as adopted.

Staff *publish* a version: the data as they are now, the view (filters, measure, layers: the link's parameters),
a title and the analyst's comment (plain text, passed through the personal-data guard). Publishing pins the
data: the current read-only snapshot (`lagesbild.snapshots`) is hard-linked to `<master>.published/<id>.duckdb`
and its description written to `published_versions` in the master, in one write under the one-writer lock.

Why a hard link: a snapshot is never changed after it is published (readers open it read-only, and the writer
only ever makes new files), so the pinned file *is* the data the council saw, at no cost in time and no extra
disk while the snapshot is still among the kept ones. When `snapshots` later prunes the snapshot, the link keeps
the data alive and the version holds one snapshot's worth of disk (about 1 GB at 10 million incidents) — the
price of being able to open every page of the app on exactly those data. Where the file system cannot link
(another disk), the file is copied instead. Aggregated results alone would be far smaller, but could show only
the numbers chosen at publication, not the pages a council member may want to look into.

A version is opened by its link (`?version=3`): the app then reads the pinned file instead of the current
snapshot (`open_version`), and `changes` says what differs from the version before (data, imports, period and
selection, and the key figures, protected for viewers by `lagesbild.protect`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb

from lagesbild import auth, db, formatting, overview, queries, snapshots
from lagesbild import view as view_module
from lagesbild.ingest.guard import FORM_REASONS, TEXT, value_reason
from lagesbild.protect import Disclosure
from lagesbild.settings import TIME_ZONE

TITLE_MAX = 120
COMMENT_MAX = 8000
TOP = 5           # the areas compared between versions
REPORT_NAMES = ("lagesbild.docx", "lagesbild.pdf")


class PublishError(db.WriteError):
    """A publication that was refused: `reason` in Swedish for the page, `en` for the CLI; nothing was stored."""

    def __init__(self, reason: str, en: str) -> None:
        super().__init__(reason)
        self.en = en


@dataclass(frozen=True)
class Version:
    """One published version, as `published_versions` describes it."""

    id: int
    title: str
    comment: str
    published_at: datetime
    role: str
    file_name: str
    stored_as: str
    file_bytes: int
    data_version: int
    schema_version: int
    first_day: date | None
    last_day: date | None
    period_start: date
    period_end: date
    query: dict[str, str]

    @property
    def published_day(self) -> date:
        """The day of publication in Swedish time."""
        return self.published_at.astimezone(ZoneInfo(TIME_ZONE)).date()

    @property
    def role_label(self) -> str:
        """Who published, as a role in Swedish lower case ('personal')."""
        return auth.ROLE_LABELS.get(self.role, self.role).lower()

    def link_query(self) -> dict[str, str]:
        """The permanent link's parameters: only the version (it opens with the view it was published with)."""
        return {"version": str(self.id)}


@dataclass(frozen=True)
class Published:
    """What `publish` did: the version, how long it took and what it cost on disk."""

    version: Version
    seconds: float
    extra_bytes: int   # disk taken now (0 for a hard link while the snapshot is kept)


def folder(master: Path | str) -> Path:
    """Where the pinned files of `master` live: beside its snapshots, never pruned."""
    return Path(f"{master}.published")


def file_path(master: Path | str, version: Version) -> Path:
    return folder(master) / version.file_name


def check_text(title: str, comment: str) -> None:
    """Refuse (PublishError) a missing or too long title, a too long comment, or personal data in either."""
    if not title.strip():
        raise PublishError("Ge lägesbilden en rubrik.", "the title is empty")
    if len(title) > TITLE_MAX:
        raise PublishError(f"Rubriken får vara högst {TITLE_MAX} tecken.", f"the title is over {TITLE_MAX} characters")
    if len(comment) > COMMENT_MAX:
        raise PublishError(f"Analytikerns kommentar får vara högst {COMMENT_MAX} tecken.",
                           f"the comment is over {COMMENT_MAX} characters")
    for text, swedish, english in ((title, "Rubriken", "The title"),
                                   (comment, "Analytikerns kommentar", "The comment")):
        reason = value_reason(text, TEXT)
        if reason:
            sv, en = FORM_REASONS[reason]
            raise PublishError(sv.format(what=swedish) + " Inget publicerades.", en.format(what=english))


def publish(master: Path | str, *, title: str, comment: str, view: view_module.View, role: str,
            expected_version: int | None = None) -> Published:
    """Publish the current data with `view`, `title` and `comment` (under the write lock); return the version.

    `expected_version`: the data version the person looked at; when a write has come in since, the
    publication is refused rather than pinning data nobody has seen.
    """
    master = Path(master)
    title, comment = title.strip(), comment.strip()
    check_text(title, comment)
    started = time.perf_counter()
    snapshots.reader(master)[0].close()   # a snapshot with this release's schema exists before the lock is taken
    target: Path | None = None
    try:
        with snapshots.writing(master) as con:
            now = queries.data_version(con)
            if expected_version is not None and now != expected_version:
                raise PublishError("Nya uppgifter har sparats sedan sidan visades. Granska lägesbilden och "
                                   "publicera igen; inget publicerades.",
                                   f"the data changed (version {expected_version} -> {now}); try again")
            source = _same_data(master, con) or snapshots.current(master)
            if source is None:
                raise PublishError("Det finns inga uppgifter att publicera.", "nothing has been published yet")
            frozen = duckdb.connect(str(source), read_only=True)
            try:
                schema, data_version = db.schema_version(frozen), queries.data_version(frozen)
                days = queries.data_range(frozen)
            finally:
                frozen.close()
            if schema < db.latest_version():
                raise PublishError("Databasen uppdateras just nu; försök igen om en stund.",
                                   "the snapshot has an older schema; try again")
            query = view_module.to_query(dataclasses.replace(view, page="oversikt", version=None))
            with db.write(con) as cur:
                number = int(cur.execute("SELECT nextval('published_version_ids')").fetchall()[0][0])
                target = folder(master) / f"{number}.duckdb"
                stored_as = _pin(source, target)
                cur.execute(
                    "INSERT INTO published_versions (id, title, comment, published_role, file_name, stored_as,"
                    " file_bytes, data_version, schema_version, first_day, last_day, period_start, period_end,"
                    " link_query) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [number, title, comment, role, target.name, stored_as, target.stat().st_size, data_version,
                     schema, days[0] if days else None, days[1] if days else None, view.filters.start,
                     view.filters.end, json.dumps(query, ensure_ascii=False, sort_keys=True)])
    except BaseException:
        if target is not None:   # the row was not committed: no file without its row
            with contextlib.suppress(OSError):
                target.chmod(0o644)
                target.unlink()
        raise
    seconds = time.perf_counter() - started
    reader, _ = snapshots.reader(master)
    try:
        version = get(reader, number)
    finally:
        reader.close()
    assert version is not None
    return Published(version, seconds, 0 if stored_as == "link" else version.file_bytes)


def _same_data(master: Path, con: duckdb.DuckDBPyConnection) -> Path | None:
    """The newest version's frozen file when nothing but publications has been written since (a corrected title
    published again): the new version then shares that file instead of holding one more copy of the same data."""
    found = queries.rows(con, "SELECT max(id) FROM published_versions")[0][0]
    latest = None if found is None else get(con, int(found))
    if latest is None or latest.schema_version < db.latest_version() or newer_data(con, latest):
        return None
    path = file_path(master, latest)
    return path if path.exists() else None


def _pin(source: Path, target: Path) -> str:
    """Make `target` the frozen data of `source`: a hard link (no copy) where the file system allows, else a
    copy. Returns 'link' or 'copy'. The file is made read-only: nothing may ever change it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        os.link(source, partial)
        how = "link"
    except OSError:
        shutil.copyfile(source, partial)
        how = "copy"
    handle = os.open(partial, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)
    partial.chmod(0o444)   # for a link the snapshot's mode too: both are read-only by design
    os.replace(partial, target)
    return how


_COLUMNS = ("id, title, comment, published_at, published_role, file_name, stored_as, file_bytes, data_version,"
            " schema_version, first_day, last_day, period_start, period_end, link_query")


def _version(row: tuple[Any, ...]) -> Version:
    names = [f.name for f in dataclasses.fields(Version)][:-1]
    return Version(**dict(zip(names, row[:-1], strict=True)), query=json.loads(row[-1]))


def versions(con: duckdb.DuckDBPyConnection) -> list[Version]:
    """Every published version, newest first (from a connection to the current data)."""
    return [_version(r) for r in queries.rows(con, "SELECT " + _COLUMNS + " FROM published_versions ORDER BY id DESC")]


def get(con: duckdb.DuckDBPyConnection, number: int) -> Version | None:
    """One published version, or None when there is none with that number."""
    found = queries.rows(con, "SELECT " + _COLUMNS + " FROM published_versions WHERE id = ?", [number])
    return _version(found[0]) if found else None


def previous(con: duckdb.DuckDBPyConnection, version: Version) -> Version | None:
    """The version published before `version`, or None for the first."""
    found = queries.rows(con, "SELECT max(id) FROM published_versions WHERE id < ?", [version.id])[0][0]
    return None if found is None else get(con, int(found))


def newer_data(con: duckdb.DuckDBPyConnection, version: Version) -> bool:
    """Whether data changed after `version`'s data were current (`con`: the current data). Every publication moves
    the data version by exactly one and pins data at least as new as the version's, so what moved it beyond
    those publications was another write."""
    current = queries.data_version(con)
    publications = queries.rows(con, "SELECT count(*) FROM published_versions WHERE data_version >= ?",
                                [version.data_version])[0][0]
    return current - version.data_version - int(publications) > 0


def open_version(master: Path | str, version: Version) -> duckdb.DuckDBPyConnection:
    """The version's frozen data opened read-only; a write on it goes to the master, never to the frozen file.

    A version published by an older release is opened from a schema-upgraded copy made once beside it (the
    data are the same; only the tables' shape follows this release's queries)."""
    master = Path(master)
    path = file_path(master, version)
    if not path.exists():
        raise FileNotFoundError(f"the frozen file of published version {version.id} is missing: {path}")
    latest = db.latest_version()
    if version.schema_version < latest:
        path = _upgraded(path, latest)
    con = duckdb.connect(str(path), read_only=True)
    db.register_reader(con, master)
    return con


def _upgraded(path: Path, latest: int) -> Path:
    upgraded = path.with_name(f"{path.stem}.schema{latest}.duckdb")
    if not upgraded.exists():
        partial = upgraded.with_name(f"{upgraded.name}.{os.getpid()}.partial")
        shutil.copyfile(path, partial)
        partial.chmod(0o644)
        con = db.connect(partial)
        try:
            con.execute("CHECKPOINT")
        finally:
            con.close()
        os.replace(partial, upgraded)
    return upgraded


def vocabulary(con: duckdb.DuckDBPyConnection) -> view_module.Vocabulary:
    """The codes a link may use in these data."""
    return view_module.Vocabulary(*(frozenset(row[0] for row in queries.rows(con, "SELECT code FROM " + table))
                                    for table in ("categories", "risk_factors", "sources", "areas")))


def frozen_view(con: duckdb.DuckDBPyConnection, version: Version) -> view_module.View:
    """The view as published (`con`: the version's own data), with its period exactly as it was resolved."""
    found = queries.data_range(con)
    anchor = min(found[1], date.today()) if found else date.today()
    opened = view_module.from_query(version.query, vocabulary(con), anchor)
    filters = dataclasses.replace(opened.filters, start=version.period_start, end=version.period_end)
    return dataclasses.replace(opened, filters=filters, version=version.id)


@dataclass(frozen=True)
class KeyFigures:
    """What is compared between versions: incidents in the view, the top areas, and the imports."""

    incidents: float                               # NaN where hidden from a viewer
    top_areas: tuple[tuple[str, str], ...]         # (name, rate per 1 000 as shown text), highest first
    imports: tuple[tuple[int, str, str, str], ...]  # (id, file name, kind, status)


def key_figures(con: duckdb.DuckDBPyConnection, view: view_module.View, shown: Disclosure) -> KeyFigures:
    """The version's key figures on its own data and view, as `shown` may see them."""
    totals = queries.totals(con, view.filters)
    table = formatting.as_text(overview.top_areas(con, view.filters, shown).head(TOP))  # as shown: '12,3', '–'
    imports = tuple((int(i), str(f), str(k), str(s)) for i, f, k, s in queries.rows(
        con, "SELECT id, file_name, kind, status FROM imports ORDER BY id"))
    return KeyFigures(shown.count(totals.count, totals.key),
                      tuple(zip(table["Område"], table["Per 1 000 inv."], strict=True)), imports)


def _selection(query: dict[str, str]) -> dict[str, str]:
    """The parameters that choose incidents and how they are counted (not the page, map position or period)."""
    return {k: v for k, v in query.items() if k not in ("sida", "karta", "period", "fran", "till", "version")}


def changes(old: tuple[Version, KeyFigures] | None, new: tuple[Version, KeyFigures], shown: Disclosure) -> list[str]:
    """What changed since the version before, in Swedish sentences (the first version says what it holds)."""
    version, figures = new
    incidents = f"Händelser i lägesbildens urval: {shown.text(figures.incidents)}."
    top = ", ".join(f"{name} ({rate})" for name, rate in figures.top_areas) or "inga"
    if old is None:
        return ["Första publicerade versionen.", incidents,
                f"Områden med högst andel per 1 000 invånare: {top}."]
    before, was = old
    lines = [f"Jämfört med version {before.id} (publicerad {formatting.day(before.published_day)}):"]
    if (before.first_day, before.last_day) != (version.first_day, version.last_day):
        lines.append(f"Uppgifterna: {_days(before)} → {_days(version)}.")
    else:
        lines.append(f"Samma tidsomfång i uppgifterna ({_days(version)}).")
    lines += _imports_changed(was.imports, figures.imports, shown)
    if (before.period_start, before.period_end) != (version.period_start, version.period_end):
        lines.append(f"Perioden: {formatting.period(before.period_start, before.period_end)} → "
                     f"{formatting.period(version.period_start, version.period_end)}.")
    changed = sorted(k for k in set(_selection(before.query)) | set(_selection(version.query))
                     if before.query.get(k) != version.query.get(k))
    if changed:
        names = [(view_module.PARAMETERS[k].label or k).lower() if k in view_module.PARAMETERS else k for k in changed]
        lines.append("Urvalet ändrades: " + ", ".join(names) + ".")
    if changed or (before.period_start, before.period_end) != (version.period_start, version.period_end):
        lines.append(f"Händelser i lägesbildens urval: {shown.text(was.incidents)} → {shown.text(figures.incidents)}"
                     " (olika urval: skillnaden säger inte hur brottsligheten har ändrats).")
    elif math.isnan(figures.incidents) or math.isnan(was.incidents):
        lines.append(f"Händelser i lägesbildens urval: {shown.text(was.incidents)} → {shown.text(figures.incidents)}.")
    else:
        difference = figures.incidents - was.incidents
        lines.append(f"Händelser i lägesbildens urval: {shown.text(was.incidents)} → {shown.text(figures.incidents)}"
                     f" ({'+' if difference > 0 else ''}{formatting.number(difference)}).")
    old_names, new_names = [n for n, _ in was.top_areas], [n for n, _ in figures.top_areas]
    entered = [n for n in new_names if n not in old_names]
    left = [n for n in old_names if n not in new_names]
    if entered or left:
        lines.append(f"Områden med högst andel per 1 000 invånare: nya bland de {TOP} främsta: "
                     f"{', '.join(entered) or 'inga'}; inte längre bland dem: {', '.join(left) or 'inga'}.")
    elif old_names == new_names:
        lines.append(f"Samma områden med högst andel per 1 000 invånare, i samma ordning: {top}.")
    else:
        lines.append(f"Samma områden med högst andel per 1 000 invånare, i ny ordning: {top}.")
    return lines


def _days(version: Version) -> str:
    if version.first_day is None or version.last_day is None:
        return "inga händelser"
    return formatting.period(version.first_day, version.last_day)


_KINDS = {"incidents": "händelser", "interventions": "insatser", "areas": "områden", "population": "befolkning",
          "demo": "demo", "divisions": "områdesindelning"}


def _imports_changed(old: tuple[tuple[int, str, str, str], ...], new: tuple[tuple[int, str, str, str], ...],
                     shown: Disclosure) -> list[str]:
    """New and undone imports; staff see the files' names, viewers how many of each kind."""
    status = {number: state for number, _, _, state in old}
    added = [i for i in new if i[0] not in status and i[3] == "stored"]
    undone = [i for i in new if status.get(i[0]) == "stored" and i[3] != "stored"]
    lines = []
    for what, found in (("Nya importer", added), ("Ångrade importer", undone)):
        if not found:
            continue
        if shown.viewer:
            kinds: dict[str, int] = {}
            for _, _, kind, _ in found:
                kinds[_KINDS.get(kind, kind)] = kinds.get(_KINDS.get(kind, kind), 0) + 1
            listed = ", ".join(f"{n} med {k}" for k, n in kinds.items())
        else:
            listed = ", ".join(f"nr {number} {name} ({_KINDS.get(kind, kind)})" for number, name, kind, _ in found)
        lines.append(f"{what}: {len(found)} ({listed}).")
    if not lines:
        lines.append("Inga nya eller ångrade importer.")
    return lines


def make_reports(master: Path | str, version: Version, *, threshold: int, link: str) -> dict[str, bytes]:
    """The version's report files (`lagesbild.report`) on its frozen data and view, protected as for viewers
    (the files are handed to anyone who opens the version); built once, one document laid out twice."""
    from lagesbild import report

    con = open_version(master, version)
    try:
        view = frozen_view(con, version)
        made = report.build(con, view.filters, shown=Disclosure(viewer=True, threshold=threshold),
                            today=version.published_day, link=link)
    finally:
        con.close()
    return {f"lagesbild.{fmt}": report.layout(made, fmt) for fmt in ("docx", "pdf")}


def report_folder(master: Path | str, number: int) -> Path:
    """Where a version's report files are kept: `<published folder>/<id>/`."""
    return folder(master) / str(number)


def store_reports(master: Path | str, number: int, files: dict[str, bytes]) -> list[Path]:
    """Keep a version's report files (name -> bytes; names from REPORT_NAMES); each appears whole or not at all."""
    place = report_folder(master, number)
    place.mkdir(parents=True, exist_ok=True)
    stored = []
    for name, data in files.items():
        if name not in REPORT_NAMES:
            raise ValueError(f"not a report file name: {name}")
        partial = place / f"{name}.partial"
        partial.write_bytes(data)
        os.replace(partial, place / name)
        stored.append(place / name)
    return stored


def reports(master: Path | str, number: int) -> list[Path]:
    """The report files kept with a version, in REPORT_NAMES order."""
    place = report_folder(master, number)
    return [place / name for name in REPORT_NAMES if (place / name).exists()]
