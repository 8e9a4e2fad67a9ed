"""The reading pane: a study's text with its coded passages highlighted, and the coding panel beside it."""

from __future__ import annotations

from copy import copy

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HttpResponseStopPolling, trigger_client_event

from coding import selectors
from coding.forms import ExcerptForm, PasteForm
from coding.models import CodingAssignment, CodingStudy, Excerpt, StudyText
from coding.services import excerpts as excerpt_services
from coding.services import texts
from coding.services.frameworks import coding_setup
from coding.views.base import coder_required, study_or_404
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required
from reviews.errors import ReviewRuleError
from screening.selectors import full_text_for

HIGHLIGHT_CHOICES = (("valence", "Valence"), ("theme", "Theme"))
WORKSPACE = "coding/study.html#workspace"
SAVED = "coding/study.html#excerpt-saved"


def _highlight_by(request) -> str:
    value = request.GET.get("by") or request.POST.get("by") or "valence"
    return value if value in dict(HIGHLIGHT_CHOICES) else "valence"


def _state(access: ReviewAccess, record) -> dict:
    """Where the viewer stands on this study: their assignment, and what they may do."""
    # The coders with their study in one query; the study alone when it has no coder yet.
    assignments = list(CodingAssignment.objects.filter(study__record=record).select_related("study"))
    study = assignments[0].study if assignments else CodingStudy.objects.filter(record=record).first()
    mine = next((each for each in assignments if each.coder_id == access.membership.user_id), None)
    settings = coding_setup(review=access.review)
    reconciling = bool(study and study.is_reconciling)
    may_code = (
        access.may_decide
        and not reconciling
        and (mine is not None or len(assignments) < settings.coders_per_study)
        and not (mine is not None and mine.is_done)
    )
    return {
        "coding_study": study,
        "mine": mine,
        "is_reconciling": reconciling,
        "may_code": may_code,
        "lead_edits": reconciling and access.is_lead,
        "settings": settings,
    }


def _panel_context(
    access: ReviewAccess, record, *, form=None, excerpt=None, quote="", editable=True, **extra
):
    review = access.review
    context = {"panel_form": form, "panel_excerpt": excerpt, "panel_editable": editable, **extra}
    if form is None:  # the empty panel: an invitation to select a passage, no form to fill
        return context
    chosen_codes = {code.pk for code in excerpt.codes.all()} if excerpt else set()
    chosen_domains = {domain.pk for domain in excerpt.domains.all()} if excerpt else set()
    if form.is_bound:
        chosen_codes = {int(v) for v in form.data.getlist("codes") if str(v).isdigit()}
        chosen_domains = {int(v) for v in form.data.getlist("domains") if str(v).isdigit()}
    return {
        **context,
        "panel_quote": quote or (excerpt.quote if excerpt else ""),
        "valences": selectors.valences_of(review=review),
        "groups": selectors.groups_of(review=review),
        "frameworks": selectors.frameworks_of(review=review),
        "code_choices": selectors.code_choices(review=review),
        "chosen_codes": chosen_codes,
        "chosen_domains": chosen_domains,
    }


def _excerpts_url(access: ReviewAccess, record) -> str:
    """The list's links are this and the excerpt's id: one URL reversed rather than two an excerpt."""
    return reverse("coding:excerpt", args=[access.review.slug, record.pk, 0]).removesuffix("0/")


def _workspace_context(
    request, access: ReviewAccess, record, *, full_text=None, study_text=None, **panel
) -> dict:
    review = access.review
    highlight_by = _highlight_by(request)
    if study_text is None:
        study_text = selectors.study_text_of(record=record)
    pages = selectors.study_pages(study_text=study_text)
    visible = selectors.pane_excerpts(
        review=review, record=record, viewer=request.user, sees_all=access.sees_unsettled
    )
    state = _state(access, record)
    return {
        "access": access,
        "review": review,
        "record": record,
        "label": selectors.study_label(record),
        "full_text": full_text if full_text is not None else full_text_for(record_id=record.pk),
        "study_text": study_text,
        "progress": texts.study_text_progress(record.pk),
        "pages": [(page, selectors.page_html(page, visible, highlight_by)) for page in pages],
        "excerpts": visible,
        "excerpt_count": len(visible),
        "excerpts_url": _excerpts_url(access, record),
        "lost": [each for each in visible if each.anchor == Excerpt.Anchor.LOST],
        "highlight_by": highlight_by,
        "highlight_choices": HIGHLIGHT_CHOICES,
        "paste_form": PasteForm(),
        **state,
        **_panel_context(access, record, **panel),
    }


