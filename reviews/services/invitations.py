"""Invitations: how anyone joins a review. An owner invites an e-mail address or a username with roles; the
invitee follows a one-time link and joins (signing up first if they have no account).

What the owner sees never depends on whether an account answers to an e-mail address they typed: the
invitation is created, listed and audited the same way either way, and only the invitee learns more. A
username is different: an invitation to one goes to its account's address, so a username no account answers
to (a typo, most often) is refused with a reason instead of being kept as an invitation nobody can receive.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from reviews.errors import ReviewRuleError
from reviews.models import Invitation, Membership, Review
from reviews.services.audit import audit_record
from reviews.services.mail import mail_queue
from reviews.services.reviews import _role_flags, membership_add

User = get_user_model()

INVITE_ALREADY_MEMBER = "{invitee} is already a member of this review."
INVITE_ALREADY_PENDING = (
    "{invitee} is already invited; send the invitation again from the list below instead."
)
INVITE_NOT_PENDING = "This invitation is no longer waiting: it was accepted or withdrawn."
INVITATION_EXPIRED = "This invitation has expired. Ask the review's owner to send it again."
INVITATION_REVOKED = "This invitation was withdrawn by the review's owner."
INVITATION_USED = (
    "This invitation has been used already: whoever accepted it finds the review under My reviews."
)
INVITATION_NOT_YOURS = (
    "This invitation was sent to someone else, and you are logged in as another person. "
    "Log out, then follow the link again."
)
INVITATION_HAS_ACCOUNT = "An account already uses this e-mail address: log in to accept the invitation."
INVITE_NO_SUCH_USERNAME = (
    "There is no user with the username “{invitee}”. Check the spelling, or invite someone new by their "
    "e-mail address."
)
INVITE_USERNAME_WITHOUT_ADDRESS = (
    "The account “{invitee}” has no e-mail address, so no link can reach it. Ask them to add one on their "
    "profile page, then invite them again."
)

_SALT = "tandem.invitation"


def _snapshot(invitation: Invitation) -> dict[str, Any]:
    return {"invitee": invitation.invitee, "roles": sorted(invitation.roles), "status": invitation.status}


def _addressed_accounts(invitation: Invitation) -> QuerySet:
    """The accounts the invitation is for: by the address it went to, or the username the owner typed."""
    condition = Q(username__iexact=invitation.invitee)
    if invitation.email:
        condition |= Q(email__iexact=invitation.email)
    return User.objects.filter(condition)


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps([invitation.pk, invitation.key], salt=_SALT, compress=True)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names (in any state), or None when the link is not one of ours or outdated."""
    try:
        pk, key = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, TypeError, ValueError):
        return None
    invitation = Invitation.objects.select_related("review", "invited_by").filter(pk=pk).first()
    if invitation is None or not constant_time_compare(invitation.key, str(key)):
        return None
    return invitation


def invitation_problem(invitation: Invitation, *, now: dt.datetime | None = None) -> str:
    """Why the link cannot be used any more ("" when it can)."""
    if invitation.status == Invitation.Status.ACCEPTED:
        return INVITATION_USED
    if invitation.status == Invitation.Status.REVOKED:
        return INVITATION_REVOKED
    if invitation.is_expired(now or timezone.now()):
        return INVITATION_EXPIRED
    return ""


def invitation_is_for(invitation: Invitation, user: AbstractBaseUser) -> bool:
    return _addressed_accounts(invitation).filter(pk=user.pk).exists()


def invitation_has_account(invitation: Invitation) -> bool:
    """Whether the invitee must log in rather than sign up. A deactivated account counts: its owner does not get
    round the deactivation by signing up again."""
    return _addressed_accounts(invitation).exists()


def _invitation_send(invitation: Invitation, *, site_url: str) -> None:
    if not invitation.email:
        return  # an account that has lost its address since it was invited: nowhere to send it
    inviter = invitation.invited_by
    mail_queue(
        recipient=invitation.email,
        template="reviews/email/invitation",
        context={
            "invitation": invitation,
            "review": invitation.review,
            "inviter": (inviter.get_full_name() or inviter.get_username()) if inviter else "An owner",
            "link": site_url.rstrip("/") + reverse("invitation", args=[invitation_token(invitation)]),
            "expires_at": invitation.expires_at,
        },
    )


def _fresh_link(invitation: Invitation) -> None:
    now = timezone.now()
    invitation.key = secrets.token_urlsafe(32)
    invitation.sent_at = now
    invitation.expires_at = now + dt.timedelta(days=settings.INVITATION_EXPIRY_DAYS)


