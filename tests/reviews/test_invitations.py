"""Invitations: the owner's side (invite, send again, withdraw, no enumeration) and the invitee's (link once,
expiry, sign-up, log-in, the wrong person)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from reviews.models import AuditEvent, Invitation, Membership, Role
from reviews.services import invitations as service
from tests.factories import TEST_PASSWORD, UserFactory
from tests.reviews.invitations import invite, link_in_last_mail


@pytest.fixture
def owner_client(client_for, owner):
    return client_for(owner)


def _invite_through_page(client, review, invitee, roles=("reviewer",), capture=None):
    url = reverse("reviews:invitation_create", args=[review.slug])
    return client.post(url, {"invitee": invitee, "roles": list(roles)})


# --- The owner's side -------------------------------------------------------------------------------


def test_an_owner_invites_an_address_and_the_mail_goes_after_commit(
    review, owner_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _invite_through_page(owner_client, review, "erin@example.org", roles=["reviewer", "lead"])
        assert mail.outbox == []  # nothing is sent inside the request
    assert response.status_code == 302
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["erin@example.org"]
    assert "/invitations/" in mail.outbox[0].body and review.title in mail.outbox[0].subject
    invitation = Invitation.objects.get(review=review)
    assert invitation.roles == {Role.REVIEWER, Role.LEAD} and invitation.status == "pending"
    assert AuditEvent.objects.filter(action="invitation.create", review=review).exists()


def test_the_owner_is_told_the_same_for_known_and_unknown_addresses(
    review, owner_client, django_capture_on_commit_callbacks
):
    UserFactory(username="erin", email="erin@example.org")
    pages = []
    for invitee in ("erin@example.org", "nobody@example.org", "erin"):
        with django_capture_on_commit_callbacks(execute=True):
            response = _invite_through_page(owner_client, review, invitee)
        assert response.status_code == 302
        page = owner_client.get(response["Location"]).content.decode()
        pages.append(page.replace(invitee, "INVITEE"))
    message = "saved. If the address can receive mail, a link to join is on its way."
    assert all(message in page for page in pages)
    known, unknown = pages[0], pages[1]
    assert known.count("INVITEE") == unknown.count("INVITEE")
    assert Membership.objects.filter(review=review, user__username="erin").count() == 0
    # The history reads the same too: what was typed and the roles, nothing about an account.
    afters = [event.after for event in AuditEvent.objects.filter(action="invitation.create")]
    assert {tuple(sorted(after)) for after in afters} == {("invitee", "roles", "status")}


def test_an_existing_account_joins_only_once_it_accepts(review, owner, client_for):
    erin = UserFactory(username="erin", email="erin@example.org")
    with_mail = invite(review, owner, "erin")
    assert not Membership.objects.filter(review=review, user=erin).exists()
    assert with_mail.email == "erin@example.org"


def test_inviting_a_member_or_someone_invited_is_refused_with_a_reason(review, owner, owner_client):
    response = _invite_through_page(owner_client, review, "bob")
    assert response.status_code == 400 and "already a member" in response.content.decode()
    invite(review, owner, "erin@example.org")
    response = _invite_through_page(owner_client, review, "Erin@example.org")
    assert response.status_code == 400 and "already invited" in response.content.decode()


def test_a_username_no_account_has_is_refused_with_a_reason(review, owner_client, mailoutbox):
    """An invitation to a mistyped username could reach nobody: the owner is told, and nothing is kept."""
    response = _invite_through_page(owner_client, review, "nobody-here")
    page = response.content.decode()
    assert response.status_code == 400
    assert service.INVITE_NO_SUCH_USERNAME.format(invitee="nobody-here") in page
    assert 'id="id_invitee_error"' in page
    assert not Invitation.objects.exists() and mailoutbox == []
    assert not AuditEvent.objects.filter(action="invitation.create").exists()


def test_a_deactivated_or_addressless_account_is_not_invited_by_username(review, owner, owner_client):
    UserFactory(username="erin", email="erin@example.org", is_active=False)
    UserFactory(username="finn", email="")
    response = _invite_through_page(owner_client, review, "erin")
    assert service.INVITE_NO_SUCH_USERNAME.format(invitee="erin") in response.content.decode()
    response = _invite_through_page(owner_client, review, "finn")
    assert service.INVITE_USERNAME_WITHOUT_ADDRESS.format(invitee="finn") in response.content.decode()
    assert response.status_code == 400 and not Invitation.objects.exists()


@pytest.mark.parametrize("invitee", ["not an address", "x@", ""])
def test_bad_input_gets_a_clear_message(review, owner_client, invitee):
    response = _invite_through_page(owner_client, review, invitee)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_only_an_owner_invites_sends_again_or_withdraws(review, owner, lead, reviewer, client_for):
    invitation = invite(review, owner, "erin@example.org")
    for person in (lead, reviewer):
        client = client_for(person)
        assert _invite_through_page(client, review, "x@example.org").status_code == 403
        for action in ("invitation_resend", "invitation_revoke"):
            assert (
                client.post(reverse(f"reviews:{action}", args=[review.slug, invitation.pk])).status_code
                == 403
            )
    invitation.refresh_from_db()
    assert invitation.status == "pending" and Invitation.objects.count() == 1


def test_the_team_page_lists_waiting_invitations_for_owners_only(review, owner, reviewer, client_for):
    invite(review, owner, "erin@example.org")
    url = reverse("reviews:members", args=[review.slug])
    assert "erin@example.org" in client_for(owner).get(url).content.decode()
    assert "erin@example.org" not in client_for(reviewer).get(url).content.decode()


def test_sending_again_replaces_the_link_and_its_expiry(review, owner, owner_client, client_for):
    with time_machine.travel("2026-01-01 12:00Z", tick=False):
        invitation = invite(review, owner, "erin@example.org")
        old_token = service.invitation_token(invitation)
    with time_machine.travel("2026-01-05 12:00Z", tick=False):
        response = owner_client.post(reverse("reviews:invitation_resend", args=[review.slug, invitation.pk]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.expires_at == dt.datetime(2026, 1, 12, 12, tzinfo=dt.UTC)
    assert service.invitation_from_token(old_token) is None
    assert Client().get(reverse("invitation", args=[old_token])).status_code == 404
    assert AuditEvent.objects.filter(action="invitation.resend").count() == 1


def test_a_withdrawn_invitation_cannot_be_used(review, owner, owner_client):
    invitation = invite(review, owner, "erin@example.org")
    token = service.invitation_token(invitation)
    owner_client.post(reverse("reviews:invitation_revoke", args=[review.slug, invitation.pk]))
    invitation.refresh_from_db()
    assert invitation.status == "revoked"
    response = Client().get(reverse("invitation", args=[token]))
    assert response.status_code == 410 and "withdrawn" in response.content.decode()
    assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1
    # Nor sent again.
    owner_client.post(reverse("reviews:invitation_resend", args=[review.slug, invitation.pk]))
    assert AuditEvent.objects.filter(action="invitation.resend").count() == 0


# --- The invitee's side -----------------------------------------------------------------------------


def _sign_up(client, path, username="erin", password=TEST_PASSWORD, password2=None):
    return client.post(
        path,
        {
            "display_name": "Erin Example",
            "username": username,
            "password1": password,
            "password2": password2 or password,
        },
    )


def test_someone_without_an_account_signs_up_and_joins_with_the_role(
    review, owner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(review, owner, "erin@example.org", roles=["reviewer"])
    path = link_in_last_mail("erin@example.org")
    client = Client()
    page = client.get(path)
    assert page.status_code == 200 and "Create account and join" in page.content.decode()
    response = _sign_up(client, path)
    assert response.status_code == 302
    assert response["Location"] == reverse("report:overview", args=[review.slug])
    erin = Membership.objects.get(review=review, user__username="erin")
    assert erin.roles == {Role.REVIEWER} and erin.user.email == "erin@example.org"
    assert erin.user.first_name == "Erin Example"
    assert client.get(response["Location"]).status_code == 200  # logged in
    actions = set(AuditEvent.objects.filter(review=review).values_list("action", flat=True))
    assert {"account.sign_up", "invitation.accept", "membership.add"} <= actions


def test_a_link_works_once(review, owner):
    invitation = invite(review, owner, "erin@example.org")
    path = reverse("invitation", args=[service.invitation_token(invitation)])
    assert _sign_up(Client(), path).status_code == 302
    again = Client()
    response = _sign_up(again, path, username="mallory")
    assert response.status_code == 410 and "used already" in response.content.decode()
    assert not Membership.objects.filter(user__username="mallory").exists()


def test_an_expired_link_is_refused(review, owner, settings):
    settings.INVITATION_EXPIRY_DAYS = 3
    with time_machine.travel("2026-01-01 12:00Z", tick=False):
        invitation = invite(review, owner, "erin@example.org")
    path = reverse("invitation", args=[service.invitation_token(invitation)])
    with time_machine.travel("2026-01-04 11:59Z", tick=False):
        assert Client().get(path).status_code == 200
    with time_machine.travel("2026-01-04 12:00Z", tick=False):
        response = _sign_up(Client(), path)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not Membership.objects.filter(review=review, user__username="erin").exists()


@pytest.mark.parametrize("token", ["garbage", "W1sxLCJ4Il1d:forged:signature"])
def test_a_link_that_is_no_invitation_is_refused(db, token):
    response = Client().get(reverse("invitation", args=[token]))
    assert response.status_code == 404 and "not a valid invitation" in response.content.decode()


def test_sign_up_refuses_a_weak_or_mismatched_password_and_a_taken_username(review, owner):
    invitation = invite(review, owner, "erin@example.org")
    path = reverse("invitation", args=[service.invitation_token(invitation)])
    client = Client()
    assert _sign_up(client, path, password="12345678").status_code == 400
    assert "differ" in _sign_up(client, path, password2="something-else-42").content.decode()
    assert "taken" in _sign_up(client, path, username="BOB").content.decode()
    invitation.refresh_from_db()
    assert invitation.status == "pending"


def test_someone_with_an_account_logs_in_then_accepts(review, owner, client_for):
    erin = UserFactory(username="erin", email="erin@example.org")
    invitation = invite(review, owner, "erin@example.org", roles=["lead"])
    path = reverse("invitation", args=[service.invitation_token(invitation)])
    anonymous = Client().get(path).content.decode()
    assert "Log in to accept" in anonymous and "Create account" not in anonymous
    client = client_for(erin)
    assert "Join the review" in client.get(path).content.decode()
    assert not Membership.objects.filter(review=review, user=erin).exists()  # GET changes nothing
    response = client.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(review=review, user=erin).roles == {Role.LEAD}


def test_the_wrong_person_following_a_link_learns_nothing_and_joins_nothing(
    review, owner, outsider, client_for
):
    invitation = invite(review, owner, "erin@example.org")
    path = reverse("invitation", args=[service.invitation_token(invitation)])
    client = client_for(outsider)
    for response in (client.get(path), client.post(path)):
        assert response.status_code == 403
        assert review.title not in response.content.decode()
    assert not Membership.objects.filter(review=review, user=outsider).exists()
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    with pytest.raises(service.ReviewRuleError):
        service.invitation_accept(invitation=invitation, user=outsider)


def test_an_invitation_by_username_is_for_that_account(review, owner, client_for):
    erin = UserFactory(username="erin", email="erin@example.org")
    invitation = invite(review, owner, "erin")
    service.invitation_accept(invitation=invitation, user=erin)
    assert Membership.objects.filter(review=review, user=erin).exists()


def test_sign_up_is_refused_when_the_address_has_an_account(review, owner):
    invitation = invite(review, owner, "erin@example.org")
    UserFactory(username="erin", email="ERIN@example.org")
    with pytest.raises(service.ReviewRuleError):
        service.invitation_sign_up(
            invitation=invitation, username="erin2", display_name="", password=TEST_PASSWORD
        )


def test_the_mail_task_sends_the_message(mailoutbox):
    from reviews.tasks import mail_send

    mail_send.delay("erin@example.org", "Subject", "Body")
    assert mailoutbox[0].subject == "Subject" and mailoutbox[0].to == ["erin@example.org"]


def test_a_deactivated_account_cannot_sign_up_again_through_an_invitation(review, owner):
    UserFactory(username="erin", email="erin@example.org", is_active=False)
    invitation = invite(review, owner, "erin@example.org")
    page = Client().get(reverse("invitation", args=[service.invitation_token(invitation)])).content.decode()
    assert "Log in to accept" in page and "Create account" not in page


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_mail_goes_from_the_job_thread(review, owner, settings, mailoutbox, monkeypatch):
    """The embedded default (make run): the invitation is sent by the job thread once the request's
    transaction has committed, and the console backend would print it there."""
    import threading

    from reviews.jobs import jobs_wait_idle

    settings.TANDEM_JOBS_IN_THREAD = True
    senders = []
    real_send = mail.send_mail

    def watched_send(*args, **kwargs):
        senders.append(threading.current_thread())
        return real_send(*args, **kwargs)

    from reviews.services import mail as mail_service

    monkeypatch.setattr(mail_service, "send_mail", watched_send)
    invite(review, owner, "erin@example.org")
    assert jobs_wait_idle(10)
    assert [message.to for message in mailoutbox] == [["erin@example.org"]]
    assert senders and senders[0] is not threading.current_thread()
