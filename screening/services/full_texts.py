"""Full texts: a record's PDF at the full-text stage, or the mark that it cannot be found."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record
from screening.models import FullText, RecordStage, Stage
from screening.services.decisions import DECISION_SETTLED, stage_lock, stage_settle, stage_settle_if_complete
from screening.services.queues import progress_forget_on_commit

FULLTEXT_NOT_PDF = "{filename} is not a PDF (it does not start with %PDF-)."
FULLTEXT_TOO_LARGE = "{filename} is {size:.1f} MB; the largest full text Tandem accepts is {limit} MB."
FULLTEXT_SETTLED = (
    "This record is settled at full text, so only an owner or a lead can replace its PDF "
    "(the decisions were made on the one there)."
)


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
    full_text.not_retrievable_confirmed_by = full_text.not_retrievable_confirmed_at = None
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
    stage_settle_if_complete(review, record_stage)
    progress_forget_on_commit([record.review_id], [Stage.FULL_TEXT])


@transaction.atomic
def full_text_mark_not_retrievable(
    *, review: Review, record: Record, actor: AbstractBaseUser, note: str = ""
) -> FullText:
    record_stage = stage_lock(record, Stage.FULL_TEXT)
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
    full_text.not_retrievable_confirmed_by = full_text.not_retrievable_confirmed_at = None
    full_text.save()
    stage_settle(record_stage, RecordStage.Status.NOT_RETRIEVABLE)
    progress_forget_on_commit([review.pk], [Stage.FULL_TEXT])
    audit_record(
        actor=actor,
        review=review,
        action="fulltext.not_retrievable",
        target=full_text,
        after={"record": record.pk, "note": note},
    )
    return full_text


NOT_RETRIEVABLE_ONLY = "This record is not marked as not retrievable."


def _not_retrievable_row(review: Review, record: Record) -> tuple[FullText, RecordStage]:
    full_text = FullText.objects.select_for_update().filter(record=record, is_not_retrievable=True).first()
    record_stage = stage_lock(record, Stage.FULL_TEXT)
    if full_text is None or record_stage.status != RecordStage.Status.NOT_RETRIEVABLE:
        raise ReviewRuleError(NOT_RETRIEVABLE_ONLY)
    return full_text, record_stage


@transaction.atomic
def full_text_not_retrievable_confirm(*, review: Review, record: Record, lead: AbstractBaseUser) -> FullText:
    """The lead agrees that the full text cannot be found: the record stays out, now on the lead's word."""
    full_text, _ = _not_retrievable_row(review, record)
    full_text.not_retrievable_confirmed_by, full_text.not_retrievable_confirmed_at = lead, timezone.now()
    full_text.save(
        update_fields=["not_retrievable_confirmed_by", "not_retrievable_confirmed_at", "updated_at"]
    )
    audit_record(
        actor=lead,
        review=review,
        action="fulltext.not_retrievable_confirm",
        target=full_text,
        after={"record": record.pk, "stage": Stage.FULL_TEXT},
    )
    return full_text


@transaction.atomic
def full_text_not_retrievable_reopen(
    *, review: Review, record: Record, lead: AbstractBaseUser
) -> RecordStage:
    """The lead thinks the full text can be found after all: the record is screened at full text again, the
    decisions made before it was marked counting as they were."""
    full_text, record_stage = _not_retrievable_row(review, record)
    before = {"note": full_text.not_retrievable_note}
    full_text.is_not_retrievable, full_text.not_retrievable_note = False, ""
    full_text.not_retrievable_confirmed_by = full_text.not_retrievable_confirmed_at = None
    full_text.updated_by = lead
    full_text.save()
    _reopen_not_retrievable(review, record)
    audit_record(
        actor=lead,
        review=review,
        action="fulltext.not_retrievable_reopen",
        target=full_text,
        before=before,
        after={"record": record.pk, "stage": Stage.FULL_TEXT},
    )
    record_stage.refresh_from_db()
    return record_stage
