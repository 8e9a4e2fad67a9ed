"""Decisions: a reviewer's include/maybe/exclude, its undo, settling a record, the lead's resolution."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from reviews.errors import ReviewRuleError
from reviews.models import Membership, Record, Review
from reviews.services.audit import audit_record
from screening.models import Choice, ConflictVote, Decision, FullText, RecordStage, Stage
from screening.rules import stage_outcome
from screening.selectors import screening_decision_earlier, screening_voted_in_conflict
from screening.services.leases import lease_end_for, lease_give
from screening.services.queues import screening_stage_open
from screening.services.ranking import ranking_request

DECISION_SETTLED = "This record is already settled at this stage, so decisions on it can no longer change."
DECISION_SET_ASIDE = (
    "Screening was stopped and this record was set aside without being screened; the owner can resume screening "
    "on the overview."
)
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
DECISION_NEEDS_FULL_TEXT = (
    "Upload the full text before including this record, or say why you include it without one "
    "(the lead sees your reason)."
)


def screening_check_reviewer(
    *, review: Review, reviewer: AbstractBaseUser, membership: Membership | None = None
) -> None:
    """Refuse anyone who is not one of the review's deciding reviewers, saying why (``membership``: theirs,
    when the caller has it already)."""
    if membership is None or membership.user_id != reviewer.pk or membership.review_id != review.pk:
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


def stage_lock(record: Record, stage: str) -> RecordStage:
    # Lock the record's stage row: two reviewers deciding at once must settle it exactly once.
    try:
        return RecordStage.objects.select_for_update().get(record=record, stage=stage)
    except RecordStage.DoesNotExist:
        raise ReviewRuleError(DECISION_NOT_AT_STAGE.format(stage=Stage(stage).label.lower())) from None


def _snapshot(decision: Decision | None) -> dict | None:
    if decision is None:
        return None
    snapshot = {"choice": decision.choice, "reason": decision.reason, "note": decision.note}
    if decision.without_full_text:
        snapshot["without_full_text"] = decision.without_full_text
    return snapshot


def _check_full_text(record: Record, stage: str, choice: str, without_full_text: str) -> str:
    """An include at full text rests on the full text: its PDF, or a reason given for including without it."""
    if stage != Stage.FULL_TEXT or choice != Choice.INCLUDE:
        return ""
    if FullText.objects.filter(record=record).exclude(file="").exists():
        return ""
    if not without_full_text:
        raise ReviewRuleError(DECISION_NEEDS_FULL_TEXT)
    return without_full_text[:200]


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
    without_full_text: str = "",
    membership: Membership | None = None,
    ranking_on: bool | None = None,
) -> Decision:
    """``membership``: the reviewer's, and ``ranking_on``: whether relevance ranking is on, when the caller
    has read them already."""
    screening_check_reviewer(review=review, reviewer=reviewer, membership=membership)
    if record.review_id != review.pk or not record.is_active:
        raise ReviewRuleError(DECISION_NOT_IN_REVIEW.format(record=record.pk))
    reason = _check_choice(review, stage, choice, reason.strip())
    without_full_text = _check_full_text(record, stage, choice, without_full_text.strip())
    record_stage = stage_lock(record, stage)
    return _decision_write(
        review=review,
        record=record,
        record_stage=record_stage,
        reviewer=reviewer,
        choice=choice,
        reason=reason,
        note=note,
        without_full_text=without_full_text,
        ranking_on=ranking_on,
    )


class DecisionRecordNotAtStage(ReviewRuleError):
    """The review has no such record at the stage (merged, removed or elsewhere)."""


@transaction.atomic
def screening_decision_record_by_id(
    *,
    review: Review,
    record_id: int,
    reviewer: AbstractBaseUser,
    stage: str,
    choice: str,
    reason: str = "",
    note: str = "",
    without_full_text: str = "",
    membership: Membership | None = None,
    ranking_on: bool | None = None,
) -> tuple[RecordStage, Decision]:
    """``screening_decision_record`` for a record known by its id, as the screening page sends it: the stage
    row is locked and read with its record in one query, not read first and locked after. Returns the row,
    with the record, and the decision; ``DecisionRecordNotAtStage`` when there is no such row to decide."""
    screening_check_reviewer(review=review, reviewer=reviewer, membership=membership)
    reason = _check_choice(review, stage, choice, reason.strip())
    try:
        # Lock the stage row only (two reviewers deciding at once must settle it exactly once), not the record.
        record_stage = (
            RecordStage.objects.select_for_update(of=("self",))
            .select_related("record")
            .get(review=review, record_id=record_id, stage=stage, is_active=True)
        )
    except RecordStage.DoesNotExist:
        raise DecisionRecordNotAtStage(DECISION_NOT_IN_REVIEW.format(record=record_id)) from None
    record = record_stage.record
    if record.review_id != review.pk or not record.is_active:
        raise DecisionRecordNotAtStage(DECISION_NOT_IN_REVIEW.format(record=record.pk))
    without_full_text = _check_full_text(record, stage, choice, without_full_text.strip())
    decision = _decision_write(
        review=review,
        record=record,
        record_stage=record_stage,
        reviewer=reviewer,
        choice=choice,
        reason=reason,
        note=note,
        without_full_text=without_full_text,
        ranking_on=ranking_on,
    )
    return record_stage, decision


def _decision_write(
    *,
    review: Review,
    record: Record,
    record_stage: RecordStage,
    reviewer: AbstractBaseUser,
    choice: str,
    reason: str,
    note: str,
    without_full_text: str,
    ranking_on: bool | None,
) -> Decision:
    """The reviewer's decision on the locked stage row, its history, and the row settled if it is complete."""
    stage = record_stage.stage
    decision = _decision_of(record_stage, reviewer)
    # Until the record is settled a reviewer may change their mind, also while it is a conflict: refusing
    # then would tell them the other reviewer has decided, and differently. Someone who has no decision on a
    # record with all it needs hears the same whether it settled or went to the lead, also when an undo left
    # the conflict short of a decision: only the reviewers who voted in it may fill that place again.
    if record_stage.status == RecordStage.Status.SET_ASIDE:
        raise ReviewRuleError(DECISION_SET_ASIDE)
    if decision is None and (
        record_stage.is_settled
        or record_stage.decision_count >= review.reviewers_per_record
        or (
            record_stage.status == RecordStage.Status.CONFLICT
            and not screening_voted_in_conflict(record_stage=record_stage, reviewer=reviewer)
        )
    ):
        raise ReviewRuleError(DECISION_FULL)
    if record_stage.is_settled:
        raise ReviewRuleError(DECISION_SETTLED)
    before = _snapshot(decision)
    if decision is None:
        decision = Decision(review=review, record=record, stage=stage, reviewer=reviewer)
        record_stage.decision_count += 1
        _step_progress_after_commit(review, reviewer, stage, done=1)
    decision.choice, decision.reason, decision.note = choice, reason, note.strip()
    decision.without_full_text = without_full_text
    if before == _snapshot(decision):
        return decision  # the same decision sent again: nothing changed, nothing to record or settle
    decision.save()
    lease_end_for(record_stage, reviewer)
    audit_record(
        actor=reviewer,
        review=review,
        action="screening.decide" if before is None else "screening.change",
        target=decision,
        before=before,
        after={**_snapshot(decision), "record": record.pk, "stage": stage},
    )
    stage_settle_if_complete(review, record_stage)
    if stage == Stage.TITLE_ABSTRACT:
        ranking_request(review=review, reviewer=reviewer, is_enabled=ranking_on)
    return decision