def _username_address(username: str) -> str:
    """The address an invitation to this username goes to. A deactivated account counts as none: it
    could not accept."""
    account = User.objects.filter(username__iexact=username, is_active=True).first()
    if account is None:
        raise ReviewRuleError(INVITE_NO_SUCH_USERNAME.format(invitee=username))
    if not account.email:
        raise ReviewRuleError(INVITE_USERNAME_WITHOUT_ADDRESS.format(invitee=username))
    return account.email


@transaction.atomic
def invitation_create(
    *, actor: AbstractBaseUser, review: Review, invitee: str, roles: set[str], site_url: str
) -> Invitation:
    flags = _role_flags(set(roles))
    invitee = invitee.strip()
    members = Membership.objects.filter(review=review)
    if members.filter(Q(user__username__iexact=invitee) | Q(user__email__iexact=invitee)).exists():
        raise ReviewRuleError(INVITE_ALREADY_MEMBER.format(invitee=invitee))
    if review.invitations.filter(status=Invitation.Status.PENDING, invitee__iexact=invitee).exists():
        raise ReviewRuleError(INVITE_ALREADY_PENDING.format(invitee=invitee))
    email = invitee if "@" in invitee else _username_address(invitee)
    invitation = Invitation(review=review, invitee=invitee, email=email, invited_by=actor, **flags)
    _fresh_link(invitation)
    invitation.save()
    audit_record(
        actor=actor, review=review, action="invitation.create", target=invitation, after=_snapshot(invitation)
    )
    _invitation_send(invitation, site_url=site_url)
    return invitation


def _lock_pending(invitation: Invitation) -> Invitation:
    locked = (
        # Only the invitation's row: PostgreSQL refuses FOR UPDATE on the nullable side of the inviter's join.
        Invitation.objects.select_for_update(of=("self",))
        .select_related("review", "invited_by")
        .get(pk=invitation.pk)
    )
    if locked.status != Invitation.Status.PENDING:
        raise ReviewRuleError(INVITE_NOT_PENDING)
    return locked


@transaction.atomic
def invitation_resend(*, actor: AbstractBaseUser, invitation: Invitation, site_url: str) -> Invitation:
    """A new link (the earlier one stops working) with a new expiry, sent again."""
    invitation = _lock_pending(invitation)
    _fresh_link(invitation)
    invitation.save(update_fields=["key", "sent_at", "expires_at"])
    audit_record(
        actor=actor,
        review=invitation.review,
        action="invitation.resend",
        target=invitation,
        after=_snapshot(invitation),
    )
    _invitation_send(invitation, site_url=site_url)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: AbstractBaseUser, invitation: Invitation) -> Invitation:
    invitation = _lock_pending(invitation)
    before = _snapshot(invitation)
    invitation.status = Invitation.Status.REVOKED
    invitation.finished_at = timezone.now()
    invitation.save(update_fields=["status", "finished_at"])
    audit_record(
        actor=actor,
        review=invitation.review,
        action="invitation.revoke",
        target=invitation,
        before=before,
        after=_snapshot(invitation),
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: AbstractBaseUser) -> Membership:
    # Locked: the same link followed twice at once must add the person once.
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("review").get(pk=invitation.pk)
    )
    problem = invitation_problem(invitation)
    if problem:
        raise ReviewRuleError(problem)
    if not invitation_is_for(invitation, user):
        raise ReviewRuleError(INVITATION_NOT_YOURS)
    before = _snapshot(invitation)
    invitation.status = Invitation.Status.ACCEPTED
    invitation.finished_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "finished_at", "accepted_by"])
    audit_record(
        actor=user,
        review=invitation.review,
        action="invitation.accept",
        target=invitation,
        before=before,
        after=_snapshot(invitation),
    )
    existing = Membership.objects.filter(review=invitation.review, user=user).first()
    if existing is not None:
        return existing  # joined meanwhile through another invitation: nothing more to add
    return membership_add(actor=user, review=invitation.review, user=user, roles=invitation.roles)


@transaction.atomic
def invitation_sign_up(
    *, invitation: Invitation, username: str, display_name: str, password: str
) -> AbstractBaseUser:
    """A new account for the invitation's address, which then accepts it."""
    if not invitation.email:
        raise ReviewRuleError(INVITATION_NOT_YOURS)
    if invitation_has_account(invitation):
        raise ReviewRuleError(INVITATION_HAS_ACCOUNT)
    problem = invitation_problem(invitation)
    if problem:
        raise ReviewRuleError(problem)
    user = User(username=username, email=invitation.email, first_name=display_name)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=user,
        review=invitation.review,
        action="account.sign_up",
        target=user,
        after={"username": user.username},
    )
    invitation_accept(invitation=invitation, user=user)
    return user
