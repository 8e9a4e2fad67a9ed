"""The lead's reconciliation of a study's two extractions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from extraction import selectors, services
from extraction.models import CHOICE_TYPES, FormField, ReconciledValue
from extraction.values import as_input, options
from extraction.views.extract import raw_answers, study_or_404
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role
from screening.selectors import full_text_for


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
        "full_text": full_text_for(record_id=study.pk),
        "form_error": "",
        "choice_types": CHOICE_TYPES,
        **extra,
    }


def _reconcile_choices(request, fields: list[FormField]) -> dict[int, dict[str, Any]]:
    consensus = raw_answers(request, fields, prefix="consensus")
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
    study = study_or_404(access, record_id)
    fragment = "extraction/reconcile.html#reconcile-form"
    if request.method == "GET":
        template = fragment if request.htmx else "extraction/reconcile.html"
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
