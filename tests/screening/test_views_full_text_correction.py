"""Correcting a full text from the screening page: replacing a wrong PDF, uploading one marked not retrievable."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.models import AuditEvent
from screening import services
from screening.models import FullText, RecordStage, Stage
from tests.screening.helpers import decide, records_to_screen, status

WRONG_PDF = b"%PDF-1.4\nthe wrong paper"
RIGHT_PDF = b"%PDF-1.7\nthe right paper"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def record(review, owner, reviewer, second_reviewer):
    """A record both reviewers included at title and abstract: open at full text."""
    record = records_to_screen(review, owner, count=2)[0]
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")
    return record


def _page_url(review, record):
    return reverse("screening:record", args=[review.slug, "full-text", record.pk])


def _upload_url(review, record):
    return reverse("screening:fulltext_upload", args=[review.slug, record.pk])


def _upload(review, record, actor, content=WRONG_PDF, name="wrong.pdf"):
    return services.full_text_upload(
        review=review, record=record, actor=actor, uploaded=SimpleUploadedFile(name, content)
    )


def _served(client, review, record) -> bytes:
    response = client.get(reverse("screening:fulltext_file", args=[review.slug, record.pk]))
    return b"".join(response.streaming_content)


def test_a_reviewer_replaces_a_wrong_pdf_for_both_reviewers(
    review, record, reviewer, second_reviewer, client_for, django_capture_on_commit_callbacks
):
    _upload(review, record, reviewer)
    old_name = FullText.objects.get(record=record).file.name
    client = client_for(second_reviewer)
    page = client.get(_page_url(review, record)).content.decode()
    assert "Replace the PDF" in page and f'action="{_upload_url(review, record)}"' in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _upload_url(review, record), {"file": SimpleUploadedFile("right.pdf", RIGHT_PDF)}
        )
    assert response["Location"] == _page_url(review, record)
    assert "Full text replaced, for both reviewers." in client.get(response["Location"]).content.decode()
    full_text = FullText.objects.get(record=record)
    assert (full_text.original_filename, full_text.updated_by) == ("right.pdf", second_reviewer)
    assert not full_text.file.storage.exists(old_name)
    assert _served(client_for(reviewer), review, record) == RIGHT_PDF
    assert status(record, Stage.FULL_TEXT) == "open"
    event = AuditEvent.objects.filter(action="fulltext.upload").order_by("pk").last()
    assert event.before["file"] == "wrong.pdf" and event.after["file"] == "right.pdf"
    assert event.before["sha256"] != event.after["sha256"]


def test_a_replacement_that_is_not_a_pdf_keeps_the_old_one(review, record, reviewer, client_for):
    _upload(review, record, reviewer)
    client = client_for(reviewer)
    response = client.post(_upload_url(review, record), {"file": SimpleUploadedFile("x.pdf", b"<html>")})
    assert "is not a PDF" in client.get(response["Location"]).content.decode()
    assert _served(client, review, record) == WRONG_PDF


def test_an_outsider_cannot_replace_a_pdf(review, record, reviewer, outsider, client_for):
    _upload(review, record, reviewer)
    response = client_for(outsider).post(
        _upload_url(review, record), {"file": SimpleUploadedFile("right.pdf", RIGHT_PDF)}
    )
    assert response.status_code == 404
    assert FullText.objects.get(record=record).original_filename == "wrong.pdf"


def _without_tokens(body: str) -> str:
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", body)
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", body)


def test_the_page_reads_the_same_awaiting_the_other_reviewer_and_in_conflict(
    review, record, reviewer, second_reviewer, client_for
):
    """Blinding: the replace form (and everything else) must not tell carol that bob disagreed."""
    _upload(review, record, reviewer)
    decide(review, record, second_reviewer, "include", stage=Stage.FULL_TEXT)
    client = client_for(second_reviewer)
    awaiting = client.get(_page_url(review, record)).content.decode()
    decide(review, record, reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")
    assert status(record, Stage.FULL_TEXT) == "conflict"
    in_conflict = client.get(_page_url(review, record)).content.decode()
    assert "Replace the PDF" in in_conflict
    assert _without_tokens(in_conflict) == _without_tokens(awaiting)


def test_a_settled_record_offers_no_replacement(review, record, reviewer, second_reviewer, client_for):
    _upload(review, record, reviewer)
    decide(review, record, reviewer, "include", stage=Stage.FULL_TEXT)
    decide(review, record, second_reviewer, "include", stage=Stage.FULL_TEXT)
    page = client_for(reviewer).get(_page_url(review, record)).content.decode()
    assert "Settled at this stage: included" in page and "Download wrong.pdf" in page
    assert "Replace the PDF" not in page and _upload_url(review, record) not in page


def test_once_settled_only_an_owner_or_a_lead_replaces_the_pdf(
    review, record, reviewer, second_reviewer, owner, lead, client_for
):
    _upload(review, record, reviewer)
    decide(review, record, reviewer, "include", stage=Stage.FULL_TEXT)
    decide(review, record, second_reviewer, "include", stage=Stage.FULL_TEXT)
    response = client_for(reviewer).post(
        _upload_url(review, record), {"file": SimpleUploadedFile("right.pdf", RIGHT_PDF)}, follow=True
    )
    assert services.FULLTEXT_SETTLED in response.content.decode().replace("&#x27;", "'")
    assert _served(client_for(lead), review, record) == WRONG_PDF
    for allowed in (lead, owner):
        _upload(review, record, allowed, content=RIGHT_PDF + allowed.username.encode(), name="right.pdf")
        assert _served(client_for(lead), review, record) == RIGHT_PDF + allowed.username.encode()
    assert status(record, Stage.FULL_TEXT) == "included"


def test_a_record_marked_not_retrievable_gets_its_pdf_after_all_and_reopens(
    review, record, reviewer, second_reviewer, client_for
):
    services.full_text_mark_not_retrievable(review=review, record=record, actor=reviewer, note="ILL declined")
    client = client_for(second_reviewer)
    page = client.get(_page_url(review, record)).content.decode()
    assert "Marked as not retrievable: ILL declined." in page and "Upload the PDF after all" in page
    assert "Settled at this stage: not retrievable" in page and 'data-key="i"' not in page

    response = client.post(_upload_url(review, record), {"file": SimpleUploadedFile("found.pdf", RIGHT_PDF)})
    page = client.get(response["Location"]).content.decode()
    assert "Full text uploaded; the record is open for screening again." in page
    assert "Download found.pdf" in page and "Replace the PDF" in page and 'data-key="i"' in page
    assert "not retrievable" not in page.lower()
    assert RecordStage.objects.get(record=record, stage=Stage.FULL_TEXT).settled_at is None
    event = AuditEvent.objects.filter(action="fulltext.upload").get()
    assert event.before == {"not_retrievable": True} and event.after["file"] == "found.pdf"


def test_a_first_upload_has_nothing_before_it_in_the_history(review, record, reviewer):
    _upload(review, record, reviewer)
    assert AuditEvent.objects.filter(action="fulltext.upload").get().before is None


def test_marking_not_retrievable_needs_what_was_tried(review, record, reviewer, client_for):
    client = client_for(reviewer)
    url = reverse("screening:fulltext_not_retrievable", args=[review.slug, record.pk])

    response = client.post(url, {"note": "  "}, follow=True)

    assert "Say what was tried to get the full text" in response.content.decode()
    assert status(record, Stage.FULL_TEXT) == "open"
    assert not FullText.objects.filter(record=record, is_not_retrievable=True).exists()

    client.post(url, {"note": "Library and interlibrary loan; authors did not answer."})
    assert status(record, Stage.FULL_TEXT) == "not_retrievable"
