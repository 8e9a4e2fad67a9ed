"""Queues: which records wait at which stage, kept in step with the core's records (``lifecycle``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, OuterRef

from reviews.models import Record, Review
from reviews.services.bulk import bulk_insert
from screening.models import RankingFeatures, RecordStage, Stage
from screening.rules import order_key


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
    progress_forget_on_commit([review.pk], [Stage.TITLE_ABSTRACT])
    # The ranking model reads every record: the new ones are read before its next retraining.
    RankingFeatures.objects.filter(review=review, is_stale=False).update(is_stale=True)


def screening_records_sync(*, review_id: int, record_ids: Iterable[int]) -> None:
    """Keep the stage rows of these records (all of one review) in step with whether the record is merged
    or removed."""
    record_ids = list(record_ids)
    if not record_ids:
        return
    active = Record.objects.filter(pk=OuterRef("record_id"), merged_into__isnull=True, is_removed=False)
    RecordStage.objects.filter(record_id__in=record_ids).update(is_active=Exists(active))
    progress_forget_on_commit([review_id])


def screening_stage_open(*, review: Review, record_ids: Iterable[int], stage: str) -> int:
    """Put records into a stage's queue (records already there are left as they are)."""
    rows = [
        RecordStage(
            review=review, record_id=record_id, stage=stage, order_key=order_key(review.pk, record_id)
        )
        for record_id in record_ids
    ]
    RecordStage.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    progress_forget_on_commit([review.pk], [stage])
    return len(rows)


def progress_forget_on_commit(review_ids: Iterable[int], stages: Iterable[str] = Stage.values) -> None:
    from screening.selectors import screening_progress_forget

    for review_id in set(review_ids):
        for stage in stages:
            transaction.on_commit(
                lambda review_id=review_id, stage=stage: screening_progress_forget(
                    review_id=review_id, stage=stage
                )
            )
