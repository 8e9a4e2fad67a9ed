"""The included studies to code: who codes which, how far each is, and the agreement between coders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from coding import selectors
from coding.forms import AssignForm
from coding.services.excerpts import coding_assign, coding_unassign
from coding.services.frameworks import coding_setup
from coding.units import PAIRING_RULE
from coding.views.base import coder_required, manager_required, study_or_404
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.selectors import membership_list_for_review


@require_safe
@review_member_required()
def study_list(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    review = access.review
    settings = coding_setup(review=review)
    sees_all = access.sees_unsettled
    agreement, overall = selectors.coding_agreement(review=review) if sees_all else ([], None)
    coders = [m.user for m in membership_list_for_review(review=review) if m.may_decide] if sees_all else []
    context = {
        "access": access,
        "review": review,
        "settings": settings,
        "sees_all": sees_all,
        "rows": selectors.coding_study_rows(review=review, viewer=request.user, sees_all=sees_all),
        "agreement": agreement,
        "overall": overall,
        "pairing_rule": PAIRING_RULE,
        "coders": coders,
    }
    return render(request, "coding/studies.html", context)


@require_POST
@review_member_required()
def claim(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    coder_required(request, access)
    study = study_or_404(access, record_id)
    try:
        coding_assign(review=access.review, record=study, coder=request.user, actor=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
        return redirect("coding:studies", slug=access.review.slug)
    return redirect("coding:study", slug=access.review.slug, record_id=study.pk)


@require_POST
@review_member_required()
def assign(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    manager_required(request, access)
    study = study_or_404(access, record_id)
    form = AssignForm(request.POST)
    coder = (
        get_user_model()
        .objects.filter(username=form.data.get("coder", ""), memberships__review=access.review)
        .first()
    )
    remove = request.POST.get("remove") == "1"
    try:
        if coder is None:
            raise ReviewRuleError("Choose one of the review's coders.")
        if remove:
            coding_unassign(review=access.review, record=study, coder=coder, actor=request.user)
        else:
            coding_assign(review=access.review, record=study, coder=coder, actor=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        done = "taken off" if remove else "assigned to"
        messages.success(request, f"{coder.get_username()} {done} “{study.title[:60]}”.")
    return redirect("coding:studies", slug=access.review.slug)
