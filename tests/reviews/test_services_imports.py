import pytest
from django.db import connection

from reviews.models import AuditEvent, ImportBatch, Merge, Record, SourceRecord
from reviews.services import imports as import_services
from reviews.services.imports import MAX_ATTEMPTS, ImportRefused, import_batch_create, import_batch_run
from tests.reviews.importing import import_file, upload


def test_it_imports_every_record_with_its_raw_fields(review, owner):
    batch = import_file(review, owner, "three.ris", source="Embase")
    assert batch.status == ImportBatch.Status.DONE, batch.error
    assert (batch.format, batch.records_count) == ("ris", 3)
    sources = list(SourceRecord.objects.filter(batch=batch).order_by("position"))
    first = sources[0]
    assert first.title.startswith("Barriers to physical activity")
    assert first.authors == ["Smith, Jane", "Jones, Peter"]
    assert first.doi == "10.1186/s12889-019-0001-1"
    assert first.source_record_id == "101"
    assert first.raw["DO"] == ["https://doi.org/10.1186/S12889-019-0001-1"]
    assert first.record.title == first.title and first.record.search_text.startswith("barriers")
    assert [s.position for s in sources] == [1, 2, 3]
    assert set(AuditEvent.objects.filter(review=review).values_list("action", flat=True)) >= {
        "import.upload",
        "import.done",
    }


def test_the_abstract_is_stored_once_and_every_raw_field_comes_back_as_the_file_gave_it(review, owner):
    from reviews.parsers import parse_export
    from tests.reviews.importing import FIXTURES

    batch = import_file(review, owner, "three.ris", source="Embase")
    parsed = parse_export((FIXTURES / "three.ris").read_bytes(), filename="three.ris").records
    for source, record in zip(
        SourceRecord.objects.filter(batch=batch).order_by("position"), parsed, strict=True
    ):
        assert source.raw_fields == record.raw
        if record.abstract:
            # Stored as null where the abstract column already holds it word for word.
            assert source.raw["AB"] is None and source.abstract == record.abstract


def test_the_upload_queues_the_job_after_commit(review, owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        batch = import_batch_create(
            actor=owner, review=review, uploaded=upload("three.ris"), source_name="Embase"
        )
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE
    assert Record.objects.filter(review=review).count() == 3


def test_duplicates_across_databases_merge_into_one_study(review, owner):
    import_file(review, owner, "three.ris", source="Embase")
    pubmed = import_file(review, owner, "two.nbib", source="PubMed")
    assert pubmed.auto_merged == 1
    active = Record.objects.filter(review=review, merged_into__isnull=True)
    assert active.count() == 4
    merged = active.get(doi="10.1186/s12889-019-0001-1")
    assert sorted(merged.sources.values_list("batch__source_name", flat=True)) == ["Embase", "PubMed"]
    merge = Merge.objects.get(target=merged)
    assert merge.kind == Merge.Kind.AUTOMATIC and len(merge.moves) == 1
    # The older record wins, so decisions already made on it stay with the study.
    assert merged.pk == SourceRecord.objects.get(batch__source_name="Embase", position=1).home_record_id


def test_a_freshly_started_worker_reads_the_stored_normalised_records(review, owner, monkeypatch):
    """A new process holds no normalised records: it restores them from what the import stored, reads no
    record's fields, and finds the same duplicates as the worker that imported the first file."""
    from reviews.dedup import dedup_record_from
    from reviews.dedup.records import Prepared, prepared_state
    from reviews.services import duplicates

    import_file(review, owner, "three.ris", source="Embase")
    for source in SourceRecord.objects.filter(review=review):
        assert source.dedup_state == prepared_state(Prepared(0, dedup_record_from(source, key=source.pk)))
    duplicates.dedup_cache_forget()
    asked = []
    fetch = duplicates._dedup_records_fetch
    monkeypatch.setattr(
        duplicates,
        "_dedup_records_fetch",
        lambda review, ids, **kw: asked.extend(ids) or fetch(review, ids, **kw),
    )
    pubmed = import_file(review, owner, "two.nbib", source="PubMed")
    assert asked == []
    assert pubmed.auto_merged == 1
    merged = Record.objects.get(review=review, merged_into__isnull=True, doi="10.1186/s12889-019-0001-1")
    assert merged.sources.count() == 2


def test_records_stored_without_a_normalised_form_are_normalised_from_their_fields(review, owner):
    """Records imported before the form was stored (or by another version) still take part."""
    from reviews.services import duplicates

    import_file(review, owner, "three.ris", source="Embase")
    SourceRecord.objects.filter(review=review).update(dedup_state="")
    duplicates.dedup_cache_forget()
    assert import_file(review, owner, "two.nbib", source="PubMed").auto_merged == 1


def test_the_job_runs_with_the_cyclic_collector_paused_and_puts_it_back(review, owner, monkeypatch):
    import gc

    seen = []
    run = import_services._import_batch_run_locked
    monkeypatch.setattr(
        import_services,
        "_import_batch_run_locked",
        lambda batch_id, started: seen.append(gc.isenabled()) or run(batch_id, started),
    )
    assert import_file(review, owner, "three.ris", source="Embase").status == ImportBatch.Status.DONE
    assert seen == [False] and gc.isenabled()


def test_the_same_file_twice_is_refused_naming_the_earlier_batch(review, owner):
    first = import_file(review, owner, "three.ris")
    with pytest.raises(ImportRefused, match=rf"same file as batch {first.pk} \(“three.ris”, MEDLINE"):
        import_file(review, owner, "three.ris")
    assert ImportBatch.objects.filter(review=review).count() == 1


def test_a_truncated_file_fails_naming_the_line_and_writes_nothing(review, owner):
    content = b"TY  - JOUR\nTI  - One\nER  - \n\nTY  - JOUR\nTI  - Two, cut off\n"
    batch = import_file(review, owner, "cut.ris", content)
    assert batch.status == ImportBatch.Status.FAILED
    assert "cut.ris" in batch.error and "line 5" in batch.error
    assert not SourceRecord.objects.filter(review=review).exists()
    assert AuditEvent.objects.filter(action="import.fail", object_id=str(batch.pk)).exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.ris", b"", "is empty"),
        ("huge.ris", b"TY  - JOUR\nER  - \n", "largest file"),
    ],
)
def test_uploads_that_cannot_be_imported_are_refused_at_once(review, owner, settings, name, content, message):
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(ImportRefused, match=message):
        import_file(review, owner, name, content)
    assert not ImportBatch.objects.exists()


