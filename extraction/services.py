"""Writes for data extraction: the form builder, reviewers' answers, and the lead's reconciliation."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from extraction.models import (
    Answer,
    Extraction,
    FieldType,
    FormField,
    FormSection,
    ReconciledValue,
    Total,
)
from extraction.starter import STARTER_FORM
from extraction.values import ANSWER_REQUIRED, AnswerInvalid, comparison_key, is_blank, parse_answer
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record
from screening.models import RecordStage, Stage

SECTION_NEEDS_TITLE = "Give the section a title."
FIELD_NEEDS_LABEL = "Give the field a label."
FIELD_UNKNOWN_TYPE = "Choose a field type."
FIELD_NEEDS_CHOICES = "List at least two choices, one per line."
FIELD_TOTAL_NOT_NUMBER = "Only a whole-number or decimal field can count participants."
FIELD_TYPE_LOCKED = (
    "“{label}” already has answers, so its type can no longer change (archive it and add a new field)."
)
FIELD_NOT_IN_REVIEW = "That section belongs to another review."
FIELD_MOVE_NEEDS_SECTION = "Choose the section to move the field to."
STARTER_NOT_EMPTY = "The form already has fields; the starting template is for an empty form."
EXTRACT_NOT_A_REVIEWER = "Only the review's reviewers extract data."
EXTRACT_LEAD_MAY_NOT = "Leads reconcile; this review does not let a lead also extract data."
EXTRACT_NOT_INCLUDED = "This study is not included at full text, so there is nothing to extract."
EXTRACT_FULL = "This study already has the two extractors it needs."
EXTRACT_SUBMITTED = "You have submitted this extraction; it can no longer change."
EXTRACT_NO_FORM = "The extraction form has no fields yet."
REOPEN_NOT_SUBMITTED = "You have no submitted extraction of this study to reopen."
REOPEN_RECONCILING = "The lead has begun reconciling this study; ask them to change a value there."
RECONCILE_NOT_READY = "Both extractions of this study must be submitted before it can be reconciled."
RECONCILE_STALE = (
    "Someone else reconciled {labels} a moment ago. Nothing was saved: reload the page to see their values."
)
RECONCILE_NOT_AGREED = "The reviewers did not agree on “{label}”; pick one value or write a consensus value."
RECONCILE_UNKNOWN_SOURCE = "Choose whose value to keep for “{label}”."


class AnswersInvalid(ReviewRuleError):
    """Some answers do not fit their fields; ``errors`` maps field id to the message shown beside it."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("Some answers need correcting; see the marked fields.")
        self.errors = errors


# --- The form builder -------------------------------------------------------------------------------


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def _section_snapshot(section: FormSection) -> dict:
    return {"title": section.title, "position": section.position}


@transaction.atomic
def form_section_create(*, review: Review, actor: AbstractBaseUser, title: str) -> FormSection:
    title = title.strip()
    if not title:
        raise ReviewRuleError(SECTION_NEEDS_TITLE)
    section = FormSection.objects.create(
        review=review, title=title[:200], position=_next_position(review.extraction_sections.all())
    )
    audit_record(
        actor=actor,
        review=review,
        action="extraction.section_add",
        target=section,
        after=_section_snapshot(section),
    )
    return section


@transaction.atomic
def form_section_rename(*, section: FormSection, actor: AbstractBaseUser, title: str) -> FormSection:
    title = title.strip()
    if not title:
        raise ReviewRuleError(SECTION_NEEDS_TITLE)
    before = _section_snapshot(section)
    section.title = title[:200]
    section.save(update_fields=["title"])
    audit_record(
        actor=actor,
        review=section.review,
        action="extraction.section_rename",
        target=section,
        before=before,
        after=_section_snapshot(section),
    )
    return section


