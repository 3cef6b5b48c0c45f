"""Opening zip archives (zipped boundary files, Excel workbooks) without letting them take the machine.

Every archive is checked before anything in it is read: how many files, how much they unpack to, how deeply
archives nest. Then every member is unpacked once through a byte counter (and its checksum), writing nothing,
so a member that unpacks to more than it declares is stopped too: GDAL, which reads boundary files inside the
archive afterwards (`vsi_path`), trusts neither the declared size nor stops at it. Members whose names climb
out of the archive (`../x`, `/x`) are left out. An Excel workbook's XML is scanned in chunks for one over-long text run (a cell of millions of
characters) before openpyxl, which would hold the whole string and its parse tree in memory, ever sees it.
"""

from __future__ import annotations

import io
import re
import zipfile
from functools import partial
from pathlib import Path

from lagesbild.ingest.limits import (
    MAX_ARCHIVE_DEPTH,
    MAX_ARCHIVE_MEMBERS,
    MAX_CELL_CHARS,
    MAX_UNCOMPRESSED_BYTES,
)
from lagesbild.ingest.problems import FileRefusedError, Problem

CHUNK = 1 << 20
# An XML text run this long holds more than MAX_CELL_CHARS characters whatever its escapes (`&#x10FFFF;` is the
# longest spelling of one character, ten bytes).
MAX_TEXT_RUN_BYTES = 10 * MAX_CELL_CHARS
_SEPARATORS = re.compile(r"[\\/]")
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"')


class _Budget:
    """Bytes and files left for one upload, shared by the archives nested in it."""

    def __init__(self, file_name: str) -> None:
        self.file_name = file_name
        self.bytes_left = MAX_UNCOMPRESSED_BYTES
        self.members_left = MAX_ARCHIVE_MEMBERS

    def refuse(self, code: str, detail: str) -> FileRefusedError:
        return FileRefusedError(Problem(self.file_name, None, None, None, code, detail))

    def declare(self, archive: zipfile.ZipFile) -> None:
        members = archive.infolist()
        self.members_left -= len(members)
        if self.members_left < 0:
            raise self.refuse("archive_too_large", f"fler än {MAX_ARCHIVE_MEMBERS} filer")
        if sum(member.file_size for member in members) > self.bytes_left:
            raise self.refuse("archive_too_large", _size_detail())

    def take(self, count: int) -> None:
        self.bytes_left -= count
        if self.bytes_left < 0:
            raise self.refuse("archive_too_large", _size_detail())


def _size_detail() -> str:
    return f"mer än {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB uppackat"


def open_zip(data: bytes, file_name: str) -> zipfile.ZipFile:
    """A zip archive whose members together unpack to no more than the limit (FileRefusedError otherwise)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", f"zip: {exc}")) from None
    try:
        _Budget(file_name).declare(archive)
    except FileRefusedError:
        archive.close()
        raise
    return archive


def members(data: bytes, file_name: str) -> list[tuple[str, ...]]:
    """Every file in a zip and in the zips inside it (to MAX_ARCHIVE_DEPTH), each as the chain of member names
    leading to it, once all of them have passed the checks (FileRefusedError otherwise)."""
    found: list[tuple[str, ...]] = []
    _walk(data, (), _Budget(file_name), 1, found)
    return found


def vsi_path(archive: Path, chain: tuple[str, ...]) -> str:
    """GDAL's path to a member of the zip file `archive`, through the zips inside it: `/vsizip/{/vsizip/a/b.zip}/c`."""
    path = str(archive)
    for inner in chain[:-1]:
        path = "{/vsizip/" + path + "/" + inner + "}"
    return "/vsizip/" + path + "/" + chain[-1]


