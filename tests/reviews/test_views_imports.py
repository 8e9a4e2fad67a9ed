import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from reviews.models import DuplicatePair, ImportBatch, Record, SourceRecord
from reviews.services.records import BATCH_SCREENING_STARTED_KEPT
from tests.reviews.importing import FIXTURES, import_file
from tests.screening.helpers import decide, ris_records


def _upload_data(name="three.ris", source="Embase", content=None):
    data = {
        "files-TOTAL_FORMS": "3",
        "files-INITIAL_FORMS": "0",
        "files-MIN_NUM_FORMS": "0",
        "files-MAX_NUM_FORMS": "10",
        "files-0-file": SimpleUploadedFile(
            name, content if content is not None else (FIXTURES / name).read_bytes()
        ),
        "files-0-source_name": source,
        "files-0-requested_format": "",
    }
    return data


def test_an_owner_uploads_a_file_and_sees_it_imported(
    review, owner, client_for, django_capture_on_commit_callbacks
):
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviews:import_upload", args=[review.slug]), _upload_data())
    response = client.get(response["Location"])
    body = response.content.decode()
    assert "three.ris is being imported" in body
    batch = ImportBatch.objects.get(review=review)
    assert batch.status == ImportBatch.Status.DONE and batch.records_count == 3
    assert "Imported" in body and "Embase" in body


def test_a_file_without_a_database_name_is_refused(review, owner, client_for):
    response = client_for(owner).post(
        reverse("reviews:import_upload", args=[review.slug]), _upload_data(source="")
    )
    assert response.status_code == 400
    assert "Name the database this file came from." in response.content.decode()
    assert not ImportBatch.objects.exists()


def _input_tag(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)


def test_the_browser_asks_for_the_first_file_and_its_database_before_sending(review, owner, client_for):
    """A refused upload comes back with its file inputs empty, so the browser checks the first row first."""
    page = client_for(owner).get(reverse("reviews:imports", args=[review.slug])).content.decode()
    assert " required" in _input_tag(page, "files-0-file")
    assert " required" in _input_tag(page, "files-0-source_name")
    # The other rows may stay empty; the server checks those (the test above).
    assert " required" not in _input_tag(page, "files-1-file")
    assert " required" not in _input_tag(page, "files-1-source_name")
    assert re.search(
        r'for="id_files-1-source_name">Database</label> <abbr class="required" title="[^"]+">\*</abbr>', page
    )


