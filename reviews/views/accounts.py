"""A person's own account: changing and resetting the password (Django's views, our forms and mail)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from reviews.access import HtmxHttpRequest
from reviews.forms import ProfileForm, RateLimitedPasswordChangeForm
from reviews.models import Profile
from reviews.security import client_ip, log_denied
from reviews.services import accounts
from reviews.timezones import time_zone_remember


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HtmxHttpRequest) -> HttpResponse:
    user = request.user
    saved = Profile.objects.filter(user=user).first()
    initial = {
        "display_name": user.get_full_name(),
        "email": user.email,
        "time_zone": saved.time_zone if saved else "",
    }
    form = ProfileForm(request.POST or None, user=user, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in ("display_name", "email", "time_zone")}
        accounts.account_profile_update(user=user, **fields)
        time_zone_remember(request, form.cleaned_data["time_zone"])
        messages.success(request, "Your account is saved.")
        return redirect("reviews:profile")
    return render(request, "reviews/profile.html", {"form": form}, status=400 if form.errors else 200)


class PasswordChangeView(auth_views.PasswordChangeView):
    """A wrong current password counts as a failed log-in: the same lock-out applies (django-axes)."""

    form_class = RateLimitedPasswordChangeForm

    def get_form_kwargs(self):
        return super().get_form_kwargs() | {"request": self.request}

    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.account_password_changed(user=form.user, how="change")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an address and always answers the same; mail goes out as a job after the request."""

    def post(self, request, *args, **kwargs):
        if not _reset_allowed(request, request.POST.get("email", "")):
            log_denied(request, "too many password reset requests")
            return render(request, settings.AXES_LOCKOUT_TEMPLATE, {"what": "reset"}, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        accounts.account_password_reset_request(
            email=form.cleaned_data["email"], site_url=self.request.build_absolute_uri("/")
        )
        return redirect(self.success_url)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        response = super().form_valid(form)
        accounts.account_password_changed(user=form.user, how="reset")
        return response


def _reset_allowed(request, email: str) -> bool:
    """At most LOGIN_FAILURE_LIMIT requests per address and per client in the log-in cool-off time, and none
    from a client the log-in lock-out holds. Counted whether or not an account has the address."""
    from axes.handlers.proxy import AxesProxyHandler

    if AxesProxyHandler.is_locked(request):
        return False
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    allowed = True
    for key in (
        f"password-reset:client:{client_ip(request)}",
        f"password-reset:email:{email.strip().lower()}",
    ):
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=seconds)
            count = 1
        allowed = allowed and count <= settings.AXES_FAILURE_LIMIT
    return allowed
