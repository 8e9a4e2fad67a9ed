"""Changes people make to records and batches by hand: edit, remove, restore, delete a batch."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from lib.collector import cyclic_gc_paused
from reviews.errors import ReviewRuleError
from reviews.models import ImportBatch, Merge, Record, SourceRecord
from reviews.services.audit import audit_record
from reviews.services.display import DISPLAY_FIELDS, records_refresh_display, search_text
from reviews.services.duplicates import (
    dedup_cache_forget,
    dedup_cannot_links,
    dedup_find,
    dedup_must_links,
    dedup_records_for_review,
    records_merge,
)
from reviews.services.imports import import_batch_is_stalled
from reviews.services.lifecycle import records_changed, records_started
from reviews.services.locks import review_records_lock

RECORD_EDITABLE_FIELDS = (
    "title",
    "abstract",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
)
BATCH_STILL_RUNNING = "This file is still being imported; wait until it has finished."
BATCH_SCREENING_STARTED = (
    "Screening has started on {count} record(s) from this file, so it cannot be deleted. "
    "Remove single records instead."
)
# What the Import page says instead of offering Delete: it knows that screening has started there, not on
# how many records (selectors.import_batches_started).
BATCH_SCREENING_STARTED_KEPT = (
    "Screening has started on records from this file, so it cannot be deleted. Remove single records instead."
)


def _record_values(record: Record, fields=RECORD_EDITABLE_FIELDS) -> dict:
    return {name: getattr(record, name) for name in fields}


@transaction.atomic
def record_edit(*, actor: AbstractBaseUser, record: Record, **changes) -> Record:
    unknown = set(changes) - set(RECORD_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    review_records_lock(record.review_id, wait=False)
    record = Record.objects.select_for_update().get(pk=record.pk)
    before = _record_values(record, changes)
    for name, value in changes.items():
        setattr(record, name, value)
    after = _record_values(record, changes)
    if before == after:
        return record
    record.is_edited = True
    record.search_text = search_text({name: getattr(record, name) for name in DISPLAY_FIELDS})
    record.save(update_fields=[*changes, "is_edited", "search_text"])
    changed = [name for name in changes if before[name] != after[name]]
    audit_record(
        actor=actor,
        review=record.review,
        action="record.edit",
        target=record,
        before={name: before[name] for name in changed},
        after={name: after[name] for name in changed},
    )
    return record


@transaction.atomic
def record_remove(*, actor: AbstractBaseUser, record: Record, reason: str) -> Record:
    """Take a record out of the review (counted in PRISMA as removed for another reason)."""
    review_records_lock(record.review_id, wait=False)
    record = Record.objects.select_for_update().get(pk=record.pk)
    if record.is_removed:
        return record
    record.is_removed = True
    record.removed_reason = reason.strip()[:200]
    record.save(update_fields=["is_removed", "removed_reason"])
    records_changed(review_id=record.review_id, record_ids=[record.pk])
    audit_record(
        actor=actor, review=record.review, action="record.remove", target=record, after={"reason": reason}
    )
    return record


@transaction.atomic
def record_restore(*, actor: AbstractBaseUser, record: Record) -> Record:
    review_records_lock(record.review_id, wait=False)
    record = Record.objects.select_for_update().get(pk=record.pk)
    if not record.is_removed:
        return record
    before = {"reason": record.removed_reason}
    record.is_removed = False
    record.removed_reason = ""
    record.save(update_fields=["is_removed", "removed_reason"])
    records_changed(review_id=record.review_id, record_ids=[record.pk])
    audit_record(actor=actor, review=record.review, action="record.restore", target=record, before=before)
    return record


@transaction.atomic
def import_batch_delete(*, actor: AbstractBaseUser, batch: ImportBatch) -> None:
    """Delete a file's records; records it had merged with others go back to how they were imported."""
    review_records_lock(batch.review_id, wait=False)
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status == ImportBatch.Status.PENDING and not import_batch_is_stalled(batch):
        raise ReviewRuleError(BATCH_STILL_RUNNING)
    ours = SourceRecord.objects.filter(batch=batch)
    affected = set(ours.values_list("record_id", flat=True))
    started = records_started(record_ids=affected)
    if started:
        raise ReviewRuleError(BATCH_SCREENING_STARTED.format(count=len(started)))
    others = SourceRecord.objects.filter(record_id__in=affected).exclude(batch=batch)
    returning = list(others.values_list("id", "home_record_id"))
    others.update(record_id=F("home_record_id"))
    homes = {home for _, home in returning}
    Record.objects.filter(pk__in=homes).update(merged_into=None)
    records_changed(review_id=batch.review_id, record_ids=homes)
    Merge.objects.filter(target_id__in=homes).delete()
    own_homes = list(ours.values_list("home_record_id", flat=True))
    Merge.objects.filter(target_id__in=own_homes).delete()
    counts = {"records": ours.count(), "file": batch.original_filename, "source": batch.source_name}
    ours.delete()
    Record.objects.filter(pk__in=own_homes).delete()
    _regroup(batch.review, [source_id for source_id, _ in returning])
    records_refresh_display(record_ids=homes)
    audit_record(actor=actor, review=batch.review, action="import.delete", target=batch, before=counts)
    stored_name = batch.file.name
    batch.delete()
    transaction.on_commit(dedup_cache_forget)
    transaction.on_commit(lambda: batch.file.storage.delete(stored_name))


def _regroup(review, source_ids: list[int]) -> None:
    """Records set free by a deleted batch may still be duplicates of each other or of others."""
    if not source_ids:
        return
    with cyclic_gc_paused():  # every record of the review normalised, as in an import
        dedup_records, record_of = dedup_records_for_review(review)
        result = dedup_find(
            review,
            dedup_records,
            cannot_link=dedup_cannot_links(review),
            must_link=dedup_must_links(record_of),
            only_involving=set(source_ids),
        )
    for group in result.groups:
        record_ids = sorted({record_of[key] for key in group})
        if len(record_ids) > 1:
            records = list(Record.objects.filter(pk__in=record_ids).order_by("pk"))
            records_merge(actor=None, target=records[0], absorbed=records[1:], kind=Merge.Kind.AUTOMATIC)
            for key in group:
                record_of[key] = record_ids[0]