def _decision_of(record_stage: RecordStage, reviewer: AbstractBaseUser) -> Decision | None:
    """The reviewer's decision on the locked record, if any. A record nobody has decided yet (the count is
    kept under the same lock) has none to look for: the first of every record's decisions asks no query."""
    if record_stage.decision_count == 0:
        return None
    try:
        return Decision.objects.get(
            record_id=record_stage.record_id, stage=record_stage.stage, reviewer=reviewer
        )
    except Decision.DoesNotExist:
        return None


def _step_progress_after_commit(review: Review, reviewer: AbstractBaseUser, stage: str, *, done: int) -> None:
    from screening.selectors import screening_progress_step

    transaction.on_commit(
        lambda: screening_progress_step(review_id=review.pk, reviewer_id=reviewer.pk, stage=stage, done=done)
    )


def stage_settle_if_complete(review: Review, record_stage: RecordStage) -> None:
    # A conflict is the lead's to settle: votes changed meanwhile update what the lead sees, no more (if
    # they settled it, the reviewer who changed theirs would learn how the other had voted).
    if (
        record_stage.decision_count < review.reviewers_per_record
        or record_stage.status == RecordStage.Status.CONFLICT
    ):
        record_stage.save(update_fields=["decision_count", "leased_to", "leased_until"])
        return
    decisions = Decision.objects.filter(record_id=record_stage.record_id, stage=record_stage.stage)
    outcome = stage_outcome(record_stage.stage, list(decisions.values_list("choice", "reason")))
    stage_settle(record_stage, outcome.status, reason=outcome.reason)
    audit_record(
        actor=None,
        review=review,
        action="screening.settle" if outcome.status != "conflict" else "screening.conflict",
        target=record_stage,
        after={"record": record_stage.record_id, "stage": record_stage.stage, "status": outcome.status},
    )


