"""Extraction data out of Tandem: the reconciled "characteristics of included studies" table and each
reviewer's raw answers, as CSV or XLSX (written by ``lib.spreadsheet``, which makes every cell safe)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from extraction import selectors
from extraction.models import Extraction, FormField, ReconciledValue
from extraction.values import as_cell
from lib.spreadsheet import Table
from reviews.models import Review

ARCHIVED_MARK = " [archived]"


def _field_headers(fields: list[FormField]) -> list[str]:
    return [field.label + (ARCHIVED_MARK if field.is_archived else "") for field in fields]


def _study_cells(record) -> list[Any]:
    return [record.pk, record.title, "; ".join(record.authors), record.year, record.journal, record.doi]


# From the study record, not extracted: every extractor would otherwise type them, and differ.
STUDY_COLUMNS = ["record_id", "title", "authors", "year", "journal", "doi"]


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


def table_filename(review: Review, table_name: str, fmt: str, reviewer: str = "") -> str:
    suffix = f"-{reviewer}" if reviewer else ""
    return f"{review.slug}-extraction-{table_name}{suffix}.{fmt}"
