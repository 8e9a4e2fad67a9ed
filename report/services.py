"""Writes for the report: the PRISMA flow's other-methods column."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from report.models import OtherMethods
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record

OTHER_BAD_LINE = "“{line}”: write a source or reason, a colon, and a number (e.g. “Citation searching: 12”)."
OTHER_NOT_ADDING_UP = "Reports assessed ({assessed}) should be those sought ({sought}) less those not retrieved ({not_retrieved})."
OTHER_TOO_MANY = "More reports are excluded and included ({decided}) than were assessed ({assessed})."


def other_methods_lines(text: str) -> dict[str, int]:
    """``Citation searching: 12`` a line, into {"Citation searching": 12}."""
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, _, number = line.rpartition(":")
        if not name.strip() or not number.strip().isdigit():
            raise ReviewRuleError(OTHER_BAD_LINE.format(line=line.strip()))
        counts[name.strip()] = counts.get(name.strip(), 0) + int(number)
    return counts


@transaction.atomic
def other_methods_save(
    *,
    review: Review,
    actor: AbstractBaseUser,
    identified: dict[str, int],
    sought: int,
    not_retrieved: int,
    assessed: int,
    excluded: dict[str, int],
    included: int,
) -> OtherMethods:
    if assessed != sought - not_retrieved:
        raise ReviewRuleError(
            OTHER_NOT_ADDING_UP.format(assessed=assessed, sought=sought, not_retrieved=not_retrieved)
        )
    decided = sum(excluded.values()) + included
    if decided > assessed:
        raise ReviewRuleError(OTHER_TOO_MANY.format(decided=decided, assessed=assessed))
    data = {
        "identified": identified,
        "sought": sought,
        "not_retrieved": not_retrieved,
        "assessed": assessed,
        "excluded": excluded,
        "included": included,
    }
    if not any(identified.values()) and not sought and not included:
        data = {}
    other, _ = OtherMethods.objects.select_for_update().get_or_create(review=review)
    before = other.data or None
    other.data, other.updated_by = data, actor
    other.save()
    audit_record(
        actor=actor, review=review, action="report.other_methods", target=other, before=before, after=data
    )
    return other
