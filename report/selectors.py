"""Reads for the overview and the report: each stage offers its own figures; this composes them."""

from __future__ import annotations

from typing import Any

from coding.selectors import coding_progress, coding_study_rows
from extraction.selectors import extraction_totals
from reviews.access import ReviewAccess
from reviews.selectors import review_stage_counts
from screening.overview import screening_overview


def review_overview(*, access: ReviewAccess) -> dict[str, Any]:
    review = access.review
    coding_rows = coding_study_rows(review=review, viewer=access.user, sees_all=access.sees_unsettled)
    return {
        "stages": review_stage_counts(review=review),
        "screening": screening_overview(access=access, user=access.user),
        "extraction_totals": extraction_totals(review),
        "coding": coding_progress(review=review, rows=coding_rows, sees_all=access.sees_unsettled),
        "coding_rows": coding_rows,
    }
