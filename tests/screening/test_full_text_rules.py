"""An include at full text rests on the full text; a record one reviewer marks not retrievable is shown to
everyone and confirmed or reopened by the lead; decisions brought in from another tool stay accepted."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.errors import ReviewRuleError
from screening import services
from screening.models import Decision, FullText, RecordStage, Stage
from tests.screening.helpers import decide, records_to_screen

PDF = b"%PDF-1.7\n"


@pytest.fixture
def at_full_text(review, owner, reviewer, second_reviewer):
    records = records_to_screen(review, owner, count=2)
    for record in records:
        for person in (reviewer, second_reviewer):
            decide(review, record, person, "include")
    return records


def _include(review, record, reviewer, **kwargs):
    return services.screening_decision_record(
        review=review, record=record, reviewer=reviewer, stage=Stage.FULL_TEXT, choice="include", **kwargs
    )


def test_an_include_needs_the_pdf_or_a_reason(review, at_full_text, reviewer):
    with pytest.raises(ReviewRuleError, match="Upload the full text before including"):
        _include(review, at_full_text[0], reviewer)
    decision = _include(
        review, at_full_text[0], reviewer, without_full_text="Read it at the publisher's site"
    )
    assert decision.without_full_text == "Read it at the publisher's site"
    services.full_text_upload(
        review=review, record=at_full_text[1], actor=reviewer, uploaded=SimpleUploadedFile("a.pdf", PDF)
    )
    assert _include(review, at_full_text[1], reviewer, without_full_text="ignored").without_full_text == ""


def test_the_lead_sees_every_include_made_without_a_pdf(review, at_full_text, reviewer, lead, client_for):
    _include(review, at_full_text[0], reviewer, without_full_text="Read it at the publisher's site")
    page = (
        client_for(lead).get(reverse("screening:conflicts", args=[review.slug, "full-text"])).content.decode()
    )
    assert "Included without a full text (1)" in page and "Read it at the publisher&#x27;s site" in page


def test_one_reviewers_not_retrievable_shows_in_both_queues_and_the_lead_confirms_it(
    review, at_full_text, reviewer, second_reviewer, lead, client_for
):
    services.full_text_mark_not_retrievable(
        review=review, record=at_full_text[0], actor=reviewer, note="No library access"
    )
    carol = client_for(second_reviewer).get(
        reverse("screening:next", args=[review.slug, "full-text"]), follow=True
    )
    shown = carol.content.decode()
    assert "Marked not retrievable" in shown
    assert reviewer.get_username() not in shown  # settled for everyone, but whose mark it was stays blind
    client = client_for(lead)
    page = client.get(reverse("screening:conflicts", args=[review.slug, "full-text"])).content.decode()
    assert "Marked not retrievable (1)" in page and "No library access" in page
    client.post(reverse("screening:fulltext_confirm", args=[review.slug, at_full_text[0].pk]))
    full_text = FullText.objects.get(record=at_full_text[0])
    assert full_text.not_retrievable_confirmed_by == lead
    assert (
        client_for(reviewer)
        .post(reverse("screening:fulltext_confirm", args=[review.slug, at_full_text[0].pk]))
        .status_code
        == 403
    )


def test_the_lead_reopens_a_record_whose_full_text_can_be_found(
    review, at_full_text, reviewer, second_reviewer, lead
):
    _include(review, at_full_text[0], second_reviewer, without_full_text="Seen it")
    services.full_text_mark_not_retrievable(review=review, record=at_full_text[0], actor=reviewer)
    stage = services.full_text_not_retrievable_reopen(review=review, record=at_full_text[0], lead=lead)
    # carol's include made before the mark counts again: the record waits for bob.
    assert stage.status == RecordStage.Status.OPEN and stage.decision_count == 1
    assert not FullText.objects.get(record=at_full_text[0]).is_not_retrievable
    with pytest.raises(ReviewRuleError, match="not marked as not retrievable"):
        services.full_text_not_retrievable_confirm(review=review, record=at_full_text[0], lead=lead)


def test_decisions_brought_in_from_another_tool_stay_accepted_without_pdfs_and_say_so(
    review, at_full_text, reviewer, tmp_path
):
    from django.core.management import call_command

    path = tmp_path / "decisions.csv"
    path.write_text(f"record_id,decision\n{at_full_text[0].pk},include\n")
    call_command(
        "import_decisions", review.slug, str(path), "--stage", "full_text", "--reviewer", reviewer.username
    )
    decision = Decision.objects.get(record=at_full_text[0], stage=Stage.FULL_TEXT)
    assert decision.without_full_text.startswith("Brought in from another tool")
