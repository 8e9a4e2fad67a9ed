"""Reads for reviews and members."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from reviews.models import AuditEvent, Membership, Review

User = get_user_model()


def membership_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("review").order_by("review__title")


def membership_get(*, user: AbstractBaseUser, slug: str) -> Membership | None:
    return Membership.objects.select_related("review").filter(user=user, review__slug=slug).first()


def membership_list_for_review(*, review: Review) -> QuerySet[Membership]:
    return Membership.objects.filter(review=review).select_related("user").order_by("user__username")


def user_find(*, username_or_email: str) -> AbstractBaseUser | None:
    value = username_or_email.strip()
    if not value:
        return None
    matches = list(User.objects.filter(Q(username__iexact=value) | Q(email__iexact=value))[:2])
    # An e-mail shared by two accounts is ambiguous; ask for the username instead.
    return matches[0] if len(matches) == 1 else None


def audit_event_list_for_review(*, review: Review, limit: int = 50) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(review=review).select_related("actor")[:limit]


def review_stage_counts(*, review: Review) -> list[dict]:
    """The overview's per-stage figures; each stage's app adds its own as it arrives."""
    return [
        {"stage": "Team", "figures": [("members", Membership.objects.filter(review=review).count())]},
    ]
