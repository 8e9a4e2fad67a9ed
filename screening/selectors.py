"""Reads for screening."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from lib.agreement import Agreement, JudgementTable, table_agreement
from reviews.models import AuditEvent, Membership, Record, Review, SourceRecord
from screening.models import (
    STAGE_SLUGS,
    ConflictVote,
    Decision,
    FullText,
    RankingSettings,
    RecordStage,
    ReviewerRanking,
    Stage,
)
from screening.rules import ADVANCE


def screening_records_started(*, record_ids: set[int]) -> set[int]:
    """Records among these that anyone has screened: a decision, or a stage settled in any way (a record set
    aside when screening stopped was not screened)."""
    decided = Decision.objects.filter(record_id__in=record_ids).values_list("record_id", flat=True)
    unscreened = (RecordStage.Status.OPEN, RecordStage.Status.SET_ASIDE)
    settled = RecordStage.objects.filter(Q(record_id__in=record_ids) & ~Q(status__in=unscreened))
    return set(decided) | set(settled.values_list("record_id", flat=True))


def _active(queryset: QuerySet[RecordStage]) -> QuerySet[RecordStage]:
    # Records merged into another or removed by hand leave every queue and count.
    return queryset.filter(is_active=True)


def _waiting(review: Review, stage: str, reviewer: AbstractBaseUser) -> QuerySet[RecordStage]:
    """Records that may need this reviewer's decision: open ones, and conflicts they voted in that their
    own undo left short of a decision (a conflict is the lead's to settle, but the reviewer who took their
    vote back must meet it again, as they would an open record, or its absence would tell them it is a
    conflict). To anyone who had no part in it a conflict is full, like a settled record: were it served to
    them after an undo, a record they had seen full coming back would tell them it was a conflict."""
    took_part = ConflictVote.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer)
    short_conflict = Q(
        Exists(took_part),
        status=RecordStage.Status.CONFLICT,
        decision_count__lt=review.reviewers_per_record,
    )
    return _active(
        RecordStage.objects.filter(review=review, stage=stage).filter(
            Q(status=RecordStage.Status.OPEN) | short_conflict
        )
    )


def screening_queue(*, review: Review, reviewer: AbstractBaseUser, stage: str) -> QuerySet[RecordStage]:
    """What the reviewer has still to decide, in the review's random order."""
    mine = Decision.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer)
    return _waiting(review, stage, reviewer).exclude(Exists(mine)).order_by("order_key")


# Which way a review's queues run, asked on every keypress of the screening loop: written out, because the
# ORM took several times longer to build this one-row query than the database takes to answer it.
_TEAM_SQL = """
SELECT
    (SELECT COUNT(*) FROM {membership} m
     WHERE m.review_id = %s AND m.is_reviewer = %s AND (m.is_lead = %s OR %s)),
    EXISTS (SELECT 1 FROM {ranking} s WHERE s.review_id = %s AND s.is_enabled = %s)
"""


def screening_team(*, review: Review) -> dict:
    """Whether relevance ranking is on in the review, and whether its team is larger than a record needs:
    then each record a reviewer is served is leased to them for a while and the others are served other
    records (``screening.services.leases``). In a team that decides every record together (two reviewers,
    two decisions a record) nothing is leased."""
    sql = _TEAM_SQL.format(membership=Membership._meta.db_table, ranking=RankingSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql, [review.pk, True, False, review.lead_may_screen, review.pk, True])
        team, ranking_on = cursor.fetchone()
    return {"ranking_on": bool(ranking_on), "is_spread": team > review.reviewers_per_record}


def screening_order(
    *,
    review: Review,
    reviewer: AbstractBaseUser,
    stage: str = Stage.TITLE_ABSTRACT,
    team: dict | None = None,
) -> dict:
    """Which order the reviewer's queue is in (said plainly on the title/abstract screening page), with the
    team's ``screening_team`` (``team``: when the caller has read it)."""
    order = {"mode": "random", **(team or screening_team(review=review))}
    if order["ranking_on"] and stage == Stage.TITLE_ABSTRACT:
        ranked = ReviewerRanking.objects.filter(review=review, reviewer=reviewer).first()
        if ranked is not None:
            order.update(mode="ranked", ranking=ranked)
    return order


