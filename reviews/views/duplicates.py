from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from reviews import selectors
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.dedup import normalise_title
from reviews.errors import ReviewRuleError
from reviews.models import DuplicatePair, Role
from reviews.services import duplicates as duplicate_services

PAIRS_PER_PAGE = 10
COMPARED_FIELDS = (
    ("title", "Title"),
    ("authors", "Authors"),
    ("year", "Year"),
    ("journal", "Journal"),
    ("volume", "Volume"),
    ("issue", "Issue"),
    ("pages", "Pages"),
    ("doi", "DOI"),
    ("pmid", "PMID"),
    ("publication_type", "Type"),
    ("abstract", "Abstract"),
)


def _comparison(pair: DuplicatePair) -> list[dict]:
    rows = []
    for name, label in COMPARED_FIELDS:
        left, right = getattr(pair.source_a, name), getattr(pair.source_b, name)
        if name == "authors":
            left, right = "; ".join(left), "; ".join(right)
        left, right = left or "", right or ""
        # Case and punctuation are noise, and a field missing on one side is no disagreement.
        differs = bool(left and right) and normalise_title(str(left)) != normalise_title(str(right))
        rows.append({"label": label, "a": left, "b": right, "differs": differs})
    return rows


@require_safe
@review_member_required(Role.OWNER, Role.LEAD)
def duplicate_queue(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    page = Paginator(selectors.duplicate_pair_queue(review=access.review), PAIRS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    pairs = [{"pair": pair, "rows": _comparison(pair)} for pair in page]
    context = {"access": access, "review": access.review, "page": page, "pairs": pairs}
    return render(request, "reviews/duplicates.html", context)


@require_POST
@review_member_required(Role.OWNER, Role.LEAD)
def duplicate_decide(request: HtmxHttpRequest, access: ReviewAccess, pair_id: int) -> HttpResponse:
    pair = get_object_or_404(DuplicatePair, pk=pair_id, review=access.review)
    decision = request.POST.get("decision")
    error = ""
    try:
        if decision == "same":
            duplicate_services.duplicate_pair_mark_same(actor=request.user, pair=pair)
        elif decision == "different":
            duplicate_services.duplicate_pair_mark_different(actor=request.user, pair=pair)
        else:
            error = "Choose “Same study” or “Different studies”."
    except ReviewRuleError as rule_error:
        error = str(rule_error)
    pair.refresh_from_db()
    if request.htmx:
        context = {
            "access": access,
            "review": access.review,
            "item": {"pair": pair, "rows": _comparison(pair)},
            "error": error,
        }
        return render(request, "reviews/duplicates.html#pair-card", context)
    if error:
        messages.error(request, error)
    return redirect("reviews:duplicates", slug=access.review.slug)
