from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from reviews import selectors
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required
from reviews.errors import ReviewRuleError
from reviews.forms import RecordEditForm, RecordRemoveForm
from reviews.models import Merge, Record, Role
from reviews.pagination import QuickPaginator
from reviews.services import duplicates as duplicate_services
from reviews.services import records as record_services

RECORDS_PER_PAGE = 50
# A broad search matches most records, and counting them all reads them all: past this many the page says
# "more than" and pages on without a last page.
SEARCH_COUNT_CAP = 1000


@require_safe
@vary_on_headers("HX-Request")
@review_member_required()
def record_list(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    source = request.GET.get("source", "")[:120]
    status = request.GET.get("status", "")
    if status not in selectors.RECORD_STATUSES:
        status = ""
    records = selectors.record_list(review=access.review, query=query, source=source, status=status)
    paginator = QuickPaginator(records, RECORDS_PER_PAGE, count_cap=SEARCH_COUNT_CAP if query else None)
    page = paginator.get_page(request.GET.get("page"))
    sources_of = selectors.record_source_names(record_ids=[record.pk for record in page])
    for record in page:
        record.source_names = sources_of.get(record.pk, [])
    context = {
        "access": access,
        "review": access.review,
        "page": page,
        "query": query,
        "source": source,
        "status": status,
        "statuses": selectors.RECORD_STATUSES,
        "source_names": selectors.import_source_names(review=access.review),
    }
    template = "reviews/records.html#results" if request.htmx else "reviews/records.html"
    return render(request, template, context)


def _record_for(access: ReviewAccess, record_id: int) -> Record:
    record = selectors.record_get_for_review(review=access.review, record_id=record_id)
    if record is None:
        raise Http404("No such record in this review.")
    return record


@require_http_methods(["GET", "POST"])
@review_member_required()
def record_detail(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = _record_for(access, record_id)
    if record.merged_into_id:
        return redirect("reviews:record", slug=access.review.slug, record_id=record.merged_into_id)
    form = RecordEditForm(initial={name: getattr(record, name) for name in RecordEditForm.base_fields})
    if request.method == "POST":
        if not access.is_owner:
            forbid(request, "Only an owner can edit records.")
        form = RecordEditForm(request.POST)
        if form.is_valid():
            try:
                record_services.record_edit(actor=request.user, record=record, **form.cleaned_data)
            except ReviewRuleError as error:
                messages.error(request, str(error))  # the form keeps what was typed
            else:
                messages.success(request, "Record saved.")
                return redirect("reviews:record", slug=access.review.slug, record_id=record.pk)
    context = {
        "access": access,
        "review": access.review,
        "record": record,
        "sources": selectors.record_sources(record=record),
        "merges": selectors.record_merges(record=record),
        "form": form,
        "remove_form": RecordRemoveForm(),
    }
    return render(request, "reviews/record_detail.html", context)


@require_POST
@review_member_required(Role.OWNER)
def record_remove(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = _record_for(access, record_id)
    form = RecordRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the record is removed.")
        return redirect("reviews:record", slug=access.review.slug, record_id=record.pk)
    try:
        record_services.record_remove(actor=request.user, record=record, reason=form.cleaned_data["reason"])
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Record removed from the review. You can restore it from the same page.")
    return redirect("reviews:record", slug=access.review.slug, record_id=record.pk)


@require_POST
@review_member_required(Role.OWNER)
def record_restore(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = _record_for(access, record_id)
    try:
        record_services.record_restore(actor=request.user, record=record)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Record restored.")
    return redirect("reviews:record", slug=access.review.slug, record_id=record.pk)


@require_POST
@review_member_required(Role.OWNER, Role.LEAD)
def merge_undo(request: HtmxHttpRequest, access: ReviewAccess, merge_id: int) -> HttpResponse:
    merge = get_object_or_404(Merge, pk=merge_id, review=access.review)
    try:
        duplicate_services.merge_undo(actor=request.user, merge=merge)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Merge undone: the records are separate again and will not be merged again."
        )
    return redirect("reviews:record", slug=access.review.slug, record_id=merge.target_id)
