"""Leases: in a team larger than a record needs, the record a reviewer is served is theirs for a while.

Every reviewer walks the same order (the review's random order, or their own ranked one), so without a
lease a team of fifty is served the same next record and all but two of them are refused when they decide
it. With one, the next reviewer is served the next record that nobody holds. A lease ends when its holder
decides the record, and runs out by itself after ``LEASE_SECONDS`` (a closed tab, a reviewer gone for
lunch), so no record is kept from the team for long.

Blinding: what a reviewer is served depends on their own decisions, on which records are full (which the
rules show everyone: such a record says so), and on which records a colleague has open right now; never on
how anyone voted. In a team where everyone decides every record (two reviewers, two decisions a record)
nothing is leased and everyone meets the records in the same order, as before.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from reviews.models import Review
from screening.models import RecordStage, Stage
from screening.selectors import screening_next, screening_order, screening_queue, screening_waiting_where

# Long enough to read an abstract (or a full text) with care; short enough that a record left open in a
# closed tab goes back to the team soon.
LEASE_SECONDS = {Stage.TITLE_ABSTRACT: 10 * 60, Stage.FULL_TEXT: 30 * 60}
# Another reviewer may take the chosen record between choosing and leasing it: try the next one, a few
# times, before serving a record without a lease. Reviewers asking in the same moment all choose the same
# first free record and all but one move on to the next, so a busy team needs about as many tries as it
# has reviewers asking at once (with three, one reviewer in ten of a team of six screening flat out was
# served an unleased record that a colleague then decided first).
CLAIM_ATTEMPTS = 6


def screening_lease_next(
    *,
    review: Review,
    reviewer: AbstractBaseUser,
    stage: str,
    order: dict | None = None,
    resume: bool = False,
) -> RecordStage | None:
    """The reviewer's next record, leased to them when the team is larger than a record needs.

    ``resume``: serve the record the reviewer already holds first (they come back to the queue after
    leaving it, say), rather than lease a second one.
    """
    order = order or screening_order(review=review, reviewer=reviewer, stage=stage)
    if not order["is_spread"]:
        return screening_next(review=review, reviewer=reviewer, stage=stage, order=order)
    if resume:
        held = _held(review, reviewer, stage)
        if held is not None:
            return held
    passing_over: list[int] = []
    for _ in range(CLAIM_ATTEMPTS):
        record_stage = screening_next(
            review=review, reviewer=reviewer, stage=stage, order=order, passing_over=passing_over
        )
        if record_stage is None:
            break
        if _claim(review, record_stage, reviewer):
            return record_stage
        passing_over.append(record_stage.pk)
    # Everything left is open with someone else just now: serve it anyway, unleased, rather than say that
    # nothing is left (the reviewer's own figures would say otherwise). Deciding it may come too late.
    return screening_next(review=review, reviewer=reviewer, stage=stage, order=order, leased_too=True)


def _held(review: Review, reviewer: AbstractBaseUser, stage: str) -> RecordStage | None:
    queue = screening_queue(review=review, reviewer=reviewer, stage=stage)
    return queue.filter(leased_to=reviewer, leased_until__gt=timezone.now()).select_related("record").first()


def _claim(review: Review, record_stage: RecordStage, reviewer: AbstractBaseUser) -> bool:
    """Lease the record if it still waits for this reviewer and nobody else holds it: one UPDATE that
    either takes it or changes nothing (two reviewers choosing the same record at once cannot both).
    Written out with the queue's own SQL: the ORM took longer to build the statement than to run it."""
    waiting, parameters = screening_waiting_where(
        review=review, reviewer=reviewer, stage=record_stage.stage, lease_free=True
    )
    until = timezone.now() + timedelta(seconds=LEASE_SECONDS[record_stage.stage])
    # The conditions on the row being updated itself, not on a subquery's copy of it: a colleague's lease
    # taken meanwhile is seen when PostgreSQL checks the row again after waiting for its lock.
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RecordStage._meta.db_table} AS rs SET leased_to_id = %s, leased_until = %s "
            f"WHERE rs.id = %s AND {waiting}",
            [reviewer.pk, connection.ops.adapt_datetimefield_value(until), record_stage.pk, *parameters],
        )
        claimed = cursor.rowcount
    if claimed:
        record_stage.leased_to_id, record_stage.leased_until = reviewer.pk, until
    return bool(claimed)


def lease_end_for(record_stage: RecordStage, reviewer: AbstractBaseUser) -> None:
    """The reviewer decided the record: their lease on it ends (in memory; the caller saves the row)."""
    if record_stage.leased_to_id == reviewer.pk:
        record_stage.leased_to, record_stage.leased_until = None, None


def lease_give(record_stage: RecordStage, reviewer: AbstractBaseUser) -> None:
    """The reviewer has the record open again (after an undo): theirs for a while (the caller saves it)."""
    record_stage.leased_to = reviewer
    record_stage.leased_until = timezone.now() + timedelta(seconds=LEASE_SECONDS[record_stage.stage])
