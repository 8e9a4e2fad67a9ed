from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from report import selectors
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required


@require_safe
@review_member_required()
def overview(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    context = {"access": access, "review": access.review, **selectors.review_overview(access=access)}
    return render(request, "report/overview.html", context)
