"""Import of search exports: upload, then a job that parses, writes and deduplicates all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
import time
from dataclasses import dataclass

import psycopg
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from lib.collector import cyclic_gc_paused
from reviews.errors import ReviewRuleError
from reviews.jobs import job_enqueue, job_is_pending_here
from reviews.models import ImportBatch, Record, Review, SourceRecord
from reviews.parsers import FORMATS, ImportFormatError, parse_export
from reviews.parsers.base import ParseLimits, parse_limits, parse_progress
from reviews.services.audit import audit_record
from reviews.services.duplicates import dedup_cache_adopt, duplicates_plan_for_import
from reviews.services.lifecycle import lifecycle_tables, records_entered
from reviews.services.locks import review_records_lock
from reviews.services.record_writer import records_write

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
IMPORT_TASK = "reviews.tasks.import_batch_process"  # the job, by its registered name (reviews/tasks.py)
IMPORT_SAME_FILE = "{filename} is the same file as batch {batch} (“{earlier}”, {source}, imported {date}); it was not imported again."
IMPORT_TOO_LARGE = "{filename} is {size:.1f} MB; the largest file Tandem accepts is {limit} MB."
IMPORT_EMPTY = "{filename} is empty."
IMPORT_UNKNOWN_FORMAT = "{format!r} is not a format Tandem reads; choose one of {formats}."
IMPORT_NEEDS_SOURCE = "Name the database these records came from."
IMPORT_GAVE_UP = (
    "The import stopped {attempts} times without finishing (the worker may have run out of memory or been "
    "stopped); it was not tried again. Nothing from this file was written."
)
IMPORT_TIMED_OUT = (
    "The import took longer than the {seconds} s limit and was stopped. Nothing from this file was written."
)
IMPORT_CRASHED = "The import stopped with an unexpected error ({kind}). Nothing from this file was written."


class ImportRefused(ReviewRuleError):
    """An upload refused before any job starts; the message names the file."""


def _file_digest(uploaded: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def _check_upload(*, review: Review, uploaded: UploadedFile, source_name: str, requested_format: str) -> str:
    filename = uploaded.name or "the file"
    if not source_name.strip():
        raise ImportRefused(IMPORT_NEEDS_SOURCE)
    if requested_format and requested_format not in FORMATS:
        raise ImportRefused(IMPORT_UNKNOWN_FORMAT.format(format=requested_format, formats=", ".join(FORMATS)))
    if uploaded.size == 0:
        raise ImportRefused(IMPORT_EMPTY.format(filename=filename))
    if uploaded.size > settings.IMPORT_MAX_BYTES:
        raise ImportRefused(
            IMPORT_TOO_LARGE.format(
                filename=filename, size=uploaded.size / 1048576, limit=settings.IMPORT_MAX_BYTES // 1048576
            )
        )
    sha256 = _file_digest(uploaded)
    _check_not_imported_before(review=review, sha256=sha256, filename=filename)
    return sha256


def _check_not_imported_before(*, review: Review, sha256: str, filename: str) -> None:
    earlier = (
        ImportBatch.objects.filter(review=review, sha256=sha256)
        .exclude(status=ImportBatch.Status.FAILED)
        .first()
    )
    if earlier is not None:
        raise ImportRefused(
            IMPORT_SAME_FILE.format(
                filename=filename,
                batch=earlier.pk,
                earlier=earlier.original_filename,
                source=earlier.source_name,
                date=f"{earlier.created_at:%Y-%m-%d %H:%M} UTC",
            )
        )


def import_batch_create(
    *,
    actor: AbstractBaseUser | None,
    review: Review,
    uploaded: UploadedFile,
    source_name: str,
    requested_format: str = "",
    search_date: dt.date | None = None,
    search_string: str = "",
    enqueue: bool = True,
) -> ImportBatch:
    """Keep the file and queue the job that imports it (after this transaction commits).

    ``enqueue=False`` leaves the job to the caller, which runs ``import_batch_run`` itself.
    """
    sha256 = _check_upload(
        review=review, uploaded=uploaded, source_name=source_name, requested_format=requested_format
    )
    try:
        with transaction.atomic():
            batch = ImportBatch(
                review=review,
                source_name=source_name.strip(),
                search_date=search_date,
                search_string=search_string,
                original_filename=(uploaded.name or "upload")[:255],
                sha256=sha256,
                size_bytes=uploaded.size,
                requested_format=requested_format,
                created_by=actor,
            )
            batch.file.save("upload", uploaded, save=False)
            batch.save()
            audit_record(
                actor=actor,
                review=review,
                action="import.upload",
                target=batch,
                after={"file": batch.original_filename, "source": batch.source_name, "sha256": sha256},
            )
            if enqueue:
                transaction.on_commit(lambda: job_enqueue(IMPORT_TASK, batch.pk))
    except IntegrityError:
        # Two uploads of one file at the same moment: the constraint let only one through.
        _check_not_imported_before(review=review, sha256=sha256, filename=uploaded.name or "the file")
        raise
    return batch


# Without a broker the job starts on a thread as the upload commits; a batch still waiting after this long
# with no thread of this process on it was cut short by a restart.
IMPORT_THREAD_START_SECONDS = 30
# A running job renews its heartbeat this often; it counts as dead once settings.IMPORT_STALE_SECONDS pass
# without one (a worker killed with -9, a machine that went away).
IMPORT_HEARTBEAT_SECONDS = 5
# A job the task queue retries (a lost database connection) waits up to about 40 s first, and one queued
# again by hand needs time to reach a worker: neither counts as dead meanwhile.
IMPORT_RETRY_PATIENCE_SECONDS = 120


def import_heartbeat_key(batch_id: int) -> str:
    return f"tandem:import-heartbeat:{batch_id}"


def _heartbeat_set(batch_id: int, seconds: float) -> None:
    cache.set(import_heartbeat_key(batch_id), time.time(), timeout=max(1, round(seconds)))


class _Heartbeat:
    """While a job runs, a thread renews a short-lived cache key; when the process dies the key expires,
    which is how the Import page tells a dead job from a slow one (progress alone cannot: a killed job
    leaves its last progress behind)."""

    def __init__(self, batch_id: int) -> None:
        self.batch_id = batch_id
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"import {batch_id} heartbeat", daemon=True)

    def __enter__(self) -> _Heartbeat:
        _heartbeat_set(self.batch_id, settings.IMPORT_STALE_SECONDS)
        self._thread.start()
        return self

    def __exit__(self, exc_type, exc_value, traceback) -> None:
        self._stop.set()
        self._thread.join()
        if exc_type is not None and issubclass(exc_type, OperationalError):
            _heartbeat_set(self.batch_id, IMPORT_RETRY_PATIENCE_SECONDS)  # the task queue retries it

    def _beat(self) -> None:
        # Several beats fit in the time it takes to count as dead, so one slow write does not kill it.
        interval = min(IMPORT_HEARTBEAT_SECONDS, settings.IMPORT_STALE_SECONDS / 4)
        while not self._stop.wait(interval):
            try:
                _heartbeat_set(self.batch_id, settings.IMPORT_STALE_SECONDS)
            except Exception:  # a cache hiccup must not end the import; the next beat tries again
                logger.warning("import %s: heartbeat not written", self.batch_id, exc_info=True)


def import_batch_is_stalled(batch: ImportBatch) -> bool:
    """Pending with no live job behind it, so it may be queued again. A job that started beats a heartbeat
    while it runs: once that stops (its worker killed) the batch is stalled within IMPORT_STALE_SECONDS. A
    batch no job has started yet may only be waiting its turn behind other imports, so it counts as
    stalled (its message lost with the broker, or no worker running) only after far longer than any job
    may run; without a broker, once no thread of this process has it. Queueing it again is always safe:
    the job runs once, and the attempt counter still stops a file that keeps killing workers."""
    if batch.status != ImportBatch.Status.PENDING or cache.get(import_heartbeat_key(batch.pk)) is not None:
        return False
    if settings.TANDEM_JOBS_IN_THREAD:
        if job_is_pending_here(IMPORT_TASK, batch.pk):
            return False
        if batch.attempts:
            return True
        return (timezone.now() - batch.created_at).total_seconds() > IMPORT_THREAD_START_SECONDS
    if batch.attempts:
        return True
    return (timezone.now() - batch.created_at).total_seconds() > settings.CELERY_TASK_TIME_LIMIT + 60


def import_batch_was_interrupted(batch: ImportBatch) -> bool:
    """A stalled batch whose job had started: it was cut short, not lost before it began."""
    return batch.attempts > 0


@transaction.atomic
def import_batch_retry(*, actor: AbstractBaseUser, batch: ImportBatch) -> bool:
    """Queue a stalled batch again; False (and nothing done) when it is not stalled, which is what a
    second press of Try again finds: the first one's job is on its way."""
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if not import_batch_is_stalled(batch):
        return False
    audit_record(
        actor=actor,
        review=batch.review,
        action="import.retry",
        target=batch,
        after={"attempts": batch.attempts},
    )
    _heartbeat_set(batch.pk, IMPORT_RETRY_PATIENCE_SECONDS)
    transaction.on_commit(lambda: job_enqueue(IMPORT_TASK, batch.pk))
    return True


