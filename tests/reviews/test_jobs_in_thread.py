"""Without a broker, an import job runs on a thread of the web process: the upload returns at once."""

from __future__ import annotations

import threading

import pytest

import reviews.services.imports as imports
import reviews.tasks as tasks
from reviews.jobs import jobs_wait_idle
from reviews.models import ImportBatch, Record
from reviews.services.imports import import_batch_create
from tests.reviews.importing import FIXTURES, upload


def _wait_until_finished(batch: ImportBatch, seconds: float = 30) -> ImportBatch:
    # Wait on the job thread, not by reading the batch: SQLite's in-memory test database locks whole
    # tables, so a read while the job writes would fail (a file database in WAL mode does not).
    assert jobs_wait_idle(seconds), f"the job thread was still busy after {seconds} s"
    batch.refresh_from_db()
    return batch


@pytest.mark.django_db(transaction=True)
def test_the_upload_returns_while_the_job_runs_on_a_thread(review, owner, settings, monkeypatch):
    settings.TANDEM_JOBS_IN_THREAD = True
    may_run = threading.Event()
    ran_on = []
    real_run = imports.import_batch_run

    def held_run(*, batch_id):
        ran_on.append(threading.current_thread())
        assert may_run.wait(10)
        return real_run(batch_id=batch_id)

    monkeypatch.setattr(tasks, "import_batch_run", held_run)  # the name the job calls

    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase"
    )

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PENDING  # the job is still held: the caller did not wait
    may_run.set()
    batch = _wait_until_finished(batch)
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert ran_on and ran_on[0] is not threading.current_thread()
    assert Record.objects.filter(review=review).count() == 3


@pytest.mark.django_db(transaction=True)
def test_a_failing_job_on_a_thread_marks_its_batch_failed(review, owner, settings):
    settings.TANDEM_JOBS_IN_THREAD = True
    truncated = b"TY  - JOUR\nTI  - A title without its end\n"
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("cut.ris", truncated), source_name="Embase"
    )
    batch = _wait_until_finished(batch)
    assert batch.status == ImportBatch.Status.FAILED
    assert "cut.ris" in batch.error
    assert not Record.objects.filter(review=review).exists()


@pytest.mark.django_db
def test_a_batch_whose_thread_was_cut_short_by_a_restart_can_be_queued_again(review, owner, settings):
    from datetime import timedelta

    from django.utils import timezone

    from reviews import jobs
    from reviews.services.imports import IMPORT_THREAD_START_SECONDS, import_batch_is_stalled
    from reviews.tasks import import_batch_process

    settings.TANDEM_JOBS_IN_THREAD = True
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase", enqueue=False
    )
    assert not import_batch_is_stalled(batch)  # just uploaded: its thread may not have started yet

    batch.created_at = timezone.now() - timedelta(seconds=IMPORT_THREAD_START_SECONDS + 1)
    assert import_batch_is_stalled(batch)  # no thread of this process runs it: a restart cut it short

    jobs._pending.add((import_batch_process.name, (batch.pk,)))
    try:
        assert not import_batch_is_stalled(batch)  # a thread is on it
    finally:
        jobs._pending.discard((import_batch_process.name, (batch.pk,)))


@pytest.mark.django_db(transaction=True)
def test_files_uploaded_together_are_imported_in_turn_and_deduplicated_against_each_other(
    review, owner, settings, monkeypatch
):
    settings.TANDEM_JOBS_IN_THREAD = True
    may_run = threading.Event()
    real_run = imports.import_batch_run

    def held_run(*, batch_id):
        assert may_run.wait(10)  # until both files are uploaded, as when they come in one form
        return real_run(batch_id=batch_id)

    monkeypatch.setattr(tasks, "import_batch_run", held_run)  # the name the job calls
    # The same three studies exported by two databases: imported one after the other, so the second
    # file's records merge into the first's.
    first = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase"
    )
    copy = (FIXTURES / "three.ris").read_bytes().replace(b"ER  -", b"N1  - copy\nER  -")
    second = import_batch_create(
        actor=owner, review=review, uploaded=upload("copy.ris", copy), source_name="Scopus"
    )
    may_run.set()
    first, second = _wait_until_finished(first), _wait_until_finished(second)
    assert first.status == second.status == ImportBatch.Status.DONE, (first.error, second.error)
    assert second.auto_merged == 3
    assert Record.objects.filter(review=review, merged_into__isnull=True).count() == 3


def test_the_page_hears_how_many_records_have_been_read_while_a_file_is_parsed(review, owner, monkeypatch):
    from reviews.parsers.base import PROGRESS_EVERY
    from tests.reviews.importing import import_file
    from tests.screening.helpers import ris_records

    reported = []
    real_progress_set = imports.import_progress_set
    monkeypatch.setattr(
        imports,
        "import_progress_set",
        lambda batch_id, stage, done=0, total=0: (
            reported.append((stage, done, total)),
            real_progress_set(batch_id, stage, done, total),
        ),
    )
    batch = import_file(review, owner, "big.ris", ris_records(2 * PROGRESS_EVERY + 5))
    assert batch.status == ImportBatch.Status.DONE, batch.error
    reading = [entry for entry in reported if entry[0] == "reading"]
    assert reading == [("reading", 0, 0), ("reading", PROGRESS_EVERY, 0), ("reading", 2 * PROGRESS_EVERY, 0)]