def screening_next(
    *,
    review: Review,
    reviewer: AbstractBaseUser,
    stage: str,
    order: dict | None = None,
    passing_over: Iterable[int] = (),
    leased_too: bool = False,
) -> RecordStage | None:
    """The first record of the reviewer's order still waiting for them: their ranked order first (title
    and abstract, with ranking on), then the review's random order. In a team larger than a record needs,
    records leased to another reviewer are passed over unless ``leased_too``; ``passing_over`` names
    stage rows to leave out (ones another reviewer took a moment ago)."""
    order = order or screening_order(review=review, reviewer=reviewer, stage=stage)
    waiting = _Waiting(
        review,
        reviewer,
        stage,
        lease_free=order["is_spread"] and not leased_too,
        passing_over=list(passing_over),
    )
    record_stage = None
    if order["mode"] == "ranked" and stage == Stage.TITLE_ABSTRACT:
        record_stage = _ranked_next(order["ranking"].record_ids, waiting)
    return record_stage or waiting.first()


RANKED_CHUNK = 200


def _ranked_next(order: list[int], waiting: _Waiting) -> RecordStage | None:
    """The best record of the reviewer's ranked order still in their queue; None when they have no ranked
    order (ranking off, or not yet both an include and an exclude) or have worked through it."""
    for start in range(0, len(order), RANKED_CHUNK):
        chunk = order[start : start + RANKED_CHUNK]
        found = waiting.among(chunk)
        for record_id in chunk:
            if record_id in found:
                return found[record_id]
    return None


# The rows of a reviewer's queue (``screening_queue``: the same rule, which the tests hold this to) as the
# screening loop asks for them on every keypress. Written out: the ORM took longer to build and compile the
# query, with its two EXISTS, than the database takes to walk the queue's partial index to its first row.
_WAITING_SQL = """
rs.review_id = %s AND rs.stage = %s AND rs.is_active = %s
  AND (rs.status = %s
       OR (rs.status = %s AND rs.decision_count < %s
           AND EXISTS (SELECT 1 FROM {vote} v
                       WHERE v.record_id = rs.record_id AND v.stage = rs.stage AND v.reviewer_id = %s)))
  AND NOT EXISTS (SELECT 1 FROM {decision} d
                  WHERE d.record_id = rs.record_id AND d.stage = rs.stage AND d.reviewer_id = %s)
"""


class _Waiting:
    """The reviewer's queue, narrowed as ``screening_next`` asks: rows nobody else holds (``lease_free``),
    and not the rows in ``passing_over``."""

    def __init__(
        self,
        review: Review,
        reviewer: AbstractBaseUser,
        stage: str,
        *,
        lease_free: bool,
        passing_over: list[int],
    ) -> None:
        # The conditions on the stage row ``rs``: what a lease's UPDATE holds to (``screening_waiting_where``).
        self.where = _WAITING_SQL.format(vote=ConflictVote._meta.db_table, decision=Decision._meta.db_table)
        self.parameters = [
            review.pk,
            stage,
            True,
            RecordStage.Status.OPEN,
            RecordStage.Status.CONFLICT,
            review.reviewers_per_record,
            reviewer.pk,
            reviewer.pk,
        ]
        if lease_free:
            self.where += " AND (rs.leased_to_id IS NULL OR rs.leased_to_id = %s OR rs.leased_until <= %s)"
            self.parameters += [reviewer.pk, connection.ops.adapt_datetimefield_value(timezone.now())]
        if passing_over:
            self.where += f" AND rs.id NOT IN ({', '.join(['%s'] * len(passing_over))})"
            self.parameters += passing_over
        self.sql = f"SELECT rs.id FROM {RecordStage._meta.db_table} rs WHERE {self.where}"

    def first(self) -> RecordStage | None:
        """The first row in the review's random order, with its record."""
        first = RawSQL(self.sql + " ORDER BY rs.order_key LIMIT 1", self.parameters)
        try:
            return RecordStage.objects.select_related("record").get(pk=first)
        except RecordStage.DoesNotExist:
            return None

    def among(self, record_ids: list[int]) -> dict[int, RecordStage]:
        """The rows of these records still waiting, with their records, by record."""
        sql = self.sql + f" AND rs.record_id IN ({', '.join(['%s'] * len(record_ids))})"
        rows = RecordStage.objects.select_related("record").filter(
            pk__in=RawSQL(sql, self.parameters + record_ids)
        )
        return {row.record_id: row for row in rows}


