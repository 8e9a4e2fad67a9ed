from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from reviews import selectors, services
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, may_create_reviews, review_member_required
from reviews.errors import ReviewRuleError
from reviews.forms import InvitationForm, MemberRolesForm, ReviewCreateForm, ReviewSettingsForm
from reviews.models import Invitation, Membership, Role
from reviews.services import invitations

REVIEW_CREATE_STAFF_ONLY = "On this site only administrators create reviews; ask one to create yours."
# The same words whether or not an account answers to an address the owner typed (a username with no
# account is refused by the service, with its reason).
INVITATION_SENT = (
    "Invitation to {invitee} saved. If the address can receive mail, a link to join is on its way."
)


@require_safe
@login_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    memberships = selectors.membership_list_for_user(user=request.user)
    context = {"memberships": memberships, "may_create_reviews": may_create_reviews(request.user)}
    return render(request, "reviews/dashboard.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def review_create(request: HtmxHttpRequest) -> HttpResponse:
    if not may_create_reviews(request.user):
        forbid(request, REVIEW_CREATE_STAFF_ONLY)
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(
                actor=request.user,
                owner=request.user,
                owner_roles=(Role.OWNER, Role.LEAD),
                **form.cleaned_data,
            )
        except ReviewRuleError as error:
            form.add_error("slug", str(error))
        else:
            messages.success(request, f"Review “{review.title}” created. Add your team next.")
            return redirect("reviews:members", slug=review.slug)
    return render(request, "reviews/review_create.html", {"form": form})


@require_http_methods(["GET", "POST"])
@review_member_required()
def review_settings(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    review = access.review
    form = ReviewSettingsForm.for_review(review, data=request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not access.is_owner:
            forbid(request, "Only an owner can change the review's settings.")
        if form.is_valid():
            services.review_update_settings(actor=request.user, review=review, **form.cleaned_data)
            messages.success(request, "Settings saved.")
            return redirect("reviews:settings", slug=review.slug)
    return render(request, "reviews/review_settings.html", {"access": access, "review": review, "form": form})


@require_safe
@review_member_required()
def member_list(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    return _render_members(request, access, InvitationForm())


@require_POST
@review_member_required(Role.OWNER)
def invitation_create(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitations.invitation_create(
                actor=request.user,
                review=access.review,
                invitee=form.cleaned_data["invitee"],
                roles=set(form.cleaned_data["roles"]),
                site_url=request.build_absolute_uri("/"),
            )
        except ReviewRuleError as error:
            form.add_error("invitee", str(error))
        else:
            messages.success(request, INVITATION_SENT.format(invitee=invitation.invitee))
            return redirect("reviews:members", slug=access.review.slug)
    return _render_members(request, access, form, status=400)


@require_POST
@review_member_required(Role.OWNER)
def invitation_resend(request: HtmxHttpRequest, access: ReviewAccess, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, review=access.review)
    try:
        invitations.invitation_resend(
            actor=request.user, invitation=invitation, site_url=request.build_absolute_uri("/")
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, INVITATION_SENT.format(invitee=invitation.invitee))
    return redirect("reviews:members", slug=access.review.slug)


@require_POST
@review_member_required(Role.OWNER)
def invitation_revoke(request: HtmxHttpRequest, access: ReviewAccess, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(Invitation, pk=invitation_id, review=access.review)
    try:
        invitations.invitation_revoke(actor=request.user, invitation=invitation)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, f"The invitation to {invitation.invitee} is withdrawn; its link no longer works."
        )
    return redirect("reviews:members", slug=access.review.slug)


@require_POST
@review_member_required(Role.OWNER)
def member_roles(request: HtmxHttpRequest, access: ReviewAccess, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, review=access.review)
    form = MemberRolesForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.membership_change_roles(
                actor=request.user, membership=membership, roles=set(form.cleaned_data["roles"])
            )
        except ReviewRuleError as rule_error:
            error = str(rule_error)
            membership.refresh_from_db()
    if request.htmx:
        context = {"access": access, "review": access.review, "membership": membership, "row_error": error}
        return render(request, "reviews/members.html#member-row", context)
    if error:
        messages.error(request, error)
    return redirect("reviews:members", slug=access.review.slug)


@require_POST
@review_member_required(Role.OWNER)
def member_remove(request: HtmxHttpRequest, access: ReviewAccess, membership_id: int) -> HttpResponse:
    membership = get_object_or_404(Membership, pk=membership_id, review=access.review)
    try:
        services.membership_remove(actor=request.user, membership=membership)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{membership.user.get_username()} removed.")
    return redirect("reviews:members", slug=access.review.slug)


@require_POST
@review_member_required()
def member_leave(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    try:
        services.membership_leave(membership=access.membership)
    except ReviewRuleError as error:
        messages.error(request, str(error))
        return redirect("reviews:members", slug=access.review.slug)
    messages.success(request, f"You have left “{access.review.title}”.")
    return redirect("reviews:dashboard")


@require_safe
@review_member_required(Role.OWNER, Role.LEAD)
def audit_log(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    viewer = None if access.sees_unsettled else request.user
    record = request.GET.get("record", "").strip()
    filters = {
        "person": request.GET.get("person", "").strip(),
        "area": request.GET.get("area", "") if request.GET.get("area", "") in selectors.HISTORY_AREAS else "",
        "record_id": int(record) if record.isdigit() else None,
    }
    events = selectors.history_page(review=access.review, viewer=viewer, **filters)
    context = {
        "access": access,
        "review": access.review,
        "events": events,
        "filters": filters,
        "areas": [(key, label) for key, (label, _) in selectors.HISTORY_AREAS.items()],
        "people": selectors.membership_list_for_review(review=access.review),
    }
    return render(request, "reviews/audit_log.html", context)


def _render_members(request, access: ReviewAccess, form: InvitationForm, status: int = 200) -> HttpResponse:
    review = access.review
    context = {
        "access": access,
        "review": review,
        "memberships": selectors.membership_list_for_review(review=review),
        "invitations": selectors.invitation_list_pending_for_review(review=review) if access.is_owner else [],
        "now": timezone.now(),
        "form": form,
        "role_choices": Role.choices,
    }
    return render(request, "reviews/members.html", context, status=status)
