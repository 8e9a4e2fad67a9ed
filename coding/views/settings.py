"""Coding settings: coders per study, valences and perspective groups, frameworks, and coded data in."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from coding import selectors
from coding.forms import CodingSettingsForm, ExcerptImportForm, FrameworkForm, LabelForm
from coding.models import Framework
from coding.services import excerpts as excerpt_services
from coding.services import frameworks as framework_services
from coding.services.excerpt_import import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ExcerptImportInvalid,
    excerpts_import,
)
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role
from reviews.uploads import accepts_upload

MANAGERS = (Role.OWNER, Role.LEAD)


def _context(access: ReviewAccess, **extra) -> dict:
    review = access.review
    settings = framework_services.coding_setup(review=review)
    return {
        "access": access,
        "review": review,
        "settings": settings,
        "settings_form": CodingSettingsForm(initial={"coders_per_study": settings.coders_per_study}),
        "valences": selectors.valences_of(review=review),
        "groups": selectors.groups_of(review=review),
        "frameworks": selectors.frameworks_of(review=review),
        "framework_form": FrameworkForm(),
        "import_form": ExcerptImportForm(),
        "required_columns": REQUIRED_COLUMNS,
        "optional_columns": OPTIONAL_COLUMNS,
        "import_errors": [],
        **extra,
    }


@require_http_methods(["GET", "POST"])
@review_member_required(*MANAGERS)
def coding_settings(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    if request.method == "POST":
        form = CodingSettingsForm(request.POST)
        try:
            if not form.is_valid():
                raise ReviewRuleError("Choose one or two coders per study.")
            excerpt_services.coding_settings_update(
                review=access.review,
                actor=request.user,
                coders_per_study=form.cleaned_data["coders_per_study"],
            )
        except ReviewRuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Coding settings saved.")
        return redirect("coding:settings", slug=access.review.slug)
    return render(request, "coding/settings.html", _context(access))


@require_POST
@review_member_required(*MANAGERS)
def label_save(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = LabelForm(request.POST)
    label_id = request.POST.get("label", "")
    try:
        if not form.is_valid():
            raise ReviewRuleError(framework_services.LABEL_NEEDS_NAME)
        framework_services.coding_label_save(
            review=access.review,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            label_id=int(label_id) if label_id.isdigit() else None,
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{form.cleaned_data['name']}” saved.")
    return redirect("coding:settings", slug=access.review.slug)


@require_POST
@review_member_required(*MANAGERS)
def label_remove(request: HtmxHttpRequest, access: ReviewAccess, kind: str, label_id: int) -> HttpResponse:
    if kind not in ("valence", "group"):
        return redirect("coding:settings", slug=access.review.slug)
    try:
        framework_services.coding_label_remove(
            review=access.review, actor=request.user, kind=kind, label_id=label_id
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    except (framework_services.Valence.DoesNotExist, framework_services.PerspectiveGroup.DoesNotExist):
        messages.error(request, "It was already removed.")
    else:
        messages.success(request, "Removed.")
    return redirect("coding:settings", slug=access.review.slug)


@accepts_upload(lambda: settings.IMPORT_MAX_BYTES)
@require_POST
@review_member_required(Role.OWNER)
def framework_add(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = FrameworkForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ReviewRuleError(framework_services.FRAMEWORK_NEEDS_NAME)
        upload = form.cleaned_data.get("file")
        if upload:
            rows = framework_services.framework_rows_from_csv(upload.read(), upload.name)
            source = Framework.Source.CSV
        else:
            rows = framework_services.framework_rows_from_text(form.cleaned_data.get("domains") or "")
            source = Framework.Source.TYPED
        framework = framework_services.framework_create(
            review=access.review, actor=request.user, name=form.cleaned_data["name"], rows=rows, source=source
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"“{framework.name}” added with {framework.domains.count()} domains.")
    return redirect("coding:settings", slug=access.review.slug)


@accepts_upload(lambda: settings.IMPORT_MAX_BYTES)
@require_POST
@review_member_required(Role.OWNER)
def excerpt_import(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = ExcerptImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file to import.")
        return redirect("coding:settings", slug=access.review.slug)
    upload = form.cleaned_data["file"]
    try:
        result = excerpts_import(
            review=access.review, actor=request.user, data=upload.read(), filename=upload.name
        )
    except ExcerptImportInvalid as invalid:
        context = _context(access, import_errors=invalid.errors, import_file=upload.name)
        return render(request, "coding/settings.html", context, status=400)
    messages.success(
        request,
        f"{result.excerpts} excerpts imported from {upload.name} into {result.studies} studies "
        f"({result.anchored} found in the studies' text; {result.codes_created} new codebook entries).",
    )
    return redirect("coding:settings", slug=access.review.slug)
