"""Screening decisions out of Tandem, one CSV row per decision, blinded the way the screens are.

A reviewer who could read a colleague's decision on a record still open to them would no longer be
screening independently, so a blinded export keeps only settled records and the viewer's own decisions.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import (
    Case,
    F,
    FilteredRelation,
    Func,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Concat, Left, NullIf
from django.db.models.lookups import In

from lib.spreadsheet import FORMULA_STARTS, spreadsheet_safe
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
CSV_ROWS_PER_PIECE = 500


def _is_blinded(review: Review, viewer: AbstractBaseUser | None) -> bool:
    if viewer is None:
        return False
    membership = review.memberships.filter(user=viewer).first()
    if membership is None:
        raise ReviewRuleError(EXPORT_NOT_A_MEMBER.format(username=viewer.get_username()))
    return not sees_unsettled(membership)


def _decisions(review: Review, blinded_for: AbstractBaseUser | None) -> QuerySet[Decision]:
    # The record's row at the decision's stage, joined once (a subquery per decision read the stage table
    # twice for each of 100,000 rows).
    decisions = Decision.objects.filter(review=review).annotate(
        stage_row=FilteredRelation("record__stages", condition=Q(record__stages__stage=F("stage"))),
        record_status=F("stage_row__status"),
        final_reason=F("stage_row__exclusion_reason"),
        stage_order=Case(
            When(stage=Stage.TITLE_ABSTRACT, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    )
    if blinded_for is not None:
        decisions = decisions.filter(Q(record_status__in=RecordStage.SETTLED) | Q(reviewer=blinded_for))
    return decisions.order_by("stage_order", "record_id", "reviewer__username")


def decisions_visible(*, review: Review, viewer: AbstractBaseUser | None = None) -> QuerySet[Decision]:
    """Every decision for an administrator (no viewer), a lead or an owner who does not screen; for
    anyone else, decisions on records settled at that stage plus their own. A non-member: ReviewRuleError."""
    return _decisions(review, viewer if _is_blinded(review, viewer) else None).select_related(
        "reviewer", "record"
    )


# The export's columns as the database gives them: plain values, not model instances (the record's
# abstract and every other field of 100,000 records would otherwise travel for the title alone).
_ROW_VALUES = (
    "record_id",
    "stage",
    "reviewer__username",
    "choice",
    "reason",
    "note",
    "without_full_text",
    "updated_at",
    "record_status",
    "final_reason",
    "record__title",
)


def _row(values: tuple, *, is_blinded: bool) -> list[object]:
    record_id, stage, reviewer, choice, reason, note, without_full_text, updated_at, status, final, title = (
        values
    )
    status = status or ""
    if is_blinded and status not in RecordStage.SETTLED:
        status = UNSETTLED
    row = (
        record_id,
        stage,
        reviewer,
        choice,
        reason,
        note,
        without_full_text,
        updated_at.isoformat(timespec="seconds"),
        status,
        final or "",
        title,
    )
    return [spreadsheet_safe(value) for value in row]


def decision_rows(review: Review, viewer: AbstractBaseUser | None = None) -> Iterator[list[object]]:
    """The export's rows, without the header, spreadsheet-safe. The viewer is checked at once, so a
    non-member's ReviewRuleError comes before anything is written."""
    is_blinded = _is_blinded(review, viewer)
    rows = _decisions(review, viewer if is_blinded else None).values_list(*_ROW_VALUES)
    return (_row(values, is_blinded=is_blinded) for values in rows.iterator(chunk_size=5000))


def decisions_csv_lines(review: Review, viewer: AbstractBaseUser | None = None) -> Iterator[str]:
    """The CSV in pieces of whole lines (for a file or a streaming response); the viewer is checked at once.
    On PostgreSQL the database writes the CSV itself (COPY), the same bytes in a fraction of the time."""
    is_blinded = _is_blinded(review, viewer)
    if connection.vendor == "postgresql":
        return _copied_pieces(_decisions(review, viewer if is_blinded else None), is_blinded=is_blinded)
    return _csv_pieces(decision_rows(review, viewer))


def _csv_pieces(rows: Iterator[list[object]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DECISION_CSV_COLUMNS)
    # Many lines to a piece: a piece per line costs the server a write (and a call) each.
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % CSV_ROWS_PER_PIECE == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# --- PostgreSQL: the database writes the CSV -------------------------------------------------------------
# Each column as the text the rows above give (spreadsheet-safe, "" for none, the time to the second in
# ISO 8601), so COPY's CSV is byte for byte what csv.writer writes from them.

COPY_PIECE_BYTES = 256 * 1024


def _safe(expression) -> Case:
    """spreadsheet_safe in SQL: a quote before a text a spreadsheet would run as a formula; NULL for ""
    (COPY writes NULL as nothing but "" as a quoted empty field; csv.writer writes both as nothing)."""
    text = NullIf(expression, Value(""), output_field=TextField())
    return Case(
        When(
            In(Left(text, 1), list(FORMULA_STARTS)), then=Concat(Value("'"), text, output_field=TextField())
        ),
        default=text,
        output_field=TextField(),
    )


def _copied_pieces(decisions: QuerySet[Decision], *, is_blinded: bool) -> Iterator[str]:
    status = F("record_status")
    if is_blinded:
        status = Case(
            When(record_status__in=RecordStage.SETTLED, then=F("record_status")),
            When(record_status__isnull=True, then=Value(None)),
            default=Value(UNSETTLED),
            output_field=TextField(),
        )
    rows = decisions.annotate(
        c_reviewer=_safe(F("reviewer__username")),
        c_reason=_safe(F("reason")),
        c_note=_safe(F("note")),
        c_without=_safe(F("without_full_text")),
        c_decided=Func(
            F("updated_at"),
            Value('YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
            function="to_char",
            arg_joiner=" AT TIME ZONE 'UTC', ",
            output_field=TextField(),
        ),
        c_status=status,
        c_final=_safe(F("final_reason")),
        c_title=_safe(F("record__title")),
    ).values_list(
        "record_id", "stage", "c_reviewer", "choice", "c_reason", "c_note", "c_without", "c_decided",
        "c_status", "c_final", "c_title",
    )  # fmt: skip
    sql, params = rows.query.sql_with_params()
    yield ",".join(DECISION_CSV_COLUMNS) + "\n"
    decoder = codecs.getincrementaldecoder("utf-8")()
    piece = bytearray()
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy,
    ):
        for block in copy:
            piece += block
            if len(piece) >= COPY_PIECE_BYTES:
                yield decoder.decode(bytes(piece))
                piece.clear()
    yield decoder.decode(bytes(piece), final=True)
