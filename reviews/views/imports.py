from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from reviews import selectors
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.forms import ImportFileFormSet
from reviews.models import ImportBatch, Role
from reviews.services.imports import (
    ImportRefused,
    import_batch_create,
    import_batch_is_stalled,
    import_batch_retry,
    import_progress_get,
)
from reviews.services.records import BATCH_SCREENING_STARTED_KEPT, import_batch_delete
from reviews.uploads import accepts_upload


@require_safe
@vary_on_headers("HX-Request", "HX-Target")
@review_member_required()
def import_list(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    if request.htmx.target == "import-totals":
        # A job just finished (its row said so): only the totals above the table need refreshing.
        return render(request, "reviews/imports.html#import-totals", _totals_context(access))
    return _render_imports(request, access, ImportFileFormSet(prefix="files"))


@accepts_upload(lambda: settings.IMPORT_MAX_BYTES)
@require_POST
@review_member_required(Role.OWNER)
def import_upload(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    formset = ImportFileFormSet(request.POST, request.FILES, prefix="files")
    if not formset.is_valid():
        return _render_imports(request, access, formset, status=400)
    uploads = [form.cleaned_data for form in formset if form.cleaned_data.get("file")]
    if not uploads:
        messages.error(request, "Choose at least one file to import.")
        return _render_imports(request, access, formset, status=400)
    # One transaction for the whole form: the jobs start once every file of it is saved, so the first
    # import never holds SQLite's write lock while this request still saves the next file.
    with transaction.atomic():
        for upload in uploads:
            try:
                batch = import_batch_create(
                    actor=request.user,
                    review=access.review,
                    uploaded=upload["file"],
                    source_name=upload["source_name"],
                    requested_format=upload["requested_format"],
                    search_date=upload["search_date"],
                    search_string=upload["search_string"],
                )
            except ImportRefused as error:
                messages.error(request, str(error))
            else:
                # Tagged so that the page takes the message down when the file is in (static/js/tandem.js).
                messages.success(
                    request,
                    f"{upload['file'].name} is being imported.",
                    extra_tags=f"import-started batch-{batch.pk}",
                )
    return redirect("reviews:imports", slug=access.review.slug)


@require_safe
@review_member_required()
def import_progress(request: HtmxHttpRequest, access: ReviewAccess, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, review=access.review)
    batch.progress = import_progress_get(batch.pk)
    batch.is_stalled = import_batch_is_stalled(batch)
    _note_kept_files(access, [batch])
    context = {"access": access, "review": access.review, "batch": batch}
    response = render(request, "reviews/imports.html#batch-row", context)
    if batch.is_finished:
        # 286 tells htmx to stop polling; the row it carries shows the result, and the event has the
        # totals above the table fetched again.
        response.status_code = HttpResponseStopPolling.status_code
        trigger_client_event(response, "import-finished", {"batch": batch.pk})
    return response


@require_POST
@review_member_required(Role.OWNER)
def import_retry(request: HtmxHttpRequest, access: ReviewAccess, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, review=access.review)
    if import_batch_retry(actor=request.user, batch=batch):
        messages.success(request, f"{batch.original_filename} is queued again.")
    else:
        # A second press, or a job that came back meanwhile: nothing more to do.
        messages.info(request, f"{batch.original_filename} is already being imported.")
    return redirect("reviews:imports", slug=access.review.slug)


@require_POST
@review_member_required(Role.OWNER)
def import_delete(request: HtmxHttpRequest, access: ReviewAccess, batch_id: int) -> HttpResponse:
    batch = get_object_or_404(ImportBatch, pk=batch_id, review=access.review)
    try:
        import_batch_delete(actor=request.user, batch=batch)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{batch.original_filename} and its records were deleted.")
    return redirect("reviews:imports", slug=access.review.slug)


def _render_imports(request, access: ReviewAccess, formset, status: int = 200) -> HttpResponse:
    batches = list(selectors.import_batch_list(review=access.review))
    for batch in batches:
        batch.progress = None if batch.is_finished else import_progress_get(batch.pk)
        batch.is_stalled = import_batch_is_stalled(batch)
    _note_kept_files(access, batches)
    context = {
        "access": access,
        "review": access.review,
        "batches": batches,
        "formset": formset,
        "common_databases": selectors.COMMON_DATABASES,
        **_totals_context(access),
    }
    return render(request, "reviews/imports.html", context, status=status)


def _note_kept_files(access: ReviewAccess, batches: list[ImportBatch]) -> None:
    """Files screening has started on say why they stay instead of offering a Delete that would be refused
    (only owners are offered it)."""
    started = selectors.import_batches_started(batches=batches) if access.is_owner else set()
    for batch in batches:
        batch.kept_because = BATCH_SCREENING_STARTED_KEPT if batch.pk in started else ""


def _totals_context(access: ReviewAccess) -> dict:
    return {
        "access": access,
        "review": access.review,
        "counts": selectors.import_counts(review=access.review),
        "by_source": selectors.import_counts_by_source(review=access.review),
    }
