"""Writes for screening: decisions, their undo, settling, the lead's resolutions, full texts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from reviews.models import Record, Review
from reviews.services.audit import audit_record
from reviews.services.bulk import bulk_insert
from reviews.services.reviews import ReviewRuleError
from screening.models import Choice, Decision, FullText, RecordStage, Stage
from screening.rules import order_key, stage_outcome

DECISION_SETTLED = "This record is already settled at this stage, so decisions on it can no longer change."
DECISION_UNKNOWN_CHOICE = "“{choice}” is not a screening decision; choose include, maybe or exclude."
DECISION_NOT_IN_REVIEW = (
    "Record {record} is not a record of this review that can be screened (merged, removed or elsewhere)."
)
DECISION_FULL = "This record already has every decision it needs at this stage."
DECISION_MAYBE_AT_FULL_TEXT = "At full text the choice is Include or Exclude."
DECISION_NEEDS_REASON = "Choose the reason for excluding this full text."
DECISION_UNKNOWN_REASON = "“{reason}” is not one of this review's full-text exclusion reasons."
DECISION_NOT_AT_STAGE = "This record is not at the {stage} stage."
DECISION_NOT_A_REVIEWER = "Only the review's reviewers screen records."
DECISION_LEAD_MAY_NOT_SCREEN = "Leads resolve conflicts; this review does not let a lead also screen records."
NOTHING_TO_UNDO = "There is no decision of yours on this record to undo."
CONFLICT_ALREADY_SETTLED = "This record was settled a moment ago ({status}); nothing was changed."
FULLTEXT_NOT_PDF = "{filename} is not a PDF (it does not start with %PDF-)."
FULLTEXT_TOO_LARGE = "{filename} is {size:.1f} MB; the largest full text Tandem accepts is {limit} MB."
FULLTEXT_SETTLED = (
    "This record is settled at full text, so only an owner or a lead can replace its PDF "
    "(the decisions were made on the one there)."
)


def screening_records_enter(*, review: Review, record_ids: list[int]) -> None:
    """New study records from an import join the title/abstract queue (in the import's transaction)."""
    rows = [
        {
            "review_id": review.pk,
            "record_id": record_id,
            "stage": Stage.TITLE_ABSTRACT,
            "status": RecordStage.Status.OPEN,
            "order_key": order_key(review.pk, record_id),
            "decision_count": 0,
            "is_active": True,
            "exclusion_reason": "",
            "resolution_note": "",
        }
        for record_id in record_ids
    ]
    bulk_insert(RecordStage, rows)
    _progress_forget_on_commit([review.pk], [Stage.TITLE_ABSTRACT])


def screening_records_sync(*, review_id: int, record_ids: Iterable[int]) -> None:
    """Keep the stage rows of these records (all of one review) in step with whether the record is merged
    or removed."""
    record_ids = list(record_ids)
    if not record_ids:
        return
    active = Record.objects.filter(pk=OuterRef("record_id"), merged_into__isnull=True, is_removed=False)
    RecordStage.objects.filter(record_id__in=record_ids).update(is_active=Exists(active))
    _progress_forget_on_commit([review_id])


def screening_stage_open(*, review: Review, record_ids: Iterable[int], stage: str) -> int:
    """Put records into a stage's queue (records already there are left as they are)."""
    rows = [
        RecordStage(
            review=review, record_id=record_id, stage=stage, order_key=order_key(review.pk, record_id)
        )
        for record_id in record_ids
    ]
    RecordStage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    _progress_forget_on_commit([review.pk], [stage])
    return len(rows)


def screening_check_reviewer(*, review: Review, reviewer: AbstractBaseUser) -> None:
    """Refuse anyone who is not one of the review's deciding reviewers, saying why."""
    membership = review.memberships.filter(user=reviewer).first()
    if membership is None or not membership.is_reviewer:
        raise ReviewRuleError(DECISION_NOT_A_REVIEWER)
    if not membership.may_decide:
        raise ReviewRuleError(DECISION_LEAD_MAY_NOT_SCREEN)


def _check_choice(review: Review, stage: str, choice: str, reason: str) -> str:
    if choice not in Choice.values:
        raise ReviewRuleError(DECISION_UNKNOWN_CHOICE.format(choice=choice))
    if stage == Stage.FULL_TEXT:
        if choice == Choice.MAYBE:
            raise ReviewRuleError(DECISION_MAYBE_AT_FULL_TEXT)
        if choice == Choice.EXCLUDE:
            if not reason:
                raise ReviewRuleError(DECISION_NEEDS_REASON)
            if reason not in review.fulltext_exclusion_reasons:
                raise ReviewRuleError(DECISION_UNKNOWN_REASON.format(reason=reason))
            return reason
    return ""


def _lock_stage(record: Record, stage: str) -> RecordStage:
    # Lock the record's stage row: two reviewers deciding at once must settle it exactly once.
    record_stage = RecordStage.objects.select_for_update().filter(record=record, stage=stage).first()
    if record_stage is None:
        raise ReviewRuleError(DECISION_NOT_AT_STAGE.format(stage=Stage(stage).label.lower()))
    return record_stage


def _snapshot(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    return {"choice": decision.choice, "reason": decision.reason, "note": decision.note}


@transaction.atomic
def screening_decision_record(
    *,
    review: Review,
    record: Record,
    reviewer: AbstractBaseUser,
    stage: str,
    choice: str,
    reason: str = "",
    note: str = "",
) -> Decision:
    screening_check_reviewer(review=review, reviewer=reviewer)
    if record.review_id != review.pk or not record.is_active:
        raise ReviewRuleError(DECISION_NOT_IN_REVIEW.format(record=record.pk))
    reason = _check_choice(review, stage, choice, reason.strip())
    record_stage = _lock_stage(record, stage)
    decision = Decision.objects.filter(record=record, stage=stage, reviewer=reviewer).first()
    # Until the record is settled a reviewer may change their mind, also while it is a conflict:
    # refusing then would tell them the other reviewer has decided, and differently.
    if record_stage.is_settled:
        raise ReviewRuleError(DECISION_SETTLED)
    if decision is None and record_stage.status != RecordStage.Status.OPEN:
        raise ReviewRuleError(DECISION_FULL)
    before = _snapshot(decision)
    if decision is None:
        decision = Decision(review=review, record=record, stage=stage, reviewer=reviewer)
        record_stage.decision_count += 1
        _step_progress_after_commit(review, reviewer, stage, done=1)
    decision.choice, decision.reason, decision.note = choice, reason, note.strip()
    decision.save()
    if before != _snapshot(decision):
        audit_record(
            actor=reviewer,
            review=review,
            action="screening.decide" if before is None else "screening.change",
            target=decision,
            before=before,
            after={**_snapshot(decision), "record": record.pk, "stage": stage},
        )
    _settle_if_complete(review, record_stage)
    return decision


def _step_progress_after_commit(review: Review, reviewer: AbstractBaseUser, stage: str, *, done: int) -> None:
    from screening.selectors import screening_progress_step

    transaction.on_commit(
        lambda: screening_progress_step(review_id=review.pk, reviewer_id=reviewer.pk, stage=stage, done=done)
    )


def _settle_if_complete(review: Review, record_stage: RecordStage) -> None:
    if record_stage.decision_count < review.reviewers_per_record:
        record_stage.save(update_fields=["decision_count"])
        return
    decisions = Decision.objects.filter(record_id=record_stage.record_id, stage=record_stage.stage)
    outcome = stage_outcome(record_stage.stage, list(decisions.values_list("choice", "reason")))
    _settle(record_stage, outcome.status, reason=outcome.reason)
    audit_record(
        actor=None,
        review=review,
        action="screening.settle" if outcome.status != "conflict" else "screening.conflict",
        target=record_stage,
        after={"record": record_stage.record_id, "stage": record_stage.stage, "status": outcome.status},
    )


def _settle(
    record_stage: RecordStage, status: str, *, reason: str = "", resolved_by=None, note: str = ""
) -> None:
    record_stage.status = status
    record_stage.exclusion_reason = reason
    record_stage.resolved_by = resolved_by
    record_stage.resolution_note = note
    record_stage.settled_at = timezone.now() if status in RecordStage.SETTLED else None
    record_stage.save()
    if record_stage.stage == Stage.TITLE_ABSTRACT and status == RecordStage.Status.INCLUDED:
        screening_stage_open(
            review=record_stage.review, record_ids=[record_stage.record_id], stage=Stage.FULL_TEXT
        )


@transaction.atomic
def screening_decision_undo(
    *, review: Review, record: Record, reviewer: AbstractBaseUser, stage: str
) -> None:
    record_stage = _lock_stage(record, stage)
    if record_stage.is_settled:
        raise ReviewRuleError(DECISION_SETTLED)
    decision = Decision.objects.filter(record=record, stage=stage, reviewer=reviewer).first()
    if decision is None:
        raise ReviewRuleError(NOTHING_TO_UNDO)
    audit_record(
        actor=reviewer,
        review=review,
        action="screening.undo",
        target=decision,
        before={**_snapshot(decision), "record": record.pk, "stage": stage},
    )
    decision.delete()
    _step_progress_after_commit(review, reviewer, stage, done=-1)
    record_stage.decision_count -= 1
    # A conflict loses one side and waits for a decision again.
    record_stage.status = RecordStage.Status.OPEN
    record_stage.save(update_fields=["decision_count", "status"])


@transaction.atomic
def screening_conflict_resolve(
    *,
    review: Review,
    record_stage: RecordStage,
    lead: AbstractBaseUser,
    choice: str,
    reason: str = "",
    note: str = "",
) -> RecordStage:
    if choice not in (Choice.INCLUDE, Choice.EXCLUDE):
        raise ReviewRuleError("Resolve as include or as exclude.")
    reason = _check_choice(review, record_stage.stage, choice, reason.strip())
    locked = RecordStage.objects.select_for_update().get(pk=record_stage.pk)
    if locked.status != RecordStage.Status.CONFLICT:
        raise ReviewRuleError(CONFLICT_ALREADY_SETTLED.format(status=locked.get_status_display().lower()))
    status = RecordStage.Status.INCLUDED if choice == Choice.INCLUDE else RecordStage.Status.EXCLUDED
    _settle(locked, status, reason=reason, resolved_by=lead, note=note.strip())
    audit_record(
        actor=lead,
        review=review,
        action="screening.resolve",
        target=locked,
        after={
            "record": locked.record_id,
            "stage": locked.stage,
            "status": status,
            "reason": reason,
            "note": note,
        },
    )
    return locked


# --- Full texts -----------------------------------------------------------------------------------


def _check_pdf(uploaded: UploadedFile) -> str:
    name = uploaded.name or "the file"
    if uploaded.size > settings.FULLTEXT_MAX_BYTES:
        raise ReviewRuleError(
            FULLTEXT_TOO_LARGE.format(
                filename=name, size=uploaded.size / 1048576, limit=settings.FULLTEXT_MAX_BYTES // 1048576
            )
        )
    uploaded.seek(0)
    if uploaded.read(5) != b"%PDF-":
        raise ReviewRuleError(FULLTEXT_NOT_PDF.format(filename=name))
    uploaded.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _full_text_snapshot(full_text: FullText) -> dict | None:
    """What an upload replaces (a wrong PDF, a not-retrievable mark), for the history."""
    snapshot = {"file": full_text.original_filename, "sha256": full_text.sha256} if full_text.file else {}
    if full_text.is_not_retrievable:
        snapshot["not_retrievable"] = True
    return snapshot or None


@transaction.atomic
def full_text_upload(
    *, review: Review, record: Record, actor: AbstractBaseUser, uploaded: UploadedFile
) -> FullText:
    sha256 = _check_pdf(uploaded)
    _check_may_replace(review, record, actor)
    full_text = FullText.objects.select_for_update().filter(record=record).first() or FullText(
        review=review, record=record
    )
    old_name = full_text.file.name if full_text.file else ""
    before = _full_text_snapshot(full_text)
    full_text.file.save("fulltext.pdf", uploaded, save=False)
    full_text.original_filename = (uploaded.name or "fulltext.pdf")[:255]
    full_text.size_bytes, full_text.sha256, full_text.updated_by = uploaded.size, sha256, actor
    was_not_retrievable = full_text.is_not_retrievable
    full_text.is_not_retrievable, full_text.not_retrievable_note = False, ""
    full_text.save()
    if was_not_retrievable:
        _reopen_not_retrievable(review, record)
    if old_name:
        transaction.on_commit(lambda: full_text.file.storage.delete(old_name))
    audit_record(
        actor=actor,
        review=review,
        action="fulltext.upload",
        target=full_text,
        before=before,
        after={"record": record.pk, "file": full_text.original_filename, "sha256": sha256},
    )
    return full_text


def _check_may_replace(review: Review, record: Record, actor: AbstractBaseUser) -> None:
    """Anyone in the review may supply a full text while it is being screened; once included or excluded,
    changing the document the decisions rest on is for an owner or a lead."""
    settled = RecordStage.objects.filter(
        record=record,
        stage=Stage.FULL_TEXT,
        status__in=(RecordStage.Status.INCLUDED, RecordStage.Status.EXCLUDED),
    ).exists()
    if not settled:
        return
    membership = review.memberships.filter(user=actor).first()
    if membership is None or not (membership.is_owner or membership.is_lead):
        raise ReviewRuleError(FULLTEXT_SETTLED)


def _reopen_not_retrievable(review: Review, record: Record) -> None:
    record_stage = (
        RecordStage.objects.select_for_update()
        .filter(record=record, stage=Stage.FULL_TEXT, status=RecordStage.Status.NOT_RETRIEVABLE)
        .first()
    )
    if record_stage is None:
        return
    record_stage.status, record_stage.settled_at = RecordStage.Status.OPEN, None
    record_stage.save(update_fields=["status", "settled_at"])
    # Decisions made before it was marked count again: both in, it settles or is a conflict at once.
    _settle_if_complete(review, record_stage)
    _progress_forget_on_commit([record.review_id], [Stage.FULL_TEXT])


def _progress_forget_on_commit(review_ids: Iterable[int], stages: Iterable[str] = Stage.values) -> None:
    from screening.selectors import screening_progress_forget

    for review_id in set(review_ids):
        for stage in stages:
            transaction.on_commit(
                lambda review_id=review_id, stage=stage: screening_progress_forget(
                    review_id=review_id, stage=stage
                )
            )


@transaction.atomic
def full_text_mark_not_retrievable(
    *, review: Review, record: Record, actor: AbstractBaseUser, note: str = ""
) -> FullText:
    record_stage = _lock_stage(record, Stage.FULL_TEXT)
    # Also in a conflict, which a reviewer sees as awaiting the other: refusing there would tell them
    # the other reviewer decided, and differently. Without the full text neither decision stands anyway.
    if record_stage.status not in (
        RecordStage.Status.OPEN,
        RecordStage.Status.CONFLICT,
        RecordStage.Status.NOT_RETRIEVABLE,
    ):
        raise ReviewRuleError(DECISION_SETTLED)
    full_text = FullText.objects.filter(record=record).first() or FullText(review=review, record=record)
    full_text.is_not_retrievable, full_text.not_retrievable_note, full_text.updated_by = (
        True,
        note.strip()[:300],
        actor,
    )
    full_text.save()
    _settle(record_stage, RecordStage.Status.NOT_RETRIEVABLE)
    _progress_forget_on_commit([review.pk], [Stage.FULL_TEXT])
    audit_record(
        actor=actor,
        review=review,
        action="fulltext.not_retrievable",
        target=full_text,
        after={"record": record.pk, "note": note},
    )
    return full_text