def test_a_file_screening_has_started_on_says_why_instead_of_offering_delete(
    review, owner, reviewer, client_for
):
    screened = import_file(review, owner, "screened.ris", ris_records(3))
    untouched = import_file(review, owner, "later.ris", ris_records(2, prefix="Other"), source="Embase")
    decide(review, SourceRecord.objects.get(batch=screened, position=1).record, reviewer, "include")
    client = client_for(owner)
    page = client.get(reverse("reviews:imports", args=[review.slug])).content.decode()
    assert reverse("reviews:import_delete", args=[review.slug, screened.pk]) not in page
    assert reverse("reviews:import_delete", args=[review.slug, untouched.pk]) in page
    assert page.count(BATCH_SCREENING_STARTED_KEPT) == 1
    # The row a finished import's poll brings back says the same.
    row = client.get(
        reverse("reviews:import_progress", args=[review.slug, screened.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert BATCH_SCREENING_STARTED_KEPT in row and "import_delete" not in row and "/delete/" not in row
    # Delete is refused all the same when asked for.
    client.post(reverse("reviews:import_delete", args=[review.slug, screened.pk]))
    assert ImportBatch.objects.filter(pk=screened.pk).exists()


def test_a_bad_file_shows_why_it_failed(review, owner, client_for, django_capture_on_commit_callbacks):
    data = _upload_data(name="notes.ris", content=b"Dear colleague,\nplease find the results attached.\n")
    client = client_for(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviews:import_upload", args=[review.slug]), data)
    response = client.get(reverse("reviews:imports", args=[review.slug]))
    batch = ImportBatch.objects.get(review=review)
    assert batch.status == ImportBatch.Status.FAILED
    assert "notes.ris" in batch.error
    assert batch.error in response.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def test_a_reviewer_cannot_upload(review, reviewer, client_for):
    response = client_for(reviewer).post(reverse("reviews:import_upload", args=[review.slug]), _upload_data())
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_progress_row_stops_polling_when_the_job_is_done(review_with_records, owner, client_for):
    batch = ImportBatch.objects.filter(review=review_with_records).first()
    response = client_for(owner).get(
        reverse("reviews:import_progress", args=[review_with_records.slug, batch.pk]),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 286
    body = response.content.decode()
    assert "<html" not in body and f'id="batch-{batch.pk}"' in body and "hx-trigger" not in body
    # The totals above the table refresh on this event.
    assert json.loads(response["HX-Trigger"]) == {"import-finished": {"batch": batch.pk}}


def test_the_totals_alone_come_back_when_a_finished_job_asks_for_them(review_with_records, owner, client_for):
    response = client_for(owner).get(
        reverse("reviews:imports", args=[review_with_records.slug]),
        headers={"HX-Request": "true", "HX-Target": "import-totals"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body and "<table" not in body
    assert 'id="import-totals"' in body and "records imported" in body and "By database:" in body


def test_the_progress_row_keeps_polling_while_the_job_waits(review, owner, client_for):
    from reviews.services.imports import import_batch_create, import_progress_set
    from tests.reviews.importing import upload

    batch = import_batch_create(
        actor=owner, review=review, uploaded=upload("three.ris"), source_name="X", enqueue=False
    )
    import_progress_set(batch.pk, "writing", 1200, 3000)
    response = client_for(owner).get(reverse("reviews:import_progress", args=[review.slug, batch.pk]))
    body = response.content.decode()
    assert response.status_code == 200 and 'hx-trigger="every 1s"' in body
    assert "1200 of 3000 records" in body
    import_progress_set(batch.pk, "reading", 2000, 0)  # parsing: how many records so far, total unknown
    body = (
        client_for(owner)
        .get(reverse("reviews:import_progress", args=[review.slug, batch.pk]))
        .content.decode()
    )
    assert "2000 records read" in body and "Reading" in body


def test_records_are_searchable_by_title_author_and_doi(review_with_records, reviewer, client_for):
    client = client_for(reviewer)
    url = reverse("reviews:records", args=[review_with_records.slug])
    for query, expected in (
        ("physical activity", "1 record "),
        ("smith", "1 record "),
        ("10.1111/jan", "1 record "),
    ):
        body = client.get(url, {"q": query}, headers={"HX-Request": "true"}).content.decode()
        assert expected in body and "<html" not in body, query
    assert "0 records" in client.get(url, {"q": "nothing like it"}).content.decode()


def test_records_filter_by_database(review_with_records, reviewer, client_for, django_assert_max_num_queries):
    client = client_for(reviewer)
    with django_assert_max_num_queries(12):
        response = client.get(
            reverse("reviews:records", args=[review_with_records.slug]), {"source": "PubMed"}
        )
    assert response.context["page"].paginator.count == 2
    assert "PubMed" in response.content.decode()


def test_record_detail_shows_every_source_and_its_raw_fields(review_with_records, reviewer, client_for):
    record = Record.objects.get(
        review=review_with_records, merged_into__isnull=True, doi="10.1186/s12889-019-0001-1"
    )
    body = (
        client_for(reviewer)
        .get(reverse("reviews:record", args=[review_with_records.slug, record.pk]))
        .content.decode()
    )
    assert "Embase" in body and "PubMed" in body
    assert "LID" in body and "https://doi.org/10.1186/S12889-019-0001-1" in body
    assert "Automatic merge" in body
    assert "Undo this merge" not in body  # reviewers cannot undo merges
    # The abstract is stored once per source record, and its raw field is shown in full all the same.
    stored_once = [
        (tag, source) for source in record.sources.all() for tag, v in source.raw.items() if v is None
    ]
    assert stored_once
    for tag, source in stored_once:
        assert f"<code>{tag}</code></th><td>{escape(source.abstract)[:80]}" in body


def test_a_possible_duplicate_is_decided_with_htmx(review_with_records, lead, client_for):
    pair = DuplicatePair.objects.get(review=review_with_records)
    client = client_for(lead)
    queue = client.get(reverse("reviews:duplicates", args=[review_with_records.slug])).content.decode()
    assert "Same study" in queue and "Different studies" in queue
    response = client.post(
        reverse("reviews:duplicate_decide", args=[review_with_records.slug, pair.pk]),
        {"decision": "different"},
        headers={"HX-Request": "true"},
    )
    assert "Different studies." in response.content.decode() and "<html" not in response.content.decode()
    # The count of pairs to check in the tab follows the decision, and so does the sentence above the pairs.
    assert '<span id="pairs-to-check" hx-swap-oob="true">0</span>' in response.content.decode()
    assert '<span id="pairs-to-check-sentence" hx-swap-oob="true">0 pairs</span>' in response.content.decode()
    assert '<span id="pairs-to-check-sentence">1 pair</span> of records to check' in queue
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.DIFFERENT


def test_a_decided_pair_is_listed_under_decided_and_undone_there(
    review_with_records, lead, owner, client_for
):
    pair = DuplicatePair.objects.get(review=review_with_records)
    client = client_for(lead)
    queue_url = reverse("reviews:duplicates", args=[review_with_records.slug])
    client.post(
        reverse("reviews:duplicate_decide", args=[review_with_records.slug, pair.pk]),
        {"decision": "different"},
    )
    decided = client.get(queue_url, {"show": "decided"}).content.decode()
    assert f'id="pair-{pair.pk}"' in decided and "Different studies." in decided and "lena" in decided
    assert f'id="pair-{pair.pk}"' not in client.get(queue_url).content.decode()
    undo_url = reverse("reviews:duplicate_undo", args=[review_with_records.slug, pair.pk])
    response = client.post(undo_url)
    assert response.status_code == 302 and response["Location"].endswith("?show=decided")
    pair.refresh_from_db()
    assert pair.status == DuplicatePair.Status.OPEN
    assert f'id="pair-{pair.pk}"' in client.get(queue_url).content.decode()
    again = client_for(owner).post(undo_url, headers={"HX-Request": "true"}).content.decode()
    assert "nothing to undo" in again
    # The Decided tab has the count in its tab only, not the sentence above the pairs to check.
    assert 'id="pairs-to-check" hx-swap-oob="true"' in again and "pairs-to-check-sentence" not in again


def test_reviewers_do_not_decide_duplicates(review_with_records, reviewer, client_for):
    pair = DuplicatePair.objects.get(review=review_with_records)
    client = client_for(reviewer)
    assert client.get(reverse("reviews:duplicates", args=[review_with_records.slug])).status_code == 403
    url = reverse("reviews:duplicate_decide", args=[review_with_records.slug, pair.pk])
    assert client.post(url, {"decision": "same"}).status_code == 403
    undo = reverse("reviews:duplicate_undo", args=[review_with_records.slug, pair.pk])
    assert client.post(undo).status_code == 403


@pytest.mark.django_db(transaction=True)  # the jobs are queued when the form's transaction commits
def test_the_jobs_of_a_form_start_once_every_file_of_it_is_saved(review, owner, client_for, monkeypatch):
    import reviews.services.imports as imports

    batches_when_queued = []
    monkeypatch.setattr(
        imports, "job_enqueue", lambda task, batch_id: batches_when_queued.append(ImportBatch.objects.count())
    )
    data = _upload_data()
    data["files-1-file"] = SimpleUploadedFile("two.nbib", (FIXTURES / "two.nbib").read_bytes())
    data["files-1-source_name"] = "PubMed"
    response = client_for(owner).post(reverse("reviews:import_upload", args=[review.slug]), data)
    assert response.status_code == 302
    assert batches_when_queued == [2, 2]
