from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from report import selectors
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.models import Role
from screening.services.ranking import ranking_settings_update
from screening.services.stopping import screening_resume, screening_stop


@require_safe
@review_member_required()
def overview(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    context = {"access": access, "review": access.review, **selectors.review_overview(access=access)}
    return render(request, "report/overview.html", context)


@require_POST
@review_member_required(Role.OWNER)
def ranking_settings(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """The owner turns relevance ranking of title/abstract queues on or off, with the stopping aid's target."""
    try:
        percent = float(request.POST.get("recall_target", "95").strip() or "95")
    except ValueError:
        percent = -1.0
    try:
        ranking_settings_update(
            review=access.review,
            actor=request.user,
            is_enabled=request.POST.get("is_enabled") == "on",
            recall_target=percent / 100,
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Ranking settings saved.")
    return redirect("report:overview", slug=access.review.slug)


def _records(count: int) -> str:
    return f"{count} record{'s' if count != 1 else ''}"


def _screening_switch(request: HtmxHttpRequest, access: ReviewAccess, service, done: str) -> HttpResponse:
    """Stop or resume title/abstract screening, and say what it did (``done`` takes the records counted)."""
    try:
        count = service(review=access.review, actor=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done.format(records=_records(count)))
    return redirect("report:overview", slug=access.review.slug)


@require_POST
@review_member_required(Role.OWNER)
def screening_stop_view(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """The owner stops title/abstract screening: the records nobody has screened are set aside."""
    return _screening_switch(
        request, access, screening_stop, "Screening stopped: {records} nobody had screened set aside."
    )


@require_POST
@review_member_required(Role.OWNER)
def screening_resume_view(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    return _screening_switch(
        request, access, screening_resume, "Screening resumed: {records} back in the queues."
    )
