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

from lagesbild.ingest.problems import FileRefusedError, Problem

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
    lines = [line for line in text.splitlines()[:50] if line.strip()][:30]
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


def _assemble(records, file_name: str, encoding: str | None = None, delimiter: str | None = None) -> Table | None:
    """A table from (row number, cells) records: the first non-blank row is the header; blank rows and repeated
    header rows are dropped; short rows are padded and noted. None when there is no header at all."""
    headers: list[str] | None = None
    rows: list[list[str]] = []
    numbers: list[int] = []
    short: list[tuple[int, int]] = []
    for number, cells in records:
        if not any(cells):
            continue
        if headers is None:
            headers = cells
            continue
        if cells == headers:
            continue  # a header block repeated inside the file
        if len(cells) < len(headers) and any(headers[len(cells):]):
            short.append((number, len(cells)))
        rows.append(cells + [""] * (len(headers) - len(cells)))
        numbers.append(number)
    if headers is None:
        return None
    return _trim(Table(file_name, headers, rows, numbers, encoding, delimiter, short))


def read_csv(data: bytes, file_name: str) -> Table:
    """Read delimited text: decode, sniff the delimiter, drop blank lines and repeated header rows."""
    text, encoding = decode(data, file_name)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        table = _assemble(((reader.line_num, [c.strip() for c in record]) for record in reader), file_name,
                          encoding, delimiter)
    except csv.Error as exc:
        raise FileRefusedError(Problem(file_name, reader.line_num, None, None, "damaged", str(exc))) from None
    if table is None:
        raise FileRefusedError(Problem(file_name, None, None, None, "no_header"))
    return table


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
    """Read the first non-empty sheet of an Excel workbook (cached formula values, never formulas)."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileRefusedError(Problem(file_name, None, None, None, "damaged", f"Excel: {exc}")) from None
    try:
        for sheet in workbook.worksheets:
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
