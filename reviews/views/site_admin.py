"""Site administration in the app (not the Django admin): the people with accounts, their reviews, and
deactivating or reactivating an account."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from reviews import selectors
from reviews.access import HtmxHttpRequest, site_admin_required
from reviews.errors import ReviewRuleError
from reviews.services import accounts

User = get_user_model()


@require_safe
@site_admin_required
def site_users(request: HtmxHttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    users = selectors.user_list_for_site_admin(search=search)
    return render(request, "reviews/site_users.html", {"users": users, "search": search})


@require_safe
@site_admin_required
def site_user(request: HtmxHttpRequest, user_id: int) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    memberships = selectors.membership_list_for_user(user=person)
    return render(request, "reviews/site_user.html", {"person": person, "memberships": memberships})


@require_POST
@site_admin_required
def site_user_set_active(request: HtmxHttpRequest, user_id: int, active: bool) -> HttpResponse:
    person = get_object_or_404(User, pk=user_id)
    try:
        accounts.account_set_active(actor=request.user, user=person, is_active=active)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        done = "reactivated" if active else "deactivated: they are logged out and cannot log in"
        messages.success(request, f"{person.get_username()} {done}.")
    return redirect("reviews:site_user", user_id=person.pk)
