"""Site administration in the app: staff list people, see their reviews, deactivate and reactivate them;
REVIEW_CREATORS decides who may create reviews."""

from __future__ import annotations

import pytest
from django.urls import reverse

from reviews.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def admin(db):
    return UserFactory(username="sam", is_staff=True)


def test_staff_see_everyone_and_each_persons_reviews(review, admin, reviewer, client_for):
    client = client_for(admin)
    listing = client.get(reverse("reviews:site_users")).content.decode()
    assert all(name in listing for name in ("alice", "bob", "carol", "sam"))
    assert "bob" in client.get(reverse("reviews:site_users"), {"q": "bo"}).content.decode()
    assert "carol" not in client.get(reverse("reviews:site_users"), {"q": "bo"}).content.decode()
    detail = client.get(reverse("reviews:site_user", args=[reviewer.pk])).content.decode()
    assert review.title in detail and "Reviewer" in detail


def test_people_who_are_not_staff_are_refused(review, owner, client_for):
    client = client_for(owner)
    assert client.get(reverse("reviews:site_users")).status_code == 403
    assert client.get(reverse("reviews:site_user", args=[owner.pk])).status_code == 403
    assert client.post(reverse("reviews:site_user_deactivate", args=[owner.pk])).status_code == 403


def test_deactivating_logs_the_person_out_at_once_and_reactivating_lets_them_back(
    review, admin, reviewer, password, client_for
):
    from django.test import Client

    theirs = Client()
    assert theirs.post(reverse("login"), {"username": "bob", "password": password}).status_code == 302
    assert theirs.get(reverse("reviews:dashboard")).status_code == 200
    response = client_for(admin).post(reverse("reviews:site_user_deactivate", args=[reviewer.pk]))
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert theirs.get(reverse("reviews:dashboard")).status_code == 302  # logged out
    assert Client().post(reverse("login"), {"username": "bob", "password": password}).status_code == 200
    client_for(admin).post(reverse("reviews:site_user_reactivate", args=[reviewer.pk]))
    reviewer.refresh_from_db()
    assert reviewer.is_active
    actions = list(AuditEvent.objects.filter(object_id=str(reviewer.pk)).values_list("action", "actor"))
    assert ("account.deactivate", admin.pk) in actions and ("account.reactivate", admin.pk) in actions


def test_staff_cannot_deactivate_themselves(admin, client_for):
    client = client_for(admin)
    response = client.post(reverse("reviews:site_user_deactivate", args=[admin.pk]), follow=True)
    assert "cannot deactivate your own account" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_with_review_creators_staff_only_staff_create_reviews(outsider, admin, client_for, settings):
    settings.REVIEW_CREATORS = "staff"
    data = {"title": "Mine", "slug": "mine", "review_type": "scoping"}
    client = client_for(outsider)
    assert "New review" not in client.get("/").content.decode()
    assert client.get(reverse("reviews:create")).status_code == 403
    assert client.post(reverse("reviews:create"), data).status_code == 403
    staff = client_for(admin)
    assert "New review" in staff.get("/").content.decode()
    assert staff.post(reverse("reviews:create"), data).status_code == 302


def test_by_default_anyone_creates_reviews(outsider, client_for, settings):
    assert settings.REVIEW_CREATORS == "anyone"
    assert "New review" in client_for(outsider).get("/").content.decode()
