"""Following an invitation's link: log in or sign up, then join the review.

Open to anyone holding the link (it is the proof); a person logged in as someone the invitation is not for
learns nothing of the review.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reviews.access import HtmxHttpRequest
from reviews.errors import ReviewRuleError
from reviews.forms import SignUpForm
from reviews.models import Invitation
from reviews.security import log_denied
from reviews.services import invitations

INVITATION_UNKNOWN = "This link is not a valid invitation: it may have been replaced by a newer one. Ask the review's owner to send it again."


@require_http_methods(["GET", "POST"])
def invitation_open(request: HtmxHttpRequest, token: str) -> HttpResponse:
    invitation = invitations.invitation_from_token(token)
    if invitation is None:
        return _render_unusable(request, INVITATION_UNKNOWN, status=404)
    problem = invitations.invitation_problem(invitation)
    if problem:
        return _render_unusable(request, problem, status=410)
    if request.user.is_authenticated:
        return _join(request, invitation)
    if invitations.invitation_has_account(invitation) or not invitation.email:
        return render(request, "reviews/invitation.html", {"invitation": invitation, "must_log_in": True})
    return _sign_up(request, invitation, token)


def _join(request: HtmxHttpRequest, invitation: Invitation) -> HttpResponse:
    if not invitations.invitation_is_for(invitation, request.user):
        log_denied(request, "followed an invitation for someone else")
        return _render_unusable(request, invitations.INVITATION_NOT_YOURS, status=403)
    if request.method == "POST":
        try:
            invitations.invitation_accept(invitation=invitation, user=request.user)
        except ReviewRuleError as error:
            return _render_unusable(request, str(error), status=409)
        messages.success(request, f"You have joined “{invitation.review.title}”.")
        return redirect("report:overview", slug=invitation.review.slug)
    return render(request, "reviews/invitation.html", {"invitation": invitation})


def _sign_up(request: HtmxHttpRequest, invitation: Invitation, token: str) -> HttpResponse:
    form = SignUpForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.invitation_sign_up(
                invitation=invitation,
                username=form.cleaned_data["username"],
                display_name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except ReviewRuleError as error:
            form.add_error(None, str(error))
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! You have joined “{invitation.review.title}”.")
            return redirect("report:overview", slug=invitation.review.slug)
    status = 400 if request.method == "POST" else 200
    return render(request, "reviews/invitation.html", {"invitation": invitation, "form": form}, status=status)


def _render_unusable(request: HtmxHttpRequest, problem: str, *, status: int) -> HttpResponse:
    return render(request, "reviews/invitation_unusable.html", {"problem": problem}, status=status)
