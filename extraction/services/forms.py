"""The extraction form: sections and fields, built by the owner or lead, audited change by change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max

from extraction.models import COUNT_TYPES, FieldType, FormField, FormSection, ParticipantGroup
from extraction.starters import STARTERS
from reviews.errors import ReviewRuleError
from reviews.models import Review
from reviews.services.audit import audit_record

SECTION_NEEDS_TITLE = "Give the section a title."
FIELD_NEEDS_LABEL = "Give the field a label."
FIELD_UNKNOWN_TYPE = "Choose a field type."
FIELD_NEEDS_CHOICES = "List at least two choices, one per line."
FIELD_GROUP_NOT_NUMBER = "Only a whole-number or decimal field can count a participant group."
FIELD_GROUP_NOT_IN_REVIEW = "That participant group belongs to another review."
FIELD_GROUP_GONE = "That participant group is no longer there; choose another."
FIELD_TYPE_LOCKED = (
    "“{label}” already has answers, so its type can no longer change (archive it and add a new field)."
)
FIELD_NOT_IN_REVIEW = "That section belongs to another review."
FIELD_MOVE_NEEDS_SECTION = "Choose the section to move the field to."
STARTER_NOT_EMPTY = "The form already has fields; the starting template is for an empty form."
STARTER_UNKNOWN = "Choose one of the starting templates."


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def _section_snapshot(section: FormSection) -> dict:
    return {"title": section.title, "position": section.position}


@transaction.atomic
def form_section_create(*, review: Review, actor: AbstractBaseUser, title: str) -> FormSection:
    title = title.strip()
    if not title:
        raise ReviewRuleError(SECTION_NEEDS_TITLE)
    section = FormSection.objects.create(
        review=review, title=title[:200], position=_next_position(review.extraction_sections.all())
    )
    audit_record(
        actor=actor,
        review=review,
        action="extraction.section_add",
        target=section,
        after=_section_snapshot(section),
    )
    return section


@transaction.atomic
def form_section_rename(*, section: FormSection, actor: AbstractBaseUser, title: str) -> FormSection:
    title = title.strip()
    if not title:
        raise ReviewRuleError(SECTION_NEEDS_TITLE)
    before = _section_snapshot(section)
    section.title = title[:200]
    section.save(update_fields=["title"])
    audit_record(
        actor=actor,
        review=section.review,
        action="extraction.section_rename",
        target=section,
        before=before,
        after=_section_snapshot(section),
    )
    return section


def _swap(items: list, item, direction: str) -> bool:
    """Renumber items 1..n with ``item`` moved one place up or down; False when it cannot move."""
    index = items.index(item)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(items):
        return False
    items[index], items[other] = items[other], items[index]
    for position, each in enumerate(items, start=1):
        if each.position != position:
            each.position = position
            each.save(update_fields=["position"])
    return True


@transaction.atomic
def form_section_move(*, section: FormSection, actor: AbstractBaseUser, direction: str) -> FormSection:
    sections = list(FormSection.objects.select_for_update().filter(review_id=section.review_id))
    sections.sort(key=lambda each: (each.position, each.pk))
    moving = next(each for each in sections if each.pk == section.pk)
    if _swap(sections, moving, direction):
        audit_record(
            actor=actor,
            review=section.review,
            action="extraction.section_move",
            target=moving,
            after={"title": moving.title, "direction": direction, "position": moving.position},
        )
    return moving


def _clean_field(
    *,
    review_id: int,
    label: str,
    field_type: str,
    choices: list[str],
    group: ParticipantGroup | None,
    help_text: str,
) -> dict[str, Any]:
    label = label.strip()
    if not label:
        raise ReviewRuleError(FIELD_NEEDS_LABEL)
    if field_type not in FieldType.values:
        raise ReviewRuleError(FIELD_UNKNOWN_TYPE)
    cleaned_choices: list[str] = []
    if field_type in (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE):
        for choice in choices:
            choice = choice.strip()[:200]
            if choice and choice not in cleaned_choices:
                cleaned_choices.append(choice)
        if len(cleaned_choices) < 2:
            raise ReviewRuleError(FIELD_NEEDS_CHOICES)
    if group is not None:
        if group.review_id != review_id:
            raise ReviewRuleError(FIELD_GROUP_NOT_IN_REVIEW)
        if field_type not in COUNT_TYPES:
            raise ReviewRuleError(FIELD_GROUP_NOT_NUMBER)
        # Lock the group: removing it while this field is marked as counting it must wait, then refuse.
        group = ParticipantGroup.objects.select_for_update().filter(pk=group.pk).first()
        if group is None:
            raise ReviewRuleError(FIELD_GROUP_GONE)
    return {
        "label": label[:200],
        "field_type": field_type,
        "choices": cleaned_choices,
        "group": group,
        "help_text": help_text.strip()[:500],
    }


def _field_snapshot(field: FormField) -> dict:
    return {
        "label": field.label,
        "help_text": field.help_text,
        "field_type": field.field_type,
        "choices": field.choices,
        "is_required": field.is_required,
        # The group by name: it reads in the history, and an archive keeps no ids inside the history's JSON
        # except those it knows to renumber.
        "group": field.group.name if field.group else "",
        "section": field.section_id,
        "position": field.position,
        "is_archived": field.is_archived,
    }


@transaction.atomic
def form_field_create(
    *,
    section: FormSection,
    actor: AbstractBaseUser,
    label: str,
    field_type: str,
    help_text: str = "",
    choices: list[str] | None = None,
    is_required: bool = False,
    group: ParticipantGroup | None = None,
) -> FormField:
    cleaned = _clean_field(
        review_id=section.review_id,
        label=label,
        field_type=field_type,
        choices=choices or [],
        group=group,
        help_text=help_text,
    )
    field = FormField.objects.create(
        review_id=section.review_id,
        section=section,
        is_required=is_required,
        position=_next_position(section.fields.all()),
        **cleaned,
    )
    audit_record(
        actor=actor,
        review=section.review,
        action="extraction.field_add",
        target=field,
        after=_field_snapshot(field),
    )
    return field


@transaction.atomic
def form_field_update(
    *,
    field: FormField,
    actor: AbstractBaseUser,
    label: str,
    field_type: str,
    help_text: str = "",
    choices: list[str] | None = None,
    is_required: bool = False,
    group: ParticipantGroup | None = None,
) -> FormField:
    """Change a field in place. Answers stay attached, so renaming keeps them; a type change would
    reinterpret them, so it is refused once anyone has answered."""
    field = FormField.objects.select_for_update(of=("self",)).select_related("group").get(pk=field.pk)
    cleaned = _clean_field(
        review_id=field.review_id,
        label=label,
        field_type=field_type,
        choices=choices or [],
        group=group,
        help_text=help_text,
    )
    has_answers = field.answers.exists() or field.reconciled_values.exists()
    if cleaned["field_type"] != field.field_type and has_answers:
        raise ReviewRuleError(FIELD_TYPE_LOCKED.format(label=field.label))
    before = _field_snapshot(field)
    for name, value in cleaned.items():
        setattr(field, name, value)
    field.is_required = is_required
    field.save()
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_edit",
        target=field,
        before=before,
        after=_field_snapshot(field),
    )
    return field


@transaction.atomic
def form_field_move(*, field: FormField, actor: AbstractBaseUser, direction: str) -> FormField:
    fields = list(
        FormField.objects.select_for_update().filter(section_id=field.section_id, is_archived=False)
    )
    fields.sort(key=lambda each: (each.position, each.pk))
    moving = next((each for each in fields if each.pk == field.pk), None)
    if moving is not None and _swap(fields, moving, direction):
        audit_record(
            actor=actor,
            review=field.review,
            action="extraction.field_move",
            target=moving,
            after={"label": moving.label, "direction": direction, "position": moving.position},
        )
    return moving or field


@transaction.atomic
def form_field_move_to_section(
    *, field: FormField, actor: AbstractBaseUser, section: FormSection
) -> FormField:
    """Put a field at the end of another section. It stays the same field, so its answers and reconciled
    values stay with it."""
    if section.review_id != field.review_id:
        raise ReviewRuleError(FIELD_NOT_IN_REVIEW)
    # Lock the target section: two fields moved into it at once must not take the same last place.
    section = FormSection.objects.select_for_update().get(pk=section.pk)
    field = FormField.objects.select_for_update().select_related("section").get(pk=field.pk)
    if field.section_id == section.pk:
        return field
    before = {"section": field.section_id, "section_title": field.section.title, "position": field.position}
    field.section, field.position = section, _next_position(section.fields.all())
    field.save(update_fields=["section", "position"])
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_move_section",
        target=field,
        before=before,
        after={
            "label": field.label,
            "section": section.pk,
            "section_title": section.title,
            "position": field.position,
        },
    )
    return field


@transaction.atomic
def form_field_archive(*, field: FormField, actor: AbstractBaseUser, is_archived: bool = True) -> FormField:
    """Take a field off the form (or bring it back). Its answers and reconciled values are kept."""
    field = FormField.objects.select_for_update().get(pk=field.pk)
    if field.is_archived == is_archived:
        return field
    field.is_archived = is_archived
    if not is_archived:
        field.position = _next_position(field.section.fields.filter(is_archived=False))
    field.save(update_fields=["is_archived", "position"])
    audit_record(
        actor=actor,
        review=field.review,
        action="extraction.field_archive" if is_archived else "extraction.field_restore",
        target=field,
        after={"label": field.label, "answers_kept": field.answers.count()},
    )
    return field


@transaction.atomic
def form_starter_load(
    *, review: Review, actor: AbstractBaseUser, starter: str = "qualitative"
) -> list[FormSection]:
    """Add one of the starting forms (``extraction.starters``) to an empty form."""
    if starter not in STARTERS:
        raise ReviewRuleError(STARTER_UNKNOWN)
    # Lock the review row: two clicks at once must not load the template twice.
    Review.objects.select_for_update().get(pk=review.pk)
    if FormField.objects.filter(review=review, is_archived=False).exists():
        raise ReviewRuleError(STARTER_NOT_EMPTY)
    sections = []
    first_position = _next_position(review.extraction_sections.all())
    for offset, (title, fields) in enumerate(STARTERS[starter]["sections"]):
        section = FormSection.objects.create(review=review, title=title, position=first_position + offset)
        FormField.objects.bulk_create(
            FormField(review=review, section=section, position=position, **spec)
            for position, spec in enumerate(fields, start=1)
        )
        sections.append(section)
    audit_record(
        actor=actor,
        review=review,
        action="extraction.starter_load",
        after={
            "starter": STARTERS[starter]["name"],
            "sections": [title for title, _ in STARTERS[starter]["sections"]],
        },
    )
    return sections
