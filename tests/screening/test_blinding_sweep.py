"""A reviewer walks every URL of the project while the other reviewer's decision is pending."""

from __future__ import annotations

import re

import pytest

from reviews.models import Membership, Record, Role
from reviews.services import membership_change_roles
from tests.screening.helpers import decide
from tests.url_sweep import response_text, review_urls

SECRET_NOTE = "BOB-PRIVATE-NOTE-7f3a"


@pytest.fixture
def pending(review_with_records, reviewer):
    """bob has excluded the first record with a note; carol has not decided it yet."""
    record = (
        Record.objects.filter(review=review_with_records, merged_into__isnull=True).order_by("pk").first()
    )
    decide(review_with_records, record, reviewer, "exclude", note=SECRET_NOTE)
    return record


def _sweep(client, review, headers) -> dict[str, str]:
    bodies = {}
    for swept in review_urls(review):
        if swept.name == "logout":
            continue
        response = client.get(swept.url, headers=headers)
        bodies[swept.url] = response_text(response)
    return bodies


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
@pytest.mark.parametrize("also_owner", [False, True], ids=["reviewer", "reviewer-and-owner"])
def test_the_other_reviewer_sees_nothing_of_a_pending_decision(
    review_with_records, pending, owner, second_reviewer, client_for, htmx, also_owner
):
    review = review_with_records
    if also_owner:
        membership = Membership.objects.get(review=review, user=second_reviewer)
        membership_change_roles(actor=owner, membership=membership, roles={Role.REVIEWER, Role.OWNER})
    client = client_for(second_reviewer)
    bodies = _sweep(client, review, {"HX-Request": "true"} if htmx else {})
    for url, body in bodies.items():
        assert SECRET_NOTE not in body, f"{url} shows bob's note"
        assert "awaiting second reviewer" not in body, f"{url} shows who is waiting for a second decision"
    record_page = client.get(f"/r/{review.slug}/screen/title-abstract/{pending.pk}/").content.decode()
    # bob as a word: the page's random tokens (CSRF) can hold the letters b-o-b.
    assert "You chose" not in record_page
    assert not re.search(r"\bbob\b", record_page.lower().replace("bob@", "")), "the page names bob"


def test_the_lead_sees_every_decision(review_with_records, pending, lead, client_for):
    from reviews.models import AuditEvent

    body = client_for(lead).get(f"/r/{review_with_records.slug}/history/").content.decode()
    assert SECRET_NOTE in body
    assert AuditEvent.objects.filter(action="screening.decide").count() == 1


def test_once_settled_the_outcome_is_visible_to_both(
    review_with_records, pending, second_reviewer, client_for
):
    decide(review_with_records, pending, second_reviewer, "exclude")
    body = client_for(second_reviewer).get(
        f"/r/{review_with_records.slug}/screen/title-abstract/{pending.pk}/"
    )
    assert "Settled at this stage: excluded" in body.content.decode()


def test_a_conflict_looks_to_a_reviewer_like_a_record_awaiting_the_other(
    review_with_records, pending, reviewer, second_reviewer, client_for
):
    decide(review_with_records, pending, second_reviewer, "include")
    url = f"/r/{review_with_records.slug}/screen/title-abstract/{pending.pk}/"
    body = client_for(reviewer).get(url).content.decode()
    assert "conflict" not in body.lower() and "choose again to change it" in body
    # Undo and change stay open until the lead settles it, so trying them reveals nothing either.
    decide(review_with_records, pending, reviewer, "exclude", note=SECRET_NOTE)
