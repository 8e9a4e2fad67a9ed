"""Writes for people's own accounts: passwords, profile, and the site administrator's deactivation."""

from __future__ import annotations

import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from reviews.errors import ReviewRuleError
from reviews.models import Profile
from reviews.services.audit import audit_record
from reviews.services.mail import mail_queue

User = get_user_model()


def _accounts_with_email(email: str):
    """Active accounts with this address. Unlike Django's reset form, accounts without a usable password are
    included: those made by scripts (``addmember --create``, a restored archive) set their first password so."""
    email_field = User.get_email_field_name()
    candidates = User.objects.filter(**{f"{email_field}__iexact": email, "is_active": True})
    return [user for user in candidates if _same_address(email, getattr(user, email_field))]


def _same_address(first: str, second: str) -> bool:
    return unicodedata.normalize("NFKC", first).casefold() == unicodedata.normalize("NFKC", second).casefold()


def account_password_reset_request(*, email: str, site_url: str) -> None:
    """Mail a reset link to each active account with this address (and to nobody if none has it; the page
    that asked says the same either way)."""
    for user in _accounts_with_email(email):
        link = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        with transaction.atomic():
            audit_record(actor=None, review=None, action="account.password_reset_request", target=user)
            mail_queue(
                recipient=getattr(user, User.get_email_field_name()),
                template="registration/password_reset",
                context={"user": user, "link": site_url.rstrip("/") + link},
            )


def account_password_changed(*, user: AbstractBaseUser, how: str) -> None:
    """Record a password set by its owner (``how``: "change" when logged in, "reset" through a mailed link)."""
    audit_record(actor=user, review=None, action=f"account.password_{how}", target=user)


@transaction.atomic
def account_profile_update(
    *, user: AbstractBaseUser, display_name: str, email: str, time_zone: str
) -> Profile:
    profile, _ = Profile.objects.get_or_create(user=user)
    before = {"display_name": user.get_full_name(), "email": user.email, "time_zone": profile.time_zone}
    user.first_name, user.last_name, user.email = display_name.strip(), "", email.strip()
    user.save(update_fields=["first_name", "last_name", "email"])
    profile.time_zone = time_zone
    profile.save(update_fields=["time_zone"])
    after = {"display_name": user.get_full_name(), "email": user.email, "time_zone": profile.time_zone}
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        audit_record(
            actor=user,
            review=None,
            action="account.profile_update",
            target=user,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    return profile


ACCOUNT_NOT_YOURSELF = "You cannot deactivate your own account."


@transaction.atomic
def account_set_active(
    *, actor: AbstractBaseUser, user: AbstractBaseUser, is_active: bool
) -> AbstractBaseUser:
    """Deactivate or reactivate an account. A deactivated person is logged out at their next request (the
    authentication backend refuses inactive accounts), wherever they are logged in."""
    if user.pk == actor.pk and not is_active:
        raise ReviewRuleError(ACCOUNT_NOT_YOURSELF)
    if user.is_active == is_active:
        return user
    user.is_active = is_active
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        review=None,
        action="account.reactivate" if is_active else "account.deactivate",
        target=user,
        before={"is_active": not is_active},
        after={"is_active": is_active},
    )
    return user