def screening_waiting_where(
    *, review: Review, reviewer: AbstractBaseUser, stage: str, lease_free: bool
) -> tuple[str, list]:
    """The conditions a stage row ``rs`` meets while it waits for the reviewer (and nobody else holds it,
    if ``lease_free``), with their parameters: for a write that must hold to the queue's own rule."""
    waiting = _Waiting(review, reviewer, stage, lease_free=lease_free, passing_over=[])
    return waiting.where, waiting.parameters


def screening_is_full_for(
    *, review: Review, record_stage: RecordStage, reviewer: AbstractBaseUser, my_decision: Decision | None
) -> bool:
    """A record with all the decisions it needs, none of them mine: settled or with the lead, it looks the
    same (its outcome would tell a reviewer who had no part in it whether the others disagreed). A conflict
    an undo left short of a decision is full too, for everyone but the reviewers who voted in it."""
    if my_decision is not None or record_stage.status in (
        RecordStage.Status.OPEN,
        RecordStage.Status.NOT_RETRIEVABLE,
    ):
        return False
    if record_stage.is_settled or record_stage.decision_count >= review.reviewers_per_record:
        return True
    return not screening_voted_in_conflict(record_stage=record_stage, reviewer=reviewer)


def screening_voted_in_conflict(*, record_stage: RecordStage, reviewer: AbstractBaseUser) -> bool:
    """Whether the reviewer's vote is among those the record's conflict was made of."""
    return ConflictVote.objects.filter(
        record_id=record_stage.record_id, stage=record_stage.stage, reviewer=reviewer
    ).exists()


def screening_decision_earlier(*, decision: Decision) -> dict | None:
    """The decision as it stood before its latest change still in force, or None if it was new then.

    Read from the history: each decision or change of it added a state, each undo took back the latest."""
    entries = AuditEvent.objects.filter(
        review_id=decision.review_id,
        object_type=Decision._meta.label_lower,
        object_id=str(decision.pk),
        action__in=("screening.decide", "screening.change", "screening.undo"),
    ).order_by("pk")
    states: list[dict] = []
    for action, after in entries.values_list("action", "after"):
        if action != "screening.undo":
            states.append(after)
        elif states:
            states.pop()
    return states[-2] if len(states) >= 2 else None


PROGRESS_SECONDS = 30


def _progress_generation_key(review_id: int, stage: str) -> str:
    return f"tandem:screening-progress-generation:{review_id}:{stage}"


def _progress_key(review_id: int, reviewer_id: int, stage: str) -> str:
    generation = cache.get(_progress_generation_key(review_id, stage), 0)
    return f"tandem:screening-progress:{review_id}:{stage}:{generation}:{reviewer_id}"


def screening_progress_forget(*, review_id: int, stage: str) -> None:
    """Records joined or left a stage's queue other than by a reviewer's own decision (an import, a merge,
    a full text marked not retrievable): every member's figures for it are counted afresh."""
    key = _progress_generation_key(review_id, stage)
    try:
        cache.incr(key)
    except ValueError:  # not there yet (or evicted): any new number will do
        cache.set(key, 1, None)


def screening_progress(*, review: Review, reviewer: AbstractBaseUser, stage: str) -> dict[str, int]:
    """The reviewer's done / left, counted at most every PROGRESS_SECONDS and kept in step with their
    own decisions in between (``screening_progress_step``): two counts over a large review cost more
    than the rest of a decision put together."""
    key = _progress_key(review.pk, reviewer.pk, stage)
    progress = cache.get(key)
    if progress is None:
        progress = screening_progress_count(review=review, reviewer=reviewer, stage=stage)
        cache.set(key, progress, PROGRESS_SECONDS)
    return progress


def screening_progress_step(*, review_id: int, reviewer_id: int, stage: str, done: int) -> None:
    """One more (done=1) or one fewer (done=-1) decision by this reviewer."""
    key = _progress_key(review_id, reviewer_id, stage)
    progress = cache.get(key)
    if progress is not None:
        left = max(progress["left"] - done, 0)
        cache.set(
            key,
            {"done": progress["done"] + done, "left": left, "total": progress["done"] + done + left},
            PROGRESS_SECONDS,
        )


def _counted(queryset: QuerySet) -> Coalesce:
    """The queryset's COUNT(*) as a value of another query (0 when it has no rows)."""
    grouped = queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(grouped[:1]), 0)


