"""The synthesis, live: the domain table and chart, themes with example quotes, the study × domain heat map;
each filtered by group, valence and study, and downloaded as CSV or XLSX."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from coding import selectors, synthesis
from coding.services.frameworks import coding_setup
from extraction.selectors import included_studies
from lib import spreadsheet
from reviews.access import HtmxHttpRequest, ReviewAccess, forbid, review_member_required

TABS = (("domains", "Domains"), ("themes", "Themes"), ("matrix", "Studies × domains"))
TABLES = {"domains", "themes", "matrix"}


def _ids(request, name: str) -> tuple[int, ...]:
    return tuple(sorted({int(value) for value in request.GET.getlist(name) if value.isdigit()}))


def _scope(request, access: ReviewAccess) -> tuple[synthesis.Scope, str]:
    """The excerpts a table counts: the final set, or one coder's own. A blinded member may ask for their
    own only; a lead (or an owner who does not code) for anyone's."""
    coder_name = request.GET.get("coder", "")
    coder_id = None
    if coder_name:
        if coder_name != request.user.get_username() and not access.sees_unsettled:
            forbid(request, "Only the lead sees another coder's excerpts before reconciliation.")
        coder = (
            get_user_model().objects.filter(username=coder_name, memberships__review=access.review).first()
        )
        if coder is None:
            raise Http404("No such coder.")
        coder_id = coder.pk
    framework = request.GET.get("framework", "")
    scope = synthesis.Scope(
        coder_id=coder_id,
        group_ids=_ids(request, "group"),
        valence_ids=_ids(request, "valence"),
        record_ids=_ids(request, "study"),
        framework_id=int(framework) if framework.isdigit() else None,
    )
    return scope, coder_name


def _denominator(request) -> str:
    value = request.GET.get("denominator", "valence")
    return value if value in synthesis.DENOMINATORS else "valence"


@require_safe
@vary_on_headers("HX-Request")
@review_member_required()
def synthesis_page(request: HtmxHttpRequest, access: ReviewAccess) -> HttpResponse:
    review = access.review
    settings = coding_setup(review=review)
    tab = request.GET.get("tab", "domains")
    tab = tab if tab in TABLES else "domains"
    scope, coder_name = _scope(request, access)
    context = {
        "access": access,
        "review": review,
        "settings": settings,
        "tab": tab,
        "tabs": TABS,
        "scope": scope,
        "coder_name": coder_name,
        "denominator": _denominator(request),
        "denominators": synthesis.DENOMINATORS,
        "unit_text": synthesis.UNIT_TEXT,
        "valences": selectors.valences_of(review=review),
        "groups": selectors.groups_of(review=review),
        "frameworks": selectors.frameworks_of(review=review, with_domains=False),
        "studies": [
            (study, selectors.study_label(study))
            for study in included_studies(review=review).only("pk", "authors", "year")
        ],
        "coders": _coders(access, request),
        "query": request.GET.urlencode(),
    }
    if tab == "domains":
        table = synthesis.domain_table(
            review=review,
            scope=scope,
            denominator=context["denominator"],
            labels=(context["valences"], context["groups"]),
        )
        context |= {"table": table, "chart": synthesis.domain_chart(table)}
    elif tab == "themes":
        context["themes"] = synthesis.theme_table(review=review, scope=scope)
    else:
        context["matrix"] = synthesis.study_domain_matrix(review=review, scope=scope)
    template = "coding/synthesis.html#synthesis-body" if request.htmx else "coding/synthesis.html"
    return render(request, template, context)


def _coders(access: ReviewAccess, request) -> list[str]:
    from reviews.selectors import membership_list_for_review

    if access.sees_unsettled:
        return [
            m.user.get_username() for m in membership_list_for_review(review=access.review) if m.may_decide
        ]
    return [request.user.get_username()] if access.may_decide else []


@require_safe
@review_member_required()
def synthesis_export(
    request: HtmxHttpRequest, access: ReviewAccess, table_name: str, fmt: str
) -> HttpResponse:
    if table_name not in TABLES or fmt not in spreadsheet.FORMATS:
        raise Http404("Download the domains, themes or matrix table as csv or xlsx.")
    scope, coder_name = _scope(request, access)
    review = access.review
    if table_name == "domains":
        table = synthesis.domain_table_export(
            synthesis.domain_table(review=review, scope=scope, denominator=_denominator(request))
        )
    elif table_name == "themes":
        table = synthesis.theme_table_export(synthesis.theme_table(review=review, scope=scope))
    else:
        table = synthesis.matrix_export(synthesis.study_domain_matrix(review=review, scope=scope))
    response = HttpResponse(spreadsheet.table_bytes(table, fmt), content_type=spreadsheet.CONTENT_TYPES[fmt])
    who = f"-{coder_name}" if coder_name else ""
    response["Content-Disposition"] = (
        f'attachment; filename="{review.slug}-synthesis-{table_name}{who}.{fmt}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
