"""The included studies and a reviewer's own extraction of one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from extraction import selectors, services
from extraction.models import FieldType, FormField
from extraction.values import as_input, options
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role
from screening.selectors import full_text_for


def extractor_check(request, access: ReviewAccess) -> None:
    if not access.may_decide:
        forbid(request, "Only the review's reviewers extract data (leads reconcile instead).")


def study_or_404(access: ReviewAccess, record_id: int):
    study = selectors.included_study(review=access.review, record_id=record_id)
    if study is None:
        raise Http404("This study is not included at full text.")
    return study


@require_safe
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


def raw_answers(request, fields: list[FormField], prefix: str = "field") -> dict[int, Any]:
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
        "full_text": full_text_for(record_id=study.pk),
        "form_error": "",
        **extra,
    }


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@review_member_required(Role.REVIEWER)
def extract(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    extractor_check(request, access)
    study = study_or_404(access, record_id)
    fragment = "extraction/extract.html#extract-form"
    if request.method == "GET":
        template = fragment if request.htmx else "extraction/extract.html"
        return render(request, template, _extract_context(request, access, study))
    fields = selectors.form_fields(review=access.review)
    raw = raw_answers(request, fields)
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
    extractor_check(request, access)
    study = study_or_404(access, record_id)
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
