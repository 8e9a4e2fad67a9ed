"""HEAD is GET without the body (RFC 9110): link checkers, uptime monitors and proxies send it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


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
            closing = getattr(response, "close", None)
            response.streaming_content = []
            if closing is not None:
                closing()
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
