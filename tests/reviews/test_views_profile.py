"""A person's own account page: display name (shown instead of the username), e-mail, time zone."""

from __future__ import annotations

import zoneinfo

from django.urls import reverse
from django.utils.html import escape

from reviews.forms import PROFILE_EMAIL_NEEDS_PASSWORD
from reviews.models import AuditEvent, Profile


def _save(client, **fields):
    data = {"display_name": "", "email": "bob@example.org", "time_zone": ""} | fields
    return client.post(reverse("reviews:profile"), data)


def test_a_display_name_is_shown_instead_of_the_username(review, owner, reviewer, client_for):
    client = client_for(reviewer)
    assert _save(client, display_name="Bob Builder").status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.first_name == "Bob Builder"
    team = client_for(owner).get(reverse("reviews:members", args=[review.slug])).content.decode()
    assert "Bob Builder" in team and 'aria-label="Reviewer: Bob Builder"' in team
    assert "Bob Builder" in client.get("/").content.decode()  # the header names them too
    event = AuditEvent.objects.get(action="account.profile_update")
    assert event.before == {"display_name": ""} and event.after == {"display_name": "Bob Builder"}


def test_changing_the_email_needs_the_current_password(reviewer, password, client_for):
    client = client_for(reviewer)
    response = _save(client, email="new@example.org")
    assert response.status_code == 400
    assert escape(PROFILE_EMAIL_NEEDS_PASSWORD) in response.content.decode()
    assert _save(client, email="new@example.org", current_password="wrong").status_code == 400
    assert _save(client, email="new@example.org", current_password=password).status_code == 302
    reviewer.refresh_from_db()
    assert reviewer.email == "new@example.org"


def test_a_bad_address_or_time_zone_gets_a_message(reviewer, client_for):
    client = client_for(reviewer)
    response = _save(client, email="not an address", time_zone="Mars/Olympus")
    body = response.content.decode()
    assert response.status_code == 400 and "valid email" in body and "Select a valid choice" in body


def test_times_are_shown_in_the_chosen_time_zone(review, owner, client_for):
    from tests.reviews.invitations import invite

    client = client_for(owner)
    assert _save(client, email="alice@example.org", time_zone="Pacific/Auckland").status_code == 302
    assert Profile.objects.get(user=owner).time_zone == "Pacific/Auckland"
    invitation = invite(review, owner, "erin@example.org")
    local = invitation.expires_at.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert local.strftime("%H:%M") != invitation.expires_at.strftime("%H:%M")
    team = client.get(reverse("reviews:members", args=[review.slug])).content.decode()
    assert local.strftime("%H:%M") in team


def test_the_time_zone_comes_back_at_the_next_log_in(owner, password, client):
    Profile.objects.create(user=owner, time_zone="Asia/Tokyo")
    client.post(reverse("login"), {"username": "alice", "password": password})
    assert client.session["tandem_time_zone"] == "Asia/Tokyo"


def test_the_account_page_needs_a_login(client, db):
    response = client.get(reverse("reviews:profile"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
