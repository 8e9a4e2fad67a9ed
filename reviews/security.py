"""Security logging: failed logins and denied accesses go to the ``tandem.security`` logger."""

from __future__ import annotations

import ipaddress
import logging

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

logger = logging.getLogger("tandem.security")


def client_ip(request: HttpRequest) -> str:
    """The client's address as the outermost of our own proxies saw it (``PROXY_COUNT`` of them in front).

    Each proxy appends the address it received the request from to X-Forwarded-For, so with N proxies the
    client is the N-th entry from the right; anything to its left was written by the client and is ignored
    (a forged header cannot choose the address the log-in limits count). With no proxy, REMOTE_ADDR.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    depth = getattr(settings, "PROXY_COUNT", 0)
    if depth <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    if len(forwarded) < depth:
        return remote
    candidate = forwarded[-depth]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def client_address(request: HttpRequest | None) -> str:
    if request is None:
        return "-"
    return client_ip(request) or "-"


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
