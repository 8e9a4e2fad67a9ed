"""A study's text: read from its PDF's text layer page by page, or pasted; excerpts follow their quote."""

from __future__ import annotations

import pytest

from coding.models import Excerpt, StudyText
from coding.services.texts import (
    study_text_needs_reading,
    study_text_paste,
    study_text_read,
    study_text_request,
)
from reviews.errors import ReviewRuleError
from reviews.models import AuditEvent
from screening.models import FullText
from tests.coding.helpers import PAGES, code_excerpt, pdf_upload, span, text_of, text_read

PASSAGE = "Time pressure was the main barrier for nurses."


def test_reading_a_pdf_stores_its_pages_each_with_the_offset_where_it_starts(review, owner, studies):
    study_text = text_read(review, studies[0], owner, PAGES)

    pages = list(study_text.pages.all())
    assert (study_text.status, study_text.source, study_text.pages_count) == ("ready", "pdf", 3)
    assert [page.text.strip() for page in pages] == [page.strip() for page in PAGES]
    assert [page.number for page in pages] == [1, 2, 3]
    assert pages[0].start == 0
    assert pages[1].start == len(pages[0].text)
    assert pages[2].start == len(pages[0].text) + len(pages[1].text)
    assert study_text.characters == pages[2].end
    assert study_text.source_sha256 == FullText.objects.get(record=studies[0]).sha256
    # A passage on page 2 is found in the whole text inside page 2's range.
    start, end = span(studies[0], PASSAGE)
    assert pages[1].start <= start < end <= pages[1].end
    assert AuditEvent.objects.filter(action="coding.text_read", after__record=studies[0].pk).exists()


def test_a_pdf_whose_pages_have_no_text_is_marked_as_having_no_text_layer(review, owner, studies):
    study_text = text_read(review, studies[0], owner, ["", "3", ""])

    assert study_text.status == StudyText.Status.NO_TEXT
    assert study_text.pages_count == 3


def test_a_study_without_a_pdf_cannot_be_read(review, owner, studies):
    with pytest.raises(ReviewRuleError, match="no PDF yet"):
        study_text_request(review=review, record=studies[0], actor=owner)
    assert not StudyText.objects.exists()


def test_a_new_pdf_needs_reading_again_but_a_pasted_text_stays(review, owner, studies):
    record = studies[0]
    text_read(review, record, owner)
    study_text = StudyText.objects.get(record=record)
    assert not study_text_needs_reading(
        record=record, study_text=study_text, full_text=FullText.objects.get(record=record)
    )
    pdf_upload(review, record, owner, ["Another version of the paper, with enough text to count."])
    assert study_text_needs_reading(
        record=record, study_text=study_text, full_text=FullText.objects.get(record=record)
    )
    study_text_paste(review=review, record=record, actor=owner, text="A pasted text, long enough to read.")
    study_text.refresh_from_db()
    assert not study_text_needs_reading(
        record=record, study_text=study_text, full_text=FullText.objects.get(record=record)
    )


def test_a_pasted_text_is_split_into_pages_at_page_lines_and_form_feeds(review, owner, studies):
    pasted = "Introduction text.\r\nPage 2\r\nMethods text.\fResults text."

    study_text = study_text_paste(review=review, record=studies[0], actor=owner, text=pasted)

    pages = list(study_text.pages.all())
    assert (study_text.status, study_text.source) == ("ready", "pasted")
    assert [page.text for page in pages] == ["Introduction text.\n", "Page 2\nMethods text.", "Results text."]
    assert [page.start for page in pages] == [0, 19, 39]
    assert AuditEvent.objects.get(action="coding.text_paste").actor == owner


def test_an_empty_paste_is_refused(review, owner, studies):
    with pytest.raises(ReviewRuleError, match="Paste the study's text first"):
        study_text_paste(review=review, record=studies[0], actor=owner, text="  \n ")


