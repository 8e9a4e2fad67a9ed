"""Relevance ranking of title/abstract queues: a model per reviewer, retrained in the background after their
decisions, orders the records they have not decided yet, likely includes first.

Blind-safe by construction: a reviewer's model learns from that reviewer's own decisions and from records
already settled (whose outcome every member sees), never from a colleague's pending vote. Until a reviewer
has at least one include (or maybe) and one exclude of their own, their queue keeps the review's random
order. The features (`lib.ranking`) are computed once per import, kept in a file every process shares, and
rebuilt when records have entered since.
"""

from __future__ import annotations

import io
import time

import numpy as np
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from lib import ranking
from reviews.errors import ReviewRuleError
from reviews.models import Record, Review
from reviews.services.audit import audit_record
from screening.models import (
    Choice,
    Decision,
    RankingFeatures,
    RankingSettings,
    RecordStage,
    ReviewerRanking,
    Stage,
)

# How much of each reviewer's order is kept: the next records to screen, best first. A retraining follows
# their decisions long before they could work through it; past its end the queue falls back to random order.
QUEUE_LENGTH = 2000
QUEUED_SECONDS = 600
RANKING_TARGET_INVALID = "The recall target is a percentage between 50 and 100."
RELEVANT = {Choice.INCLUDE, Choice.MAYBE}


def ranking_settings_of(review: Review) -> RankingSettings:
    return RankingSettings.objects.filter(review=review).first() or RankingSettings(review=review)


def ranking_is_enabled(review: Review) -> bool:
    return RankingSettings.objects.filter(review=review, is_enabled=True).exists()


@transaction.atomic
def ranking_settings_update(
    *, review: Review, actor: AbstractBaseUser, is_enabled: bool, recall_target: float
) -> RankingSettings:
    if not 0.5 <= recall_target <= 1:
        raise ReviewRuleError(RANKING_TARGET_INVALID)
    settings, _ = RankingSettings.objects.select_for_update().get_or_create(review=review)
    before = {"is_enabled": settings.is_enabled, "recall_target": settings.recall_target}
    settings.is_enabled, settings.recall_target, settings.updated_by = is_enabled, recall_target, actor
    settings.save()
    after = {"is_enabled": is_enabled, "recall_target": recall_target}
    if after != before:
        audit_record(
            actor=actor,
            review=review,
            action="screening.ranking",
            target=settings,
            before=before,
            after=after,
        )
    if is_enabled and not before["is_enabled"]:
        reviewers = Decision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT).values_list(
            "reviewer_id", flat=True
        )
        for reviewer_id in set(reviewers):
            _request(review.pk, reviewer_id)
    if not is_enabled:
        ReviewerRanking.objects.filter(review=review).delete()
    return settings


# --- Asking for a retraining -------------------------------------------------------------------------


RETRAIN_TASK = "screening.tasks.ranking_retrain_task"  # the job, by its registered name (screening/tasks.py)


def _queued_key(review_id: int, reviewer_id: int) -> str:
    return f"tandem:ranking-queued:{review_id}:{reviewer_id}"


def _request(review_id: int, reviewer_id: int) -> None:
    from reviews.jobs import job_enqueue

    # One retraining waits at a time per reviewer: decisions made meanwhile are in the data it reads when
    # it starts (it clears the key first), so a burst of decisions costs one or two retrainings, not one each.
    if cache.add(_queued_key(review_id, reviewer_id), 1, QUEUED_SECONDS):
        transaction.on_commit(lambda: job_enqueue(RETRAIN_TASK, review_id, reviewer_id))


def ranking_request(*, review: Review, reviewer: AbstractBaseUser, is_enabled: bool | None = None) -> None:
    """After a reviewer's title/abstract decision (in its transaction): retrain their model soon
    (``is_enabled``: whether ranking is on, when the caller has read it)."""
    if ranking_is_enabled(review) if is_enabled is None else is_enabled:
        _request(review.pk, reviewer.pk)


# --- Features ------------------------------------------------------------------------------------------


def _active_ids(review: Review) -> list[int]:
    return list(
        RecordStage.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, is_active=True)
        .order_by("record_id")
        .values_list("record_id", flat=True)
    )