# --- The job -----------------------------------------------------------------------------------


def import_progress_key(batch_id: int) -> str:
    return f"tandem:import-progress:{batch_id}"


def import_progress_set(batch_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    # Progress lives in the cache, not the batch row: the row is locked by the job's transaction,
    # and nothing the job writes there is visible until it commits.
    cache.set(import_progress_key(batch_id), {"stage": stage, "done": done, "total": total}, timeout=3600)


def import_progress_get(batch_id: int) -> dict | None:
    return cache.get(import_progress_key(batch_id))


def _import_batch_claim(batch_id: int) -> bool:
    """Count this attempt; refuse once a file has stopped the job MAX_ATTEMPTS times."""
    # Compare-and-swap on the attempt counter: committed at once, so it survives a killed worker.
    batch = ImportBatch.objects.filter(pk=batch_id).values("status", "attempts").first()
    if batch is None or batch["status"] != ImportBatch.Status.PENDING:
        return False
    if batch["attempts"] >= MAX_ATTEMPTS:
        _import_batch_fail(batch_id, IMPORT_GAVE_UP.format(attempts=batch["attempts"]))
        return False
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status=ImportBatch.Status.PENDING, attempts=batch["attempts"]
    ).update(attempts=batch["attempts"] + 1)
    return claimed == 1


