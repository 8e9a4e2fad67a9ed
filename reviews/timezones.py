"""Each person's times in their own time zone: chosen on their Account page, kept in their session.

The session is read on every request anyway (to know who is logged in), so the zone costs no query; it is
put there when they log in and when they change it.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import timezone

SESSION_KEY = "tandem_time_zone"


class TimeZoneMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
        try:
            zone = zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = None
        if zone is None:
            timezone.deactivate()
        else:
            timezone.activate(zone)
        return self.get_response(request)


def time_zone_remember(request, name: str) -> None:
    request.session[SESSION_KEY] = name


@receiver(user_logged_in)
def _remember_on_log_in(sender, request, user, **kwargs) -> None:
    from reviews.models import Profile

    if request is not None and hasattr(request, "session"):
        profile = Profile.objects.filter(user=user).only("time_zone").first()
        time_zone_remember(request, profile.time_zone if profile else "")
