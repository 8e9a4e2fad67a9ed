from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
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
    """The pairs to check, or (``?show=decided``) the pairs decided, latest first, each with its undo."""
    decided = request.GET.get("show") == "decided"
    pairs = (selectors.duplicate_pairs_decided if decided else selectors.duplicate_pair_queue)(
        review=access.review
    )
    page = Paginator(pairs, PAIRS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "access": access,
        "review": access.review,
        "page": page,
        "pairs": [{"pair": pair, "rows": _comparison(pair)} for pair in page],
        "show_decided": decided,
        "to_check": page.paginator.count
        if not decided
        else selectors.duplicate_pair_queue(review=access.review).count(),
    }
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
    return _answer(request, access, pair, error)


@require_POST
@review_member_required(Role.OWNER, Role.LEAD)
def duplicate_undo(request: HtmxHttpRequest, access: ReviewAccess, pair_id: int) -> HttpResponse:
    pair = get_object_or_404(DuplicatePair, pk=pair_id, review=access.review)
    error = ""
    try:
        duplicate_services.duplicate_pair_undo(actor=request.user, pair=pair)
    except ReviewRuleError as rule_error:
        error = str(rule_error)
    return _answer(request, access, pair, error, show="decided")


def _answer(request: HtmxHttpRequest, access: ReviewAccess, pair: DuplicatePair, error: str, show: str = ""):
    """The pair's card again (htmx, with the count of pairs to check updated), or back to the list."""
    pair.refresh_from_db()
    if request.htmx:
        context = {
            "access": access,
            "review": access.review,
            "item": {"pair": pair, "rows": _comparison(pair)},
            "error": error,
            "to_check": selectors.duplicate_pair_queue(review=access.review).count(),
            "count_out_of_band": True,
            # An undo answers on the Decided tab, which has no sentence counting the pairs to check.
            "show_decided": show == "decided",
        }
        return render(request, "reviews/duplicates.html#pair-answer", context)
    if error:
        messages.error(request, error)
    url = reverse("reviews:duplicates", args=[access.review.slug])
    return redirect(f"{url}?show={show}" if show else url)
