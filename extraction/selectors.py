"""Reads for data extraction. Who may see what is decided in the views; these return plain data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from extraction.models import (
    CHOICE_TYPES,
    Answer,
    Extraction,
    FormField,
    FormSection,
    ParticipantGroup,
    ReconciledValue,
)
from extraction.values import as_number, comparison_key, is_blank
from lib.agreement import Agreement, category_agreement
from reviews.models import Record, Review
from screening.models import RecordStage, Stage


def included_studies(*, review: Review) -> QuerySet[Record]:
    """The studies to extract: settled as included at full text, and not merged or removed since."""
    included = RecordStage.objects.filter(
        review=review, stage=Stage.FULL_TEXT, status=RecordStage.Status.INCLUDED, is_active=True
    ).values("record_id")
    return Record.objects.filter(review=review, pk__in=included).order_by("pk")


def _included_stage_rows(review: Review) -> QuerySet[RecordStage]:
    return RecordStage.objects.filter(
        review=review, stage=Stage.FULL_TEXT, status=RecordStage.Status.INCLUDED, is_active=True
    )


def included_study_ids(*, review: Review) -> list[int]:
    """The ids of ``included_studies``, in order, read from the stage rows alone: joined to the records, the
    planner scanned every stage row of a large review (60 ms at 100,000 records) instead of the index."""
    return list(_included_stage_rows(review).order_by("record_id").values_list("record_id", flat=True))


def included_study(*, review: Review, record_id: int) -> Record | None:
    return included_studies(review=review).filter(pk=record_id).first()


def form_sections(*, review: Review, include_archived: bool = False) -> list[FormSection]:
    """Sections in order, each with ``.active_fields`` (and ``.archived_fields`` when asked)."""
    fields = FormField.objects.select_related("group").order_by("position", "pk")
    sections = list(
        FormSection.objects.filter(review=review)
        .order_by("position", "pk")
        .prefetch_related(Prefetch("fields", queryset=fields, to_attr="all_fields"))
    )
    for section in sections:
        section.active_fields = [each for each in section.all_fields if not each.is_archived]
        section.archived_fields = (
            [each for each in section.all_fields if each.is_archived] if include_archived else []
        )
    return sections


def form_fields(*, review: Review, include_archived: bool = False) -> list[FormField]:
    """Fields in form order: section by section; archived ones (when asked) after the active ones."""
    sections = form_sections(review=review, include_archived=include_archived)
    active = [each for section in sections for each in section.active_fields]
    return active + [each for section in sections for each in section.archived_fields]


def extraction_of(*, record: Record, reviewer: AbstractBaseUser) -> Extraction | None:
    return Extraction.objects.filter(record=record, reviewer=reviewer).prefetch_related("answers").first()


def extraction_list_for(*, record: Record) -> list[Extraction]:
    """A study's extractions, first started first, with their answers. Only for the lead's eyes."""
    return list(
        Extraction.objects.filter(record=record)
        .select_related("reviewer")
        .prefetch_related("answers")
        .order_by("pk")
    )


def answers_of(extraction: Extraction | None) -> dict[int, Any]:
    if extraction is None:
        return {}
    return {answer.field_id: answer.value for answer in extraction.answers.all()}


def _extractions_by_record(review: Review, record_ids: list[int]) -> dict[int, list[Extraction]]:
    by_record: dict[int, list[Extraction]] = defaultdict(list)
    extractions = Extraction.objects.filter(review=review, record_id__in=record_ids).select_related(
        "reviewer"
    )
    for extraction in extractions.order_by("pk"):
        by_record[extraction.record_id].append(extraction)
    return by_record


def _reconciled_counts(review: Review, field_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for record_id in ReconciledValue.objects.filter(review=review, field_id__in=field_ids).values_list(
        "record_id", flat=True
    ):
        counts[record_id] += 1
    return counts


def study_rows(*, review: Review, viewer: AbstractBaseUser, sees_all: bool) -> list[dict]:
    """One row per included study. A blinded viewer's row carries their own extraction only."""
    studies = list(included_studies(review=review))
    record_ids = [study.pk for study in studies]
    by_record = _extractions_by_record(review, record_ids)
    field_ids = [each.pk for each in form_fields(review=review)]
    reconciled = _reconciled_counts(review, field_ids)
    rows = []
    for study in studies:
        extractions = by_record.get(study.pk, [])
        mine = next((each for each in extractions if each.reviewer_id == viewer.pk), None)
        row = {
            "record": study,
            "mine": mine,
            "fields": len(field_ids),
            "reconciled": reconciled.get(study.pk, 0),
        }
        row["is_reconciled"] = bool(field_ids) and row["reconciled"] >= len(field_ids)
        if sees_all:
            row["extractions"] = extractions
            submitted = [each for each in extractions if each.status == Extraction.Status.SUBMITTED]
            row["is_ready"] = len(submitted) >= 2
        else:
            # Whether others have started would tell a reviewer about their colleague's work.
            row["may_start"] = mine is not None or len(extractions) < 2
        rows.append(row)
    return rows


