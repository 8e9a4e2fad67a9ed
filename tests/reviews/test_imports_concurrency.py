"""Two workers importing two files of one review at the same moment (PostgreSQL)."""

from __future__ import annotations

import threading
from contextlib import contextmanager

import pytest
from django.db import connection, connections

import reviews.services.imports as imports
from reviews.errors import ReviewRuleError
from reviews.models import DuplicatePair, ImportBatch, Merge, Record, Review, SourceRecord
from reviews.services import duplicates
from reviews.services.imports import import_batch_create, import_batch_run
from reviews.services.locks import IMPORT_RUNNING
from reviews.services.records import import_batch_delete, record_edit, record_remove
from tests.factories import review_with_team
from tests.reviews.importing import import_file, upload
from tests.screening.helpers import ris_records

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent workers need PostgreSQL"),
]
ROUNDS = 3
STUDIES = 400


def _run_at_once(batch_ids):
    barrier = threading.Barrier(len(batch_ids))
    errors = []

    def run(batch_id):
        try:
            barrier.wait()
            import_batch_run(batch_id=batch_id)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(batch_id,)) for batch_id in batch_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.django_db(transaction=True)
def test_two_files_imported_at_once_are_deduplicated_against_each_other(owner):
    studies = ris_records(STUDIES)
    for round_number in range(ROUNDS):
        review = review_with_team(slug=f"at-once-{round_number}", team={"owner": owner})
        # The same studies from two databases (a note makes each file distinct, so neither is refused).
        batches = [
            import_batch_create(
                actor=owner,
                review=review,
                uploaded=upload(f"{name}.ris", studies.replace(b"ER  -", f"N1  - {name}\nER  -".encode())),
                source_name=name,
                enqueue=False,
            )
            for name in ("Embase", "Scopus")
        ]
        assert _run_at_once([batch.pk for batch in batches]) == []
        for batch in batches:
            batch.refresh_from_db()
            assert batch.status == ImportBatch.Status.DONE, batch.error
        # Whichever ran second merged every record into the first's.
        assert sorted(batch.auto_merged for batch in batches) == [0, STUDIES]
        assert Record.objects.filter(review=review, merged_into__isnull=True).count() == STUDIES


@contextmanager
def _import_held_mid_write(review, owner, monkeypatch):
    """An import of a few records, stopped inside its transaction (its locks held) while the block runs."""
    holding, release = threading.Event(), threading.Event()
    real_progress_set = imports.import_progress_set

    def progress_set_then_hold(batch_id, stage, done=0, total=0):
        real_progress_set(batch_id, stage, done, total)
        if stage == "writing" and done == 0:
            holding.set()
            release.wait(10)

    monkeypatch.setattr(imports, "import_progress_set", progress_set_then_hold)
    batch = import_batch_create(
        actor=owner,
        review=review,
        uploaded=upload("more.ris", ris_records(5)),
        source_name="CINAHL",
        enqueue=False,
    )
    job = threading.Thread(target=lambda: (import_batch_run(batch_id=batch.pk), connections.close_all()))
    job.start()
    try:
        assert holding.wait(10)
        yield
    finally:
        release.set()
        job.join()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE, batch.error


@pytest.mark.django_db(transaction=True)
def test_the_review_can_change_while_an_import_runs(review, owner, monkeypatch):
    with _import_held_mid_write(review, owner, monkeypatch):
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '2s'")  # fail, not hang, if the import held the review row
        Review.objects.filter(pk=review.pk).update(title="Renamed while importing")
    assert Review.objects.get(pk=review.pk).title == "Renamed while importing"


@pytest.mark.django_db(transaction=True)
def test_the_reviews_records_cannot_change_while_an_import_runs(review, owner, monkeypatch):
    first = import_file(review, owner, "three.ris", source="Embase")
    import_file(review, owner, "two.nbib", source="PubMed")  # merges one record into Embase's
    merge = Merge.objects.get(review=review)
    sources = list(SourceRecord.objects.filter(review=review, batch=first).order_by("pk"))
    pair = DuplicatePair.objects.create(review=review, source_a=sources[1], source_b=sources[2], score=0.5)
    record = sources[1].record

    with _import_held_mid_write(review, owner, monkeypatch):
        for change in (
            lambda: duplicates.duplicate_pair_mark_same(actor=owner, pair=pair),
            lambda: duplicates.duplicate_pair_mark_different(actor=owner, pair=pair),
            lambda: duplicates.merge_undo(actor=owner, merge=merge),
            lambda: import_batch_delete(actor=owner, batch=first),
            lambda: record_edit(actor=owner, record=record, title="Edited while importing"),
            lambda: record_remove(actor=owner, record=record, reason="not a study"),
        ):
            with pytest.raises(ReviewRuleError, match=IMPORT_RUNNING):
                change()
    # Once the import is in, the same change goes through.
    duplicates.duplicate_pair_mark_different(actor=owner, pair=pair)
    assert DuplicatePair.objects.get(pk=pair.pk).status == DuplicatePair.Status.DIFFERENT


@pytest.mark.django_db(transaction=True)
def test_a_large_import_leaves_the_planner_knowing_the_tables_new_size(review, owner):
    from reviews.services.imports import STATISTICS_REFRESH_RECORDS
    from tests.reviews.importing import import_file

    def estimated_rows(table: str) -> float:
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
            return cursor.fetchone()[0]

    import_file(review, owner, "small.ris", ris_records(STATISTICS_REFRESH_RECORDS - 1), source="Embase")
    assert estimated_rows("reviews_record") < STATISTICS_REFRESH_RECORDS - 1  # not refreshed for a small file
    import_file(
        review, owner, "large.ris", ris_records(2 * STATISTICS_REFRESH_RECORDS, "Large"), source="CINAHL"
    )
    total = Record.objects.filter(review=review).count()
    assert estimated_rows("reviews_record") >= 0.9 * total
    assert estimated_rows("reviews_sourcerecord") >= 0.9 * total
