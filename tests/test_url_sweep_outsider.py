"""An outsider, logged in and owning a review of their own, walks every URL of someone else's review."""

from __future__ import annotations

import pytest
from django.apps import apps

from tests.factories import review_with_team
from tests.url_sweep import response_text, review_urls

SECRETS = ("Secret TDF review", "Barriers to physical activity", "Smith, Jane")


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def waiting_invitation(review_with_records, owner):
    """An invitation of the review to someone else, so its link is swept too."""
    from tests.reviews.invitations import invite

    return invite(review_with_records, owner, "erin@example.org")


@pytest.fixture
def outsider_client(client_for, outsider):
    review_with_team(slug="outsiders-own", title="Outsider's own review", team={"owner": outsider})
    return client_for(outsider)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_an_outsider_sees_nothing_of_a_review_anywhere(
    review_with_records, waiting_invitation, outsider_client, method, htmx
):
    review = review_with_records
    headers = {"HX-Request": "true"} if htmx else {}
    before = _row_counts()
    checked = 0
    for swept in review_urls(review):
        if swept.name == "logout":
            continue
        response = getattr(outsider_client, method)(swept.url, headers=headers)
        body = response_text(response)
        for secret in SECRETS:
            assert secret not in body, f"{method.upper()} {swept.url} shows {secret!r}"
        assert review.slug not in body or not swept.is_review_scoped, f"{swept.url} mentions the review"
        if swept.is_review_scoped:
            assert response.status_code in (404, 405), (
                f"{method.upper()} {swept.url} gave {response.status_code}"
            )
        checked += 1
    assert checked >= 5
    assert _row_counts() == before, "an outsider's requests changed the database"


def test_an_anonymous_visitor_is_sent_to_log_in(review_with_records, client):
    review = review_with_records
    for swept in review_urls(review):
        if not swept.is_review_scoped:
            continue
        response = client.get(swept.url)
        assert response.status_code in (302, 405), swept.url
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), swept.url
