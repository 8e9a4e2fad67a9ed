"""Site-wide request handling: HEAD answered as GET, bodies larger than their view accepts refused unread,
one-line logs of refused requests."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme

from reviews.uploads import FORM_OVERHEAD_BYTES, REQUEST_TOO_LARGE, request_limit, upload_temp_sweep

logger = logging.getLogger("tandem.security")


class HeadAsGetMiddleware:
    """Every view that answers GET answers HEAD the same way, with the same headers and no body; a view
    never has to list HEAD among its methods or tell it from GET (so a HEAD can never take a POST path)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        response = self.get_response(request)
        if getattr(response, "streaming", False):
            # The server closes the response once sent, and so its file or generator; closing it here would
            # also announce the request finished while middleware is still to run on it.
            response.streaming_content = []
        else:
            response.content = b""
        return response


class OneLineForbiddenFilter:
    """A refused request is logged as one line: tandem.security already says who was refused and why, and a
    traceback per 403 buries the log (Django's request logger attaches one to every PermissionDenied)."""

    def filter(self, record) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True


class RequestSizeMiddleware:
    """Refuse a body larger than its view accepts from the Content-Length header, before any of it is read
    (Django would otherwise receive it all, spooling files to disk, and only then let the view refuse).
    Requests large enough to be spooled also clear out temporary files a killed process left behind."""

    SWEEP_EVERY_SECONDS = 600

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self._swept_at = 0.0

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if (
            length > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
            and time.monotonic() > self._swept_at + self.SWEEP_EVERY_SECONDS
        ):
            self._swept_at = time.monotonic()
            upload_temp_sweep()
        if length > FORM_OVERHEAD_BYTES:  # smaller than any limit: no need to look the view up
            limit = request_limit(_view_of(request))
            if length > limit:
                return _too_large(request, length, limit)
        return self.get_response(request)


def _view_of(request: HttpRequest) -> Callable | None:
    try:
        return resolve(request.path_info).func
    except Resolver404:
        return None


def _too_large(request: HttpRequest, length: int, limit: int) -> HttpResponse:
    logger.warning("request to %s refused: %d bytes, the view accepts %d", request.path, length, limit)
    message = REQUEST_TOO_LARGE.format(size=length / 1048576, limit=(limit - FORM_OVERHEAD_BYTES) // 1048576)
    back = request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    # The body is left unread; the server closes the connection after the answer (gunicorn's sync workers
    # close every one; Django's own server closes one whose body was not read).
    return render(request, "413.html", {"message": message, "back": back}, status=413)