@dataclass
class ReconcileRow:
    field: FormField
    first: Any
    second: Any
    is_agreed: bool
    reconciled: ReconciledValue | None
    error: str = ""
    choice: dict = dataclass_field(default_factory=dict)

    @property
    def version(self) -> int:
        return self.reconciled.version if self.reconciled else 0


def reconcile_rows(*, review: Review, record: Record, extractions: list[Extraction]) -> list[ReconcileRow]:
    first, second = (answers_of(each) for each in extractions[:2])
    reconciled = {
        value.field_id: value
        for value in ReconciledValue.objects.filter(record=record).select_related("decided_by")
    }
    rows = []
    for form_field in form_fields(review=review):
        a, b = first.get(form_field.pk), second.get(form_field.pk)
        agreed = comparison_key(form_field.field_type, a) == comparison_key(form_field.field_type, b)
        rows.append(ReconcileRow(form_field, a, b, agreed, reconciled.get(form_field.pk)))
    return rows


def submitted_pairs(*, review: Review) -> dict[int, tuple[Extraction, Extraction]]:
    """For each study both extractors submitted, the two extractions (first started first)."""
    extractions = (
        Extraction.objects.filter(review=review, status=Extraction.Status.SUBMITTED)
        .order_by("pk")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.only("extraction_id", "field_id", "value"))
        )
    )
    by_record: dict[int, list[Extraction]] = defaultdict(list)
    for extraction in extractions:
        by_record[extraction.record_id].append(extraction)
    return {record_id: (pair[0], pair[1]) for record_id, pair in by_record.items() if len(pair) >= 2}


def extraction_agreement(*, review: Review) -> list[tuple[FormField, Agreement]]:
    """Per active field: percent agreement over studies both extractors submitted; kappa for choices."""
    pairs = submitted_pairs(review=review)
    answers = [(answers_of(first), answers_of(second)) for first, second in pairs.values()]
    results = []
    for form_field in form_fields(review=review):
        keys = [
            (
                comparison_key(form_field.field_type, a.get(form_field.pk)),
                comparison_key(form_field.field_type, b.get(form_field.pk)),
            )
            for a, b in answers
        ]
        results.append(
            (form_field, category_agreement(keys, with_kappa=form_field.field_type in CHOICE_TYPES))
        )
    return results


def _number_text(number: Decimal) -> int | Decimal:
    return int(number) if number == number.to_integral_value() else number


def participant_groups(*, review: Review) -> list[ParticipantGroup]:
    """The review's groups in order, each with ``.counting``: the labels of the form's fields counting it."""
    groups = list(
        ParticipantGroup.objects.filter(review=review).prefetch_related(
            Prefetch("fields", queryset=FormField.objects.filter(is_archived=False), to_attr="active_fields")
        )
    )
    for group in groups:
        group.counting = [each.label for each in group.active_fields]
    return groups


def extraction_totals(review: Review, study_ids: list[int] | None = None) -> dict[str, Any]:
    """What the paper reports: "22 studies involving 307 HCPs and 76 patients".

    ``studies`` counts included studies; ``groups`` is a (name, total) pair for each participant group the
    review defines, in its order (none when it defines none), adding up the reconciled values of the form's
    fields counting it; ``studies_reconciled`` counts studies with every form field reconciled.
    ``study_ids``: the included studies' ids (``included_study_ids``), when the caller has them.
    """
    if study_ids is None:
        study_ids = included_study_ids(review=review)
    groups = list(ParticipantGroup.objects.filter(review=review).values_list("pk", "name"))
    totals = {pk: Decimal(0) for pk, _ in groups}
    # The studies as a subquery, not their ids: a list of 2,000 ids cost more to send than the query to run.
    values = ReconciledValue.objects.filter(
        record_id__in=_included_stage_rows(review).values("record_id"),
        field__review=review,
        field__is_archived=False,
        field__group__isnull=False,
    ).values_list("field__group_id", "value")
    for group_id, value in values:
        number = as_number(value)
        if number is not None:
            totals[group_id] += number
    field_ids = [each.pk for each in form_fields(review=review)]
    reconciled = _reconciled_counts(review, field_ids)
    done = sum(1 for record_id in study_ids if field_ids and reconciled.get(record_id, 0) >= len(field_ids))
    return {
        "studies": len(study_ids),
        "groups": [(name, _number_text(totals[pk])) for pk, name in groups],
        "studies_reconciled": done,
    }


def has_value(value: Any) -> bool:
    return not is_blank(value)
