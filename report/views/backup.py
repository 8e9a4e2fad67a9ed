"""The review's backup: everything in it as one archive, for its owners (restored with import_review)."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from report.backup import review_archive_export
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.models import Role


@require_http_methods(["GET"])
@review_member_required(Role.OWNER)
def review_archive(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    # Written to a temporary file and streamed from there: a review with its PDFs can be large.
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    try:
        review_archive_export(review=access.review, output=archive)
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"{access.review.slug}-backup-{timezone.now():%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response
