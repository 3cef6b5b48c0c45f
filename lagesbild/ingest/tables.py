"""Reading tabular files as Swedish offices send them: CSV/TXT (sniffed), and Excel .xlsx.

Everything comes out as text cells with the row number the coordinator would see (the line in the file,
the row in the sheet), so every later problem can point at the right place. Numbers, dates and coordinates
are parsed later, field by field.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from lagesbild.ingest.archives import check_workbook, open_zip
from lagesbild.ingest.limits import MAX_CELL_CHARS
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.values import normalise

DELIMITERS = (";", "\t", ",")


@dataclass
class Table:
    """A table read from a file: headers, text rows and the row number of each."""

    file_name: str
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    encoding: str | None = None
    delimiter: str | None = None
    short_rows: list[tuple[int, int]] | None = None  # (row number, fields found) of rows with too few fields
    long_rows: list[tuple[int, int]] | None = None   # (row number, fields found) of rows with too many fields


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Text and encoding name: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if not data.strip():
        raise FileRefusedError(Problem(file_name, None, None, None, "empty_file"))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise FileRefusedError(Problem(file_name, None, None, None, "not_text")) from None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_binary(text):
            break
        return text, encoding
    raise FileRefusedError(Problem(file_name, None, None, None, "not_text"))


def _looks_binary(text: str) -> bool:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t\f")
    return "\x00" in sample or controls > max(2, len(sample) // 200)


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent number (>1) of fields."""
    lines = [line[:4096] for line in text.splitlines()[:50] if line.strip()][:30]  # a huge field is no clue
    best, best_score = ";", (-1, -1)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = (counts.count(mode), mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _CellTooLongError(Exception):
    """A cell past MAX_CELL_CHARS: at this row, in the column with this index."""

    def __init__(self, row: int, index: int | None) -> None:
        super().__init__(row, index)
        self.row, self.index = row, index


def _assemble(records, file_name: str, encoding: str | None = None, delimiter: str | None = None) -> Table | None:
    """A table from (row number, cells) records: the first non-blank row is the header; blank rows and repeated
    header rows are dropped; short rows are padded and long ones cut, both noted. A cell past MAX_CELL_CHARS
    refuses the file. None when there is no header at all."""
    headers: list[str] | None = None
    header_row = 0
    rows: list[list[str]] = []
    numbers: list[int] = []
    short: list[tuple[int, int]] = []
    long: list[tuple[int, int]] = []
    try:
        for number, cells in records:
            if max(map(len, cells), default=0) > MAX_CELL_CHARS:
                raise _CellTooLongError(number, next(i for i, c in enumerate(cells) if len(c) > MAX_CELL_CHARS))
            if not any(cells):
                continue
            if headers is None:
                headers, header_row = cells, number
                continue
            if cells == headers:
                continue  # a header block repeated inside the file
            if len(cells) < len(headers) and any(headers[len(cells):]):
                short.append((number, len(cells)))
            if len(cells) > len(headers) and any(cells[len(headers):]):
                long.append((number, len(cells)))
            rows.append(cells[:len(headers)] + [""] * (len(headers) - len(cells)))
            numbers.append(number)
    except _CellTooLongError as too_long:
        column = None
        if too_long.index is not None:
            column = headers[too_long.index] if headers and too_long.index < len(headers) \
                else f"kolumn {too_long.index + 1}"
        raise FileRefusedError(Problem(file_name, too_long.row, column, None, "cell_too_long",
                                       str(MAX_CELL_CHARS))) from None
    if headers is None:
        return None
    table = _trim(Table(file_name, headers, rows, numbers, encoding, delimiter, short, long))
    _refuse_duplicate_headers(table, header_row)
    return table


def _refuse_duplicate_headers(table: Table, header_row: int) -> None:
    seen: set[str] = set()
    for header in table.headers:
        key = normalise(header)
        if key in seen:
            raise FileRefusedError(Problem(table.file_name, header_row, header, None, "duplicate_header"))
        seen.add(key)


def _records(text: str, delimiter: str):
    """(row number, stripped cells) per record; a field past csv's own size limit raises _CellTooLongError."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "field larger than field limit" not in str(exc):
                raise
            line = next(iter(io.StringIO(text, newline="").readlines()[start - 1:start]), "")
            parts = line.split(delimiter)
            index = next((i for i, part in enumerate(parts) if len(part) > MAX_CELL_CHARS), len(parts) - 1)
            raise _CellTooLongError(start, index) from None
        yield start, reader.line_num, [cell.strip() for cell in record]
        start = reader.line_num + 1


def read_csv(data: bytes, file_name: str) -> Table:
    """Read delimited text: decode, sniff the delimiter, drop blank lines and repeated header rows."""
    text, encoding = decode(data, file_name)
    delimiter = sniff_delimiter(text)
    starts: dict[int, int] = {}  # last line -> first line of each record that spans lines

    def records():
        for start, end, cells in _records(text, delimiter):
            if end != start:
                starts[end] = start
            yield end, cells

    try:
        table = _assemble(records(), file_name, encoding, delimiter)
    except csv.Error as exc:
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", str(exc))) from None
    if table is None:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_header"))
    _refuse_swallowed_rows(table, starts)
    return table


def _refuse_swallowed_rows(table: Table, starts: dict[int, int]) -> None:
    """A quote left open runs on over the following lines, which then hide in one cell as text; refuse it.

    The sign: a cell spanning lines where a later line has as many delimiters as a row has."""
    if not starts or table.delimiter is None:
        return
    needed = max(1, len(table.headers) - 1)
    for cells, number in zip(table.rows, table.row_numbers, strict=True):
        if number not in starts:
            continue
        for column, cell in zip(table.headers, cells, strict=True):
            lines = cell.splitlines()[1:]
            if any(line.count(table.delimiter) >= needed for line in lines):
                raise FileRefusedError(Problem(table.file_name, starts[number], column, _first_line(cell),
                                               "unbalanced_quote", str(len(lines))))


def _first_line(cell: str) -> str:
    return cell.splitlines()[0] if cell else ""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_xlsx(data: bytes, file_name: str) -> Table:
    """Read the first visible non-empty sheet of an Excel workbook (cached formula values, never formulas)."""
    from openpyxl import load_workbook

    with open_zip(data, file_name) as archive:
        try:
            check_workbook(archive, file_name)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise FileRefusedError(Problem(file_name, None, None, None, "damaged", f"Excel: {exc}")) from None
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError) as exc:
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", f"Excel: {exc}")) from None
    try:
        for sheet in workbook.worksheets:
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue  # a hidden sheet holds lookups or old data, not what the coordinator sees
            records = ((number, [_cell_text(v) for v in values])
                       for number, values in enumerate(sheet.iter_rows(values_only=True), start=1))
            table = _assemble(records, file_name)
            if table is not None:
                return table
    finally:
        workbook.close()
    raise FileRefusedError(Problem(file_name, None, None, None, "no_header"))


def _trim(table: Table) -> Table:
    """Drop columns without a header that are empty in every row (trailing `;;;;` in Excel exports)."""
    if all(table.headers):
        return table
    keep = [i for i, header in enumerate(table.headers)
            if header or any(i < len(row) and row[i] for row in table.rows)]
    table.headers = [table.headers[i] or f"kolumn {i + 1}" for i in keep]
    table.rows = [[row[i] if i < len(row) else "" for i in keep] for row in table.rows]
    return table
