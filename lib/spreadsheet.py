"""Tables out to spreadsheets: CSV and XLSX cells that are safe to open, and one writer for each format.

Every text cell goes through ``spreadsheet_safe``; numbers stay numbers in XLSX (a negative number is a
number, not a formula), and dates are written as ISO dates in CSV.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SHEET_TITLE_FORBIDDEN = str.maketrans(dict.fromkeys("[]:*?/\\", " "))


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def spreadsheet_safe(value: object) -> object:
    """Neutralise a text a spreadsheet would run as a formula (CSV/formula injection): prefix a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return spreadsheet_safe(value)


def xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        # Control characters make a workbook unreadable; they never belong in a table cell.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([csv_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([csv_cell(cell) for cell in row])
    return buffer.getvalue()


def workbook_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table, in order, each with its header row frozen."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title in _sheet_titles(table.title for table in tables):
        workbook.create_sheet(title)
    for sheet, table in zip(workbook.worksheets, tables, strict=True):
        sheet.append([xlsx_cell(cell) for cell in table.header])
        for row in table.rows:
            sheet.append([xlsx_cell(cell) for cell in row])
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_xlsx(table: Table) -> bytes:
    return workbook_xlsx([table])


def table_bytes(table: Table, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown table format {fmt!r}")
    return table_csv(table).encode("utf-8") if fmt == "csv" else table_xlsx(table)


def _sheet_titles(titles: Iterable[str]) -> list[str]:
    """Sheet names as Excel allows them: at most 31 characters, none of []:*?/\\, each different."""
    seen: set[str] = set()
    result = []
    for title in titles:
        base = (title.translate(_SHEET_TITLE_FORBIDDEN).strip() or "Sheet")[:31]
        name, number = base, 2
        while name.lower() in seen:
            suffix = f" ({number})"
            name, number = base[: 31 - len(suffix)] + suffix, number + 1
        seen.add(name.lower())
        result.append(name)
    return result