def test_a_failure_inside_the_transaction_leaves_zero_records(review, owner, monkeypatch):
    real_write = import_services.records_write

    def write_then_fail(**kwargs):
        real_write(**kwargs)
        assert SourceRecord.objects.filter(batch=kwargs["batch"]).count() == 3  # written, not yet committed
        raise RuntimeError("worker lost its disk")

    monkeypatch.setattr(import_services, "records_write", write_then_fail)
    batch = import_file(review, owner, "three.ris")
    assert batch.status == ImportBatch.Status.FAILED
    assert (
        "unexpected error (RuntimeError)" in batch.error
        and "Nothing from this file was written" in batch.error
    )
    assert not SourceRecord.objects.exists() and not Record.objects.exists()


def test_running_the_job_twice_imports_once(review, owner):
    batch = import_file(review, owner, "three.ris")
    again = import_batch_run(batch_id=batch.pk)
    assert again.status == ImportBatch.Status.DONE and again.attempts == 1
    assert SourceRecord.objects.filter(batch=batch).count() == 3


def test_a_file_that_keeps_killing_the_worker_stops_after_three_attempts(review, owner):
    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="MEDLINE", enqueue=False
    )
    # A killed worker leaves its attempt counted and the batch waiting; simulate three such deaths.
    ImportBatch.objects.filter(pk=batch.pk).update(attempts=MAX_ATTEMPTS)
    batch = import_batch_run(batch_id=batch.pk)
    assert batch.status == ImportBatch.Status.FAILED
    assert "stopped 3 times" in batch.error
    assert not SourceRecord.objects.exists()


def test_after_a_failure_the_same_file_may_be_uploaded_again(review, owner, monkeypatch):
    monkeypatch.setattr(import_services, "records_write", lambda **kwargs: 1 / 0)
    assert import_file(review, owner, "three.ris").status == ImportBatch.Status.FAILED
    monkeypatch.undo()
    assert import_file(review, owner, "three.ris").status == ImportBatch.Status.DONE


def test_values_longer_than_their_column_are_cut_but_kept_whole_in_the_raw_fields(review, owner):
    content = ("TY  - JOUR\nTI  - Long volume\nVL  - " + "9" * 100 + "\nDO  - 10.1/x\nER  - \n").encode()
    batch = import_file(review, owner, "odd.ris", content)
    assert batch.status == ImportBatch.Status.DONE, batch.error
    source = SourceRecord.objects.get(batch=batch)
    assert len(source.volume) == 60
    assert source.raw["VL"] == ["9" * 100]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is the PostgreSQL path")
def test_postgresql_writes_with_copy(review, owner, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        batch = import_file(review, owner, "three.ris")
    assert batch.records_count == 3


def test_a_batch_whose_job_never_ran_can_be_queued_again(review, owner, django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from reviews.services.imports import import_batch_is_stalled, import_batch_retry

    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="X", enqueue=False
    )
    assert not import_batch_is_stalled(batch)
    assert import_batch_retry(actor=owner, batch=batch) is False  # nothing to retry yet
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    batch.refresh_from_db()
    assert import_batch_is_stalled(batch)
    with django_capture_on_commit_callbacks(execute=True):
        import_batch_retry(actor=owner, batch=batch)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and SourceRecord.objects.filter(batch=batch).count() == 3
    assert AuditEvent.objects.filter(action="import.retry", object_id=str(batch.pk)).exists()
