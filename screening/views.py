from __future__ import annotations

from csp.decorators import csp_exempt
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required
from reviews.errors import ReviewRuleError
from reviews.links import link_for_each
from reviews.models import Review, Role
from reviews.uploads import accepts_upload
from screening import selectors, services
from screening.exports import decisions_csv_lines
from screening.forms import DecisionForm, FullTextUploadForm, NotRetrievableForm, ResolveForm
from screening.highlight import highlight_keywords
from screening.models import STAGE_SLUGS, FullText, RecordStage, Stage
from screening.rules import Outcome, stage_outcome


def _stage(stage_slug: str) -> str:
    stage = selectors.stage_from_slug(stage_slug)
    if stage is None:
        raise Http404("No such stage.")
    return stage


def _record_stage_or_404(access: ReviewAccess, record_id: int, stage: str) -> RecordStage:
    record_stage = selectors.screening_record_stage(review=access.review, record_id=record_id, stage=stage)
    if record_stage is None:
        raise Http404(f"This record is not at the {Stage(stage).label.lower()} stage.")
    return record_stage


def _check_screener(request, access: ReviewAccess) -> None:
    if not access.may_decide:
        forbid(request, "Only the review's reviewers screen records (leads resolve conflicts instead).")


def _record_url(access: ReviewAccess, stage: str, record_id: int) -> str:
    return reverse("screening:record", args=[access.review.slug, STAGE_SLUGS[stage], record_id])


_UNKNOWN = object()


def _panel_context(
    request,
    access: ReviewAccess,
    stage: str,
    record_stage: RecordStage | None,
    *,
    order: dict | None = None,
    my_decision=_UNKNOWN,
    **extra,
) -> dict:
    """The screening panel's context. ``order``: the reviewer's queue order, when the caller has it;
    ``my_decision``: theirs on the record, when known (a record just served has none)."""
    review = access.review
    if order is None and stage == Stage.TITLE_ABSTRACT:
        order = selectors.screening_order(review=review, reviewer=request.user, stage=stage)
    context = {
        "access": access,
        "review": review,
        "stage": stage,
        "stage_slug": STAGE_SLUGS[stage],
        "stage_label": Stage(stage).label,
        "record_stage": record_stage,
        "progress": selectors.screening_progress(review=review, reviewer=request.user, stage=stage),
        "order": order if stage == Stage.TITLE_ABSTRACT else None,
        # Settled for everyone by one reviewer's mark: every queue shows it, so nobody wonders where it went.
        "not_retrievable": list(selectors.full_texts_not_retrievable(review=review)[:5])
        if stage == Stage.FULL_TEXT
        else [],
        "form_error": "",
        **extra,
    }
    if record_stage is None and stage == Stage.TITLE_ABSTRACT:
        # An empty queue says why when the team stopped screening, rather than leave the reviewer wondering.
        context["stopped"] = selectors.screening_stopped(review=review)
    if record_stage is not None:
        record = record_stage.record
        if my_decision is _UNKNOWN:
            my_decision = selectors.screening_my_decision(record_stage=record_stage, reviewer=request.user)
        keywords = {"include": review.include_keywords, "exclude": review.exclude_keywords}
        context.update(
            record=record,
            title_html=highlight_keywords(record.title, **keywords),
            abstract_html=highlight_keywords(record.abstract, **keywords),
            keywords_html=[highlight_keywords(keyword, **keywords) for keyword in record.keywords],
            sources=selectors.screening_record_sources(record_id=record.pk),
            # Journal, year, DOI and PMID, those the record has: no separator before a missing one.
            record_facts=[
                fact
                for fact in (
                    record.journal,
                    record.year and str(record.year),
                    record.doi and f"DOI {record.doi}",
                    record.pmid and f"PMID {record.pmid}",
                )
                if fact
            ],
            my_decision=my_decision,
            is_full_for_me=selectors.screening_is_full_for(
                review=review, record_stage=record_stage, reviewer=request.user, my_decision=my_decision
            ),
            full_text=selectors.full_text_for(record_id=record.pk) if stage == Stage.FULL_TEXT else None,
        )
    return context


