"""What the coding pages share: the study behind a URL, and who may do what."""

from __future__ import annotations

from django.http import Http404

from coding import selectors
from reviews.access import ReviewAccess, forbid

CODING_MANAGERS = ("owner", "lead")


def study_or_404(access: ReviewAccess, record_id: int):
    study = selectors.codable_study(review=access.review, record_id=record_id)
    if study is None:
        raise Http404("This study is not included, so it is not coded.")
    return study


def coder_required(request, access: ReviewAccess) -> None:
    if not access.may_decide:
        forbid(request, "Only the review's reviewers code studies (leads reconcile instead).")


def manager_required(request, access: ReviewAccess) -> None:
    if not (access.is_owner or access.is_lead):
        forbid(request, "Only an owner or the lead can change this.")
