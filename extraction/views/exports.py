"""The characteristics table and raw answers as CSV or XLSX."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.views.decorators.http import require_safe

from extraction import exports
from lib import spreadsheet
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required


def _raw_export_reviewer(request, access: ReviewAccess):
    """Whose raw answers: the lead may ask for anyone's (or all); everyone else gets their own."""
    username = request.GET.get("reviewer", "")
    if access.sees_unsettled:
        if not username:
            return None
        reviewer = (
            get_user_model().objects.filter(username=username, memberships__review=access.review).first()
        )
        if reviewer is None:
            raise Http404("No such member.")
        return reviewer
    if username and username != request.user.get_username():
        forbid(request, "Only the lead exports other reviewers' answers.")
    return request.user


@require_safe
@review_member_required()
def export(request: HtmxHttpRequest, access: ReviewAccess, fmt: str) -> HttpResponse:
    if fmt not in spreadsheet.FORMATS:
        raise Http404("Export as csv or xlsx.")
    table_name = request.GET.get("table", "reconciled")
    include_archived = request.GET.get("archived") == "1"
    if table_name == "raw":
        reviewer = _raw_export_reviewer(request, access)
        table = exports.raw_table(review=access.review, reviewer=reviewer, include_archived=include_archived)
        who = reviewer.get_username() if reviewer is not None else ""
    elif table_name == "reconciled":
        table = exports.reconciled_table(review=access.review, include_archived=include_archived)
        who = ""
    else:
        raise Http404("Export the reconciled or the raw table.")
    response = HttpResponse(spreadsheet.table_bytes(table, fmt), content_type=spreadsheet.CONTENT_TYPES[fmt])
    filename = exports.table_filename(access.review, table_name, fmt, who)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