def stage_settle(
    record_stage: RecordStage, status: str, *, reason: str = "", resolved_by=None, note: str = ""
) -> None:
    record_stage.status = status
    record_stage.exclusion_reason = reason
    record_stage.resolved_by = resolved_by
    record_stage.resolution_note = note
    record_stage.settled_at = timezone.now() if status in RecordStage.SETTLED else None
    record_stage.save()
    if status == RecordStage.Status.CONFLICT:
        _conflict_votes_keep(record_stage)
    if record_stage.stage == Stage.TITLE_ABSTRACT and status == RecordStage.Status.INCLUDED:
        screening_stage_open(
            review=record_stage.review, record_ids=[record_stage.record_id], stage=Stage.FULL_TEXT
        )


def _conflict_votes_keep(record_stage: RecordStage) -> None:
    """The votes as they stand when the record becomes a conflict: what agreement is counted on."""
    decisions = Decision.objects.filter(record_id=record_stage.record_id, stage=record_stage.stage)
    ConflictVote.objects.bulk_create(
        [
            ConflictVote(
                review_id=record_stage.review_id,
                record_id=record_stage.record_id,
                stage=record_stage.stage,
                reviewer_id=decision.reviewer_id,
                choice=decision.choice,
            )
            for decision in decisions
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def screening_decision_undo(
    *, review: Review, record: Record, reviewer: AbstractBaseUser, stage: str
) -> None:
    record_stage = stage_lock(record, stage)
    if record_stage.is_settled:
        raise ReviewRuleError(DECISION_SETTLED)
    decision = Decision.objects.filter(record=record, stage=stage, reviewer=reviewer).first()
    if decision is None:
        raise ReviewRuleError(NOTHING_TO_UNDO)
    before = {**_snapshot(decision), "record": record.pk, "stage": stage}
    # Undo takes back the last thing done: a changed decision goes back to what it was, a new one goes.
    earlier = screening_decision_earlier(decision=decision)
    after = None
    if earlier is not None:
        decision.choice, decision.reason = earlier["choice"], earlier.get("reason", "")
        decision.note = earlier.get("note", "")
        decision.without_full_text = earlier.get("without_full_text", "")
        decision.save()
        after = {**_snapshot(decision), "record": record.pk, "stage": stage}
    audit_record(
        actor=reviewer, review=review, action="screening.undo", target=decision, before=before, after=after
    )
    if earlier is None:
        decision.delete()
        _step_progress_after_commit(review, reviewer, stage, done=-1)
        record_stage.decision_count -= 1
    # The record waits for a decision again: open, or still the lead's if it is a conflict (the reviewer
    # sees the same either way: it is back in their queue). They have it open again, so it is theirs.
    lease_give(record_stage, reviewer)
    record_stage.save(update_fields=["decision_count", "leased_to", "leased_until"])
    if stage == Stage.TITLE_ABSTRACT:
        ranking_request(review=review, reviewer=reviewer)


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
    stage_settle(locked, status, reason=reason, resolved_by=lead, note=note.strip())
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
