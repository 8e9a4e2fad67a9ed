"""The lead's conflicts pages: stage tabs with open counts, the menu's way in, the full text on each card."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from screening import services
from screening.models import Stage
from tests.screening.helpers import decide, records_to_screen

PDF = b"%PDF-1.4\nconflict paper"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def records(review, owner):
    return records_to_screen(review, owner, count=4)


def _conflict(review, record, reviewer, second_reviewer, stage=Stage.TITLE_ABSTRACT):
    reason = {"reason": "Wrong population"} if stage == Stage.FULL_TEXT else {}
    decide(review, record, reviewer, "include", stage=stage)
    decide(review, record, second_reviewer, "exclude", stage=stage, **reason)


def _at_full_text(review, record, reviewer, second_reviewer):
    decide(review, record, reviewer, "include")
    decide(review, record, second_reviewer, "include")


def _full_text_conflict(review, record, reviewer, second_reviewer):
    _at_full_text(review, record, reviewer, second_reviewer)
    _conflict(review, record, reviewer, second_reviewer, stage=Stage.FULL_TEXT)


def _upload(review, record, actor, name="paper.pdf"):
    return services.full_text_upload(
        review=review, record=record, actor=actor, uploaded=SimpleUploadedFile(name, PDF)
    )


def _conflicts_url(review, stage_slug):
    return reverse("screening:conflicts", args=[review.slug, stage_slug])


def _tabs(body: str) -> list[tuple[str, bool]]:
    """The stage tabs as (text, is current)."""
    nav = re.search(r'<nav class="stage-tabs"[^>]*>(.*?)</nav>', body, re.S).group(1)
    return [
        (text, "aria-current" in attributes)
        for attributes, text in re.findall(r"<a ([^>]*)>([^<]*)</a>", nav)
    ]


def test_the_stage_tabs_count_open_conflicts_and_mark_the_current_stage(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _conflict(review, records[0], reviewer, second_reviewer)
    _conflict(review, records[1], reviewer, second_reviewer)
    _full_text_conflict(review, records[2], reviewer, second_reviewer)
    client = client_for(lead)

    title_page = client.get(_conflicts_url(review, "title-abstract")).content.decode()
    assert _tabs(title_page) == [("Titles and abstracts (2)", True), ("Full texts (1)", False)]
    full_text_page = client.get(_conflicts_url(review, "full-text")).content.decode()
    assert _tabs(full_text_page) == [("Titles and abstracts (2)", False), ("Full texts (1)", True)]
    assert f'href="{_conflicts_url(review, "full-text")}"' in title_page


def test_a_resolved_conflict_leaves_the_count(review, records, reviewer, second_reviewer, lead, client_for):
    _conflict(review, records[0], reviewer, second_reviewer)
    client = client_for(lead)
    client.post(
        reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "include"},
    )
    body = client.get(_conflicts_url(review, "title-abstract")).content.decode()
    assert _tabs(body) == [("Titles and abstracts (0)", True), ("Full texts (0)", False)]
    assert "No conflicts to resolve at this stage." in body


def test_resolving_in_place_also_updates_the_counts_above_the_list(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _conflict(review, records[0], reviewer, second_reviewer)
    _conflict(review, records[1], reviewer, second_reviewer)
    response = client_for(lead).post(
        reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "include"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "<html" not in body and f'id="conflict-{records[0].pk}"' in body
    assert 'id="conflict-summary" hx-swap-oob="true"' in body
    assert _tabs(body) == [("Titles and abstracts (1)", True), ("Full texts (0)", False)]
    assert "1 record where the reviewers disagreed" in body


@pytest.mark.parametrize(
    ("title_conflicts", "full_text_conflicts", "lands_on"),
    [
        (0, 0, "title-abstract"),
        (1, 0, "title-abstract"),
        (1, 1, "title-abstract"),
        (0, 1, "full-text"),
    ],
)
def test_the_menu_link_opens_the_full_texts_only_when_they_alone_have_conflicts(
    review,
    records,
    reviewer,
    second_reviewer,
    lead,
    client_for,
    title_conflicts,
    full_text_conflicts,
    lands_on,
):
    if title_conflicts:
        _conflict(review, records[0], reviewer, second_reviewer)
    if full_text_conflicts:
        _full_text_conflict(review, records[1], reviewer, second_reviewer)
    client = client_for(lead)
    menu = client.get(reverse("report:overview", args=[review.slug])).content.decode()
    start = reverse("screening:conflicts_start", args=[review.slug])
    assert f'href="{start}"' in menu
    response = client.get(start)
    assert response.status_code == 302 and response["Location"] == _conflicts_url(review, lands_on)


def test_only_the_lead_reaches_the_conflicts(review, records, reviewer, owner, outsider, client_for):
    start = reverse("screening:conflicts_start", args=[review.slug])
    for url in (start, _conflicts_url(review, "full-text")):
        assert client_for(outsider).get(url).status_code == 404
        assert client_for(reviewer).get(url).status_code == 403
        assert client_for(owner).get(url).status_code == 403


def _card(body: str, record) -> str:
    return re.search(
        rf'<section class="card conflict" id="conflict-{record.pk}".*?</section>', body, re.S
    ).group(0)


def test_each_full_text_card_links_to_the_pdf_or_says_why_not(
    review, records, reviewer, second_reviewer, lead, client_for
):
    with_pdf, without_pdf = records[0], records[1]
    for record in (with_pdf, without_pdf):
        _full_text_conflict(review, record, reviewer, second_reviewer)
    _upload(review, with_pdf, reviewer, name="walking-groups.pdf")
    body = client_for(lead).get(_conflicts_url(review, "full-text")).content.decode()
    file_url = reverse("screening:fulltext_file", args=[review.slug, with_pdf.pk])
    card = _card(body, with_pdf)
    assert f'<a href="{file_url}" target="_blank" rel="noopener">Open the full text</a>' in card
    assert "walking-groups.pdf" in card
    other = _card(body, without_pdf)
    assert "No full text uploaded." in other and "Open the full text" not in other


def test_title_and_abstract_cards_say_nothing_of_full_texts(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _conflict(review, records[0], reviewer, second_reviewer)
    body = client_for(lead).get(_conflicts_url(review, "title-abstract")).content.decode()
    assert "full text" not in _card(body, records[0]).lower()


def test_a_card_says_when_the_full_text_is_marked_not_retrievable(
    review, records, reviewer, second_reviewer, lead, client_for
):
    # A conflict marked not retrievable through the services leaves this list, so the mark is put on the
    # full-text row directly.
    from screening.models import FullText

    _full_text_conflict(review, records[0], reviewer, second_reviewer)
    FullText.objects.create(
        review=review, record=records[0], is_not_retrievable=True, not_retrievable_note="ILL", updated_by=lead
    )
    body = client_for(lead).get(_conflicts_url(review, "full-text")).content.decode()
    assert "Marked not retrievable: ILL." in _card(body, records[0])


def test_a_lead_who_does_not_screen_opens_the_pdf_and_the_resolved_card_keeps_the_link(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _full_text_conflict(review, records[0], reviewer, second_reviewer)
    _upload(review, records[0], second_reviewer)
    client = client_for(lead)
    assert client.get(reverse("screening:next", args=[review.slug, "full-text"])).status_code == 403
    response = client.get(reverse("screening:fulltext_file", args=[review.slug, records[0].pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    card = client.post(
        reverse("screening:resolve", args=[review.slug, "full-text", records[0].pk]),
        {"choice": "include"},
        headers={"HX-Request": "true"},
    ).content.decode()
    assert "<html" not in card and "Resolved: included" in card and "Open the full text" in card


def test_the_full_text_conflicts_page_has_a_query_budget(
    review, records, reviewer, second_reviewer, lead, client_for, django_assert_max_num_queries
):
    for record in records:
        _full_text_conflict(review, record, reviewer, second_reviewer)
        _upload(review, record, reviewer)
    client = client_for(lead)
    # The cards, and the lead's two lists: records marked not retrievable, includes without a PDF.
    with django_assert_max_num_queries(10):
        body = client.get(_conflicts_url(review, "full-text")).content.decode()
    assert body.count("Open the full text") == len(records)


def _card(body: str, record) -> str:
    return re.search(
        rf'<section class="card conflict" id="conflict-{record.pk}".*?</section>', body, re.S
    ).group(0)


def _primary_choice(card: str) -> str:
    return re.search(r'<button type="submit" name="choice" value="(\w+)" class="primary">', card).group(1)


def test_a_conflict_whose_votes_now_agree_says_so_and_offers_their_choice_first(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _conflict(review, records[0], reviewer, second_reviewer)
    _conflict(review, records[1], reviewer, second_reviewer)
    decide(review, records[0], reviewer, "exclude")  # changed after the record became a conflict

    body = client_for(lead).get(_conflicts_url(review, "title-abstract")).content.decode()

    changed, still_apart = _card(body, records[0]), _card(body, records[1])
    assert "The reviewers now agree:</strong> exclude." in changed
    assert _primary_choice(changed) == "exclude"
    assert "now agree" not in still_apart
    assert _primary_choice(still_apart) == "include"


def test_a_full_text_conflict_whose_votes_now_agree_offers_their_reason(
    review, records, reviewer, second_reviewer, lead, client_for
):
    _full_text_conflict(review, records[0], reviewer, second_reviewer)
    decide(review, records[0], reviewer, "exclude", stage=Stage.FULL_TEXT, reason="Wrong population")

    card = _card(client_for(lead).get(_conflicts_url(review, "full-text")).content.decode(), records[0])

    assert "The reviewers now agree:</strong> exclude (Wrong population)." in card
    assert '<option value="Wrong population" selected>' in card


def test_the_resolved_card_shows_the_leads_note(review, records, reviewer, second_reviewer, lead, client_for):
    _conflict(review, records[0], reviewer, second_reviewer)

    response = client_for(lead).post(
        reverse("screening:resolve", args=[review.slug, "title-abstract", records[0].pk]),
        {"choice": "include", "note": "Population fits on a close reading"},
        headers={"HX-Request": "true"},
    )

    body = response.content.decode()
    assert "Resolved: included</strong> by" in body
    assert "“Population fits on a close reading”" in body
