"""Reads for screening."""

from __future__ import annotations

from django.db.models import Q

from screening.models import Decision, RecordStage


def screening_records_started(*, record_ids: set[int]) -> set[int]:
    """Records among these that anyone has screened: a decision, or a stage settled in any way."""
    decided = Decision.objects.filter(record_id__in=record_ids).values_list("record_id", flat=True)
    settled = RecordStage.objects.filter(Q(record_id__in=record_ids) & ~Q(status=RecordStage.Status.OPEN))
    return set(decided) | set(settled.values_list("record_id", flat=True))
