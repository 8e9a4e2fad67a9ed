"""Reads for the overview and the report: each stage offers its own figures; this composes them."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from coding.selectors import coding_overview
from coding.synthesis import (
    Scope,
    domain_table,
    domain_table_export,
    matrix_export,
    study_domain_matrix,
    theme_table,
    theme_table_export,
)
from extraction.exports import raw_table, reconciled_table
from extraction.selectors import extraction_totals, included_study_ids
from lib.spreadsheet import Table
from report.methods import methods_text, searches
from report.models import OtherMethods
from report.prisma import PrismaFlow, prisma_flow
from report.prisma_diagram import prisma_diagram
from reviews.access import ReviewAccess
from reviews.models import Review
from reviews.selectors import review_stage_counts
from screening.models import Stage
from screening.overview import screening_overview
from screening.selectors import screening_agreement_combined

# The overview lists this many studies' coding at most, those still open first; the Coding page lists all
# (a large review includes hundreds of studies, and a row each made the overview slow to draw).
OVERVIEW_CODING_ROWS = 20


def review_overview(*, access: ReviewAccess) -> dict[str, Any]:
    review = access.review
    # Read once for the coding figures and the extraction totals alike.
    study_ids = included_study_ids(review=review)
    coding, coding_rows, more = coding_overview(
        review=review,
        viewer=access.user,
        sees_all=access.sees_unsettled,
        shown=OVERVIEW_CODING_ROWS,
        study_ids=study_ids,
    )
    return {
        "stages": review_stage_counts(review=review),
        "screening": screening_overview(access=access, user=access.user),
        "extraction_totals": extraction_totals(review, study_ids=study_ids),
        "coding": coding,
        "coding_rows": coding_rows,
        "coding_rows_more": more,
    }


def other_methods_of(review: Review) -> dict:
    other = OtherMethods.objects.filter(review=review).first()
    return other.data if other is not None else {}


def review_prisma(*, review: Review) -> PrismaFlow:
    return prisma_flow(review=review, other_methods=other_methods_of(review))


def prisma_svg(*, review: Review, flow: PrismaFlow, standalone: bool = True) -> str:
    svg = render_to_string(
        "report/_prisma.svg", {"review": review, "flow": flow, "diagram": prisma_diagram(flow)}
    )
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + svg) if standalone else svg


def _agreement_rows(review: Review) -> list[tuple[str, Any]]:
    return [
        (Stage(stage).label, screening_agreement_combined(review=review, stage=stage))
        for stage in (Stage.TITLE_ABSTRACT, Stage.FULL_TEXT)
    ]


def review_report(*, review: Review) -> dict[str, Any]:
    """Everything the report page shows. The tables are the settled and reconciled ones only: the report
    is the same for every member (and so is safe for a blinded reviewer to read)."""
    flow = review_prisma(review=review)
    domains = domain_table(review=review)
    return {
        "flow": flow,
        "prisma": prisma_svg(review=review, flow=flow, standalone=False),
        "methods": methods_text(review=review, flow=flow),
        "searches": searches(review=review),
        "agreement": _agreement_rows(review),
        "characteristics": reconciled_table(review=review),
        "totals": extraction_totals(review),
        "domains": domains,
        "themes": theme_table(review=review),
        "other_methods": other_methods_of(review),
    }


def _flow_table(flow: PrismaFlow) -> Table:
    rows = [["Records identified", name, n] for name, n in flow.identified.items()]
    rows += [
        ["Records identified", "Total", flow.identified_total],
        ["Records removed before screening", "Duplicates", flow.duplicates_removed],
        ["Records removed before screening", "Other reasons", flow.removed_other],
        ["Records removed before screening", "Not screened, screening stopped", flow.not_screened],
        ["Records screened", "", flow.screened],
        ["Records excluded", "", flow.excluded_screening],
        ["Records still being screened", "", flow.awaiting_screening],
        ["Reports sought for retrieval", "", flow.sought],
        ["Reports not retrieved", "", flow.not_retrieved],
        ["Reports assessed for eligibility", "", flow.assessed],
    ]
    rows += [["Reports excluded", reason, n] for reason, n in flow.excluded_full_text.items()]
    rows += [
        ["Reports still being assessed", "", flow.awaiting_full_text],
        ["Studies included", "", flow.included_studies],
        ["Reports of included studies", "", flow.included_reports],
    ]
    for key, value in (flow.other_methods or {}).items():
        if isinstance(value, dict):
            rows += [[f"Other methods: {key}", name, n] for name, n in value.items()]
        else:
            rows.append([f"Other methods: {key}", "", value])
    rows += [["Error", error.message, ", ".join(map(str, error.record_ids))] for error in flow.errors]
    return Table("PRISMA flow", ["box", "detail", "n"], rows)


def report_workbook_tables(*, review: Review, with_extractions: bool) -> list[Table]:
    """The report's tables for one workbook: the flow, the searches, the methods text, the characteristics
    of included studies as reconciled and (``with_extractions``, for those who see unsettled work) as each
    reviewer extracted them, which Cochrane asks be kept beside the consensus values; and the coding
    synthesis of the final set."""
    flow = review_prisma(review=review)
    tables = [
        _flow_table(flow),
        Table(
            "Searches",
            ["database", "date searched", "search string", "records", "file"],
            [
                [s.database, s.searched_on, s.search_string, s.records, s.file]
                for s in searches(review=review)
            ],
        ),
        Table(
            "Methods", ["paragraph"], [[paragraph] for paragraph in methods_text(review=review, flow=flow)]
        ),
        reconciled_table(review=review),
    ]
    if with_extractions:
        raw = raw_table(review=review)
        raw.title = "Data as extracted"
        tables.append(raw)
    scope = Scope()
    tables += [
        domain_table_export(domain_table(review=review, scope=scope)),
        theme_table_export(theme_table(review=review, scope=scope)),
        matrix_export(study_domain_matrix(review=review, scope=scope)),
    ]
    return tables