def screening_progress_count(*, review: Review, reviewer: AbstractBaseUser, stage: str) -> dict[str, int]:
    """The reviewer's decisions made and left at a stage.

    Left = what _waiting holds minus what I already decided of it, counted from its two short parts rather
    than over every open record: open records I decided are waiting for a second reviewer (a short list,
    with an index of its own), and conflicts my own undo left short are a handful. Each part is a subquery
    of one query, so that each is planned on its own index (as one query with an OR, it read every row).
    """
    mine = Exists(Decision.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer))
    took_part = Exists(
        ConflictVote.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer)
    )
    stages = _active(RecordStage.objects.filter(review=review, stage=stage))
    short = stages.filter(
        status=RecordStage.Status.CONFLICT, decision_count__lt=review.reviewers_per_record
    ).filter(took_part)
    figures = {
        "done": _counted(Decision.objects.filter(review=review, stage=stage, reviewer=reviewer)),
        "awaiting_mine": _counted(
            stages.filter(status=RecordStage.Status.OPEN, decision_count__gt=0).filter(mine)
        ),
        "short": _counted(short),
        "short_mine": _counted(short.filter(decision_count__gt=0).filter(mine)),
        "opened": _counted(stages.filter(status=RecordStage.Status.OPEN)),
    }
    row = Review.objects.filter(pk=review.pk).annotate(**figures).values(*figures).get()
    left = row["opened"] - row["awaiting_mine"] + row["short"] - row["short_mine"]
    return {"done": row["done"], "left": left, "total": row["done"] + left}


def screening_record_stage(*, review: Review, record_id: int, stage: str) -> RecordStage | None:
    # get(), not first(): one row at most (a record's stage), and no ORDER BY to build on every keypress.
    try:
        return _active(RecordStage.objects.select_related("record")).get(
            review=review, record_id=record_id, stage=stage
        )
    except RecordStage.DoesNotExist:
        return None


def screening_record_sources(*, record_id: int) -> list[str]:
    """The databases a record was found in, by name, for the screening page."""
    names = (
        SourceRecord.objects.filter(record_id=record_id)
        .order_by()
        .values_list("batch__source_name", flat=True)
        .distinct()
    )
    return sorted(names)


def screening_my_decision(*, record_stage: RecordStage, reviewer: AbstractBaseUser) -> Decision | None:
    return Decision.objects.filter(
        record_id=record_stage.record_id, stage=record_stage.stage, reviewer=reviewer
    ).first()


def screening_conflicts(*, review: Review, stage: str) -> QuerySet[RecordStage]:
    return (
        _active(RecordStage.objects.filter(review=review, stage=stage, status=RecordStage.Status.CONFLICT))
        .select_related("record")
        .order_by("order_key")
    )


def screening_conflict_counts(*, review: Review) -> dict[str, int]:
    """Open conflicts per stage, for the lead's stage tabs (every stage present, zero or not)."""
    rows = (
        _active(RecordStage.objects.filter(review=review, status=RecordStage.Status.CONFLICT))
        .values("stage")
        .annotate(n=Count("id"))
    )
    return dict.fromkeys(Stage.values, 0) | {row["stage"]: row["n"] for row in rows}


def screening_decisions_for(*, record_stages: list[RecordStage]) -> dict[int, list[Decision]]:
    """Every decision on these records at their stage: for the lead's eyes only."""
    by_record: dict[int, list[Decision]] = defaultdict(list)
    if not record_stages:
        return by_record
    decisions = Decision.objects.filter(
        record_id__in=[record_stage.record_id for record_stage in record_stages], stage=record_stages[0].stage
    ).select_related("reviewer")
    for decision in decisions.order_by("reviewer__username"):
        by_record[decision.record_id].append(decision)
    return by_record


def screening_stage_counts(*, review: Review, stage: str) -> dict[str, int]:
    # Counted over columns of the stage counts' index (record_stage_counts), not the ids: the database then
    # reads that index alone instead of 100,000 rows of the table.
    rows = (
        _active(RecordStage.objects.filter(review=review, stage=stage))
        .values("status")
        .annotate(n=Count("status"), decided=Count("status", filter=~Q(decision_count=0)))
    )
    counts = dict.fromkeys(RecordStage.Status.values, 0)
    awaiting = 0
    for row in rows:
        counts[row["status"]] = row["n"]
        if row["status"] == RecordStage.Status.OPEN:
            awaiting = row["decided"]
    return {
        "records": sum(counts.values()),
        "to_screen": counts[RecordStage.Status.OPEN] - awaiting,
        "awaiting_second": awaiting,
        "conflicts": counts[RecordStage.Status.CONFLICT],
        "included": counts[RecordStage.Status.INCLUDED],
        "excluded": counts[RecordStage.Status.EXCLUDED],
        "not_retrievable": counts[RecordStage.Status.NOT_RETRIEVABLE],
        "set_aside": counts[RecordStage.Status.SET_ASIDE],
    }


