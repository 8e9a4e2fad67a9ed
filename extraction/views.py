from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from extraction import exports, selectors, services
from extraction.forms import FieldForm, MoveForm, MoveToSectionForm, SectionForm
from extraction.models import CHOICE_TYPES, FieldType, FormField, FormSection, ReconciledValue, Total
from extraction.values import as_input, options
from lib import spreadsheet
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required, wants_fragment
from reviews.errors import ReviewRuleError
from reviews.models import Role

BUILDER_ROLES = (Role.OWNER, Role.LEAD)


def _check_extractor(request, access: ReviewAccess) -> None:
    if not access.may_decide:
        forbid(request, "Only the review's reviewers extract data (leads reconcile instead).")


def _study(access: ReviewAccess, record_id: int):
    study = selectors.included_study(review=access.review, record_id=record_id)
    if study is None:
        raise Http404("This study is not included at full text.")
    return study


# --- Studies --------------------------------------------------------------------------------------


@require_http_methods(["GET"])
@review_member_required()
def study_list(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    review = access.review
    sees_all = access.sees_unsettled
    context = {
        "access": access,
        "review": review,
        "sees_all": sees_all,
        "rows": selectors.study_rows(review=review, viewer=request.user, sees_all=sees_all),
        "totals": selectors.extraction_totals(review),
        "agreement": selectors.extraction_agreement(review=review) if sees_all else [],
        "may_extract": access.may_decide,
        "has_form": bool(selectors.form_fields(review=review)),
    }
    return render(request, "extraction/studies.html", context)


# --- The form builder ---------------------------------------------------------------------------------


def _builder_context(access: ReviewAccess, **extra) -> dict[str, Any]:
    sections = selectors.form_sections(review=access.review, include_archived=True)
    return {
        "access": access,
        "review": access.review,
        "sections": sections,
        "has_fields": any(section.active_fields for section in sections),
        "field_types": FieldType.choices,
        "totals": Total.choices,
        "choice_types": [FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE],
        "error": "",
        **extra,
    }


@require_http_methods(["GET"])
@vary_on_headers("HX-Request")
@review_member_required(*BUILDER_ROLES)
def form_builder(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    template = (
        "extraction/form_builder.html#builder" if wants_fragment(request) else "extraction/form_builder.html"
    )
    return render(request, template, _builder_context(access))


def _builder_done(
    request: HtmxHttpRequest, access: ReviewAccess, error: str = "", done: str = ""
) -> HttpResponse:
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
    error = _run(lambda: services.form_starter_load(review=access.review, actor=request.user))
    return _builder_done(request, access, error, "The starting template is loaded; edit it as you need.")


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


def _field_arguments(form: FieldForm) -> dict[str, Any]:
    data = dict(form.cleaned_data)
    data["total"] = data.get("total") or ""
    return data


@require_POST
@review_member_required(*BUILDER_ROLES)
def field_add(request: HtmxHttpRequest, access: ReviewAccess, section_id: int) -> HttpResponse:
    section = _section(access, section_id)
    form = FieldForm(request.POST)
    if not form.is_valid():
        return _builder_done(request, access, "Give the field a label and a type.")
    error = _run(
        lambda: services.form_field_create(section=section, actor=request.user, **_field_arguments(form))
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
        lambda: services.form_field_update(field=form_field, actor=request.user, **_field_arguments(form))
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


# --- A reviewer's extraction ----------------------------------------------------------------------------


def _raw_answers(request, fields: list[FormField], prefix: str = "field") -> dict[int, Any]:
    return {
        field.pk: (
            request.POST.getlist(f"{prefix}_{field.pk}")
            if field.field_type == FieldType.MULTIPLE_CHOICE
            else request.POST.get(f"{prefix}_{field.pk}", "")
        )
        for field in fields
    }


def _form_items(sections, values: dict[int, Any], errors: dict[int, str]) -> list[dict]:
    return [
        {
            "section": section,
            "items": [
                {
                    "field": form_field,
                    "value": values.get(form_field.pk, ""),
                    "error": errors.get(form_field.pk, ""),
                    "options": options(form_field),
                }
                for form_field in section.active_fields
            ],
        }
        for section in sections
        if section.active_fields
    ]


def _extract_context(request, access: ReviewAccess, study, *, typed=None, errors=None, **extra) -> dict:
    extraction = selectors.extraction_of(record=study, reviewer=request.user)
    stored = {field_id: as_input(value) for field_id, value in selectors.answers_of(extraction).items()}
    sections = selectors.form_sections(review=access.review)
    return {
        "access": access,
        "review": access.review,
        "record": study,
        "extraction": extraction,
        "is_submitted": extraction is not None and extraction.status == extraction.Status.SUBMITTED,
        "form_sections": _form_items(sections, typed if typed is not None else stored, errors or {}),
        "full_text": selectors.full_text_of(record=study),
        "form_error": "",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@review_member_required(Role.REVIEWER)
def extract(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    _check_extractor(request, access)
    study = _study(access, record_id)
    fragment = "extraction/extract.html#extract-form"
    if request.method == "GET":
        template = fragment if wants_fragment(request) else "extraction/extract.html"
        return render(request, template, _extract_context(request, access, study))
    fields = selectors.form_fields(review=access.review)
    raw = _raw_answers(request, fields)
    submit = request.POST.get("action") == "submit"
    try:
        services.extraction_save(
            review=access.review, record=study, reviewer=request.user, raw_answers=raw, submit=submit
        )
    except ReviewRuleError as rule_error:
        errors = getattr(rule_error, "errors", {})
        context = _extract_context(
            request, access, study, typed=raw, errors=errors, form_error=str(rule_error)
        )
        return render(
            request,
            fragment if request.htmx else "extraction/extract.html",
            context,
            status=200 if request.htmx else 422,
        )
    done = (
        "Submitted. Thank you: the lead reconciles once both extractions are in."
        if submit
        else "Draft saved."
    )
    if not request.htmx:
        messages.success(request, done)
        return redirect("extraction:extract", slug=access.review.slug, record_id=study.pk)
    return render(request, fragment, _extract_context(request, access, study, saved=done))


REOPENED = "Reopened: your answers are a draft again. Submit it again when you are done."


@require_POST
@vary_on_headers("HX-Request")
@review_member_required(Role.REVIEWER)
def reopen(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    _check_extractor(request, access)
    study = _study(access, record_id)
    fragment = "extraction/extract.html#extract-form"
    try:
        services.extraction_reopen(review=access.review, record=study, reviewer=request.user)
    except ReviewRuleError as rule_error:
        context = _extract_context(request, access, study, form_error=str(rule_error))
        return render(
            request,
            fragment if request.htmx else "extraction/extract.html",
            context,
            status=200 if request.htmx else 409,
        )
    if not request.htmx:
        messages.success(request, REOPENED)
        return redirect("extraction:extract", slug=access.review.slug, record_id=study.pk)
    return render(request, fragment, _extract_context(request, access, study, saved=REOPENED))


# --- The lead's reconciliation -----------------------------------------------------------------------


def _reconcile_context(access: ReviewAccess, study, *, errors=None, typed=None, **extra) -> dict:
    extractions = [
        each for each in selectors.extraction_list_for(record=study) if each.status == each.Status.SUBMITTED
    ][:2]
    rows = (
        selectors.reconcile_rows(review=access.review, record=study, extractions=extractions)
        if len(extractions) == 2
        else []
    )
    for row in rows:
        row.error = (errors or {}).get(row.field.pk, "")
        row.options = options(row.field)
        typed_row = (typed or {}).get(row.field.pk)
        if typed_row is not None:
            row.choice = typed_row
        elif row.reconciled is not None:
            row.choice = {
                "source": row.reconciled.source,
                "consensus": as_input(row.reconciled.value) if row.reconciled.source == "consensus" else "",
            }
        else:
            row.choice = {"source": "agreed" if row.is_agreed else "", "consensus": ""}
    return {
        "access": access,
        "review": access.review,
        "record": study,
        "extractions": selectors.extraction_list_for(record=study),
        "pair": extractions,
        "rows": rows,
        "sources": ReconciledValue.Source,
        "full_text": selectors.full_text_of(record=study),
        "form_error": "",
        "choice_types": CHOICE_TYPES,
        **extra,
    }


def _reconcile_choices(request, fields: list[FormField]) -> dict[int, dict[str, Any]]:
    consensus = _raw_answers(request, fields, prefix="consensus")
    return {
        field.pk: {
            "source": request.POST.get(f"source_{field.pk}", ""),
            "consensus": consensus[field.pk],
            "version": request.POST.get(f"version_{field.pk}", "0"),
        }
        for field in fields
        if f"version_{field.pk}" in request.POST
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@review_member_required(Role.LEAD)
def reconcile(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    study = _study(access, record_id)
    fragment = "extraction/reconcile.html#reconcile-form"
    if request.method == "GET":
        template = fragment if wants_fragment(request) else "extraction/reconcile.html"
        return render(request, template, _reconcile_context(access, study))
    choices = _reconcile_choices(request, selectors.form_fields(review=access.review))
    for choice in choices.values():
        if not str(choice["version"]).isdigit():
            choice["version"] = "0"
    try:
        services.extraction_reconcile(review=access.review, record=study, lead=request.user, choices=choices)
    except ReviewRuleError as rule_error:
        errors = getattr(rule_error, "errors", None)
        # A stale page shows the other reconciler's values; invalid consensus keeps what was typed.
        context = _reconcile_context(
            access, study, errors=errors, typed=choices if errors else None, form_error=str(rule_error)
        )
        return render(
            request,
            fragment if request.htmx else "extraction/reconcile.html",
            context,
            status=200 if request.htmx else 409,
        )
    saved = _saved_message(access, study)
    if not request.htmx:
        messages.success(request, saved)
        return redirect("extraction:reconcile", slug=access.review.slug, record_id=study.pk)
    return render(request, fragment, _reconcile_context(access, study, saved=saved))


def _saved_message(access: ReviewAccess, study) -> str:
    """Say which fields still have no final value, rather than leave the lead to find them."""
    decided = set(ReconciledValue.objects.filter(record=study).values_list("field_id", flat=True))
    still = [
        field.label
        for field in selectors.form_fields(review=access.review)
        if not field.is_archived and field.pk not in decided
    ]
    if not still:
        return "Reconciled values saved; every field has its final value."
    return f"Reconciled values saved. Still to decide: {', '.join(still)}."


# --- Exports -------------------------------------------------------------------------------------


def _raw_export_reviewer(request, access: ReviewAccess):
    """Whose raw answers: the lead may ask for anyone's (or all); everyone else gets their own."""
    username = request.GET.get("reviewer", "")
    if access.sees_unsettled:
        if not username:
            return None
        reviewer = (
            get_user_model().objects.filter(username=username, memberships__review=access.review).first()
        )
        if reviewer is None:
            raise Http404("No such member.")
        return reviewer
    if username and username != request.user.get_username():
        forbid(request, "Only the lead exports other reviewers' answers.")
    return request.user


@require_http_methods(["GET"])
@review_member_required()
def export(request: HtmxHttpRequest, access: ReviewAccess, fmt: str) -> HttpResponse:
    if fmt not in spreadsheet.FORMATS:
        raise Http404("Export as csv or xlsx.")
    table_name = request.GET.get("table", "reconciled")
    include_archived = request.GET.get("archived") == "1"
    if table_name == "raw":
        reviewer = _raw_export_reviewer(request, access)
        table = exports.raw_table(review=access.review, reviewer=reviewer, include_archived=include_archived)
        who = reviewer.get_username() if reviewer is not None else ""
    elif table_name == "reconciled":
        table = exports.reconciled_table(review=access.review, include_archived=include_archived)
        who = ""
    else:
        raise Http404("Export the reconciled or the raw table.")
    response = HttpResponse(spreadsheet.table_bytes(table, fmt), content_type=spreadsheet.CONTENT_TYPES[fmt])
    filename = exports.table_filename(access.review, table_name, fmt, who)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
