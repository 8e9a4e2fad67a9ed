"""The lead's reconciliation of a dual-coded study: the two coders' excerpts side by side, unit by unit
(paired by ``coding.units``); accept one, merge both, drop the unit, then edit the result like any excerpt.
The reconciled excerpts (no coder, ``is_final``) are what the synthesis counts."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from coding.models import CodingAssignment, CodingStudy, Excerpt, StudyText
from coding.services.excerpts import coding_study_lock
from coding.services.texts import page_of
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record

RECONCILE_NOT_READY = "Both coders must mark this study done before it can be reconciled."
RECONCILE_NOT_OPEN = "Open the reconciliation of this study first."
RECONCILE_UNKNOWN = "Those excerpts are not one unit of this study's coders."
RECONCILE_ALREADY = "This unit was reconciled a moment ago; nothing was changed."
RECONCILE_NOT_DECIDED = "{count} coded excerpt{plural} still to reconcile (accept, merge or drop each unit)."
RECONCILE_ACTIONS = ("accept", "merge", "drop")


@transaction.atomic
def coding_reconciliation_open(*, review: Review, record: Record, lead: AbstractBaseUser) -> CodingStudy:
    study = coding_study_lock(review, record)
    if study.is_reconciling:
        return study
    assignments = list(CodingAssignment.objects.filter(study=study))
    if len(assignments) < 2 or not all(assignment.is_done for assignment in assignments):
        raise ReviewRuleError(RECONCILE_NOT_READY)
    study.reconciliation_opened_at, study.reconciliation_opened_by = timezone.now(), lead
    study.save(update_fields=["reconciliation_opened_at", "reconciliation_opened_by"])
    audit_record(
        actor=lead, review=review, action="coding.reconcile_open", target=study, after={"record": record.pk}
    )
    return study


def _copy(excerpt: Excerpt, lead: AbstractBaseUser) -> Excerpt:
    final = Excerpt.objects.create(
        review=excerpt.review,
        record=excerpt.record,
        coder=None,
        is_final=True,
        quote=excerpt.quote,
        start=excerpt.start,
        end=excerpt.end,
        page=excerpt.page,
        anchor=excerpt.anchor,
        valence=excerpt.valence,
        group=excerpt.group,
        note=excerpt.note,
        created_by=lead,
    )
    final.codes.set(excerpt.codes.all())
    final.domains.set(excerpt.domains.all())
    return final


def _merged(first: Excerpt, second: Excerpt, lead: AbstractBaseUser) -> Excerpt:
    """Both passages as one (their span), every code and domain either gave; the first coder's valence and
    group where they differ, for the lead to change."""
    final = _copy(first, lead)
    if first.start is not None and second.start is not None:
        study_text = StudyText.objects.filter(record_id=first.record_id).first()
        pages = list(study_text.pages.all()) if study_text is not None else []
        text = "".join(page.text for page in pages)
        final.start, final.end = min(first.start, second.start), max(first.end, second.end)
        final.quote, final.page = text[final.start : final.end] or first.quote, page_of(pages, final.start)
    final.valence = first.valence or second.valence
    final.group = first.group or second.group
    final.note = "\n".join(note for note in (first.note, second.note) if note)
    final.save()
    final.codes.add(*second.codes.all())
    final.domains.add(*second.domains.all())
    return final


@transaction.atomic
def coding_unit_reconcile(
    *,
    review: Review,
    record: Record,
    lead: AbstractBaseUser,
    excerpt_ids: list[int],
    action: str,
    keep_id: int | None = None,
) -> Excerpt | None:
    """Settle one unit: ``accept`` keeps excerpt ``keep_id`` as it is, ``merge`` joins the unit's two
    excerpts, ``drop`` keeps neither. Returns the reconciled excerpt (None when dropped)."""
    study = coding_study_lock(review, record)
    if not study.is_reconciling:
        raise ReviewRuleError(RECONCILE_NOT_OPEN)
    members = list(
        Excerpt.objects.filter(record=record, coder__isnull=False, pk__in=excerpt_ids).prefetch_related(
            "codes", "domains"
        )
    )
    if (
        action not in RECONCILE_ACTIONS
        or not members
        or len(members) != len(set(excerpt_ids))
        or len(members) > 2
    ):
        raise ReviewRuleError(RECONCILE_UNKNOWN)
    if any(member.reconcile_state != Excerpt.Reconcile.PENDING for member in members):
        raise ReviewRuleError(RECONCILE_ALREADY)
    final = None
    if action == "accept":
        kept = next((member for member in members if member.pk == keep_id), None)
        if kept is None:
            raise ReviewRuleError(RECONCILE_UNKNOWN)
        final = _copy(kept, lead)
    elif action == "merge":
        ordered = sorted(members, key=lambda member: member.pk)
        final = _merged(ordered[0], ordered[-1], lead) if len(ordered) == 2 else _copy(ordered[0], lead)
    state = Excerpt.Reconcile.DROPPED if final is None else Excerpt.Reconcile.KEPT
    Excerpt.objects.filter(pk__in=[member.pk for member in members]).update(
        reconcile_state=state, reconciled_into=final
    )
    audit_record(
        actor=lead,
        review=review,
        action=f"coding.unit_{action}",
        target=final or members[0],
        after={"record": record.pk, "excerpts": sorted(member.pk for member in members), "kept": keep_id},
    )
    return final


@transaction.atomic
def coding_unit_reopen(
    *, review: Review, record: Record, lead: AbstractBaseUser, excerpt_ids: list[int]
) -> None:
    """Undo a unit's reconciliation: its reconciled excerpt goes, its coders' excerpts wait again."""
    study = coding_study_lock(review, record)
    if not study.is_reconciling:
        raise ReviewRuleError(RECONCILE_NOT_OPEN)
    members = list(Excerpt.objects.filter(record=record, coder__isnull=False, pk__in=excerpt_ids))
    if not members:
        raise ReviewRuleError(RECONCILE_UNKNOWN)
    finals = {member.reconciled_into_id for member in members if member.reconciled_into_id}
    # The other excerpt of the unit, made into the same reconciled one, waits again too.
    Excerpt.objects.filter(
        Q(pk__in=[member.pk for member in members]) | Q(reconciled_into__in=finals), record=record
    ).update(reconcile_state=Excerpt.Reconcile.PENDING, reconciled_into=None)
    Excerpt.objects.filter(pk__in=finals, coder__isnull=True).delete()
    if study.reconciled_at is not None:
        study.reconciled_at, study.reconciled_by = None, None
        study.save(update_fields=["reconciled_at", "reconciled_by"])
    audit_record(
        actor=lead,
        review=review,
        action="coding.unit_reopen",
        target=study,
        after={"record": record.pk, "excerpts": sorted(member.pk for member in members)},
    )


@transaction.atomic
def coding_reconciliation_finish(*, review: Review, record: Record, lead: AbstractBaseUser) -> CodingStudy:
    study = coding_study_lock(review, record)
    if not study.is_reconciling:
        raise ReviewRuleError(RECONCILE_NOT_OPEN)
    pending = Excerpt.objects.filter(
        record=record, coder__isnull=False, reconcile_state=Excerpt.Reconcile.PENDING
    ).count()
    if pending:
        raise ReviewRuleError(RECONCILE_NOT_DECIDED.format(count=pending, plural="" if pending == 1 else "s"))
    study.reconciled_at, study.reconciled_by = timezone.now(), lead
    study.save(update_fields=["reconciled_at", "reconciled_by"])
    audit_record(
        actor=lead, review=review, action="coding.reconcile_finish", target=study, after={"record": record.pk}
    )
    return study