# The 2x2 table of judgements per pair of reviewers, counted by the database: records of the review
# still in it (not merged away, not removed) that exactly two reviewers decided at the stage. Raw SQL
# because it joins the decisions with themselves, which the ORM cannot say without a subquery per row.
_AGREEMENT_SQL = """
WITH decided AS (
    SELECT v.record_id, u.username, CASE WHEN v.choice IN ({advance}) THEN 1 ELSE 0 END AS yes
    FROM {vote} v
    JOIN {record} r ON r.id = v.record_id
    JOIN {user} u ON u.id = v.reviewer_id
    WHERE v.review_id = %s AND v.stage = %s AND r.merged_into_id IS NULL AND r.is_removed = %s
    UNION ALL
    SELECT d.record_id, u.username, CASE WHEN d.choice IN ({advance}) THEN 1 ELSE 0 END AS yes
    FROM {decision} d
    JOIN {record} r ON r.id = d.record_id
    JOIN {user} u ON u.id = d.reviewer_id
    WHERE d.review_id = %s AND d.stage = %s AND r.merged_into_id IS NULL AND r.is_removed = %s
      AND NOT EXISTS (SELECT 1 FROM {vote} v WHERE v.record_id = d.record_id AND v.stage = d.stage)
), by_two AS (
    SELECT record_id FROM decided GROUP BY record_id HAVING COUNT(*) = 2
)
SELECT a.username, b.username,
       SUM(a.yes * b.yes), SUM(a.yes * (1 - b.yes)), SUM((1 - a.yes) * b.yes), SUM((1 - a.yes) * (1 - b.yes))
FROM by_two
JOIN decided a ON a.record_id = by_two.record_id
JOIN decided b ON b.record_id = by_two.record_id AND a.username < b.username
GROUP BY a.username, b.username
ORDER BY a.username, b.username
"""


# The tables are kept (in the cache) while nothing they are counted from has changed: a key made of the
# decisions' and first votes' count and latest change at the stage, and the generation that moves when
# records join or leave the stage (merged, removed, restored, imported). A decision changed, undone or added,
# a vote kept or a record merged makes a new key, so a figure shown is never stale; the count itself (a
# self-join over every decision, most of the overview's time at 100,000 records) runs once per change.
AGREEMENT_SECONDS = 24 * 3600


def _agreement_key(review: Review, stage: str) -> str:
    decisions = Decision.objects.filter(review=review, stage=stage)
    votes = ConflictVote.objects.filter(review=review, stage=stage)
    fingerprint = (
        Review.objects.filter(pk=review.pk)
        .annotate(
            # COUNT(*), not of the ids: counted from an index alone (decision_latest_change).
            decisions=Subquery(decisions.values("review").annotate(n=Count("*")).values("n")[:1]),
            changed=Subquery(decisions.order_by("-updated_at").values("updated_at")[:1]),
            votes=Subquery(votes.values("review").annotate(n=Count("pk")).values("n")[:1]),
            last_vote=Subquery(votes.order_by("-pk").values("pk")[:1]),
        )
        .values_list("decisions", "changed", "votes", "last_vote")
        .get()
    )
    generation = cache.get(_progress_generation_key(review.pk, stage), 0)
    stamp = fingerprint[1].isoformat() if fingerprint[1] else ""
    return f"tandem:agreement:{review.pk}:{stage}:{generation}:{fingerprint[0]}:{stamp}:{fingerprint[2]}:{fingerprint[3]}"


def _judgement_tables(review: Review, stage: str) -> list[tuple[tuple[str, str], JudgementTable]]:
    key = _agreement_key(review, stage)
    tables = cache.get(key)
    if tables is None:
        tables = _judgement_tables_count(review, stage)
        cache.set(key, tables, AGREEMENT_SECONDS)
    return tables