@require_safe
@review_member_required(Role.REVIEWER)
def screen_next(request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str) -> HttpResponse:
    stage = _stage(stage_slug)
    _check_screener(request, access)
    record_stage = services.screening_lease_next(
        review=access.review, reviewer=request.user, stage=stage, resume=True
    )
    if record_stage is not None:
        return redirect(_record_url(access, stage, record_stage.record_id))
    return render(request, "screening/screen.html", _panel_context(request, access, stage, None))


@require_safe
@vary_on_headers("HX-Request")
@review_member_required(Role.REVIEWER)
def screen_record(
    request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str, record_id: int
) -> HttpResponse:
    stage = _stage(stage_slug)
    _check_screener(request, access)
    record_stage = _record_stage_or_404(access, record_id, stage)
    template = "screening/screen.html#screen-panel" if request.htmx else "screening/screen.html"
    return render(request, template, _panel_context(request, access, stage, record_stage))


def _render_next(
    request,
    access: ReviewAccess,
    stage: str,
    *,
    previous: int | None,
    saved: dict | None = None,
    error: str = "",
    team: dict | None = None,
) -> HttpResponse:
    order = selectors.screening_order(review=access.review, reviewer=request.user, stage=stage, team=team)
    record_stage = services.screening_lease_next(
        review=access.review, reviewer=request.user, stage=stage, order=order
    )
    # A record served from the queue is one the reviewer has not decided.
    context = _panel_context(
        request, access, stage, record_stage, order=order, my_decision=None, previous=previous, saved=saved
    )
    url = (
        _record_url(access, stage, record_stage.record_id)
        if record_stage
        else reverse("screening:next", args=[access.review.slug, STAGE_SLUGS[stage]])
    )
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(url)
    # The next record replaces this one in place; the address follows, so back and reload still work.
    return push_url(render(request, "screening/screen.html#screen-panel", context), url)


@require_POST
@review_member_required(Role.REVIEWER)
def decide(request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str, record_id: int) -> HttpResponse:
    stage = _stage(stage_slug)
    _check_screener(request, access)
    form = DecisionForm(request.POST)
    error = "Choose Include, Maybe or Exclude." if not form.is_valid() else ""
    team = None
    if not error:
        team = selectors.screening_team(review=access.review)
        try:
            # The record is read with its stage row, under the row's lock (one query for both).
            record_stage, _ = services.screening_decision_record_by_id(
                review=access.review,
                record_id=record_id,
                reviewer=request.user,
                stage=stage,
                membership=access.membership,
                ranking_on=team["ranking_on"],
                **form.cleaned_data,
            )
        except ReviewRuleError as rule_error:
            error = str(rule_error)
    if error:
        # Not a record of the review at this stage (DecisionRecordNotAtStage, or a bad form for one): 404.
        record_stage = _record_stage_or_404(access, record_id, stage)
        context = _panel_context(request, access, stage, record_stage, form_error=error)
        template = "screening/screen.html#screen-panel" if request.htmx else "screening/screen.html"
        return render(request, template, context, status=422 if not request.htmx else 200)
    saved = {"choice": form.cleaned_data["choice"].capitalize(), "title": record_stage.record.title}
    return _render_next(request, access, stage, previous=record_stage.record_id, saved=saved, team=team)


@require_POST
@review_member_required(Role.REVIEWER)
def undo(request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str, record_id: int) -> HttpResponse:
    stage = _stage(stage_slug)
    _check_screener(request, access)
    record_stage = _record_stage_or_404(access, record_id, stage)
    error = ""
    try:
        services.screening_decision_undo(
            review=access.review, record=record_stage.record, reviewer=request.user, stage=stage
        )
    except ReviewRuleError as rule_error:
        error = str(rule_error)
    record_stage.refresh_from_db()
    url = _record_url(access, stage, record_id)
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect(url)
    context = _panel_context(request, access, stage, record_stage, form_error=error)
    return push_url(render(request, "screening/screen.html#screen-panel", context), url)


# --- Full texts ----------------------------------------------------------------------------------