def ranking_features_build(*, review: Review) -> tuple[list[int], ranking.Features]:
    started = time.monotonic()
    ids = _active_ids(review)
    texts = {
        pk: ranking.record_text(title, abstract, keywords)
        for pk, title, abstract, keywords in Record.objects.filter(pk__in=ids)
        .values_list("pk", "title", "abstract", "keywords")
        .iterator(chunk_size=5000)
    }
    features = ranking.features_fit([texts[pk] for pk in ids])
    buffer = io.BytesIO()
    np.savez(
        buffer,
        ids=np.asarray(ids, dtype=np.int64),
        features=np.frombuffer(ranking.features_dump(features), dtype=np.uint8),
    )
    stored, _ = RankingFeatures.objects.get_or_create(review=review)
    old = stored.file.name if stored.file else ""
    stored.file.save("features.npz", ContentFile(buffer.getvalue()), save=False)
    stored.records, stored.is_stale, stored.built_at = len(ids), False, timezone.now()
    stored.seconds = round(time.monotonic() - started, 2)
    stored.save()
    if old:
        stored.file.storage.delete(old)
    return ids, features


def _features(review: Review) -> tuple[list[int], ranking.Features]:
    stored = RankingFeatures.objects.filter(review=review).first()
    if stored is None or stored.is_stale or not stored.file:
        return ranking_features_build(review=review)
    try:
        with (
            stored.file.open("rb") as handle,
            np.load(io.BytesIO(handle.read()), allow_pickle=False) as arrays,
        ):
            return arrays["ids"].tolist(), ranking.features_load(arrays["features"].tobytes())
    except (OSError, ValueError, KeyError):  # a lost or damaged file is rebuilt, not fatal
        return ranking_features_build(review=review)


# --- Retraining ----------------------------------------------------------------------------------------


def _labels(review: Review, reviewer_id: int) -> tuple[dict[int, bool], int, int, int]:
    """What the reviewer's model may learn from: their own decisions, overruled by settled outcomes."""
    own = dict(
        Decision.objects.filter(
            review=review, stage=Stage.TITLE_ABSTRACT, reviewer_id=reviewer_id
        ).values_list("record_id", "choice")
    )
    labels = {record_id: choice in RELEVANT for record_id, choice in own.items()}
    own_relevant = sum(labels.values())
    own_irrelevant = len(labels) - own_relevant
    settled = RecordStage.objects.filter(
        review=review,
        stage=Stage.TITLE_ABSTRACT,
        is_active=True,
        status__in=(RecordStage.Status.INCLUDED, RecordStage.Status.EXCLUDED),
    ).values_list("record_id", "status")
    count = 0
    for record_id, status in settled:
        labels[record_id] = status == RecordStage.Status.INCLUDED
        count += 1
    return labels, own_relevant, own_irrelevant, count


def _candidates(review: Review, reviewer_id: int) -> set[int]:
    """The records this reviewer may still be served: open, active, not yet decided by them."""
    mine = Decision.objects.filter(review=review, stage=Stage.TITLE_ABSTRACT, reviewer_id=reviewer_id).values(
        "record_id"
    )
    return set(
        RecordStage.objects.filter(
            review=review, stage=Stage.TITLE_ABSTRACT, is_active=True, status=RecordStage.Status.OPEN
        )
        .exclude(record_id__in=mine)
        .values_list("record_id", flat=True)
    )


def ranking_retrain(*, review_id: int, reviewer_id: int) -> ReviewerRanking | None:
    """The job: train the reviewer's model and store the top of their queue (one row written)."""
    cache.delete(_queued_key(review_id, reviewer_id))
    review = Review.objects.filter(pk=review_id).first()
    if review is None or not ranking_is_enabled(review):
        return None
    started = time.monotonic()
    labels, own_relevant, own_irrelevant, settled = _labels(review, reviewer_id)
    if not own_relevant or not own_irrelevant:
        # Cold start: the random order until this reviewer has decided both ways.
        ReviewerRanking.objects.filter(review=review, reviewer_id=reviewer_id).delete()
        return None
    ids, features = _features(review)
    row_of = {record_id: row for row, record_id in enumerate(ids)}
    if any(record_id not in row_of for record_id in labels):
        ids, features = ranking_features_build(review=review)
        row_of = {record_id: row for row, record_id in enumerate(ids)}
    known = [(row_of[record_id], relevant) for record_id, relevant in labels.items() if record_id in row_of]
    scores = ranking.rank_scores(features, [row for row, _ in known], [relevant for _, relevant in known])
    candidates = _candidates(review, reviewer_id)
    rows = [row_of[record_id] for record_id in candidates if record_id in row_of]
    best = sorted(rows, key=lambda row: (-scores[row], ids[row]))[:QUEUE_LENGTH]
    queue, _ = ReviewerRanking.objects.update_or_create(
        review=review,
        reviewer_id=reviewer_id,
        defaults={
            "record_ids": [ids[row] for row in best],
            "own_relevant": own_relevant,
            "own_irrelevant": own_irrelevant,
            "settled": settled,
            "trained_at": timezone.now(),
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return queue
