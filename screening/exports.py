"""Screening decisions out of Tandem, one CSV row per decision, blinded the way the screens are.

A reviewer who could read a colleague's decision on a record still open to them would no longer be
screening independently, so a blinded export keeps only settled records and the viewer's own decisions.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When

from lib.spreadsheet import spreadsheet_safe
from reviews.blinding import sees_unsettled
from reviews.errors import ReviewRuleError
from reviews.models import Review
from screening.models import Decision, RecordStage, Stage

DECISION_CSV_COLUMNS = (
    "record_id",
    "stage",
    "reviewer",
    "decision",
    "reason",
    "note",
    "without_full_text",
    "decided_at",
    "record_status",
    "exclusion_reason",
    "title",
)
# What a blinded viewer sees for a record still open or in conflict: "conflict" would give away
# that the other reviewer chose differently.
UNSETTLED = "unsettled"
EXPORT_NOT_A_MEMBER = "{username} is not a member of this review."


def _is_blinded(review: Review, viewer: AbstractBaseUser | None) -> bool:
    if viewer is None:
        return False
    membership = review.memberships.filter(user=viewer).first()
    if membership is None:
        raise ReviewRuleError(EXPORT_NOT_A_MEMBER.format(username=viewer.get_username()))
    return not sees_unsettled(membership)


def _decisions(review: Review, blinded_for: AbstractBaseUser | None) -> QuerySet[Decision]:
    stage_row = RecordStage.objects.filter(record=OuterRef("record_id"), stage=OuterRef("stage"))
    decisions = Decision.objects.filter(review=review).annotate(
        record_status=Subquery(stage_row.values("status")[:1]),
        final_reason=Subquery(stage_row.values("exclusion_reason")[:1]),
        stage_order=Case(
            When(stage=Stage.TITLE_ABSTRACT, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    )
    if blinded_for is not None:
        decisions = decisions.filter(Q(record_status__in=RecordStage.SETTLED) | Q(reviewer=blinded_for))
    return decisions.select_related("reviewer", "record").order_by(
        "stage_order", "record_id", "reviewer__username"
    )


def decisions_visible(*, review: Review, viewer: AbstractBaseUser | None = None) -> QuerySet[Decision]:
    """Every decision for an administrator (no viewer), a lead or an owner who does not screen; for
    anyone else, decisions on records settled at that stage plus their own. A non-member: ReviewRuleError."""
    return _decisions(review, viewer if _is_blinded(review, viewer) else None)


def _row(decision: Decision, *, is_blinded: bool) -> list[object]:
    status = decision.record_status or ""
    if is_blinded and status not in RecordStage.SETTLED:
        status = UNSETTLED
    values = {
        "record_id": decision.record_id,
        "stage": decision.stage,
        "reviewer": decision.reviewer.get_username(),
        "decision": decision.choice,
        "reason": decision.reason,
        "note": decision.note,
        "without_full_text": decision.without_full_text,
        "decided_at": decision.updated_at.isoformat(timespec="seconds"),
        "record_status": status,
        "exclusion_reason": decision.final_reason or "",
        "title": decision.record.title,
    }
    return [spreadsheet_safe(values[name]) for name in DECISION_CSV_COLUMNS]


def decision_rows(review: Review, viewer: AbstractBaseUser | None = None) -> Iterator[list[object]]:
    """The export's rows, without the header, spreadsheet-safe. The viewer is checked at once, so a
    non-member's ReviewRuleError comes before anything is written."""
    is_blinded = _is_blinded(review, viewer)
    decisions = _decisions(review, viewer if is_blinded else None)
    return (_row(decision, is_blinded=is_blinded) for decision in decisions.iterator(chunk_size=2000))


def decisions_csv_lines(review: Review, viewer: AbstractBaseUser | None = None) -> Iterator[str]:
    """The CSV, line by line (for a file or a streaming response); the viewer is checked at once."""
    return _csv_lines(decision_rows(review, viewer))


def _csv_lines(rows: Iterator[list[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    yield line(DECISION_CSV_COLUMNS)
    for row in rows:
        yield line(row)
