"""Reading tabular files as Swedish offices send them: CSV/TXT (sniffed), and Excel .xlsx.

Everything comes out as text cells with the row number the coordinator would see (the line in the file,
the row in the sheet), so every later problem can point at the right place. Numbers, dates and coordinates
are parsed later, field by field.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from lagesbild.ingest.archives import check_workbook, open_zip
from lagesbild.ingest.limits import MAX_CELL_CHARS
from lagesbild.ingest.problems import FileRefusedError, Problem
from lagesbild.ingest.values import WHITESPACE, normalise

DELIMITERS = (";", "\t", ",")


class Table:
    """A table read from a file: headers, text cells and the row number of each row.

    The cells are held either as rows (Excel, and text files the column reader leaves to Python's csv) or as
    one Arrow string array per header (`columns`); `rows`, `column` and `frame` give either form.
    """

    def __init__(self, file_name: str, headers: list[str], rows: list[list[str]] | None,
                 row_numbers: list[int], encoding: str | None = None, delimiter: str | None = None,
                 short_rows: list[tuple[int, int]] | None = None, long_rows: list[tuple[int, int]] | None = None,
                 *, columns: list[pa.Array] | None = None) -> None:
        if (rows is None) == (columns is None):
            raise ValueError("a table holds either rows or columns")
        self.file_name = file_name
        self.headers = headers
        self._rows = rows
        self._columns = columns
        self.row_numbers = row_numbers
        self.encoding = encoding
        self.delimiter = delimiter
        self.short_rows = short_rows  # (row number, fields found) of rows with too few fields
        self.long_rows = long_rows    # (row number, fields found) of rows with too many fields

    @property
    def rows(self) -> list[list[str]]:
        """The cells row by row (made from the columns on first use)."""
        if self._rows is None:
            assert self._columns is not None
            self._rows = [list(row) for row in zip(*(c.to_pylist() for c in self._columns), strict=True)] \
                if self._columns else []
        return self._rows

    @rows.setter
    def rows(self, rows: list[list[str]]) -> None:
        self._rows, self._columns = rows, None

    @property
    def row_count(self) -> int:
        return len(self._columns[0]) if self._columns else len(self.rows) if self._rows is not None else 0

    def column(self, index: int) -> pa.Array:
        """The cells of column `index` as an Arrow string array (a short row's missing cell as '')."""
        if self._columns is not None:
            return self._columns[index]
        return pa.array([row[index] if index < len(row) else "" for row in self.rows], pa.string())

    def frame(self) -> pd.DataFrame:
        """The cells as a DataFrame of strings, one column per header (a repeated header kept once)."""
        if self._columns is None:
            frame = pd.DataFrame(self.rows, columns=self.headers, dtype="string").fillna("")
            return frame.loc[:, ~frame.columns.duplicated()]
        data: dict[str, Any] = {}
        for header, values in zip(self.headers, self._columns, strict=True):
            data.setdefault(header, pd.array(values, dtype="string"))
        return pd.DataFrame(data, index=pd.RangeIndex(self.row_count))


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


def _first_lines(text: str, count: int) -> list[str]:
    """`text.splitlines()[:count]` without splitting the whole of a large file."""
    size = 1 << 16
    while size < len(text):
        lines = text[:size].splitlines()
        if len(lines) > count:  # all but the last are whole lines, ended as in the full text
            return lines[:count]
        size *= 4
    return text.splitlines()[:count]


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent number (>1) of fields."""
    lines = [line[:4096] for line in _first_lines(text, 50) if line.strip()][:30]  # a huge field is no clue
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


def _assemble(records: Iterable[tuple[int, list[str]]], file_name: str, encoding: str | None = None,
              delimiter: str | None = None) -> Table | None:
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


def _records(text: str, delimiter: str) -> Iterator[tuple[int, int, list[str]]]:
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


def _quoted_field(delimiter: str) -> re.Pattern[str]:
    """A whole field in quotes on one line, as Python's csv reads it: "…" with "" for a quote inside."""
    edge = "[^" + re.escape(delimiter) + "\r\n]"
    return re.compile("(?<!" + edge + ')"(?:[^"\r\n]|"")*"(?!' + edge + ")")


def _line_numbers(encoded: bytes) -> np.ndarray:
    """The number (from 1) of every non-empty line, lines ending at \\n, \\r\\n or a lone \\r as csv counts them."""
    buffer = np.frombuffer(encoded, np.uint8)
    newline = buffer == 10
    lone_cr = buffer == 13
    lone_cr[:-1] &= ~newline[1:]
    ends = np.flatnonzero(newline | lone_cr)
    starts = np.concatenate(([0], ends + 1))
    ends = np.concatenate((ends, [len(buffer)]))
    lengths = ends - starts
    lengths[:-1] -= (buffer[ends[:-1] - 1] == 13) & newline[ends[:-1]] & (lengths[:-1] > 0)  # the \\r of \\r\\n
    return np.flatnonzero(lengths > 0) + 1


def _read_columns(text: str, delimiter: str, file_name: str, encoding: str) -> Table | None:
    """The table read column by column with Arrow, or None when Python's csv must read it (the same result).

    Taken only when Arrow's reading is provably the same as csv's: every record on one line with as many
    fields as the first, quotes only around whole fields, no cell past MAX_CELL_CHARS, no NUL. Anything else
    (short or long rows, a quote left open, a cell spanning lines) goes the careful way with its exact message.
    """
    if "\x00" in text:
        return None
    quoted = '"' in text
    if quoted and '"' in _quoted_field(delimiter).sub("", text):
        return None
    encoded = text.encode("utf-8")
    numbers = _line_numbers(encoded)
    if not len(numbers):
        return None
    try:
        width = len(next((r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r), []))
    except csv.Error:
        return None  # a header past csv's field limit, say: the careful reader names it
    if not width:
        return None
    try:
        read = pa_csv.read_csv(
            io.BytesIO(encoded),
            read_options=pa_csv.ReadOptions(autogenerate_column_names=True, block_size=1 << 24),
            parse_options=pa_csv.ParseOptions(delimiter=delimiter, quote_char='"' if quoted else False,
                                              double_quote=True, escape_char=False, newlines_in_values=False,
                                              ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(column_types={f"f{i}": pa.string() for i in range(width)},
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False,
                                                  null_values=[]))
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # rows of different widths and the like
    if read.num_rows != len(numbers) or read.num_columns != width:
        return None
    columns = [pc.utf8_trim(read.column(i).combine_chunks(), characters=WHITESPACE) for i in range(width)]
    if any((pc.max(pc.utf8_length(c)).as_py() or 0) > MAX_CELL_CHARS for c in columns):
        return None
    blank = np.ones(read.num_rows, bool)
    for column in columns:
        blank &= pc.equal(column, "").to_numpy(zero_copy_only=False)
    if blank.all():
        return None
    header_at = int(np.argmax(~blank))
    headers = [c[header_at].as_py() for c in columns]
    keep = ~blank
    keep[: header_at + 1] = False
    repeated = np.ones(read.num_rows, bool)  # a header block repeated inside the file
    for column, header in zip(columns, headers, strict=True):
        repeated &= pc.equal(column, header).to_numpy(zero_copy_only=False)
    keep &= ~repeated
    chosen = pa.array(keep)
    table = Table(file_name, headers, None, numbers[keep].tolist(), encoding, delimiter, [], [],
                  columns=[c.filter(chosen) for c in columns])
    table = _trim(table)
    _refuse_duplicate_headers(table, int(numbers[header_at]))
    return table


def read_csv(data: bytes, file_name: str) -> Table:
    """Read delimited text: decode, sniff the delimiter, drop blank lines and repeated header rows."""
    text, encoding = decode(data, file_name)
    delimiter = sniff_delimiter(text)
    return _read_columns(text, delimiter, file_name, encoding) or _read_rows(text, delimiter, file_name, encoding)


def _read_rows(text: str, delimiter: str, file_name: str, encoding: str) -> Table:
    """The table read record by record with Python's csv: any text, every problem named where it is."""
    starts: dict[int, int] = {}  # last line -> first line of each record that spans lines

    def records() -> Iterator[tuple[int, list[str]]]:
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
    if table._columns is not None:
        keep = [i for i, header in enumerate(table.headers)
                if header or pc.any(pc.not_equal(table._columns[i], "")).as_py()]
        table._columns = [table._columns[i] for i in keep]
        table.headers = [table.headers[i] or f"kolumn {i + 1}" for i in keep]
        return table
    keep = [i for i, header in enumerate(table.headers)
            if header or any(i < len(row) and row[i] for row in table.rows)]
    table.headers = [table.headers[i] or f"kolumn {i + 1}" for i in keep]
    table.rows = [[row[i] if i < len(row) else "" for i in keep] for row in table.rows]
    return table
