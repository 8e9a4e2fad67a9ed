"""Writes for reviews and their members."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.text import slugify

from reviews.errors import ReviewRuleError
from reviews.models import Membership, Review, Role
from reviews.services.audit import audit_record

User = get_user_model()

REVIEW_SLUG_TAKEN = "A review with the short name “{slug}” already exists; choose another."
MEMBER_ALREADY = "{username} is already a member of this review."
MEMBER_NEEDS_ROLE = "Choose at least one role."
MEMBER_LAST_OWNER = "A review needs at least one owner: make someone else an owner first."
MEMBER_LAST_OWNER_LEAVES = "You are this review's only owner: make someone else an owner before you leave."

REVIEW_SETTINGS_FIELDS = (
    "title",
    "review_type",
    "question",
    "protocol_registration",
    "population",
    "concept",
    "context",
    "inclusion_criteria",
    "exclusion_criteria",
    "fulltext_exclusion_reasons",
    "include_keywords",
    "exclude_keywords",
    "reviewers_per_record",
    "lead_may_screen",
)


def _review_snapshot(review: Review) -> dict[str, Any]:
    return {field: getattr(review, field) for field in REVIEW_SETTINGS_FIELDS} | {"slug": review.slug}


def _membership_snapshot(membership: Membership) -> dict[str, Any]:
    return {"user": membership.user.username, "roles": sorted(membership.roles)}


@transaction.atomic
def review_create(
    *,
    actor: AbstractBaseUser | None,
    owner: AbstractBaseUser,
    slug: str,
    title: str,
    review_type: str = Review.ReviewType.SCOPING,
    owner_roles: tuple[str, ...] = (Role.OWNER,),
    **settings_fields: Any,
) -> Review:
    slug = slugify(slug)
    if Review.objects.filter(slug=slug).exists():
        raise ReviewRuleError(REVIEW_SLUG_TAKEN.format(slug=slug))
    review = Review.objects.create(
        slug=slug, title=title, review_type=review_type, created_by=owner, **settings_fields
    )
    audit_record(
        actor=actor, review=review, action="review.create", target=review, after=_review_snapshot(review)
    )
    membership_add(actor=actor, review=review, user=owner, roles=set(owner_roles) | {Role.OWNER})
    return review


@transaction.atomic
def review_update_settings(*, actor: AbstractBaseUser, review: Review, **changes: Any) -> Review:
    unknown = set(changes) - set(REVIEW_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"not review settings: {sorted(unknown)}")
    before = _review_snapshot(review)
    for field, value in changes.items():
        setattr(review, field, value)
    review.full_clean()
    review.save(update_fields=list(changes))
    after = _review_snapshot(review)
    if before != after:
        audit_record(
            actor=actor,
            review=review,
            action="review.update_settings",
            target=review,
            before={k: v for k, v in before.items() if before[k] != after[k]},
            after={k: v for k, v in after.items() if before[k] != after[k]},
        )
    return review


def _role_flags(roles: set[str]) -> dict[str, bool]:
    unknown = roles - set(Role.values)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    if not roles:
        raise ReviewRuleError(MEMBER_NEEDS_ROLE)
    return {f"is_{role}": role in roles for role in Role.values}


@transaction.atomic
def membership_add(
    *, actor: AbstractBaseUser | None, review: Review, user: AbstractBaseUser, roles: set[str]
) -> Membership:
    flags = _role_flags(set(roles))
    if Membership.objects.filter(review=review, user=user).exists():
        raise ReviewRuleError(MEMBER_ALREADY.format(username=user.get_username()))
    membership = Membership.objects.create(review=review, user=user, **flags)
    audit_record(
        actor=actor,
        review=review,
        action="membership.add",
        target=membership,
        after=_membership_snapshot(membership),
    )
    return membership


def _check_an_owner_remains(*, review: Review, membership: Membership, stays_owner: bool) -> None:
    if membership.is_owner and not stays_owner:
        other_owners = Membership.objects.filter(review=review, is_owner=True).exclude(pk=membership.pk)
        if not other_owners.exists():
            raise ReviewRuleError(MEMBER_LAST_OWNER)


@transaction.atomic
def membership_change_roles(
    *, actor: AbstractBaseUser, membership: Membership, roles: set[str]
) -> Membership:
    flags = _role_flags(set(roles))
    # Lock the review's owners so two owners demoting each other at once cannot leave none.
    list(Membership.objects.select_for_update().filter(review=membership.review, is_owner=True))
    membership.refresh_from_db()
    _check_an_owner_remains(review=membership.review, membership=membership, stays_owner=flags["is_owner"])
    before = _membership_snapshot(membership)
    for field, value in flags.items():
        setattr(membership, field, value)
    membership.save(update_fields=list(flags))
    audit_record(
        actor=actor,
        review=membership.review,
        action="membership.change_roles",
        target=membership,
        before=before,
        after=_membership_snapshot(membership),
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: AbstractBaseUser, membership: Membership) -> None:
    list(Membership.objects.select_for_update().filter(review=membership.review, is_owner=True))
    membership.refresh_from_db()
    _check_an_owner_remains(review=membership.review, membership=membership, stays_owner=False)
    audit_record(
        actor=actor,
        review=membership.review,
        action="membership.remove",
        target=membership,
        before=_membership_snapshot(membership),
    )
    membership.delete()


@transaction.atomic
def membership_leave(*, membership: Membership) -> None:
    """A member takes themselves out of the review; the last owner cannot."""
    # Locked like a removal: two owners leaving at once must not leave the review with none.
    list(Membership.objects.select_for_update().filter(review=membership.review, is_owner=True))
    membership.refresh_from_db()
    try:
        _check_an_owner_remains(review=membership.review, membership=membership, stays_owner=False)
    except ReviewRuleError:
        raise ReviewRuleError(MEMBER_LAST_OWNER_LEAVES) from None
    audit_record(
        actor=membership.user,
        review=membership.review,
        action="membership.leave",
        target=membership,
        before=_membership_snapshot(membership),
    )
    membership.delete()


def user_get_or_create_without_password(*, username: str, email: str = "") -> tuple[AbstractBaseUser, bool]:
    """Users made by scripts cannot log in until they set a password (or an admin sets one)."""
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user, False
    user = User(username=username, email=email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user, True