def _safe_next(request) -> str:
    target = request.POST.get("next", "")
    return target if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) else ""


def _full_text_stage(access: ReviewAccess, record_id: int) -> RecordStage:
    return _record_stage_or_404(access, record_id, Stage.FULL_TEXT)


def _upload_message(before: FullText | None) -> str:
    if before is not None and before.is_not_retrievable:
        return "Full text uploaded; the record is open for screening again."
    if before is not None and before.file:
        return "Full text replaced, for both reviewers."
    return "Full text uploaded."


@accepts_upload(lambda: settings.FULLTEXT_MAX_BYTES)
@require_POST
@review_member_required()
def full_text_upload(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record_stage = _full_text_stage(access, record_id)
    form = FullTextUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a PDF file to upload.")
    else:
        before = selectors.full_text_for(record_id=record_id)
        try:
            services.full_text_upload(
                review=access.review,
                record=record_stage.record,
                actor=request.user,
                uploaded=form.cleaned_data["file"],
            )
        except ReviewRuleError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _upload_message(before))
    return redirect(_safe_next(request) or _record_url(access, Stage.FULL_TEXT, record_id))


@require_POST
@review_member_required()
def full_text_not_retrievable(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record_stage = _full_text_stage(access, record_id)
    form = NotRetrievableForm(request.POST)
    back = redirect(_safe_next(request) or _record_url(access, Stage.FULL_TEXT, record_id))
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return back
    try:
        services.full_text_mark_not_retrievable(
            review=access.review,
            record=record_stage.record,
            actor=request.user,
            note=form.cleaned_data["note"],
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Marked as not retrievable; it counts as such in the PRISMA flow.")
    return back


@require_safe
@review_member_required()
@xframe_options_sameorigin
# The browser's PDF viewer runs as an embedded object; a policy of object-src 'none' on the PDF
# itself would blank it. The page that frames it keeps the full policy.
@csp_exempt()
def full_text_file(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    full_text = selectors.full_text_for(record_id=record_id)
    if full_text is None or full_text.review_id != access.review.pk or not full_text.file:
        raise Http404("No full text for this record.")
    as_attachment = request.GET.get("download") == "1"
    response = FileResponse(
        full_text.file.open("rb"),
        as_attachment=as_attachment,
        filename=full_text.original_filename or f"record-{record_id}.pdf",
        content_type="application/pdf",
    )
    response["Cache-Control"] = "private, no-store"
    return response


# --- The lead's view ----------------------------------------------------------------------------


def _conflict_items(review: Review, stage: str, record_stages: list[RecordStage]) -> list[dict]:
    decisions = selectors.screening_decisions_for(record_stages=record_stages)
    record_ids = [record_stage.record_id for record_stage in record_stages]
    # At full text the lead reads the paper before settling; the card links to it.
    full_texts = selectors.full_texts_for(record_ids=record_ids) if stage == Stage.FULL_TEXT else {}
    record_url = link_for_each("reviews:record", review.slug)
    resolve_url = link_for_each("screening:resolve", review.slug, STAGE_SLUGS[stage])
    full_text_url = link_for_each("screening:fulltext_file", review.slug)
    return [
        {
            "record_stage": record_stage,
            "record": record_stage.record,
            # A string: the card shows the id six times, and a number is formatted for the locale each time.
            "id": str(record_stage.record_id),
            "decisions": decisions[record_stage.record_id],
            "agreed": _agreed(stage, decisions[record_stage.record_id]),
            "full_text": full_texts.get(record_stage.record_id),
            "record_url": record_url(record_stage.record_id),
            "resolve_url": resolve_url(record_stage.record_id),
            "full_text_url": full_text_url(record_stage.record_id),
        }
        for record_stage in record_stages
    ]


def _agreed(stage: str, decisions: list) -> Outcome | None:
    """What the votes now say where the reviewers changed them after the record became a conflict and
    agree: the lead still settles it (settling it by itself would tell the reviewer who changed how the
    other voted), but need not read it as a disagreement."""
    if len(decisions) < 2:
        return None
    outcome = stage_outcome(stage, [(decision.choice, decision.reason) for decision in decisions])
    return None if outcome.status == RecordStage.Status.CONFLICT else outcome


@require_safe
@review_member_required(Role.LEAD)
def conflicts_start(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """The menu's way in: title and abstract, unless only the full texts have conflicts."""
    counts = selectors.screening_conflict_counts(review=access.review)
    only_full_text = counts[Stage.FULL_TEXT] and not counts[Stage.TITLE_ABSTRACT]
    stage = Stage.FULL_TEXT if only_full_text else Stage.TITLE_ABSTRACT
    return redirect("screening:conflicts", slug=access.review.slug, stage_slug=STAGE_SLUGS[stage])


@require_safe
@review_member_required(Role.LEAD)
def conflict_list(request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str) -> HttpResponse:
    stage = _stage(stage_slug)
    conflicts = list(selectors.screening_conflicts(review=access.review, stage=stage)[:200])
    counts = selectors.screening_conflict_counts(review=access.review)
    context = {
        "access": access,
        "review": access.review,
        "stage": stage,
        "stage_slug": stage_slug,
        "stage_label": Stage(stage).label,
        "items": _conflict_items(access.review, stage, conflicts),
        "counts": counts,
        "total": counts[stage],
    }
    if stage == Stage.FULL_TEXT:
        context["not_retrievable"] = list(selectors.full_texts_not_retrievable(review=access.review)[:200])
        context["without_full_text"] = list(selectors.decisions_without_full_text(review=access.review)[:200])
    return render(request, "screening/conflicts.html", context)


@require_POST
@review_member_required(Role.LEAD)
def resolve(request: HtmxHttpRequest, access: ReviewAccess, stage_slug: str, record_id: int) -> HttpResponse:
    stage = _stage(stage_slug)
    record_stage = _record_stage_or_404(access, record_id, stage)
    form = ResolveForm(request.POST)
    error = "Resolve as include or as exclude." if not form.is_valid() else ""
    if not error:
        try:
            record_stage = services.screening_conflict_resolve(
                review=access.review, record_stage=record_stage, lead=request.user, **form.cleaned_data
            )
        except ReviewRuleError as rule_error:
            error = str(rule_error)
            record_stage.refresh_from_db()
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("screening:conflicts", slug=access.review.slug, stage_slug=stage_slug)
    counts = selectors.screening_conflict_counts(review=access.review)
    context = {
        "access": access,
        "review": access.review,
        "stage": stage,
        "stage_slug": stage_slug,
        "stage_label": Stage(stage).label,
        "item": _conflict_items(access.review, stage, [record_stage])[0],
        "error": error,
        "counts": counts,
        "total": counts[stage],
        "oob": True,
    }
    # The card, and the counts above the list swapped in beside it (one conflict fewer).
    card = render_to_string("screening/conflicts.html#conflict-card", context, request)
    summary = render_to_string("screening/conflicts.html#conflict-summary", context, request)
    return HttpResponse(card + summary)


@require_safe
@review_member_required()
def decisions_export(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    """Decisions as CSV: everything for the lead; for anyone else, settled records and their own."""
    response = StreamingHttpResponse(
        decisions_csv_lines(access.review, viewer=request.user), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{access.review.slug}-decisions.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _not_retrievable_action(request, access: ReviewAccess, record_id: int, action, done: str) -> HttpResponse:
    record_stage = _record_stage_or_404(access, record_id, Stage.FULL_TEXT)
    try:
        action(review=access.review, record=record_stage.record, lead=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("screening:conflicts", slug=access.review.slug, stage_slug=STAGE_SLUGS[Stage.FULL_TEXT])


@require_POST
@review_member_required(Role.LEAD)
def full_text_confirm(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    return _not_retrievable_action(
        request,
        access,
        record_id,
        services.full_text_not_retrievable_confirm,
        "Confirmed as not retrievable.",
    )


@require_POST
@review_member_required(Role.LEAD)
def full_text_reopen(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    return _not_retrievable_action(
        request,
        access,
        record_id,
        services.full_text_not_retrievable_reopen,
        "Reopened for full-text screening.",
    )
