import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from reviews.errors import ReviewRuleError
from reviews.models import ImportBatch
from reviews.services.records import import_batch_delete
from screening import services
from screening.models import Decision, RecordStage, Stage
from tests.screening.helpers import decide, records_to_screen


@pytest.fixture
def records(review, owner):
    return records_to_screen(review, owner, count=3)


def _record_url(review, record, stage="title-abstract"):
    return reverse("screening:record", args=[review.slug, stage, record.pk])


def test_next_sends_the_reviewer_to_their_first_record_in_the_fixed_order(
    review, records, reviewer, second_reviewer, client_for
):
    first_for_bob = client_for(reviewer).get(reverse("screening:next", args=[review.slug, "title-abstract"]))
    first_for_carol = client_for(second_reviewer).get(
        reverse("screening:next", args=[review.slug, "title-abstract"])
    )
    assert first_for_bob.status_code == 302 and first_for_bob["Location"] == first_for_carol["Location"]


def test_the_screening_page_shows_the_record_criteria_and_keys(review, records, reviewer, client_for, owner):
    from reviews.services import review_update_settings

    review_update_settings(
        actor=owner, review=review, inclusion_criteria=["Qualitative data"], include_keywords=["nurse*"]
    )
    body = client_for(reviewer).get(_record_url(review, records[0])).content.decode()
    assert (
        'data-key="i"' in body
        and 'data-key="m"' in body
        and 'data-key="e"' in body
        and 'data-key="n"' in body
    )
    assert "Qualitative data" in body
    assert '<mark class="kw-include">nurses</mark>' in body
    assert "0</strong> done" in body


def test_deciding_with_htmx_swaps_in_the_next_record_and_moves_the_address(
    review, records, reviewer, client_for
):
    client = client_for(reviewer)
    first = client.get(reverse("screening:next", args=[review.slug, "title-abstract"]))["Location"]
    record_id = int(first.rstrip("/").rsplit("/", 1)[-1])
    response = client.post(
        reverse("screening:decide", args=[review.slug, "title-abstract", record_id]),
        {"choice": "include", "note": "clear fit"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert response["HX-Push-Url"] != first and "/screen/title-abstract/" in response["HX-Push-Url"]
    assert "1</strong> done" in body and "Undo" in body
    assert Decision.objects.get(record_id=record_id, reviewer=reviewer).note == "clear fit"


def test_without_htmx_a_decision_redirects_to_the_next_record(review, records, reviewer, client_for):
    response = client_for(reviewer).post(
        reverse("screening:decide", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "exclude"},
    )
    assert response.status_code == 302 and "/screen/title-abstract/" in response["Location"]


def test_undo_brings_the_record_back(review, records, reviewer, client_for):
    client = client_for(reviewer)
    client.post(
        reverse("screening:decide", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "exclude"},
    )
    response = client.post(
        reverse("screening:undo", args=[review.slug, "title-abstract", records[0].pk]),
        headers={"HX-Request": "true"},
    )
    assert response["HX-Push-Url"] == _record_url(review, records[0])
    assert not Decision.objects.filter(record=records[0]).exists()


def test_a_bad_choice_is_explained(review, records, reviewer, client_for):
    response = client_for(reviewer).post(
        reverse("screening:decide", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "perhaps"},
        headers={"HX-Request": "true"},
    )
    assert "Choose Include, Maybe or Exclude." in response.content.decode()


def test_leads_and_owners_who_do_not_screen_are_kept_out_of_the_queue(
    review, records, lead, owner, client_for
):
    assert client_for(lead).get(_record_url(review, records[0])).status_code == 403
    assert client_for(owner).get(_record_url(review, records[0])).status_code == 403


def test_reviewers_cannot_see_or_resolve_conflicts(review, records, reviewer, second_reviewer, client_for):
    decide(review, records[0], reviewer, "include")
    decide(review, records[0], second_reviewer, "exclude")
    client = client_for(reviewer)
    assert client.get(reverse("screening:conflicts", args=[review.slug, "title-abstract"])).status_code == 403
    url = reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk])
    assert client.post(url, {"choice": "include"}).status_code == 403
    assert RecordStage.objects.get(record=records[0], stage=Stage.TITLE_ABSTRACT).status == "conflict"