def _import_batch_fail(batch_id: int, reason: str) -> None:
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != ImportBatch.Status.PENDING:
            return
        batch.status = ImportBatch.Status.FAILED
        batch.error = reason
        batch.finished_at = timezone.now()
        batch.save(update_fields=["status", "error", "finished_at"])
        audit_record(
            actor=None, review=batch.review, action="import.fail", target=batch, after={"error": reason}
        )
    import_progress_set(batch_id, "failed")


@dataclass
class ImportOutcome:
    batch: ImportBatch
    records: int
    auto_merged: int
    possible_duplicates: int
    seconds: float


def import_batch_run(*, batch_id: int) -> ImportBatch:
    """Parse, write and deduplicate one batch in a single transaction. Safe to run twice."""
    with _Heartbeat(batch_id):
        if not _import_batch_claim(batch_id):
            return ImportBatch.objects.get(pk=batch_id)
        _import_batch_attempt(batch_id)
    import_failed_files_sweep()  # housekeeping rides on the jobs: no scheduler to run
    return ImportBatch.objects.get(pk=batch_id)


def _import_batch_attempt(batch_id: int) -> None:
    started = time.monotonic()
    try:
        with cyclic_gc_paused():  # a third of a large import's CPU went on the collector (lib/collector.py)
            _import_batch_run_locked(batch_id, started)
    except ImportFormatError as error:
        _import_batch_fail(batch_id, str(error))
    except SoftTimeLimitExceeded:
        _import_batch_fail(batch_id, IMPORT_TIMED_OUT.format(seconds=settings.CELERY_TASK_SOFT_TIME_LIMIT))
    except (OperationalError, psycopg.OperationalError) as error:
        # A lost connection or lock timeout: the transaction rolled back and the task retries. psycopg's
        # own error (raised by the COPY that writes the records, outside Django's cursor wrapper) is
        # passed on as Django's, which is what the task retries on; the broken connection is closed so
        # that the retry opens a new one.
        if not connection.in_atomic_block:
            connection.close()
        if isinstance(error, OperationalError):
            raise
        raise OperationalError(str(error)) from error
    except Exception as error:
        logger.exception("import of batch %s failed", batch_id)
        _import_batch_fail(batch_id, IMPORT_CRASHED.format(kind=error.__class__.__name__))


def import_failed_files_sweep(*, now: dt.datetime | None = None) -> int:
    """Remove the uploaded files of imports that failed more than FAILED_IMPORT_KEEP_DAYS ago; their rows,
    errors and history stay. How many files were removed."""
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.FAILED_IMPORT_KEEP_DAYS)
    expired = ImportBatch.objects.filter(status=ImportBatch.Status.FAILED, finished_at__lt=cutoff).exclude(
        file=""
    )
    removed = 0
    for batch in expired.only("pk", "file"):
        stored = batch.file.name
        # The row first: a file missing under a row is harmless, a row pointing at a deleted file is not.
        if ImportBatch.objects.filter(pk=batch.pk, file=stored).update(file=""):
            batch.file.storage.delete(stored)
            removed += 1
    return removed


