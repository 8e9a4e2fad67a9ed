"""Which files screening has started on: the Import page offers Delete only for the others."""

from __future__ import annotations

from reviews.models import ImportBatch, SourceRecord
from reviews.selectors import STARTED_SAMPLE_SIZE, import_batches_started
from tests.reviews.importing import import_file
from tests.screening.helpers import decide, ris_records


def _screen_record_at(review, reviewer, batch, position: int) -> None:
    decide(review, SourceRecord.objects.get(batch=batch, position=position).record, reviewer, "include")


def test_nothing_is_started_before_screening(review, owner):
    batches = [
        import_file(review, owner, "a.ris", ris_records(3)),
        import_file(review, owner, "b.ris", ris_records(2, prefix="Other"), source="Embase"),
    ]
    assert import_batches_started(batches=batches) == set()


def test_a_file_is_started_when_a_record_of_its_sample_is_screened(review, owner, reviewer):
    screened = import_file(review, owner, "a.ris", ris_records(3))
    untouched = import_file(review, owner, "b.ris", ris_records(2, prefix="Other"), source="Embase")
    _screen_record_at(review, reviewer, screened, 1)
    assert import_batches_started(batches=[screened, untouched]) == {screened.pk}


def test_a_screened_record_the_sample_misses_is_still_found(review, owner, reviewer):
    count = 3 * STARTED_SAMPLE_SIZE
    batch = import_file(review, owner, "big.ris", ris_records(count))
    # The sample takes every third record of this file from the first: the second is not among them.
    _screen_record_at(review, reviewer, batch, 2)
    assert import_batches_started(batches=[batch]) == {batch.pk}


def test_a_record_merged_from_two_files_keeps_both(review, owner, reviewer):
    first = import_file(review, owner, "a.ris", ris_records(2))
    second = import_file(review, owner, "again.ris", ris_records(3), source="Embase")
    assert SourceRecord.objects.get(batch=second, position=1).record_id == (
        SourceRecord.objects.get(batch=first, position=1).record_id
    )
    _screen_record_at(review, reviewer, first, 1)
    assert import_batches_started(batches=[first, second]) == {first.pk, second.pk}


def test_files_without_records_are_not_asked_about(review, owner, django_assert_num_queries):
    from reviews.services.imports import import_batch_create
    from tests.reviews.importing import upload

    waiting = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="X", enqueue=False
    )
    failed = ImportBatch(review=review, status=ImportBatch.Status.FAILED, records_count=0)
    with django_assert_num_queries(0):
        assert import_batches_started(batches=[waiting, failed]) == set()