@require_safe
@vary_on_headers("HX-Request", "HX-Target")
@review_member_required()
def study(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    coding_setup(review=access.review)
    full_text = full_text_for(record_id=record.pk)
    study_text = selectors.study_text_of(record=record)
    # A study's PDF is read the first time anyone opens it here, and again when it has been replaced.
    if texts.study_text_needs_reading(record=record, study_text=study_text, full_text=full_text):
        texts.study_text_request(review=access.review, record=record, actor=request.user)
        study_text = selectors.study_text_of(record=record)
    template = WORKSPACE if request.htmx else "coding/study.html"
    context = _workspace_context(request, access, record, full_text=full_text, study_text=study_text)
    return render(request, template, context)


@require_safe
@review_member_required()
def text_progress(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    study_text = selectors.study_text_of(record=record)
    context = {
        "access": access,
        "review": access.review,
        "record": record,
        "study_text": study_text,
        "progress": texts.study_text_progress(record.pk),
    }
    response = render(request, "coding/study.html#text-status", context)
    if study_text is None or study_text.status != StudyText.Status.PENDING:
        response.status_code = HttpResponseStopPolling.status_code
        trigger_client_event(response, "study-text-read")
    return response


@require_POST
@review_member_required()
def text_read(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    if not (access.may_decide or access.is_owner or access.is_lead):
        forbid(request, "Only the review's coders, owners and lead read a study's text again.")
    try:
        texts.study_text_request(review=access.review, record=record, actor=request.user)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    return redirect("coding:study", slug=access.review.slug, record_id=record.pk)


@require_POST
@review_member_required()
def text_paste(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    if not (access.may_decide or access.is_owner or access.is_lead):
        forbid(request, "Only the review's coders, owners and lead paste a study's text.")
    form = PasteForm(request.POST)
    try:
        if not form.is_valid():
            raise ReviewRuleError(texts.TEXT_PASTE_EMPTY)
        texts.study_text_paste(
            review=access.review, record=record, actor=request.user, text=form.cleaned_data["text"]
        )
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "The text is saved; select a passage to code it.")
    return redirect("coding:study", slug=access.review.slug, record_id=record.pk)


# --- Excerpts ----------------------------------------------------------------------------------------


def _may_write_new(request, access: ReviewAccess, record) -> dict:
    state = _state(access, record)
    if not (state["may_code"] or state["lead_edits"]):
        if state["is_reconciling"]:
            forbid(request, excerpt_services.STUDY_RECONCILING)
        coder_required(request, access)
    return state


def _quote_at(record, start, end) -> str:
    """The passage at these offsets; none when it is only blank space, so the panel asks for a typed quote
    rather than showing an empty one."""
    if start is None or end is None:
        return ""
    study_text = selectors.study_text_of(record=record)
    pages = selectors.study_pages(study_text=study_text)
    passage = "".join(page.text for page in pages)[start:end]
    return passage if passage.strip() else ""


def _render_workspace(
    request, access, record, *, status: int = 200, saved: str = "", **panel
) -> HttpResponse:
    context = _workspace_context(request, access, record, saved=saved, **panel)
    response = render(request, WORKSPACE if request.htmx else "coding/study.html", context, status=status)
    if saved:
        trigger_client_event(response, "excerpt-saved")
    return response


def _list_changes(order: list[int], removed: Excerpt | None, added: Excerpt | None) -> dict:
    """How the list of excerpts changes: the line taken out, the line put in before the one that now follows
    it; or the whole list again when it was or becomes empty (its "None yet." goes or comes)."""
    whole = not order or (added is not None and order == [added.pk])
    follows = order.index(added.pk) + 1 if added is not None and added.pk in order else len(order)
    return {
        "whole": whole,
        "removed": [removed.pk] if removed is not None else [],
        "added": added,
        "before": order[follows] if follows < len(order) else None,
    }


def _render_saved(
    request,
    access: ReviewAccess,
    record,
    *,
    saved: str,
    state: dict,
    before: Excerpt | None,
    after: Excerpt | None,
) -> HttpResponse:
    """A save or delete over htmx: the panel emptied, and out of band only what the change touched (the pages
    under the excerpt's old and new places, its line in the list, the count, the study's status) rather
    than the whole workspace with every page and every excerpt."""
    review, sees_all = access.review, access.sees_unsettled
    highlight_by = _highlight_by(request)
    spans = [
        (each.start, each.end) for each in (before, after) if each is not None and each.start is not None
    ]
    pages = selectors.study_pages_over(record=record, spans=spans)
    shown = selectors.pane_excerpts(
        review=review,
        record=record,
        viewer=request.user,
        sees_all=sees_all,
        ids=[after.pk] if after is not None else [],
        span=(pages[0].start, pages[-1].end) if pages else None,
    )
    added = next((each for each in shown if after is not None and each.pk == after.pk), None)
    visible = selectors.visible_excerpt_order(record=record, viewer=request.user, sees_all=sees_all)
    order = [excerpt_id for excerpt_id, _ in visible]
    is_lost = any(anchor == Excerpt.Anchor.LOST for _, anchor in visible)
    context = {
        "access": access,
        "review": review,
        "record": record,
        "highlight_by": highlight_by,
        "saved": saved,
        "pages": [(page, selectors.page_html(page, shown, highlight_by)) for page in pages],
        "lost": selectors.lost_excerpts(record=record, viewer=request.user, sees_all=sees_all)
        if is_lost
        else [],
        "excerpt_count": len(order),
        "excerpts": [added] if added is not None and order == [added.pk] else [],
        "excerpts_url": _excerpts_url(access, record),
        "list_changes": _list_changes(order, before, added),
        # A coder's first excerpt put them on the study; otherwise saving changed nothing of where they stand.
        **(_state(access, record) if state["mine"] is None and after and after.coder_id else state),
        **_panel_context(access, record),
    }
    response = render(request, SAVED, context)
    trigger_client_event(response, "excerpt-saved")
    return response


def _render_panel(request, access, record, **panel) -> HttpResponse:
    """Opening the panel swaps the panel alone: the text beside it stays as it is."""
    if not request.htmx:
        return _render_workspace(request, access, record, **panel)
    context = {
        "access": access,
        "review": access.review,
        "record": record,
        "highlight_by": _highlight_by(request),
        **_state(access, record),
        **_panel_context(access, record, **panel),
    }
    return render(request, "coding/study.html#panel", context)


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@review_member_required()
def excerpt_new(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    state = _may_write_new(request, access, record)
    form = ExcerptForm(request.POST if request.method == "POST" else request.GET)
    is_well_formed = form.is_valid()
    start, end = form.cleaned_data.get("start"), form.cleaned_data.get("end")
    if request.method == "GET":
        initial = ExcerptForm(initial={"start": start, "end": end, "page": form.cleaned_data.get("page")})
        return _render_panel(request, access, record, form=initial, quote=_quote_at(record, start, end))
    if not is_well_formed:
        return _render_refused(
            request, access, record, form=form, quote=_quote_at(record, start, end), panel_error=form.refusal
        )
    try:
        excerpt = excerpt_services.excerpt_save(
            review=access.review, record=record, actor=request.user, data=form.excerpt_input(request.POST)
        )
    except ReviewRuleError as error:
        return _render_refused(
            request, access, record, form=form, quote=_quote_at(record, start, end), panel_error=str(error)
        )
    if request.htmx:
        return _render_saved(
            request, access, record, saved="Excerpt saved.", state=state, before=None, after=excerpt
        )
    return _render_workspace(request, access, record, saved="Excerpt saved.")


def _render_refused(request, access, record, **panel) -> HttpResponse:
    """The panel again with what was entered and why it was refused."""
    if request.htmx:
        return _render_panel(request, access, record, **panel)
    return _render_workspace(request, access, record, status=422, **panel)


def _excerpt(access: ReviewAccess, record, excerpt_id: int) -> Excerpt:
    visible = selectors.excerpts_visible(
        review=access.review, record=record, viewer=access.user, sees_all=access.sees_unsettled
    )
    excerpt = visible.filter(pk=excerpt_id).first()
    if excerpt is None:
        raise Http404("No such excerpt.")
    return excerpt


def _may_edit(access: ReviewAccess, excerpt: Excerpt, state: dict) -> bool:
    if excerpt.coder_id is None:
        return state["lead_edits"]
    return excerpt.coder_id == access.membership.user_id and state["may_code"]


@require_http_methods(["GET", "POST"])
@vary_on_headers("HX-Request")
@review_member_required()
def excerpt_edit(
    request: HtmxHttpRequest, access: ReviewAccess, record_id: int, excerpt_id: int
) -> HttpResponse:
    record = study_or_404(access, record_id)
    excerpt = _excerpt(access, record, excerpt_id)
    state = _state(access, record)
    editable = _may_edit(access, excerpt, state)
    if request.method == "GET":
        initial = {
            "start": excerpt.start,
            "end": excerpt.end,
            "page": excerpt.page,
            "note": excerpt.note,
            "quote": excerpt.quote if excerpt.anchor != Excerpt.Anchor.ANCHORED else "",
            "valence": excerpt.valence_id,
            "group": excerpt.group_id,
        }
        return _render_panel(
            request, access, record, form=ExcerptForm(initial=initial), excerpt=excerpt, editable=editable
        )
    if not editable:
        forbid(request, excerpt_services.EXCERPT_NOT_YOURS)
    form = ExcerptForm(request.POST)
    if not form.is_valid():
        return _render_refused(request, access, record, form=form, excerpt=excerpt, panel_error=form.refusal)
    before = copy(excerpt)  # where it was, for the pages to draw again
    try:
        excerpt = excerpt_services.excerpt_save(
            review=access.review,
            record=record,
            actor=request.user,
            data=form.excerpt_input(request.POST),
            excerpt=excerpt,
        )
    except ReviewRuleError as error:
        return _render_refused(request, access, record, form=form, excerpt=excerpt, panel_error=str(error))
    if request.htmx:
        return _render_saved(
            request, access, record, saved="Excerpt saved.", state=state, before=before, after=excerpt
        )
    return _render_workspace(request, access, record, saved="Excerpt saved.")


@require_POST
@review_member_required()
def excerpt_delete(
    request: HtmxHttpRequest, access: ReviewAccess, record_id: int, excerpt_id: int
) -> HttpResponse:
    record = study_or_404(access, record_id)
    excerpt = _excerpt(access, record, excerpt_id)
    state = _state(access, record)
    if not _may_edit(access, excerpt, state):
        forbid(request, excerpt_services.EXCERPT_NOT_YOURS)
    before = copy(excerpt)
    try:
        excerpt_services.excerpt_delete(review=access.review, excerpt=excerpt, actor=request.user)
    except ReviewRuleError as error:
        if request.htmx:
            return _render_panel(request, access, record, panel_error=str(error))
        return _render_workspace(request, access, record, panel_error=str(error))
    if request.htmx:
        return _render_saved(
            request, access, record, saved="Excerpt deleted.", state=state, before=before, after=None
        )
    return _render_workspace(request, access, record, saved="Excerpt deleted.")


@require_POST
@review_member_required()
def mark_done(request: HtmxHttpRequest, access: ReviewAccess, record_id: int) -> HttpResponse:
    record = study_or_404(access, record_id)
    coder_required(request, access)
    done = request.POST.get("done", "1") == "1"
    if not CodingAssignment.objects.filter(study__record=record, coder=request.user).exists():
        forbid(request, excerpt_services.CODER_NOT_ON_STUDY)
    try:
        excerpt_services.coding_mark_done(review=access.review, record=record, coder=request.user, done=done)
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, "Marked done: thank you." if done else "Reopened: you can change your excerpts again."
        )
    return redirect("coding:study", slug=access.review.slug, record_id=record.pk)