def _swap(items: list, item, direction: str) -> bool:
    """Renumber items 1..n with ``item`` moved one place up or down; False when it cannot move."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    return True


@transaction.atomic
def form_section_move(*, section: FormSection, actor: AbstractBaseUser, direction: str) -> FormSection:
    sections = list(FormSection.objects.select_for_update().filter(review_id=section.review_id))
    sections.sort(key=lambda each: (each.position, each.pk))
    moving = next(each for each in sections if each.pk == section.pk)
    if _swap(sections, moving, direction):
        audit_record(
            actor=actor,
            review=section.review,
            action="extraction.section_move",
            target=moving,
            after={"title": moving.title, "direction": direction, "position": moving.position},
        )
    return moving


def _clean_field(
    *, label: str, field_type: str, choices: list[str], total: str, help_text: str
) -> dict[str, Any]:
    label = label.strip()
    if not label:
        raise ReviewRuleError(FIELD_NEEDS_LABEL)
    if field_type not in FieldType.values:
        raise ReviewRuleError(FIELD_UNKNOWN_TYPE)
    cleaned_choices: list[str] = []
    if field_type in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE):
        for choice in choices:
            choice = choice.strip()[:200]
            if choice and choice not in cleaned_choices:
                cleaned_choices.append(choice)
        if len(cleaned_choices) < 2:
            raise ReviewRuleError(FIELD_NEEDS_CHOICES)
    total = total or Total.NONE
    if total not in Total.values:
        total = Total.NONE
    if total and field_type not in (FieldType.INTEGER, FieldType.DECIMAL):
        raise ReviewRuleError(FIELD_TOTAL_NOT_NUMBER)
    return {
        "label": label[:200],
        "field_type": field_type,
        "choices": cleaned_choices,
        "total": total,
        "help_text": help_text.strip()[:500],
    }


def _field_snapshot(field: FormField) -> dict:
    return {
        "label": field.label,
        "help_text": field.help_text,
        "field_type": field.field_type,
        "choices": field.choices,
        "is_required": field.is_required,
        "total": field.total,
        "section": field.section_id,
        "position": field.position,
        "is_archived": field.is_archived,
    }


@transaction.atomic
def form_field_create(
    *,
    section: FormSection,
    actor: AbstractBaseUser,
    label: str,
    field_type: str,
    help_text: str = "",
    choices: list[str] | None = None,
    is_required: bool = False,
    total: str = "",
) -> FormField:
    cleaned = _clean_field(
        label=label, field_type=field_type, choices=choices or [], total=total, help_text=help_text
    )
    field = FormField.objects.create(
        review_id=section.review_id,
        section=section,
        is_required=is_required,
        position=_next_position(section.fields.all()),
        **cleaned,
    )
    audit_record(
        actor=actor,
        review=section.review,
        action="extraction.field_add",
        target=field,
        after=_field_snapshot(field),
    )
    return field


@transaction.atomic
def form_field_update(
    *,
    field: FormField,
    actor: AbstractBaseUser,
    label: str,
    field_type: str,
    help_text: str = "",
    choices: list[str] | None = None,
    is_required: bool = False,
    total: str = "",
) -> FormField:
    """Change a field in place. Answers stay attached, so renaming keeps them; a type change would
    reinterpret them, so it is refused once anyone has answered."""
    field = FormField.objects.select_for_update().get(pk=field.pk)
    cleaned = _clean_field(
        label=label, field_type=field_type, choices=choices or [], total=total, help_text=help_text
    )
    has_answers = field.answers.exists() or field.reconciled_values.exists()
    if cleaned["field_type"] != field.field_type and has_answers:
        raise ReviewRuleError(FIELD_TYPE_LOCKED.format(label=field.label))
    before = _field_snapshot(field)
    for name, value in cleaned.items():
        setattr(field, name, value)
    field.is_required = is_required
    field.save()
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_edit",
        target=field,
        before=before,
        after=_field_snapshot(field),
    )
    return field


@transaction.atomic
def form_field_move(*, field: FormField, actor: AbstractBaseUser, direction: str) -> FormField:
    fields = list(
        FormField.objects.select_for_update().filter(section_id=field.section_id, is_archived=False)
    )
    fields.sort(key=lambda each: (each.position, each.pk))
    moving = next((each for each in fields if each.pk == field.pk), None)
    if moving is not None and _swap(fields, moving, direction):
        audit_record(
            actor=actor,
            review=field.review,
            action="extraction.field_move",
            target=moving,
            after={"label": moving.label, "direction": direction, "position": moving.position},
        )
    return moving or field


@transaction.atomic
def form_field_move_to_section(
    *, field: FormField, actor: AbstractBaseUser, section: FormSection
) -> FormField:
    """Put a field at the end of another section. It stays the same field, so its answers and reconciled
    values stay with it."""
    if section.review_id != field.review_id:
        raise ReviewRuleError(FIELD_NOT_IN_REVIEW)
    # Lock the target section: two fields moved into it at once must not take the same last place.
    section = FormSection.objects.select_for_update().get(pk=section.pk)
    field = FormField.objects.select_for_update().select_related("section").get(pk=field.pk)
    if field.section_id == section.pk:
        return field
    before = {"section": field.section_id, "section_title": field.section.title, "position": field.position}
    field.section, field.position = section, _next_position(section.fields.all())
    field.save(update_fields=["section", "position"])
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_move_section",
        target=field,
        before=before,
        after={
            "label": field.label,
            "section": section.pk,
            "section_title": section.title,
            "position": field.position,
        },
    )
    return field


@transaction.atomic
def form_field_archive(*, field: FormField, actor: AbstractBaseUser, is_archived: bool = True) -> FormField:
    """Take a field off the form (or bring it back). Its answers and reconciled values are kept."""
    field = FormField.objects.select_for_update().get(pk=field.pk)
    if field.is_archived == is_archived:
        return field
    field.is_archived = is_archived
    if not is_archived:
        field.position = _next_position(field.section.fields.filter(is_archived=False))
    field.save(update_fields=["is_archived", "position"])
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_archive" if is_archived else "extraction.field_restore",
        target=field,
        after={"label": field.label, "answers_kept": field.answers.count()},
    )
    return field


@transaction.atomic
def form_starter_load(*, review: Review, actor: AbstractBaseUser) -> list[FormSection]:
    # Lock the review row: two clicks at once must not load the template twice.
    Review.objects.select_for_update().get(pk=review.pk)
    if FormField.objects.filter(review=review, is_archived=False).exists():
        raise ReviewRuleError(STARTER_NOT_EMPTY)
    sections = []
    first_position = _next_position(review.extraction_sections.all())
    for offset, (title, fields) in enumerate(STARTER_FORM):
        section = FormSection.objects.create(review=review, title=title, position=first_position + offset)
        FormField.objects.bulk_create(
            FormField(review=review, section=section, position=position, **spec)
            for position, spec in enumerate(fields, start=1)
        )
        sections.append(section)
    audit_record(
        actor=actor,
        review=review,
        action="extraction.starter_load",
        after={"sections": [title for title, _ in STARTER_FORM]},
    )
    return sections


# --- Reviewers' extractions ---------------------------------------------------------------------------


def _may_extract(review: Review, reviewer: AbstractBaseUser) -> None:
    membership = review.memberships.filter(user=reviewer).first()
    if membership is None or not membership.is_reviewer:
        raise ReviewRuleError(EXTRACT_NOT_A_REVIEWER)
    if not membership.may_decide:
        raise ReviewRuleError(EXTRACT_LEAD_MAY_NOT)


def _lock_study(review: Review, record: Record) -> RecordStage:
    # Lock the study's full-text row: it serialises the two extractors starting (at most two) and
    # two reconcilers saving the same study.
    record_stage = (
        RecordStage.objects.select_for_update()
        .filter(review=review, record=record, stage=Stage.FULL_TEXT)
        .first()
    )
    if (
        record_stage is None
        or record_stage.status != RecordStage.Status.INCLUDED
        or not record_stage.is_active
    ):
        raise ReviewRuleError(EXTRACT_NOT_INCLUDED)
    return record_stage


def _parse_answers(fields: list[FormField], raw_answers: dict[int, Any], *, submit: bool) -> dict[int, Any]:
    values, errors = {}, {}
    for field in fields:
        try:
            value = parse_answer(field, raw_answers.get(field.pk))
        except AnswerInvalid as invalid:
            errors[field.pk] = str(invalid)
            continue
        if submit and field.is_required and is_blank(value):
            errors[field.pk] = ANSWER_REQUIRED
        values[field.pk] = value
    if errors:
        raise AnswersInvalid(errors)
    return values


@transaction.atomic
def extraction_save(
    *,
    review: Review,
    record: Record,
    reviewer: AbstractBaseUser,
    raw_answers: dict[int, Any],
    submit: bool = False,
) -> Extraction:
    """Save a reviewer's answers as a draft, or submit them (required fields then enforced).

    ``raw_answers`` maps field id to what was typed (a list for multiple choice). Archived fields are
    not on the form, so their answers are left as they are.
    """
    _may_extract(review, reviewer)
    _lock_study(review, record)
    extraction = Extraction.objects.filter(record=record, reviewer=reviewer).first()
    if extraction is not None and extraction.status == Extraction.Status.SUBMITTED:
        raise ReviewRuleError(EXTRACT_SUBMITTED)
    if extraction is None and Extraction.objects.filter(record=record).count() >= 2:
        raise ReviewRuleError(EXTRACT_FULL)
    fields = list(FormField.objects.filter(review=review, is_archived=False))
    if not fields:
        raise ReviewRuleError(EXTRACT_NO_FORM)
    values = _parse_answers(fields, raw_answers, submit=submit)
    if extraction is None:
        extraction = Extraction(review=review, record=record, reviewer=reviewer)
    if submit:
        extraction.status, extraction.submitted_at = Extraction.Status.SUBMITTED, timezone.now()
    extraction.save()
    existing = {answer.field_id: answer for answer in extraction.answers.all()}
    changed = []
    for field in fields:
        answer = existing.get(field.pk)
        if answer is None:
            answer = Answer(extraction=extraction, field=field, value=None)
        if answer.pk is None or answer.value != values[field.pk]:
            changed.append(field.pk)
            answer.value = values[field.pk]
            answer.save()
    # The values stay out of the history: members who are owners and reviewers read it, and the other
    # reviewer's answers must stay hidden from them until the lead reconciles.
    audit_record(
        actor=reviewer,
        review=review,
        action="extraction.submit" if submit else "extraction.draft",
        target=extraction,
        after={"record": record.pk, "status": extraction.status, "fields_changed": len(changed)},
    )
    return extraction


@transaction.atomic
def extraction_reopen(*, review: Review, record: Record, reviewer: AbstractBaseUser) -> Extraction:
    """Turn a reviewer's own submitted extraction back into a draft, answers kept, until the lead begins
    reconciling the study.

    Whether it can be reopened depends on the reviewer's own extraction and on the lead's work only, never
    on the other reviewer's: the refusal must not tell whether they have submitted.
    """
    _may_extract(review, reviewer)
    # The same lock as extraction_save and extraction_reconcile: a reopen and the lead's first
    # reconciliation save cannot cross (reconciling needs both submitted; reopening needs nothing saved).
    _lock_study(review, record)
    extraction = Extraction.objects.filter(record=record, reviewer=reviewer).first()
    if extraction is None or extraction.status != Extraction.Status.SUBMITTED:
        raise ReviewRuleError(REOPEN_NOT_SUBMITTED)
    if ReconciledValue.objects.filter(record=record).exists():
        raise ReviewRuleError(REOPEN_RECONCILING)
    extraction.status, extraction.submitted_at = Extraction.Status.DRAFT, None
    extraction.save(update_fields=["status", "submitted_at", "updated_at"])
    # As for extraction_save: no values in the history, and the event is blinded (extraction.apps).
    audit_record(
        actor=reviewer,
        review=review,
        action="extraction.reopen",
        target=extraction,
        after={"record": record.pk, "status": extraction.status},
    )
    return extraction


# --- The lead's reconciliation ------------------------------------------------------------------------


def _submitted_pair(record: Record) -> list[Extraction]:
    extractions = list(
        Extraction.objects.filter(record=record, status=Extraction.Status.SUBMITTED)
        .select_related("reviewer")
        .prefetch_related("answers")
        .order_by("pk")
    )
    if len(extractions) < 2:
        raise ReviewRuleError(RECONCILE_NOT_READY)
    return extractions[:2]


def _reconciled_value(field: FormField, source: str, consensus: Any, first: Any, second: Any) -> Any:
    if source == ReconciledValue.Source.AGREED:
        if comparison_key(field.field_type, first) != comparison_key(field.field_type, second):
            raise ReviewRuleError(RECONCILE_NOT_AGREED.format(label=field.label))
        return first
    if source == ReconciledValue.Source.FIRST:
        return first
    if source == ReconciledValue.Source.SECOND:
        return second
    if source == ReconciledValue.Source.CONSENSUS:
        try:
            return parse_answer(field, consensus)
        except AnswerInvalid as invalid:
            raise AnswersInvalid({field.pk: str(invalid)}) from None
    raise ReviewRuleError(RECONCILE_UNKNOWN_SOURCE.format(label=field.label))


@transaction.atomic
def extraction_reconcile(
    *,
    review: Review,
    record: Record,
    lead: AbstractBaseUser,
    choices: dict[int, dict[str, Any]],
) -> list[ReconciledValue]:
    """Save the lead's final values for a study.

    ``choices`` maps field id to {"source", "consensus", "version"}: ``version`` is the version of the
    reconciled value the lead's page showed (0 for none). A stale version means another reconciler
    saved in between; then nothing is saved, so neither overwrites the other unseen.
    """
    _lock_study(review, record)
    first, second = _submitted_pair(record)
    answers = [{answer.field_id: answer.value for answer in each.answers.all()} for each in (first, second)]
    fields = {field.pk: field for field in FormField.objects.filter(review=review, pk__in=list(choices))}
    current = {value.field_id: value for value in ReconciledValue.objects.filter(record=record)}
    stale = [
        fields[field_id].label
        for field_id, choice in choices.items()
        if field_id in fields
        and int(choice.get("version") or 0) != (current[field_id].version if field_id in current else 0)
    ]
    if stale:
        raise ReviewRuleError(RECONCILE_STALE.format(labels=", ".join(f"“{label}”" for label in stale)))
    saved, errors, snapshot = [], {}, {}
    for field_id, choice in choices.items():
        field = fields.get(field_id)
        if field is None or not choice.get("source"):
            continue
        try:
            value = _reconciled_value(
                field,
                choice["source"],
                choice.get("consensus"),
                answers[0].get(field_id),
                answers[1].get(field_id),
            )
        except AnswersInvalid as invalid:
            errors.update(invalid.errors)
            continue
        reconciled = current.get(field_id) or ReconciledValue(
            review=review, record=record, field=field, version=0
        )
        if reconciled.pk and reconciled.value == value and reconciled.source == choice["source"]:
            continue
        reconciled.value, reconciled.source, reconciled.decided_by = value, choice["source"], lead
        reconciled.version += 1
        reconciled.save()
        saved.append(reconciled)
        snapshot[field.label] = {"value": value, "source": choice["source"]}
    if errors:
        raise AnswersInvalid(errors)
    if saved:
        audit_record(
            actor=lead,
            review=review,
            action="extraction.reconcile",
            target=record,
            after={"record": record.pk, "fields": snapshot},
        )
    return saved
