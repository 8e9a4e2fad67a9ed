"""Reads for screening."""

from __future__ import annotations

from collections import defaultdict

from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from reviews.models import Review
from screening.models import STAGE_SLUGS, Decision, FullText, RecordStage
from screening.rules import ADVANCE, Agreement, agreement


def screening_records_started(*, record_ids: set[int]) -> set[int]:
    """Records among these that anyone has screened: a decision, or a stage settled in any way."""
    decided = Decision.objects.filter(record_id__in=record_ids).values_list("record_id", flat=True)
    settled = RecordStage.objects.filter(Q(record_id__in=record_ids) & ~Q(status=RecordStage.Status.OPEN))
    return set(decided) | set(settled.values_list("record_id", flat=True))


def _active(queryset: QuerySet[RecordStage]) -> QuerySet[RecordStage]:
    # Records merged into another or removed by hand leave every queue and count.
    return queryset.filter(is_active=True)


def screening_queue(*, review: Review, reviewer: AbstractBaseUser, stage: str) -> QuerySet[RecordStage]:
    mine = Decision.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer)
    queue = _active(RecordStage.objects.filter(review=review, stage=stage, status=RecordStage.Status.OPEN))
    # The relevance ranking to come will order by rank first; until then, the review's fixed random order.
    return queue.exclude(Exists(mine)).order_by("order_key")


def screening_next(
    *, review: Review, reviewer: AbstractBaseUser, stage: str, after: int | None = None
) -> RecordStage | None:
    queue = screening_queue(review=review, reviewer=reviewer, stage=stage)
    if after is not None:
        queue = queue.exclude(record_id=after)
    return queue.select_related("record").first()


PROGRESS_SECONDS = 30


def _progress_key(review_id: int, reviewer_id: int, stage: str) -> str:
    return f"tandem:screening-progress:{review_id}:{stage}:{reviewer_id}"


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


def screening_progress_count(*, review: Review, reviewer: AbstractBaseUser, stage: str) -> dict[str, int]:
    done = Decision.objects.filter(review=review, stage=stage, reviewer=reviewer).count()
    open_rows = _active(
        RecordStage.objects.filter(review=review, stage=stage, status=RecordStage.Status.OPEN)
    )
    # Left = open records minus the open ones I already decided; the latter are only records waiting
    # for a second reviewer, a short list, so this stays fast at 100,000 records.
    mine = Decision.objects.filter(record=OuterRef("record_id"), stage=stage, reviewer=reviewer)
    decided_open = open_rows.filter(decision_count__gt=0).filter(Exists(mine)).count()
    left = open_rows.count() - decided_open
    return {"done": done, "left": left, "total": done + left}


def screening_record_stage(*, review: Review, record_id: int, stage: str) -> RecordStage | None:
    return (
        _active(RecordStage.objects.filter(review=review, record_id=record_id, stage=stage))
        .select_related("record")
        .first()
    )


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
    rows = (
        _active(RecordStage.objects.filter(review=review, stage=stage))
        .values("status")
        .annotate(n=Count("id"), decided=Count("id", filter=~Q(decision_count=0)))
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
    }


def _decision_pairs(review: Review, stage: str) -> dict[tuple[str, str], list[tuple[bool, bool]]]:
    """(advance?, advance?) per record both reviewers of a pair decided, grouped by the pair."""
    rows = (
        Decision.objects.filter(
            review=review, stage=stage, record__merged_into__isnull=True, record__is_removed=False
        )
        .order_by("record_id", "reviewer__username")
        .values_list("record_id", "reviewer__username", "choice")
    )
    by_record: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for record_id, username, choice in rows.iterator(chunk_size=5000):
        by_record[record_id].append((username, choice in ADVANCE))
    pairs: dict[tuple[str, str], list[tuple[bool, bool]]] = defaultdict(list)
    for decisions in by_record.values():
        if len(decisions) == 2:
            (first, a), (second, b) = decisions
            pairs[(first, second)].append((a, b))
    return pairs


def screening_agreement(*, review: Review, stage: str) -> list[tuple[tuple[str, str], Agreement]]:
    """Agreement per pair of reviewers over the records both decided at this stage."""
    return [(names, agreement(values)) for names, values in sorted(_decision_pairs(review, stage).items())]


def screening_agreement_combined(*, review: Review, stage: str) -> Agreement:
    """Agreement over every record two reviewers decided, whichever two they were."""
    return agreement([pair for values in _decision_pairs(review, stage).values() for pair in values])


def full_text_for(*, record_id: int) -> FullText | None:
    return FullText.objects.filter(record_id=record_id).first()


def stage_from_slug(slug: str) -> str | None:
    return {value: key for key, value in STAGE_SLUGS.items()}.get(slug)
