"""Helpers for import tests: a fingerprint of the whole database, and Swedish files made in the test."""

from __future__ import annotations

import hashlib
import io

import duckdb

TABLES = ("areas", "incidents", "incident_risk_factors", "categories", "risk_factors", "sources", "interventions",
          "intervention_areas", "intervention_risk_factors", "intervention_categories", "intervention_log", "imports",
          "meta", "value_aliases", "column_mappings", "area_population", "reference_statistics",
          "safety_surveys")


def fingerprint(con: duckdb.DuckDBPyConnection) -> str:
    """A hash of every row of every table: equal fingerprints mean an unchanged database.

    The cache counter `meta.data_version` is left out: it counts writes, it is not data.
    """
    digest = hashlib.sha256()
    for table in TABLES:
        where = " WHERE key <> 'data_version'" if table == "meta" else ""
        rows = con.execute("SELECT * FROM " + table + where + " ORDER BY ALL").fetchall()
        digest.update(table.encode())
        digest.update(repr(rows).encode())
    return digest.hexdigest()


def csv_bytes(lines: list[str], encoding: str = "utf-8-sig", delimiter: str = ";") -> bytes:
    return "\r\n".join(line.replace(";", delimiter) for line in lines).encode(encoding)


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
