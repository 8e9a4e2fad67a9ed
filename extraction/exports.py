"""Extraction data out of Tandem: the reconciled "characteristics of included studies" table and each
reviewer's raw answers, as CSV or XLSX. Every text cell goes through ``spreadsheet_safe``; numbers stay
numbers in XLSX (a negative number is a number, not a formula)."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from extraction import selectors
from extraction.models import Extraction, FormField, ReconciledValue
from extraction.values import as_cell
from reviews.exports import spreadsheet_safe
from reviews.models import Review

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
ARCHIVED_MARK = " [archived]"


@dataclass
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


def _field_headers(fields: list[FormField]) -> list[str]:
    return [field.label + (ARCHIVED_MARK if field.is_archived else "") for field in fields]


def _study_cells(record) -> list[Any]:
    return [record.pk, record.title, "; ".join(record.authors), record.year]


STUDY_COLUMNS = ["record_id", "title", "authors", "year"]


def reconciled_table(*, review: Review, include_archived: bool = False) -> Table:
    """One row per included study, one column per field: the lead's final values."""
    fields = selectors.form_fields(review=review, include_archived=include_archived)
    studies = list(selectors.included_studies(review=review))
    values: dict[tuple[int, int], Any] = {
        (value.record_id, value.field_id): value.value
        for value in ReconciledValue.objects.filter(record__in=studies, field__in=fields)
    }
    rows = [
        _study_cells(study)
        + [as_cell(field.field_type, values.get((study.pk, field.pk))) for field in fields]
        for study in studies
    ]
    return Table("Characteristics of included studies", STUDY_COLUMNS + _field_headers(fields), rows)


def raw_table(
    *, review: Review, reviewer: AbstractBaseUser | None = None, include_archived: bool = False
) -> Table:
    """One row per study and reviewer: what each reviewer entered (only ``reviewer``'s, when given)."""
    fields = selectors.form_fields(review=review, include_archived=include_archived)
    studies = {study.pk: study for study in selectors.included_studies(review=review)}
    extractions = (
        Extraction.objects.filter(review=review, record_id__in=list(studies))
        .select_related("reviewer")
        .prefetch_related("answers")
        .order_by("record_id", "reviewer__username")
    )
    if reviewer is not None:
        extractions = extractions.filter(reviewer=reviewer)
    rows = []
    for extraction in extractions:
        answers = selectors.answers_of(extraction)
        rows.append(
            _study_cells(studies[extraction.record_id])
            + [extraction.reviewer.get_username(), extraction.status]
            + [as_cell(field.field_type, answers.get(field.pk)) for field in fields]
        )
    header = STUDY_COLUMNS + ["reviewer", "status"] + _field_headers(fields)
    return Table("Raw extraction answers", header, rows)


def _csv_cell(cell: Any) -> Any:
    if cell is None:
        return ""
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    return spreadsheet_safe(cell)


def _xlsx_cell(cell: Any) -> Any:
    if isinstance(cell, str):
        # Control characters make a workbook unreadable; they never belong in a table cell.
        return spreadsheet_safe(ILLEGAL_CHARACTERS_RE.sub("", cell))
    return cell


def table_csv(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_csv_cell(cell) for cell in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return buffer.getvalue()


def table_xlsx(table: Table) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.title[:31]
    sheet.append([_xlsx_cell(cell) for cell in table.header])
    for row in table.rows:
        sheet.append([_xlsx_cell(cell) for cell in row])
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_bytes(table: Table, fmt: str) -> bytes:
    return table_csv(table).encode("utf-8") if fmt == "csv" else table_xlsx(table)


def table_filename(review: Review, table_name: str, fmt: str, reviewer: str = "") -> str:
    suffix = f"-{reviewer}" if reviewer else ""
    return f"{review.slug}-extraction-{table_name}{suffix}.{fmt}"
