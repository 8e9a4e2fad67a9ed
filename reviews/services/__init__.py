"""Writes. Each module covers one part of a review; the names are re-exported here."""

from reviews.services.audit import audit_record
from reviews.services.reviews import (
    MEMBER_ALREADY,
    MEMBER_LAST_OWNER,
    MEMBER_LAST_OWNER_LEAVES,
    MEMBER_NEEDS_ROLE,
    REVIEW_SETTINGS_FIELDS,
    REVIEW_SLUG_TAKEN,
    membership_add,
    membership_change_roles,
    membership_leave,
    membership_remove,
    review_create,
    review_update_settings,
    user_get_or_create_without_password,
)

__all__ = [
    "MEMBER_ALREADY",
    "MEMBER_LAST_OWNER",
    "MEMBER_LAST_OWNER_LEAVES",
    "MEMBER_NEEDS_ROLE",
    "REVIEW_SETTINGS_FIELDS",
    "REVIEW_SLUG_TAKEN",
    "audit_record",
    "membership_add",
    "membership_change_roles",
    "membership_leave",
    "membership_remove",
    "review_create",
    "review_update_settings",
    "user_get_or_create_without_password",
]
