"""Changing a password when logged in, and resetting a forgotten one by mail: audited, rate-limited, and the
reset page answers the same whether or not the address has an account."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from reviews.models import AuditEvent

NEW_PASSWORD = "a-brand-new-passphrase-77"


def _change(client, old, new=NEW_PASSWORD):
    return client.post(
        reverse("password_change"), {"old_password": old, "new_password1": new, "new_password2": new}
    )


def test_a_logged_in_person_changes_their_password(reviewer, password, client_for):
    client = client_for(reviewer)
    assert client.get(reverse("password_change")).status_code == 200
    response = _change(client, password)
    assert response.status_code == 302 and response["Location"] == reverse("password_change_done")
    reviewer.refresh_from_db()
    assert reviewer.check_password(NEW_PASSWORD)
    assert client.get(reverse("reviews:dashboard")).status_code == 200  # still logged in
    event = AuditEvent.objects.get(action="account.password_change")
    assert event.actor == reviewer and event.object_id == str(reviewer.pk)


def test_a_wrong_current_password_is_refused_and_counts_towards_the_lock_out(
    reviewer, password, settings, client_for
):
    settings.AXES_FAILURE_LIMIT = 3
    client = client_for(reviewer)
    for _ in range(2):
        response = _change(client, "not my password")
        assert response.status_code == 200 and "incorrectly" in response.content.decode()
    assert _change(client, "not my password").status_code == 429
    # Locked: even the right password does not change it now, and logging in is locked too.
    assert _change(client, password).status_code == 429
    reviewer.refresh_from_db()
    assert not reviewer.check_password(NEW_PASSWORD)
    login = Client().post(reverse("login"), {"username": "bob", "password": password})
    assert login.status_code == 429
    assert not AuditEvent.objects.filter(action="account.password_change").exists()


def test_changing_the_password_needs_a_login(db):
    response = Client().get(reverse("password_change"))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def _ask_reset(client, email):
    return client.post(reverse("password_reset"), {"email": email})


def test_the_reset_page_answers_the_same_for_known_and_unknown_addresses(
    reviewer, django_capture_on_commit_callbacks
):
    answers = []
    for email in ("bob@example.org", "nobody@example.org"):
        with django_capture_on_commit_callbacks(execute=True):
            response = _ask_reset(Client(), email)
        answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1] == (302, reverse("password_reset_done"))
    assert [message.to for message in mail.outbox] == [["bob@example.org"]]
    done = Client().get(reverse("password_reset_done")).content.decode()
    assert "If an account has that address" in done


def test_a_reset_link_sets_a_new_password_once(reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(Client(), "BOB@example.org")
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    response = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_complete")
    reviewer.refresh_from_db()
    assert reviewer.check_password(NEW_PASSWORD)
    again = Client().get(link, follow=True).content.decode()
    assert "This link cannot be used" in again
    actions = list(AuditEvent.objects.filter(object_id=str(reviewer.pk)).values_list("action", flat=True))
    assert "account.password_reset_request" in actions and "account.password_reset" in actions


def test_reset_requests_are_rate_limited_per_address_known_or_not(reviewer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for email in ("bob@example.org", "nobody@example.org"):
        statuses = [_ask_reset(Client(REMOTE_ADDR=f"198.51.100.{n}"), email).status_code for n in range(3)]
        assert statuses == [302, 302, 429], email


def test_reset_requests_are_rate_limited_per_client(db, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.5")
    statuses = [_ask_reset(client, f"person{n}@example.org").status_code for n in range(3)]
    assert statuses == [302, 302, 429]
    assert "Too many password reset requests" in _ask_reset(client, "x@example.org").content.decode()


def test_a_client_locked_out_of_logging_in_cannot_ask_for_resets(reviewer, settings):
    settings.AXES_FAILURE_LIMIT = 2
    client = Client(REMOTE_ADDR="203.0.113.6")
    for _ in range(2):
        client.post(reverse("login"), {"username": "bob", "password": "wrong"})
    assert _ask_reset(client, "bob@example.org").status_code == 429


def test_an_account_made_without_a_password_sets_its_first_one_by_reset(
    db, django_capture_on_commit_callbacks
):
    from reviews.services import user_get_or_create_without_password

    user, _ = user_get_or_create_without_password(username="erin", email="erin@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        _ask_reset(Client(), "erin@example.org")
    assert [message.to for message in mail.outbox] == [["erin@example.org"]]


def test_a_deactivated_account_gets_no_reset_mail(reviewer, django_capture_on_commit_callbacks):
    reviewer.is_active = False
    reviewer.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask_reset(Client(), "bob@example.org")
    assert response.status_code == 302 and mail.outbox == []