def _walk(data: bytes, chain: tuple[str, ...], budget: _Budget, depth: int, found: list[tuple[str, ...]]) -> None:
    if depth > MAX_ARCHIVE_DEPTH:
        raise budget.refuse("archive_too_deep", str(MAX_ARCHIVE_DEPTH))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            budget.declare(archive)
            for member in archive.infolist():
                parts = [part for part in _SEPARATORS.split(member.filename) if part not in ("", ".")]
                if member.is_dir() or not parts or ".." in parts or member.filename.startswith(("/", "\\")):
                    continue  # a name that would climb out of the archive (or name it) is never read
                if member.filename.lower().endswith(".zip"):
                    _walk(_read(archive, member, budget), (*chain, member.filename), budget, depth + 1, found)
                    continue
                with archive.open(member) as source:  # through the counter and the checksum, kept nowhere
                    for chunk in iter(partial(source.read, CHUNK), b""):
                        budget.take(len(chunk))
                found.append((*chain, member.filename))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        raise budget.refuse("damaged", f"zip: {exc}") from None


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, budget: _Budget) -> bytes:
    parts = []
    with archive.open(member) as source:
        for chunk in iter(partial(source.read, CHUNK), b""):
            budget.take(len(chunk))
            parts.append(chunk)
    return b"".join(parts)


def check_workbook(archive: zipfile.ZipFile, file_name: str) -> None:
    """Refuse a workbook with a cell far past MAX_CELL_CHARS, reading its XML a chunk at a time."""
    names = archive.namelist()
    sheets = sorted(n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml"))
    for name in sheets:
        found = _long_run(archive, name)
        if found is not None:
            raise _too_long(file_name, *found[1:])
    if "xl/sharedStrings.xml" in names:
        found = _long_run(archive, "xl/sharedStrings.xml")
        if found is not None:
            cell = next((c for sheet in sheets if (c := _cell_of_string(archive, sheet, found[0])) is not None),
                        (None, None))
            raise _too_long(file_name, *cell)


def _too_long(file_name: str, row: int | None, column: str | None) -> FileRefusedError:
    return FileRefusedError(Problem(file_name, row, column, None, "cell_too_long", str(MAX_CELL_CHARS)))


def _long_run(archive: zipfile.ZipFile, name: str) -> tuple[int, int | None, str | None] | None:
    """(shared-string index, row, column letter) of the first text run over MAX_TEXT_RUN_BYTES in a member."""
    run = 0          # length of the text run still open at the end of the previous chunk
    strings = 0      # <si> elements seen before the current chunk (shared strings)
    cell: tuple[int | None, str | None] = (None, None)
    with archive.open(name) as member:
        for chunk in iter(lambda: member.read(CHUNK), b""):
            first = chunk.find(b"<")
            pieces = chunk.split(b"<")
            if run + (len(chunk) if first < 0 else first) > MAX_TEXT_RUN_BYTES:
                at = 0  # the run began in an earlier chunk
            elif max(map(len, pieces[1:]), default=0) > MAX_TEXT_RUN_BYTES:
                at = _run_start(chunk)
            else:
                at = -1
            if at >= 0:
                refs = list(_CELL_REF.finditer(chunk, 0, at))
                if refs:
                    cell = (int(refs[-1].group(2)), refs[-1].group(1).decode())
                return strings + chunk.count(b"<si>", 0, at) + chunk.count(b"<si ", 0, at) - 1, *cell
            strings += chunk.count(b"<si>") + chunk.count(b"<si ")
            refs = list(_CELL_REF.finditer(chunk))
            if refs:
                cell = (int(refs[-1].group(2)), refs[-1].group(1).decode())
            run = len(pieces[-1]) if first >= 0 else run + len(chunk)
    return None


def _run_start(chunk: bytes) -> int:
    position = 0
    for piece in chunk.split(b"<"):
        if len(piece) > MAX_TEXT_RUN_BYTES:
            return position
        position += len(piece) + 1
    return 0


def _cell_of_string(archive: zipfile.ZipFile, sheet: str, index: int) -> tuple[int, str] | None:
    """Row and column letter of the first cell in `sheet` that shows shared string `index`."""
    pattern = re.compile(rb'<c r="([A-Z]{1,3})(\d+)"[^>]*t="s"[^>]*>\s*<v>' + str(index).encode() + rb"</v>")
    tail = b""
    with archive.open(sheet) as member:
        for chunk in iter(lambda: member.read(CHUNK), b""):
            found = pattern.search(tail + chunk)
            if found:
                return int(found.group(2)), found.group(1).decode()
            tail = chunk[-200:]
    return None
