"""The review report: the PRISMA flow, the methods text, agreement, the characteristics of included studies
and the coding synthesis, with every table in one workbook; and the downloads of records and decisions."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from extraction.selectors import included_studies
from lib import spreadsheet
from lib.spreadsheet import csv_cell
from report import selectors, services
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError
from reviews.exports import active_records, records_csv_lines, records_ris
from reviews.models import Role
from reviews.selectors import audit_event_list_for_review

REPORT_ROLES = (Role.OWNER, Role.LEAD)
PRISMA_FORMATS = {"svg": "image/svg+xml", "png": "image/png", "pdf": "application/pdf"}
STUDY_CSV_COLUMNS = (
    "record_id",
    "title",
    "authors",
    "year",
    "journal",
    "volume",
    "issue",
    "pages",
    "doi",
    "pmid",
    "abstract",
    "keywords",
)
HISTORY_CSV_COLUMNS = ("when", "who", "action", "record", "stage", "details")
DECISION_ACTIONS = ("screening.", "fulltext.")


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_safe
@review_member_required(*REPORT_ROLES)
def report_page(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    context = {"access": access, "review": access.review, **selectors.review_report(review=access.review)}
    return render(request, "report/report.html", context)


@require_safe
@review_member_required(*REPORT_ROLES)
def prisma_download(request: HtmxHttpRequest, access: ReviewAccess, fmt: str) -> HttpResponse:
    if fmt not in PRISMA_FORMATS:
        raise Http404("Download the diagram as svg, png or pdf.")
    flow = selectors.review_prisma(review=access.review)
    svg = selectors.prisma_svg(review=access.review, flow=flow)
    if fmt == "svg":
        body = svg.encode()
    else:
        import cairosvg  # imported here: it loads the Cairo library, which only these downloads need

        convert = cairosvg.svg2png if fmt == "png" else cairosvg.svg2pdf
        body = convert(bytestring=svg.encode(), scale=2 if fmt == "png" else 1)
    return _attachment(
        HttpResponse(body, content_type=PRISMA_FORMATS[fmt]), f"{access.review.slug}-prisma.{fmt}"
    )


@require_safe
@review_member_required(*REPORT_ROLES)
def workbook(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    tables = selectors.report_workbook_tables(review=access.review, with_extractions=access.sees_unsettled)
    response = HttpResponse(spreadsheet.workbook_xlsx(tables), content_type=spreadsheet.CONTENT_TYPES["xlsx"])
    return _attachment(response, f"{access.review.slug}-report.xlsx")


def _int(request, name: str) -> int:
    value = request.POST.get(name, "").strip() or "0"
    if not value.isdigit():
        raise ReviewRuleError(f"“{value}” is not a number of reports.")
    return int(value)


@require_POST
@review_member_required(Role.OWNER)
def other_methods(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    try:
        services.other_methods_save(
            review=access.review,
            actor=request.user,
            identified=services.other_methods_lines(request.POST.get("identified", "")),
            sought=_int(request, "sought"),
            not_retrieved=_int(request, "not_retrieved"),
            assessed=_int(request, "assessed"),
            excluded=services.other_methods_lines(request.POST.get("excluded", "")),
            included=_int(request, "included"),
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The other-methods column is saved.")
    return redirect("report:report", slug=access.review.slug)


# --- Downloads ---------------------------------------------------------------------------------------


def _study_lines(records) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(STUDY_CSV_COLUMNS)
    for record in records.iterator(chunk_size=2000):
        values = {
            "record_id": record.pk,
            "authors": "; ".join(record.authors),
            "keywords": "; ".join(record.keywords),
            "year": record.year or "",
        } | {
            name: getattr(record, name)
            for name in ("title", "journal", "volume", "issue", "pages", "doi", "pmid", "abstract")
        }
        writer.writerow([csv_cell(values[name]) for name in STUDY_CSV_COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


@require_safe
@review_member_required()
def records_download(request: HtmxHttpRequest, access: ReviewAccess, which: str, fmt: str) -> HttpResponse:
    """Every study record, or the included studies, as RIS (for EndNote, Zotero, or Tandem again) or CSV.
    The whole set of records is every member's to see; included studies are settled."""
    review = access.review
    if which not in ("records", "included") or fmt not in ("ris", "csv"):
        raise Http404("Download records or included studies as ris or csv.")
    records = active_records(review) if which == "records" else included_studies(review=review)
    filename = f"{review.slug}-{'records' if which == 'records' else 'included-studies'}.{fmt}"
    if fmt == "ris":
        response = HttpResponse(
            records_ris(records.iterator(chunk_size=2000)), content_type="application/x-research-info-systems"
        )
    elif which == "records":
        # One row per source record, as each database gave it (the record it now belongs to first).
        response = StreamingHttpResponse(records_csv_lines(review), content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(_study_lines(records), content_type="text/csv; charset=utf-8")
    return _attachment(response, filename)


def _history_lines(events) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HISTORY_CSV_COLUMNS)
    for event in events:
        after = event.after if isinstance(event.after, dict) else {}
        before = event.before if isinstance(event.before, dict) else {}
        details = {key: value for key, value in {**before, **after}.items() if key not in ("record", "stage")}
        writer.writerow(
            [
                csv_cell(value)
                for value in (
                    event.created_at.isoformat(timespec="seconds"),
                    event.actor_username or "system",
                    event.action,
                    after.get("record", before.get("record", "")),
                    after.get("stage", before.get("stage", "")),
                    "; ".join(f"{key}: {value}" for key, value in details.items()),
                )
            ]
        )
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


@require_safe
@review_member_required(*REPORT_ROLES)
def decision_history(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """Every screening decision, change, undo, conflict and resolution as it happened, oldest first;
    blinded as the History page is for a member who does not see unsettled work."""
    viewer = None if access.sees_unsettled else request.user
    events = audit_event_list_for_review(
        review=access.review, viewer=viewer, limit=None, prefixes=DECISION_ACTIONS
    )
    events = events.order_by("created_at", "id").iterator(chunk_size=2000)
    response = StreamingHttpResponse(_history_lines(events), content_type="text/csv; charset=utf-8")
    return _attachment(response, f"{access.review.slug}-decision-history.csv")
