"""The form builder: the owner or lead shapes the extraction form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from extraction import selectors, services
from extraction.forms import (
    FieldForm,
    GroupChoiceForm,
    GroupForm,
    MoveForm,
    MoveToSectionForm,
    SectionForm,
    StarterForm,
)
from extraction.models import FieldType, FormField, FormSection, ParticipantGroup
from extraction.starters import STARTERS, starter_suggested
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role

BUILDER_ROLES = (Role.OWNER, Role.LEAD)


def _builder_context(access: ReviewAccess, **extra) -> dict[str, Any]:
    sections = selectors.form_sections(review=access.review, include_archived=True)
    return {
        "access": access,
        "review": access.review,
        "sections": sections,
        "has_fields": any(section.active_fields for section in sections),
        "field_types": FieldType.choices,
        "groups": selectors.participant_groups(review=access.review),
        "starters": STARTERS,
        "starter_suggested": starter_suggested(access.review.review_type),
        "choice_types": [FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE],
        "error": "",
        **extra,
    }


@require_safe
@vary_on_headers("HX-Request")
@review_member_required(*BUILDER_ROLES)
def form_builder(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    template = "extraction/form_builder.html#builder" if request.htmx else "extraction/form_builder.html"
    return render(request, template, _builder_context(access))


def _builder_done(
    request: HtmxHttpRequest, access: ReviewAccess, error: str = "", done: str = ""
) -> HttpResponse:
    done = "" if error else done
    if request.htmx:
        return render(
            request, "extraction/form_builder.html#builder", _builder_context(access, error=error, done=done)
        )
    if error:
        messages.error(request, error)
    elif done:
        messages.success(request, done)
    return redirect("extraction:form", slug=access.review.slug)


def _run(action) -> str:
    try:
        action()
    except ReviewRuleError as rule_error:
        return str(rule_error)
    return ""


def _section(access: ReviewAccess, section_id: int) -> FormSection:
    return get_object_or_404(FormSection, pk=section_id, review=access.review)


def _field(access: ReviewAccess, field_id: int) -> FormField:
    return get_object_or_404(
        FormField.objects.select_related("review", "section"), pk=field_id, review=access.review
    )


@require_POST
@review_member_required(*BUILDER_ROLES)
def starter_load(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = StarterForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, services.STARTER_UNKNOWN)
    error = _run(
        lambda: services.form_starter_load(review=access.review, actor=request.user, **form.cleaned_data)
    )
    name = STARTERS[form.cleaned_data["starter"]]["name"]
    return _builder_done(
        request, access, error, f"The starting template for {name} is loaded; edit it as you need."
    )


def _group(access: ReviewAccess, group_id: int) -> ParticipantGroup:
    return get_object_or_404(ParticipantGroup, pk=group_id, review=access.review)


@require_POST
@review_member_required(*BUILDER_ROLES)
def group_add(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = GroupForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, services.GROUP_NEEDS_NAME)
    error = _run(
        lambda: services.participant_group_create(
            review=access.review, actor=request.user, **form.cleaned_data
        )
    )
    return _builder_done(request, access, error, "Participant group added.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def group_rename(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    choice, form = GroupChoiceForm(request.POST), GroupForm(request.POST)
    if not choice.is_valid() or not form.is_valid():
        return _builder_done(request, access, services.GROUP_NEEDS_NAME)
    group = _group(access, choice.cleaned_data["group"])
    error = _run(
        lambda: services.participant_group_rename(group=group, actor=request.user, **form.cleaned_data)
    )
    return _builder_done(request, access, error, "Participant group renamed.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def group_remove(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    choice = GroupChoiceForm(request.POST)
    if not choice.is_valid():
        return _builder_done(request, access)
    group = _group(access, choice.cleaned_data["group"])
    error = _run(lambda: services.participant_group_remove(group=group, actor=request.user))
    return _builder_done(request, access, error, f"“{group.name}” removed.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def section_add(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, services.SECTION_NEEDS_TITLE)
    error = _run(
        lambda: services.form_section_create(review=access.review, actor=request.user, **form.cleaned_data)
    )
    return _builder_done(request, access, error, "Section added.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def section_rename(request: HtmxHttpRequest, access: ReviewAccess, section_id: int) -> HttpResponse:
    section = _section(access, section_id)
    form = SectionForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, services.SECTION_NEEDS_TITLE)
    error = _run(
        lambda: services.form_section_rename(section=section, actor=request.user, **form.cleaned_data)
    )
    return _builder_done(request, access, error, "Section renamed.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def section_move(request: HtmxHttpRequest, access: ReviewAccess, section_id: int) -> HttpResponse:
    section = _section(access, section_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.form_section_move(section=section, actor=request.user, **form.cleaned_data)
    return _builder_done(request, access)


def _field_arguments(access: ReviewAccess, form: FieldForm) -> dict[str, Any]:
    """The service's arguments; the group looked up in the review (ReviewRuleError when it is gone)."""
    data = dict(form.cleaned_data)
    group_id = data.pop("group", None)
    data["group"] = None
    if group_id:
        data["group"] = ParticipantGroup.objects.filter(pk=group_id, review=access.review).first()
        if data["group"] is None:
            raise ReviewRuleError(services.FIELD_GROUP_GONE)
    return data


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_add(request: HtmxHttpRequest, access: ReviewAccess, section_id: int) -> HttpResponse:
    section = _section(access, section_id)
    form = FieldForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, "Give the field a label and a type.")
    error = _run(
        lambda: services.form_field_create(
            section=section, actor=request.user, **_field_arguments(access, form)
        )
    )
    return _builder_done(request, access, error, "Field added.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_edit(request: HtmxHttpRequest, access: ReviewAccess, field_id: int) -> HttpResponse:
    form_field = _field(access, field_id)
    form = FieldForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, "Give the field a label and a type.")
    error = _run(
        lambda: services.form_field_update(
            field=form_field, actor=request.user, **_field_arguments(access, form)
        )
    )
    return _builder_done(request, access, error, "Field saved; answers already given are kept.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_move(request: HtmxHttpRequest, access: ReviewAccess, field_id: int) -> HttpResponse:
    form_field = _field(access, field_id)
    form = MoveForm(request.POST)
    if form.is_valid():
        services.form_field_move(field=form_field, actor=request.user, **form.cleaned_data)
    return _builder_done(request, access)


@require_POST
@vary_on_headers("HX-Request")
@review_member_required(*BUILDER_ROLES)
def field_move_section(request: HtmxHttpRequest, access: ReviewAccess, field_id: int) -> HttpResponse:
    form_field = _field(access, field_id)
    form = MoveToSectionForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, services.FIELD_MOVE_NEEDS_SECTION)
    section = _section(access, form.cleaned_data["section"])
    error = _run(
        lambda: services.form_field_move_to_section(field=form_field, actor=request.user, section=section)
    )
    return _builder_done(request, access, error, f"“{form_field.label}” moved to {section.title}.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_archive(request: HtmxHttpRequest, access: ReviewAccess, field_id: int) -> HttpResponse:
    form_field = _field(access, field_id)
    services.form_field_archive(field=form_field, actor=request.user)
    return _builder_done(request, access, done=f"“{form_field.label}” archived; its answers are kept.")


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_restore(request: HtmxHttpRequest, access: ReviewAccess, field_id: int) -> HttpResponse:
    form_field = _field(access, field_id)
    services.form_field_archive(field=form_field, actor=request.user, is_archived=False)
    return _builder_done(request, access, done=f"“{form_field.label}” is back on the form.")