def _judgement_tables_count(review: Review, stage: str) -> list[tuple[tuple[str, str], JudgementTable]]:
    sql = _AGREEMENT_SQL.format(
        advance=", ".join(["%s"] * len(ADVANCE)),
        decision=Decision._meta.db_table,
        vote=ConflictVote._meta.db_table,
        record=Record._meta.db_table,
        user=get_user_model()._meta.db_table,
    )
    # Records that went to the lead count with the votes as first cast in the conflict (ConflictVote);
    # the rest with the decisions as they stand.
    parameters = [*sorted(ADVANCE), review.pk, stage, False]
    with connection.cursor() as cursor:
        cursor.execute(sql, parameters + parameters)
        rows = cursor.fetchall()
    return [((first, second), JudgementTable(*(int(n) for n in counts))) for first, second, *counts in rows]


def screening_agreement(*, review: Review, stage: str) -> list[tuple[tuple[str, str], Agreement]]:
    """Agreement per pair of reviewers over the records both decided at this stage."""
    return [(names, table_agreement(table)) for names, table in _judgement_tables(review, stage)]


def screening_agreement_combined(*, review: Review, stage: str) -> Agreement:
    """Agreement over every record two reviewers decided, whichever two they were."""
    return table_agreement(sum((table for _, table in _judgement_tables(review, stage)), JudgementTable()))


def full_text_for(*, record_id: int) -> FullText | None:
    return FullText.objects.filter(record_id=record_id).first()


def full_texts_for(*, record_ids: list[int]) -> dict[int, FullText]:
    return {full_text.record_id: full_text for full_text in FullText.objects.filter(record_id__in=record_ids)}


def stage_from_slug(slug: str) -> str | None:
    return {value: key for key, value in STAGE_SLUGS.items()}.get(slug)


def full_texts_not_retrievable(*, review: Review) -> QuerySet[FullText]:
    """Records settled as not retrievable at full text, the ones the lead has not confirmed first."""
    return (
        FullText.objects.filter(
            review=review,
            is_not_retrievable=True,
            record__stages__stage=Stage.FULL_TEXT,
            record__stages__status=RecordStage.Status.NOT_RETRIEVABLE,
            record__stages__is_active=True,
        )
        .select_related("record", "updated_by", "not_retrievable_confirmed_by")
        .order_by("not_retrievable_confirmed_at", "-updated_at")
    )


def decisions_without_full_text(*, review: Review) -> QuerySet[Decision]:
    """Includes at full text made without a PDF, with the reason each reviewer gave (for the lead)."""
    return (
        Decision.objects.filter(review=review, stage=Stage.FULL_TEXT, choice="include")
        .exclude(without_full_text="")
        .select_related("record", "reviewer")
        .order_by("record_id", "reviewer__username")
    )


# --- Relevance ranking, as it was used ---------------------------------------------------------------------


def screening_ranking_periods(*, review: Review) -> list[tuple[datetime, datetime | None]]:
    """When relevance ranking was on, from the history of its setting: (turned on, turned off or None while
    it is on), earliest first. The history, not today's setting, is what a methods section must report."""
    events = (
        AuditEvent.objects.filter(review=review, action="screening.ranking")
        .order_by("created_at", "pk")
        .values_list("created_at", "before", "after")
    )
    periods: list[tuple[datetime, datetime | None]] = []
    started: datetime | None = None
    for at, before, after in events:
        was_on, is_on = bool((before or {}).get("is_enabled")), bool((after or {}).get("is_enabled"))
        if is_on and not was_on:
            started = at
        elif was_on and not is_on and started is not None:
            periods.append((started, at))
            started = None
    if started is not None:
        periods.append((started, None))
    return periods


def screening_decision_span(*, review: Review, stage: str) -> tuple[datetime | None, datetime | None]:
    """The first and the last decision at a stage (None, None before any)."""
    span = Decision.objects.filter(review=review, stage=stage).aggregate(
        first=Min("created_at"), last=Max("created_at")
    )
    return span["first"], span["last"]


def screening_last_stop(*, review: Review) -> AuditEvent | None:
    """The latest stop of title/abstract screening (its history entry holds the stopping test's figures)."""
    return (
        AuditEvent.objects.filter(review=review, action="screening.stop")
        .order_by("-created_at", "-pk")
        .first()
    )


def screening_stopped(*, review: Review) -> AuditEvent | None:
    """The stop that set aside the records now set aside, if any are."""
    set_aside = RecordStage.objects.filter(
        review=review, stage=Stage.TITLE_ABSTRACT, status=RecordStage.Status.SET_ASIDE, is_active=True
    )
    return screening_last_stop(review=review) if set_aside.exists() else None
