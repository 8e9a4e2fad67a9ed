"""Reviewers' extractions: each reviewer's answers to the form, saved as a draft or submitted, blind."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from extraction.models import Answer, Extraction, FormField, ReconciledValue
from extraction.values import ANSWER_REQUIRED, AnswerInvalid, is_blank, parse_answer
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record
from screening.models import RecordStage, Stage

EXTRACT_NOT_A_REVIEWER = "Only the review's reviewers extract data."
EXTRACT_LEAD_MAY_NOT = "Leads reconcile; this review does not let a lead also extract data."
EXTRACT_NOT_INCLUDED = "This study is not included at full text, so there is nothing to extract."
EXTRACT_FULL = "This study already has the two extractors it needs."
EXTRACT_SUBMITTED = "You have submitted this extraction; it can no longer change."
EXTRACT_NO_FORM = "The extraction form has no fields yet."
REOPEN_NOT_SUBMITTED = "You have no submitted extraction of this study to reopen."
REOPEN_RECONCILING = "The lead has begun reconciling this study; ask them to change a value there."


class AnswersInvalid(ReviewRuleError):
    """Some answers do not fit their fields; ``errors`` maps field id to the message shown beside it."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("Some answers need correcting; see the marked fields.")
        self.errors = errors


def _may_extract(review: Review, reviewer: AbstractBaseUser) -> None:
    membership = review.memberships.filter(user=reviewer).first()
    if membership is None or not membership.is_reviewer:
        raise ReviewRuleError(EXTRACT_NOT_A_REVIEWER)
    if not membership.may_decide:
        raise ReviewRuleError(EXTRACT_LEAD_MAY_NOT)


def study_lock(review: Review, record: Record) -> RecordStage:
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
    study_lock(review, record)
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
    study_lock(review, record)
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
