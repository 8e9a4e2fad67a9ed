"""Leaving a review, removing a member, and the last owner who can do neither."""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape

from reviews.models import AuditEvent, Membership
from reviews.services import MEMBER_LAST_OWNER, MEMBER_LAST_OWNER_LEAVES


def _leave(client, review):
    return client.post(reverse("reviews:member_leave", args=[review.slug]))


def test_a_member_leaves_and_loses_access(review, reviewer, client_for):
    client = client_for(reviewer)
    response = _leave(client, review)
    assert response.status_code == 302 and response["Location"] == reverse("reviews:dashboard")
    assert not Membership.objects.filter(review=review, user=reviewer).exists()
    assert client.get(reverse("reviews:members", args=[review.slug])).status_code == 404
    event = AuditEvent.objects.get(action="membership.leave")
    assert event.actor == reviewer and event.before == {"user": "bob", "roles": ["reviewer"]}


def test_the_last_owner_cannot_leave(review, owner, client_for):
    client = client_for(owner)
    response = _leave(client, review)
    assert response.status_code == 302
    assert escape(MEMBER_LAST_OWNER_LEAVES) in client.get(response["Location"]).content.decode()
    assert Membership.objects.filter(review=review, user=owner, is_owner=True).exists()
    assert not AuditEvent.objects.filter(action="membership.leave").exists()


def test_an_owner_may_leave_once_another_owner_remains(review, owner, lead, client_for):
    Membership.objects.filter(review=review, user=lead).update(is_owner=True)
    assert _leave(client_for(owner), review).status_code == 302
    assert not Membership.objects.filter(review=review, user=owner).exists()


def test_leaving_needs_post_and_membership(review, reviewer, outsider, client_for):
    assert client_for(reviewer).get(reverse("reviews:member_leave", args=[review.slug])).status_code == 405
    assert _leave(client_for(outsider), review).status_code == 404


def test_an_owner_removes_a_member(review, owner, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    client = client_for(owner)
    response = client.post(reverse("reviews:member_remove", args=[review.slug, membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(action="membership.remove", actor=owner).exists()


def test_the_last_owner_cannot_be_removed(review, owner, client_for):
    membership = Membership.objects.get(review=review, user=owner)
    client = client_for(owner)
    response = client.post(reverse("reviews:member_remove", args=[review.slug, membership.pk]))
    assert escape(MEMBER_LAST_OWNER) in client.get(response["Location"]).content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_a_lead_cannot_remove_anyone(review, lead, reviewer, client_for):
    membership = Membership.objects.get(review=review, user=reviewer)
    response = client_for(lead).post(reverse("reviews:member_remove", args=[review.slug, membership.pk]))
    assert response.status_code == 403
    assert Membership.objects.filter(pk=membership.pk).exists()
