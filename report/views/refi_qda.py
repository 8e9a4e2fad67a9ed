"""The review's coded data as a REFI-QDA project (.qdpx), for NVivo, ATLAS.ti, MAXQDA and QualCoder."""

from __future__ import annotations

import tempfile

from django.http import FileResponse, HttpResponse
from django.views.decorators.http import require_http_methods

from report.refi_qda import qdpx_write
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required


@require_http_methods(["GET"])
@review_member_required()
def qdpx_download(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """Everything for a lead (or an owner who does not code); for anyone else blinded to unsettled work,
    their own excerpts and the final set. ``?set=final`` gives the final set alone."""
    reconciled_only = request.GET.get("set") == "final"
    # Written to a temporary file and streamed from there: a review's texts can be large.
    archive = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it once sent)
    try:
        qdpx_write(
            archive,
            review=access.review,
            reconciled_only=reconciled_only,
            viewer=request.user,
            sees_all=access.sees_unsettled,
        )
    except BaseException:
        archive.close()
        raise
    archive.seek(0)
    which = "-final" if reconciled_only else ""
    # Not application/zip: some browsers unpack a zip they think safe, and the tools want the .qdpx whole.
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"{access.review.slug}-coding{which}.qdpx",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    return response
