"""The codebook page: themes → sub-themes → codes, with what each holds; curated by the owner or lead."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from coding import selectors
from coding.forms import CodeAddForm, CodeForm, CodeTargetForm
from coding.models import Code
from coding.services import codebook as codebook_services
from coding.services.frameworks import coding_setup
from coding.views.base import manager_required
from reviews.access import HtmxHttpRequest, ReviewAccess, review_member_required
from reviews.errors import ReviewRuleError


@require_safe
@review_member_required()
def codebook(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    review = access.review
    coding_setup(review=review)
    visible = selectors.visible_excerpts_of_review(
        review=review, viewer=request.user, sees_all=access.sees_unsettled
    )
    context = {
        "access": access,
        "review": review,
        "tree": selectors.codebook_tree(review=review, excerpts=visible),
        "code_choices": selectors.code_choices(review=review),
        "may_curate": access.is_owner or access.is_lead,
        "colours": range(1, codebook_services.COLOURS + 1),
    }
    return render(request, "coding/codebook.html", context)


def _code(access: ReviewAccess, code_id: int | None) -> Code | None:
    if code_id is None:
        return None
    return get_object_or_404(Code.objects.select_related("parent"), pk=code_id, review=access.review)


def _done(request, access: ReviewAccess, action, success: str) -> HttpResponse:
    try:
        action()
    except ReviewRuleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("coding:codebook", slug=access.review.slug)


@require_POST
@review_member_required()
def code_add(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    manager_required(request, access)
    form = CodeAddForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the new item a kind and a name.")
        return redirect("coding:codebook", slug=access.review.slug)
    parent = _code(access, form.cleaned_data.get("parent"))
    return _done(
        request,
        access,
        lambda: codebook_services.code_create(
            review=access.review,
            actor=request.user,
            kind=form.cleaned_data["kind"],
            name=form.cleaned_data["name"],
            parent=parent,
        ),
        f"“{form.cleaned_data['name']}” added.",
    )


@require_POST
@review_member_required()
def code_edit(request: HtmxHttpRequest, access: ReviewAccess, code_id: int) -> HttpResponse:
    manager_required(request, access)
    code = _code(access, code_id)
    form = CodeForm(request.POST)
    form.is_valid()
    cleaned = form.cleaned_data
    return _done(
        request,
        access,
        lambda: codebook_services.code_update(
            code=code,
            actor=request.user,
            name=cleaned.get("name") or None,
            description=cleaned.get("description") if "description" in request.POST else None,
            colour=cleaned.get("colour"),
        ),
        "Saved.",
    )


@require_POST
@review_member_required()
def code_move(request: HtmxHttpRequest, access: ReviewAccess, code_id: int) -> HttpResponse:
    manager_required(request, access)
    code = _code(access, code_id)
    form = CodeTargetForm(request.POST)
    form.is_valid()
    parent = _code(access, form.cleaned_data.get("target"))
    where = f"under “{parent.name}”" if parent else "to the top level"
    return _done(
        request,
        access,
        lambda: codebook_services.code_move(code=code, actor=request.user, parent=parent),
        f"“{code.name}” moved {where}.",
    )


@require_POST
@review_member_required()
def code_merge(request: HtmxHttpRequest, access: ReviewAccess, code_id: int) -> HttpResponse:
    manager_required(request, access)
    code = _code(access, code_id)
    form = CodeTargetForm(request.POST)
    form.is_valid()
    into = _code(access, form.cleaned_data.get("target"))
    if into is None:
        messages.error(request, "Choose what to merge it into.")
        return redirect("coding:codebook", slug=access.review.slug)
    return _done(
        request,
        access,
        lambda: codebook_services.code_merge(code=code, actor=request.user, into=into),
        f"“{code.name}” merged into “{into.name}”; its excerpts followed.",
    )


@require_POST
@review_member_required()
def code_delete(request: HtmxHttpRequest, access: ReviewAccess, code_id: int) -> HttpResponse:
    manager_required(request, access)
    code = _code(access, code_id)
    return _done(
        request,
        access,
        lambda: codebook_services.code_delete(code=code, actor=request.user),
        f"“{code.name}” deleted.",
    )