class _Stopwatch:
    """Seconds per phase of the job, kept on the batch."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.monotonic()

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.timings[phase] = round(now - self._last, 3)
        self._last = now


def _imports_take_turns(batch_id: int) -> None:
    """Imports into one review run one at a time, each deduplicated against everything committed before
    it: two workers importing two files of one review at once would each miss the other's duplicates."""
    review_id = ImportBatch.objects.filter(pk=batch_id).values_list("review_id", flat=True).first()
    if review_id is not None:
        review_records_lock(review_id, wait=True)


def _import_batch_run_locked(batch_id: int, started: float) -> None:
    with transaction.atomic():
        _imports_take_turns(batch_id)
        # Lock the batch (not its review: settings may change meanwhile): a second delivery of the same
        # job waits here, then finds it done.
        batch = ImportBatch.objects.select_for_update(of=("self",)).select_related("review").get(pk=batch_id)
        if batch.status != ImportBatch.Status.PENDING:
            return
        watch = _Stopwatch()
        import_progress_set(batch_id, "reading")
        with batch.file.open("rb") as stored:
            data = stored.read()
        watch.lap("read")
        # Records read so far show on the page while a large file is parsed.
        reading = parse_progress.set(lambda done: import_progress_set(batch_id, "reading", done, 0))
        limited = parse_limits.set(
            ParseLimits(
                max_records=settings.IMPORT_MAX_RECORDS, max_expanded_bytes=settings.IMPORT_MAX_EXPANDED_BYTES
            )
        )
        try:
            result = parse_export(
                data, filename=batch.original_filename, format=batch.requested_format or None
            )
        finally:
            parse_progress.reset(reading)
            parse_limits.reset(limited)
        del data
        watch.lap("parse")
        total = len(result.records)
        import_progress_set(batch_id, "finding duplicates", total, total)
        plan = duplicates_plan_for_import(review=batch.review, batch=batch, parsed=result.records)
        watch.lap("deduplicate")
        import_progress_set(batch_id, "writing", 0, total)
        written = records_write(
            batch=batch,
            parsed=result.records,
            plan=plan,
            progress=lambda done: import_progress_set(batch_id, "writing", done, total),
        )
        records_entered(review=batch.review, record_ids=written.new_record_ids)
        # The next import compares with these records too: keep them normalised under their new ids.
        transaction.on_commit(lambda: dedup_cache_adopt(review=batch.review, source_ids=written.source_ids))
        watch.lap("write")
        _import_batch_finish(batch, result, plan, started, watch.timings)
    if batch.records_count >= STATISTICS_REFRESH_RECORDS:
        _table_statistics_refresh()
    import_progress_set(batch_id, "done", batch.records_count, batch.records_count)


# After an import this large the planner's idea of the tables' sizes is far off until autovacuum gets to
# them (up to a minute), and it then probes record by record: "Records from Embase" took 450 ms instead of
# 80 at 100,000 records. A sampled ANALYZE (a tenth of the usual sample) costs about 0.1 s there.
STATISTICS_REFRESH_RECORDS = 1000


def _table_statistics_refresh() -> None:
    if connection.vendor != "postgresql":
        return
    tables = ", ".join([Record._meta.db_table, SourceRecord._meta.db_table, *lifecycle_tables()])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL default_statistics_target = 10")
        cursor.execute(f"ANALYZE {tables}")


def _import_batch_finish(batch: ImportBatch, result, plan, started: float, timings: dict) -> None:
    batch.status = ImportBatch.Status.DONE
    batch.format = result.format
    batch.encoding = result.encoding
    batch.warnings = result.warnings[:50]
    batch.records_count = len(result.records)
    batch.auto_merged = plan.auto_merged
    batch.possible_duplicates = len(plan.possible_pairs)
    batch.seconds = round(time.monotonic() - started, 2)
    batch.timings = timings
    batch.finished_at = timezone.now()
    batch.error = ""
    batch.save()
    audit_record(
        actor=batch.created_by,
        review=batch.review,
        action="import.done",
        target=batch,
        after={
            "format": batch.format,
            "records": batch.records_count,
            "auto_merged": batch.auto_merged,
            "possible_duplicates": batch.possible_duplicates,
        },
    )
