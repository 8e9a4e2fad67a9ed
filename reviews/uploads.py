"""How large a request each view accepts, and the temporary files uploads leave behind.

A view that takes files declares its limit with ``accepts_upload``; every other view takes no more than a
form's worth. ``config.middleware.RequestSizeMiddleware`` compares the request's Content-Length with that
limit before any of the body is read, so a 2 GB upload is refused at once instead of after it has been
received and spooled to disk. Django spools large uploads to FILE_UPLOAD_TEMP_DIR and deletes each file
when its request ends; a process killed mid-upload cannot, so ``upload_temp_sweep`` removes what no live
request can still be writing (an upload's file is written as its chunks arrive, so a live one is never old).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

# Room for the form's other fields and the multipart boundaries around the files.
FORM_OVERHEAD_BYTES = 1024 * 1024
# A temporary upload file untouched for this long belongs to no live request.
UPLOAD_TEMP_MAX_AGE_SECONDS = 3600

REQUEST_TOO_LARGE = "This upload is {size:.1f} MB; this form accepts at most {limit} MB at a time."


def accepts_upload(max_bytes: Callable[[], int]) -> Callable:
    """Mark a view as taking uploads of up to ``max_bytes()`` (read when a request comes, so settings and
    tests may change it). Put it outermost, above the other decorators."""

    def mark(view: Callable) -> Callable:
        view.upload_max_bytes = max_bytes
        return view

    return mark


def request_limit(view: Callable | None) -> int:
    """The largest body the view accepts, in bytes."""
    declared = getattr(view, "upload_max_bytes", None)
    if declared is None:
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + FORM_OVERHEAD_BYTES
    return declared() + FORM_OVERHEAD_BYTES


def upload_temp_sweep(*, now: float | None = None) -> int:
    """Delete temporary upload files no request is writing any more; how many were deleted."""
    directory = Path(settings.FILE_UPLOAD_TEMP_DIR)
    cutoff = (now if now is not None else time.time()) - UPLOAD_TEMP_MAX_AGE_SECONDS
    removed = 0
    for path in directory.glob("*.upload*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # its request ended meanwhile and took it away
            continue
    return removed