def test_an_excerpt_follows_its_quote_when_a_new_pdf_moves_the_passage_to_another_page(
    review, owner, reviewer, study
):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)
    assert excerpt.page == 2
    before = (excerpt.start, excerpt.end)

    text_read(
        review,
        study,
        owner,
        ["A new title page, added by the journal.", "Abstract. Nurses and pain.", "Results.\n" + PASSAGE],
    )

    excerpt.refresh_from_db()
    assert excerpt.anchor == Excerpt.Anchor.ANCHORED
    assert (excerpt.start, excerpt.end) == span(study, PASSAGE) != before
    assert excerpt.page == 3
    assert text_of(study)[excerpt.start : excerpt.end] == excerpt.quote == PASSAGE
    event = AuditEvent.objects.get(action="coding.excerpt_reanchor")
    assert event.object_id == str(excerpt.pk)
    assert event.before == {"start": before[0], "end": before[1], "page": 2}
    assert event.after == {"start": excerpt.start, "end": excerpt.end, "page": 3, "record": study.pk}


def test_an_excerpt_whose_quote_is_gone_from_the_new_text_is_flagged_and_not_moved(
    review, owner, reviewer, study
):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)
    kept = code_excerpt(
        review, study, reviewer, passage="Training in pain assessment helped nurses feel confident."
    )
    before = (excerpt.start, excerpt.end, excerpt.page)

    text_read(
        review,
        study,
        owner,
        ["Results. Training in pain assessment helped nurses feel confident.", "Nothing about time here."],
    )

    excerpt.refresh_from_db()
    kept.refresh_from_db()
    assert excerpt.anchor == Excerpt.Anchor.LOST
    assert (excerpt.start, excerpt.end, excerpt.page) == before
    assert excerpt.quote == PASSAGE
    assert kept.anchor == Excerpt.Anchor.ANCHORED and kept.page == 1
    lost = AuditEvent.objects.get(action="coding.excerpt_lost")
    assert lost.object_id == str(excerpt.pk) and lost.actor is None
    assert AuditEvent.objects.filter(action="coding.excerpt_reanchor", object_id=str(kept.pk)).exists()


def test_a_typed_in_excerpt_is_left_alone_when_the_text_changes(review, owner, reviewer, study):
    excerpt = code_excerpt(
        review, study, reviewer, quote="A quote from a table the PDF has as a picture", page=4
    )

    text_read(review, study, owner, ["Completely different text of the paper, long enough to be read."])

    excerpt.refresh_from_db()
    assert (excerpt.anchor, excerpt.start, excerpt.page) == (Excerpt.Anchor.TYPED, None, 4)
    assert not AuditEvent.objects.filter(
        action__in=["coding.excerpt_lost", "coding.excerpt_reanchor"]
    ).exists()


def test_reading_the_same_pdf_again_keeps_every_excerpt_where_it_is(review, owner, reviewer, study):
    excerpt = code_excerpt(review, study, reviewer, passage=PASSAGE)
    before = (excerpt.start, excerpt.end, excerpt.page)

    study_text_request(review=review, record=study, actor=owner)
    study_text_read(record_id=study.pk)

    excerpt.refresh_from_db()
    assert (excerpt.start, excerpt.end, excerpt.page, excerpt.anchor) == (*before, Excerpt.Anchor.ANCHORED)
    assert not AuditEvent.objects.filter(
        action__in=["coding.excerpt_lost", "coding.excerpt_reanchor"]
    ).exists()
    assert StudyText.objects.get(record=study).attempts == 2


def test_a_file_pypdf_cannot_read_is_marked_failed_with_the_reason(review, owner, studies):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from screening.services import full_text_upload

    full_text_upload(
        review=review,
        record=studies[0],
        actor=owner,
        uploaded=SimpleUploadedFile("s.pdf", b"%PDF-1.4\ngarbage"),
    )
    study_text_request(review=review, record=studies[0], actor=owner)

    study_text = study_text_read(record_id=studies[0].pk)

    assert study_text.status == StudyText.Status.FAILED
    assert study_text.error.startswith("The PDF could not be read:")
    assert not study_text.pages.exists()


def test_asking_for_the_text_reads_it_in_a_job_once_the_request_is_committed(
    review, owner, studies, django_capture_on_commit_callbacks
):
    pdf_upload(review, studies[0], owner, PAGES)

    with django_capture_on_commit_callbacks(execute=True):
        pending = study_text_request(review=review, record=studies[0], actor=owner)
        assert pending.status == StudyText.Status.PENDING

    assert StudyText.objects.get(record=studies[0]).status == StudyText.Status.READY
    assert PASSAGE in text_of(studies[0])