def test_the_lead_sees_both_sides_and_resolves_in_place(
    review, records, reviewer, second_reviewer, lead, client_for
):
    decide(review, records[0], reviewer, "include", note="looks qualitative")
    decide(review, records[0], second_reviewer, "exclude", note="it is a trial")
    client = client_for(lead)
    page = client.get(reverse("screening:conflicts", args=[review.slug, "title-abstract"])).content.decode()
    assert "looks qualitative" in page and "it is a trial" in page and "Resolve as include" in page
    response = client.post(
        reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "exclude", "note": "design"},
        headers={"HX-Request": "true"},
    )
    assert "Resolved: excluded" in response.content.decode()
    again = client.post(
        reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "include"},
        headers={"HX-Request": "true"},
    )
    assert "settled a moment ago" in again.content.decode()


def _full_text_record(review, record, reviewer, second_reviewer):
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")


def test_a_full_text_is_served_to_members_only(
    review, records, reviewer, second_reviewer, outsider, client_for
):
    _full_text_record(review, records[0], reviewer, second_reviewer)
    services.full_text_upload(
        review=review,
        record=records[0],
        actor=reviewer,
        uploaded=SimpleUploadedFile("p.pdf", b"%PDF-1.4\nbody"),
    )
    url = reverse("screening:fulltext_file", args=[review.slug, records[0].pk])
    response = client_for(second_reviewer).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Frame-Options"] == "SAMEORIGIN" and "no-store" in response["Cache-Control"]
    # Reading a streamed response to its end closes the file (closing it by hand would end the
    # test's database connection).
    assert b"".join(response.streaming_content).startswith(b"%PDF-")
    download = client_for(second_reviewer).get(url + "?download=1")
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert client_for(outsider).get(url).status_code == 404


def test_uploading_something_else_than_a_pdf_is_refused_with_a_message(
    review, records, reviewer, second_reviewer, client_for
):
    _full_text_record(review, records[0], reviewer, second_reviewer)
    client = client_for(reviewer)
    response = client.post(
        reverse("screening:fulltext_upload", args=[review.slug, records[0].pk]),
        {"file": SimpleUploadedFile("paper.pdf", b"MZ\x90\x00 not a pdf"), "next": "https://evil.example/"},
    )
    assert response["Location"] == _record_url(review, records[0], "full-text")
    assert "is not a PDF" in client.get(response["Location"]).content.decode()


def test_a_batch_cannot_be_deleted_once_its_records_are_screened(review, records, owner, reviewer):
    decide(review, records[0], reviewer, "include")
    with pytest.raises(ReviewRuleError, match="Screening has started on 1 record"):
        import_batch_delete(actor=owner, batch=ImportBatch.objects.get(review=review))


def test_the_decisions_export_is_blinded_for_reviewers_and_full_for_the_lead(
    review, records, reviewer, second_reviewer, lead, client_for
):
    decide(review, records[0], reviewer, "exclude", note="bob-only-note")
    decide(review, records[1], reviewer, "include", note="settled-note")
    decide(review, records[1], second_reviewer, "include")
    url = reverse("screening:decisions_export", args=[review.slug])

    def text(user):
        return b"".join(client_for(user).get(url).streaming_content).decode()

    assert "bob-only-note" not in text(second_reviewer) and "settled-note" in text(second_reviewer)
    assert "bob-only-note" in text(reviewer)
    assert "bob-only-note" in text(lead) and "settled-note" in text(lead)


def test_the_record_line_joins_only_the_facts_it_has(review, records, reviewer, client_for):
    record = records[0]
    record.journal, record.year, record.doi, record.pmid = "", 2021, "10.1/x", ""
    record.save(update_fields=["journal", "year", "doi", "pmid"])
    body = client_for(reviewer).get(_record_url(review, record)).content.decode()
    assert '<p class="muted">2021 · DOI 10.1/x</p>' in body


@pytest.mark.parametrize("htmx", [True, False])
def test_deciding_a_record_the_review_has_not_at_the_stage_answers_404_and_stores_nothing(
    review, owner, records, reviewer, client_for, htmx
):
    from reviews.services.records import record_remove

    record_remove(actor=owner, record=records[0], reason="Not a study")
    client = client_for(reviewer)
    headers = {"HX-Request": "true"} if htmx else {}
    for stage_slug, record_id in (
        ("title-abstract", records[0].pk),  # removed
        ("full-text", records[1].pk),  # not at full text yet
        ("title-abstract", 10**9),  # no such record
    ):
        url = reverse("screening:decide", args=[review.slug, stage_slug, record_id])
        assert client.post(url, {"choice": "include"}, headers=headers).status_code == 404
        assert client.post(url, {"choice": "neither"}, headers=headers).status_code == 404
    assert not Decision.objects.filter(review=review).exists()
