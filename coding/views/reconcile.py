"""The lead's reconciliation of a dual-coded study, unit by unit."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from coding import selectors
from coding.forms import UnitForm
from coding.models import CodingStudy
from coding.services import reconcile as reconcile_services
from coding.units import PAIRING_RULE
from coding.views.base import study_or_404
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role


def _context(access: ReviewAccess, record, **extra) -> dict:
    units, assignments, agreement = selectors.reconcile_units(review=access.review, record=record)
    return {
        "access": access,
        "review": access.review,
        "record": record,
        "label": selectors.study_label(record),
        "coding_study": CodingStudy.objects.filter(record=record).first(),
        "units": units,
        "assignments": assignments,
        "agreement": agreement,
        "pending": sum(1 for unit in units if unit.state == "pending"),
        "pairing_rule": PAIRING_RULE,
        **extra,
    }


@require_safe
@review_member_required(Role.LEAD)
def reconcile(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    return render(request, "coding/reconcile.html", _context(access, record))


@require_POST
@review_member_required(Role.LEAD)
def reconcile_open(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    try:
        reconcile_services.coding_reconciliation_open(review=access.review, record=record, lead=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    return redirect("coding:reconcile", slug=access.review.slug, record_id=record.pk)


@require_POST
@vary_on_headers("HX-Request")
@review_member_required(Role.LEAD)
def unit(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    form = UnitForm(request.POST)
    error = ""
    try:
        if not form.is_valid():
            raise ReviewRuleError(reconcile_services.RECONCILE_UNKNOWN)
        ids = form.excerpt_ids()
        if form.action == "reopen":
            reconcile_services.coding_unit_reopen(
                review=access.review, record=record, lead=request.user, excerpt_ids=ids
            )
        else:
            reconcile_services.coding_unit_reconcile(
                review=access.review,
                record=record,
                lead=request.user,
                excerpt_ids=ids,
                action=form.action,
                keep_id=form.keep_id,
            )
    except ReviewRuleError as rule_error:
        error = str(rule_error)
    if request.htmx:
        return render(request, "coding/reconcile.html#units", _context(access, record, form_error=error))
    if error:
        messages.error(request, error)
    return redirect("coding:reconcile", slug=access.review.slug, record_id=record.pk)


@require_POST
@review_member_required(Role.LEAD)
def reconcile_finish(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    try:
        reconcile_services.coding_reconciliation_finish(
            review=access.review, record=record, lead=request.user
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
        return redirect("coding:reconcile", slug=access.review.slug, record_id=record.pk)
    messages.success(
        request,
        f"“{selectors.study_label(record)}” is reconciled; the synthesis counts its reconciled excerpts.",
    )
    return redirect("coding:studies", slug=access.review.slug)
