"""Participant groups: the people a review's studies involve ("HCPs", "patients"), defined by the owner or
lead in the form builder and audited like the form's other changes. None by default."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from extraction.models import FormField, ParticipantGroup
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record

GROUP_NAME_MAX = 100
GROUP_NEEDS_NAME = "Name the group as it reads in a sentence, such as HCPs or patients."
GROUP_NAME_TAKEN = "The review already has a group called “{name}”."
GROUP_IN_USE = (
    "“{name}” is counted by {fields}: mark {them} as counting another group, or none, before removing it."
)


def _next_position(review: Review) -> int:
    return (review.participant_groups.aggregate(top=Max("position"))["top"] or 0) + 1


def _clean_name(review: Review, name: str, *, excluding: ParticipantGroup | None = None) -> str:
    name = " ".join(name.split())[:GROUP_NAME_MAX]
    if not name:
        raise ReviewRuleError(GROUP_NEEDS_NAME)
    others = ParticipantGroup.objects.filter(review=review, name__iexact=name)
    if excluding is not None:
        others = others.exclude(pk=excluding.pk)
    if others.exists():
        raise ReviewRuleError(GROUP_NAME_TAKEN.format(name=name))
    return name


@transaction.atomic
def participant_group_create(*, review: Review, actor: AbstractBaseUser, name: str) -> ParticipantGroup:
    # Lock the review row: two groups of one name added at once must not both pass the check.
    Review.objects.select_for_update().get(pk=review.pk)
    group = ParticipantGroup.objects.create(
        review=review,
        name=_clean_name(review, name),
        position=_next_position(review),
    )
    audit_record(
        actor=actor, review=review, action="extraction.group_add", target=group, after={"name": group.name}
    )
    return group


@transaction.atomic
def participant_group_rename(
    *, group: ParticipantGroup, actor: AbstractBaseUser, name: str
) -> ParticipantGroup:
    """Rename a group; the fields counting it go on counting it under the new name."""
    review = Review.objects.select_for_update().get(pk=group.review_id)
    group = ParticipantGroup.objects.select_for_update().get(pk=group.pk)
    before = {"name": group.name}
    group.name = _clean_name(review, name, excluding=group)
    if group.name != before["name"]:
        group.save(update_fields=["name"])
        audit_record(
            actor=actor,
            review=review,
            action="extraction.group_rename",
            target=group,
            before=before,
            after={"name": group.name},
        )
    return group


@transaction.atomic
def participant_group_remove(*, group: ParticipantGroup, actor: AbstractBaseUser) -> None:
    """Remove a group no field on the form counts. Refused while one does, so that the overview's figures
    never lose a group silently. Archived fields that counted it stop counting it (their answers stay)."""
    # Lock the group: a field marked as counting it meanwhile waits for this, then finds it gone.
    group = ParticipantGroup.objects.select_for_update().select_related("review").filter(pk=group.pk).first()
    if group is None:
        return  # removed a moment ago
    counting = list(group.fields.filter(is_archived=False).values_list("label", flat=True))
    if counting:
        labels = ", ".join(f"“{label}”" for label in counting)
        raise ReviewRuleError(
            GROUP_IN_USE.format(name=group.name, fields=labels, them="it" if len(counting) == 1 else "them")
        )
    archived = list(group.fields.values_list("label", flat=True))
    FormField.objects.filter(group=group).update(group=None)
    audit_record(
        actor=actor,
        review=group.review,
        action="extraction.group_remove",
        target=group,
        before={"name": group.name},
        after={"archived_fields_no_longer_counting": archived} if archived else None,
    )
    group.delete()
