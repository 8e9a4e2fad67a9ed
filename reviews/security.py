"""Security logging: failed logins and denied accesses go to the ``tandem.security`` logger."""

from __future__ import annotations

import logging

from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

logger = logging.getLogger("tandem.security")


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return request.META.get("REMOTE_ADDR", "-")


@receiver(user_login_failed)
def _log_failed_login(sender, credentials, request=None, **kwargs) -> None:
    logger.warning("login failed for %r from %s", credentials.get("username", ""), client_address(request))


def log_denied(request: HttpRequest, reason: str) -> None:
    user = getattr(request, "user", None)
    logger.warning(
        "access denied: %s %s by %s from %s (%s)",
        request.method,
        request.path,
        getattr(user, "username", "") or "anonymous",
        client_address(request),
        reason,
    )
